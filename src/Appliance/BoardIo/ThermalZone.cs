using System.Buffers.Text;
using Recd.Interop;
using Recd.Logging;

namespace Recd.BoardIo;

/// <summary>
/// The SoC temperature from a thermal zone file (Sensors:ThermalZone, e.g.
/// /sys/class/thermal/thermal_zone0/temp: millidegrees Celsius as text, sysfs-thermal ABI).
/// Not an I2C sensor binding: those return UnitsNet quantities (5.7 MB and a trim warning).
/// Read with pread into a stack buffer from an fd kept open: the board thread reads it every 10 s and
/// allocates nothing for it (File.ReadAllText made a FileStream, its buffer and a string each time),
/// and a sysfs open cost 0.3-0.4 ms here (strace -T), most of such a wake. Zones come and go with
/// drivers (a hot-plugged USB sensor, a thermal driver not loaded yet): a read on the fd of a removed
/// attribute fails (kernfs answers ENODEV), and then the path is opened again at once, so a zone
/// registered anew under the same path is the one read. One thread reads it (the board thread).
/// </summary>
public sealed class ThermalZone(string path) : IDisposable
{
    private bool _failureLogged;
    private int _fd = -1;

    public string Path { get; } = path;

    /// <summary>Degrees Celsius, or null when the file cannot be read or parsed (logged once).</summary>
    public unsafe double? TryReadCelsius()
    {
        // "-12345\n" at most in practice; 32 bytes leave room for any long and whitespace.
        byte* buffer = stackalloc byte[32];
        bool reopened = _fd < 0;
        nint n = ReadAt0(buffer, 32);
        if (n < 0 && !reopened)
        {
            // The fd may belong to a zone that went away: once more on the path as it is now.
            Close();
            n = ReadAt0(buffer, 32);
        }
        if (n < 0) { LogOnce(Libc.ErrnoName((int)-n)); Close(); return null; }
        var text = Trim(new ReadOnlySpan<byte>(buffer, (int)n));
        if (!Utf8Parser.TryParse(text, out long milli, out int used) || used != text.Length)
        {
            LogOnce($"not a number: '{System.Text.Encoding.UTF8.GetString(text)}'");
            return null;
        }
        return milli / 1000.0;
    }

    /// <summary>Bytes read from offset 0 (opening the path first if need be), or -errno.</summary>
    private unsafe nint ReadAt0(byte* buffer, int size)
    {
        if (_fd < 0)
        {
            _fd = Libc.Open(Path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (_fd < 0) return -Libc.LastErrno;
        }
        while (true)
        {
            nint n = Libc.PRead(_fd, buffer, (nuint)size, 0);
            if (n >= 0) return n;
            int errno = Libc.LastErrno;
            if (errno != Libc.EINTR) return -errno;
        }
    }

    private void Close()
    {
        if (_fd >= 0) Libc.Close(_fd);
        _fd = -1;
    }

    public void Dispose() => Close();

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
