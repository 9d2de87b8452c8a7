using Recd.WritePaths;

namespace Recd.Selection;

/// <summary>
/// The "auto" policy for one recording. Pure logic over measured windows (tests inject the costs):
/// 1. start on the prior (the profile's first candidate, or the cheapest learned on this mount);
/// 2. probe every candidate for ProbeWindows windows unless the mount's learned costs already cover it;
/// 3. settle on the cheapest. From then on every other path is a ratio to the chosen one, measured
///    beside it (a probe window against the chosen path's window just before), so its figure follows
///    the chosen path's level as the machine's phase moves every path (this VM runs whole seconds at
///    2x-4x): a figure taken in a cheap phase never looks cheap in a dear one. A path's first window
///    in this recording, and each later probe of it, replaces its older figure (a window absorbed by
///    dirty page cache is folded in instead: its writeback is paid in later windows);
/// 4. a confirmation is due when another path is cheaper by SwitchMargin, or the chosen path now
///    costs SwitchMargin more than another path did when last measured here, for HysteresisWindows
///    consecutive windows. The other path is then measured for one window and the chosen path again
///    right after it: it must be cheaper by the margin than the chosen path's windows on both sides,
///    so neither a spike of the chosen path nor a ramp of the machine moves the recording;
/// 5. every ReprobeEveryWindows windows re-measure the stalest other path for one window (a path not
///    yet seen in this recording as soon as the budgets allow: a learned start is checked early; one
///    not measured for ReprobeAtLeastEveryWindows holds the turn until the budgets fit it), while
///    non-chosen paths have had at most ExplorationBudget of the bytes and exploring has cost at
///    most ExplorationCostBudget more CPU than the chosen path would have (a path at 3.5x the
///    chosen one's cost spends 2.5 windows' worth of extra CPU per probe window: 5% of the bytes on
///    it would be +12% of the CPU). The window after each switch counts as exploration too: it
///    carries the switch itself (O_DIRECT flushing what a buffered probe left dirty). A probe the
///    recording's own cost budget cannot cover yet is paid from the budgets all the mount's recordings
///    share (<see cref="MountExploration"/>), which back off while such probes keep confirming the
///    ranking and take the other paths in turn; a recording too short to earn back a switch measures
///    one other path for its mount from there instead;
/// 6. a path that leaves data queued in the socket while moving less than StarvationFraction of
///    the rate of a path that kept the queue empty cannot keep up: it is dropped until a later
///    re-probe shows otherwise. The chosen path is judged against a window of the witness beside it,
///    not its rate from long ago: a slow phase of the machine slows every path, and was taken for
///    starvation. (When every path leaves data queued, the sender is simply faster
///    than any of them, and cost alone decides.) Only windows of this recording count here: a rate
///    learned from another recording was another sender's, and says nothing about this one. Nor do
///    windows whose bytes mostly stayed in dirty page cache: that rate was memory's, not the disk's.
/// Every decision leaves a sentence in <see cref="Reason"/>.
/// </summary>
public sealed class Selector
{
    private readonly SelectorOptions _o;
    private readonly PathChoice[] _choices;
    private readonly PathCost[] _costs;
    private readonly int[] _lastWindow;
    private readonly int[] _windowsHere;
    private int _current, _settled = -1, _probeLeft, _streak, _window, _lastProbe;
    private ExplorationLedger _ledger;
    private bool _probing = true;
    private int _confirming = -1; // the path whose next window is a confirmation, judged beside the chosen path's
    private int _checking = -1;   // the path that passed its confirmation: the chosen path's next window decides
    private double _checkedCost;
    private int _suspectWitness = -1;    // the chosen path looked starved against this path's older rate
    private int _starvationWitness = -1; // the path whose next window judges that, beside the chosen path
    private int _nextStarvationCheck;
    private readonly double[] _lastRate;
    private readonly double[] _lastRaw;
    private readonly double[] _ratio; // other paths' cost relative to the settled path's
    private readonly double[] _asMeasured; // other paths' figures as last measured (ns/B then), for the chosen path's own changes
    private readonly MountExploration? _mount;
    private bool _probedForMount, _mountAnswered;
    private bool _mountPays; // the re-probe in flight is paid from the mount's budget: what it finds is the mount's to know
    private readonly MountExploration _switchCosts; // the mount's, or (without one) this recording's own

