using System.Net;
using Recd.Interop;
using SocketAddress = Recd.Ingest.SocketAddress;

namespace Recd.Calibration;

/// <summary>
/// "--sender HOST": the bulk trials take their bytes from a real sender through the NIC. The run
/// listens on Listen:Address and the given port; each bulk trial accepts one connection from HOST
/// (anyone else is closed at once) and reads it for the trial's time, then closes it: the sender
/// sees the connection end and connects again for the next trial, e.g.
///   while :; do recd-send-load --connect BOARD:PORT --bytes 64G; sleep 0.1; done
/// The stream is raw bytes (no HTTP): what a write path moves is the body, never the head.
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

    public void Dispose()
    {
        if (_listener >= 0) { Libc.Close(_listener); _listener = -1; }
    }
}
