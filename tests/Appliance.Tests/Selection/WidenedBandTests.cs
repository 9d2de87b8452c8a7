using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// R1c (docs/selector.md): a burst's first recording begins alone, in x1, an instant before the rest.
/// The burst's windows run at x2-4, so x1 is never learned and that recording probed every path in
/// every burst: on ntfs-3g, where buffered and splice cost 10-18x direct, the short selector run's duet
/// paid +30-42% for it. Driven through the daemon's protocol with the counts Recording.OnWindow reads.
/// </summary>
public class WidenedBandTests
{
    /// <summary>ntfs-3g at four streams, thread + FUSE server view: direct far cheapest.</summary>
    private static Modelled Ntfs(At a) => new(a.Path == Direct ? 0.9 : a.Path == Splice ? 9.0 : 10.0, 5e8);

    /// <summary>Four recordings of a burst begin together: the x2-4 band learns every candidate.</summary>
    private static void LearnFew(SelectorProtocol p)
    {
        for (int r = 0; r < 3; r++) p.Record(Ntfs, 40, concurrent: 4, writing: _ => 4);
        var few = p.Context.Learned.For(p.Context.LearnedKey, new LearnedCondition(ConcurrencyBand.Few, RateClass.Bulk));
        Assert.NotNull(few);
        foreach (var c in new[] { Buffered, Splice, Direct }) Assert.True(few!.ContainsKey(c.Label), $"{c.Label} not learned in x2-4");
    }

    /// <summary>Windows the recording spent on each path, counted as the protocol feeds them; <paramref name="then"/> after each count.</summary>
    private static Dictionary<string, int> CountWindows(SelectorProtocol p, Action<Seen>? then = null)
    {
        var on = new Dictionary<string, int>();
        p.OnEach = seen =>
        {
            on[seen.On.Label] = on.GetValueOrDefault(seen.On.Label) + 1;
            then?.Invoke(seen);
        };
        return on;
    }

    [Fact]
    public void ABurstsFirstRecordingSettlesOnTheWiderBandsCheapestInsteadOfProbingEveryPath()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        LearnFew(p);
        var on = CountWindows(p);
        // Begun alone; its three companions begin 10 windows (170 ms) later, after its 4 judging windows.
        var s = p.Record(Ntfs, 32, concurrent: 1, writing: w => w < 10 ? 1 : 4);