    public Selector(SelectorOptions options, PathChoice[] choices, IReadOnlyDictionary<string, PathCost>? learned = null, MountExploration? mount = null)
    {
        _mount = mount;
        _switchCosts = mount ?? new MountExploration();
        if (choices.Length == 0) throw new ArgumentException("no candidates");
        _o = options;
        _choices = choices;
        _costs = new PathCost[choices.Length];
        _lastWindow = new int[choices.Length];
        _windowsHere = new int[choices.Length];
        Array.Fill(_lastWindow, NeverHere);
        _lastRate = new double[choices.Length];
        _lastRaw = new double[choices.Length];
        Array.Fill(_lastRaw, double.NaN);
        _ratio = new double[choices.Length];
        Array.Fill(_ratio, double.NaN);
        _asMeasured = new double[choices.Length];
        Array.Fill(_asMeasured, double.NaN);
        for (int i = 0; i < choices.Length; i++)
        {
            _costs[i] = new PathCost { NsPerByte = double.NaN };
            if (learned is not null && learned.TryGetValue(choices[i].Label, out var l) && l.Windows > 0)
            {
                _costs[i].NsPerByte = l.NsPerByte;
                _costs[i].BytesPerSecond = l.BytesPerSecond;
                _costs[i].Windows = Math.Min(l.Windows, options.ProbeWindows);
                _costs[i].AbsorbedShare = l.AbsorbedShare;
            }
        }
        int best = Cheapest();
        _current = best >= 0 && Unprobed() < 0 ? best : 0;
        if (_current == best && best >= 0)
        {
            Settle(best);
            _probing = false;
            Reason = $"start on {Label(best)}: cheapest learned on this mount ({Describe(best)})";
        }
        else Reason = $"start on {Label(0)}: the board's prior";
    }

    private const int NeverHere = int.MinValue / 2;

    /// <summary>
    /// Bytes still to come when the body's length is known (Content-Length), else long.MaxValue. A
    /// switch, a confirmation or a re-probe costs windows it has to earn back: with fewer than
    /// ReprobeEveryWindows windows left, the recording stays where it is (a 64 MiB recording is 8).
    /// </summary>
    public long RemainingBytes { get; set; } = long.MaxValue;

    private bool WorthChanging => RemainingBytes >= (long)_o.ReprobeEveryWindows * _o.WindowBytes;

    /// <summary>Windows of this recording (not learned) on path <paramref name="i"/>.</summary>
    public int WindowsHere(int i) => _windowsHere[i];

    /// <summary>The path the recording has settled on, or -1 while probing.</summary>
    public int SettledIndex => _settled;

    /// <summary>
    /// The condition this recording's learning is kept under (its band from begin, its rate class from
    /// its first windows, fed by the recording); null: the mount's "any" figures only.
    /// </summary>
    public RecordingCondition? Condition { get; init; }

    public PathChoice Current => _choices[_current];
    public int CurrentIndex => _current;
    public string Reason { get; private set; }
    public IReadOnlyList<PathChoice> Choices => _choices;
    public IReadOnlyList<PathCost> Costs => _costs;
    public long ExploredBytes => _ledger.ExploredBytes;
    public long TotalBytes => _ledger.TotalBytes;
    public int Switches { get; private set; }

