namespace Recd.Recordings;

/// <summary>
/// One data-path thread's proof of life: a monotonic millisecond stamp it renews as it turns (the
/// accept loop each poll round, a transfer after each write-path call). One volatile store per
/// beat, no lock, so beating costs nothing next to the syscall it follows.
/// </summary>
public sealed class Heartbeat(string name)
{
    private long _lastMs = Environment.TickCount64;
    private int _parked;

    public string Name { get; } = name;

    /// <summary>
    /// Test seam: a wedged heartbeat ignores beats and parking, as if its thread were stuck in a
    /// syscall; its age runs from the last beat before the wedge.
    /// </summary>
    internal bool WedgedForTesting { get; set; }

    public void Beat()
    {
        if (WedgedForTesting) return;
        Volatile.Write(ref _lastMs, Environment.TickCount64);
        Volatile.Write(ref _parked, 0);
    }

    /// <summary>
    /// The thread is about to block in a wait the kernel ends as soon as there is work for it (the
    /// accept loop's poll on its listening socket): it is fresh however long that lasts, so an idle
    /// loop need not wake just to beat. The next <see cref="Beat"/>, right after the wait, unparks
    /// it, and from there it ages as usual (stuck handling a connection is still found).
    /// </summary>
    public void Park()
    {
        if (WedgedForTesting) return;
        Volatile.Write(ref _lastMs, Environment.TickCount64);
        Volatile.Write(ref _parked, 1);
    }

    public long AgeMs(long nowMs) =>
        Volatile.Read(ref _parked) != 0 && !WedgedForTesting ? 0 : nowMs - Volatile.Read(ref _lastMs);
}

/// <summary>
/// The heartbeats of the threads that move recordings: the systemd watchdog is fed only while every
/// one of them is fresh. A transfer is in the set only while it is inside a receive, so a finished
/// or abandoned connection cannot leave a stale entry behind.
/// </summary>
public sealed class HeartbeatRegistry
{
    private readonly List<Heartbeat> _beats = [];

    public void Add(Heartbeat beat)
    {
        beat.Beat();
        lock (_beats) _beats.Add(beat);
    }

    public void Remove(Heartbeat beat)
    {
        lock (_beats) _beats.Remove(beat);
    }

    public int Count { get { lock (_beats) return _beats.Count; } }

    /// <summary>The oldest heartbeat if it is older than <paramref name="staleMs"/>, else null.</summary>
    public Heartbeat? FindStale(long staleMs, out long ageMs)
    {
        long now = Environment.TickCount64;
        Heartbeat? stalest = null;
        ageMs = 0;
        lock (_beats)
        {
            foreach (var b in _beats)
            {
                long age = b.AgeMs(now);
                if (age > ageMs) { ageMs = age; stalest = b; }
            }
        }
        return ageMs > staleMs ? stalest : null;
    }
}
