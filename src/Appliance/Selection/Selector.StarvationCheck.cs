using Recd.WritePaths;

namespace Recd.Selection;

public sealed partial class Selector
{
    /// <summary>
    /// Phase StarvationCheck, R6: the witness's window beside the chosen path that looked starved.
    /// Not starved: back to the chosen path (and to the Check this interrupted, if any), and the check's
    /// windows were exploring's. Starved: they were the first of a forced move (R16: not exploring), R8.
    /// </summary>
    private PathChoice OnStarvationCheck(in CostSample s)
    {
        _decision = _guard.JudgeBeside(_e, _settled, _current, s, _phase.Rate, _window);
        if (_decision.Kind == DecisionKind.Starved) _budget.LeftStarvedPath();
        if (_e.Costs[_settled].Excluded) return SteadyRules();
        var resume = _phase.ResumeRival >= 0 ? new Phase(PhaseKind.Check, _phase.ResumeRival, Cost: _phase.Cost) : Phase.Steady;
        return MoveTo(_settled, resume, _decision);
    }
}