    /// <summary>Feeds one window measured on the current path; returns the path for the next window.</summary>
    public PathChoice OnWindow(in CostSample s)
    {
        _window++;
        bool exploring = _current != _settled;
        // For the mount, a first probe round is not exploring (there was nothing to exploit yet), and a
        // probe for the mount was counted when it was taken.
        Account(s, exploring, explored: exploring, exploredForMount: exploring && !_probing && !_probedForMount);
        Record(_current, s);

        if (_probeLeft > 1) { _probeLeft--; return Current; }
        _probeLeft = 0;

        if (_starvationWitness == _current && _settled >= 0)
        {
            _starvationWitness = -1;
            JudgeStarvation(_current, s);
            if (!_costs[_settled].Excluded) return MoveTo(_settled, 0, Reason);
        }
        if (_suspectWitness >= 0)
        {
            // Starvation comes before cost, budgets and remaining length: a live stream may be falling behind.
            int w = _suspectWitness;
            _suspectWitness = -1;
            if (_current == _settled && !_costs[w].Excluded)
            {
                _starvationWitness = w;
                return MoveTo(w, 1, $"{Label(_settled)} fell behind ({_lastRate[_settled] / 1e6:F0} MB/s with data queued): measuring {Label(w)} beside it ({Age(w)})");
            }
        }

        if (_confirming == _current && _settled >= 0)
        {
            // The confirmation window against the chosen path's window just before it (adjacent
            // windows, one phase of the machine); if it wins, the chosen path's next window must agree.
            _confirming = -1;
            double b = _lastRaw[_current], a = _lastRaw[_settled];
            if (b < a * (1 - _o.SwitchMargin))
            {
                _checking = _current;
                _checkedCost = b;
                return MoveTo(_settled, 0, $"checking {Label(_current)} ({b:F3} ns/B after {a:F3} of {Label(_settled)}) against {Label(_settled)}'s next window");
            }
            return MoveTo(_settled, 0, $"stayed on {Label(_settled)}: {Label(_current)} measured {b:F3} ns/B beside its {a:F3}");
        }

        if (_checking >= 0 && _current == _settled)
        {
            // The chosen path's window after the confirmation: the other path must beat both sides.
            int other = _checking;
            _checking = -1;
            double after = _lastRaw[_settled], b = _checkedCost;
            // Read in the frame of the window after it (if it stays, that window refuted it, and the
            // figure taken beside a dear window would ask for the same confirmation again at once).
            if (after > 0) SetRelative(other, b / after);
            if (b < after * (1 - _o.SwitchMargin) && WorthChanging)
            {
                string why = $"switched {Label(_settled)} -> {Label(other)}: {b:F3} ns/B, cheaper than {Label(_settled)}'s windows on both sides of it (the one after: {after:F3}), after {_o.HysteresisWindows} windows of {Describe(_settled)}";
                Settle(other);
                return MoveTo(other, 0, why);
            }
            Reason = $"stayed on {Label(_settled)}: {Label(other)} measured {b:F3} ns/B, {Label(_settled)} {after:F3} in the window after it";
        }

        if (_probing)
        {
            int next = Unprobed();
            if (next >= 0) return MoveTo(next, _o.ProbeWindows - _costs[next].Windows, $"probing {Label(next)}");
            _probing = false;
            int best = CheapestOrFastest();
            Settle(best);
            return MoveTo(best, 0, $"settled on {Label(best)} after probing: {Summary()}");
        }

        int cheapest = CheapestOrFastest();
        if (_settled < 0 || _costs[_settled].Excluded)
        {
            Settle(cheapest);
            return MoveTo(cheapest, 0, $"{Label(cheapest)} takes over: {Reason}");
        }
        // Two things call for a confirmation: another path measured cheaper by the margin beside the
        // chosen one; or the chosen path now dearer by the margin than another path cost when it was
        // last measured (the chosen path got dearer, or the whole machine did: only a measurement
        // beside it tells which, and the ratios alone cannot see it).
        int rival = cheapest != _settled ? cheapest : -1;
        bool cheaper = rival >= 0 && _costs[rival].NsPerByte < _costs[_settled].NsPerByte * (1 - _o.SwitchMargin);
        if (!cheaper)
        {
            rival = -1;
            // Only figures measured in this recording: a learned one is from another time, and a dear
            // stretch of the machine made direct dearer than splice's learned figure from a cheap one
            // (ext4: eleven confirmations of splice at ~0.6 ns/B in twelve recordings, each with two
            // switches). A path not yet seen here is probed soon anyway, within the budgets.
            for (int i = 0; i < _costs.Length; i++)
                if (i != _settled && !_costs[i].Excluded && _windowsHere[i] > 0 && _asMeasured[i] > 0
                    && (rival < 0 || _asMeasured[i] < _asMeasured[rival])) rival = i;
        }
        bool dearer = !cheaper && rival >= 0 && _asMeasured[rival] < _costs[_settled].NsPerByte * (1 - _o.SwitchMargin);
        if ((cheaper || dearer) && WorthChanging)
        {
            if (++_streak >= _o.HysteresisWindows)
            {
                _streak = 0;
                _confirming = rival;
                string why = cheaper ? "measured cheaper beside it" : $"{Label(_settled)} now dearer than {Label(rival)} was when last measured ({_asMeasured[rival]:F3} ns/B)";
                return MoveTo(rival, 1, $"confirming {Label(rival)} ({Describe(rival)}, {Age(rival)}) against {Label(_settled)} ({Describe(_settled)}): {why}");
            }
        }
        else _streak = 0;

        if (!WorthChanging && _current == _settled && !_probedForMount && _mount is not null && _windowsHere[_settled] >= 2
            && RemainingBytes >= 2 * _o.WindowBytes)
        {
            int other = ForMount();
            if (other >= 0)
            {
                _probedForMount = true;
                return MoveTo(other, 1, $"measuring {Label(other)} for the mount ({Age(other)}): too short to switch itself");
            }
        }
        if (WorthChanging && _current == _settled)
        {
            // A path not yet seen in this recording is measured as soon as the budgets allow: the
            // learned ranking the recording started from is from another time. While the chosen path
            // leaves data queued, whether this stream is being starved is open too, and that probe
            // comes before cost.
            int stale = UnseenHere(costToo: _costs[_settled].KeptUp);
            if (stale < 0 && _window - _lastProbe >= _o.ReprobeEveryWindows) stale = Stalest();
            if (stale >= 0)
            {
                _lastProbe = _window;
                _mountPays = _mount is not null && !OwnCostFits(stale);
                if (_mountPays) _mount!.TakeTurn();
                return MoveTo(stale, 1, $"re-probing {Label(stale)} ({Age(stale)})");
            }
        }
        return _current == _settled ? Current : MoveTo(_settled, 0, $"on {Label(_settled)} ({Describe(_settled)}); {Label(_current)} re-measured at {Describe(_current)}");
    }