        Assert.Equal(ConcurrencyBand.Few, s.Condition!.Band);
        Assert.Equal("x2-4/bulk", s.SeededFrom?.Key);
        Assert.Equal(Direct, s.Choices[s.SettledIndex]);
        // On direct (the start's borrowed cheapest) while its band could widen, then settled there: no
        // probe round of the 10x paths. Later re-probes would be R14's, within the budgets.
        Assert.True(on.GetValueOrDefault(Splice.Label) + on.GetValueOrDefault(Buffered.Label) == 0,
            $"windows off direct: splice {on.GetValueOrDefault(Splice.Label)}, buffered {on.GetValueOrDefault(Buffered.Label)} of 32");
        Assert.Equal(0, p.Context.Exploration.ProbeRoundsRunning(ConcurrencyBand.One));
    }

    [Fact]
    public void ALoneRecordingProbesEveryPathOnceItsBandCanNoLongerWiden()
    {
        // The control: the same recording, its count never widening (a lone stream), runs its round
        // once 500 ms of its windows have passed (16.8 ms each at the model's 500 MB/s: 30 windows).
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        LearnFew(p);
        var firstOff = -1;
        Dictionary<string, int> on = null!;
        on = CountWindows(p, seen => { if (firstOff < 0 && seen.On != Direct) firstOff = on.Values.Sum() - 1; });
        var s = p.Record(Ntfs, 64, concurrent: 1, writing: _ => 1);

        Assert.Equal(ConcurrencyBand.One, s.Condition!.Band);
        long burstWindows = RecordingCondition.BurstNs / (long)((8 << 20) / 5e8 * 1e9);
        Assert.InRange(firstOff, burstWindows, burstWindows + 2);
        Assert.True(on.GetValueOrDefault(Splice.Label) >= 2 && on.GetValueOrDefault(Buffered.Label) >= 2,
            $"a lone stream in a band learned nowhere probes: splice {on.GetValueOrDefault(Splice.Label)}, buffered {on.GetValueOrDefault(Buffered.Label)}");
    }

    /// <summary>
    /// Over random worlds (seeded) and a random window of the burst's others beginning: a lone start
    /// borrowing x2-4's figures stays on its first path until the band widens, then settles on x2-4's
    /// cheapest learned figure with no probe round, and the decision's sentence says what its value says.
    /// </summary>
    [Fact]
    public void OverRandomWorldsTheWidenedStartNeverProbesAndSettlesOnTheBandsCheapest()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            var world = new RandomWorld(seed, spikes: false);
            using var p = new SelectorProtocol(SelectorScenarios.Opts());
            for (int r = 0; r < 3; r++) p.Record(world.Model, 40, concurrent: 4, writing: _ => 4);
            var few = p.Context.Learned.For(p.Context.LearnedKey, new LearnedCondition(ConcurrencyBand.Few, RateClass.Bulk))!;
            Assert.Equal(3, few.Count);
            string cheapest = few.MinBy(kv => kv.Value.NsPerByte).Key;
            // At the model's 1 GB/s a window is 8.4 ms: 500 ms of the hold is ~60 windows.
            int joinAt = 1 + new Random(seed).Next(50);
            PathChoice? first = null;
            bool widened = false;
            p.OnEach = seen =>
            {
                first ??= seen.On;
                if (seen.S.Decision.Kind == DecisionKind.StartWidened && !widened)
                {
                    widened = true;
                    Assert.Equal(nameof(DecisionKind.StartWidened), DecisionKinds.Classify(seen.S.Reason));
                }
                if (!widened) Assert.True(seen.On == first, $"seed {seed}: left {first} for {seen.On} before the band widened at {joinAt}");
                Assert.NotEqual(DecisionKind.Probe, seen.S.Decision.Kind);
            };
            var s = p.Record(world.Model, 80, concurrent: 1, writing: w => w < joinAt ? 1 : 4);
            Assert.True(widened, $"seed {seed}: never took the widened seed ({s.Reason})");
            Assert.Equal(cheapest, s.Choices[s.SettledIndex].Label);
        }
    }

    [Fact]
    public void ABandWidenedToOneNotLearnedInFullGoesOnProbing()
    {
        // x2-4 learned direct only (its recordings ran a fixed policy): the round is still needed.
        using var q = new SelectorProtocol(SelectorScenarios.Opts(), learnedFile: DirectOnlyInFew);
        var on = CountWindows(q);
        var s = q.Record(Ntfs, 32, concurrent: 1, writing: w => w == 0 ? 1 : 4);

        Assert.Equal(ConcurrencyBand.Few, s.Condition!.Band);
        Assert.NotEqual(DecisionKind.StartWidened, s.Decision.Kind);
        Assert.True(on.GetValueOrDefault(Splice.Label) >= 2 && on.GetValueOrDefault(Buffered.Label) >= 2,
            $"paths x2-4 never measured were not probed: splice {on.GetValueOrDefault(Splice.Label)}, buffered {on.GetValueOrDefault(Buffered.Label)}");
    }

    private static string DirectOnlyInFew(string key)
    {
        const string direct = """{ "direct/4M": { "nsPerByte": 0.9, "bytesPerSecond": 5e8, "windows": 50, "absorbedShare": 0 } }""";
        return $$"""{ "version": 2, "mounts": { {{System.Text.Json.JsonSerializer.Serialize(key)}}: { "x2-4/bulk": { "seq": 1, "paths": {{direct}} } } } }""";
    }
}
