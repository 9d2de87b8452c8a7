namespace Recd.Selection;

/// <summary>
/// What exploring has taken, against its two budgets: bytes moved off the chosen path (of all bytes),
/// and CPU beyond what the chosen path would have cost (of all CPU). One per recording (Selector) and
/// one per mount (MountExploration), so a probe is judged by the same rule in both. Exploring is the
/// discretionary part (docs/selector.md R16): the probe round, before anything is chosen, and a forced
/// move off a path that starved are counted in the totals only.
/// </summary>
internal struct ExplorationLedger
{
    public long TotalBytes, ExploredBytes;
    public double SpentNs, ExtraNs;

    public void Add(long bytes, bool explored, double spentNs, double extraNs)
    {
        TotalBytes += bytes;
        if (explored) ExploredBytes += bytes;
        SpentNs += spentNs;
        ExtraNs += extraNs;
    }

    /// <summary>
    /// Windows booked as exploring turned out to be a forced move off a starved path (R6 dropped it):
    /// leaving a path that did not keep up is not exploring, so they leave exploring's share.
    /// </summary>
    public void Forgive(long bytes, double extraNs)
    {
        ExploredBytes -= bytes;
        ExtraNs -= extraNs;
    }

    /// <summary>One more window off the chosen path keeps the explored bytes within <paramref name="budget"/> of all bytes.</summary>
    public readonly bool BytesFit(long windowBytes, double budget) => ExploredBytes + windowBytes <= budget * (TotalBytes + windowBytes);

    /// <summary>A window costing <paramref name="windowNs"/>, <paramref name="extraNs"/> of it beyond the chosen path, keeps exploring within <paramref name="budget"/> of all CPU.</summary>
    public readonly bool CostFits(double extraNs, double windowNs, double budget) => ExtraNs + extraNs <= budget * (SpentNs + windowNs);
}
