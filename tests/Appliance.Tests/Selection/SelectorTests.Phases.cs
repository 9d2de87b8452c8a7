using Recd.Platform;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>SelectorTests, R9-R12 and R4: slow phases and ramps of the machine, spikes, learned rankings, absorbed windows.</summary>
public partial class SelectorTests
{
    [Fact]
    public void AMachineWideSlowPhaseDoesNotSwitchOnStaleCosts()
    {
        // Measured here: the VM runs whole seconds at 2x the cost of every path. Splice stays the
        // cheapest throughout; a stale buffered figure from the fast phase must not win.
        var world = new World((p, w) =>
        {
            double phase = w is >= 40 and < 140 ? 2.0 : 1.0;
            return (phase * (p == Splice ? 0.45 : p == Buffered ? 0.53 : 0.65), 1e9, false);
        });
        var o = Opts();
        o.ReprobeEveryWindows = 1000; // no re-probes: only the switch logic is under test
        var s = new Selector(o, [Buffered, Splice, Direct]);
        world.Run(s, 200);
        Assert.Equal(Splice, s.Current);
        // Switching on the stale figure costs 6 windows and more here.
        // 2 probe windows, 1 confirmation and the window after the switch to it, which buffered writes too.
        Assert.True(world.BytesByPath["buffered/256K"] <= 4 * (8L << 20), $"buffered got {world.BytesByPath["buffered/256K"] >> 20} MiB");
    }

    [Fact]
    public void ARampingPhaseDoesNotSwitchOnAnAverageThatLags()
    {
        // As traced on this VM: every path's cost climbs to 3x within 15 windows and back, again and again. Splice is
        // cheapest at every moment (by 15%, more than the margin); its average lags the climb, so against
        // a figure of buffered taken a few windows earlier it looks dearer. Only adjacent windows may decide.
        static double Phase(int w) { int t = w % 40; return t < 15 ? 1.0 + 2.0 * t / 15 : t < 30 ? 3.0 - 2.0 * (t - 15) / 15 : 1.0; }
        // Known limit (docs/selector.md §9): under the daemon's protocol the window after each switch is
        // not judged, so the confirmation and the chosen path's windows around it are two windows apart,
        // which this ramp moves by up to 27%; there the recording ends on buffered (the regression
        // table's "ramp", frozen from the rule-block selector, does too). This holds for adjacent windows.
        var world = new World((p, w) => (Phase(w) * (p == Splice ? 0.45 : p == Buffered ? 0.53 : 0.65), 1e9, false)) { WithoutSwitchWindows = true };
        var o = Opts();
        o.ReprobeEveryWindows = 10;
        var s = new Selector(o, [Buffered, Splice, Direct]);
        world.Run(s, 200);
        // (The probe round itself runs up the first ramp and may settle on buffered; a paired window
        // then moves it to splice. The last window may be a probe's: the chosen path is what counts.)
        Assert.Equal(Splice, s.Choices[s.SettledIndex]);
        Assert.True(world.BytesByPath["buffered/256K"] < 60 * (8L << 20), $"buffered got {world.BytesByPath["buffered/256K"] >> 20} MiB");
    }

    [Fact]
    public void ASpikeOfTheChosenPathDoesNotSwitchIt()
    {
        // As traced (tmpfs, one stream): splice ran three windows at 2.5x and recovered; the confirmation
        // window of buffered, right after the spike, looked 55% cheaper. The window after it decides too.
        var world = new World((p, w) => (p == Splice ? (w is >= 40 and < 43 ? 1.20 : 0.45) : p == Buffered ? 0.53 : 0.65, 1e9, false));
        var o = Opts();
        o.ReprobeEveryWindows = 1000;
        var s = new Selector(o, [Buffered, Splice, Direct]);
        Assert.Equal(Splice, world.Run(s, 200));
        Assert.Equal(DecisionKind.CheckRefuted, s.Decision.Kind);
        Assert.Equal(Splice, s.Choices[s.Decision.Path]);
        // 2 probe windows, 1 confirmation and the window after the switch to it, which buffered writes too.
        Assert.True(world.BytesByPath["buffered/256K"] <= 4 * (8L << 20), $"buffered got {world.BytesByPath["buffered/256K"] >> 20} MiB");
    }

