namespace Recd.Selection;

/// <summary>
/// What exploring may spend (docs/selector.md R16): this recording's ledger of bytes off the chosen
/// path and CPU beyond it (discretionary exploring: re-probes, probes for the mount, confirmations; not
/// the probe round, when nothing is chosen, nor a forced move off a path that starved), and the mount's (<see cref="MountExploration"/>), which pays for a probe
/// the recording's own cost budget has not saved up for, and for a short recording's probe (R13).
/// </summary>
internal sealed class ExplorationBudget(SelectorOptions o, MountExploration? mount)
{
    private ExplorationLedger _ledger;
    // What the starvation check in flight booked as exploring, here and for the mount: taken back if
    // the check drops the chosen path (R6).
    // (The mount bills every window's extra CPU, for the mount or not, so one figure serves both.)
    private long _heldBytes, _heldMountBytes;
    private double _heldNs;
    // The bytes the next window is expected to hold: the last window's. A live stream's windows close
    // on time (WindowMs), at a few MB where a bulk stream's close at WindowBytes; booking a probe as
    // WindowBytes made a live stream wait for room it did not need (docs/selector.md §9).
    private long _windowBytes = o.WindowBytes;
    // The mount's, or (without one) this recording's own smoothed cost of a switch back.
    private readonly MountExploration _switchCosts = mount ?? new MountExploration();

    public MountExploration? Mount => mount;
    public long ExploredBytes => _ledger.ExploredBytes;
    public long TotalBytes => _ledger.TotalBytes;
    public double ExtraNs => _ledger.ExtraNs;

    /// <summary>The recording measured a path for its mount (R13): the mount booked that window when it granted it.</summary>
    public bool ProbedForMount { get; set; }

    /// <summary>
    /// Books one window: <paramref name="exploring"/> bills what it cost beyond the chosen path
    /// (<paramref name="settledNs"/> ns/B, NaN while there is none) to exploring; <paramref name="explored"/>
    /// counts its bytes as off the chosen path, for the mount too with <paramref name="forMount"/>.
    /// <paramref name="held"/>: the window is a starvation check's (R5, R6), exploring only if the chosen
    /// path turns out to keep up (<see cref="LeftStarvedPath"/> takes it back otherwise). Returns the extra.
    /// </summary>
    public double Account(in CostSample s, bool exploring, bool explored, bool forMount, double settledNs, bool held = false)
    {
        double spent = s.CostNs(o.CostView), extra = 0;
        if (exploring && !double.IsNaN(settledNs)) extra = Math.Max(0, spent - settledNs * s.Bytes);
        _ledger.Add(s.Bytes, explored, spent, extra);
        if (s.Bytes > 0) _windowBytes = Math.Min(s.Bytes, o.WindowBytes);
        mount?.Account(s.Bytes, forMount, spent, extra);
        if (held)
        {
            _heldBytes += explored ? s.Bytes : 0;
            _heldNs += extra;
            _heldMountBytes += forMount ? s.Bytes : 0;
        }
        return extra;
    }

    /// <summary>A starvation check begins (R5): what it books is held until its verdict.</summary>
    public void StartStarvationCheck() => (_heldBytes, _heldMountBytes, _heldNs) = (0, 0, 0);

    /// <summary>
    /// R6 dropped the chosen path: the check's windows were the first of a forced move off a path that
    /// did not keep up, not exploring (docs/selector.md R16), here and for the mount.
    /// </summary>
    public void LeftStarvedPath()
    {
        _ledger.Forgive(_heldBytes, _heldNs);
        mount?.Forgive(_heldMountBytes, _heldNs);
        StartStarvationCheck();
    }

    /// <summary>R3: what the window after a switch back onto the chosen path cost beyond it.</summary>
    public void NoteSwitchBack(double extraNs) => _switchCosts.NoteSwitchBack(extraNs);

    /// <summary>
    /// R16: what one probe window of a path at <paramref name="otherNs"/> is expected to cost beyond the
    /// chosen path: the window after the switch to it (paid, not judged), the measured one, and the
    /// window after the switch back (smoothed from those seen on the mount).
    /// </summary>
    public double ProbeExtraNs(double settledNs, double otherNs)
    {
        double onOther = double.IsNaN(otherNs) ? 0 : Math.Max(0, otherNs - settledNs) * _windowBytes;
        return 2 * onOther + Math.Max(0, _switchCosts.SwitchBackNs);
    }

    /// <summary>
    /// R16: one more probe window fits the byte budget and (with <paramref name="costToo"/>) the cost
    /// budget: this recording's, or else the mount's (backed off while probes confirm the ranking).
    /// </summary>
    public bool Affordable(double settledNs, double otherNs, bool costToo = true)
    {
        if (!_ledger.BytesFit(ProbeBytes, o.ExplorationBudget)) return false;
        if (!costToo || !ProbeCost(settledNs, otherNs, out double extra, out double window)) return true;
        return _ledger.CostFits(extra, window, o.ExplorationCostBudget)
            || mount?.CostFits(extra, window, o.ExplorationCostBudget) == true;
    }

    /// <summary>
    /// The bytes one probe writes off the chosen path: the window after the switch onto the probed path
    /// (R3: paid, not judged, but written by it) and its judged window, each the size windows have now.
    /// </summary>
    private long ProbeBytes => 2 * _windowBytes;

    /// <summary>Whether this recording's own cost budget pays for the probe window.</summary>
    public bool OwnCostFits(double settledNs, double otherNs) =>
        !ProbeCost(settledNs, otherNs, out double extra, out double window) || _ledger.CostFits(extra, window, o.ExplorationCostBudget);

    /// <summary>R13: takes one probe window for the mount if the mount's budgets have room (the window is reserved there).</summary>
    public bool TryTakeForMount(double settledNs, double otherNs)
    {
        double cost = double.IsNaN(otherNs) ? settledNs : otherNs;
        return mount!.TryTake(ProbeBytes, o.ExplorationBudget, ProbeExtraNs(settledNs, otherNs), o.ExplorationCostBudget, cost * _windowBytes);
    }

    /// <summary>A probe window's expected cost beyond the chosen path and in all; false while either path has no figure.</summary>
    private bool ProbeCost(double settledNs, double otherNs, out double extraNs, out double windowNs)
    {
        bool known = !double.IsNaN(settledNs) && !double.IsNaN(otherNs);
        extraNs = known ? ProbeExtraNs(settledNs, otherNs) : 0;
        windowNs = known ? otherNs * _windowBytes : 0;
        return known;
    }
}
