namespace Recd.BoardIo;

/// <summary>
/// Text -> TM1637 segment bytes (bit 0 = a ... bit 6 = g, bit 7 = the dot, as the TM1637 datasheet
/// and Iot.Device.Tm16xx document). Only what the panel says is here; a '.' lights the previous position's dot.
/// </summary>
public static class SegmentFont
{
    public const int Positions = 4;

    public static byte Of(char c) => c switch
    {
        '0' => 0x3F, '1' => 0x06, '2' => 0x5B, '3' => 0x4F, '4' => 0x66,
        '5' => 0x6D, '6' => 0x7D, '7' => 0x07, '8' => 0x7F, '9' => 0x6F,
        '-' => 0x40, 'r' => 0x50, 'G' => 0x3D, 't' => 0x78, 'C' => 0x39, 'E' => 0x79,
        '°' => 0x63,
        _ => 0x00,
    };

    /// <summary>Segments for the 4 positions, the text right-aligned (dots take no position).</summary>
    public static byte[] Encode(string text)
    {
        var cells = new List<byte>(Positions + 2);
        foreach (char c in text)
        {
            if (c == '.' && cells.Count > 0) cells[^1] |= 0x80;
            else cells.Add(Of(c));
        }
        var result = new byte[Positions];
        int skip = Math.Max(0, cells.Count - Positions);
        int pad = Math.Max(0, Positions - cells.Count);
        for (int i = 0; i + skip < cells.Count; i++) result[pad + i] = cells[skip + i];
        return result;
    }
}
