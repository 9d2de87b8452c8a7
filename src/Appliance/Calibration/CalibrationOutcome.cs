using Recd.Board;
using Recd.WritePaths;

namespace Recd.Calibration;

/// <summary>Everything a run measured and what it tuned from it: what the tuned profile and the report are written from.</summary>
public sealed record CalibrationOutcome(
    string Board, string Storage, int Seconds, DateTime EndedUtc, TimeSpan Elapsed, string Version,
    CopyPrimitiveFigures Primitives, IReadOnlyList<TrialResult> Bulk, IReadOnlyList<TrialResult> Live, TunedValues Tuned)
{
    /// <summary>Where the bytes came from: "loopback", or the --sender host for the bulk trials.</summary>
    public string Sender { get; init; } = "loopback";
}

/// <summary>
/// The values a tuned profile sets. Candidates: one per kind at its tuned size, cheapest first
/// (where auto starts), kinds that could not run here last; as many entries as the base's list,
/// because configuration lists merge by index and a shorter one would leave the base's tail in.
/// </summary>
public sealed record TunedValues(int BufferBytes, int PipeBytes, int DirectBufferBytes, int BatchBytes, IReadOnlyList<string> Candidates,
    IReadOnlyList<string> Reasons);

/// <summary>Turns measurements into tuned values. A size changes only when it beats the profile's by the selector's switch margin: noise must not churn profiles.</summary>
public static class Tuning
{
    public static TunedValues Decide(BoardProfile profile, IReadOnlyList<TrialResult> bulk, IReadOnlyList<TrialResult> live)
    {
        var w = profile.WritePaths;
        double margin = profile.Selector.SwitchMargin;
        var factory = new WritePathFactory(w);
        var reasons = new List<string>();
        var best = BestPerKind(profile, bulk, reasons);
        int Size(WritePathKind k) => best.TryGetValue(k, out var t) ? t.Choice.SizeBytes : factory.DefaultChoice(k).SizeBytes;

        var measured = best.Values.OrderBy(t => t.NsPerByte).Select(t => t.Choice).ToList();
        var ordered = measured.Select(c => c.Label).ToList();
        var listedKinds = profile.Selector.Candidates.Select(t => PathChoice.TryParse(t, w, out var c) ? c.Kind : (WritePathKind?)null)
            .OfType<WritePathKind>().Distinct();
        foreach (var kind in listedKinds.Where(k => !best.ContainsKey(k)))
        {
            ordered.Add(factory.DefaultChoice(kind).Label);
            reasons.Add($"{kind.Name()}: not measurable here ({bulk.FirstOrDefault(t => t.Choice.Kind == kind)?.Error ?? "not run"}), listed last");
        }
        foreach (var rest in profile.Selector.Candidates.Skip(ordered.Count)) ordered.Add(rest);

        // The batch per path: each kind's live trials (CalibrationRun runs the ladder on each kind's
        // bulk choice). The board's WritePaths:BatchBytes is the cheapest kind's; a kind whose own
        // batch differs names it in its candidate ("splice/1M@64K"), so auto uses it on that path.
        int batch = w.BatchBytes;
        var batchOf = new Dictionary<WritePathKind, int>();
        foreach (var group in live.Where(t => t.Ok).GroupBy(t => t.Choice.Kind))
        {
            var cheapest = group.MinBy(t => t.NsPerByte)!;
            var mine = group.FirstOrDefault(t => t.BatchBytes == w.BatchBytes);
            var chosen = KeptUnlessBeaten(mine, cheapest, margin);
            batchOf[group.Key] = chosen.BatchBytes;
            reasons.Add($"batch of {chosen.Choice.Label}: {BatchText(chosen.BatchBytes)} at {chosen.NsPerByte:F3} ns/B on a live stream" +
                        (mine is null || chosen == mine ? "" : $" against {BatchText(mine.BatchBytes)} at {mine.NsPerByte:F3}"));
        }
        if (measured.Count > 0 && batchOf.TryGetValue(measured[0].Kind, out int leadBatch)) batch = leadBatch;
        else if (batchOf.Count > 0) batch = batchOf.Values.First();
        for (int i = 0; i < measured.Count; i++)   // the measured kinds come first; the base's tail is left as it is
            if (batchOf.TryGetValue(measured[i].Kind, out int own) && own != batch)
                ordered[i] += "@" + BatchText(own);
        return new TunedValues(Size(WritePathKind.Buffered), Size(WritePathKind.Splice), Size(WritePathKind.Direct), batch, ordered, reasons);
    }

    /// <summary>The profile's own trial (<paramref name="mine"/>) unless the cheapest beats it by more than the margin.</summary>
    private static TrialResult KeptUnlessBeaten(TrialResult? mine, TrialResult cheapest, double margin) =>
        mine is not null && cheapest.NsPerByte > mine.NsPerByte * (1 - margin) ? mine : cheapest;

    private static string BatchText(int bytes) => bytes == 0 ? "off" : SizeText.Format(bytes);

    /// <summary>
    /// Each kind's bulk choice: its cheapest size, unless the profile's is within the switch margin of
    /// it (noise must not churn profiles). The live trials run on these (CalibrationRun).
    /// </summary>
    public static Dictionary<WritePathKind, TrialResult> BestPerKind(BoardProfile profile, IReadOnlyList<TrialResult> bulk, List<string>? reasons = null)
    {
        double margin = profile.Selector.SwitchMargin;
        var factory = new WritePathFactory(profile.WritePaths);
        var best = new Dictionary<WritePathKind, TrialResult>();
        foreach (var group in bulk.Where(t => t.Ok).GroupBy(t => t.Choice.Kind))
        {
            int current = factory.DefaultChoice(group.Key).SizeBytes;
            var cheapest = group.MinBy(t => t.NsPerByte)!;
            var mine = group.FirstOrDefault(t => t.Choice.SizeBytes == current);
            best[group.Key] = KeptUnlessBeaten(mine, cheapest, margin);
            reasons?.Add(best[group.Key] != mine
                ? $"{group.Key.Name()}: {cheapest.Choice.Label} at {cheapest.NsPerByte:F3} ns/B" + (mine is null ? "" : $" against {mine.Choice.Label} at {mine.NsPerByte:F3}")
                : cheapest == mine ? $"{group.Key.Name()}: {mine.Choice.Label} (the profile's) cheapest at {mine.NsPerByte:F3} ns/B"
                : $"{group.Key.Name()}: kept {mine.Choice.Label} at {mine.NsPerByte:F3} ns/B ({cheapest.Choice.Label} at {cheapest.NsPerByte:F3} is not {margin * 100:F0}% cheaper)");
        }
        return best;
    }
}
