namespace Recd.Ingest;

/// <summary>
/// Ranges in the two directions: "Content-Range: bytes START-END/TOTAL|*" on a resuming PUT, and
/// "Range: bytes=A-B | A- | -N" on GET (a single range; anything else is ignored, as RFC 9110 14.2 allows).
/// </summary>
public static class ContentRangeHeader
{
    /// <summary>Parses a PUT's Content-Range; <paramref name="end"/> is inclusive.</summary>
    public static bool TryParseUpload(string value, out long start, out long end)
    {
        start = end = -1;
        // Range units are case-insensitive (RFC 9110 14.1).
        if (!value.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase)) return false;
        var spec = value.AsSpan(6).Trim();
        int slash = spec.IndexOf('/');
        if (slash < 0) return false;
        var total = spec[(slash + 1)..];
        long complete = -1;
        if (total is not "*" && !TryParsePosition(total, out complete)) return false;
        var range = spec[..slash];
        int dash = range.IndexOf('-');
        if (dash <= 0) return false;
        if (!TryParsePosition(range[..dash], out start) || !TryParsePosition(range[(dash + 1)..], out end)) return false;
        // RFC 9110 14.4: a complete-length not beyond last-pos makes the field invalid.
        return end >= start && (complete < 0 || complete > end);
    }

    /// <summary>
    /// Resolves a GET Range against a length. Returns false when the header should be ignored
    /// (absent, malformed, several ranges); <paramref name="satisfiable"/> false means 416.
    /// </summary>
    public static bool TryResolve(string? value, long length, out long first, out long last, out bool satisfiable)
    {
        first = last = 0;
        satisfiable = true;
        if (value is null || !value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return false;
        var spec = value.AsSpan(6).Trim();
        if (spec.IndexOf(',') >= 0) return false;
        int dash = spec.IndexOf('-');
        if (dash < 0) return false;
        var a = spec[..dash].Trim();
        var b = spec[(dash + 1)..].Trim();
        if (a.IsEmpty)
        {
            if (!TryParsePosition(b, out long suffix)) return false;
            if (suffix == 0 || length == 0) { satisfiable = false; return true; }
            first = Math.Max(0, length - suffix);
            last = length - 1;
            return true;
        }
        if (!TryParsePosition(a, out first)) return false;
        if (b.IsEmpty) last = length - 1;
        else if (!TryParsePosition(b, out last) || last < first) return false;
        if (first >= length) { satisfiable = false; return true; }
        last = Math.Min(last, length - 1);
        return true;
    }

    /// <summary>A byte position as a Range header spells it: 1-18 ASCII digits, nothing else (no sign, no spaces).</summary>
    internal static bool TryParsePosition(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18) return false;
        foreach (char c in s)
        {
            if (c < '0' || c > '9') return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
