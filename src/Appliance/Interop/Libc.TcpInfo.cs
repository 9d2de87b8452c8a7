using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// getsockopt(TCP_INFO) and the socket queue ioctls: how far a connection has really got, read by
/// the kernel, so the rate monitor needs nothing from the data path. struct tcp_info is the same on
/// x86_64, arm64 and arm (only u8/u32/u64 fields, naturally aligned; include/uapi/linux/tcp.h).
/// </summary>
internal static partial class Libc
{
    internal const int TCP_INFO = 11;

    /// <summary>tcpi_bytes_acked (Linux 4.1): bytes of ours the peer has acknowledged (RFC 4898 tcpEStatsAppHCThruOctetsAcked).</summary>
    internal const int TcpInfoBytesAckedOffset = 120;

    /// <summary>tcpi_bytes_received (Linux 4.1): bytes from the peer the kernel accepted (RFC 4898 tcpEStatsAppHCThruOctetsReceived).</summary>
    internal const int TcpInfoBytesReceivedOffset = 128;

    /// <summary>Bytes of struct tcp_info read: through tcpi_bytes_received; a kernel that returns fewer is older than 4.1.</summary>
    internal const int TcpInfoReadBytes = 136;

    /// <summary>SIOCOUTQ (= TIOCOUTQ, asm-generic 0x5411): bytes in the send queue not yet acknowledged. SIOCINQ is FIONREAD.</summary>
    internal const nuint SIOCOUTQ = 0x5411;

    [LibraryImport(Name, EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, uint* len);
}