    /// <summary>
    /// The first window after a switch: not a measurement of the path (it carries the switch), so
    /// nothing is judged on it, but what it cost beyond the chosen path is exploration's bill.
    /// </summary>
    public void OnSwitchWindow(in CostSample s)
    {
        double extra = Account(s, exploring: true, explored: false, exploredForMount: false);
        if (_current == _settled && _settled >= 0) _switchCosts.NoteSwitchBack(extra);
    }

    /// <summary>
    /// What one probe window of <paramref name="i"/> is expected to cost beyond the chosen path: the
    /// window after the switch to it (not judged, but paid) and the measured one, and the window after
    /// the switch back (smoothed from those seen).
    /// </summary>
    private double ProbeExtraNs(int i)
    {
        double settled = _costs[_settled].NsPerByte, other = _costs[i].NsPerByte;
        double onOther = double.IsNaN(other) ? 0 : Math.Max(0, other - settled) * _o.WindowBytes;
        return 2 * onOther + Math.Max(0, _switchCosts.SwitchBackNs);
    }

    /// <summary>CPU beyond what the settled path would have cost for these bytes: the price of exploring.</summary>
    public double ExplorationExtraNs => _ledger.ExtraNs;

    /// <summary>
    /// Books one window: <paramref name="exploring"/> bills what it cost beyond the chosen path to
    /// exploring; <paramref name="explored"/> counts its bytes as off the chosen path (for this
    /// recording, and with <paramref name="exploredForMount"/> for the mount).
    /// </summary>
    private double Account(in CostSample s, bool exploring, bool explored, bool exploredForMount)
    {
        double spent = s.CostNs(_o.CostView), extra = 0;
        if (exploring && _settled >= 0 && !double.IsNaN(_costs[_settled].NsPerByte))
            extra = Math.Max(0, spent - _costs[_settled].NsPerByte * s.Bytes);
        _ledger.Add(s.Bytes, explored, spent, extra);
        _mount?.Account(s.Bytes, exploredForMount, spent, extra);
        return extra;
    }

    /// <summary>
    /// Whether one more probe window of <paramref name="i"/> fits the byte budget and (with <paramref name="costToo"/>)
    /// the cost budget: this recording's, or else the mount's (which backs off while probes keep
    /// confirming the ranking).
    /// </summary>
    private bool ProbeAffordable(int i, bool costToo = true)
    {
        if (!_ledger.BytesFit(_o.WindowBytes, _o.ExplorationBudget)) return false;
        if (!costToo || !ProbeCost(i, out double extra, out double window)) return true;
        return _ledger.CostFits(extra, window, _o.ExplorationCostBudget)
            || _mount?.CostFits(extra, window, _o.ExplorationCostBudget) == true;
    }

    /// <summary>Whether this recording's own cost budget pays for a probe window of <paramref name="i"/>.</summary>
    private bool OwnCostFits(int i) =>
        !ProbeCost(i, out double extra, out double window) || _ledger.CostFits(extra, window, _o.ExplorationCostBudget);

