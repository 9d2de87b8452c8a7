namespace Recd.WritePaths;

/// <summary>
/// How a recording picks its write path: "auto" (measured by the selector), or one fixed path: a kind
/// with the profile's size and batch, or a whole candidate (<see cref="Choice"/>: "direct/4M@1M", a
/// batch of its own on a fixed path, as the selector's candidates have).
/// </summary>
public readonly record struct PathPolicy(bool Auto, WritePathKind Kind, PathChoice? Choice = null)
{
    public static readonly PathPolicy AutoPolicy = new(true, WritePathKind.Buffered);

    public static implicit operator PathPolicy(WritePathKind kind) => new(false, kind);

    public override string ToString() => Auto ? "auto" : Choice?.Label ?? Kind.Name();

    /// <summary>"auto", "buffered", "splice" or "direct" (the profile's default and the shell's "path set").</summary>
    public static bool TryParse(string? text, out PathPolicy policy)
    {
        if (text?.Trim().ToLowerInvariant() == "auto") { policy = AutoPolicy; return true; }
        bool ok = WritePathKinds.TryParse(text, out var kind);
        policy = kind;
        return ok;
    }

    /// <summary>
    /// A request's ?path=: "auto", a kind, or "kind[/size][@batch]" parsed against the profile's
    /// <paramref name="defaults"/> (<see cref="PathChoice.TryParse(string?, WritePathOptions, out PathChoice, out string)"/>);
    /// false with the reason in <paramref name="why"/>.
    /// </summary>
    public static bool TryParse(string? text, WritePathOptions defaults, out PathPolicy policy, out string why)
    {
        why = "";
        if (TryParse(text, out policy)) return true;
        if (!PathChoice.TryParse(text, defaults, out var choice, out why)) return false;
        policy = new PathPolicy(false, choice.Kind, choice);
        return true;
    }
}
