namespace Recd.Platform;

public sealed partial class FuseServer
{
    private readonly object _unmeteredGate = new();
    private int _unmeteredDepth;
    private long _unmeteredNs, _unmeteredFrom = -1;

    /// <summary>
    /// A recording's commit (fdatasync, manifest, rename) on this mount begins: the server's CPU from
    /// now until <see cref="EndUnmetered"/> is no window's. Nested and overlapping commits of several
    /// recordings make one span.
    /// </summary>
    /// <remarks>
    /// Why: exfat-fuse answers a FUSE fsync with fsync(2) of its block device, which writes back every
    /// byte any recording left dirty there (measured on a loop device: ~1.45 s, ~200 ms of the
    /// server's CPU at the end of four 256 MiB recordings), and holds the other recordings' writes
    /// meanwhile. Charged by bytes over the window's span, all of it fell to the windows that were open
    /// then, which moved next to nothing: last windows of 4 MiB at 4-35 ns/B against 0.4-0.9 for every
    /// other window, whatever the path. The smoothed figure a recording ends with (30% the last window)
    /// and so the mount's learned costs took that at random. The thread's own fdatasync is not metered
    /// either: a commit costs every path alike and is paid per commit, not per window.
    /// </remarks>
    public void BeginUnmetered()
    {
        lock (_unmeteredGate)
        {
            if (_unmeteredDepth++ == 0) _unmeteredFrom = CpuNanoseconds();
        }
    }

    /// <summary>The commit begun with <see cref="BeginUnmetered"/> ended.</summary>
    public void EndUnmetered()
    {
        lock (_unmeteredGate)
        {
            if (_unmeteredDepth == 0 || --_unmeteredDepth > 0) return;
            long now = CpuNanoseconds();
            if (_unmeteredFrom >= 0 && now >= _unmeteredFrom) _unmeteredNs += now - _unmeteredFrom;
            _unmeteredFrom = -1;
        }
    }

    /// <summary>The server's CPU spent inside commits so far (a commit in progress up to now), in ns.</summary>
    public long UnmeteredNanoseconds()
    {
        lock (_unmeteredGate)
        {
            long now = _unmeteredDepth > 0 && _unmeteredFrom >= 0 ? CpuNanoseconds() : -1;
            return _unmeteredNs + (now >= _unmeteredFrom && _unmeteredFrom >= 0 ? now - _unmeteredFrom : 0);
        }
    }

    /// <summary>
    /// The clock windows are charged from: the server's CPU less what it spent inside commits (it stands
    /// still during one); -1 if the server cannot be read. A lock per window, never per call, and no allocation.
    /// </summary>
    /// <remarks>
    /// While one recording commits, the others' writes on the mount wait for the server (exfat-fuse,
    /// measured), so stopping the clock there takes little from them; where a server goes on serving
    /// writes during an fsync, those windows are charged less than the server spent, never more.
    /// </remarks>
    public long MeteredNanoseconds()
    {
        lock (_unmeteredGate)
        {
            long now = CpuNanoseconds();
            if (now < 0) return -1;
            if (_unmeteredDepth > 0 && _unmeteredFrom >= 0 && now >= _unmeteredFrom) now = _unmeteredFrom;
            return now - _unmeteredNs;
        }
    }

    /// <summary>A new process serves the mount: commits measured on the old one's clock mean nothing on the new one's.</summary>
    private void ResetUnmetered()
    {
        // A commit in progress now runs on the new clock from its start: a little more is charged, never a jump.
        lock (_unmeteredGate)
        {
            _unmeteredNs = 0;
            _unmeteredFrom = -1;
        }
    }
}