    /// <summary>A probe window of <paramref name="i"/>: its expected cost beyond the chosen path and in all; false while either has no figure.</summary>
    private bool ProbeCost(int i, out double extraNs, out double windowNs)
    {
        double settled = _costs[_settled].NsPerByte, other = _costs[i].NsPerByte;
        bool known = !double.IsNaN(settled) && !double.IsNaN(other);
        extraNs = known ? ProbeExtraNs(i) : 0;
        windowNs = known ? other * _o.WindowBytes : 0;
        return known;
    }

    /// <summary>
    /// The current path reported Unsupported (and already handed its bytes to the file). Returns the
    /// path to continue on: the cheapest known, else the next candidate that is still available.
    /// </summary>
    public PathChoice MarkUnavailable(string why)
    {
        _costs[_current].Unavailable = true;
        string what = $"{Label(_current)} unavailable here ({why})";
        int next = Cheapest();
        if (next < 0)
            for (int i = 0; i < _costs.Length && next < 0; i++)
                if (!_costs[i].Unavailable) next = i;
        if (next < 0) throw new InvalidOperationException("no write path is available: " + what);
        if (_settled == _current) Settle(next);
        else DropJudgements();
        return MoveTo(next, _probing ? _o.ProbeWindows - _costs[next].Windows : 0, what);
    }

    private void Record(int i, in CostSample s)
    {
        if (s.Bytes <= 0) return;
        var c = _costs[i];
        // The first window in this recording replaces a learned figure: that was measured at another
        // time, in another phase of the machine, for another sender (its rate and backlog too). Every
        // later probe of a path other than the chosen one replaces its cost: older costs are from other
        // phases; what it costs now, beside the chosen path, is the question. (Its rate and backlog
        // share stay smoothed: whether one window ends with data queued is noise, the share is not.)
        // Except a window whose bytes mostly stayed in dirty page cache: on a disk such a path pays
        // for its writes later, in windows throttled by writeback (ext4 splice: 0.24 ns/B absorbed,
        // 2.0 throttled), so one window is one draw of the two, and only the average is its cost.
        bool reprobe = !_probing && _settled >= 0 && i != _settled, replaces = !s.Absorbed;
        if (_windowsHere[i]++ == 0) { if (replaces) { c.NsPerByte = double.NaN; c.Windows = 0; } }
        else if (reprobe && replaces) c.NsPerByte = double.NaN;
        double cost = s.NsPerByte(_o.CostView);
        _lastRaw[i] = cost;
        // A probe of another path is read in the chosen path's frame: its cost times the chosen
        // path's average over the chosen path's window just before. A probe taken in a dear phase
        // then is not taken for the path being dear.
        if (reprobe && _windowsHere[_settled] > 1)
        {
            double a = _lastRaw[_settled], avg = _costs[_settled].NsPerByte;
            if (a > 0 && avg > 0) cost *= avg / a;
        }
        c.Add(s, cost);
        _lastWindow[i] = _window;
        if (reprobe)
        {
            _ratio[i] = c.NsPerByte / _costs[_settled].NsPerByte;
            _asMeasured[i] = c.NsPerByte;
            // A probe the mount paid for (a short recording's, or a long one's its own budget could
            // not cover) tells the mount whether its ranking still stands.
            bool forMount = _probedForMount && !_mountAnswered;
            if (forMount || _mountPays)
            {
                _mountAnswered |= forMount;
                _mountPays = false;
                _mount!.Outcome(rankingHeld: _ratio[i] > 1 + _o.SwitchMargin, runnerUp: CheapestExcept(_settled) == i);
            }
        }
        else if (i == _settled && !_probing)
            for (int j = 0; j < _costs.Length; j++)
                if (j != i && !double.IsNaN(_ratio[j])) _costs[j].NsPerByte = _ratio[j] * c.NsPerByte;
        _lastRate[i] = s.BytesPerSecond;
        if (c.KeptUp) { c.Starved = false; return; }
        // Backlogged: data was waiting when the window ended. That alone says nothing when the sender
        // is faster than every path (a bulk copy over loopback); it matters when another path kept the
        // queue empty at a higher rate: then this one would fall behind a live stream.
        int witness = -1;
        for (int j = 0; j < _costs.Length; j++)
            if (j != i && _windowsHere[j] > 0 && _costs[j].KeptUpOnStorage && !_costs[j].Excluded
                && (witness < 0 || _costs[j].BytesPerSecond > _costs[witness].BytesPerSecond)) witness = j;
        if (witness < 0 || c.Starved || c.BytesPerSecond >= _o.StarvationFraction * _costs[witness].BytesPerSecond) return;
        // The chosen path's witness was mostly measured long ago, and a slow phase of the machine
        // slows every path: it is measured again beside it first, unless its last window was the one
        // just before (a probe round measures paths a few windows apart, close enough).
        if (i == _settled && !_probing && _lastWindow[witness] != _window - 1)
        {
            if (_window >= _nextStarvationCheck) _suspectWitness = witness;
            return;
        }
        c.Starved = true;
        Reason = $"{Label(i)} dropped: {c.BytesPerSecond / 1e6:F0} MB/s with data queued, while {Label(witness)} kept up at {_costs[witness].BytesPerSecond / 1e6:F0} MB/s";
    }

