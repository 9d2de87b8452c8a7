namespace Recd.WritePaths;

/// <summary>Byte sizes as people write them in profiles and labels: 65536 -> "64K", 1048576 -> "1M".</summary>
public static class SizeText
{
    public static string Format(long bytes) =>
        bytes % (1 << 20) == 0 ? (bytes >> 20) + "M" :
        bytes % (1 << 10) == 0 ? (bytes >> 10) + "K" : bytes.ToString();

    public static bool TryParse(string text, out int bytes)
    {
        bytes = 0;
        text = text.Trim();
        int shift = 0;
        if (text.EndsWith('K') || text.EndsWith('k')) shift = 10;
        else if (text.EndsWith('M') || text.EndsWith('m')) shift = 20;
        if (shift != 0) text = text[..^1];
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, null, out long n)) return false;
        n <<= shift;
        if (n <= 0 || n > int.MaxValue) return false;
        bytes = (int)n;
        return true;
    }
}
