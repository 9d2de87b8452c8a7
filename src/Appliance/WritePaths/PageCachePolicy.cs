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

    /// <summary>What a sync-family call of the policy reported: Errno 0, or the failed call and its errno.</summary>
    public readonly record struct SyncOutcome(string Operation, int Errno)
    {
        public static readonly SyncOutcome Ok = new("", 0);
    }

    /// <summary>
    /// Called after each span with the file length. Every sync-family result is checked: a failed
    /// sync_file_range(WAIT_AFTER) or fdatasync may be the only report of lost pages the kernel gives
    /// (the file's writeback error is reported once), so the caller must never commit past it.
    /// </summary>
    public SyncOutcome AfterSpan(RecordingFile file, long length)
    {
        switch (mode)
        {
            case PageCacheMode.DontNeed when !_unsupported && length - _writebackStarted >= batchBytes:
                // The previous batch: wait for its writeback, then drop it.
                if (_writebackStarted > _dropped)
                {
                    if (SyncRange(file, _dropped, _writebackStarted - _dropped,
                            Libc.SYNC_FILE_RANGE_WAIT_BEFORE | Libc.SYNC_FILE_RANGE_WRITE | Libc.SYNC_FILE_RANGE_WAIT_AFTER) is { Errno: not 0 } failed)
                        return failed;
                    // Only a hint: the pages were written back and waited for above; if the kernel keeps them, nothing is lost.
                    Libc.PosixFadvise(file.Fd, _dropped, _writebackStarted - _dropped, Libc.POSIX_FADV_DONTNEED);
                    _dropped = _writebackStarted;
                }
                if (SyncRange(file, _writebackStarted, length - _writebackStarted, Libc.SYNC_FILE_RANGE_WRITE) is { Errno: not 0 } started)
                    return started;
                _writebackStarted = length;
                return SyncOutcome.Ok;
            case PageCacheMode.Sync when length - _synced >= syncBytes || Stopwatch.GetElapsedTime(_syncTicks).TotalMilliseconds >= syncMs:
                _synced = length;
                _syncTicks = Stopwatch.GetTimestamp();
                Syncs++;
                int err = file.TrySync();
                return err == 0 ? SyncOutcome.Ok : new SyncOutcome("fdatasync", err);
            default:
                return SyncOutcome.Ok;
        }
    }

    private bool _unsupported;

    /// <summary>sync_file_range, EINTR retried. A filesystem or file that cannot do it (ESPIPE, EINVAL, ENOSYS) turns the policy off, said once; any other errno is a failure.</summary>
    private SyncOutcome SyncRange(RecordingFile file, long offset, long count, uint flags)
    {
        while (true)
        {
            if (Libc.SyncFileRange(file.Fd, offset, count, flags) == 0) return SyncOutcome.Ok;
            int errno = Libc.LastErrno;
            if (errno == Libc.EINTR) continue;
            if (errno is Libc.ESPIPE or Libc.EINVAL or Libc.ENOSYS or Libc.EOPNOTSUPP)
            {
                _unsupported = true;
                Logging.Log.Warn($"{file.Path}: sync_file_range unsupported ({Libc.ErrnoName(errno)}): page-cache policy dontneed off for this recording");
                return SyncOutcome.Ok;
            }
            return new SyncOutcome("sync_file_range", errno);
        }
    }
}
