using Recd.Platform;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>SelectorTests, R5-R8: starvation, witnesses, learned rates, and learned starts that cannot keep up.</summary>
public partial class SelectorTests
{
    [Fact]
    public void StarvationGuardDropsACheapPathThatCannotKeepUp()
    {
        // Direct is cheapest per byte but moves 200 MB/s while data queues; splice moves 1 GB/s.
        var world = new World((p, _) => p.Kind switch
        {
            WritePathKind.Direct => (0.20, 2e8, true),
            WritePathKind.Splice => (0.45, 1e9, false),
            _ => (0.60, 9e8, false),
        });
        var s = new Selector(Opts(), [Buffered, Splice, Direct]);
        var end = world.Run(s, 100);
        Assert.Equal(Splice, end);
        Assert.True(s.Costs[2].Starved);
    }

    [Fact]
    public void LearnedCostsSkipTheProbeRound()
    {
        var learned = Learned(0.6, 0.3, 0.5, 1e9);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], learned);
        Assert.Equal(Splice, s.Current);
        Assert.Equal(DecisionKind.StartLearned, s.Decision.Kind);
        var world = new World((p, _) => Fixed(p, 0.6, 0.3, 0.5));
        world.Run(s, 10);
        Assert.Equal(["splice/1M"], world.BytesByPath.Keys);
    }

    [Fact]
    public void LearnedRatesFromOtherRecordingsNeverStarveTheCurrentPath()
    {
        // Learned on this mount from a fast single stream; now one of 16 streams, each far slower and
        // always with data queued. The learned rates were another sender's: no evidence of starvation.
        var learned = Learned(0.6, 0.3, 0.5, 2e9);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], learned);
        var world = new World((p, _) => (p == Splice ? 0.3 : p == Direct ? 0.5 : 0.6, 120e6, true));
        world.Run(s, 8);
        Assert.Equal(["splice/1M"], world.BytesByPath.Keys);
        Assert.Equal(0, s.Switches);
        Assert.DoesNotContain(s.Costs, c => c.Starved);
    }

    [Fact]
    public void AStartOnALearnedPathThatCannotKeepUpIsStillCaught()
    {
        // Learned: direct far cheapest. This stream is live and direct cannot keep up with it (data
        // queued, 40% of the rate at which buffered keeps the socket drained); buffered costs 3.5x,
        // so the cost budget alone would never pay for the probe that reveals it.
        var learned = Learned(0.66, 1.09, 0.19, 1e9);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], learned);
        Assert.Equal(Direct, s.Current);
        var world = new World((p, _) => p == Direct ? (0.19, 4e6, true) : p == Buffered ? (0.66, 10e6, false) : (1.09, 10e6, false));
        var end = world.Run(s, 40);             // the first re-probe (window 32) settles it, not window ~128
        Assert.True(s.Costs[2].Starved);
        Assert.NotEqual(Direct, end);
    }

    [Theory]
    [InlineData(0.0, true)]  // buffered may witness starvation: probed at once, whatever it costs
    [InlineData(1.0, false)] // its windows stay in page cache here: it cannot, and waits for the cost budget
    public void OnlyAPathThatCouldWitnessStarvationIsProbedWhateverItCosts(double absorbed, bool probedEarly)
    {
        var learned = Learned(0.66, 1.09, 0.19);
        learned["buffered/256K"].AbsorbedShare = absorbed;
        learned["splice/1M"].AbsorbedShare = absorbed;
        var o = Opts();
        o.ExplorationCostBudget = 0.02;
        var s = new Selector(o, [Buffered, Splice, Direct], learned);
        var world = new World((p, _) => (p == Direct ? 0.19 : p == Buffered ? 0.66 : 1.09, 1e9, true)); // a bulk sender: data always queued
        // A probe books its switch window and its window: at 5% the byte budget has room at window ~39.
        world.Run(s, 45);
        Assert.Equal(probedEarly, world.BytesByPath.ContainsKey("buffered/256K"));
    }

    [Fact]
    public void StarvationNeedsAPathThatKeptUpInThisRecording()
    {
        // Cold start: direct is cheapest but leaves data queued at 40% of the rate at which buffered,
        // measured in this same recording, kept the socket drained. That is starvation.
        var s = new Selector(Opts(), [Buffered, Splice, Direct]);
        var world = new World((p, _) => p == Direct ? (0.2, 400e6, true) : p == Splice ? (0.4, 1e9, false) : (0.5, 1e9, false));
        var end = world.Run(s, 40);
        Assert.True(s.Costs[2].Starved);
        Assert.Equal(Splice, end);
    }

    /// <summary>A live 10 MB/s stream: every path keeps up, except (from window 100 to 112) <paramref name="slow"/>, which moves 5 MB/s with data queued.</summary>
    private static World LiveStream(Func<PathChoice, bool> slow) => new((p, w) =>
    {
        bool behind = w is >= 100 and < 112 && slow(p);
        return (p == Direct ? 0.30 : p == Splice ? 0.45 : 0.60, behind ? 5e6 : 10e6, behind);
    });

    [Fact]
    public void AMachineWideSlowPhaseIsNotTakenForStarvation()
    {
        // The machine slows every path for a few seconds: the chosen path falls behind the sender,
        // and against buffered's rate from window 6, when all was well, it looked starved. Measured
        // beside it now, buffered falls behind as well: no path would keep up, cost alone decides.
        var world = LiveStream(_ => true);
        var s = new Selector(Opts(), [Buffered, Splice, Direct]);
        Assert.Equal(Direct, world.Run(s, 100));
        Assert.Equal(Direct, world.Run(s, 100));
        Assert.DoesNotContain(s.Costs, c => c.Starved);
        Assert.True(world.BytesByPath["buffered/256K"] <= 8 * (8L << 20), $"buffered got {world.BytesByPath["buffered/256K"] >> 20} MiB");
    }

    [Fact]
    public void TheChosenPathFallingBehindAloneIsStarvation()
    {
        // The same stream, but only direct falls behind (the disk got slow): buffered, measured beside
        // it, still keeps up. Dropped within a few windows, not at the next re-probe.
        var world = LiveStream(p => p == Direct);
        var s = new Selector(Opts(), [Buffered, Splice, Direct]);
        while (world.Window < 100) world.Run(s, 1); // up to the first slow window (switch windows count)
        Assert.Equal(Direct, s.Choices[s.SettledIndex]);
        var end = world.Run(s, 8);
        Assert.True(s.Costs[2].Starved, s.Reason);
        Assert.NotEqual(Direct, end);
    }
}
