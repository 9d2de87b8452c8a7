using System.Net;
using System.Net.Sockets;
using Recd.Interop;
using Recd.Logging;
using Recd.Recordings;

namespace Recd.Ingest;

/// <summary>
/// The accept loop: a raw listening socket, one thread per connection up to MaxConnections (a box
/// records a handful of streams; a thread per transfer gives the cost meter exact per-thread CPU).
/// Who gets a slot is the <see cref="ConnectionTable"/>'s business (a recording is never locked
/// out), and the <see cref="RateMonitor"/> closes clients below the minimum rates. A client refused
/// gets a 503 at once instead of waiting in the backlog.
/// </summary>
public sealed unsafe class IngestListener : IDisposable
{
    private readonly ListenOptions _options;
    private readonly HttpLimits _limits;
    private readonly RecordingsEndpoint _recordings;
    private readonly AccessPolicy _access;
    private readonly ConnectionTable _table;
    private readonly RateMonitor _monitor;
    private int _fd = -1;
    private volatile bool _stopping;

    public IngestListener(ListenOptions options, HttpLimits limits, RecordingsEndpoint recordings, AccessPolicy? access = null)
    {
        _access = access ?? AccessPolicy.Open;
        _options = options;
        _limits = limits;
        _recordings = recordings;
        _table = new ConnectionTable(limits);
        _monitor = new RateMonitor(_table, limits);
    }

    public int Port { get; private set; }

    /// <summary>Where the accept loop beats each poll round (the store's, in the daemon).</summary>
    public HeartbeatRegistry Heartbeats { get; init; } = new();

    internal Heartbeat AcceptHeartbeat { get; } = new("accept loop");
    /// <summary>Renders GET /metrics (the Diagnostics layer's, handed down); null: no such resource.</summary>
    public Func<byte[]>? Metrics { get; set; }

    public int ConnectionCount => _table.Count;

    /// <summary>Connections closed to make room for a newcomer.</summary>
    public long Evictions => _table.Evictions;

    /// <summary>Connections closed for being below a minimum data rate.</summary>
    public long RateClosures => _monitor.Closures;

    /// <summary>Binds and listens; throws with a clear message if the address is unusable.</summary>
    public void Start()
    {
        var address = IPAddress.Parse(_options.Address);
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        _fd = Libc.Socket(v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (_fd < 0) throw new IOException("socket: " + Libc.ErrnoName(Libc.LastErrno));
        Libc.SetIntOption(_fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
        if (v6) Libc.SetIntOption(_fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 0);

        byte* sa = stackalloc byte[28];
        uint len = SocketAddress.Write(address, _options.Port, sa);
        if (Libc.Bind(_fd, sa, len) != 0)
            throw new IOException($"bind {_options.Address}:{_options.Port}: {Libc.ErrnoName(Libc.LastErrno)}");
        if (Libc.Listen(_fd, _options.Backlog) != 0)
            throw new IOException("listen: " + Libc.ErrnoName(Libc.LastErrno));
        len = 28;
        Libc.GetSockName(_fd, sa, &len);
        Port = SocketAddress.ReadPort(sa);
        new Thread(AcceptLoop) { Name = "accept", IsBackground = true }.Start();
        _monitor.Start();
    }

    private void AcceptLoop()
    {
        byte* sa = stackalloc byte[28];
        var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        Heartbeats.Add(AcceptHeartbeat);
        try { AcceptUntilStopped(sa, &pfd); }
        finally { Heartbeats.Remove(AcceptHeartbeat); }
    }

    private void AcceptUntilStopped(byte* sa, Libc.PollFd* pfd)
    {
        bool socketFailed = false;
        while (!_stopping)
        {
            // No timeout: nothing here is periodic (the rate monitor has its own thread), and an idle
            // loop that woke 4 times a second cost ~130 us of CPU per second on the test VM. Parked,
            // the heartbeat stays fresh; Dispose's shutdown(2) of the socket ends the wait (POLLHUP).
            AcceptHeartbeat.Park();
            pfd->REvents = 0;
            int ready = Libc.Poll(pfd, 1, -1);
            AcceptHeartbeat.Beat();
            if (ready <= 0 || _stopping) continue;
            if ((pfd->REvents & (Libc.POLLHUP | Libc.POLLERR | Libc.POLLNVAL)) != 0)
            {
                // Only shutdown(2) does this on Linux; should anything else, wait without spinning.
                if (!socketFailed) Log.Warn($"accept: listening socket failed (poll events 0x{pfd->REvents:x})");
                socketFailed = true;
                Thread.Sleep(1000);
                continue;
            }
            uint len = 28;
            int fd = Libc.Accept4(_fd, sa, &len, Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Libc.LastErrno;
                if (errno != Libc.EINTR && errno != Libc.EAGAIN) { Log.Warn("accept: " + Libc.ErrnoName(errno)); Thread.Sleep(50); }
                continue;
            }
            var socket = new ClientSocket(fd, SocketAddress.Format(sa), SocketAddress.Address(sa));
            var connection = new HttpConnection(socket, _limits, _recordings, _access, _table, Metrics);
            if (_stopping || !_table.TryAdd(connection))
            {
                socket.SetSendTimeout(1000);
                var refusal = Response.Error(503, "too many connections", close: true);
                Refusals.Note(socket.Remote, "", "", refusal.Status, refusal.Reason);
                socket.SendAll(refusal.Head());
                socket.Dispose();
                continue;
            }
            var thread = new Thread(() => Serve(connection), 256 * 1024) { Name = "conn", IsBackground = true };
            thread.Start();
            _monitor.Wake();
        }
    }

    private void Serve(HttpConnection connection)
    {
        try { connection.Run(); }
        finally { _table.Remove(connection); }
    }

    /// <summary>
    /// Stops accepting and unblocks every connection (shutdown(2) on its socket), so each active
    /// recording finishes its manifest as interrupted, then waits up to <paramref name="timeout"/>.
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        _table.AbortAll();
        var deadline = DateTime.UtcNow + timeout;
        while (ConnectionCount > 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
        return ConnectionCount == 0;
    }

    /// <summary>Ends every recording being received now as interrupted (manifests written); returns how many.</summary>
    public int StopRecordings() => _table.AbortRecordings();

    public void Dispose()
    {
        _stopping = true;
        _monitor.Dispose();
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0) return;
        // close(2) does not end a poll(2) already waiting on the fd; shutdown(2) of a listening
        // socket does (POLLHUP), so the accept loop sees _stopping and exits.
        Libc.Shutdown(fd, Libc.SHUT_RDWR);
        Libc.Close(fd);
    }
}
