using Recd.Logging;

namespace Recd.BoardIo;

/// <summary>
/// The SoC temperature from a thermal zone file (Sensors:ThermalZone, e.g.
/// /sys/class/thermal/thermal_zone0/temp: millidegrees Celsius as text, sysfs-thermal ABI).
/// Not an I2C sensor binding: those return UnitsNet quantities (5.7 MB and a trim warning).
/// </summary>
public sealed class ThermalZone(string path)
{
    private bool _failureLogged;

    public string Path { get; } = path;

    /// <summary>Degrees Celsius, or null when the file cannot be read or parsed (logged once).</summary>
    public double? TryReadCelsius()
    {
        string text;
        try { text = File.ReadAllText(Path); }
        // Zones come and go with drivers (a hot-plugged USB sensor, a thermal driver not loaded yet).
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogOnce($"{e.GetType().Name}: {e.Message}");
            return null;
        }
        if (!long.TryParse(text.AsSpan().Trim(), out long milli))
        {
            LogOnce($"not a number: '{text.Trim()}'");
            return null;
        }
        return milli / 1000.0;
    }

    private void LogOnce(string why)
    {
        if (_failureLogged) return;
        _failureLogged = true;
        Log.Warn($"board: temperature from {Path} unavailable ({why}); reported as unknown");
    }
}
