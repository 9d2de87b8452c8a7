using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recd.Selection;

/// <summary>
/// Costs learned per storage mount and per condition that moves the ranking there (how many streams
/// were being written, live or bulk: <see cref="LearnedCondition"/>), kept in the state folder so a
/// box does not re-learn on every boot. Each finished recording folds its measurements in, weighted by
/// windows (capped, so an old measurement cannot outvote the present for ever), under its own
/// condition and under the mount's "any" figures, which stand in for a condition not seen yet.
/// </summary>
/// <remarks>
/// learned-costs.json, version 2: <c>{ "version": 2, "mounts": { MOUNT: { CONDITION: { "seq": N,
/// "paths": { LABEL: PathCost } } } } }</c>, CONDITION "any" or e.g. "x5+/bulk", seq the order tables
/// were last merged in. Version 1 (no "version": MOUNT -> LABEL -> PathCost) loads as the mounts'
/// "any" figures: what a box learned before stays its starting point.
/// </remarks>
public sealed class LearnedCosts
{
    public const int FileVersion = 2;
    private const int MaxWindows = 64;
    private const double RecentWeight = 0.3;
    private readonly object _gate = new();
    private readonly string? _file;
    private Dictionary<string, Dictionary<string, LearnedTable>> _mounts = new();
    private long _seq;

    public LearnedCosts(string? stateDir)
    {
        if (stateDir is null) return;
        _file = Path.Combine(stateDir, "learned-costs.json");
        try
        {
            if (File.Exists(_file)) _mounts = Load(File.ReadAllBytes(_file));
        }
        catch (JsonException) { _mounts = new(); } // a damaged file only costs a re-learn
        foreach (var m in _mounts.Values)
            foreach (var t in m.Values) _seq = Math.Max(_seq, t.Seq);
        Publish();
    }

    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, PathCost>> _published = new Dictionary<string, IReadOnlyDictionary<string, PathCost>>();

    /// <summary>
    /// A copy of every mount's figures over all conditions as of the last merge: for the metrics,
    /// which must not wait on the lock a merge holds while it saves the file.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, PathCost>> Published => Volatile.Read(ref _published);

    private void Publish()
    {
        var copy = new Dictionary<string, IReadOnlyDictionary<string, PathCost>>();
        foreach (var (mount, tables) in _mounts)
            if (tables.TryGetValue(LearnedCondition.Any.Key, out var any))
                copy[mount] = any.Paths.ToDictionary(kv => kv.Key, kv => kv.Value.Copy());
        Volatile.Write(ref _published, copy);
    }

    private static Dictionary<string, Dictionary<string, LearnedTable>> Load(byte[] json)
    {
        using (var doc = JsonDocument.Parse(json))
            if (!(doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("version", out _)))
            {
                var old = JsonSerializer.Deserialize(json, LearnedCostsJson.Default.DictionaryStringDictionaryStringPathCost) ?? new();
                return old.ToDictionary(kv => kv.Key, kv => new Dictionary<string, LearnedTable> { [LearnedCondition.Any.Key] = new LearnedTable { Paths = kv.Value } });
            }
        var file = JsonSerializer.Deserialize(json, LearnedCostsJson.Default.LearnedCostsFile);
        return file?.Mounts ?? new();
    }

    /// <summary>The mount's figures over every condition (what version 1 kept), or null.</summary>
    public IReadOnlyDictionary<string, PathCost>? For(string mountKey) => For(mountKey, LearnedCondition.Any);

    /// <summary>The figures learned under exactly <paramref name="condition"/>, or null: no fallback.</summary>
    public IReadOnlyDictionary<string, PathCost>? For(string mountKey, LearnedCondition condition)
    {
        lock (_gate)
            return Table(mountKey, condition) is { Paths.Count: > 0 } t ? t.Paths.ToDictionary(kv => kv.Key, kv => kv.Value.Copy()) : null;
    }

