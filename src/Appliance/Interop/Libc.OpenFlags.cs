using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// open(2) flags. Most are asm-generic, but O_DIRECT, O_DIRECTORY and O_NOFOLLOW move between
/// architectures (uapi asm/fcntl.h): x86_64 keeps the generic values, arm and arm64 swap them.
/// A constant copied from an x86_64 header silently means O_DIRECTORY on the board.
/// </summary>
internal static partial class Libc
{
    internal const int O_RDONLY = 0x0, O_WRONLY = 0x1, O_RDWR = 0x2;
    internal const int O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_APPEND = 0x400;
    internal const int O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;

    internal static readonly int O_DIRECT = DirectFlagFor(RuntimeInformation.ProcessArchitecture);
    internal static readonly int O_DIRECTORY = DirectoryFlagFor(RuntimeInformation.ProcessArchitecture);
    internal static readonly int O_NOFOLLOW = NoFollowFlagFor(RuntimeInformation.ProcessArchitecture);

    internal static int DirectFlagFor(Architecture arch) => arch switch
    {
        Architecture.X64 or Architecture.X86 => 0x4000,
        Architecture.Arm64 or Architecture.Arm => 0x10000,
        _ => throw new PlatformNotSupportedException("O_DIRECT value unknown for " + arch),
    };

    internal static int DirectoryFlagFor(Architecture arch) => arch switch
    {
        Architecture.X64 or Architecture.X86 => 0x10000,
        Architecture.Arm64 or Architecture.Arm => 0x4000,
        _ => throw new PlatformNotSupportedException("O_DIRECTORY value unknown for " + arch),
    };

    internal static int NoFollowFlagFor(Architecture arch) => arch switch
    {
        Architecture.X64 or Architecture.X86 => 0x20000,
        Architecture.Arm64 or Architecture.Arm => 0x8000,
        _ => throw new PlatformNotSupportedException("O_NOFOLLOW value unknown for " + arch),
    };
}
