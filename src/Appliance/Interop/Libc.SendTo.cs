using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>Unix datagram sockets: the systemd notify socket and /dev/log.</summary>
internal static partial class Libc
{
    internal const int SOCK_DGRAM = 2;

    [LibraryImport(Name, EntryPoint = "sendto", SetLastError = true)]
    internal static unsafe partial nint SendTo(int fd, byte* buf, nuint len, int flags, byte* addr, uint addrLen);

    /// <summary>
    /// Fills a sockaddr_un and returns the length to pass with it, or 0 if the name does not fit.
    /// A leading '@' names the abstract namespace (unix(7)): the '@' becomes a NUL and the length
    /// covers the name exactly, with no terminator, because every byte of an abstract name counts.
    /// </summary>
    internal static unsafe uint WriteUnixAddressAllowingAbstract(string name, byte* sa)
    {
        if (!name.StartsWith('@')) return WriteUnixAddress(name, sa) ? (uint)SockAddrUnSize : 0;
        new Span<byte>(sa, SockAddrUnSize).Clear();
        int n = System.Text.Encoding.UTF8.GetByteCount(name.AsSpan(1));
        if (n == 0 || n > 107) return 0;
        *(ushort*)sa = AF_UNIX;
        System.Text.Encoding.UTF8.GetBytes(name.AsSpan(1), new Span<byte>(sa + 3, 107));
        return (uint)(2 + 1 + n);
    }
}
