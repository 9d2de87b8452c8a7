using System.Diagnostics;
using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>Page-cache policies on ext4, measured with fincore(1) (mincore under the hood).</summary>
public class PageCachePolicyTests
{
    private const long Size = (64L << 20) + 13;

    private static long ResidentBytes(string path)
    {
        var psi = new ProcessStartInfo("fincore", ["--bytes", "--noheadings", "--output", "RES", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return long.Parse(text);
    }

    private static (StoreFixture Store, Recording Rec) Record(string mode, WritePathKind kind)
    {
        var store = new StoreFixture("/tmp", paths: new WritePathOptions { PageCache = mode, PageCacheBatchBytes = 4L << 20, SyncIntervalBytes = 8L << 20 });
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, Size, [1 << 20]);
        var rec = store.Begin("pc.ts", kind);
        Assert.Equal(new MoveResult(Size, MoveStatus.Completed), rec.Receive(pair.ServerFd, Size));
        sender.Wait();
        return (store, rec);
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    public void DontNeedKeepsOnlyTheLastBatchesCached(WritePathKind kind)
    {
        var (store, rec) = Record("dontneed", kind);
        using var _ = store;
        long dropped = rec.PageCacheForTesting.DroppedBytes;
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        string data = store.Store.Paths.Data("pc.ts");
        long resident = ResidentBytes(data);
        Assert.True(dropped >= 48L << 20, $"dropped only {dropped}");
        Assert.True(resident <= 16L << 20, $"{resident} bytes still cached of {Size}");
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(data));
    }

    [Fact]
    public void KeepLeavesTheRecordingCached()
    {
        var (store, rec) = Record("keep", WritePathKind.Buffered);
        using var _ = store;
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        Assert.Equal(0, rec.PageCacheForTesting.DroppedBytes);
        // Not asserted as a number: the kernel may evict under pressure; this documents the contrast.
        Assert.True(ResidentBytes(store.Store.Paths.Data("pc.ts")) > 0);
    }

    [Fact]
    public void SyncPolicySyncsEveryInterval()
    {
        var (store, rec) = Record("sync", WritePathKind.Buffered);
        using var _ = store;
        Assert.True(rec.PageCacheForTesting.Syncs >= 6, $"{rec.PageCacheForTesting.Syncs} syncs for 64 MiB at 8 MiB");
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Store.Paths.Data("pc.ts")));
    }
}
