namespace Recd.Recordings;

/// <summary>What finished transfers received, and the store's recordings as one scrape sees them.</summary>
public sealed partial class RecordingStore
{
    /// <summary>Bytes by path and slow writes of every transfer finished since start. Immutable; replaced at each release.</summary>
    public sealed record FinishedTotals(IReadOnlyDictionary<string, long> BytesByPath, long SlowWrites)
    {
        public static readonly FinishedTotals None = new(new Dictionary<string, long>(), 0);
    }

    /// <summary>An active recording's newest snapshot, and its bytes by path before this transfer.</summary>
    public readonly record struct ActiveView(Manifest Snapshot, IReadOnlyDictionary<string, long>? BytesBefore);

    /// <summary>One consistent look, taken under the lock in one go: no transfer is counted both finished and active, or neither.</summary>
    public sealed record CountsView(FinishedTotals Finished, IReadOnlyList<ActiveView> Active, IReadOnlyDictionary<string, int> ByState);

    private FinishedTotals _finished = FinishedTotals.None;

    /// <summary>
    /// Folds a transfer's final snapshot into the totals; under the lock, with the release of its
    /// claim, so a reader sees the transfer either active or finished. Arithmetic on a few entries.
    /// </summary>
    private void AddFinished(Recording recording, Manifest final)
    {
        var bytes = new Dictionary<string, long>(_finished.BytesByPath);
        foreach (var (path, n) in Received(final, recording.BytesBefore))
            bytes[path] = bytes.GetValueOrDefault(path) + n;
        _finished = new FinishedTotals(bytes, _finished.SlowWrites + final.SlowWrites);
    }

    /// <summary>Bytes by path this transfer received: the snapshot's counts minus those it started from.</summary>
    public static IEnumerable<(string Path, long Bytes)> Received(Manifest snapshot, IReadOnlyDictionary<string, long>? before)
    {
        if (snapshot.BytesByPath is null) yield break;
        foreach (var (path, n) in snapshot.BytesByPath)
        {
            long delta = n - (before?.GetValueOrDefault(path) ?? 0);
            if (delta > 0) yield return (path, delta);
        }
    }

    public CountsView Counts()
    {
        lock (_gate)
        {
            var active = new List<ActiveView>();
            foreach (var (name, c) in _claims)
                if (c.Recording is { } r && _index.TryGetValue(name, out var e)) active.Add(new ActiveView(e.Manifest, r.BytesBefore));
            var byState = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var e in _index.Values) byState[e.Manifest.State] = byState.GetValueOrDefault(e.Manifest.State) + 1;
            return new CountsView(_finished, active, byState);
        }
    }
}
