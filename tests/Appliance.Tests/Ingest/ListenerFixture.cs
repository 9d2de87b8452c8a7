using System.Net;
using System.Net.Sockets;
using System.Text;
using Recd.Ingest;
using Recd.Tests.Recordings;

namespace Recd.Tests.Ingest;

/// <summary>A real IngestListener on 127.0.0.1 over a real store, and raw client sockets against it.</summary>
public sealed class ListenerFixture : IDisposable
{
    private readonly List<Socket> _clients = [];

    public ListenerFixture(HttpLimits limits)
    {
        Store = new StoreFixture(commitInterval: 64 << 10);
        Limits = limits;
        Listener = new IngestListener(new ListenOptions { Address = "127.0.0.1", Port = 0 }, limits, new RecordingsEndpoint(Store.Store));
        Listener.Start();
    }

    public StoreFixture Store { get; }
    public HttpLimits Limits { get; }
    public IngestListener Listener { get; }

    /// <summary>A connected client; a small receive buffer makes a reader that stops reading stall quickly.</summary>
    public Socket Connect(int receiveBuffer = 0)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer > 0) s.ReceiveBufferSize = receiveBuffer;
        s.Connect(new IPEndPoint(IPAddress.Loopback, Listener.Port));
        lock (_clients) _clients.Add(s);
        return s;
    }

    /// <summary>Sends a request head; returns the socket.</summary>
    public Socket Request(string head, int receiveBuffer = 0)
    {
        var s = Connect(receiveBuffer);
        s.Send(Encoding.ASCII.GetBytes(head));
        return s;
    }

    /// <summary>PUTs the bytes in one go and returns the status line's code.</summary>
    public int Put(string name, byte[] body)
    {
        using var s = Connect();
        s.ReceiveTimeout = 20_000;
        s.Send(Encoding.ASCII.GetBytes($"PUT /recordings/{name} HTTP/1.1\r\nHost: t\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        s.Send(body);
        return StatusOf(s);
    }

    public static int StatusOf(Socket s)
    {
        var buf = new byte[12];
        int got = 0;
        while (got < 12)
        {
            int n = s.Receive(buf, got, 12 - got, SocketFlags.None);
            if (n == 0) return -1;
            got += n;
        }
        return int.Parse(Encoding.ASCII.GetString(buf, 9, 3));
    }

    /// <summary>Waits until the server has closed the socket (EOF or reset); returns how long that took, or null.</summary>
    public static TimeSpan? WaitClosed(Socket s, TimeSpan within, bool drain = false)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var buf = new byte[64 << 10];
        while (watch.Elapsed < within)
        {
            if (s.Poll(100_000, SelectMode.SelectRead))
            {
                try
                {
                    if (!drain)
                    {
                        // A peek tells EOF or reset without taking the unread response the test keeps unread.
                        if (s.Receive(buf, 0, 1, SocketFlags.Peek) == 0) return watch.Elapsed;
                        if (s.Available > 0 && IsHungUp(s)) return watch.Elapsed;
                        Thread.Sleep(100);
                        continue;
                    }
                    if (s.Receive(buf) == 0) return watch.Elapsed;
                }
                catch (SocketException) { return watch.Elapsed; }
            }
        }
        return null;
    }

    /// <summary>Readable with data queued: closed by the peer only if a FIN or RST came behind it (POLLRDHUP).</summary>
    private static bool IsHungUp(Socket s)
    {
        unsafe
        {
            // struct pollfd with POLLRDHUP (0x2000): the stalled reader's data is still queued, so recv would not say.
            var pfd = stackalloc int[2];
            pfd[0] = (int)s.Handle;
            pfd[1] = 0x2000;
            return Poll(pfd, 1, 0) > 0 && ((pfd[1] >> 16) & (0x2000 | 0x10 | 0x8)) != 0;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "poll")]
    private static extern unsafe int Poll(int* fds, nuint n, int timeout);

    public void Dispose()
    {
        lock (_clients) foreach (var c in _clients) c.Dispose();
        Listener.Stop(TimeSpan.FromSeconds(5));
        Listener.Dispose();
        Store.Dispose();
    }
}
