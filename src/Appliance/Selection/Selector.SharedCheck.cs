namespace Recd.Selection;

/// <summary>
/// R14 and R15 shared (<see cref="SharedChecks"/>): a path this recording has not seen is not probed
/// for it when another recording of the mount, in the same condition and beside the same chosen path,
/// took that check while this one was being written and found the ranking standing (or is taking it
/// now); R15's turn is taken by such a check since this recording's last probe. Only the check of a
/// ranking is shared: while the chosen path leaves data queued, R14 asks whether this stream is
/// starved, which no other stream's window answers.
/// </summary>
public sealed partial class Selector
{
    private readonly long _begun;
    private long _probedAt;
    private SharedChecks.Claim? _claim;

    /// <summary>The condition checks are shared in, or null (no mount, rate not judged yet: each recording checks for itself).</summary>
    private LearnedCondition? SharedIn =>
        _budget.Mount is not null && Condition is { } c && c.Learned.Rate != RateClass.Any ? c.Learned : null;

    /// <summary>For the probe schedule: path <paramref name="i"/>'s check beside the chosen path is another recording's.</summary>
    private bool CheckedElsewhere(int i) =>
        _settled >= 0 && SharedIn is { } c && _budget.Mount!.Checks.Covered(c, _choices[i].Label, _choices[_settled].Label, _begun);

    /// <summary>
    /// Claims the check of <paramref name="i"/> for the mount's recordings of this condition; false when
    /// another's claimed after <paramref name="since"/> covers it.
    /// </summary>
    private bool TryClaimCheck(int i, long since)
    {
        if (SharedIn is not { } c) return true;
        _claim = _budget.Mount!.Checks.TryClaim(c, _choices[i].Label, _choices[_settled].Label, since);
        return _claim is not null;
    }

    /// <summary>R14 or R15 took its turn (a probe, or another recording's check that answered it): R15's next is ReprobeEveryWindows on.</summary>
    private void NoteProbeTurn()
    {
        _schedule.LastProbe = _window;
        _probedAt = _budget.Mount?.Checks.Now() ?? 0;
    }

    /// <summary>The claimed check's window was read beside the chosen path (<paramref name="beside"/>), or will not be.</summary>
    private void AnswerCheck(bool beside, bool rankingHeld)
    {
        if (_claim is not { } k) return;
        _claim = null;
        var checks = _budget.Mount!.Checks;
        if (beside) checks.Answer(k, rankingHeld);
        else checks.Abandon(k);
    }
}
