using System.Text;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// A live stream's windows close on time (WindowMs), at a few MB where a bulk stream's close at
/// WindowBytes: the byte budget books each probe window at the size windows have, not at WindowBytes,
/// so a live stream re-probes after as many windows as a bulk stream does (docs/selector.md R16, §9).
/// </summary>
public class LiveWindowBudgetTests
{
    private static double Cost(PathChoice p) => p == Direct ? 0.30 : p == Splice ? 0.45 : 0.60;

    /// <summary>The table's `live-direct-slow` (10 MB/s: 5 MB windows); from window 100 to 112 direct moves 5 MB/s with data queued.</summary>
    private static Modelled DirectSlowForAWhile(At a)
    {
        bool behind = a.Window is >= 100 and < 112 && a.Path == Direct;
        return new(Cost(a.Path), behind ? 5e6 : 10e6, behind);
    }

    /// <summary>The judged windows at which the recording re-probed another path.</summary>
    private static List<int> Reprobes(Func<At, Modelled> model, int windows)
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        var at = new List<int>();
        int w = 0;
        p.OnEach = seen => { if (!seen.SwitchWindow && seen.S.Decision.Kind == DecisionKind.Reprobe && seen.S.Current != seen.On) at.Add(w); w++; };
        p.Record(model, windows);
        return at;
    }

    [Fact]
    public void ALiveStreamReprobesAtTheWindowsABulkStreamDoes()
    {
        var bulk = Reprobes(a => new(Cost(a.Path), 1e9, true), 400);   // 8 MiB windows
        var live = Reprobes(a => new(Cost(a.Path), 4e6), 400);         // 500 ms windows: 2 MB
        Assert.NotEmpty(bulk);
        Assert.Equal(bulk, live);
    }

    [Fact]
    public void ALiveStreamThatLeftAStarvedPathComesBackToItWithinTheTablesWindows()
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts());
        var trace = new StringBuilder();
        Decision left = default, back = default;
        p.OnEach = seen =>
        {
            var d = seen.S.Decision;
            if (d.Kind == DecisionKind.TakeOver && left.Kind != DecisionKind.TakeOver) left = d;
            if (left.Kind == DecisionKind.TakeOver && d.Kind == DecisionKind.Switch && back.Kind != DecisionKind.Switch) back = d;
        };
        // The table's 220 windows: the probe round (8 windows, nothing chosen yet) and the starvation
        // check that left direct (2 windows, a forced move) are not exploring, so the byte budget has
        // room for a re-probe of direct soon after (docs/selector.md R16, §9).
        var s = p.Record(DirectSlowForAWhile, 220, trace: trace);
        Assert.True(left.Kind == DecisionKind.TakeOver && s.Choices[left.Path] == Splice, trace.ToString());
        Assert.True(back.Kind == DecisionKind.Switch && s.Choices[back.Path] == Direct, trace.ToString());
        Assert.Equal(Direct, s.Choices[s.SettledIndex]);
        Assert.Equal(Direct, s.Current);
        Assert.False(s.Costs[2].Starved, trace.ToString());
    }

    [Fact]
    public void ALiveStreamsReprobesStayWithinTheByteBudget()
    {
        var o = SelectorScenarios.Opts();
        using var p = new SelectorProtocol(o);
        var s = p.Record(DirectSlowForAWhile, 800);
        // The probe round and the forced move off starved direct are not exploring: the budget holds
        // from the first byte, one probe window beyond it at most.
        long window = 5_000_000L;
        Assert.True(s.ExploredBytes <= o.ExplorationBudget * s.TotalBytes + window, $"{s.ExploredBytes}/{s.TotalBytes}");
    }
}
