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

    /// <summary>Its band judged (4 windows and 500 ms of them: a sender paced to ~60 MB/s), a recording joined later keeps it.</summary>
    [Fact]
    public void ARecordingJoinedOnlyAfterItsFirstWindowsKeepsItsBand()
    {
        using var store = new StoreFixture();
        var alone = BeginAuto(store, "alone.ts");
        Recording? late = null;
        Receive(alone, store, afterJudging: () => late = store.Begin("late.ts", WritePathKind.Buffered), delayMs: 1, when: c => !c.BandJudging);
        Assert.NotNull(late);
        var learned = store.Store.Selection.Learned;
        string key = store.Store.Selection.LearnedKey;
        Assert.NotNull(learned.For(key, new LearnedCondition(ConcurrencyBand.One, RateClass.Bulk)));
        Assert.Null(learned.For(key, new LearnedCondition(ConcurrencyBand.Few, RateClass.Bulk)));
    }

    /// <summary>
    /// §6: the last recordings of a burst run alone, and a probe there measures another condition
    /// (buffered at x16 on ext4: 0.12 ns/B alone, 0.65-0.95 in the crowd). A recording of band x5+
    /// whose four companions end after its judging windows runs the rest of its probe round alone:
    /// the paths it measured then are not merged into x5+, those it measured in the burst are.
    /// </summary>
    [Fact]
    public void PathsProbedAfterABurstEndedAreNotLearnedInItsBand()
    {
        using var store = new StoreFixture();
        var companions = Enumerable.Range(0, 4).Select(i => store.Begin($"companion{i}.ts", WritePathKind.Buffered)).ToList();
        var rec = BeginAuto(store, "last.ts");
        var selector = rec.Selector!;
        Assert.Equal(ConcurrencyBand.Many, selector.Condition!.Band);
        Receive(rec, store, size: 12L << 23, afterJudging: () =>
        {
            foreach (var c in companions) { c.Finish(RecordingStates.Complete, null); c.Dispose(); }
            return null;
        });

        var table = store.Store.Selection.Learned.For(store.Store.Selection.LearnedKey, new LearnedCondition(ConcurrencyBand.Many, RateClass.Bulk));
        Assert.NotNull(table);
        int alone = 0;
        for (int i = 0; i < selector.Choices.Count; i++)
        {
            if (selector.WindowsHere(i) == 0 || i == selector.SettledIndex) continue;
            string label = selector.Choices[i].Label;
            if (selector.MeasuredOutOfBand(i)) { alone++; Assert.False(table!.ContainsKey(label), $"{label} probed alone, learned in x5+"); }
            else Assert.True(table!.ContainsKey(label), $"{label} probed in the burst, not learned");
        }
        Assert.True(alone > 0, "no path was probed after the burst ended: the test shows nothing");
        Assert.True(table!.ContainsKey(selector.Choices[selector.SettledIndex].Label));
    }

    /// <summary>
    /// R1c: a burst's first recording begins alone (x1), and x1 is learned nowhere, so it would probe
    /// every path in every burst. Its band widens to x2-4 as its companions begin during its first
    /// window; x2-4 learned every candidate from an earlier burst, so it settles on x2-4's cheapest.
    /// </summary>
    [Fact]
    public void ABurstsFirstRecordingSettlesOnTheCheapestOfTheBandItWidenedTo()
    {
        using var store = new StoreFixture();
        var companions = Enumerable.Range(0, 3).Select(i => store.Begin($"companion{i}.ts", WritePathKind.Buffered)).ToList();
        Receive(BeginAuto(store, "teacher.ts"), store, size: 12L << 23);   // a cold probe round in x2-4: 9 windows
        foreach (var c in companions) { c.Finish(RecordingStates.Complete, null); c.Dispose(); }
        var few = store.Store.Selection.Learned.For(store.Store.Selection.LearnedKey, new LearnedCondition(ConcurrencyBand.Few, RateClass.Bulk));
        Assert.NotNull(few);

        var first = BeginAuto(store, "first.ts");
        var selector = first.Selector!;
        Assert.Equal(ConcurrencyBand.One, selector.Condition!.Band);
        Assert.Equal(PhaseKind.Probing, selector.Phase.Kind);
        Recording[] joined = [];
        Receive(first, store, atSpan: 1, afterJudging: () =>
        {
            joined = Enumerable.Range(0, 3).Select(i => store.Begin($"joined{i}.ts", WritePathKind.Buffered)).ToArray();
            return null;
        });
        foreach (var r in joined) { r.Finish(RecordingStates.Complete, null); r.Dispose(); }

        Assert.Equal(ConcurrencyBand.Few, selector.Condition.Band);
        Assert.Equal(DecisionKind.StartWidened, selector.Decision.Kind);
        Assert.True(few!.Count == selector.Choices.Count, $"x2-4 learned {string.Join(", ", few.Keys)}");
        string cheapest = few.MinBy(kv => kv.Value.NsPerByte).Key;
        Assert.Equal(cheapest, selector.Choices[selector.SettledIndex].Label);
        // After the seed was taken only the chosen path ran (the windows before it were the round's).
        for (int i = 0; i < selector.Choices.Count; i++)
            if (i != selector.SettledIndex) Assert.Equal(0, selector.WindowsHere(i));
    }

    private static Recording BeginAuto(StoreFixture store, string name)
    {
        store.Store.TryBegin(name, BeginMode.Create, 0, "test", PathPolicy.AutoPolicy, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"begin {name}: errno {errno}");
        return rec!;
    }

    /// <summary>
    /// Receives Size bytes in 8 MiB spans; <paramref name="afterJudging"/> runs once the judging windows
    /// closed (or once <paramref name="when"/> holds), or before span <paramref name="atSpan"/> when that
    /// is given. <paramref name="delayMs"/>: the sender's pause after each 64 KiB.
    /// </summary>
    private static void Receive(Recording rec, StoreFixture store, Func<Recording?>? afterJudging = null, long size = Size, int atSpan = -1, int delayMs = 0,
        Func<RecordingCondition, bool>? when = null)
    {
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, size, [65536], delayMs: delayMs);
        Recording? late = null;
        bool called = false;
        for (long done = 0; done < size; done += 8L << 20)
        {
            bool due = atSpan >= 0 ? done == atSpan * (8L << 20) : (when ?? (c => !c.Judging))(rec.Selector!.Condition!);
            if (afterJudging is not null && !called && due) { called = true; late = afterJudging(); }
            var r = rec.Receive(pair.ServerFd, 8L << 20);
            Assert.Equal(MoveStatus.Completed, r.Status);
        }
        sender.Wait();
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
        if (afterJudging is not null) Assert.True(called);
        if (late is not null) { late.Finish(RecordingStates.Complete, null); late.Dispose(); }
        Assert.Equal(Pattern.Sha256(size), Pattern.FileSha256(store.Store.Paths.Data(rec.Name)));
    }
}
