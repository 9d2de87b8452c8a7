using System.Security.Cryptography;

namespace Recd.Tests.Support;

/// <summary>
/// Deterministic test bytes that are not page-periodic: byte i depends on i through a 64-bit mix,
/// so a dropped, duplicated or misplaced block (of any size) changes the hash.
/// </summary>
public static class Pattern
{
    public static void Fill(Span<byte> dest, long offset, ulong seed = 1)
    {
        for (int i = 0; i < dest.Length; i++)
        {
            ulong x = (ulong)(offset + i) * 0x9E3779B97F4A7C15UL ^ seed * 0xD1B54A32D192ED03UL;
            x ^= x >> 29;
            x *= 0xBF58476D1CE4E5B9UL;
            x ^= x >> 32;
            dest[i] = (byte)x;
        }
    }

    public static byte[] Bytes(long length, ulong seed = 1)
    {
        var b = new byte[length];
        Fill(b, 0, seed);
        return b;
    }

    public static string Sha256(long length, ulong seed = 1)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 20];
        for (long off = 0; off < length; off += buf.Length)
        {
            int n = (int)Math.Min(buf.Length, length - off);
            Fill(buf.AsSpan(0, n), off, seed);
            h.AppendData(buf, 0, n);
        }
        return Convert.ToHexString(h.GetHashAndReset());
    }

    public static string FileSha256(string path, long? length = null)
    {
        using var f = File.OpenRead(path);
        if (length is null) return Convert.ToHexString(SHA256.HashData(f));
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 20];
        long left = length.Value;
        while (left > 0)
        {
            int n = f.Read(buf, 0, (int)Math.Min(buf.Length, left));
            if (n == 0) break;
            h.AppendData(buf, 0, n);
            left -= n;
        }
        return Convert.ToHexString(h.GetHashAndReset());
    }
}
