using Recd.Logging;

namespace Recd.Recordings;

public sealed partial class RecordingStore
{
    public enum DeleteOutcome { Deleted, NotFound, Busy, StorageFailed }

    public DeleteOutcome Delete(string name, out int errno)
    {
        errno = 0;
        string exact;
        lock (_gate)
        {
            if (!_index.TryGetValue(name, out var e)) return DeleteOutcome.NotFound;
            if (_claims.ContainsKey(name)) return DeleteOutcome.Busy;
            exact = e.Manifest.Name;
            _claims[name] = new NameClaim(ClaimKind.Deleting);
        }
        bool gone = false;
        try
        {
            errno = StoreFiles.Delete(Paths, exact);
            // The manifest is renamed away first: even a delete that failed later is no longer a recording.
            gone = errno == 0 || !File.Exists(Paths.Manifest(exact));
            return errno == 0 ? DeleteOutcome.Deleted : DeleteOutcome.StorageFailed;
        }
        finally
        {
            lock (_gate)
            {
                _claims.Remove(name);
                if (gone) _index.Remove(name);
            }
        }
    }

    /// <summary>
    /// Headroom above the reserve, after retention tried to make <paramref name="needed"/> bytes of it
    /// by deleting the oldest complete, unprotected, inactive recordings (never <paramref name="exclude"/>).
    /// </summary>
    public long EnsureHeadroom(long needed, string? exclude = null)
    {
        long headroom = Space.Headroom() ?? long.MaxValue;
        // Checked after every span: the common case stays free of allocation (the lambdas below
        // capture, so they live in another method).
        return headroom >= needed ? headroom : FreeUp(needed, exclude);
    }

    private long FreeUp(long needed, string? exclude)
    {
        List<Manifest> candidates;
        lock (_gate)
            candidates = _index.Values.Select(e => e.Manifest)
                .Where(m => m.State == RecordingStates.Complete && !m.Protected && !_claims.ContainsKey(m.Name) && m.Name != exclude)
                .OrderBy(m => m.Created).ToList();
        // Each delete claims its name like any other: a recording that became busy meanwhile is skipped.
        return Space.MakeRoom(needed, candidates, n => Delete(n, out _) == DeleteOutcome.Deleted);
    }
}
