using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// Raw BSD sockets. recd does not use System.Net.Sockets for the data path: the request body must
/// stay a plain blocking fd that splice(2) can read, with SO_RCVTIMEO bounding every wait.
/// Values are the asm-generic ones shared by x86_64, arm64 and arm.
/// </summary>
internal static partial class Libc
{
    internal const int AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_RCVBUF = 8, SO_LINGER = 13,
        SO_RCVTIMEO = 20, SO_SNDTIMEO = 21;
    internal const int IPPROTO_TCP = 6, TCP_NODELAY = 1, IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    internal const int MSG_NOSIGNAL = 0x4000, MSG_DONTWAIT = 0x40, MSG_PEEK = 0x2;
    internal const int SHUT_WR = 1, SHUT_RDWR = 2;

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct Linger
    {
        public int OnOff;
        public int Seconds;
    }

    [LibraryImport(Name, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Name, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, uint len);

    [LibraryImport(Name, EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(int fd, byte* addr, uint len);

    [LibraryImport(Name, EntryPoint = "listen", SetLastError = true)]
    internal static partial int Listen(int fd, int backlog);

    [LibraryImport(Name, EntryPoint = "accept4", SetLastError = true)]
    internal static unsafe partial int Accept4(int fd, byte* addr, uint* len, int flags);

    [LibraryImport(Name, EntryPoint = "getsockname", SetLastError = true)]
    internal static unsafe partial int GetSockName(int fd, byte* addr, uint* len);

    [LibraryImport(Name, EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Name, EntryPoint = "send", SetLastError = true)]
    internal static unsafe partial nint Send(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Name, EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    internal static unsafe int SetIntOption(int fd, int level, int name, int value)
        => SetSockOpt(fd, level, name, &value, sizeof(int));

    internal static unsafe int SetTimeout(int fd, int name, TimeSpan timeout)
    {
        var tv = new TimeVal
        {
            Seconds = (long)timeout.TotalSeconds,
            Microseconds = (long)(timeout.TotalMicroseconds % 1_000_000),
        };
        return SetSockOpt(fd, SOL_SOCKET, name, &tv, (uint)sizeof(TimeVal));
    }
}

internal static partial class Libc
{
    /// <summary>FIONREAD / SIOCINQ: bytes waiting in a socket's receive queue (asm-generic 0x541B; MIPS differs).</summary>
    internal const nuint FIONREAD = 0x541B;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, int* arg);

    internal static unsafe int QueuedBytes(int fd)
    {
        int n = 0;
        return Ioctl(fd, FIONREAD, &n) == 0 ? n : -1;
    }
}

internal static partial class Libc
{
    internal const int AF_UNIX = 1;

    /// <summary>sizeof(struct sockaddr_un): sa_family_t + 108 bytes of path, on every Linux ABI.</summary>
    internal const int SockAddrUnSize = 110;

    [LibraryImport(Name, EntryPoint = "connect", SetLastError = true)]
    internal static unsafe partial int Connect(int fd, byte* addr, uint len);

    [LibraryImport(Name, EntryPoint = "chmod", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Chmod(string path, uint mode);

    [LibraryImport(Name, EntryPoint = "umask")]
    internal static partial uint Umask(uint mask);

    /// <summary>Fills a sockaddr_un; false if the path does not fit (107 bytes + NUL).</summary>
    internal static unsafe bool WriteUnixAddress(string path, byte* sa)
    {
        new Span<byte>(sa, SockAddrUnSize).Clear();
        int n = System.Text.Encoding.UTF8.GetByteCount(path);
        if (n == 0 || n > 107) return false;
        *(ushort*)sa = AF_UNIX;
        System.Text.Encoding.UTF8.GetBytes(path, new Span<byte>(sa + 2, 107));
        return true;
    }
}
