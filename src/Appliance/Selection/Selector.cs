using Recd.WritePaths;

namespace Recd.Selection;

/// <summary>
/// The "auto" policy for one recording, as specified in docs/selector.md: an event handler over the
/// recording's windows that delegates each judged window to its current phase (one file per phase,
/// Selector.&lt;Phase&gt;.cs), over four parts: the cost estimate (R4), the exploration budget (R16), the
/// starvation guard (R5, R6) and the probe schedule (R13-R15). Pure logic over measured windows (tests
/// drive it with modelled costs through the daemon's protocol). Each decision is a value
/// (<see cref="Decision"/>); <see cref="Reason"/> is its sentence, made when read.
/// Owned by the recording's transfer thread; other threads read the manifests it feeds.
/// </summary>
public sealed partial class Selector
{
    private readonly SelectorOptions _o;
    private readonly PathChoice[] _choices;
    private readonly CostEstimate _e;
    private readonly ExplorationBudget _budget;
    private readonly StarvationGuard _guard;
    private readonly ProbeSchedule _schedule;
    private int _current, _settled = -1, _window, _streak;
    private Phase _phase;
    private Decision _decision, _cause;
    private readonly ProbeRound? _round;
    private readonly int[] _crowdSeen, _crowdBeside;
    private bool _leftCrowd;

    /// <param name="round">R1: whether this recording may run a probe round at its start (null: it may, alone on its mount).</param>
    public Selector(SelectorOptions options, PathChoice[] choices, IReadOnlyDictionary<string, PathCost>? learned = null, MountExploration? mount = null,
        ProbeRound? round = null)
    {
        if (choices.Length == 0) throw new ArgumentException("no candidates");
        _o = options;
        _choices = choices;
        _e = new CostEstimate(choices, learned, options.ProbeWindows);
        _budget = new ExplorationBudget(options, mount);
        _guard = new StarvationGuard(options);
        _schedule = new ProbeSchedule(options, _e, _budget, CheckedElsewhere);
        _probedAt = _begun = mount?.Checks.Now() ?? 0;
        _crowdSeen = new int[choices.Length];
        _crowdBeside = new int[choices.Length];
        // R1: settled on the cheapest seeded figure when the seed covers the candidates (or the
        // cheapest is the prior itself: StartLearned, within the crowd limit); else a probe round from
        // the cheapest borrowed figure (StartBorrowed), the cheapest seeded one (StartSeeded) or the
        // prior (StartPrior); but when enough of the mount's recordings in the band run one already,
        // settled where it would have begun (StartShared).
        int best = _e.Cheapest(), borrowed = _e.AnyBorrowed ? _e.CheapestSeeded() : -1;
        bool startLearned = borrowed < 0 && best >= 0 && (_e.Unprobed(options.ProbeWindows) < 0 || best == 0);
        _round = round;
        if (startLearned)
        {
            round?.End(); // nothing to probe: given back at once
            int pick = JoinCheapestUncrowded(best);
            _current = pick;
            Settle(pick, joined: true);
            _decision = pick == best
                ? new Decision(DecisionKind.StartLearned, best, A: _e.Cost(best), B: _e.Costs[best].BytesPerSecond)
                : new Decision(DecisionKind.StartLearnedCrowded, pick, best, A: _e.Cost(pick), B: _e.Costs[pick].BytesPerSecond,
                    C: _e.Cost(best), D: mount!.CrowdOn(_choices[best].Label), E: _e.Costs[best].Crowd);
            return;
        }
        var kind = borrowed >= 0 ? DecisionKind.StartBorrowed : best >= 0 ? DecisionKind.StartSeeded : DecisionKind.StartPrior;
        _current = borrowed >= 0 ? borrowed : best >= 0 ? best : 0;
        bool shared = round is { Granted: false };
        // A shared start settles where the round would have begun, within the crowd limit (R1b) when
        // the figures are this condition's: fourteen recordings settled at once on one seeded figure
        // are the herd R1b is there to stop. A borrowed seed's crowds are another band's: all wait on
        // its cheapest.
        bool joined = shared && kind == DecisionKind.StartSeeded;
        if (joined) _current = JoinCheapestUncrowded(_current);
        double figure = _e.Cost(_current), rate = _e.Costs[_current].BytesPerSecond;
        if (shared)
        {
            Settle(_current, joined);
            _decision = new Decision(DecisionKind.StartShared, _current, A: figure, B: rate, Note: kind.ToString());
            return;
        }
        // A seed lacking candidates probes them from its cheapest figure, measured here once first.
        int left = kind == DecisionKind.StartBorrowed ? options.ProbeWindows
            : kind == DecisionKind.StartSeeded ? Math.Max(1, options.ProbeWindows - _e.Costs[_current].Windows) : 0;
        _phase = new Phase(PhaseKind.Probing, _current, Left: left);
        _mayWiden = kind == DecisionKind.StartBorrowed;
        _decision = kind == DecisionKind.StartPrior ? new Decision(kind, 0) : new Decision(kind, _current, A: figure, B: rate);
    }

