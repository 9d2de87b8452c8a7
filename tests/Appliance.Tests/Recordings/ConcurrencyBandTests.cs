using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// The band a recording is learned under is the one it ran in: a stream that began alone and was
/// joined by three more within its first windows (a burst's first stream) shares the disk with them,
/// so its figures belong to x2-4, not x1. Real recordings over loopback on ext4.
/// </summary>
public class ConcurrencyBandTests
{
    private const long Size = 48L << 20;    // 6 windows of 8 MiB: the 4 judging windows close while the others are open

    [Fact]
    public void ABurstsFirstRecordingIsLearnedInTheBandItRanIn()
    {
        using var store = new StoreFixture();
        var first = BeginAuto(store, "first.ts");
        Assert.Equal(ConcurrencyBand.One, first.Selector!.Condition!.Band);
        var joined = Enumerable.Range(0, 3).Select(i => store.Begin($"joined{i}.ts", WritePathKind.Buffered)).ToArray();
        Receive(first, store);
        foreach (var r in joined) { r.Finish(RecordingStates.Complete, null); r.Dispose(); }

        var learned = store.Store.Selection.Learned;
        string key = store.Store.Selection.LearnedKey;
        Assert.NotNull(learned.For(key, new LearnedCondition(ConcurrencyBand.Few, RateClass.Bulk)));
        Assert.Null(learned.For(key, new LearnedCondition(ConcurrencyBand.One, RateClass.Bulk)));
    }

    [Fact]
    public void ARecordingJoinedOnlyAfterItsFirstWindowsKeepsItsBand()
    {
        using var store = new StoreFixture();
        var alone = BeginAuto(store, "alone.ts");
        Receive(alone, store, afterJudging: () => store.Begin("late.ts", WritePathKind.Buffered));
        var learned = store.Store.Selection.Learned;
        string key = store.Store.Selection.LearnedKey;
        Assert.NotNull(learned.For(key, new LearnedCondition(ConcurrencyBand.One, RateClass.Bulk)));
        Assert.Null(learned.For(key, new LearnedCondition(ConcurrencyBand.Few, RateClass.Bulk)));
    }

    private static Recording BeginAuto(StoreFixture store, string name)
    {
        store.Store.TryBegin(name, BeginMode.Create, 0, "test", PathPolicy.AutoPolicy, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"begin {name}: errno {errno}");
        return rec!;
    }

    /// <summary>Receives Size bytes in 8 MiB spans; <paramref name="afterJudging"/> runs once the judging windows closed.</summary>
    private static void Receive(Recording rec, StoreFixture store, Func<Recording>? afterJudging = null)
    {
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, Size, [65536]);
        Recording? late = null;
        for (long done = 0; done < Size; done += 8L << 20)
        {
            if (afterJudging is not null && late is null && !rec.Selector!.Condition!.Judging) late = afterJudging();
            var r = rec.Receive(pair.ServerFd, 8L << 20);
            Assert.Equal(MoveStatus.Completed, r.Status);
        }
        sender.Wait();
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
        if (afterJudging is not null) Assert.NotNull(late);
        if (late is not null) { late.Finish(RecordingStates.Complete, null); late.Dispose(); }
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Store.Paths.Data(rec.Name)));
    }
}