    /// <summary>
    /// The witness's window beside the chosen path that looked starved: the verdict stands only if it
    /// kept the queue drained now, at a rate the chosen path's last window fell short of.
    /// </summary>
    private void JudgeStarvation(int witness, in CostSample s)
    {
        double suspect = _lastRate[_settled], rate = s.BytesPerSecond;
        _nextStarvationCheck = _window + _o.HysteresisWindows;
        if (!s.Backlogged && !s.Absorbed && suspect < _o.StarvationFraction * rate)
        {
            _costs[_settled].Starved = true;
            Reason = $"{Label(_settled)} dropped: {suspect / 1e6:F0} MB/s with data queued, while {Label(witness)}, measured beside it, kept up at {rate / 1e6:F0} MB/s";
        }
        else Reason = $"{Label(_settled)} not starved: {Label(witness)}, measured beside it, {(s.Backlogged || s.Absorbed ? "did not keep up either" : "kept up")} at {rate / 1e6:F0} MB/s ({Label(_settled)} {suspect / 1e6:F0} MB/s)";
    }

    /// <summary>
    /// Makes <paramref name="i"/> the chosen path. Every other path is kept from now on as a ratio to
    /// it (from the figures as they stand, all in one frame), so its figure follows the chosen path's
    /// level as the machine's phase moves it: a figure taken in a cheap phase does not look cheap later.
    /// </summary>
    private void Settle(int i)
    {
        _settled = i;
        DropJudgements();
        double level = _costs[i].NsPerByte;
        for (int j = 0; j < _costs.Length; j++)
        {
            _ratio[j] = j == i ? 1 : _costs[j].NsPerByte / level;
            _asMeasured[j] = _costs[j].NsPerByte;
        }
    }

    /// <summary>
    /// Judgements in flight (a confirmation, its check, a starvation check, the mount's answer to a
    /// probe it paid for) were about the choice or the path being left.
    /// </summary>
    private void DropJudgements()
    {
        _confirming = _checking = _suspectWitness = _starvationWitness = -1;
        _mountPays = false;
    }

    /// <summary>Sets path <paramref name="i"/>'s cost as a ratio to the chosen path's.</summary>
    private void SetRelative(int i, double ratio)
    {
        _ratio[i] = ratio;
        _asMeasured[i] = _costs[i].NsPerByte = ratio * _costs[_settled].NsPerByte;
    }

    private PathChoice MoveTo(int i, int probeWindows, string reason)
    {
        if (i != _current) Switches++;
        _current = i;
        _probeLeft = probeWindows;
        Reason = reason;
        return Current;
    }

    private int Unprobed()
    {
        for (int i = 0; i < _costs.Length; i++)
            if (_costs[i].Windows < _o.ProbeWindows && !_costs[i].Excluded) return i;
        return -1;
    }

    private int Cheapest() => CheapestExcept(-1);

    /// <summary>The cheapest measured, usable path other than <paramref name="skip"/>, or -1.</summary>
    private int CheapestExcept(int skip)
    {
        int best = -1;
        for (int i = 0; i < _costs.Length; i++)
        {
            var c = _costs[i];
            if (i == skip || c.Windows == 0 || c.Excluded || double.IsNaN(c.NsPerByte)) continue;
            if (best < 0 || c.NsPerByte < _costs[best].NsPerByte) best = i;
        }
        return best;
    }