    /// <summary>
    /// Bytes still to come when the body's length is known (Content-Length), else long.MaxValue (R12):
    /// with fewer than ReprobeEveryWindows windows left the recording stays where it is.
    /// </summary>
    public long RemainingBytes { get; set; } = long.MaxValue;

    private bool WorthChanging => RemainingBytes >= (long)_o.ReprobeEveryWindows * _o.WindowBytes;

    /// <summary>Windows of this recording (not learned) on path <paramref name="i"/>.</summary>
    public int WindowsHere(int i) => _e.WindowsHere[i];

    /// <summary>The path the recording has settled on, or -1 while probing.</summary>
    public int SettledIndex => _settled;

    /// <summary>
    /// The condition this recording's learning is kept under (its band from begin, its rate class from
    /// its first windows, fed by the recording); null: the mount's "any" figures only.
    /// </summary>
    public RecordingCondition? Condition { get; init; }

    /// <summary>The learned-costs key of the mount (for the decision's sentence), if known.</summary>
    public string? MountKey { get; init; }

    /// <summary>
    /// §6: the window about to be fed was measured while the recordings being written on the root were
    /// out of this recording's band (set by the recording before each window). It still decides here;
    /// a figure last measured so is not merged into the band's learned costs.
    /// </summary>
    public bool WindowOutOfBand { get; set; }

    /// <summary>Whether path <paramref name="i"/>'s latest window here was measured out of the band (§6).</summary>
    public bool MeasuredOutOfBand(int i) => _e.LastOutOfBand[i];

    /// <summary>The learned condition the seed figures came from (§6), null when nothing was learned.</summary>
    public LearnedCondition? SeededFrom { get; internal set; }

    public PathChoice Current => _choices[_current];
    public int CurrentIndex => _current;
    public Phase Phase => _phase;
    public Decision Decision => _decision;
    public string Reason => DecisionText.Sentence(this, _decision, _cause);
    public IReadOnlyList<PathChoice> Choices => _choices;
    public IReadOnlyList<PathCost> Costs => _e.Costs;
    public long ExploredBytes => _budget.ExploredBytes;
    public long TotalBytes => _budget.TotalBytes;
    public int Switches { get; private set; }

    /// <summary>CPU beyond what the settled path would have cost for these bytes: the price of exploring.</summary>
    public double ExplorationExtraNs => _budget.ExtraNs;

    /// <summary>On a path other than the chosen one, once one is chosen (R16: what exploring moves).</summary>
    private bool OffChosen => _settled >= 0 && _current != _settled;

    private double SettledNs => _settled >= 0 ? _e.Cost(_settled) : double.NaN;

    /// <summary>Feeds one judged window measured on the current path; returns the path for the next window.</summary>
    public PathChoice OnWindow(in CostSample s)
    {
        _window++;
        bool exploring = _current != _settled, probing = _phase.Kind == PhaseKind.Probing;
        // R16: the first probe round is not exploring (nothing to exploit yet: there is no chosen path
        // to be off), a starvation check's windows are held until its verdict, and a probe for the
        // mount was booked there when it was granted.
        _budget.Account(s, exploring, explored: OffChosen, forMount: OffChosen && !probing && !_budget.ProbedForMount, SettledNs,
            held: _phase.Kind == PhaseKind.StarvationCheck);
        Observe(s, probing);
        NoteCrowds();
        var next = _phase.Kind switch
        {
            PhaseKind.Probing => OnProbing(),
            PhaseKind.Reprobe => OnReprobe(),
            PhaseKind.Confirm => OnConfirm(s),
            PhaseKind.Check => OnCheck(s),
            PhaseKind.StarvationCheck => OnStarvationCheck(s),
            _ => OnSteady(s),
        };
        _guard.ClearSuspect(); // a suspicion is about the window that raised it
        return next;
    }

