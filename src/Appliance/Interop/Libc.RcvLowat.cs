namespace Recd.Interop;

internal static partial class Libc
{
    /// <summary>
    /// SO_RCVLOWAT (asm-generic 18: x86_64, arm, arm64): poll(2) reports a TCP socket readable only
    /// once this many bytes are queued (or EOF, or an error); tcp_poll honours it since Linux 2.6.
    /// </summary>
    internal const int SO_RCVLOWAT = 18;
}
