using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "sendfile64", SetLastError = true)]
    internal static unsafe partial nint SendFile(int outFd, int inFd, long* offset, nuint count);
}
