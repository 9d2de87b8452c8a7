namespace Recd.WritePaths;

/// <summary>
/// A write-path candidate: its kind, its size parameter and its batch. "buffered/256K", "splice/1M",
/// "direct/4M" batch as the profile says (WritePaths:BatchBytes) and keep the labels they always had;
/// "splice/1M@64K" and "direct/4M@off" name their own batch, so the selector can explore batches
/// as it explores sizes (two candidates differing only in batch have two labels, two learned costs).
/// </summary>
public readonly record struct PathChoice(WritePathKind Kind, int SizeBytes, BatchPart Batch = default)
{
    public string Label => Kind.Name() + "/" + SizeText.Format(SizeBytes) + Batch.Suffix;

    public override string ToString() => Label;

    /// <summary>Parses "kind[/size][@batch]" (see <see cref="TryParse(string?, WritePathOptions, out PathChoice, out string)"/>).</summary>
    public static bool TryParse(string? text, WritePathOptions defaults, out PathChoice choice) =>
        TryParse(text, defaults, out choice, out _);

    /// <summary>
    /// Parses "kind[/size][@batch]": size is bytes or a K/M suffix, a missing size takes
    /// <paramref name="defaults"/>'; batch is "off" or a size, at most <see cref="WritePathOptions.BatchLimitBytes()"/>.
    /// A batch equal to the profile's is the profile's (one label for one setting: "splice/1M@256K"
    /// on a 256 KiB profile is "splice/1M", whose learned costs it shares). False with the reason in
    /// <paramref name="why"/>, for the start-up error.
    /// </summary>
    public static bool TryParse(string? text, WritePathOptions defaults, out PathChoice choice, out string why)
    {
        choice = default;
        why = "";
        if (string.IsNullOrWhiteSpace(text)) { why = "empty"; return false; }
        var at = text.Trim().Split('@');
        if (at.Length > 2) { why = "more than one '@'"; return false; }
        var parts = at[0].Split('/', 2);
        if (!WritePathKinds.TryParse(parts[0], out var kind)) { why = $"'{parts[0]}' is not buffered, splice or direct"; return false; }
        int size = kind switch
        {
            WritePathKind.Splice => defaults.PipeBytes,
            WritePathKind.Direct => defaults.DirectBufferBytes,
            _ => defaults.BufferBytes,
        };
        if (parts.Length == 2 && !SizeText.TryParse(parts[1], out size)) { why = $"size '{parts[1]}' is not bytes or a K/M size"; return false; }
        if (size < 4096 || size > 64 << 20) { why = "size must be 4K..64M"; return false; }
        if (kind != WritePathKind.Splice && size % 4096 != 0) { why = "size must be a multiple of 4096"; return false; }
        var batch = BatchPart.Profile;
        if (at.Length == 2)
        {
            if (!BatchPart.TryParse(at[1], out batch)) { why = $"batch '{at[1]}' is not 'off' or a K/M size"; return false; }
            int limit = defaults.BatchLimitBytes();
            if (batch.Bytes > limit)
            {
                why = $"batch {SizeText.Format(batch.Bytes)} above {SizeText.Format(limit)}" + (defaults.ReceiveBufferBytes > 0
                    ? $" (half of WritePaths:ReceiveBufferBytes {SizeText.Format(defaults.ReceiveBufferBytes)}: SO_RCVLOWAT could never be met)"
                    : " (WritePaths:BatchBytes' limit)");
                return false;
            }
            if (batch.Resolve(defaults) == defaults.BatchBytes) batch = BatchPart.Profile;
        }
        choice = new PathChoice(kind, size, batch);
        return true;
    }
}
