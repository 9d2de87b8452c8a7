using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// R1: a seed of the recording's own condition that lacks a candidate (measured for fewer than
/// ProbeWindows windows) is probed from its cheapest figure, not from the board's prior. Seen in the
/// change scenario (ext4 x1 -> x16): the x5+ band had splice cheapest and buffered for one window, and
/// every recording of the next run spent its 8 windows on the prior (direct) and buffered, settling on
/// splice as it ended.
/// </summary>
public class PartialSeedTests
{
    private static PathCost Cost(double ns, int windows) => new() { NsPerByte = ns, BytesPerSecond = 5e8, Windows = windows };

    [Fact]
    public void ASeedLackingACandidateStartsOnItsCheapestAndProbesOnlyWhatItLacks()
    {
        var o = SelectorScenarios.Opts();
        var seed = new Dictionary<string, PathCost>
        {
            [Direct.Label] = Cost(0.38, 8), [Splice.Label] = Cost(0.18, 8), [Buffered.Label] = Cost(0.20, 1),
        };
        var s = new Selector(o, [Buffered, Splice, Direct], seed);
        Assert.Equal(DecisionKind.StartSeeded, s.Decision.Kind);
        Assert.Equal(Splice, s.Current);
        Assert.Equal(PhaseKind.Probing, s.Phase.Kind);

        // Costs as the seed had them: one judged window of splice, then buffered until it has ProbeWindows
        // windows (R2: a path measured here is judged on its own windows), then splice chosen.
        var seen = new List<PathChoice>();
        var current = s.Current;
        s.OnStartWindow(Sample(current));
        for (int w = 0; w < 6; w++)
        {
            seen.Add(current);
            var next = s.OnWindow(Sample(current));
            if (next != current) { current = next; s.OnSwitchWindow(Sample(current)); }
        }
        Assert.Equal([Splice, Buffered, Buffered, Splice, Splice, Splice], seen);
        Assert.Equal(Splice, s.Choices[s.SettledIndex]);
        Assert.Equal(0, s.WindowsHere(2)); // direct: its seeded figure was enough
    }

    [Fact]
    public void APartialSeedWhoseCheapestIsThePriorStillSettlesAtOnce()
    {
        var seed = new Dictionary<string, PathCost> { [Direct.Label] = Cost(0.10, 8), [Splice.Label] = Cost(0.30, 1) };
        var s = new Selector(SelectorScenarios.Opts(), [Direct, Splice, Buffered], seed);
        Assert.Equal(DecisionKind.StartLearned, s.Decision.Kind);
        Assert.Equal(Direct, s.Current);
    }

    private static CostSample Sample(PathChoice p)
    {
        double ns = p == Splice ? 0.18 : p == Buffered ? 0.20 : 0.38;
        const long Bytes = 8 << 20;
        return new CostSample(Bytes, (long)(ns * Bytes), (long)(Bytes / 5e8 * 1e9), (long)(ns * Bytes * 1.2), false, false);
    }
}
