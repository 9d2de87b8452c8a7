namespace Recd.Selection;

/// <summary>
/// Whether a path keeps up with the sender (docs/selector.md R5, R6). Starvation comes before cost:
/// a path that leaves data queued while moving less than StarvationFraction of the rate of a witness
/// (a path that kept the socket drained on the storage in this recording) is dropped. The chosen path
/// is only suspected on a witness's old rate, and judged on the witness's window beside it.
/// </summary>
internal sealed class StarvationGuard(SelectorOptions o)
{
    private int _nextCheck;

    /// <summary>The witness the chosen path's last window looked starved against (R5), or -1: the next decision's to act on.</summary>
    public int Suspect { get; private set; } = -1;

    public void ClearSuspect() => Suspect = -1;

    /// <summary>
    /// R5, after the estimate took path <paramref name="i"/>'s window: true with the decision when the
    /// path is dropped; a suspicion of the chosen path is raised instead of a verdict on an old rate.
    /// </summary>
    public bool Judge(CostEstimate e, int i, int settled, bool probing, int window, out Decision dropped)
    {
        dropped = default;
        var c = e.Costs[i];
        if (c.KeptUp) { c.Starved = false; return false; }
        // Backlogged alone says nothing when the sender is faster than every path (a bulk copy over
        // loopback); it matters when another path kept the queue empty at a higher rate.
        int witness = -1;
        for (int j = 0; j < e.Count; j++)
        {
            var w = e.Costs[j];
            if (j != i && e.WindowsHere[j] > 0 && w.KeptUpOnStorage && !w.Excluded
                && (witness < 0 || w.BytesPerSecond > e.Costs[witness].BytesPerSecond)) witness = j;
        }
        if (witness < 0 || c.Starved || c.BytesPerSecond >= o.StarvationFraction * e.Costs[witness].BytesPerSecond) return false;
        // The chosen path's witness was mostly measured long ago, and a slow phase of the machine slows
        // every path: it is measured again beside it first, unless its last window was the one just
        // before (a probe round measures paths a few windows apart, close enough).
        if (i == settled && !probing && e.LastWindow[witness] != window - 1)
        {
            if (window >= _nextCheck) Suspect = witness;
            return false;
        }
        c.Starved = true;
        dropped = new Decision(DecisionKind.Starved, i, witness, c.BytesPerSecond, e.Costs[witness].BytesPerSecond);
        return true;
    }

    /// <summary>
    /// R6: the witness's window <paramref name="s"/> beside the chosen path: the verdict stands only if
    /// it kept the queue drained on the storage, at a rate the chosen path's window that raised the
    /// suspicion (<paramref name="suspect"/>, held by the StarvationCheck phase) fell short of.
    /// </summary>
    public Decision JudgeBeside(CostEstimate e, int settled, int witness, in CostSample s, double suspect, int window)
    {
        double rate = s.BytesPerSecond;
        _nextCheck = window + o.HysteresisWindows;
        bool keptUp = !s.Backlogged && !s.Absorbed;
        if (keptUp && suspect < o.StarvationFraction * rate)
        {
            e.Costs[settled].Starved = true;
            return new Decision(DecisionKind.Starved, settled, witness, suspect, rate, Flag: true);
        }
        return new Decision(DecisionKind.NotStarved, settled, witness, rate, suspect, Flag: keptUp);
    }
}
