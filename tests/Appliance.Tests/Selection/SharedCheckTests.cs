using System.Globalization;
using System.Text;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// R14 and R15 shared (docs/selector.md R14, R15): four live streams of a burst began settled from the
/// band's learned figures, and each checked both other paths early (the live duet, stop 21: exploring
/// 2.6-6.8% of each one's cost). One check beside the same chosen path, taken while the others are
/// written and finding the ranking standing, answers it for all of them; one that finds it in doubt,
/// or is never judged, answers it for none.
/// </summary>
public class SharedCheckTests
{
    private static readonly PathChoice[] Paths = [Buffered, Splice, Direct];

    /// <summary>Four live streams (2 MB/s: windows close on time) beginning together, settled on direct from the x2-4 live table.</summary>
    private static Selector[] Burst(Func<At, Modelled> model, int windows, StringBuilder trace, int count = 4, Func<int, Selector, bool>? endsNow = null)
    {
        using var p = new SelectorProtocol(SelectorScenarios.Opts(), learnedFile: LiveTable(0.60, 0.45, 0.30));
        var starts = new Dictionary<Selector, DecisionKind>();
        p.OnEach = seen => starts.TryAdd(seen.S, seen.S.Decision.Kind);
        var ended = p.RecordTogether(model, windows, count, trace, endsNow);
        Assert.All(ended, s => Assert.Equal(DecisionKind.StartLearned, starts[s]));
        return ended;
    }

    /// <summary>Judged windows each recording spent on <paramref name="p"/> while settled elsewhere: its probes of it.</summary>
    private static int[] ProbesOf(Selector[] burst, PathChoice p) => [.. burst.Select(s => s.WindowsHere(Array.IndexOf(Paths, p)))];

    private static Modelled Live(At a, double b = 0.60, double s = 0.45, double d = 0.30) =>
        new(a.Path == Direct ? d : a.Path == Splice ? s : b, 2e6);

    /// <summary>
    /// Over 600 windows (5 minutes of a live stream): the four of a burst check each path, and never two
    /// of them within ReprobeEveryWindows of each other (without the sharing all four checked splice at
    /// window 40, and again together at 398 and 497). What one recording's check saves the others stays
    /// in their budgets: their later turns come staggered, one check per turn for the burst.
    /// </summary>
    [Fact]
    public void OneRecordingsCheckOfEachPathStandsForTheBurst()
    {
        var trace = new StringBuilder();
        var burst = ProbeWindows(a => Live(a), 600, trace, count: 4);
        foreach (var p in new[] { Splice, Buffered })
        {
            var at = burst[p].Order().ToList();
            Assert.True(at.Count >= 1, trace.ToString());
            for (int k = 1; k < at.Count; k++)
                Assert.True(at[k] - at[k - 1] >= SelectorScenarios.Opts().ReprobeEveryWindows, $"{p.Label} checked at {string.Join(",", at)}\n{trace}");
        }
    }

    /// <summary>The windows at which the burst's recordings measured each other path (judged probe windows).</summary>
    private static Dictionary<PathChoice, List<int>> ProbeWindows(Func<At, Modelled> model, int windows, StringBuilder trace, int count)
    {
        var at = Paths.ToDictionary(p => p, _ => new List<int>());
        using var p = new SelectorProtocol(SelectorScenarios.Opts(), learnedFile: LiveTable(0.60, 0.45, 0.30));
        var window = new Dictionary<Selector, int>();
        p.OnEach = seen =>
        {
            int w = window[seen.S] = window.GetValueOrDefault(seen.S) + 1;
            if (!seen.SwitchWindow && seen.PhaseBefore.Kind == PhaseKind.Reprobe) at[seen.On].Add(w);
        };
        var ended = p.RecordTogether(model, windows, count, trace);
        Assert.All(ended, s => Assert.Equal(Direct, s.Current));
        return at;
    }

    [Fact]
    public void ACheckThatFindsTheRankingInDoubtIsTakenByEveryRecording()
    {
        // Splice within the margin of direct: the check answers nothing for the others.
        var trace = new StringBuilder();
        var burst = Burst(a => Live(a, s: 0.31), 200, trace);
        Assert.True(ProbesOf(burst, Splice).All(n => n >= 1), trace.ToString());
    }

