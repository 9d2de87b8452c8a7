using Recd.Interop;

namespace Recd.Ingest;

/// <summary>
/// One accepted TCP connection as a raw blocking fd. Receive and send timeouts are socket options,
/// so every blocking call (recv, splice, sendfile) is bounded without async machinery.
/// The owning thread (the connection's) uses <see cref="Fd"/> and disposes; any other thread goes
/// through the reference-counted handle (<see cref="Abort"/>, <see cref="TryReadProgress"/>).
/// </summary>
public sealed unsafe class ClientSocket : IDisposable
{
    private readonly SocketFdHandle _handle;
    private int _fd;

    public ClientSocket(int fd, string remote, System.Net.IPAddress? address = null)
    {
        _handle = new SocketFdHandle(fd);
        _fd = fd;
        Remote = remote;
        Address = address;
    }

    /// <summary>The raw fd, for the owning thread only (-1 once it disposed).</summary>
    public int Fd => _fd;
    public string Remote { get; }

    /// <summary>The peer's address (IPv4-mapped addresses unmapped), for the allowlist.</summary>
    public System.Net.IPAddress? Address { get; }

    public void SetReceiveTimeout(int ms) => Libc.SetTimeout(_fd, Libc.SO_RCVTIMEO, TimeSpan.FromMilliseconds(ms));
    public void SetSendTimeout(int ms) => Libc.SetTimeout(_fd, Libc.SO_SNDTIMEO, TimeSpan.FromMilliseconds(ms));

    /// <summary>Sends all bytes; false if the peer is gone or the send timeout expired.</summary>
    public bool SendAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = Libc.Send(_fd, p + done, (nuint)(data.Length - done), Libc.MSG_NOSIGNAL);
                if (n > 0) { done += (int)n; continue; }
                if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Waits until the socket is readable. Returns 1 readable, 0 timeout, -1 error.
    /// </summary>
    public int WaitReadable(int timeoutMs)
    {
        var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        while (true)
        {
            int r = Libc.Poll(&pfd, 1, timeoutMs);
            if (r > 0) return 1;
            if (r == 0) return 0;
            if (Libc.LastErrno != Libc.EINTR) return -1;
        }
    }

    /// <summary>
    /// From any thread: unblocks the owner sitting in recv/splice/sendfile on this socket (eviction,
    /// a client below the minimum rate, daemon shutdown). The reference keeps the fd open across the
    /// call; once the owner has disposed, this does nothing instead of shutting down whatever socket
    /// now has that number. False if the socket was already closed.
    /// </summary>
    /// <param name="reset">
    /// Also make the owner's close a reset (SO_LINGER 0): for a client that stopped reading, the
    /// response still queued would otherwise sit in the kernel as an orphan until its retries run
    /// out, and its FIN behind a zero window never reaches the client.
    /// </param>
    public bool Abort(bool reset = false)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            if (reset)
            {
                var linger = new Libc.Linger { OnOff = 1, Seconds = 0 };
                Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, &linger, (uint)sizeof(Libc.Linger));
            }
            Libc.Shutdown(fd, Libc.SHUT_RDWR);
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false; // the owner closed it: nothing left to unblock
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>What the kernel counts for this connection (TCP_INFO and the queue ioctls).</summary>
    public readonly record struct Progress(ulong Received, ulong Acked, int ReceiveQueued, int SendQueued);

    public enum ProgressRead { Ok, Closed, Unsupported }

    /// <summary>
    /// From any thread: the connection's byte counters. Closed once the owner disposed (or the fd
    /// is no socket any more); Unsupported on a kernel without tcpi_bytes_received (before 4.1).
    /// </summary>
    public ProgressRead TryReadProgress(out Progress progress)
    {
        progress = default;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            int fd = (int)_handle.DangerousGetHandle();
            byte* info = stackalloc byte[Libc.TcpInfoReadBytes];
            uint len = Libc.TcpInfoReadBytes;
            if (Libc.GetSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_INFO, info, &len) != 0) return ProgressRead.Closed;
            if (len < Libc.TcpInfoReadBytes) return ProgressRead.Unsupported;
            int inq = 0, outq = 0;
            // A failing ioctl leaves the queue at 0: the tick then counts as if the kernel held nothing.
            Libc.Ioctl(fd, Libc.FIONREAD, &inq);
            Libc.Ioctl(fd, Libc.SIOCOUTQ, &outq);
            progress = new Progress(
                *(ulong*)(info + Libc.TcpInfoBytesReceivedOffset),
                *(ulong*)(info + Libc.TcpInfoBytesAckedOffset),
                inq, outq);
            return ProgressRead.Ok;
        }
        catch (ObjectDisposedException)
        {
            return ProgressRead.Closed;
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Closes after an error response while the client may still be sending a body: half-close, then
    /// read and discard briefly so our response is not destroyed by a TCP reset (nginx lingering_close).
    /// Bounded by time above all, as nginx's is: with 1 MiB as the bound, curl still sending the last
    /// 7 MiB of a 20 MiB upload refused at disk full got the reset (EPIPE) before reading the 507.
    /// </summary>
    public void LingeringClose(int maxMs = 1000, int maxBytes = 64 << 20)
    {
        if (_fd < 0) return;
        Libc.Shutdown(_fd, Libc.SHUT_WR);
        byte* scratch = stackalloc byte[4096];
        long deadline = Environment.TickCount64 + maxMs;
        int total = 0;
        while (total < maxBytes)
        {
            int left = (int)(deadline - Environment.TickCount64);
            if (left <= 0 || WaitReadable(left) != 1) break;
            nint n = Libc.Recv(_fd, scratch, 4096, Libc.MSG_DONTWAIT);
            if (n <= 0) break;
            total += (int)n;
        }
        Dispose();
    }

    /// <summary>The owner is done: the fd closes now, or when the last other thread's reference goes.</summary>
    public void Dispose()
    {
        _fd = -1;
        _handle.Dispose();
    }
}
