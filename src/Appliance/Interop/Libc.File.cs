using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags, uint mode);

    /// <summary>Never retried on EINTR: on Linux the fd is gone either way (close(2) NOTES).</summary>
    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buf, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buf, nuint count);

    [LibraryImport(Name, EntryPoint = "pwrite64", SetLastError = true)]
    internal static unsafe partial nint PWrite(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(Name, EntryPoint = "pread64", SetLastError = true)]
    internal static unsafe partial nint PRead(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(Name, EntryPoint = "ftruncate64", SetLastError = true)]
    internal static partial int FTruncate(int fd, long length);

    [LibraryImport(Name, EntryPoint = "fdatasync", SetLastError = true)]
    internal static partial int FDataSync(int fd);

    [LibraryImport(Name, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int FSync(int fd);
}

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Rename(string oldPath, string newPath);

    [LibraryImport(Name, EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Unlink(string path);
}
