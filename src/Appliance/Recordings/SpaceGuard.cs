using Recd.Logging;
using Recd.Platform;

namespace Recd.Recordings;

/// <summary>
/// Keeps the storage filesystem above its reserve: refuses new recordings below it, and while
/// recording frees space by deleting the oldest complete, unprotected recordings (retention) before
/// giving up. A full disk must not take the box down (tvheadend's and MythTV's users' complaint).
/// </summary>
public sealed class SpaceGuard(StorageOptions options, string root)
{
    /// <summary>Kept back whatever the profile says: the final manifests of recordings stopped by a full disk must still fit.</summary>
    public const long ManifestFloorBytes = 1 << 20;

    public long ReserveFor(FreeSpace fs) =>
        Math.Max(ManifestFloorBytes, Math.Min(options.ReserveBytes, fs.TotalBytes / 100 * Math.Clamp(options.ReservePercent, 0, 100)));

    /// <summary>null when the root is where the profile expects it; else why not.</summary>
    public string? MountProblem()
    {
        if (string.IsNullOrEmpty(options.ExpectMount)) return null;
        var mount = MountInfo.Find(root);
        string want = Path.GetFullPath(options.ExpectMount).TrimEnd('/');
        if (want.Length == 0) want = "/";
        return mount.MountPoint == want ? null
            : $"storage {root} is on {mount.MountPoint} ({mount.FsType} {mount.Source}), not on the expected mount {want}";
    }

    private long _lastSpinUpTicks;

    /// <summary>
    /// Touch + fdatasync a probe file if the disk may have gone to sleep (nothing recorded for
    /// <paramref name="idleSeconds"/>). Returns the milliseconds it took, or -1 when skipped.
    /// </summary>
    public long SpinUpIfIdle(int idleSeconds, bool recordingNow)
    {
        long now = Environment.TickCount64;
        if (recordingNow || (_lastSpinUpTicks != 0 && now - _lastSpinUpTicks < idleSeconds * 1000L))
        {
            if (recordingNow) _lastSpinUpTicks = now;
            return -1;
        }
        string probe = Path.Combine(root, ".spinup");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using (var f = new FileStream(probe, FileMode.Create, FileAccess.Write))
            {
                f.WriteByte(1);
                f.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (IOException e)
        {
            Log.Warn($"spin-up probe failed: {e.Message}");
        }
        _lastSpinUpTicks = Environment.TickCount64;
        long ms = sw.ElapsedMilliseconds;
        if (ms >= 1000) Log.Warn($"spin-up probe: the disk took {ms} ms to answer (it was asleep)");
        else Log.Info($"spin-up probe: {ms} ms");
        return ms;
    }

    /// <summary>Bytes that can still be written before the reserve, or null if statvfs failed.</summary>
    public long? Headroom()
    {
        var fs = FreeSpace.Of(root);
        return fs is { } f ? f.AvailableBytes - ReserveFor(f) : null;
    }

    /// <summary>
    /// Makes <paramref name="needed"/> bytes of headroom if it can, deleting oldest-first among the
    /// given candidates (complete, unprotected, not active: the store chooses). Returns the headroom.
    /// </summary>
    public long MakeRoom(long needed, IReadOnlyList<Manifest> oldestFirst, Func<string, bool> delete)
    {
        long headroom = Headroom() ?? long.MaxValue;
        // Deleting recordings that cannot make enough room anyway would lose them for nothing.
        if (headroom >= needed || headroom + oldestFirst.Sum(m => m.CommittedLength) < needed) return headroom;
        foreach (var m in oldestFirst)
        {
            if (headroom >= needed) break;
            if (!delete(m.Name)) continue;
            Log.Warn($"retention: deleted {m.Name} ({m.CommittedLength} bytes, created {m.Created:u}) to keep the free-space reserve");
            headroom = Headroom() ?? long.MaxValue;
        }
        return headroom;
    }
}
