using System.Diagnostics;
using Recd.Interop;
using Recd.Platform;

namespace Recd.Selection;

/// <summary>
/// Accumulates the cost of a recording's write-path calls into windows that close at WindowBytes or
/// after WindowMs, whichever comes first (a fast stream is judged every few milliseconds of CPU, which
/// the thread clock resolves in nanoseconds; a 2 MB/s broadcast stream still gets a verdict twice a second). Only the time inside write-path calls is counted, so a window that spans
/// several chunks of a chunked body measures the path, not the framing. Allocation-free.
/// With <paramref name="fuse"/> (the mount is FUSE and its server was found) a window also carries its
/// share of the server's CPU: over the window's whole span, not only inside the calls, because the
/// server may still be working on what a call handed it (writeback of a FUSE page cache) after it returned.
/// </summary>
public sealed class CostMeter(long windowBytes, int windowMs, FuseServer? fuse = null)
{
    private long _bytes, _cpu, _wall, _sysStart, _windowStartTicks, _dirtyStart = -1, _fuseStart = -1, _mountBytesStart;
    private long _cpu0, _wall0;
    private bool _open;

    /// <summary>
    /// Call right before a write-path call. <paramref name="watchDirty"/>: the path writes through the
    /// page cache, so note how much of what it writes stays dirty (see <see cref="DirtyMemory"/>).
    /// </summary>
    public void Begin(bool watchDirty = false)
    {
        if (!_open)
        {
            _open = true;
            _bytes = _cpu = _wall = 0;
            _sysStart = SystemCpu.BusyNanoseconds();
            _dirtyStart = watchDirty ? DirtyMemory.Bytes() : -1;
            if (fuse is not null) { _mountBytesStart = fuse.MountBytes; _fuseStart = fuse.MeteredNanoseconds(); }
            _windowStartTicks = Stopwatch.GetTimestamp();
        }
        _cpu0 = Libc.ThreadCpuNanoseconds();
        _wall0 = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Call right after it. Returns true with a sample when the window is full. <paramref name="socketFd"/>
    /// is asked how much is still queued: a full queue at the end means the path was the bottleneck.
    /// </summary>
    public bool End(long moved, int socketFd, out CostSample sample)
    {
        _cpu += Libc.ThreadCpuNanoseconds() - _cpu0;
        _wall += (long)Stopwatch.GetElapsedTime(_wall0).TotalNanoseconds;
        _bytes += moved;
        fuse?.AddBytes(moved);
        sample = default;
        if (_bytes < windowBytes && (_bytes < MinWindowBytes || Stopwatch.GetElapsedTime(_windowStartTicks).TotalMilliseconds < windowMs)) return false;
        long sys = SystemCpu.BusyNanoseconds();
        int queued = Libc.QueuedBytes(socketFd);
        long dirty = _dirtyStart >= 0 ? DirtyMemory.Bytes() : -1;
        bool absorbed = dirty >= 0 && dirty - _dirtyStart >= _bytes / 2;
        sample = new CostSample(_bytes, _cpu, _wall, _sysStart >= 0 && sys >= 0 ? sys - _sysStart : 0, queued >= BacklogBytes, absorbed,
            fuse is null ? 0 : FuseShare(fuse));
        _open = false;
        return true;
    }

    private long FuseShare(FuseServer server)
    {
        // The metered clock stands still while a recording on the mount commits: an fsync's writeback
        // is no window's, and lumped into the windows open then it ran 10-60x a window's cost.
        long now = server.MeteredNanoseconds();
        if (_fuseStart >= 0 && now >= 0 && now < _fuseStart) server.WentBack();
        return FuseServer.Share(_fuseStart, now, _bytes, server.MountBytes - _mountBytesStart);
    }

    /// <summary>Drops a partial window (after a path switch the next window starts clean).</summary>
    public void Reset() => _open = false;

    /// <summary>A time-closed window needs at least this much data to say anything about cost per byte.</summary>
    public const long MinWindowBytes = 256 * 1024;

    /// <summary>More than this still queued at a window's end: data was arriving faster than the path moved it.</summary>
    public const int BacklogBytes = 256 * 1024;
}
