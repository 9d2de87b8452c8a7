using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Recd.Tests.Ingest;

/// <summary>
/// A chase-play client over a real TCP socket: sends one GET, reads the head, then decodes the
/// chunked body on a background thread as it arrives, so a test can watch bytes land while the
/// recording is still being written. Strict about framing: a malformed chunk fails the test.
/// </summary>
public sealed class FollowClient : IDisposable
{
    private readonly Socket _socket;
    private readonly MemoryStream _body = new();
    private readonly Thread _reader;
    private readonly byte[] _buf = new byte[64 << 10];
    private int _have, _at;
    private long _bodyBytes;
    private long _firstByteTicks;

    public FollowClient(int port, string target, string? extraHeaders = null, string method = "GET")
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 20_000 };
        _socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
        _socket.Send(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extraHeaders}\r\n"));
        ReadHead();
        if (method == "HEAD" || Status >= 300) { Done.Set(); _reader = new Thread(() => { }); return; }
        _reader = new Thread(ReadBody) { IsBackground = true };
        _reader.Start();
    }

    public int Status { get; private set; }
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public long BodyBytes => Interlocked.Read(ref _bodyBytes);

    /// <summary>Environment.TickCount64 when the first body byte arrived, or 0.</summary>
    public long FirstByteTicks => Interlocked.Read(ref _firstByteTicks);

    /// <summary>The body ended with its terminating zero chunk.</summary>
    public bool Terminated { get; private set; }

    /// <summary>The server closed the connection (after the body, or in the middle of it).</summary>
    public bool ClosedByServer { get; private set; }
    public string? FramingError { get; private set; }
    public ManualResetEventSlim Done { get; } = new();

    public byte[] Body() { lock (_body) return _body.ToArray(); }

    public string BodySha256() => Convert.ToHexString(SHA256.HashData(Body()));

    public bool WaitForBytes(long n, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        while (BodyBytes < n && !Done.IsSet && Environment.TickCount64 < deadline) Thread.Sleep(5);
        return BodyBytes >= n;
    }

    private void ReadHead()
    {
        var head = new StringBuilder();
        while (true)
        {
            int b = NextByte();
            if (b < 0) throw new IOException("connection closed in the response head");
            head.Append((char)b);
            if (head.Length >= 4 && head.ToString(head.Length - 4, 4) == "\r\n\r\n") break;
        }
        var lines = head.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Status = int.Parse(lines[0].Split(' ')[1]);
        foreach (var l in lines.Skip(1))
        {
            int colon = l.IndexOf(':');
            Headers[l[..colon]] = l[(colon + 1)..].Trim();
        }
    }

    private void ReadBody()
    {
        try
        {
            Assert.Equal("chunked", Headers.GetValueOrDefault("Transfer-Encoding"));
            bool firstChunk = true;
            while (true)
            {
                if (!firstChunk && !(Expect('\r') && Expect('\n'))) return;
                firstChunk = false;
                var size = new StringBuilder();
                int b;
                while ((b = NextByte()) >= 0 && b != '\r') size.Append((char)b);
                if (b < 0) { ClosedByServer = true; return; }
                if (!Expect('\n')) return;
                long n = Convert.ToInt64(size.ToString(), 16);
                if (n == 0)
                {
                    Terminated = Expect('\r') && Expect('\n');
                    return;
                }
                while (n > 0)
                {
                    if (_at == _have && !Fill()) { ClosedByServer = true; FramingError = "closed inside a chunk"; return; }
                    int take = (int)Math.Min(n, _have - _at);
                    lock (_body) _body.Write(_buf, _at, take);
                    _at += take;
                    n -= take;
                    if (Interlocked.Read(ref _firstByteTicks) == 0) Interlocked.Exchange(ref _firstByteTicks, Environment.TickCount64);
                    Interlocked.Add(ref _bodyBytes, take);
                }
            }
        }
        catch (Exception e) when (e is SocketException or FormatException or IOException) { FramingError = e.Message; }
        finally { Done.Set(); }
    }

    private bool Expect(char c)
    {
        int b = NextByte();
        if (b == c) return true;
        if (b < 0) ClosedByServer = true;
        else FramingError = $"expected 0x{(int)c:X2}, got 0x{b:X2}";
        return false;
    }

    private int NextByte()
    {
        if (_at == _have && !Fill()) return -1;
        return _buf[_at++];
    }

    private bool Fill()
    {
        int n;
        try { n = _socket.Receive(_buf); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return false; }
        _at = 0;
        _have = n;
        return n > 0;
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_reader.IsAlive) _reader.Join(5000);
    }
}
