namespace Recd.WritePaths;

/// <summary>Byte sizes as people write them in profiles and labels: 65536 -> "64K", 1048576 -> "1M".</summary>
public static class SizeText
{
    public static string Format(long bytes) =>
        bytes % (1 << 20) == 0 ? (bytes >> 20) + "M" :
        bytes % (1 << 10) == 0 ? (bytes >> 10) + "K" : bytes.ToString();
}
