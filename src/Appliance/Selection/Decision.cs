namespace Recd.Selection;

/// <summary>What the selector decided on a window (docs/selector.md §4 names the rule of each).</summary>
public enum DecisionKind
{
    /// <summary>R1: on the board's prior, the first candidate, to probe.</summary>
    StartPrior,
    /// <summary>R1: on the cheapest figure seeded from the learned costs.</summary>
    StartLearned,
    /// <summary>R1: on the cheapest learned figure whose path is not crowded past what it was measured with (Other: the cheaper one held back).</summary>
    StartLearnedCrowded,
    /// <summary>R1: on the cheapest seeded figure, to probe the candidates the seed lacks (instead of from the prior).</summary>
    StartSeeded,
    /// <summary>R1: on the cheapest figure learned in another condition, to probe every candidate in this one.</summary>
    StartBorrowed,
    /// <summary>R1: settled where its probe round would have begun (Note: that start's kind); other recordings of the mount in its band run theirs.</summary>
    StartShared,
    /// <summary>R1c: the band widened during the start's probe round to one that learned every candidate: settled on its cheapest (Other: the cheaper one held back by the crowd limit).</summary>
    StartWidened,
    /// <summary>R2: measuring a candidate in the first probe round.</summary>
    Probe,
    /// <summary>R2: the probe round is over; the cheapest (else the fastest) is chosen.</summary>
    Settle,
    /// <summary>R5: a path left data queued well below a witness's rate, and is dropped.</summary>
    Starved,
    /// <summary>R5: the chosen path looked starved against an old rate: the witness is measured beside it.</summary>
    StarvationCheck,
    /// <summary>R6: the witness measured beside the chosen path did not show it starved.</summary>
    NotStarved,
    /// <summary>R7: back on the chosen path after one window of another.</summary>
    Return,
    /// <summary>R8: the chosen path was dropped or refused; the cheapest usable path is chosen.</summary>
    TakeOver,
    /// <summary>R9: another path looks cheaper (or the chosen one dearer): one window of it, beside the chosen one.</summary>
    Confirm,
    /// <summary>R10: the rival won its window: the chosen path's next window decides.</summary>
    Check,
    /// <summary>R10: the rival lost its window against the chosen path's before it.</summary>
    ConfirmRefuted,
    /// <summary>R11: the rival beat the chosen path's windows on both sides: it is the chosen path now.</summary>
    Switch,
    /// <summary>R11: the chosen path's window after the confirmation was cheap enough (or too little is left).</summary>
    CheckRefuted,
    /// <summary>R13: a recording too short to switch measures one other path for its mount.</summary>
    ProbeForMount,
    /// <summary>R14, R15: one window of another path (not yet seen here, or the stalest).</summary>
    Reprobe,
    /// <summary>R17: the current path refused (EINVAL); the recording continues on another.</summary>
    Unavailable,
}

/// <summary>
/// One decision as data: its kind, the path it is about and the other path it involves (-1 when
/// none), and the figures it was made on. <see cref="DecisionText"/> makes the sentence from it, only
/// when someone reads it: a window allocates nothing, whatever it decides.
/// </summary>
/// <param name="A">The first figure (meaning by kind; see <see cref="DecisionText"/>), and so on.</param>
/// <param name="Age">Windows since <see cref="Path"/> (or <see cref="Other"/>) was last measured in this recording; -1: never.</param>
/// <param name="Flag">Kind-specific: Confirm: the rival measured cheaper (else the chosen path got dearer); Starved: judged beside the chosen path; NotStarved: the witness kept up.</param>
/// <param name="Note">Unavailable: the errno's name. StartShared: the kind of start it stood in for.</param>
public readonly record struct Decision(DecisionKind Kind, int Path, int Other = -1, double A = 0, double B = 0, double C = 0, double D = 0,
    double E = 0, int Age = -1, bool Flag = false, string? Note = null);
