namespace Recd.Selection;

/// <summary>What the manifest and the console say about the selector: its condition and its figures, made when read.</summary>
public sealed partial class Selector
{
    /// <summary>The condition the figures belong to, for the sentence: mount, band, rate class, seed.</summary>
    internal string ConditionText()
    {
        if (Condition is null) return $"mount {MountKey ?? "?"}";
        string rate = Condition.Rate switch { RateClass.Live => "live", RateClass.Bulk => "bulk", _ => "rate not judged yet" };
        return $"mount {MountKey ?? "?"}, {LearnedCondition.BandText(Condition.Band)}, {rate}; seeded from {SeededFrom?.Key ?? "nothing learned"}";
    }

    public string Summary() => string.Join(", ", Enumerable.Range(0, _choices.Length)
        .Where(i => _e.Costs[i].Windows > 0)
        .Select(i => $"{_choices[i].Label} {_e.Costs[i].NsPerByte:F3} ns/B{(_e.Costs[i].Starved ? " (starved)" : "")}"));
}
