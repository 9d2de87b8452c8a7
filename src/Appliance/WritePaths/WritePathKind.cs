namespace Recd.WritePaths;

public enum WritePathKind { Buffered, Splice, Direct }

public static class WritePathKinds
{
    public static string Name(this WritePathKind kind) => kind switch
    {
        WritePathKind.Buffered => "buffered",
        WritePathKind.Splice => "splice",
        WritePathKind.Direct => "direct",
        _ => "unknown",
    };

    public static bool TryParse(string? text, out WritePathKind kind)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "buffered": kind = WritePathKind.Buffered; return true;
            case "splice": kind = WritePathKind.Splice; return true;
            case "direct": kind = WritePathKind.Direct; return true;
            default: kind = WritePathKind.Buffered; return false;
        }
    }
}
