using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>Shared socket-side step of the copying paths: one recv(2) with its outcome.</summary>
internal static class SocketRead
{
    /// <summary>
    /// Returns bytes read (> 0), or 0 with <paramref name="status"/> set: EOF is PeerClosed; EAGAIN on a
    /// blocking socket means SO_RCVTIMEO expired (TimedOut); with a <paramref name="batch"/>, Due when
    /// the latency bound passed with nothing queued.
    /// </summary>
    public static unsafe int Recv(int socketFd, byte* buffer, int want, SocketBatch? batch, out MoveStatus status, out int errno)
    {
        status = MoveStatus.Completed;
        errno = 0;
        while (true)
        {
            if (batch is not null && !batch.WaitReadable(socketFd, want)) { status = MoveStatus.Due; return 0; }
            nint n = Libc.Recv(socketFd, buffer, (nuint)want, batch is null ? 0 : Libc.MSG_DONTWAIT);
            if (n > 0) { batch?.Read(n, want); return (int)n; }
            if (n == 0) { status = MoveStatus.PeerClosed; return 0; }
            errno = Libc.LastErrno;
            if (errno == Libc.EINTR) continue;
            if (errno == Libc.EAGAIN && batch is not null)
            {
                // Drained: wait for the next batch, unless the bound has come (then the Move returns).
                batch.Read(0, want);
                if (batch.Overdue) { status = MoveStatus.Due; errno = 0; return 0; }
                continue;
            }
            status = errno == Libc.EAGAIN ? MoveStatus.TimedOut : MoveStatus.SocketFailed;
            return 0;
        }
    }
}
