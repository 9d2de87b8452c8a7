using System.Globalization;
using System.Text;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// The selector's scenarios, each a cost model run through <see cref="SelectorProtocol"/>: the ones
/// the selector tests assert on (convergence, hysteresis, probes, starvation, kill switch, a path that
/// refuses, learned starts, short recordings, a mount's long recordings) and a few more.
/// </summary>
internal static class SelectorScenarios
{
    public static SelectorOptions Opts() => new()
    {
        Candidates = ["buffered/256K", "splice/1M", "direct/4M"],
        WindowBytes = 8 << 20, ProbeWindows = 2, SwitchMargin = 0.10, HysteresisWindows = 3,
        ReprobeEveryWindows = 20, ExplorationBudget = 0.05, StarvationFraction = 0.7,
    };

    private static double Of(PathChoice p, double b, double s, double d) => p.Kind switch
    {
        WritePathKind.Buffered => b,
        WritePathKind.Splice => s,
        _ => d,
    };

    private static Modelled Fixed(At a, double b, double s, double d, double rate = 1e9, bool backlog = false) =>
        new(Of(a.Path, b, s, d), rate, backlog);

    /// <summary>A version 1 learned file: mount -> path -> figure, 50 windows each.</summary>
    public static Func<string, string> Learned(double b, double s, double d, double rate = 1e9, double absorbed = 0) => key =>
    {
        string F(double ns, double abs) => string.Create(CultureInfo.InvariantCulture,
            $$"""{ "nsPerByte": {{ns}}, "bytesPerSecond": {{rate}}, "windows": 50, "absorbedShare": {{abs}} }""");
        string paths = $$"""{ "buffered/256K": {{F(b, absorbed)}}, "splice/1M": {{F(s, absorbed)}}, "direct/4M": {{F(d, 0)}} }""";
        // Learned in the scenario's own condition (every bulk band, bulk the latest class): a seed
        // borrowed from another condition is probed first (R1), which is not what these scenarios ask.
        string Table(long seq) => $$"""{ "seq": {{seq}}, "paths": {{paths}} }""";
        return $$"""{ "version": 2, "mounts": { {{System.Text.Json.JsonSerializer.Serialize(key)}}: { "any": {{Table(1)}}, "x1/bulk": {{Table(2)}}, "x2-4/bulk": {{Table(3)}}, "x5+/bulk": {{Table(4)}} } } }""";
    };

    public sealed record Scenario(string Name, Action<StringBuilder> Run)
    {
        public override string ToString() => Name;
    }

    private static Scenario One(string name, Func<At, Modelled> model, int windows, SelectorOptions? o = null,
        Func<string, string>? learned = null, WritePathOptions? paths = null, int concurrent = 1, long length = -1) =>
        new(name, sb =>
        {
            using var p = new SelectorProtocol(o ?? Opts(), paths, learned);
            p.Record(model, windows, concurrent, length, sb);
        });

    private static Scenario Many(string name, int recordings, Func<At, Modelled> model, int windows, SelectorOptions? o = null,
        Func<string, string>? learned = null, Func<int, long>? length = null, Func<int, int>? concurrent = null) =>
        new(name, sb =>
        {
            using var p = new SelectorProtocol(o ?? Opts(), null, learned);
            for (int r = 0; r < recordings; r++) p.Record(model, windows, concurrent?.Invoke(r) ?? 1, length?.Invoke(r) ?? -1, sb);
        });

    private static SelectorOptions With(Action<SelectorOptions> set) { var o = Opts(); set(o); return o; }

    /// <summary>A live 10 MB/s stream: from window 100 to 112 the paths <paramref name="slow"/> names move 5 MB/s with data queued.</summary>
    private static Func<At, Modelled> Live(Func<PathChoice, bool> slow) => a =>
    {
        bool behind = a.Window is >= 100 and < 112 && slow(a.Path);
        return new(Of(a.Path, 0.60, 0.45, 0.30), behind ? 5e6 : 10e6, behind);
    };

