using Recd.Ingest;
using Recd.Interop;

namespace Recd.Calibration;

/// <summary>
/// One TCP connection for one trial, over 127.0.0.1 (or adopted from a --sender, receiving end only):
/// the receiving end a plain blocking fd, as a
/// recording's socket is when its body starts (the write paths and SocketBatch get exactly that),
/// the sending end driven by a <see cref="TrialSender"/> thread. Loopback skips the NIC driver and
/// its interrupts, so it measures the path's own copies; a real NIC adds receive softirq work the
/// thread clock does not see (docs/calibration.md).
/// </summary>
public sealed unsafe class LoopbackLink : IDisposable
{
    public int ReceiverFd { get; private set; } = -1;
    public int SenderFd { get; private set; } = -1;

    public static LoopbackLink Open(int receiveTimeoutMs)
    {
        var link = new LoopbackLink();
        int listener = Libc.Socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (listener < 0) throw new IOException("socket: " + Libc.ErrnoName(Libc.LastErrno));
        try
        {
            byte* sa = stackalloc byte[28];
            uint len = SocketAddress.Write(System.Net.IPAddress.Loopback, 0, sa);
            if (Libc.Bind(listener, sa, len) != 0 || Libc.Listen(listener, 1) != 0)
                throw new IOException("bind/listen 127.0.0.1: " + Libc.ErrnoName(Libc.LastErrno));
            len = 28;
            if (Libc.GetSockName(listener, sa, &len) != 0) throw new IOException("getsockname: " + Libc.ErrnoName(Libc.LastErrno));
            link.SenderFd = Libc.Socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
            if (link.SenderFd < 0 || Libc.Connect(link.SenderFd, sa, 16) != 0)
                throw new IOException("connect 127.0.0.1: " + Libc.ErrnoName(Libc.LastErrno));
            link.ReceiverFd = Libc.Accept4(listener, null, null, Libc.SOCK_CLOEXEC);
            if (link.ReceiverFd < 0) throw new IOException("accept: " + Libc.ErrnoName(Libc.LastErrno));
            Libc.SetTimeout(link.ReceiverFd, Libc.SO_RCVTIMEO, TimeSpan.FromMilliseconds(receiveTimeoutMs));
            return link;
        }
        catch
        {
            link.Dispose();
            throw;
        }
        finally { Libc.Close(listener); }
    }

    /// <summary>A connection accepted elsewhere (a remote sender's): this side only; -1 stays -1.</summary>
    public static LoopbackLink Adopt(int receiverFd) => new() { ReceiverFd = receiverFd };

    public void Dispose()
    {
        if (ReceiverFd >= 0) { Libc.Close(ReceiverFd); ReceiverFd = -1; }
        if (SenderFd >= 0) { Libc.Close(SenderFd); SenderFd = -1; }
    }
}
