namespace Recd.Selection;

/// <summary>
/// The exploration the recordings of one mount share. A recording too short to earn back a switch
/// (16 streams of 64 MiB are 8 windows each) never probes for itself, so a learned ranking that is
/// wrong would stay wrong for every short recording after it. Such a recording may still measure one
/// other path for one window, for the mount, while all the mount's recordings together have spent no
/// more than the budgets on exploring: the window goes into the learned costs the next ones start from.
/// A long recording's probe its own cost budget cannot cover yet is paid from here too (a probe and
/// its switches cost more than a 1 GiB recording's 1% on ext4). Each probe paid from here that finds
/// the runner-up standing (dearer by the margin) halves both budgets for the mount's probes (down to
/// 1/MaxBackoff of them); a probe of any path that finds the ranking in doubt restores them. On ext4 a
/// probe of buffered or splice costs more than its windows show: the flush after it, and the direct
/// windows after it measured 0.03 ns/B (13%) dearer than direct's beside them in another daemon for
/// the rest of the recording; a ranking confirmed again and again needs asking ever less often.
/// It also holds what the mount's recordings do at once: the probe rounds running at their starts,
/// per band (R1a), how many recordings are settled on each path (R1b's crowds), and the checks of a
/// learned start one recording takes for the others of its condition (R14).
/// </summary>
public sealed class MountExploration
{
    private readonly object _gate = new();
    private ExplorationLedger _ledger;
    private int _turn, _backoff = 1, _switchBacks;
    private double _switchBackNs;
    private const int MaxBackoff = 8;
    private readonly int[] _probeRounds = new int[Enum.GetValues<ConcurrencyBand>().Length];
    private readonly Dictionary<string, int> _crowd = [];

    /// <summary>R14's checks of learned starts, shared by the mount's recordings of one condition.</summary>
    public SharedChecks Checks { get; } = new();

    /// <summary>
    /// R1a: a recording beginning asks to run a probe round at its start; granted while fewer than
    /// <paramref name="limit"/> of the mount's recordings in <paramref name="band"/> are running one.
    /// </summary>
    public ProbeRound ClaimProbeRound(ConcurrencyBand band, int limit)
    {
        lock (_gate)
        {
            bool granted = _probeRounds[(int)band] < limit;
            if (granted) _probeRounds[(int)band]++;
            return new ProbeRound(this, band, granted);
        }
    }

    internal void EndProbeRound(ConcurrencyBand band)
    {
        lock (_gate) _probeRounds[(int)band] = Math.Max(0, _probeRounds[(int)band] - 1);
    }

    /// <summary>R1b: a recording's chosen path changed (or it ended: <paramref name="to"/> null): the crowds of the mount's paths.</summary>
    public void MoveCrowd(string? from, string? to)
    {
        lock (_gate)
        {
            if (from is not null && _crowd.TryGetValue(from, out int n)) _crowd[from] = Math.Max(0, n - 1);
            if (to is not null) _crowd[to] = _crowd.GetValueOrDefault(to) + 1;
        }
    }

    /// <summary>R1b: joins <paramref name="label"/>'s crowd if it carries fewer than <paramref name="limit"/> recordings now (checked and joined at once).</summary>
    public bool TryJoinCrowd(string label, int limit)
    {
        lock (_gate)
        {
            int n = _crowd.GetValueOrDefault(label);
            if (n >= limit) return false;
            _crowd[label] = n + 1;
            return true;
        }
    }

    /// <summary>The mount's recordings settled on <paramref name="label"/> now.</summary>
    public int CrowdOn(string label) { lock (_gate) return _crowd.GetValueOrDefault(label); }

    /// <summary>Probe rounds running now in <paramref name="band"/> (tests).</summary>
    public int ProbeRoundsRunning(ConcurrencyBand band) { lock (_gate) return _probeRounds[(int)band]; }

    /// <summary>One window of some recording on this mount: its bytes, CPU, and what exploring cost beyond the chosen path.</summary>
    public void Account(long bytes, bool explored, double spentNs, double extraNs)
    {
        lock (_gate) _ledger.Add(bytes, explored, spentNs, extraNs);
    }

    /// <summary>A recording's starvation check on this mount ended in a forced move (R6): its windows were not exploring.</summary>
    public void Forgive(long bytes, double extraNs)
    {
        lock (_gate) _ledger.Forgive(bytes, extraNs);
    }

    /// <summary>
    /// Whether exploring one more window, <paramref name="extraNs"/> beyond the chosen path, keeps all
    /// the mount's recordings together within <paramref name="budget"/> (backed off): a long recording's
    /// probe may be paid from there when its own budget has not saved up for it yet (a probe and its
    /// switches cost more than a 1 GiB recording's 1% on ext4, so no such recording would ever probe on
    /// its own).
    /// </summary>
    public bool CostFits(double extraNs, double windowNs, double budget)
    {
        lock (_gate) return _ledger.CostFits(extraNs, windowNs, budget / _backoff);
    }

    /// <summary>
    /// What the window after a switch back onto the chosen path cost beyond it, smoothed over the
    /// mount's recordings (0 until one was seen): on ext4, O_DIRECT after a probe of a page-cache
    /// path flushes what the probe left dirty, 1.0 ns/B against direct's 0.15.
    /// </summary>
    public double SwitchBackNs { get { lock (_gate) return _switchBackNs; } }

    public void NoteSwitchBack(double extraNs)
    {
        lock (_gate) _switchBackNs = _switchBacks++ == 0 ? extraNs : _switchBackNs + 0.3 * (extraNs - _switchBackNs);
    }

    /// <summary>Which turn the next probe for the mount is: the probes it pays for take the other paths in turn.</summary>
    public int Turn { get { lock (_gate) return _turn; } }

    /// <summary>A long recording's probe paid from here took the turn.</summary>
    public void TakeTurn()
    {
        lock (_gate) _turn++;
    }

    /// <summary>
    /// Takes one probe window for the mount if it fits both budgets (<paramref name="extraNs"/>: what
    /// the window is expected to cost beyond the chosen path), and moves the turn on.
    /// </summary>
    public bool TryTake(long probeBytes, double byteBudget, double extraNs, double costBudget, double windowNs)
    {
        lock (_gate)
        {
            if (!_ledger.BytesFit(probeBytes, byteBudget / _backoff)) return false;
            // A path too dear to ask about now gives up its turn: otherwise it would hold the turn, and
            // the cheaper paths behind it would never be asked either.
            if (!_ledger.CostFits(extraNs, windowNs, costBudget / _backoff)) { _turn++; return false; }
            _ledger.ExploredBytes += probeBytes; // reserved now: concurrent recordings must not all take the same room
            _turn++;
            return true;
        }
    }

    /// <summary>What a probe taken for the mount found: the ranking standing (of the runner-up, or of another path), or in doubt.</summary>
    public void Outcome(bool rankingHeld, bool runnerUp)
    {
        lock (_gate)
        {
            if (!rankingHeld) _backoff = 1;
            else if (runnerUp) _backoff = Math.Min(_backoff * 2, MaxBackoff);
        }
    }
}
