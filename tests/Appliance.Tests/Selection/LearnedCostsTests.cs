using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>What a mount remembers between recordings, on a real state folder.</summary>
public class LearnedCostsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("recd-learned-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SelectorOptions Opts() => new() { ReprobeEveryWindows = 4, ExplorationBudget = 0.5, ExplorationCostBudget = 0.5 };

    /// <summary>One recording of <paramref name="windows"/> windows where every path costs <paramref name="phase"/> x its base.</summary>
    private static Selector Record(IReadOnlyDictionary<string, PathCost>? learned, double phase, int windows, SelectorOptions? o = null)
    {
        var s = new Selector(o ?? Opts(), [Buffered, Splice, Direct], learned);
        var current = s.Current;
        for (int w = 0; w < windows; w++)
        {
            double cost = phase * (current == Splice ? 0.45 : current == Buffered ? 0.53 : 0.65);
            long bytes = 8 << 20;
            current = s.OnWindow(new CostSample(bytes, (long)(cost * bytes), bytes, 0, false));
        }
        return s;
    }

    [Fact]
    public void ARecordingInADearPhaseDoesNotReorderTheMount()
    {
        var learned = new LearnedCosts(_dir);
        learned.Merge("m", Record(null, 1.0, 40));          // probes all three, settles on splice
        var before = learned.For("m")!;
        Assert.True(before["splice/1M"].NsPerByte < before["buffered/256K"].NsPerByte);

        // A whole recording at 2x with the default budgets: the others are re-probed once or twice.
        learned.Merge("m", Record(before, 2.0, 120, new SelectorOptions()));
        var after = new LearnedCosts(_dir).For("m")!;         // and it survives a restart
        Assert.True(after["splice/1M"].NsPerByte < after["buffered/256K"].NsPerByte);
        Assert.True(after["splice/1M"].NsPerByte < after["direct/4M"].NsPerByte);
        var next = new Selector(Opts(), [Buffered, Splice, Direct], after);
        Assert.Equal(Splice, next.Current);
    }

    [Fact]
    public void OnlyPathsMeasuredInTheRecordingAreMerged()
    {
        var learned = new LearnedCosts(_dir);
        learned.Merge("m", Record(null, 1.0, 40));
        int directWindows = learned.For("m")!["direct/4M"].Windows;
        var o = Opts();
        o.ReprobeEveryWindows = 1000;                          // a recording that never leaves splice
        o.ExplorationBudget = 0;
        var s = new Selector(o, [Buffered, Splice, Direct], learned.For("m"));
        var current = s.Current;
        for (int w = 0; w < 10; w++) current = s.OnWindow(new CostSample(8 << 20, (long)(0.45 * (8 << 20)), 8 << 20, 0, false));
        learned.Merge("m", s);
        Assert.Equal(directWindows, learned.For("m")!["direct/4M"].Windows);
    }
}