    /// <summary>
    /// What a recording beginning in <paramref name="band"/> starts from, and the condition it came
    /// from (null: nothing learned, the board's prior order). The rate class is not known at begin: it
    /// is taken to be that of the band's latest recording (a box records in runs: a tuner's live
    /// streams, a copy job's bulk ones), else of the mount's latest, else bulk. Then, first with a figure:
    /// that band and class; the other bands of the class, nearest first; the mount's "any" figures.
    /// A path the chosen table has not measured comes from the later ones in that order, brought to
    /// its level through a path both have (the ranking within a table is what it vouches for; levels
    /// move with the machine's phase), so a 16-stream band that measured two paths is not probed from
    /// scratch, yet a path it measured is never overruled by another band's figure for it.
    /// </summary>
    public (IReadOnlyDictionary<string, PathCost>? Costs, LearnedCondition? From) Seed(string mountKey, ConcurrencyBand band)
    {
        lock (_gate)
        {
            if (!_mounts.TryGetValue(mountKey, out var m)) return (null, null);
            var rate = Predict(m, band);
            var order = new List<LearnedCondition> { new(band, rate) };
            foreach (var b in LearnedCondition.Nearer(band)) order.Add(new(b, rate));
            order.Add(LearnedCondition.Any);
            Dictionary<string, PathCost>? seed = null;
            LearnedCondition? from = null;
            foreach (var c in order)
            {
                if (!m.TryGetValue(c.Key, out var t) || t.Paths.Count == 0) continue;
                if (seed is null)
                {
                    // Figures of another condition than the recording's own say where to start, but
                    // were not measured in it: ext4 at one stream ranks direct first, at sixteen splice.
                    seed = t.Paths.ToDictionary(kv => kv.Key, kv => Borrow(kv.Value, c != order[0]));
                    from = c;
                    continue;
                }
                double scale = 1;
                foreach (var (label, cost) in t.Paths)
                    if (seed.TryGetValue(label, out var mine) && cost.NsPerByte > 0 && mine.NsPerByte > 0) { scale = mine.NsPerByte / cost.NsPerByte; break; }
                foreach (var (label, cost) in t.Paths)
                    if (!seed.ContainsKey(label))
                    {
                        var copy = Borrow(cost, true);
                        copy.NsPerByte *= scale;
                        seed[label] = copy;
                    }
            }
            return (seed, from);
        }
    }

    private static PathCost Borrow(PathCost cost, bool borrowed)
    {
        var copy = cost.Copy();
        copy.Borrowed = borrowed;
        return copy;
    }

    private static RateClass Predict(Dictionary<string, LearnedTable> m, ConcurrencyBand band)
    {
        RateClass inBand = RateClass.Any, anyBand = RateClass.Any;
        long bestInBand = -1, bestAny = -1;
        foreach (var (key, t) in m)
        {
            if (!LearnedCondition.TryParse(key, out var c) || c == LearnedCondition.Any || t.Paths.Count == 0) continue;
            if (c.Band == band && t.Seq > bestInBand) { bestInBand = t.Seq; inBand = c.Rate; }
            if (t.Seq > bestAny) { bestAny = t.Seq; anyBand = c.Rate; }
        }
        return inBand != RateClass.Any ? inBand : anyBand != RateClass.Any ? anyBand : RateClass.Bulk;
    }

    private LearnedTable? Table(string mountKey, LearnedCondition condition) =>
        _mounts.TryGetValue(mountKey, out var m) && m.TryGetValue(condition.Key, out var t) ? t : null;

    /// <summary>
    /// Folds a finished recording in, under the mount's "any" figures and, once its rate class is
    /// known, under its own condition (<see cref="Selector.Condition"/>; its band is the one it began
    /// in, its class what its first windows showed).
    /// </summary>
    public void Merge(string mountKey, Selector selector)
    {
        lock (_gate)
        {
            if (!_mounts.TryGetValue(mountKey, out var tables)) _mounts[mountKey] = tables = new();
            var conditions = new List<LearnedCondition> { LearnedCondition.Any };
            if (selector.Condition?.Learned is { } own && own != LearnedCondition.Any) conditions.Add(own);
            foreach (var c in conditions)
            {
                if (!tables.TryGetValue(c.Key, out var t)) tables[c.Key] = t = new LearnedTable();
                Merge(t.Paths, selector);
                t.Seq = ++_seq;
            }
            Publish();
            Save();
        }
    }

    /// <summary>
    /// Folds a finished recording into one table. Only paths it measured itself count, weighted by their windows.
    /// What a recording can vouch for is how its paths compare, measured side by side; their level
    /// moves with the machine (this VM runs whole recordings at 2x the cost of every path). So the
    /// chosen path's change of level moves every path of the mount alike, and the other paths it
    /// measured come in relative to the chosen one: a dear phase does not reorder the mount's paths.
    /// A path other than the chosen one whose latest window was measured out of the recording's band
    /// is left out (§6): the last recordings of a burst run alone, and there buffered at x16 on ext4
    /// measured 0.12 ns/B, against 0.65-0.95 in the crowd.
    /// </summary>
    private static void Merge(Dictionary<string, PathCost> m, Selector selector)
    {
        int settled = selector.SettledIndex;
        double seenRef = settled >= 0 && selector.WindowsHere(settled) > 0 ? selector.Costs[settled].NsPerByte : double.NaN;
        if (seenRef > 0 && m.TryGetValue(selector.Choices[settled].Label, out var reference) && reference.NsPerByte > 0)
        {
            int windows = selector.WindowsHere(settled);
            double w = (double)windows / (windows + reference.Windows);
            double level = 1 + w * (seenRef / reference.NsPerByte - 1);
            // Paths other recordings were settled on meanwhile were measured in this phase too, by
            // them: the chosen path's figure comes in as measured, theirs are left to them, and only
            // the others move with the level.
            var beside = SettledBeside(m, selector);
            if (beside is null) foreach (var c in m.Values) c.NsPerByte *= level;
            else
            {
                foreach (var (label, c) in m)
                    if (label != selector.Choices[settled].Label && !beside.Contains(label)) c.NsPerByte *= level;
                Fold(m, selector, settled, seenRef);
            }
            double scale = reference.NsPerByte / seenRef; // seen on this recording -> the mount's level
            for (int i = 0; i < selector.Choices.Count; i++)
                if (i != settled && !selector.MeasuredOutOfBand(i)) Fold(m, selector, i, selector.Costs[i].NsPerByte * scale);
            if (beside is null) Fold(m, selector, settled, reference.NsPerByte, countOnly: true);
        }
        else
            for (int i = 0; i < selector.Choices.Count; i++)
                if (i == settled || !selector.MeasuredOutOfBand(i)) Fold(m, selector, i, selector.Costs[i].NsPerByte);
    }

