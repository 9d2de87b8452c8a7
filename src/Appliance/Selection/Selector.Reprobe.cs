using Recd.WritePaths;

namespace Recd.Selection;

public sealed partial class Selector
{
    /// <summary>
    /// Phase Reprobe (R14, R15, R13): the probe window was read beside the chosen path by the estimate
    /// (R4), and when the mount paid for it, its answer went to the mount (<see cref="Observe"/>, R16).
    /// Then the Steady rules decide on the same window: usually back to the chosen path (R7), or a
    /// confirmation when the probe showed a cheaper path (R9).
    /// </summary>
    private PathChoice OnReprobe() => SteadyRules();

    /// <summary>
    /// The path to re-probe now, or -1: R14 first (whatever its cost while the chosen path leaves data
    /// queued), then R15 when its turn is due. Both are shared with the mount's recordings of this
    /// condition (<see cref="SharedChecks"/>): R14's check of a ranking since this recording began, R15's
    /// since its last probe; a turn another recording's check answered counts as taken.
    /// </summary>
    private int PickReprobe()
    {
        bool keptUp = _e.Costs[_settled].KeptUp;
        int stale = _schedule.UnseenHere(_settled, costToo: keptUp);
        // Another recording claimed it an instant ago (the schedule looked before the claim).
        if (stale >= 0 && keptUp && !TryClaimCheck(stale, _begun)) stale = -1;
        if (stale < 0 && _window - _schedule.LastProbe >= _o.ReprobeEveryWindows)
        {
            stale = _schedule.Stalest(_settled, _window);
            if (stale >= 0 && !TryClaimCheck(stale, _probedAt))
            {
                NoteProbeTurn();
                return -1;
            }
        }
        if (stale >= 0) NoteProbeTurn();
        return stale;
    }
}
