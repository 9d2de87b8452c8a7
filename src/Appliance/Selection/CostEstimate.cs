using Recd.WritePaths;

namespace Recd.Selection;

/// <summary>
/// What one recording believes each path costs (docs/selector.md R4). One figure per path, ns/B in
/// the root's cost view (<see cref="PathCost"/>): the chosen path's is its level, every other path's was
/// measured beside it, and moves with the level (its ratio to the level is what a probe measured).
/// Kept beside it: each path's figure as last measured in this recording (ns/B then: R9's second
/// trigger compares the level with it), its windows here and when it was last measured, and the chosen
/// path's last raw window (the frame a probe is read in). The raw windows a confirmation or a check
/// compares, and the rate a starvation check judges, belong to those phases (<see cref="Phase"/>).
/// </summary>
internal sealed class CostEstimate
{
    public const int NeverHere = int.MinValue / 2;

    public readonly PathCost[] Costs;
    public readonly int[] WindowsHere, LastWindow;
    public readonly double[] AsMeasured;

    /// <summary>Whether each path's latest window here was measured out of the recording's band (§6: not merged as a figure of it).</summary>
    public readonly bool[] LastOutOfBand;

    /// <summary>The chosen path's last window as measured (ns/B, not smoothed); NaN until it has one.</summary>
    public double ChosenRaw { get; private set; } = double.NaN;

    public CostEstimate(IReadOnlyList<PathChoice> choices, IReadOnlyDictionary<string, PathCost>? seed, int probeWindows)
    {
        int n = choices.Count;
        Costs = new PathCost[n];
        WindowsHere = new int[n];
        LastWindow = new int[n];
        AsMeasured = new double[n];
        LastOutOfBand = new bool[n];
        Clear();
        Seed(choices, seed, probeWindows);
    }

    /// <summary>
    /// R1c: the recording's band widened before its probe round ended, and the wider band has learned
    /// every candidate: the estimate becomes the one a recording beginning in that band starts from.
    /// What this recording measured so far goes (its windows spanned the burst's begins: another count
    /// of recordings than the band's); a path that refused here stays refused.
    /// </summary>
    public void Reseed(IReadOnlyList<PathChoice> choices, IReadOnlyDictionary<string, PathCost> seed, int probeWindows)
    {
        Clear();
        Seed(choices, seed, probeWindows);
    }

    /// <summary>Nothing measured, nothing seeded; a path that refused here (R17) stays refused.</summary>
    private void Clear()
    {
        for (int i = 0; i < Costs.Length; i++)
        {
            Costs[i] = new PathCost { NsPerByte = double.NaN, Unavailable = Costs[i]?.Unavailable ?? false };
            WindowsHere[i] = 0;
            LastWindow[i] = NeverHere;
            AsMeasured[i] = double.NaN;
            LastOutOfBand[i] = false;
        }
        ChosenRaw = double.NaN;
    }

    private void Seed(IReadOnlyList<PathChoice> choices, IReadOnlyDictionary<string, PathCost>? seed, int probeWindows)
    {
        AnyBorrowed = false;
        if (seed is null) return;
        for (int i = 0; i < Costs.Length; i++)
        {
            // R1: a seeded figure counts for at most a probe round's windows: it is from another time.
            if (seed.TryGetValue(choices[i].Label, out var l) && l.Windows > 0)
            {
                Costs[i].NsPerByte = l.NsPerByte;
                Costs[i].BytesPerSecond = l.BytesPerSecond;
                // A figure borrowed from another condition counts for no window: this condition's
                // probe round measures every path (R1, R2).
                Costs[i].Windows = l.Borrowed ? 0 : Math.Min(l.Windows, probeWindows);
                Costs[i].AbsorbedShare = l.AbsorbedShare;
                Costs[i].Borrowed = l.Borrowed;
                Costs[i].Crowd = l.Crowd;
                AnyBorrowed |= l.Borrowed;
            }
        }
    }

    public int Count => Costs.Length;

    /// <summary>Some seed figure was borrowed from another condition (R1: then the recording probes).</summary>
    public bool AnyBorrowed { get; private set; }

    /// <summary>The cheapest seed figure, borrowed ones included (R1: where a probe round starts), or -1.</summary>
    public int CheapestSeeded()
    {
        int best = -1;
        for (int i = 0; i < Costs.Length; i++)
            if (!double.IsNaN(Costs[i].NsPerByte) && (best < 0 || Costs[i].NsPerByte < Costs[best].NsPerByte)) best = i;
        return best;
    }

    public double Cost(int i) => Costs[i].NsPerByte;

