namespace Recd.BoardIo;

/// <summary>
/// What board I/O shows right now, for diagnostics (control socket, serial shell): read-only, immutable.
/// </summary>
/// <param name="Gpio">Why there is no GPIO ("Gpio:Driver is none", the driver's exception), or null when there is.</param>
/// <param name="RecordingLed">Null when the board has no such line (or no GPIO).</param>
/// <param name="DisplayText">The last text the panel was sent, or null (no display, nothing sent yet).</param>
/// <param name="TemperatureC">Last reading of Sensors:ThermalZone, or null.</param>
public sealed record BoardIoSnapshot(
    string? Gpio,
    bool? RecordingLed,
    bool? ErrorLed,
    string? DisplayText,
    double? TemperatureC,
    int ActiveRecordings,
    long ShortPresses,
    long LongPresses,
    long WriteFailures);