    /// <summary>If every measured path starved, the fastest one is the least bad.</summary>
    private int CheapestOrFastest()
    {
        int best = Cheapest();
        if (best >= 0) return best;
        for (int i = 0; i < _costs.Length; i++)
            if (!_costs[i].Unavailable && (best < 0 || _costs[i].BytesPerSecond > _costs[best].BytesPerSecond)) best = i;
        return Math.Max(best, 0);
    }

    /// <summary>
    /// An available path other than the chosen one with no window in this recording whose probe fits
    /// the budgets, or -1. A path whose windows on this mount mostly stayed in dirty page cache cannot
    /// witness starvation, so the exemption from the cost budget would buy nothing there.
    /// </summary>
    private int UnseenHere(bool costToo)
    {
        // The mount's turn first: where probes are rare (paid from a backed-off mount budget), taking
        // paths in index order left the runner-up unasked while buffered took every turn.
        bool Fits(int i) => i != _settled && !_costs[i].Excluded && _windowsHere[i] == 0 && ProbeAffordable(i, costToo || _costs[i].AbsorbedShare >= 0.5);
        int pick = _mount is null ? -1 : TurnPick(_mount.Turn);
        if (pick >= 0 && Fits(pick)) return pick;
        for (int i = 0; i < _costs.Length; i++)
            if (Fits(i)) return i;
        return -1;
    }

    /// <summary>The other path this recording measures for the mount, if the mount's budgets have room; or -1.</summary>
    private int ForMount()
    {
        int pick = TurnPick(_mount!.Turn);
        if (pick < 0) return -1;
        // What this probe is expected to cost beyond the chosen path (only its switches, if the ranking is wrong).
        double cost = double.IsNaN(_costs[pick].NsPerByte) ? _costs[_settled].NsPerByte : _costs[pick].NsPerByte;
        return _mount.TryTake(_o.WindowBytes, _o.ExplorationBudget, ProbeExtraNs(pick), _o.ExplorationCostBudget, cost * _o.WindowBytes) ? pick : -1;
    }

    /// <summary>
    /// The other path the mount's turn <paramref name="turn"/> asks about, or -1: two turns in three the
    /// runner-up, the path that would take over if the ranking is wrong; the third rotates over all the
    /// others, so no path is forgotten.
    /// </summary>
    private int TurnPick(int turn)
    {
        int others = 0;
        for (int i = 0; i < _costs.Length; i++) if (i != _settled && !_costs[i].Excluded) others++;
        if (others == 0) return -1;
        int pick = turn % 3 != 2 ? CheapestExcept(_settled) : -1;
        for (int i = 0, k = turn / 3 % others; i < _costs.Length && pick < 0; i++)
            if (i != _settled && !_costs[i].Excluded && k-- == 0) pick = i;
        return pick;
    }

    /// <summary>
    /// Among the other paths a probe window of which fits both budgets, the one measured longest ago;
    /// or -1. Cheaper paths fit the cost budget sooner and so are measured more often, as they should
    /// be (they are the likelier to overtake), but a path not measured for ReprobeAtLeastEveryWindows
    /// holds the turn until the budget has saved up for it: otherwise a path at 1.5x, fitting again
    /// after half a window's worth, takes every turn from one at 2x, which never fits.
    /// </summary>
    private int Stalest()
    {
        int stale = -1, held = -1;
        for (int i = 0; i < _costs.Length; i++)
        {
            if (i == _settled || _costs[i].Unavailable) continue;
            if (held < 0 || _lastWindow[i] < _lastWindow[held]) held = i;
            if ((stale < 0 || _lastWindow[i] < _lastWindow[stale]) && ProbeAffordable(i)) stale = i;
        }
        if (held >= 0 && held != stale && _window - _lastWindow[held] >= Math.Max(_o.ReprobeAtLeastEveryWindows, _o.ReprobeEveryWindows)) return -1;
        return stale;
    }

    private string Label(int i) => _choices[i].Label;

    private string Age(int i) => _lastWindow[i] == NeverHere ? "not yet measured in this recording" : $"last measured {_window - _lastWindow[i]} windows ago";

    private string Describe(int i) => $"{_costs[i].NsPerByte:F3} ns/B at {_costs[i].BytesPerSecond / 1e6:F0} MB/s";

    public string Summary() => string.Join(", ", Enumerable.Range(0, _choices.Length)
        .Where(i => _costs[i].Windows > 0)
        .Select(i => $"{Label(i)} {_costs[i].NsPerByte:F3} ns/B{(_costs[i].Starved ? " (starved)" : "")}"));
}