    /// <summary>
    /// The learned paths (other than the chosen one) that other recordings of the mount were settled
    /// on while this one was settled on its own, or null. Two groups of a burst on two paths measure
    /// both at once: on ext4 at x16 two recordings on buffered beside fourteen on splice measured it at
    /// its cost in a crowd, which a level alone never brings into the ranking (R1b's exploring would
    /// otherwise teach nothing).
    /// </summary>
    private static HashSet<string>? SettledBeside(Dictionary<string, PathCost> m, Selector selector)
    {
        HashSet<string>? beside = null;
        for (int i = 0; i < selector.Choices.Count; i++)
            if (i != selector.SettledIndex && selector.CrowdBeside(i) > 0 && m.ContainsKey(selector.Choices[i].Label))
                (beside ??= []).Add(selector.Choices[i].Label);
        return beside;
    }

    private static void Fold(Dictionary<string, PathCost> m, Selector selector, int i, double cost, bool countOnly = false)
    {
        var seen = selector.Costs[i];
        int windows = selector.WindowsHere(i);
        if (windows == 0 || double.IsNaN(cost)) return;
        string label = selector.Choices[i].Label;
        if (!m.TryGetValue(label, out var old)) { m[label] = new PathCost { NsPerByte = cost, BytesPerSecond = seen.BytesPerSecond, Windows = Math.Min(windows, MaxWindows), AbsorbedShare = seen.AbsorbedShare, Crowd = selector.CrowdSeen(i) }; return; }
        // R1b: a window that made a figure cheaper vouches only for the crowd it had (a probe's none):
        // at x16 on ext4 one recording's probe of direct beside fifteen on splice, or of splice beside
        // direct, made the probed path look cheaper than it was with the crowd on it, and with the
        // crowd both paths had carried once, the next run moved all sixteen; the next probe back.
        int crowd = selector.CrowdSeen(i);
        old.Crowd = cost < old.NsPerByte ? crowd : Math.Max(old.Crowd, crowd);
        double w = (double)windows / (windows + old.Windows);
        // A path measured beside the chosen one moves by at least RecentWeight however few its
        // windows: one window for the mount from a short recording must be able to correct a ranking.
        if (!countOnly) old.NsPerByte += Math.Max(w, RecentWeight) * (cost - old.NsPerByte);
        old.BytesPerSecond += w * (seen.BytesPerSecond - old.BytesPerSecond);
        old.AbsorbedShare += w * (seen.AbsorbedShare - old.AbsorbedShare);
        old.Windows = Math.Min(old.Windows + windows, MaxWindows);
    }

    private void Save()
    {
        if (_file is null) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_file)!);
            string temp = _file + ".tmp";
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(new LearnedCostsFile { Version = FileVersion, Mounts = _mounts }, LearnedCostsJson.Default.LearnedCostsFile));
            File.Move(temp, _file, overwrite: true);
        }
        catch (IOException) { /* learning is an optimisation: never fail a recording over it */ }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, PathCost>>))]
[JsonSerializable(typeof(LearnedCostsFile))]
internal sealed partial class LearnedCostsJson : JsonSerializerContext;

/// <summary>One condition's figures on one mount, and when they were last merged (an order, not a time).</summary>
public sealed class LearnedTable
{
    public long Seq { get; set; }
    public Dictionary<string, PathCost> Paths { get; set; } = new();
}

/// <summary>learned-costs.json from version 2 on (see <see cref="LearnedCosts"/>).</summary>
public sealed class LearnedCostsFile
{
    public int Version { get; set; }
    public Dictionary<string, Dictionary<string, LearnedTable>> Mounts { get; set; } = new();
}
