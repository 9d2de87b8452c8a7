using Recd.WritePaths;

namespace Recd.Selection;

public sealed partial class Selector
{
    /// <summary>Phase Steady: the starvation guard's suspicion first (R5), then the Steady rules.</summary>
    private PathChoice OnSteady(in CostSample s) => TrySuspicion(s, resumeRival: -1, resumeCost: 0, out var next) ? next : SteadyRules();

    /// <summary>
    /// R5: the chosen path's window looked starved against a witness's old rate: the witness is
    /// measured beside it before any verdict (a slow phase of the machine slows every path). A Check
    /// it interrupts (<paramref name="resumeRival"/>) resumes after it. <paramref name="s"/>: the chosen
    /// path's window that raised the suspicion; its rate is what the witness's window is judged against.
    /// </summary>
    private bool TrySuspicion(in CostSample s, int resumeRival, double resumeCost, out PathChoice next)
    {
        next = Current;
        int w = _guard.Suspect;
        _guard.ClearSuspect();
        if (w < 0 || _current != _settled || _e.Costs[w].Excluded) return false;
        _budget.StartStarvationCheck();
        var d = new Decision(DecisionKind.StarvationCheck, _settled, w, A: s.BytesPerSecond, Age: Age(w));
        next = MoveTo(w, new Phase(PhaseKind.StarvationCheck, w, Cost: resumeCost, ResumeRival: resumeRival, Rate: s.BytesPerSecond), d);
        return true;
    }

    /// <summary>
    /// The rules of the chosen path, in order: R8 take over, R9 suspicion of a better path, R13 a probe
    /// for the mount, R14/R15 a re-probe; else R7 back to (or stay on) the chosen path. Also what a
    /// one-window phase (Reprobe, a refuted Check, a StarvationCheck that dropped the chosen path) ends with.
    /// </summary>
    private PathChoice SteadyRules()
    {
        _phase = Phase.Steady;
        int cheapest = _e.CheapestOrFastest();
        if (_settled < 0 || _e.Costs[_settled].Excluded)
        {
            // R8: the decision that dropped it is the reason.
            _cause = _decision;
            Settle(cheapest);
            return MoveTo(cheapest, Phase.Steady, new Decision(DecisionKind.TakeOver, cheapest));
        }
        if (TrySuspectBetter(cheapest, out var confirm)) return confirm;
        if (!WorthChanging && _current == _settled && !_budget.ProbedForMount && _budget.Mount is not null && _e.WindowsHere[_settled] >= 2
            && RemainingBytes >= 2 * _o.WindowBytes)
        {
            // R13: too short to switch itself; one window of another path, for the mount.
            int other = _schedule.ForMount(_settled);
            if (other >= 0)
            {
                _budget.ProbedForMount = true;
                return MoveTo(other, new Phase(PhaseKind.Reprobe, other, Payer: ProbePayer.ForMount), new Decision(DecisionKind.ProbeForMount, other, Age: Age(other)));
            }
        }
        if (WorthChanging && _current == _settled && PickReprobe() is var stale and >= 0)
        {
            bool mountPays = _budget.Mount is not null && !_budget.OwnCostFits(SettledNs, _e.Cost(stale));
            if (mountPays) _budget.Mount!.TakeTurn();
            return MoveTo(stale, new Phase(PhaseKind.Reprobe, stale, Payer: mountPays ? ProbePayer.Mount : ProbePayer.Own),
                new Decision(DecisionKind.Reprobe, stale, Age: Age(stale)));
        }
        if (_current == _settled) return Current;
        var back = new Decision(DecisionKind.Return, _settled, _current, _e.Cost(_settled), _e.Costs[_settled].BytesPerSecond,
            _e.Cost(_current), _e.Costs[_current].BytesPerSecond);
        return MoveTo(_settled, Phase.Steady, back);
    }

    /// <summary>
    /// R9: a confirmation is due after HysteresisWindows consecutive windows in which another path is
    /// cheaper by the margin, or the chosen path costs the margin more than another path did when it
    /// was last measured in this recording (only a measurement beside it tells whether the path or the
    /// machine got dearer; a learned figure is from another time and never calls for one).
    /// </summary>
    private bool TrySuspectBetter(int cheapest, out PathChoice next)
    {
        next = Current;
        double level = _e.Cost(_settled), bar = level * (1 - _o.SwitchMargin);
        int rival = cheapest != _settled ? cheapest : -1;
        bool cheaper = rival >= 0 && _e.Cost(rival) < bar;
        if (!cheaper)
        {
            rival = -1;
            for (int i = 0; i < _e.Count; i++)
                if (i != _settled && !_e.Costs[i].Excluded && _e.WindowsHere[i] > 0 && _e.AsMeasured[i] > 0
                    && (rival < 0 || _e.AsMeasured[i] < _e.AsMeasured[rival])) rival = i;
        }
        bool dearer = !cheaper && rival >= 0 && _e.AsMeasured[rival] < bar;
        if (!(cheaper || dearer) || !WorthChanging) { _streak = 0; return false; }
        if (++_streak < _o.HysteresisWindows) return false;
        _streak = 0;
        var d = new Decision(DecisionKind.Confirm, rival, _settled, _e.Cost(rival), _e.Costs[rival].BytesPerSecond, level,
            _e.Costs[_settled].BytesPerSecond, _e.AsMeasured[rival], Age(rival), Flag: cheaper);
        next = MoveTo(rival, new Phase(PhaseKind.Confirm, rival, Cost: _e.ChosenRaw), d);
        return true;
    }
}
