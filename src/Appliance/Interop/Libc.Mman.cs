using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// mmap(2)/munmap(2) of anonymous memory for the path buffers. Not malloc: glibc raises its mmap
/// threshold to the size of every mmapped chunk freed, so once a 4 MiB buffer was given back, the
/// next ones came from the heap and their pages stayed resident after free (16 direct uploads
/// peaked at 42 MiB RSS, 25 MiB with the threshold pinned). PROT_* and MAP_PRIVATE/MAP_ANONYMOUS
/// have the asm-generic values on x86_64, arm and arm64 (MIPS differs: no .NET runtime there).
/// </summary>
internal static partial class Libc
{
    internal const int PROT_READ = 0x1, PROT_WRITE = 0x2;
    internal const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
    internal static readonly nint MAP_FAILED = -1;

    [LibraryImport(Name, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Name, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint addr, nuint length);
}
