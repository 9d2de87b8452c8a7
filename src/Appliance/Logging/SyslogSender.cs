using System.Text;
using Recd.Interop;

namespace Recd.Logging;

/// <summary>
/// The log's second sink: each line as one RFC 3164 datagram, "&lt;PRI&gt;recd[pid]: message", to a
/// local syslog socket (/dev/log: journald, rsyslog, BusyBox syslogd and OpenWrt's logd all take the
/// form glibc's syslog(3) sends, and stamp the time themselves). Called by the log's writer thread
/// only. Never blocks: MSG_DONTWAIT, and a line the daemon does not take at once (EAGAIN: its queue
/// is full; ECONNREFUSED/ENOENT: it is not running) is dropped and counted. The socket is left
/// unconnected so a restarted syslogd's new socket is found by the next line.
/// </summary>
internal sealed unsafe class SyslogSender : IDisposable
{
    private const int Daemon = 3 << 3; // LOG_DAEMON
    private const int MaxDatagram = 2048; // RFC 3164's 1024 is a minimum receivers honour; every local daemon takes 2 KiB

    private readonly int _fd;
    private readonly byte[] _address = new byte[Libc.SockAddrUnSize];
    private readonly uint _addressLength;
    private readonly byte[] _buffer = new byte[MaxDatagram];
    private readonly string _tag = $"recd[{Environment.ProcessId}]: ";
    private long _dropped;

    internal SyslogSender(string socketPath)
    {
        fixed (byte* sa = _address) _addressLength = Libc.WriteUnixAddressAllowingAbstract(socketPath, sa);
        _fd = _addressLength == 0 ? -1 : Libc.Socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
    }

    internal bool Usable => _fd >= 0;

    /// <summary>Lines syslog did not take (full, absent, or refused).</summary>
    internal long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>One line in <see cref="LogSink"/>'s layout: "2025-01-01T00:00:00.000Z info  message".</summary>
    internal void Send(string line)
    {
        if (_fd < 0) { Interlocked.Increment(ref _dropped); return; }
        int severity = 6; // LOG_INFO
        string message = line;
        // The sink's own layout: 24 characters of time, a 5-character level tag, each followed by a space.
        if (line.Length > 31 && line[24] == ' ' && line[30] == ' ')
        {
            severity = line.AsSpan(25, 5).Trim() switch { "debug" => 7, "warn" => 4, "error" => 3, _ => 6 };
            message = line[31..];
        }
        int n = Encoding.ASCII.GetBytes($"<{Daemon | severity}>{_tag}", _buffer);
        // Cut at a character, not a byte: a long line loses its tail, never its encoding.
        var rest = message.AsSpan(0, Math.Min(message.Length, (_buffer.Length - n) / 3));
        n += Encoding.UTF8.GetBytes(rest, _buffer.AsSpan(n));
        fixed (byte* p = _buffer) fixed (byte* sa = _address)
        {
            if (Libc.SendTo(_fd, p, (nuint)n, Libc.MSG_DONTWAIT | Libc.MSG_NOSIGNAL, sa, _addressLength) < 0)
                Interlocked.Increment(ref _dropped);
        }
    }

    public void Dispose()
    {
        if (_fd >= 0) Libc.Close(_fd);
    }
}
