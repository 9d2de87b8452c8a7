using Recd.Board;
using Recd.WritePaths;

namespace Recd.Calibration;

/// <summary>
/// What a run measures: each write path kind of the profile's candidates, at the profile's sizes
/// and a ladder around them (a quarter of a cache to several MiB), and batch sizes for the live
/// stream. Sizes a profile could never grant are left out: beyond the validation limits, beyond the
/// buffer budget (BufferBudget would shrink them), sizes above the profile's own that exceed each
/// recording's share of the budget at Storage:MaxActiveRecordings, batches beyond what SO_RCVBUF lets
/// SO_RCVLOWAT wait for.
/// </summary>
public sealed record CandidatePlan(IReadOnlyList<PathChoice> Bulk, IReadOnlyList<int> Batches)
{
    private static readonly int[] CopyLadder = [64 << 10, 256 << 10, 1 << 20];
    private static readonly int[] DirectLadder = [256 << 10, 1 << 20, 4 << 20];
    private static readonly int[] BatchLadder = [0, 64 << 10, 256 << 10, 1 << 20];

    public static CandidatePlan For(BoardProfile profile)
    {
        var w = profile.WritePaths;
        var listed = profile.Selector.Candidates
            .Select(t => PathChoice.TryParse(t, w, out var c) ? c : (PathChoice?)null).OfType<PathChoice>().ToList();
        var kinds = listed.Count > 0 ? listed.Select(c => c.Kind).Distinct().ToList()
            : [WritePathKind.Buffered, WritePathKind.Splice, WritePathKind.Direct];
        var bulk = new List<PathChoice>();
        foreach (var kind in kinds)
        {
            var sizes = new SortedSet<int>(kind == WritePathKind.Direct ? DirectLadder : CopyLadder);
            sizes.Add(new WritePathFactory(w).DefaultChoice(kind).SizeBytes);
            foreach (var c in listed.Where(c => c.Kind == kind)) sizes.Add(c.SizeBytes);
            int own = new WritePathFactory(w).DefaultChoice(kind).SizeBytes;
            foreach (int size in sizes)
                if (Grantable(kind, size, w) && (size <= own || size <= Share(profile))) bulk.Add(new PathChoice(kind, size));
        }
        var batches = new SortedSet<int>(BatchLadder) { w.BatchBytes };
        // SO_RCVLOWAT is capped at half the (doubled) SO_RCVBUF, and the buffer counts skb truesize, not
        // payload: a 1316-byte segment takes ~2.3 KiB of it. A batch above half of ReceiveBufferBytes
        // may never fill and would wait for the latency bound every time.
        return new CandidatePlan(bulk, batches.Where(b => w.ReceiveBufferBytes <= 0 || b <= w.ReceiveBufferBytes / 2).ToList());
    }

    /// <summary>
    /// What each recording's buffer gets from the budget when the board records its most streams at
    /// once: a size above the profile's own must fit it, or the tuned profile would undo a RAM
    /// decision (generic-arm64: O_DIRECT 1 MiB, "not 4: RAM"). No budget: no limit.
    /// </summary>
    private static long Share(BoardProfile p) =>
        p.WritePaths.BufferBudgetBytes <= 0 ? long.MaxValue : p.WritePaths.BufferBudgetBytes / Math.Max(1, p.Storage.MaxActiveRecordings);

    private static bool Grantable(WritePathKind kind, int size, WritePathOptions w) => kind switch
    {
        WritePathKind.Splice => size <= 64 << 20,
        WritePathKind.Direct => size <= 16 << 20 && (w.BufferBudgetBytes <= 0 || size <= w.BufferBudgetBytes),
        _ => size <= 4 << 20 && (w.BufferBudgetBytes <= 0 || size <= w.BufferBudgetBytes),
    };
}
