namespace Recd.WritePaths;

/// <summary>How a recording picks its write path: one fixed path, or "auto" (measured by the selector).</summary>
public readonly record struct PathPolicy(bool Auto, WritePathKind Kind)
{
    public static readonly PathPolicy AutoPolicy = new(true, WritePathKind.Buffered);

    public static implicit operator PathPolicy(WritePathKind kind) => new(false, kind);

    public override string ToString() => Auto ? "auto" : Kind.Name();

    public static bool TryParse(string? text, out PathPolicy policy)
    {
        if (text?.Trim().ToLowerInvariant() == "auto") { policy = AutoPolicy; return true; }
        bool ok = WritePathKinds.TryParse(text, out var kind);
        policy = kind;
        return ok;
    }
}
