namespace Recd.Selection;

/// <summary>The selector's phases (docs/selector.md §3): each owns the rule for the next judged window.</summary>
public enum PhaseKind
{
    /// <summary>The first probe round: each candidate for ProbeWindows windows (R2).</summary>
    Probing,
    /// <summary>On the chosen path: the guard, take-over, suspicion and probe rules (R5, R8, R9, R13-R15).</summary>
    Steady,
    /// <summary>One window of another path, read beside the chosen one (R14, R15, R13), then the Steady rules.</summary>
    Reprobe,
    /// <summary>One window of the rival, against the chosen path's window before it (R10).</summary>
    Confirm,
    /// <summary>The chosen path's window after a won confirmation (R11).</summary>
    Check,
    /// <summary>One window of the witness beside the chosen path that looked starved (R6).</summary>
    StarvationCheck,
}

/// <summary>Who pays for a re-probe, and so who is told what it found (R16, R13).</summary>
public enum ProbePayer { Own, Mount, ForMount }

/// <summary>
/// The phase value: its kind, the path it is about (the probed path, the rival, the witness), and
/// its data, the evidence its rule compares (not kept in the cost estimate, which holds one figure per
/// path). Probing: <see cref="Left"/> windows still to measure. Confirm: <see cref="Cost"/>, the chosen
/// path's raw window before it (R10). Check: <see cref="Cost"/>, the rival's confirmation window (R11).
/// StarvationCheck: <see cref="Rate"/>, the rate of the chosen path's window that looked starved (R6),
/// and a Check it interrupted, resumed after it (<see cref="ResumeRival"/>, <see cref="Cost"/>).
/// Reprobe: <see cref="Payer"/>.
/// </summary>
public readonly record struct Phase(PhaseKind Kind, int Path = -1, int Left = 0, double Cost = 0, ProbePayer Payer = ProbePayer.Own, int ResumeRival = -1,
    double Rate = 0)
{
    public static readonly Phase Steady = new(PhaseKind.Steady);
}
