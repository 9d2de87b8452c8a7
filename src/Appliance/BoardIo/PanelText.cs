namespace Recd.BoardIo;

/// <summary>What the 4-digit panel says on each page. Pure, so tests can state the exact text.</summary>
public static class PanelText
{
    /// <summary>"r  2": recordings being written now.</summary>
    public static string Recordings(int active) => "r" + Math.Clamp(active, 0, 999).ToString().PadLeft(3);

    /// <summary>Free space: "931G" under 1000 GiB, "1.8t" / " 12t" in TiB above; "----" when unknown.</summary>
    public static string Free(long? availableBytes)
    {
        if (availableBytes is not { } bytes || bytes < 0) return "----";
        long gib = bytes >> 30;
        if (gib < 1000) return gib.ToString().PadLeft(3) + "G";
        double tib = bytes / (double)(1L << 40);
        // Truncated, not rounded: the panel must never promise space the disk does not have.
        return tib < 10 ? (Math.Floor(tib * 10) / 10).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "t"
                        : Math.Min((long)tib, 999).ToString().PadLeft(3) + "t";
    }

    /// <summary>"47°C"; "---C" when the sensor is unknown.</summary>
    public static string Temperature(double? celsius)
    {
        if (celsius is not { } c) return "---C";
        int t = (int)Math.Round(c);
        return t is >= 0 and <= 99 ? t.ToString().PadLeft(2) + "°C" : Math.Clamp(t, -99, 999).ToString().PadLeft(3) + "C";
    }
}
