using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    // Common to every Linux architecture (include/linux/splice.h, uapi fcntl.h F_LINUX_SPECIFIC_BASE + 7/8).
    internal const uint SPLICE_F_MOVE = 1, SPLICE_F_NONBLOCK = 2, SPLICE_F_MORE = 4;
    internal const int F_GETFL = 3, F_SETFL = 4, F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;

    /// <summary>loff_t is 64-bit everywhere and size_t is pointer-sized: pinned in the signature.</summary>
    [LibraryImport(Name, EntryPoint = "splice", SetLastError = true)]
    internal static unsafe partial nint Splice(int fdIn, long* offIn, int fdOut, long* offOut, nuint len, uint flags);

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);
}
