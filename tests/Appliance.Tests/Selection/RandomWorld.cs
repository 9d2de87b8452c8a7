using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>
/// A random world: each path a base cost (the cheapest at least 30% below the others, so the
/// ranking is beyond the margin and its noise), ±5% noise per window, optional single-window spikes
/// (none closer than 12 windows), and an optional lasting change at window <see cref="ChangeAt"/>.
/// </summary>
internal sealed class RandomWorld
{
    public static readonly PathChoice[] Paths = [Buffered, Splice, Direct];

    public readonly double[] Cost = new double[3];
    public readonly int Cheapest;
    public int ChangeAt = int.MaxValue, Changed = -1;
    public double ChangeFactor = 1;
    private readonly int _seed;
    private readonly HashSet<int> _spikes = [];

    public RandomWorld(int seed, bool spikes, double maxRatio = 4.3)
    {
        _seed = seed;
        var rng = new Random(seed);
        Cheapest = rng.Next(3);
        double low = 0.1 + rng.NextDouble() * 0.4;
        for (int i = 0; i < 3; i++) Cost[i] = i == Cheapest ? low : low * (1.3 + rng.NextDouble() * (maxRatio - 1.3));
        if (!spikes) return;
        for (int w = 10; w < 2000; w += 12 + rng.Next(20)) _spikes.Add(w);
    }

    public double CostAt(int path, int window)
    {
        double c = window >= ChangeAt && path == Changed ? Cost[path] * ChangeFactor : Cost[path];
        var noise = new Random(HashCode.Combine(_seed, window, path));
        c *= 0.95 + 0.1 * noise.NextDouble();
        if (_spikes.Contains(window) && noise.Next(3) == path) c *= noise.Next(2) == 0 ? 0.3 : 3.0;
        return c;
    }

    public Modelled Model(At a) => new(CostAt(Array.IndexOf(Paths, a.Path), a.Window));
}
