using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// Thin libc bindings, one call family per file (as dotnet/runtime's Interop/Unix does).
/// Methods return the raw result; errno is read once, right after the call, by the caller
/// through <see cref="Marshal.GetLastPInvokeError"/>. Nothing in this folder throws.
/// </summary>
internal static partial class Libc
{
    internal const string Name = "libc";

    // asm-generic errno values: identical on x86_64, arm64 and arm (MIPS differs; .NET has no MIPS target).
    internal const int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EEXIST = 17, EINVAL = 22, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EPIPE = 32, ENOSYS = 38,
        EOPNOTSUPP = 95, ECONNRESET = 104, ETIMEDOUT = 110, EDQUOT = 122;

    /// <summary>errno of the last failed call on this thread; call right after it.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    internal static string ErrnoName(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", EINTR => "EINTR", EIO => "EIO", EBADF => "EBADF",
        EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EEXIST => "EEXIST", EINVAL => "EINVAL",
        EFBIG => "EFBIG", ENOSPC => "ENOSPC", ESPIPE => "ESPIPE", EPIPE => "EPIPE",
        ENOSYS => "ENOSYS", EOPNOTSUPP => "EOPNOTSUPP", ECONNRESET => "ECONNRESET",
        ETIMEDOUT => "ETIMEDOUT", EDQUOT => "EDQUOT", _ => "errno " + errno,
    };
}
