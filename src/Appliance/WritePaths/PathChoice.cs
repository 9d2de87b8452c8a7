namespace Recd.WritePaths;

/// <summary>A write path with its size parameter: "buffered/256K", "splice/1M", "direct/4M".</summary>
public readonly record struct PathChoice(WritePathKind Kind, int SizeBytes)
{
    public string Label => Kind.Name() + "/" + SizeText.Format(SizeBytes);

    public override string ToString() => Label;

    /// <summary>Parses "kind[/size]" where size is bytes or a K/M suffix; a missing size takes <paramref name="defaults"/>'.</summary>
    public static bool TryParse(string? text, WritePathOptions defaults, out PathChoice choice)
    {
        choice = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split('/', 2);
        if (!WritePathKinds.TryParse(parts[0], out var kind)) return false;
        int size = kind switch
        {
            WritePathKind.Splice => defaults.PipeBytes,
            WritePathKind.Direct => defaults.DirectBufferBytes,
            _ => defaults.BufferBytes,
        };
        if (parts.Length == 2 && !SizeText.TryParse(parts[1], out size)) return false;
        if (size < 4096 || size > 64 << 20) return false;
        if (kind != WritePathKind.Splice && size % 4096 != 0) return false;
        choice = new PathChoice(kind, size);
        return true;
    }
}
