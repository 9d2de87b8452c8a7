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

    /// <summary>"EROFS", not "errno 30": an operator reads the name in a log or an error body and can look it up.</summary>
    internal static string ErrnoName(int errno) =>
        (uint)errno < (uint)ErrnoNames.Length && ErrnoNames[errno] is { } name ? name : "errno " + errno;

    // Every value of include/uapi/asm-generic/errno-base.h and errno.h (Linux 6.x), indexed by value:
    // a file, socket or pipe call can return any of them (a FUSE or network filesystem passes on
    // whatever its server says). Aliases print their kernel name: EWOULDBLOCK is EAGAIN, EDEADLOCK
    // is EDEADLK, ENOTSUP is EOPNOTSUPP (glibc defines it so). 41 and 58 are unassigned there.
    // Values are pinned against glibc's in ErrnoNameTests.
    private static readonly string?[] ErrnoNames =
    [
        /*   0 */ null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        /*  10 */ "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
        /*  20 */ "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE",
        /*  30 */ "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY",
        /*  40 */ "ELOOP", null, "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH",
        /*  50 */ "ENOCSI", "EL2HLT", "EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", null, "EBFONT",
        /*  60 */ "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET", "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT",
        /*  70 */ "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC",
        /*  80 */ "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK", "EDESTADDRREQ",
        /*  90 */ "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL",
        /* 100 */ "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS",
        /* 110 */ "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL",
        /* 120 */ "EISNAM", "EREMOTEIO", "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED",
        /* 130 */ "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
    ];
}
