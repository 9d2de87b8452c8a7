using System.Net;
using System.Net.Sockets;
using Recd.Interop;

namespace Recd.Tests.Support;

/// <summary>
/// A real TCP connection over 127.0.0.1: the receiving end as a raw blocking fd (what recd's write
/// paths get), the sending end as a .NET socket driven by a background thread.
/// </summary>
public sealed class LoopbackPair : IDisposable
{
    private readonly Socket _listener;
    private readonly Socket _server;
    public Socket Client { get; }

    public LoopbackPair(int receiveTimeoutMs = 10_000)
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        Client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Client.Connect(_listener.LocalEndPoint!);
        _server = _listener.Accept();
        _server.Blocking = true;
        Libc.SetTimeout(ServerFd, Libc.SO_RCVTIMEO, TimeSpan.FromMilliseconds(receiveTimeoutMs));
    }

    public int ServerFd => (int)_server.SafeHandle.DangerousGetHandle();

    /// <summary>The receiving socket's SO_RCVLOWAT now (getsockopt; any thread may ask).</summary>
    public int ServerReceiveLowWater => (int)_server.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveLowWater)!;

    /// <summary>Sends [offset, offset+length) of the pattern in pieces of the given sizes (cycled), then optionally closes.</summary>
    public Task SendPatternAsync(long offset, long length, int[] pieceSizes, bool close = false, int delayMs = 0, ulong seed = 1)
    {
        return Task.Factory.StartNew(() =>
        {
            var buf = new byte[pieceSizes.Max()];
            long sent = 0;
            int i = 0;
            while (sent < length)
            {
                int n = (int)Math.Min(pieceSizes[i++ % pieceSizes.Length], length - sent);
                Pattern.Fill(buf.AsSpan(0, n), offset + sent, seed);
                int done = 0;
                while (done < n) done += Client.Send(buf, done, n - done, SocketFlags.None);
                sent += n;
                if (delayMs > 0) Thread.Sleep(delayMs);
            }
            if (close) Client.Shutdown(SocketShutdown.Send);
        }, TaskCreationOptions.LongRunning);
    }

    public void Dispose()
    {
        Client.Dispose();
        _server.Dispose();
        _listener.Dispose();
    }
}