    [Fact]
    public void ALearnedRankingThatIsWrongNowIsCorrectedEarly()
    {
        // Learned in another phase: buffered cheapest. Now splice is 25% cheaper. A path not yet seen
        // in the recording is probed as soon as the cost budget allows (window ~40: a probe is budgeted
        // with the window after its switch, two windows at the learned 1.2x), and its first window
        // replaces the learned figure instead of moving it by 30% (which would leave it dearer).
        var learned = Learned(0.50, 0.60, 0.65);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], learned);
        Assert.Equal(Buffered, s.Current);
        var world = new World((p, _) => Fixed(p, 0.60, 0.45, 0.65));
        Assert.Equal(Splice, world.Run(s, 60));
        Assert.True(world.BytesByPath["buffered/256K"] <= 48 * (8L << 20), $"buffered got {world.BytesByPath["buffered/256K"] >> 20} MiB");
    }

    [Fact]
    public void AWobbleOfTheChosenPathDoesNotCallForConfirmationsOfMuchDearerPaths()
    {
        // ext4 as traced: direct's cost moves by 30% with writeback (0.20 <-> 0.26 ns/B); buffered is
        // 0.37 and splice 0.90. Every confirmation there costs a probe window and the flush after it,
        // so a rise of the chosen path calls for one only when another path would now be cheaper.
        var learned = Learned(0.37, 0.90, 0.20);
        var o = Opts();
        o.ExplorationBudget = 0; // no probes: only what calls for a confirmation is under test
        var s = new Selector(o, [Buffered, Splice, Direct], learned);
        var world = new World((p, w) => (p == Direct ? (w / 5 % 2 == 0 ? 0.20 : 0.26) : p == Buffered ? 0.37 : 0.90, 1e9, true));
        world.Run(s, 200);
        Assert.Equal(["direct/4M"], world.BytesByPath.Keys);
    }

    [Fact]
    public void AConfirmedCheaperPathIsStillSwitchedTo()
    {
        // Direct gets dearer for good (the disk slowed down): splice, confirmed now, takes over.
        var world = new World((p, w) => (p == Direct ? (w < 40 ? 0.30 : 0.90) : p == Splice ? 0.45 : 0.60, 1e9, false));
        var o = Opts();
        o.ReprobeEveryWindows = 1000;
        var s = new Selector(o, [Buffered, Splice, Direct]);
        Assert.Equal(Splice, world.Run(s, 80));
    }

    [Fact]
    public void AShortRecordingOfKnownLengthStaysOnItsLearnedStart()
    {
        // 64 MiB of 16 concurrent streams: 8 windows, too few to earn back a switch. Noisy windows
        // make splice look dearer than the learned direct figure; it must not move.
        var learned = Learned(0.53, 0.45, 0.50, 1e9);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], learned);
        var world = new World((p, _) => (p == Splice ? 0.70 : 0.50, 1e9, true));
        var current = s.Current;
        for (int w = 0; w < 8; w++)
        {
            s.RemainingBytes = (8 - w) * (8L << 20);
            current = s.OnWindow(world.Sample(current));
        }
        Assert.Equal(0, s.Switches);
        Assert.Equal(["splice/1M"], world.BytesByPath.Keys);
    }

    [Fact]
    public void ALongRecordingStillLeavesAPathThatGotDearer()
    {
        var learned = Learned(0.53, 0.45, 0.50, 1e9);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], learned);
        var world = new World((p, _) => (p == Splice ? 0.70 : p == Direct ? 0.50 : 0.53, 1e9, false));
        // Unknown length: long.MaxValue remaining. It leaves splice for buffered or direct (buffered
        // is within the 10% margin of direct, so either may stay).
        var end = world.Run(s, 60);
        Assert.True(end == Direct || end == Buffered, s.Reason);
    }

    [Theory]
    [InlineData(true, false)]   // buffered "drained" at memory speed into dirty cache: no witness
    [InlineData(false, true)]   // buffered drained with its bytes reaching the storage: direct starves
    public void OnlyAWitnessThatReachedTheStorageCanStarveAPath(bool absorbed, bool directStarves)
    {
        // ext4 with a bulk sender, as measured: direct 1.1 GB/s with data queued, buffered 2.8 GB/s.
        var s = new Selector(Opts(), [Buffered, Splice, Direct]);
        var current = s.Current;
        for (int w = 0; w < 12; w++)
        {
            long bytes = 8 << 20;
            var (cost, rate, queued) = current == Direct ? (0.15, 1.1e9, true) : current == Buffered ? (0.30, 2.8e9, false) : (0.35, 2.6e9, true);
            current = s.OnWindow(new CostSample(bytes, (long)(cost * bytes), (long)(bytes / rate * 1e9), 0, queued,
                Absorbed: current != Direct && absorbed));
        }
        Assert.Equal(directStarves, s.Costs[2].Starved);
        Assert.Equal(directStarves ? Buffered : Direct, current);
    }

    [Fact]
    public void AWindowAbsorbedByThePageCacheDoesNotStandForThePathsCost()
    {
        // ext4, as traced: a splice window whose 8 MiB stayed in dirty page cache costs 0.24 ns/B;
        // the next one, throttled by writeback, 2.0. Taken alone, the cheap one made direct (0.15,
        // in a dear stretch at 0.28) look dearer than splice, and each confirmation paid 2.0 ns/B.
        var learned = Learned(0.66, 0.40, 0.15);
        learned["buffered/256K"].AbsorbedShare = learned["splice/1M"].AbsorbedShare = 1;
        var o = Opts();
        o.ExplorationCostBudget = 0.05;
        var s = new Selector(o, [Buffered, Splice, Direct], learned);
        Assert.Equal(Direct, s.Current);
        var current = s.Current;
        int confirmations = 0, splice = 0;
        for (int w = 0; w < 128; w++)
        {
            long bytes = 8 << 20;
            bool paged = current != Direct;
            double cost = current == Direct ? (w >= 40 ? 0.28 : 0.15) : current == Splice ? (splice++ % 2 == 0 ? 0.24 : 2.0) : 0.66;
            current = s.OnWindow(new CostSample(bytes, (long)(cost * bytes), (long)(bytes / 1e9 * 1e9), 0, true, Absorbed: paged));
            if (s.Decision.Kind == DecisionKind.Confirm) confirmations++;
        }
        Assert.Equal(Direct, current);
        Assert.Equal(0, confirmations);
    }
}
