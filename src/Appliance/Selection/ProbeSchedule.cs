namespace Recd.Selection;

/// <summary>
/// Which other path to measure next, and when (docs/selector.md R13-R15): a path not yet seen in this
/// recording as soon as the budgets allow, every ReprobeEveryWindows the stalest path that fits them,
/// and for the mount the path its turn names.
/// </summary>
internal sealed class ProbeSchedule(SelectorOptions o, CostEstimate e, ExplorationBudget budget, Func<int, bool> checkedElsewhere)
{
    /// <summary>The window of the last re-probe R14 or R15 took.</summary>
    public int LastProbe { get; set; }

    private bool Affordable(int settled, int i, bool costToo = true) => budget.Affordable(e.Cost(settled), e.Cost(i), costToo);

    /// <summary>
    /// R14: an available path other than the chosen one with no window in this recording whose probe
    /// fits the budgets, or -1; with <paramref name="costToo"/> false (the chosen path leaves data
    /// queued) the byte budget alone, for a path that could witness starvation: one whose windows on
    /// this mount mostly stayed in dirty page cache cannot, so the exemption would buy nothing. With
    /// <paramref name="costToo"/>, a path another recording of this condition checked beside the same
    /// chosen path while this one was written (<paramref name="checkedElsewhere"/>) is seen.
    /// </summary>
    public int UnseenHere(int settled, bool costToo)
    {
        bool Fits(int i) => i != settled && !e.Costs[i].Excluded && e.WindowsHere[i] == 0 && !(costToo && checkedElsewhere(i))
            && Affordable(settled, i, costToo || e.Costs[i].AbsorbedShare >= 0.5);
        // The mount's turn first: where probes are rare (paid from a backed-off mount budget), taking
        // paths in index order left the runner-up unasked while buffered took every turn.
        int pick = budget.Mount is null ? -1 : TurnPick(settled, budget.Mount.Turn);
        if (pick >= 0 && Fits(pick)) return pick;
        for (int i = 0; i < e.Count; i++)
            if (Fits(i)) return i;
        return -1;
    }

    /// <summary>
    /// R15: among the other paths a probe window of which fits both budgets, the one measured longest
    /// ago; or -1. A path not measured for ReprobeAtLeastEveryWindows holds the turn until the budget has
    /// saved up for it: otherwise a path at 1.5x, fitting again after half a window's worth, takes every
    /// turn from one at 2x, which never fits.
    /// </summary>
    public int Stalest(int settled, int window)
    {
        int stale = -1, held = -1;
        for (int i = 0; i < e.Count; i++)
        {
            if (i == settled || e.Costs[i].Unavailable) continue;
            if (held < 0 || e.LastWindow[i] < e.LastWindow[held]) held = i;
            if ((stale < 0 || e.LastWindow[i] < e.LastWindow[stale]) && Affordable(settled, i)) stale = i;
        }
        if (held >= 0 && held != stale && window - e.LastWindow[held] >= Math.Max(o.ReprobeAtLeastEveryWindows, o.ReprobeEveryWindows)) return -1;
        return stale;
    }

    /// <summary>R13: the other path this recording measures for the mount, if the mount's budgets have room; or -1.</summary>
    public int ForMount(int settled)
    {
        int pick = TurnPick(settled, budget.Mount!.Turn);
        return pick >= 0 && budget.TryTakeForMount(e.Cost(settled), e.Cost(pick)) ? pick : -1;
    }

    /// <summary>
    /// R16: the other path the mount's turn asks about, or -1: two turns in three the runner-up, the
    /// path that would take over if the ranking is wrong; the third rotates over all the others.
    /// </summary>
    public int TurnPick(int settled, int turn)
    {
        int others = 0;
        for (int i = 0; i < e.Count; i++) if (i != settled && !e.Costs[i].Excluded) others++;
        if (others == 0) return -1;
        int pick = turn % 3 != 2 ? e.CheapestExcept(settled) : -1;
        for (int i = 0, k = turn / 3 % others; i < e.Count && pick < 0; i++)
            if (i != settled && !e.Costs[i].Excluded && k-- == 0) pick = i;
        return pick;
    }
}
