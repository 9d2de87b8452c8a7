using Recd.WritePaths;

namespace Recd.Selection;

public sealed partial class Selector
{
    /// <summary>
    /// Phase Confirm, R10: the rival's window against the chosen path's window just before it
    /// (adjacent windows, one phase of the machine), which the phase holds. Won: the chosen path's next
    /// window decides (Check). <paramref name="s"/> is the rival's window.
    /// </summary>
    private PathChoice OnConfirm(in CostSample s)
    {
        int rival = _current;
        double b = s.NsPerByte(_o.CostView), a = _phase.Cost;
        if (b < a * (1 - _o.SwitchMargin))
            return MoveTo(_settled, new Phase(PhaseKind.Check, rival, Cost: b), new Decision(DecisionKind.Check, rival, _settled, b, a));
        return MoveTo(_settled, Phase.Steady, new Decision(DecisionKind.ConfirmRefuted, _settled, rival, b, a));
    }

    /// <summary>
    /// Phase Check, R11: the chosen path's window after the confirmation; the rival must beat it by the
    /// margin too, with enough left to earn the change back (R12). Neither a spike of the chosen path
    /// nor a ramp of the machine then moves the recording. The guard's suspicion comes first (R5).
    /// <paramref name="s"/> is the chosen path's window after the confirmation.
    /// </summary>
    private PathChoice OnCheck(in CostSample s)
    {
        int rival = _phase.Path;
        double b = _phase.Cost, after = s.NsPerByte(_o.CostView);
        if (TrySuspicion(s, rival, b, out var next)) return next;
        // Read in the frame of the window after it: if the chosen path stays, that window refuted it,
        // and a figure taken beside a dear window would ask for the same confirmation again at once.
        if (after > 0) _e.SetRelative(rival, _settled, b / after);
        if (b < after * (1 - _o.SwitchMargin) && WorthChanging)
        {
            var d = new Decision(DecisionKind.Switch, rival, _settled, b, after, _e.Cost(_settled), _e.Costs[_settled].BytesPerSecond, Age: _o.HysteresisWindows);
            Settle(rival);
            return MoveTo(rival, Phase.Steady, d);
        }
        _decision = new Decision(DecisionKind.CheckRefuted, _settled, rival, b, after);
        return SteadyRules();
    }
}
