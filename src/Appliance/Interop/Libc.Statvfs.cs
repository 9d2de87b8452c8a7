using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    /// <summary>struct statvfs on 64-bit Linux (x86_64 and aarch64 glibc/musl share it): eleven 8-byte fields, then spare.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct StatVfs
    {
        public ulong BlockSize, FragmentSize, Blocks, BlocksFree, BlocksAvailable, Files, FilesFree, FilesAvailable, FsId, Flags, NameMax;
        public fixed int Spare[6];
    }

    [LibraryImport(Name, EntryPoint = "statvfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int StatVfsCall(string path, StatVfs* buf);
}
