using Recd.WritePaths;

namespace Recd.Selection;

public sealed partial class Selector
{
    /// <summary>
    /// Phase Probing, R2: each candidate without ProbeWindows windows (seeded ones count) is measured
    /// for the windows it lacks, in candidate order; then the cheapest is chosen, else (every path
    /// starved) the fastest. R1c first: a start round whose band widened to one learned in full ends.
    /// </summary>
    private PathChoice OnProbing()
    {
        if (_widenedSeed is not null && TryTakeWidenedSeed(out var widened)) return widened;
        if (_phase.Left > 1) { _phase = _phase with { Left = _phase.Left - 1 }; return Current; }
        if (HoldForBand()) return Current;
        int next = _e.Unprobed(_o.ProbeWindows);
        if (next >= 0)
            return MoveTo(next, new Phase(PhaseKind.Probing, next, Left: _o.ProbeWindows - _e.Costs[next].Windows), new Decision(DecisionKind.Probe, next));
        int best = _e.CheapestOrFastest();
        Settle(best);
        return MoveTo(best, Phase.Steady, new Decision(DecisionKind.Settle, best));
    }
}
