namespace Recd.BoardIo;

/// <summary>
/// What board I/O shows right now, for diagnostics (control socket, serial shell): read-only, immutable.
/// </summary>
/// <param name="Gpio">Why there is no GPIO ("Gpio:Driver is none", the driver's exception), or null when there is.</param>
/// <param name="RecordingLed">Null when the board has no such line (or no GPIO).</param>
/// <param name="DisplayText">The last text the panel was sent, or null (no display, nothing sent yet).</param>
/// <param name="TemperatureC">Last reading of Sensors:ThermalZone, or null.</param>
/// <param name="Lines">Every line the profile names, in profile order (empty without GPIO).</param>
/// <param name="ButtonPressed">Null without a working button line.</param>
public sealed record BoardIoSnapshot(
    string? Gpio,
    bool? RecordingLed,
    bool? ErrorLed,
    string? DisplayText,
    double? TemperatureC,
    int ActiveRecordings,
    long ShortPresses,
    long LongPresses,
    long WriteFailures)
{
    /// <summary>The profile's Gpio:Driver and Gpio:Chip.</summary>
    public string Driver { get; init; } = "none";

    public int Chip { get; init; }

    public IReadOnlyList<GpioLineState> Lines { get; init; } = [];

    /// <summary>"tm1637" or "none"; <see cref="DisplayText"/> says what it shows.</summary>
    public string Display { get; init; } = "none";

    public bool? ButtonPressed { get; init; }
}

/// <summary>One configured line as board I/O uses it.</summary>
/// <param name="Direction">"out", "in", or "-" (not opened, not used).</param>
/// <param name="Value">The level last written ("high"/"low", with what it means), or why there is none.</param>
public readonly record struct GpioLineState(string Role, int Line, string Direction, string Value);
