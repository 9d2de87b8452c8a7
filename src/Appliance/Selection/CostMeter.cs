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
/// A path that writes through the page cache leaves its writeback for later: on ext4 the commit's
/// fdatasync does it on this same thread, outside the calls (see <see cref="BeginSync"/>), so each window
/// books its own bytes' share of it (<see cref="CostSample.WritebackNs"/>), priced as the last syncs measured.
/// <paramref name="systemView"/>: the windows carry the machine's busy time (/proc/stat at each window's
/// open and close, <see cref="CostSample.SystemBusyNs"/>). Only the system cost view prices windows from
/// it; a recording under the thread views leaves it out: each read is a whole /proc/stat formatted by
/// the kernel, 4-11 us on the test VM, about 2 reads per live stream-second (strace: 72 in 10 s of four
/// 10 Mbit/s streams; docs/measurements/2026-12-02-live.md).
/// </summary>
public sealed class CostMeter(long windowBytes, int windowMs, FuseServer? fuse = null, bool systemView = true)
{
    private long _bytes, _cpu, _wall, _sysStart, _windowStartTicks, _dirtyStart = -1, _fuseStart = -1, _mountBytesStart;
    private long _cpu0, _wall0;
    private bool _open;
    private bool _cached;
    private long _windowCachedBytes, _unsyncedBytes, _syncCpu0, _syncCpuNs, _cleanSyncNs;
    private double _syncNsPerByte = double.NaN;

    /// <summary>
    /// The last price of writeback any meter in this process measured: a new recording's first windows
    /// (before its first commit, ~5 s in) are priced like the one before it. One 64-bit word, written
    /// whole, so a reader on another thread never sees half of it. NaN: never measured.
    /// </summary>
    private static long s_lastSyncNsPerByteBits = BitConverter.DoubleToInt64Bits(double.NaN);
    private static long s_lastCleanSyncNs;

    /// <summary>
    /// Call right before a write-path call. <paramref name="watchDirty"/>: the path writes through the
    /// page cache, so note how much of what it writes stays dirty (see <see cref="DirtyMemory"/>).
    /// <paramref name="throughPageCache"/>: what this call moves is written back later (buffered, splice),
    /// so the window books its writeback.
    /// </summary>
    public void Begin(bool watchDirty = false, bool throughPageCache = false)
    {
        _cached = throughPageCache;
        if (!_open)
        {
            _open = true;
            _bytes = _cpu = _wall = _windowCachedBytes = 0;
            _sysStart = systemView ? SystemCpu.BusyNanoseconds() : -1;
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
        if (_cached) { _windowCachedBytes += moved; _unsyncedBytes += moved; }
        fuse?.AddBytes(moved);
        sample = default;
        if (_bytes < windowBytes && (_bytes < MinWindowBytes || Stopwatch.GetElapsedTime(_windowStartTicks).TotalMilliseconds < windowMs)) return false;
        long sys = systemView ? SystemCpu.BusyNanoseconds() : -1;
        int queued = Libc.QueuedBytes(socketFd);
        long dirty = _dirtyStart >= 0 ? DirtyMemory.Bytes() : -1;
        bool absorbed = dirty >= 0 && dirty - _dirtyStart >= _bytes / 2;
        sample = new CostSample(_bytes, _cpu, _wall, _sysStart >= 0 && sys >= 0 ? sys - _sysStart : 0, queued >= BacklogBytes, absorbed,
            fuse is null ? 0 : FuseShare(fuse), WritebackNs(_windowCachedBytes));
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

    /// <summary>
    /// Call right before a call that writes back what the paths left in the page cache (the commit's
    /// fdatasync, the page-cache policy's sync_file_range or fdatasync), on the transfer thread.
    /// </summary>
    public void BeginSync() => _syncCpu0 = Libc.ThreadCpuNanoseconds();

    /// <summary>
    /// Call right after it. Prices writeback from what it cost: its CPU beyond that of a sync with
    /// (next to) nothing dirty (an ext4 fdatasync still writes the inode: measured, not assumed),
    /// per byte the page-cache paths moved since the previous sync. The CPU is the thread's, which is
    /// what a cgroup (and the duet) charges this daemon: writeback the kernel's flusher threads do
    /// instead is charged to no one here, and is not booked.
    /// </summary>
    public void EndSync()
    {
        long ns = Libc.ThreadCpuNanoseconds() - _syncCpu0;
        _syncCpuNs += ns;
        if (_unsyncedBytes < MinWindowBytes)
        {
            _cleanSyncNs = ns;
            Volatile.Write(ref s_lastCleanSyncNs, ns);
        }
        else
        {
            long clean = _cleanSyncNs > 0 ? _cleanSyncNs : Volatile.Read(ref s_lastCleanSyncNs);
            double price = Math.Max(0, ns - clean) / (double)_unsyncedBytes;
            // Halfway towards each new sync: one sync of a few MB can land in a dear phase of the machine.
            _syncNsPerByte = double.IsNaN(_syncNsPerByte) ? price : _syncNsPerByte + 0.5 * (price - _syncNsPerByte);
            Volatile.Write(ref s_lastSyncNsPerByteBits, BitConverter.DoubleToInt64Bits(_syncNsPerByte));
        }
        _unsyncedBytes = 0;
    }

    /// <summary>Thread CPU of every sync measured so far (BeginSync to EndSync).</summary>
    public long SyncCpuNs => _syncCpuNs;

    /// <summary>Writeback CPU per page-cache byte as last measured (NaN: no sync of page-cache bytes yet in this process).</summary>
    public double SyncNsPerByte => double.IsNaN(_syncNsPerByte) ? BitConverter.Int64BitsToDouble(Volatile.Read(ref s_lastSyncNsPerByteBits)) : _syncNsPerByte;

    private long WritebackNs(long cachedBytes)
    {
        double price = SyncNsPerByte;
        return cachedBytes > 0 && price > 0 ? (long)(cachedBytes * price) : 0;
    }

    /// <summary>Whether the windows carry the machine's busy time (the system cost view's figure).</summary>
    internal bool SystemView => systemView;

    /// <summary>Drops a partial window (after a path switch the next window starts clean).</summary>
    public void Reset() => _open = false;

    /// <summary>A time-closed window needs at least this much data to say anything about cost per byte.</summary>
    public const long MinWindowBytes = 256 * 1024;

    /// <summary>More than this still queued at a window's end: data was arriving faster than the path moved it.</summary>
    public const int BacklogBytes = 256 * 1024;
}
