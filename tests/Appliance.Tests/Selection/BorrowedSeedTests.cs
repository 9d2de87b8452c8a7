using Recd.Selection;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// A band with nothing learned of its own starts from a nearer band's figures (docs/selector.md §6),
/// but those were measured in another condition: they must not count as measured in this one (R1).
/// The bench's case (issue 19): ext4 learned at one stream (direct cheapest), then sixteen streams of
/// 64 MiB (8 windows each, too short to switch: R12), where splice is cheapest.
/// </summary>
public class BorrowedSeedTests
{
    private static Modelled Ext4(At a) => a.Recording < 4
        ? new(a.Path == Direct ? 0.30 : a.Path == Splice ? 0.45 : 0.60, 1e9, true)   // one stream
        : new(a.Path == Splice ? 0.30 : a.Path == Direct ? 0.45 : 0.60, 1e9, true);  // sixteen

    [Fact]
    public void AFreshBandProbesEveryCandidateInsteadOfSettlingOnABorrowedRanking()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        for (int r = 0; r < 4; r++) Assert.Equal(Direct, p.Record(Ext4, 200).Current);

        // The first sixteen-stream recording: its seed is the one-stream band's, borrowed.
        var first = p.Record(Ext4, 100, concurrent: 16, length: 64L << 20);
        Assert.Equal("x1/bulk", first.SeededFrom?.Key);
        for (int i = 0; i < first.Choices.Count; i++) Assert.True(first.WindowsHere(i) > 0, $"{first.Choices[i].Label} not measured in the new band");

        // 64 MiB is 8 windows and a cold probe round 9 (the start window is not judged: R2, R3), so the
        // band's second recording finishes its round. Once the band has its own figure for every
        // candidate, its recordings start on its cheapest.
        p.Record(Ext4, 100, concurrent: 16, length: 64L << 20);
        var trace = new System.Text.StringBuilder();
        var next = p.Record(Ext4, 100, concurrent: 16, length: 64L << 20, trace);
        Assert.Equal("x5+/bulk", next.SeededFrom?.Key);
        Assert.Equal(Splice, next.Choices[next.SettledIndex]);
        // Of its 7 judged windows (the first is its start's), at most one of another path, for the mount
        // (R13), and that probe's switch windows there and back.
        Assert.True(next.WindowsHere(1) >= 5, $"splice had {next.WindowsHere(1)} of 7 judged windows: {trace}");
    }

    [Fact]
    public void SixteenRecordingsBeginningInAFreshBandTogetherLeaveItsProbeRoundToTwo()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        for (int r = 0; r < 4; r++) Assert.Equal(Direct, p.Record(Ext4, 200).Current);

        // Sixteen begin before any has finished (a run of a box's recordings): all are seeded from x1.
        var begun = Enumerable.Range(0, 16).Select(_ => p.Context.NewSelector(16)).ToList();
        var probing = begun.Where(s => s.Decision.Kind == DecisionKind.StartBorrowed).ToList();
        Assert.Equal(SelectorScenarios.Opts().ProbeRoundsPerBand, probing.Count);
        Assert.All(begun.Except(probing), s =>
        {
            Assert.Equal(DecisionKind.StartShared, s.Decision.Kind);
            Assert.Equal(Direct, s.Current);       // the borrowed ranking's cheapest
            Assert.Equal(Direct, s.Choices[s.SettledIndex]);
            Assert.Equal(PhaseKind.Steady, s.Phase.Kind);
        });
        Assert.Equal(2, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.Many));

        // A prober that ends (settled or not) hands the round on to the next recording to begin.
        probing[0].Finish();
        probing[0].Finish(); // once only
        Assert.Equal(1, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.Many));
        Assert.Equal(DecisionKind.StartBorrowed, p.Context.NewSelector(16).Decision.Kind);
        foreach (var s in begun) s.Finish();
    }

    [Fact]
    public void ARoundGrantedToARecordingThatSettlesAtOnceIsGivenBack()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        for (int r = 0; r < 4; r++) p.Record(Ext4, 200);
        // The x1 band's own figures: not borrowed, so no round is claimed or held.
        var s = p.Context.NewSelector(1);
        Assert.Equal(DecisionKind.StartLearned, s.Decision.Kind);
        Assert.Equal(0, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.One));
        // A band's probers that run their round to the end give it back when they settle.
        var prober = p.Record(Ext4, 100, concurrent: 16);
        Assert.True(prober.SettledIndex >= 0);
        Assert.Equal(0, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.Many));
    }
}
