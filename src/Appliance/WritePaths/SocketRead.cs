using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>Shared socket-side step of the copying paths: one recv(2) with its outcome.</summary>
internal static class SocketRead
{
    /// <summary>
    /// Returns bytes read (> 0), or 0 with <paramref name="status"/> set: EOF is PeerClosed; EAGAIN on a
    /// blocking socket means SO_RCVTIMEO expired (TimedOut).
    /// </summary>
    public static unsafe int Recv(int socketFd, byte* buffer, int want, out MoveStatus status, out int errno)
    {
        status = MoveStatus.Completed;
        errno = 0;
        while (true)
        {
            nint n = Libc.Recv(socketFd, buffer, (nuint)want, 0);
            if (n > 0) return (int)n;
            if (n == 0) { status = MoveStatus.PeerClosed; return 0; }
            errno = Libc.LastErrno;
            if (errno == Libc.EINTR) continue;
            status = errno == Libc.EAGAIN ? MoveStatus.TimedOut : MoveStatus.SocketFailed;
            return 0;
        }
    }
}
