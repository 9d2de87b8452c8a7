using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    internal const int POSIX_FADV_DONTNEED = 4;

    internal const uint SYNC_FILE_RANGE_WAIT_BEFORE = 1, SYNC_FILE_RANGE_WRITE = 2, SYNC_FILE_RANGE_WAIT_AFTER = 4;

    /// <summary>Returns the error number itself (not -1/errno), as POSIX specifies.</summary>
    [LibraryImport(Name, EntryPoint = "posix_fadvise64")]
    internal static partial int PosixFadvise(int fd, long offset, long len, int advice);

    [LibraryImport(Name, EntryPoint = "sync_file_range", SetLastError = true)]
    internal static partial int SyncFileRange(int fd, long offset, long nbytes, uint flags);
}
