using System.Globalization;

namespace Recd.BoardIo;

/// <summary>
/// What the 4-digit panel says on each page. Pure, so tests can state the exact text. Each page is
/// formatted into a caller's span (the board thread renders without allocating; it makes a string
/// only when the text differs from the page's last one); the string forms are for tests and tools.
/// </summary>
public static class PanelText
{
    /// <summary>The longest text a page formats (a 4-digit panel's "47°C" is 4 chars, "-12C" too).</summary>
    public const int MaxLength = 8;

    /// <summary>"r  2": recordings being written now.</summary>
    public static string Recordings(int active) => Text(Recordings(active, stackalloc char[MaxLength]));

    /// <summary>Free space: "931G" under 1000 GiB, "1.8t" / " 12t" in TiB above; "----" when unknown.</summary>
    public static string Free(long? availableBytes) => Text(Free(availableBytes, stackalloc char[MaxLength]));

    /// <summary>"47°C"; "---C" when the sensor is unknown.</summary>
    public static string Temperature(double? celsius) => Text(Temperature(celsius, stackalloc char[MaxLength]));

    public static ReadOnlySpan<char> Recordings(int active, Span<char> into)
    {
        into[0] = 'r';
        return into[..(1 + Padded(Math.Clamp(active, 0, 999), 3, into[1..]))];
    }

    public static ReadOnlySpan<char> Free(long? availableBytes, Span<char> into)
    {
        if (availableBytes is not { } bytes || bytes < 0) return Literal("----", into);
        long gib = bytes >> 30;
        int n;
        if (gib < 1000) n = Padded(gib, 3, into);
        else
        {
            double tib = bytes / (double)(1L << 40);
            // Truncated, not rounded: the panel must never promise space the disk does not have.
            if (tib < 10) (Math.Floor(tib * 10) / 10).TryFormat(into, out n, "0.0", CultureInfo.InvariantCulture);
            else n = Padded(Math.Min((long)tib, 999), 3, into);
        }
        into[n] = gib < 1000 ? 'G' : 't';
        return into[..(n + 1)];
    }

    public static ReadOnlySpan<char> Temperature(double? celsius, Span<char> into)
    {
        if (celsius is not { } c) return Literal("---C", into);
        int t = (int)Math.Round(c);
        if (t is >= 0 and <= 99)
        {
            int n = Padded(t, 2, into);
            "°C".CopyTo(into[n..]);
            return into[..(n + 2)];
        }
        int m = Padded(Math.Clamp(t, -99, 999), 3, into);
        into[m] = 'C';
        return into[..(m + 1)];
    }

    /// <summary>value right-aligned in width characters (wider values take what they need), as PadLeft does.</summary>
    private static int Padded(long value, int width, Span<char> into)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out int n, provider: CultureInfo.InvariantCulture);
        int pad = Math.Max(0, width - n);
        into[..pad].Fill(' ');
        digits[..n].CopyTo(into[pad..]);
        return pad + n;
    }

    private static ReadOnlySpan<char> Literal(string text, Span<char> into)
    {
        text.CopyTo(into);
        return into[..text.Length];
    }

    private static string Text(ReadOnlySpan<char> text) => new(text);
}
