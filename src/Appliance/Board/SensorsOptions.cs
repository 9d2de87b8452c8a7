namespace Recd.Board;

/// <summary>
/// Where the board's temperature comes from, from the profile's "Sensors" section. A thermal zone
/// file (millidegrees Celsius), not an I2C sensor binding: those return UnitsNet quantities, which
/// cost ~5.7 MB and a trim warning under NativeAOT (shared/boards.md).
/// </summary>
public sealed class SensorsOptions
{
    /// <summary>e.g. /sys/class/thermal/thermal_zone0/temp; none: no temperature.</summary>
    public string? ThermalZone { get; set; }

    public void Validate()
    {
        if (ThermalZone is { Length: > 0 } zone && !zone.StartsWith("/sys/", StringComparison.Ordinal))
            throw new ArgumentException($"Sensors:ThermalZone must be a /sys path, got '{zone}'");
    }
}