    /// <summary>
    /// R3: the recording's first window carries its start (first touch of the path's buffer, the
    /// file's first extents): paid, not judged, and no one's exploring. Measured on ext4, a 64 MiB
    /// recording's first 8 MiB window against the median of its later ones: direct 1.18-2.09x, splice
    /// and buffered 1.02-1.23x; averaged into the probe round it made the first path probed look dearer.
    /// </summary>
    public void OnStartWindow(in CostSample s) => _budget.Account(s, exploring: false, explored: false, forMount: false, SettledNs);

    /// <summary>
    /// R3: the first window after a switch carries the switch: paid (billed to exploring), not judged.
    /// Its bytes are written by the path switched to, so when that is not the chosen path they are off
    /// it and count against the byte budget (R16: the budget counts every byte exploring moves, not
    /// only the judged ones; the probe round and a forced move off a starved path are not exploring).
    /// </summary>
    public void OnSwitchWindow(in CostSample s)
    {
        bool off = OffChosen, forMount = off && _phase.Kind != PhaseKind.Probing && !_budget.ProbedForMount;
        double extra = _budget.Account(s, exploring: true, explored: off, forMount, SettledNs, held: _phase.Kind == PhaseKind.StarvationCheck);
        if (_current == _settled && _settled >= 0) _budget.NoteSwitchBack(extra);
    }

    /// <summary>
    /// R17: the current path reported Unsupported (and already handed its bytes to the file). Returns
    /// the path to continue on: the cheapest known, else the next candidate that is still available.
    /// </summary>
    public PathChoice MarkUnavailable(string why)
    {
        _e.Costs[_current].Unavailable = true;
        var refused = new Decision(DecisionKind.Unavailable, _current, Note: why);
        int next = _e.Cheapest();
        for (int i = 0; i < _e.Count && next < 0; i++)
            if (!_e.Costs[i].Unavailable) next = i;
        if (next < 0) throw new InvalidOperationException($"no write path is available: {_choices[_current].Label} unavailable here ({why})");
        bool probing = _phase.Kind == PhaseKind.Probing;
        AnswerCheck(beside: false, rankingHeld: false);
        if (_settled == _current) Settle(next);
        _guard.ClearSuspect();
        var phase = probing ? new Phase(PhaseKind.Probing, next, Left: _o.ProbeWindows - _e.Costs[next].Windows) : Phase.Steady;
        return MoveTo(next, phase, refused);
    }

    /// <summary>R4 and R5 on the window just measured, and the mount's answer when it paid for this probe (R16).</summary>
    private void Observe(in CostSample s, bool probing)
    {
        int i = _current;
        bool beside = s.Bytes > 0 && _e.Fold(i, s, _settled, probing, _window, _o.CostView, WindowOutOfBand);
        bool held = beside && _e.RatioToLevel(i, _settled) > 1 + _o.SwitchMargin;
        AnswerCheck(beside, held); // R14's claim, if this was its window
        if (s.Bytes <= 0) return;
        if (beside && _phase.Kind == PhaseKind.Reprobe && _phase.Payer != ProbePayer.Own)
            _budget.Mount!.Outcome(rankingHeld: held, runnerUp: _e.CheapestExcept(_settled) == i);
        if (_guard.Judge(_e, i, _settled, probing, _window, out var dropped)) _decision = dropped;
    }

    /// <summary>Makes <paramref name="i"/> the chosen path (R2, R8, R11, R17): judgements in flight were about the old choice.</summary>
    private void Settle(int i, bool joined = false)
    {
        _round?.End(); // a probe round, if this recording ran one, is over
        if (i != _settled && !_leftCrowd && !joined) _budget.Mount?.MoveCrowd(_settled >= 0 ? _choices[_settled].Label : null, _choices[i].Label);
        _settled = i;
        _guard.ClearSuspect();
        _e.Settle(i);
        _phase = Phase.Steady;
    }

    private PathChoice MoveTo(int i, Phase phase, in Decision decision)
    {
        if (i != _current) Switches++;
        _current = i;
        _phase = phase;
        _decision = decision;
        return Current;
    }

    private int Age(int i) => _e.Age(i, _window);
}
