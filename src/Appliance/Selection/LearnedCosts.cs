using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recd.Selection;

/// <summary>
/// Costs learned per storage mount, kept in the state folder so a box does not re-learn on every
/// boot. Each finished recording folds its measurements in, weighted by windows (capped, so an old
/// measurement cannot outvote the present for ever).
/// </summary>
public sealed class LearnedCosts
{
    private const int MaxWindows = 64;
    private const double RecentWeight = 0.3;
    private readonly object _gate = new();
    private readonly string? _file;
    private Dictionary<string, Dictionary<string, PathCost>> _mounts = new();

    public LearnedCosts(string? stateDir)
    {
        if (stateDir is null) return;
        _file = Path.Combine(stateDir, "learned-costs.json");
        try
        {
            if (File.Exists(_file))
                _mounts = JsonSerializer.Deserialize(File.ReadAllBytes(_file), LearnedCostsJson.Default.DictionaryStringDictionaryStringPathCost) ?? new();
        }
        catch (JsonException) { _mounts = new(); } // a damaged file only costs a re-learn
        Publish();
    }

    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, PathCost>> _published = new Dictionary<string, IReadOnlyDictionary<string, PathCost>>();

    /// <summary>
    /// A copy of every mount's costs as of the last merge: for the metrics, which must not wait on the
    /// lock a merge holds while it saves the file.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, PathCost>> Published => Volatile.Read(ref _published);

    private void Publish() => Volatile.Write(ref _published, _mounts.ToDictionary(
        m => m.Key, m => (IReadOnlyDictionary<string, PathCost>)m.Value.ToDictionary(kv => kv.Key, kv => kv.Value.Copy())));

    public IReadOnlyDictionary<string, PathCost>? For(string mountKey)
    {
        lock (_gate)
            return _mounts.TryGetValue(mountKey, out var m)
                ? m.ToDictionary(kv => kv.Key, kv => kv.Value.Copy())
                : null;
    }

    /// <summary>
    /// Folds a finished recording in. Only paths it measured itself count, weighted by their windows.
    /// What a recording can vouch for is how its paths compare, measured side by side; their level
    /// moves with the machine (this VM runs whole recordings at 2x the cost of every path). So the
    /// chosen path's change of level moves every path of the mount alike, and the other paths it
    /// measured come in relative to the chosen one: a dear phase does not reorder the mount's paths.
    /// </summary>
    public void Merge(string mountKey, Selector selector)
    {
        lock (_gate)
        {
            if (!_mounts.TryGetValue(mountKey, out var m)) _mounts[mountKey] = m = new();
            int settled = selector.SettledIndex;
            double seenRef = settled >= 0 && selector.WindowsHere(settled) > 0 ? selector.Costs[settled].NsPerByte : double.NaN;
            if (seenRef > 0 && m.TryGetValue(selector.Choices[settled].Label, out var reference) && reference.NsPerByte > 0)
            {
                int windows = selector.WindowsHere(settled);
                double w = (double)windows / (windows + reference.Windows);
                double level = 1 + w * (seenRef / reference.NsPerByte - 1);
                foreach (var c in m.Values) c.NsPerByte *= level;
                double scale = reference.NsPerByte / seenRef; // seen on this recording -> the mount's level
                for (int i = 0; i < selector.Choices.Count; i++)
                    if (i != settled) Fold(m, selector, i, selector.Costs[i].NsPerByte * scale);
                Fold(m, selector, settled, reference.NsPerByte, countOnly: true);
            }
            else
                for (int i = 0; i < selector.Choices.Count; i++) Fold(m, selector, i, selector.Costs[i].NsPerByte);
            Publish();
            Save();
        }
    }

    private static void Fold(Dictionary<string, PathCost> m, Selector selector, int i, double cost, bool countOnly = false)
    {
        var seen = selector.Costs[i];
        int windows = selector.WindowsHere(i);
        if (windows == 0 || double.IsNaN(cost)) return;
        string label = selector.Choices[i].Label;
        if (!m.TryGetValue(label, out var old)) { m[label] = new PathCost { NsPerByte = cost, BytesPerSecond = seen.BytesPerSecond, Windows = Math.Min(windows, MaxWindows), AbsorbedShare = seen.AbsorbedShare }; return; }
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
            File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(_mounts, LearnedCostsJson.Default.DictionaryStringDictionaryStringPathCost));
            File.Move(temp, _file, overwrite: true);
        }
        catch (IOException) { /* learning is an optimisation: never fail a recording over it */ }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, PathCost>>))]
internal sealed partial class LearnedCostsJson : JsonSerializerContext;
