using System.Net;
using Recd.Interop;
using SocketAddress = Recd.Ingest.SocketAddress;

namespace Recd.Calibration;

/// <summary>
/// "--sender HOST": the bulk and live trials take their bytes from a real sender through the NIC.
/// The run listens on Listen:Address and the given port; each trial accepts one connection from HOST
/// (anyone else is closed at once), writes it a <see cref="SenderInstruction"/> line saying what to
/// send (bulk as fast as it goes, or a paced live stream), and reads it as a recording's raw body (no
/// HTTP: what a write path moves is the body, never the head). The sender connects again for the next
/// trial; after the last, <see cref="Finish"/> tells it "done". recd-send-load --follow-server serves it:
///   recd-send-load --connect BOARD:PORT --follow-server
/// </summary>
public sealed unsafe class RemoteSender : IDisposable
{
    private int _listener;
    private readonly IPAddress[] _allowed;

    public string Host { get; }
    public int Port { get; }

    public RemoteSender(string host, string listenAddress, int port)
    {
        Host = host;
        _allowed = IPAddress.TryParse(host, out var ip) ? [ip] : Dns.GetHostAddresses(host);
        if (_allowed.Length == 0) throw new ArgumentException($"--sender {host}: no address");
        var address = IPAddress.Parse(listenAddress);
        int family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET;
        _listener = Libc.Socket(family, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (_listener < 0) throw new IOException("socket: " + Libc.ErrnoName(Libc.LastErrno));
        Libc.SetIntOption(_listener, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
        byte* sa = stackalloc byte[28];
        uint len = SocketAddress.Write(address, port, sa);
        if (Libc.Bind(_listener, sa, len) != 0 || Libc.Listen(_listener, 4) != 0)
        {
            int e = Libc.LastErrno;
            Dispose();
            throw new IOException($"listen {listenAddress}:{port}: {Libc.ErrnoName(e)}");
        }
        len = 28;
        Libc.GetSockName(_listener, sa, &len);
        Port = SocketAddress.ReadPort(sa);
    }

    /// <summary>The next connection from HOST, or -1 when none came within <paramref name="wait"/>.</summary>
    public int Accept(TimeSpan wait, int receiveTimeoutMs, CancellationToken cancel)
    {
        var end = DateTime.UtcNow + wait;
        byte* sa = stackalloc byte[28];
        var pfd = new Libc.PollFd { Fd = _listener, Events = Libc.POLLIN };
        while (DateTime.UtcNow < end)
        {
            cancel.ThrowIfCancellationRequested();
            pfd.REvents = 0;
            if (Libc.Poll(&pfd, 1, 200) <= 0) continue; // EINTR and timeouts alike: look at the clock and the token again
            uint len = 28;
            int fd = Libc.Accept4(_listener, sa, &len, Libc.SOCK_CLOEXEC);
            if (fd < 0) continue;
            var peer = SocketAddress.Address(sa);
            if (Array.Exists(_allowed, a => a.Equals(peer) || (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).Equals(peer)))
            {
                Libc.SetTimeout(fd, Libc.SO_RCVTIMEO, TimeSpan.FromMilliseconds(receiveTimeoutMs));
                return fd;
            }
            Libc.Close(fd); // not the sender named: its bytes would measure someone else's stream
        }
        return -1;
    }

    /// <summary>Writes the trial's line on a connection <see cref="Accept"/> returned; false (and why) when the sender is gone.</summary>
    public static bool Instruct(int fd, SenderInstruction instruction, out string? error)
    {
        error = null;
        Span<byte> line = stackalloc byte[128];
        int len = System.Text.Encoding.ASCII.GetBytes(instruction.Line, line);
        fixed (byte* p = line)
        {
            for (int sent = 0; sent < len;)
            {
                nint n = Libc.Send(fd, p + sent, (nuint)(len - sent), Libc.MSG_NOSIGNAL);
                if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                if (n <= 0) { error = $"sending the instruction: {Libc.ErrnoName(n < 0 ? Libc.LastErrno : Libc.EPIPE)}"; return false; }
                sent += (int)n;
            }
        }
        return true;
    }

    /// <summary>
    /// After the last trial: the sender's next connection (it reconnects at once) hears "done" and it
    /// exits. One that does not come within <paramref name="wait"/> is refused when the listener
    /// closes, which a --follow-server sender takes as the end too.
    /// </summary>
    public void Finish(TimeSpan wait)
    {
        int fd = Accept(wait, 1000, CancellationToken.None);
        if (fd < 0) return;
        Instruct(fd, SenderInstruction.Done, out _); // a sender gone already needs no goodbye
        Libc.Close(fd);
    }

    public void Dispose()
    {
        if (_listener >= 0) { Libc.Close(_listener); _listener = -1; }
    }
}
