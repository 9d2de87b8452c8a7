using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    /// <summary>struct passwd: two pointers, then uid_t and gid_t (offsets 16 and 20 on every 64-bit Linux ABI).</summary>
    [LibraryImport(Name, EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial nint GetPwNam(string name);

    [LibraryImport(Name, EntryPoint = "geteuid")]
    internal static partial uint GetEUid();

    [LibraryImport(Name, EntryPoint = "getuid")]
    internal static partial uint GetUid();

    [LibraryImport(Name, EntryPoint = "setgroups", SetLastError = true)]
    internal static partial int SetGroups(nuint size, nint list);

    [LibraryImport(Name, EntryPoint = "setgid", SetLastError = true)]
    internal static partial int SetGid(uint gid);

    [LibraryImport(Name, EntryPoint = "setuid", SetLastError = true)]
    internal static partial int SetUid(uint uid);

    [LibraryImport(Name, EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int LChown(string path, uint uid, uint gid);
}
