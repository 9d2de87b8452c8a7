using Recd.Interop;

namespace Recd.Recordings;

/// <summary>
/// Asks the storage mount once, at start, whether O_DIRECT works: open a probe file with O_DIRECT and
/// write one aligned block. tmpfs before 6.6, jffs2, some FUSE and network filesystems refuse.
/// </summary>
public static unsafe class DirectProbe
{
    /// <summary>null when O_DIRECT works in <paramref name="dir"/>, else why not.</summary>
    public static string? WhyUnavailable(string dir)
    {
        string path = Path.Combine(dir, ".direct-probe");
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_DIRECT | Libc.O_CLOEXEC, 0x180 /* 0600 */);
        if (fd < 0) return "open with O_DIRECT: " + Libc.ErrnoName(Libc.LastErrno);
        try
        {
            using var block = new WritePaths.NativeBuffer(WritePaths.NativeBuffer.Alignment);
            block.Span.Clear();
            nint n = Libc.PWrite(fd, block.Pointer, (nuint)block.Size, 0);
            return n == block.Size ? null : "O_DIRECT write: " + (n < 0 ? Libc.ErrnoName(Libc.LastErrno) : "short write");
        }
        finally
        {
            Libc.Close(fd);
            Libc.Unlink(path);
        }
    }
}
