using Recd.Logging;

namespace Recd.Ingest;

/// <summary>
/// The connections and their slots. A recording (PUT) is never refused because others hold the
/// slots: at MaxConnections the stalest connection that is not receiving a recording makes room
/// (idle and stalled readers before readers still moving data), then a recording below the minimum
/// body rate; only when every slot holds a recording that keeps up is a newcomer refused. Readers
/// and idle keep-alive connections hold at most MaxConnections - RecordingReserve, so recordings
/// can start without closing a reader that is watching.
/// </summary>
public sealed class ConnectionTable(HttpLimits limits)
{
    private readonly HashSet<HttpConnection> _connections = [];
    private readonly object _gate = new();
    private bool _stopping;

    /// <summary>Evicted connections take a moment to leave; new clients may overlap them by this many.</summary>
    private const int EvictionSlack = 16;

    /// <summary>A reader whose kernel counters moved within this is watching, not stalled (the monitor ticks every second).</summary>
    internal const int ActiveWithinMs = 1500;

    public int Count { get { lock (_gate) return _connections.Count; } }

    private long _evictions;

    /// <summary>Written under the lock, read by a scrape without it: Interlocked, a long is two words on armhf.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Readers and idle connections may hold this many slots.</summary>
    public int ReaderSlots => limits.MaxConnections - Math.Clamp(limits.RecordingReserve, 0, limits.MaxConnections - 1);

    /// <summary>Adds a just-accepted connection, closing the stalest other one at the limit; false: refuse it (503).</summary>
    public bool TryAdd(HttpConnection connection)
    {
        lock (_gate)
        {
            if (_stopping || _connections.Count >= limits.MaxConnections + EvictionSlack) return false;
            if (Live() >= limits.MaxConnections && !EvictStalest(except: null, readersOnly: false)) return false;
            _connections.Add(connection);
            return true;
        }
    }

    public void Remove(HttpConnection connection)
    {
        lock (_gate) _connections.Remove(connection);
    }

    /// <summary>
    /// A head arrived: the connection now serves a recording or something else. Something else must
    /// fit in the readers' slots, if need be by closing an idle or stalled one; false: answer 503.
    /// </summary>
    public bool TryBeginRequest(HttpConnection connection, bool recording)
    {
        lock (_gate)
        {
            connection.EnterPhase(recording ? ConnectionPhase.Body : ConnectionPhase.Response);
            if (recording) return true;
            int readers = 0;
            foreach (var c in _connections)
                if (!c.Evicted && c.Phase is ConnectionPhase.Idle or ConnectionPhase.Response) readers++;
            return readers <= ReaderSlots || EvictStalest(except: connection, readersOnly: true);
        }
    }

    /// <summary>Shuts every connection down (daemon stop): each recording finishes as interrupted.</summary>
    public void AbortAll()
    {
        lock (_gate)
        {
            _stopping = true;
            foreach (var c in _connections) c.Socket.Abort();
        }
    }

    /// <summary>
    /// Shuts down the connections receiving a body (the front panel's "stop all"): each recording ends
    /// interrupted with its manifest written, as at daemon stop; readers and idle connections stay.
    /// </summary>
    public int AbortRecordings()
    {
        int n = 0;
        lock (_gate)
            foreach (var c in _connections)
                if (c.Phase == ConnectionPhase.Body && c.Socket.Abort()) n++;
        return n;
    }

    /// <summary>Copies the connections into <paramref name="into"/> for the monitor, which reads them outside the lock.</summary>
    public void Snapshot(List<HttpConnection> into)
    {
        into.Clear();
        lock (_gate) into.AddRange(_connections);
    }

    private int Live()
    {
        int n = 0;
        foreach (var c in _connections) if (!c.Evicted) n++;
        return n;
    }

    /// <summary>
    /// Closes the connection that has gone longest without progress, in this order: fresh, idle or
    /// stalled readers; readers still moving data (only at the connection limit); recordings below
    /// the minimum body rate. A recording that keeps up is never chosen.
    /// </summary>
    private bool EvictStalest(HttpConnection? except, bool readersOnly)
    {
        long now = Environment.TickCount64;
        HttpConnection? best = null;
        int bestRank = int.MaxValue;
        long bestSince = long.MaxValue;
        foreach (var c in _connections)
        {
            if (c.Evicted || c == except) continue;
            var phase = c.Phase;
            long since = c.StaleSince;
            bool moving = now - since < ActiveWithinMs;
            int rank = phase switch
            {
                ConnectionPhase.Fresh => readersOnly ? -1 : 0,
                ConnectionPhase.Idle => 0,
                ConnectionPhase.Response => moving ? (readersOnly ? -1 : 1) : 0,
                _ => c.BelowMinRate && !readersOnly ? 2 : -1,
            };
            if (rank < 0) continue;
            if (rank < bestRank || (rank == bestRank && since < bestSince)) { best = c; bestRank = rank; bestSince = since; }
        }
        if (best is null) return false;
        best.Evicted = true;
        best.Socket.Abort(reset: best.Phase == ConnectionPhase.Response);
        Interlocked.Increment(ref _evictions);
        // Slowloris floods evict fresh connections by the hundred: only closing a reader or a recording is news.
        Log.Write(bestRank == 0 && best.Phase != ConnectionPhase.Response ? LogLevel.Debug : LogLevel.Info,
            $"{best.Socket.Remote}: closed to make room ({best.Phase.ToString().ToLowerInvariant()}, no progress for {now - bestSince} ms)");
        return true;
    }
}
