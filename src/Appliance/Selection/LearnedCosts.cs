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
    }

    public IReadOnlyDictionary<string, PathCost>? For(string mountKey)
    {
        lock (_gate)
            return _mounts.TryGetValue(mountKey, out var m)
                ? m.ToDictionary(kv => kv.Key, kv => new PathCost { NsPerByte = kv.Value.NsPerByte, BytesPerSecond = kv.Value.BytesPerSecond, Windows = kv.Value.Windows })
                : null;
    }

    public void Merge(string mountKey, Selector selector)
    {
        lock (_gate)
        {
            if (!_mounts.TryGetValue(mountKey, out var m)) _mounts[mountKey] = m = new();
            for (int i = 0; i < selector.Choices.Count; i++)
            {
                var seen = selector.Costs[i];
                if (seen.Windows == 0 || double.IsNaN(seen.NsPerByte)) continue;
                string label = selector.Choices[i].Label;
                if (!m.TryGetValue(label, out var old)) { m[label] = new PathCost { NsPerByte = seen.NsPerByte, BytesPerSecond = seen.BytesPerSecond, Windows = Math.Min(seen.Windows, MaxWindows) }; continue; }
                double w = (double)seen.Windows / (seen.Windows + old.Windows);
                old.NsPerByte += w * (seen.NsPerByte - old.NsPerByte);
                old.BytesPerSecond += w * (seen.BytesPerSecond - old.BytesPerSecond);
                old.Windows = Math.Min(old.Windows + seen.Windows, MaxWindows);
            }
            Save();
        }
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
