using Recd.Interop;

namespace Recd.Platform;

/// <summary>Space on the storage filesystem, as an unprivileged writer sees it (f_bavail).</summary>
public readonly record struct FreeSpace(long AvailableBytes, long TotalBytes)
{
    public static unsafe FreeSpace? Of(string path)
    {
        Libc.StatVfs st;
        if (Libc.StatVfsCall(path, &st) != 0) return null;
        long unit = (long)(st.FragmentSize != 0 ? st.FragmentSize : st.BlockSize);
        return new FreeSpace((long)st.BlocksAvailable * unit, (long)st.Blocks * unit);
    }
}
