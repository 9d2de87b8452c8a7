using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// Pseudo-terminals, the POSIX way (posix_openpt, grantpt, unlockpt, ptsname_r): all in glibc's libc.so
/// since 2.34, so they link under NativeAOT and in tests without libutil's openpty.
/// </summary>
internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "posix_openpt", SetLastError = true)]
    internal static partial int PosixOpenPt(int flags);

    [LibraryImport(Name, EntryPoint = "grantpt", SetLastError = true)]
    internal static partial int GrantPt(int fd);

    [LibraryImport(Name, EntryPoint = "unlockpt", SetLastError = true)]
    internal static partial int UnlockPt(int fd);

    [LibraryImport(Name, EntryPoint = "ptsname_r", SetLastError = true)]
    internal static unsafe partial int PtsNameR(int fd, byte* buf, nuint len);

    /// <summary>Opens a master and returns its slave's path; -1 and the errno on failure.</summary>
    internal static unsafe int OpenPtyMaster(out string slavePath, out int errno)
    {
        slavePath = "";
        errno = 0;
        int fd = PosixOpenPt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) { errno = LastErrno; return -1; }
        byte* name = stackalloc byte[128];
        if (GrantPt(fd) != 0 || UnlockPt(fd) != 0) { errno = LastErrno; Close(fd); return -1; }
        int r = PtsNameR(fd, name, 128);
        if (r != 0) { errno = r; Close(fd); return -1; } // ptsname_r returns the error number itself
        slavePath = Marshal.PtrToStringUTF8((nint)name) ?? "";
        return fd;
    }
}
