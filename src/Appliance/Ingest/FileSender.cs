using Recd.Interop;

namespace Recd.Ingest;

/// <summary>GET bodies leave through sendfile(2): page cache -> socket without a user-space copy.</summary>
public static class FileSender
{
    /// <summary>Sends from an open descriptor (the caller's). Returns 0 or the errno; <paramref name="sent"/> says how far it got.</summary>
    public static unsafe int TrySend(ClientSocket socket, int fd, long offset, long count, out long sent)
    {
        sent = 0;
        long pos = offset;
        while (sent < count)
        {
            nint n = Libc.SendFile(socket.Fd, fd, &pos, (nuint)Math.Min(count - sent, 1 << 30));
            if (n > 0) { sent += n; continue; }
            if (n == 0) return Libc.EIO; // the file is shorter than its manifest says
            int errno = Libc.LastErrno;
            if (errno == Libc.EINTR) continue;
            // On a blocking socket EAGAIN means SO_SNDTIMEO expired: the client took nothing for Http:SendTimeoutMs.
            return errno == Libc.EAGAIN ? Libc.ETIMEDOUT : errno;
        }
        return 0;
    }
}
