using Recd.Selection;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// R1: a probe round at a recording's start is run by at most ProbeRoundsPerBand of a mount's
/// recordings in a band at a time, whatever the start (nothing learned, a partial seed, a borrowed
/// one); the others start settled where their round would have begun. Sixteen recordings beginning
/// together on a cold mount each probed every path, and each settled on what its own probes saw: on
/// ext4 at x16 most settled on buffered, measured beside the others' direct and splice windows, and
/// that run cost +113% over splice.
/// </summary>
public class SharedProbeRoundTests
{
    [Fact]
    public void SixteenRecordingsBeginningOnAColdMountLeaveTheProbeRoundToTwoAndWaitOnThePrior()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        var begun = Enumerable.Range(0, 16).Select(_ => p.Context.NewSelector(16)).ToList();
        Assert.Equal(2, begun.Count(s => s.Decision.Kind == DecisionKind.StartPrior));
        Assert.All(begun.Where(s => s.Decision.Kind != DecisionKind.StartPrior), s =>
        {
            Assert.Equal(DecisionKind.StartShared, s.Decision.Kind);
            Assert.Equal(nameof(DecisionKind.StartPrior), s.Decision.Note);
            Assert.Equal(s.Choices[0], s.Current);             // the board's prior
            Assert.Equal(PhaseKind.Steady, s.Phase.Kind);
            Assert.Contains("the board's prior; other recordings on the mount are probing", s.Reason);
        });
        Assert.Equal(2, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.Many));
        Assert.Equal(0, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.One));
        foreach (var s in begun) s.Finish();
        Assert.Equal(0, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.Many));
        Assert.Equal(0, p.Context.Exploration.CrowdOn(begun[0].Choices[0].Label));
    }

    [Fact]
    public void ARoundIsPerBandAndALearnedStartNeverHoldsOne()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        var many = Enumerable.Range(0, 2).Select(_ => p.Context.NewSelector(16)).ToList();
        Assert.All(many, s => Assert.Equal(DecisionKind.StartPrior, s.Decision.Kind));
        // Another band's rounds are its own.
        var one = p.Context.NewSelector(1);
        Assert.Equal(DecisionKind.StartPrior, one.Decision.Kind);
        one.Finish();
        foreach (var s in many) s.Finish();

        for (int r = 0; r < 3; r++) p.Record(a => new Modelled(a.Path == Direct ? 0.3 : 0.6, 1e9, true), 60);
        var learned = p.Context.NewSelector(1);
        Assert.Equal(DecisionKind.StartLearned, learned.Decision.Kind);
        Assert.Equal(0, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.One));
        learned.Finish();
    }
}
