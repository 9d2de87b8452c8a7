using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Tests.Selection;

/// <summary>
/// The first probe round is not exploring (nothing is chosen yet: docs/selector.md R16) and keeps a
/// bound of its own (§7), held here over seeded random worlds (a failure names its seed).
/// </summary>
public class ProbeRoundBoundTests
{
    private const int Seeds = 40;
    private static readonly PathChoice[] Paths = RandomWorld.Paths;

    /// <summary>
    /// The probe round's own bound (§7): only before anything is chosen, once per recording (its windows
    /// are the recording's first, in one run), at most every candidate's ProbeWindows judged windows
    /// and one unjudged window onto each: the recording's start window for the first, a switch window for
    /// every other (R3): 3 x (2 + 1) windows of at most
    /// WindowBytes. Cold starts over the random worlds, bulk and live (500 ms windows), a path that
    /// starves in the round, and a start from figures borrowed from another condition (StartBorrowed).
    /// </summary>
    [Fact]
    public void TheProbeRoundsBytesStayWithinTheirOwnBound()
    {
        var o = SelectorScenarios.Opts();
        int bound = Paths.Length * (o.ProbeWindows + 1), borrowed = 0;
        void Check(int seed, SelectorProtocol p, Func<At, Modelled> model, int concurrent)
        {
            int windows = 0, judgedSince = 0;
            long bytes = 0;
            bool chosen = false;
            p.OnEach = seen =>
            {
                if (seen.SettledBefore < 0)
                {
                    Assert.False(chosen, $"seed {seed}: a window with nothing chosen after a path was chosen");
                    windows++;
                    bytes += seen.Sample.Bytes;
                }
                else chosen = true;
                if (!seen.SwitchWindow) judgedSince++;
                if (judgedSince == 1 && seen.S.Decision.Kind == DecisionKind.StartBorrowed) borrowed++;
            };
            p.Record(model, 300, concurrent);
            Assert.True(chosen, $"seed {seed}: never chose a path");
            Assert.True(windows <= bound, $"seed {seed}: the probe round took {windows} windows, bound {bound}");
            Assert.True(bytes <= bound * o.WindowBytes, $"seed {seed}: the probe round took {bytes} bytes");
        }
        for (int seed = 0; seed < Seeds; seed++)
        {
            var world = new RandomWorld(seed, spikes: true);
            var slow = Paths[seed % 3];
            Func<At, Modelled> live = a => new(world.CostAt(Array.IndexOf(Paths, a.Path), a.Window), 4e6);
            Func<At, Modelled> starving = a => a.Path == slow ? new(world.CostAt(seed % 3, a.Window), 2e8, true) : world.Model(a);
            using (var p = new SelectorProtocol(o)) Check(seed, p, world.Model, 1);
            using (var p = new SelectorProtocol(o)) Check(seed, p, live, 1);
            using (var p = new SelectorProtocol(o)) Check(seed, p, starving, 1);
            // Learned only as the mount's "any": borrowed in the x1 band, so the recording probes every path.
            using (var p = new SelectorProtocol(o, learnedFile: AnyOnly(world.Cost))) Check(seed, p, world.Model, 1);
        }
        Assert.Equal(Seeds, borrowed);
    }

    /// <summary>A version 2 learned file with the mount's "any" figures only (R1: borrowed by every condition).</summary>
    private static Func<string, string> AnyOnly(double[] cost) => key =>
    {
        string F(double ns) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $$"""{ "nsPerByte": {{ns}}, "bytesPerSecond": 1e9, "windows": 50, "absorbedShare": 0 }""");
        string paths = $$"""{ "buffered/256K": {{F(cost[0])}}, "splice/1M": {{F(cost[1])}}, "direct/4M": {{F(cost[2])}} }""";
        return $$"""{ "version": 2, "mounts": { {{System.Text.Json.JsonSerializer.Serialize(key)}}: { "any": { "seq": 1, "paths": {{paths}} } } } }""";
    };
}