    /// <summary>
    /// R4: folds window <paramref name="window"/> of path <paramref name="i"/> in. Returns whether it was
    /// a measurement beside the chosen path <paramref name="settled"/> (a probe: read in its frame).
    /// </summary>
    public bool Fold(int i, in CostSample s, int settled, bool probing, int window, string view, bool outOfBand = false)
    {
        LastOutOfBand[i] = outOfBand;
        var c = Costs[i];
        // The first window in this recording replaces a seeded figure (another time, another phase
        // of the machine, another sender); every later probe of another path replaces its cost (what
        // it costs now, beside the chosen path, is the question); rate and backlog share stay smoothed.
        // Except a window absorbed by dirty page cache: such a path pays for its writes later, in
        // windows throttled by writeback (ext4 splice: 0.24 ns/B absorbed, 2.0 throttled): folded in.
        bool beside = !probing && settled >= 0 && i != settled, replaces = !s.Absorbed;
        // The level before this window (the chosen path's own first window here replaces its seed below).
        double level = settled >= 0 ? Costs[settled].NsPerByte : double.NaN;
        if (WindowsHere[i]++ == 0) { if (replaces) { c.NsPerByte = double.NaN; c.Windows = 0; } }
        else if (beside && replaces) c.NsPerByte = double.NaN;
        double cost = s.NsPerByte(view);
        // A probe is read in the chosen path's frame: its cost times the chosen path's average over
        // the chosen path's window just before. A probe taken in a dear phase is not the path being dear.
        if (beside && WindowsHere[settled] > 1)
        {
            double a = ChosenRaw;
            if (a > 0 && level > 0) cost *= level / a;
        }
        if (i == settled) ChosenRaw = cost;
        c.Add(s, cost);
        LastWindow[i] = window;
        if (beside) AsMeasured[i] = c.NsPerByte;
        else if (i == settled && !probing && level > 0)
        {
            // Every other figure is held relative to the level: as the level moves, they move with it
            // (its ratio, then the new level: the order the figures were always derived in).
            for (int j = 0; j < Costs.Length; j++)
                if (j != i) Costs[j].NsPerByte = Costs[j].NsPerByte / level * c.NsPerByte;
        }
        return beside;
    }

    /// <summary>
    /// Makes <paramref name="i"/> the level: every other figure is held relative to it from now on, all
    /// in one frame as they stand. Its raw window is the frame once it has one under this choice.
    /// </summary>
    public void Settle(int i)
    {
        for (int j = 0; j < Costs.Length; j++) AsMeasured[j] = Costs[j].NsPerByte;
        ChosenRaw = double.NaN;
    }

    /// <summary>Path <paramref name="i"/>'s figure over the chosen path's (its ratio to the level).</summary>
    public double RatioToLevel(int i, int settled) => Costs[i].NsPerByte / Costs[settled].NsPerByte;

    /// <summary>Sets path <paramref name="i"/>'s figure as a ratio to the chosen path's.</summary>
    public void SetRelative(int i, int settled, double ratio) => AsMeasured[i] = Costs[i].NsPerByte = ratio * Costs[settled].NsPerByte;

    /// <summary>A usable path with fewer than <paramref name="probeWindows"/> windows, first in candidate order, or -1.</summary>
    public int Unprobed(int probeWindows)
    {
        for (int i = 0; i < Costs.Length; i++)
            if (Costs[i].Windows < probeWindows && !Costs[i].Excluded) return i;
        return -1;
    }

    public int Cheapest() => CheapestExcept(-1);

    /// <summary>The cheapest measured, usable path other than <paramref name="skip"/>, or -1.</summary>
    public int CheapestExcept(int skip)
    {
        int best = -1;
        for (int i = 0; i < Costs.Length; i++)
        {
            var c = Costs[i];
            if (i == skip || c.Windows == 0 || c.Excluded || double.IsNaN(c.NsPerByte)) continue;
            if (best < 0 || c.NsPerByte < Costs[best].NsPerByte) best = i;
        }
        return best;
    }

    /// <summary>If every measured path starved, the fastest one is the least bad.</summary>
    public int CheapestOrFastest()
    {
        int best = Cheapest();
        if (best >= 0) return best;
        for (int i = 0; i < Costs.Length; i++)
            if (!Costs[i].Unavailable && (best < 0 || Costs[i].BytesPerSecond > Costs[best].BytesPerSecond)) best = i;
        return Math.Max(best, 0);
    }

    /// <summary>Windows since path <paramref name="i"/> was last measured in this recording, or -1 if never.</summary>
    public int Age(int i, int window) => LastWindow[i] == NeverHere ? -1 : window - LastWindow[i];
}