    [Fact]
    public void ALonelyRecordingChecksEveryPathItself()
    {
        var trace = new StringBuilder();
        var one = Burst(a => Live(a), 600, trace, count: 1);
        Assert.True(ProbesOf(one, Splice).Sum() >= 1 && ProbesOf(one, Buffered).Sum() >= 1, trace.ToString());
    }

    /// <summary>A claim in flight covers the others; given up (its recording ended before its window was judged) it covers none.</summary>
    [Fact]
    public void ACheckNeverJudgedIsDroppedAndAnotherRecordingTakesIt()
    {
        var checks = new SharedChecks();
        var live = new LearnedCondition(ConcurrencyBand.Few, RateClass.Live);
        long a = checks.Now(), b = checks.Now();
        var claim = checks.TryClaim(live, Splice.Label, Direct.Label, a);
        Assert.NotNull(claim);
        Assert.True(checks.Covered(live, Splice.Label, Direct.Label, b));
        Assert.Null(checks.TryClaim(live, Splice.Label, Direct.Label, b));
        Assert.False(checks.Covered(live, Splice.Label, Buffered.Label, b)); // beside another chosen path: not the same question
        Assert.False(checks.Covered(new LearnedCondition(ConcurrencyBand.Many, RateClass.Live), Splice.Label, Direct.Label, b));
        checks.Abandon(claim.Value);
        Assert.False(checks.Covered(live, Splice.Label, Direct.Label, b));
        var again = checks.TryClaim(live, Splice.Label, Direct.Label, b);
        Assert.NotNull(again);
        checks.Answer(again.Value, rankingHeld: true);
        checks.Abandon(again.Value); // answered: stays
        Assert.True(checks.Covered(live, Splice.Label, Direct.Label, a));
        // A recording begun after the check was claimed asks for itself.
        Assert.False(checks.Covered(live, Splice.Label, Direct.Label, checks.Now()));
    }

    /// <summary>
    /// The same through the selectors: a recording that ends during its check (on the switch to the
    /// probed path, before its window is judged) leaves it to the others at once, not at their next
    /// R15 turn.
    /// </summary>
    [Fact]
    public void ARecordingEndingDuringItsCheckLeavesItToTheOthers()
    {
        var trace = new StringBuilder();
        PathChoice? claimed = null;
        int endedAt = -1;
        var windows = new int[4];
        var burst = Burst(a => { windows[a.Recording] = a.Window; return Live(a); }, 200, trace, endsNow: (r, s) =>
        {
            if (r != 0 || s.Phase.Kind != PhaseKind.Reprobe) return false;
            claimed = s.Choices[s.Phase.Path];
            endedAt = windows[0];
            return true;
        });
        Assert.NotNull(claimed);
        Assert.Equal(0, ProbesOf(burst[..1], claimed.Value)[0]);
        Assert.True(ProbesOf(burst[1..], claimed.Value).Sum() == 1, trace.ToString());
        // The next recording's switch to it comes in the window after recording 0 ended.
        Assert.Contains($"r1 {endedAt + 1} {claimed.Value.Label} switch-window", trace.ToString());
    }

    /// <summary>A version 2 learned file with the x1 and x2-4 live tables (and the mount's "any"): the recordings' own conditions.</summary>
    private static Func<string, string> LiveTable(double b, double s, double d) => key =>
    {
        string F(double ns) => string.Create(CultureInfo.InvariantCulture,
            $$"""{ "nsPerByte": {{ns}}, "bytesPerSecond": 2e6, "windows": 50, "absorbedShare": 0, "crowd": 4 }""");
        string paths = $$"""{ "buffered/256K": {{F(b)}}, "splice/1M": {{F(s)}}, "direct/4M": {{F(d)}} }""";
        return $$"""{ "version": 2, "mounts": { {{System.Text.Json.JsonSerializer.Serialize(key)}}: { "any": { "seq": 1, "paths": {{paths}} }, "x1/live": { "seq": 2, "paths": {{paths}} }, "x2-4/live": { "seq": 3, "paths": {{paths}} } } } }""";
    };
}