    public static IEnumerable<Scenario> All()
    {
        yield return One("converges", a => Fixed(a, 0.60, 0.45, 0.30), 200);
        yield return One("within-margin", a => Fixed(a, 0.50, 0.47, 0.49), 200);
        yield return One("hysteresis", a => new(a.Path.Kind switch
        {
            WritePathKind.Splice => a.Window == 30 ? 0.2 : 0.40,
            WritePathKind.Buffered => a.Window >= 60 ? 0.20 : 0.50,
            _ => 0.55,
        }), 260);
        yield return One("reprobe-finds-change", a => Fixed(a, 0.60, 0.45, a.Window < 100 ? 0.30 : 0.90), 400);
        yield return One("dear-paths-cost-budget", a => Fixed(a, 1.00, 0.33, 0.30), 600, With(o => o.ReprobeEveryWindows = 32));
        yield return One("switch-window-dear", a => Fixed(a, 0.60, 0.45, a.AfterSwitch && a.Path == Direct ? 3.0 : 0.30), 300);
        yield return One("starvation-cold", a => a.Path == Direct ? new(0.2, 400e6, true) : Fixed(a, 0.5, 0.4, 0), 60);
        yield return One("starvation-guard", a => a.Path.Kind switch
        {
            WritePathKind.Direct => new(0.20, 2e8, true),
            WritePathKind.Splice => new(0.45, 1e9),
            _ => new(0.60, 9e8),
        }, 100);
        yield return One("live-machine-slow", Live(_ => true), 220);
        yield return One("live-direct-slow", Live(p => p == Direct), 220);
        yield return One("slow-phase-stale", a => new((a.Window is >= 40 and < 140 ? 2.0 : 1.0) * Of(a.Path, 0.53, 0.45, 0.65)), 200,
            With(o => o.ReprobeEveryWindows = 1000));
        yield return One("ramp", a =>
        {
            int t = a.Window % 40;
            double phase = t < 15 ? 1.0 + 2.0 * t / 15 : t < 30 ? 3.0 - 2.0 * (t - 15) / 15 : 1.0;
            return new(phase * Of(a.Path, 0.53, 0.45, 0.65));
        }, 200, With(o => o.ReprobeEveryWindows = 10));
        yield return One("spike", a => new(a.Path == Splice ? (a.Window is >= 40 and < 43 ? 1.20 : 0.45) : Of(a.Path, 0.53, 0, 0.65)), 120);
        yield return One("confirmed-switch", a => Fixed(a, 0.60, 0.45, a.Window < 40 ? 0.30 : 0.90), 200);
        yield return One("bulk-all-queued", a => Fixed(a, 0.60, 0.45, 0.30, 3e8, backlog: true), 200);
        yield return One("learned-start", a => Fixed(a, 0.6, 0.3, 0.5), 100, learned: Learned(0.6, 0.3, 0.5));
        yield return One("learned-rates-other-sender", a => Fixed(a, 0.6, 0.3, 0.5, 120e6, backlog: true), 60, learned: Learned(0.6, 0.3, 0.5, 2e9));
        yield return One("learned-start-starves", a => a.Path == Direct ? new(0.19, 4e6, true) : Fixed(a, 0.66, 1.09, 0, 10e6), 60,
            learned: Learned(0.66, 1.09, 0.19));
        yield return One("learned-wrong", a => Fixed(a, 0.60, 0.45, 0.65), 120, learned: Learned(0.50, 0.60, 0.65));
        yield return One("learned-wobble", a => new(a.Path == Direct ? (a.Window / 5 % 2 == 0 ? 0.20 : 0.26) : Of(a.Path, 0.37, 0.90, 0), 1e9, true), 200,
            learned: Learned(0.37, 0.90, 0.20));
        yield return One("learned-cheap-phase", a => new((a.Window is >= 5 and < 40 ? 2.2 : 1.0) * Of(a.Path, 0.50, 0.27, 0.15), 1e9, true,
            Absorbed: a.Path != Direct), 120, learned: Learned(0.50, 0.27, 0.15, absorbed: 1));
        int splice = 0;
        yield return One("absorbed-alternating", a =>
        {
            bool paged = a.Path != Direct;
            double cost = a.Path == Direct ? (a.Window >= 40 ? 0.28 : 0.15) : a.Path == Splice ? (splice++ % 2 == 0 ? 0.24 : 2.0) : 0.66;
            return new(cost, 1e9, true, paged);
        }, 128, With(o => o.ExplorationCostBudget = 0.05), learned: Learned(0.66, 0.40, 0.15, absorbed: 1));
        yield return One("absorbed-witness", a => a.Path == Direct ? new(0.15, 1.1e9, true) : a.Path == Buffered ? new(0.30, 2.8e9, false, true) : new(0.35, 2.6e9, true, true), 60);
        yield return One("kill-switch", a => Fixed(a, 0.60, 0.20, 0.40), 100, paths: new WritePathOptions { NoSplice = true });
        yield return One("direct-refused", a => a.Path == Direct ? new(0.30, Unavailable: true) : Fixed(a, 0.60, 0.45, 0), 100);
        yield return One("direct-refused-later", a => a.Path == Direct && a.Window >= 50 ? new(0.30, Unavailable: true) : Fixed(a, 0.60, 0.45, 0.30), 100);
        yield return One("short-known-length", a => new(a.Path == Splice ? 0.70 : 0.50, 1e9, true), 100, learned: Learned(0.53, 0.45, 0.50),
            length: 64L << 20);
        yield return Many("short-recordings-mount", 24, a => new(a.Path == Splice ? 0.70 : a.Path == Direct ? 0.50 : 0.53, 1e9, true), 100,
            learned: Learned(0.53, 0.45, 0.50), length: _ => 64L << 20, concurrent: _ => 16);
        yield return One("long-leaves-dearer", a => Fixed(a, 0.53, 0.70, 0.50), 100, learned: Learned(0.53, 0.45, 0.50));
        yield return Many("ext4-long-recordings", 24, a => new(a.AfterSwitch && a.Path == Direct ? 1.0 : Of(a.Path, 0.60, 0.30, 0.15), 1e9, true,
            a.Path != Direct), 128, learned: Learned(0.60, 0.30, 0.15, absorbed: 1));
        yield return Many("ranking-flips", 40, a => new(a.AfterSwitch && a.Path == Direct ? 1.0 : Of(a.Path, 0.60, 0.30, a.Recording < 20 ? 0.15 : 0.45)), 128,
            learned: Learned(0.60, 0.30, 0.15));
        yield return Many("live-then-bulk-conditions", 6, a => a.Recording % 2 == 0
            ? Fixed(a, 0.60, 0.45, 0.30, 3e6)
            : Fixed(a, 0.40, 0.45, 0.60, 1e9), 60, concurrent: r => r < 4 ? 1 : 5);
    }
}
