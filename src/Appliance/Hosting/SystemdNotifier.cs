using System.Text;
using Recd.Interop;
using Recd.Logging;
using Recd.Recordings;

namespace Recd.Hosting;

/// <summary>
/// sd_notify(3) without libsystemd, as Tmds.Systemd's ServiceManager.Notify and the runtime's
/// SystemdNotifier do it: one datagram per state to NOTIFY_SOCKET (read once; '@' = abstract
/// namespace). Unlike both, recd also feeds the watchdog: WATCHDOG=1 at half of WATCHDOG_USEC
/// (sd_watchdog_enabled(3) advises half), but only while every data-path heartbeat is fresh, so a
/// transfer wedged in a syscall or an accept loop that stopped turning gets the service restarted
/// instead of pinging from a healthy timer thread. Without NOTIFY_SOCKET every call is a no-op.
/// Notify returns false on failure and never throws: init integration must not stop a recording.
/// </summary>
public sealed unsafe class SystemdNotifier : IDisposable
{
    private readonly int _fd = -1;
    private readonly byte[] _address = new byte[Libc.SockAddrUnSize];
    private readonly uint _addressLength;
    private readonly HeartbeatRegistry _beats;
    private readonly long _staleMs;
    private readonly ManualResetEventSlim _stop = new();
    private Thread? _ticker;
    private Func<string>? _status;
    private string? _lastStatus;
    private long _pings;
    private bool _staleLogged;

    /// <summary>From the environment systemd (or procd, or a test) set up; <paramref name="staleMs"/>: a heartbeat older than this stops the pings.</summary>
    public static SystemdNotifier FromEnvironment(HeartbeatRegistry beats, long staleMs)
    {
        long usec = long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long u) && u > 0 ? u : 0;
        // WATCHDOG_PID names the process the watchdog is meant for (sd_watchdog_enabled): not us, no pings.
        if (int.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_PID"), out int pid) && pid != Environment.ProcessId) usec = 0;
        return new SystemdNotifier(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), usec, beats, staleMs);
    }

    /// <summary>Test seam: an explicit socket name (null = disabled) and watchdog interval.</summary>
    internal SystemdNotifier(string? socket, long watchdogUsec, HeartbeatRegistry beats, long staleMs)
    {
        _beats = beats;
        _staleMs = staleMs;
        WatchdogIntervalMs = watchdogUsec / 1000;
        if (string.IsNullOrEmpty(socket)) return;
        fixed (byte* sa = _address) _addressLength = Libc.WriteUnixAddressAllowingAbstract(socket, sa);
        if (_addressLength == 0) { Log.Warn($"NOTIFY_SOCKET unusable: '{socket}'"); return; }
        _fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        // Bounded: a manager that stopped reading must not hold up a stop or the watchdog thread.
        if (_fd >= 0) Libc.SetTimeout(_fd, Libc.SO_SNDTIMEO, TimeSpan.FromSeconds(1));
    }

    public bool Enabled => _fd >= 0;
    public long WatchdogIntervalMs { get; }
    public long WatchdogPings => Interlocked.Read(ref _pings);

    public bool Notify(string state)
    {
        if (_fd < 0) return false;
        byte[] bytes = Encoding.UTF8.GetBytes(state);
        fixed (byte* p = bytes) fixed (byte* sa = _address)
        {
            while (true)
            {
                nint r = Libc.SendTo(_fd, p, (nuint)bytes.Length, Libc.MSG_NOSIGNAL, sa, _addressLength);
                if (r >= 0) return true;
                if (Libc.LastErrno != Libc.EINTR) return false;
            }
        }
    }

    /// <summary>READY=1 with the first status line; starts the ticker that feeds the watchdog and refreshes the status.</summary>
    public bool Ready(Func<string> status)
    {
        _status = status;
        _lastStatus = status();
        bool sent = Notify("READY=1\nSTATUS=" + _lastStatus);
        if (Enabled && _ticker is null)
        {
            _ticker = new Thread(Tick) { Name = "sd-notify", IsBackground = true };
            _ticker.Start();
        }
        return sent;
    }

    public bool Stopping(string status) => Notify("STOPPING=1\nSTATUS=" + status);

    private void Tick()
    {
        // No watchdog: the status still refreshes, every 5 s.
        int periodMs = WatchdogIntervalMs > 0 ? (int)Math.Max(1, WatchdogIntervalMs / 2) : 5000;
        while (!_stop.Wait(periodMs))
        {
            if (WatchdogIntervalMs > 0) FeedWatchdog();
            string status = _status!();
            if (status != _lastStatus && Notify("STATUS=" + status)) _lastStatus = status;
        }
    }

    private void FeedWatchdog()
    {
        if (_beats.FindStale(_staleMs, out long age) is { } stale)
        {
            if (!_staleLogged) Log.Error($"watchdog: {stale.Name} has not turned for {age} ms; no longer feeding the watchdog");
            _staleLogged = true;
            return;
        }
        if (_staleLogged) Log.Warn("watchdog: data path turning again");
        _staleLogged = false;
        if (Notify("WATCHDOG=1")) Interlocked.Increment(ref _pings);
    }

    public void Dispose()
    {
        _stop.Set();
        _ticker?.Join(TimeSpan.FromSeconds(2));
        if (_fd >= 0) Libc.Close(_fd);
    }
}
