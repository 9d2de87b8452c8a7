using System.Buffers.Text;
using Recd.Interop;
using Recd.Logging;

namespace Recd.BoardIo;

/// <summary>
/// The SoC temperature from a thermal zone file (Sensors:ThermalZone, e.g.
/// /sys/class/thermal/thermal_zone0/temp: millidegrees Celsius as text, sysfs-thermal ABI).
/// Not an I2C sensor binding: those return UnitsNet quantities (5.7 MB and a trim warning).
/// Read with open + pread into a stack buffer + close: the board thread reads it every 10 s and
/// allocates nothing for it (File.ReadAllText made a FileStream, its buffer and a string each time).
/// Opened each time, not kept open: zones come and go with drivers (a hot-plugged USB sensor, a
/// thermal driver not loaded yet), and a kept fd would go on reading a zone that was replaced.
/// </summary>
public sealed class ThermalZone(string path)
{
    private bool _failureLogged;

    public string Path { get; } = path;

    /// <summary>Degrees Celsius, or null when the file cannot be read or parsed (logged once).</summary>
    public unsafe double? TryReadCelsius()
    {
        // "-12345\n" at most in practice; 32 bytes leave room for any long and whitespace.
        byte* buffer = stackalloc byte[32];
        int fd = Libc.Open(Path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0) { LogOnce(Libc.ErrnoName(Libc.LastErrno)); return null; }
        nint n;
        do n = Libc.PRead(fd, buffer, 32, 0); while (n < 0 && Libc.LastErrno == Libc.EINTR);
        int errno = n < 0 ? Libc.LastErrno : 0;
        Libc.Close(fd);
        if (n < 0) { LogOnce(Libc.ErrnoName(errno)); return null; }
        var text = Trim(new ReadOnlySpan<byte>(buffer, (int)n));
        if (!Utf8Parser.TryParse(text, out long milli, out int used) || used != text.Length)
        {
            LogOnce($"not a number: '{System.Text.Encoding.UTF8.GetString(text)}'");
            return null;
        }
        return milli / 1000.0;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text)
    {
        int start = 0, end = text.Length;
        while (start < end && text[start] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') start++;
        while (end > start && text[end - 1] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') end--;
        return text[start..end];
    }

    private void LogOnce(string why)
    {
        if (_failureLogged) return;
        _failureLogged = true;
        Log.Warn($"board: temperature from {Path} unavailable ({why}); reported as unknown");
    }
}
