using Recd.WritePaths;

namespace Recd.Selection;

/// <summary>
/// R1c: a recording that began an instant before the rest of its burst starts in the lone band (x1),
/// which the burst's own recordings never teach (their windows run at x2-4 or x5+), so each burst's
/// first recording probed every path, on ntfs-3g at 10-18x direct's cost (docs/selector.md §9). When
/// its band widens while its first probe round runs and the wider band has learned every candidate,
/// it goes on as a recording begun in that band would have started: settled on the cheapest learned
/// there, within the crowd limit (R1b).
/// </summary>
public sealed partial class Selector
{
    private IReadOnlyDictionary<string, PathCost>? _widenedSeed;
    private LearnedCondition? _widenedFrom;
    private bool _mayWiden;

    /// <summary>
    /// R1c: a lone start borrowing a wider band's figures stays on its first path while its band may
    /// still widen (<see cref="RecordingCondition.BandJudging"/>): the rest of a burst began 100-400 ms
    /// after the first in the benchmark, whose judging windows closed in 53 ms; probing a path at 10x
    /// direct's cost before they had begun cost two windows of it per burst. A lone recording shorter
    /// than that runs no probe round (docs/selector.md §9).
    /// </summary>
    private bool HoldForBand()
    {
        if (!_mayWiden) return false;
        _mayWiden = Condition is { BandJudging: true, Band: ConcurrencyBand.One } && SeededFrom is { Band: > ConcurrencyBand.One };
        return _mayWiden;
    }

    /// <summary>In the probe round at its start: nothing chosen yet (R1, R2).</summary>
    public bool InStartRound => _settled < 0 && _phase.Kind == PhaseKind.Probing;

    /// <summary>
    /// The recording's band widened (<see cref="RecordingCondition.Observe"/>): what a recording
    /// beginning in it would be seeded with (<see cref="LearnedCosts.Seed"/>), for the next judged window.
    /// </summary>
    public void OfferWidenedSeed(IReadOnlyDictionary<string, PathCost>? seed, LearnedCondition? from)
    {
        _widenedSeed = seed;
        _widenedFrom = from;
    }

    /// <summary>At a window of the start's probe round: the offered seed taken if it is the band's own for every candidate.</summary>
    private bool TryTakeWidenedSeed(out PathChoice next)
    {
        next = Current;
        var seed = _widenedSeed;
        _widenedSeed = null;
        if (seed is null || !InStartRound) return false;
        foreach (var c in _choices)
            if (!seed.TryGetValue(c.Label, out var l) || l.Windows <= 0 || l.Borrowed) return false;
        _e.Reseed(_choices, seed, _o.ProbeWindows);
        SeededFrom = _widenedFrom;
        int best = _e.Cheapest();
        if (best < 0) return false; // every candidate refused here: the round goes on to say so
        int pick = JoinCheapestUncrowded(best);
        Settle(pick, joined: true);
        next = MoveTo(pick, Phase.Steady, new Decision(DecisionKind.StartWidened, pick, pick == best ? -1 : best,
            A: _e.Cost(pick), B: _e.Costs[pick].BytesPerSecond, C: _e.Cost(best), D: _budget.Mount?.CrowdOn(_choices[best].Label) ?? 0, E: _e.Costs[best].Crowd));
        return true;
    }
}
