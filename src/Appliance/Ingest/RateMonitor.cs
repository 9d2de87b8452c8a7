using Recd.Logging;

namespace Recd.Ingest;

/// <summary>A connection's count in its current phase, kept by the monitor thread.</summary>
internal sealed class RateCount
{
    public int Generation = -1;
    public ulong Last;
    public long LastTick;
    /// <summary>Body: bytes since the phase began, and the seconds that counted against the client.</summary>
    public double Bytes, Elapsed;
    /// <summary>Response: bytes the client is behind the minimum rate (never below 0: no credit).</summary>
    public double Debt;
    public bool Closed;
}

/// <summary>
/// Minimum data rates, Kestrel's model (MinRequestBodyDataRate, MinResponseDataRate) without
/// touching the data path: once a second one thread reads each connection's kernel counters
/// (tcpi_bytes_received, tcpi_bytes_acked) and shuts down a connection below the rate after the
/// grace period. shutdown(2) unblocks its recv/splice/sendfile; the PUT path then ends the
/// recording interrupted with its committed bytes, as for any failing socket.
///
/// A second only counts against the client when the kernel shows the client is the one holding
/// things up, as Kestrel pauses its timing while the application is not reading: for a body, when
/// the receive queue holds less than <see cref="HoldupQueueBytes"/> (recd is waiting for bytes, not
/// stuck behind a slow disk: batched reads leave a slow sender's bytes queued up to the batch
/// latency bound on purpose, so "empty" would excuse every trickler); for a
/// response, when recd's send queue holds bytes the client has not acknowledged.
/// </summary>
public sealed class RateMonitor : IDisposable
{
    private readonly ConnectionTable _table;
    private readonly HttpLimits _limits;
    private readonly int _intervalMs;
    private readonly List<HttpConnection> _snapshot = [];
    // spinCount 0: the default spins ~13 sched_yield(2)s before every wait (strace), ~75 us of CPU a
    // second on the test VM for a thread that only needs to wake once a second.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private volatile bool _stopping;
    private Thread? _thread;
    private long _closures;

    public RateMonitor(ConnectionTable table, HttpLimits limits, int intervalMs = 1000)
    {
        _table = table;
        _limits = limits;
        _intervalMs = intervalMs;
    }

    /// <summary>Connections closed for being below a minimum rate.</summary>
    public long Closures => Interlocked.Read(ref _closures);

    public void Start()
    {
        if (_limits.MinRequestBodyBytesPerSecond <= 0 && _limits.MinResponseBytesPerSecond <= 0) return;
        _thread = new Thread(Loop) { Name = "rate-monitor", IsBackground = true };
        _thread.Start();
    }

    /// <summary>A connection joined the table: an idle monitor (nothing to watch) starts ticking again.</summary>
    public void Wake() => _wake.Set();

    private void Loop()
    {
        while (!_stopping)
        {
            // Reset before the pass: a Wake during it leaves the event set and the wait returns at once.
            // An early pass (a connection joined mid-interval) is harmless: each pass times its real dt.
            _wake.Reset();
            if (!Tick(Environment.TickCount64)) return;
            // With no connection at all there is nothing to time: sleep until one joins.
            if (!_stopping) _wake.Wait(_snapshot.Count == 0 ? Timeout.Infinite : _intervalMs);
        }
    }

    /// <summary>One pass over the connections; false if the kernel cannot say (then the monitor stops).</summary>
    internal bool Tick(long now)
    {
        _table.Snapshot(_snapshot);
        foreach (var c in _snapshot)
        {
            var phase = c.Phase;
            int generation = c.Generation;
            var count = c.Rate;
            if (phase is not (ConnectionPhase.Body or ConnectionPhase.Response)) { count.Generation = -1; continue; }
            var read = c.Socket.TryReadProgress(out var p);
            if (read == ClientSocket.ProgressRead.Unsupported)
            {
                Log.Warn("rate monitor off: this kernel's TCP_INFO has no byte counters (Linux 4.1+)");
                return false;
            }
            if (read != ClientSocket.ProgressRead.Ok) continue;
            ulong counter = phase == ConnectionPhase.Body ? p.Received : p.Acked;
            if (count.Generation != generation)
            {
                count.Generation = generation;
                count.Bytes = count.Elapsed = count.Debt = 0;
                count.Closed = false;
                long start = c.PhaseStartCount;
                if (start < 0 || (ulong)start > counter)
                {
                    count.Last = counter;
                    count.LastTick = now;
                    continue;
                }
                count.Last = (ulong)start;
                count.LastTick = c.PhaseSince;
            }
            if (count.Closed) continue;
            long moved = (long)(counter - count.Last);
            count.Last = counter;
            // A late tick (the machine was busy) is not the client's fault beyond one interval's worth.
            double dt = Math.Clamp(now - count.LastTick, 0, 2 * _intervalMs) / 1000.0;
            count.LastTick = now;
            if (moved > 0) c.MarkProgress(now);
            string? reason = phase == ConnectionPhase.Body ? JudgeBody(c, count, moved, dt, p) : JudgeResponse(count, moved, dt, p);
            if (reason is null) continue;
            count.Closed = true;
            Interlocked.Increment(ref _closures);
            Log.Warn($"{c.Socket.Remote}: closed: {reason}");
            c.Socket.Abort(reset: true);
        }
        return true;
    }

    /// <summary>
    /// A receive queue this full means recd is not reading (a slow disk): its seconds do not count
    /// against the client. A sender at the minimum rate queues a few hundred bytes per batch wait.
    /// </summary>
    private const int HoldupQueueBytes = 64 * 1024;

    private string? JudgeBody(HttpConnection c, RateCount count, long moved, double dt, ClientSocket.Progress p)
    {
        int rate = _limits.MinRequestBodyBytesPerSecond;
        if (rate <= 0) return null;
        count.Bytes += moved;
        if (p.ReceiveQueued < HoldupQueueBytes) count.Elapsed += dt;
        bool below = count.Elapsed > 0 && count.Bytes < rate * count.Elapsed;
        c.BelowMinRate = below;
        if (!below || count.Elapsed * 1000 < _limits.MinRequestBodyGraceMs) return null;
        return $"request body at {count.Bytes:F0} B in {count.Elapsed:F1} s, below {rate} B/s (Http:MinRequestBodyBytesPerSecond)";
    }

    private string? JudgeResponse(RateCount count, long moved, double dt, ClientSocket.Progress p)
    {
        int rate = _limits.MinResponseBytesPerSecond;
        if (rate <= 0) return null;
        count.Debt = Math.Max(0, count.Debt + (p.SendQueued > 0 ? rate * dt : 0) - moved);
        count.Elapsed += dt;
        if (count.Debt * 1000 <= (double)rate * _limits.MinResponseGraceMs) return null;
        return $"response taken {count.Debt:F0} B behind {rate} B/s (Http:MinResponseBytesPerSecond) after {count.Elapsed:F1} s, {p.SendQueued} B unread in the send queue";
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread?.Join();
    }
}
