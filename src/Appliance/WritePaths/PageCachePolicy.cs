using System.Diagnostics;
using Recd.Interop;

namespace Recd.WritePaths;

public enum PageCacheMode { Keep, DontNeed, Sync }

/// <summary>
/// What a recording leaves in the page cache, applied between spans (never inside a write path).
/// On a 256 MiB box a recording that fills the cache evicts what is being played back.
/// - keep: the kernel decides (default; best for boxes with RAM to spare).
/// - dontneed: VDR's scheme. Every batch, start writeback of the new range (sync_file_range WRITE)
///   and drop the previous range, which has had a batch's time to reach the disk (WAIT + FADV_DONTNEED).
///   Never FADV_DONTNEED to end of file after every write: tvheadend's users found that harmful.
/// - sync: fdatasync every N bytes or T ms, bounding dirty data (MythTV's 1 s sync thread, inline).
/// </summary>
public sealed class PageCachePolicy(PageCacheMode mode, long batchBytes, long syncBytes, int syncMs)
{
    private long _writebackStarted;  // [0, _writebackStarted) has had writeback started
    private long _dropped;           // [0, _dropped) has been dropped from the cache
    private long _synced;
    private long _syncTicks = Stopwatch.GetTimestamp();

    public PageCacheMode Mode => mode;
    public long DroppedBytes => _dropped;
    public int Syncs { get; private set; }

    public static PageCachePolicy From(WritePathOptions o) =>
        new(ParseMode(o.PageCache), o.PageCacheBatchBytes, o.SyncIntervalBytes, o.SyncIntervalMs);

    public static PageCacheMode ParseMode(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "dontneed" => PageCacheMode.DontNeed,
        "sync" => PageCacheMode.Sync,
        "keep" or null or "" => PageCacheMode.Keep,
        _ => throw new ArgumentException($"WritePaths:PageCache must be keep, dontneed or sync, got '{text}'"),
    };

    /// <summary>Starts where a resumed recording starts: nothing before it is ours to manage.</summary>
    public void StartAt(long offset) => _writebackStarted = _dropped = _synced = offset;

    /// <summary>Called after each span with the file length. Returns 0, or the errno of a failed fdatasync.</summary>
    public int AfterSpan(RecordingFile file, long length)
    {
        switch (mode)
        {
            case PageCacheMode.DontNeed when length - _writebackStarted >= batchBytes:
                // The previous batch: wait for its writeback, then drop it. Errors are only hints here:
                // the commit's fdatasync is what reports lost data.
                if (_writebackStarted > _dropped)
                {
                    Libc.SyncFileRange(file.Fd, _dropped, _writebackStarted - _dropped,
                        Libc.SYNC_FILE_RANGE_WAIT_BEFORE | Libc.SYNC_FILE_RANGE_WRITE | Libc.SYNC_FILE_RANGE_WAIT_AFTER);
                    Libc.PosixFadvise(file.Fd, _dropped, _writebackStarted - _dropped, Libc.POSIX_FADV_DONTNEED);
                    _dropped = _writebackStarted;
                }
                Libc.SyncFileRange(file.Fd, _writebackStarted, length - _writebackStarted, Libc.SYNC_FILE_RANGE_WRITE);
                _writebackStarted = length;
                return 0;
            case PageCacheMode.Sync when length - _synced >= syncBytes || Stopwatch.GetElapsedTime(_syncTicks).TotalMilliseconds >= syncMs:
                _synced = length;
                _syncTicks = Stopwatch.GetTimestamp();
                Syncs++;
                return file.TrySync();
            default:
                return 0;
        }
    }
}
