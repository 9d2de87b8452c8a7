namespace Recd.Selection;

/// <summary>
/// R14's check of a learned start, shared by the mount's recordings of one condition: a recording
/// that began settled (learned, shared or crowded start) measures each path it has not seen once,
/// early, because the ranking it started from is from another time. Four live streams of a burst
/// each checked both other paths in the live duet (stop 21: exploring 2.6-6.8% of each one's cost),
/// though one check beside the same chosen path answers the question for all four. A claim is made
/// when a recording takes the probe and answered when its window is judged: one that found the
/// ranking standing covers the others that were being written when it was claimed; one that found
/// it in doubt, or never came (the recording ended, the path refused), is dropped, and each asks for
/// itself again.
/// </summary>
public sealed class SharedChecks
{
    private readonly object _gate = new();
    private long _clock;
    private readonly Dictionary<Key, Entry> _checks = [];

    private readonly record struct Key(LearnedCondition Condition, string Probed, string Chosen)
    {
        public static Key Of(Claim c) => new(c.Condition, c.Probed, c.Chosen);
    }

    private readonly record struct Entry(long Stamp, bool Answered);

    /// <summary>One recording's claim of a check, to answer or abandon.</summary>
    public readonly record struct Claim(LearnedCondition Condition, string Probed, string Chosen, long Stamp);

    /// <summary>A stamp for a recording beginning: checks claimed after it were taken while it was written.</summary>
    public long Now() { lock (_gate) return ++_clock; }

    /// <summary>
    /// Whether a check of <paramref name="probed"/> beside <paramref name="chosen"/> in
    /// <paramref name="condition"/> was claimed after <paramref name="since"/> and is in flight or
    /// found the ranking standing.
    /// </summary>
    public bool Covered(LearnedCondition condition, string probed, string chosen, long since)
    {
        lock (_gate) return CoveredLocked(new Key(condition, probed, chosen), since);
    }

    private bool CoveredLocked(Key key, long since) => _checks.TryGetValue(key, out var e) && e.Stamp > since;

    /// <summary>Claims the check, or null when another recording's covers it (checked and claimed at once).</summary>
    public Claim? TryClaim(LearnedCondition condition, string probed, string chosen, long since)
    {
        lock (_gate)
        {
            var key = new Key(condition, probed, chosen);
            if (CoveredLocked(key, since)) return null;
            long stamp = ++_clock;
            _checks[key] = new Entry(stamp, Answered: false);
            return new Claim(condition, probed, chosen, stamp);
        }
    }

    /// <summary>The claimed check's window was judged: it covers the others if the ranking held, else it is dropped.</summary>
    public void Answer(Claim claim, bool rankingHeld)
    {
        lock (_gate)
        {
            var key = Key.Of(claim);
            if (!_checks.TryGetValue(key, out var e) || e.Stamp != claim.Stamp) return;
            if (rankingHeld) _checks[key] = e with { Answered = true };
            else _checks.Remove(key);
        }
    }

    /// <summary>The claimed check will not be judged (the recording ended or moved on first): dropped.</summary>
    public void Abandon(Claim claim)
    {
        lock (_gate)
        {
            var key = Key.Of(claim);
            if (_checks.TryGetValue(key, out var e) && e.Stamp == claim.Stamp && !e.Answered) _checks.Remove(key);
        }
    }
}
