using Recd.Interop;

namespace Recd.Diagnostics.Shell;

/// <summary>
/// Output to a terminal or a session socket that can never block its writers. A serial console
/// nobody reads (a cable with no one on it, flow control asserted, a stopped picocom) must not stall
/// the shell, let alone recordings: bytes go into a fixed ring drained by this pump's own thread
/// into the non-blocking fd; when the ring is full, new output is dropped and counted, and a note
/// says so once the terminal drains again. Same policy as the log sink: drop rather than block.
/// </summary>
public sealed unsafe class OutputPump : IDisposable
{
    private readonly int _fd;
    private readonly bool _socket;
    private readonly byte[] _ring;
    private int _head, _count;
    private long _dropped, _droppedNoted;
    private readonly object _gate = new();
    private volatile bool _stopping;
    private readonly Thread _thread;

    /// <param name="fd">Not owned; the caller closes it after <see cref="Dispose"/>.</param>
    public OutputPump(int fd, bool socket, int capacity = 16 * 1024, string name = "console-out")
    {
        _fd = fd;
        _socket = socket;
        _ring = new byte[capacity];
        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (flags >= 0) Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK);
        _thread = new Thread(Drain) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <summary>Bytes lost because the terminal did not take them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The peer is gone (EIO on a hung-up tty, EPIPE on a socket): nothing more will be written.</summary>
    public bool Broken { get; private set; }

    /// <summary>Queues what fits, drops the rest. Never blocks beyond the ring's lock.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            int room = _ring.Length - _count;
            int n = Math.Min(room, data.Length);
            for (int i = 0; i < n; i++) _ring[(_head + _count + i) % _ring.Length] = data[i];
            _count += n;
            if (n < data.Length) _dropped += data.Length - n;
            if (n > 0) Monitor.Pulse(_gate);
        }
    }

    public void Write(string text) => Write(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Waits until the ring is empty, at most timeoutMs; false if it is not.</summary>
    public bool Flush(int timeoutMs)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        lock (_gate)
            while (_count > 0 && !Broken)
            {
                int left = (int)(deadline - Environment.TickCount64);
                if (left <= 0) return false;
                Monitor.Wait(_gate, Math.Min(left, 50));
            }
        return true;
    }

    private void Drain()
    {
        byte[] chunk = new byte[1024];
        while (!_stopping)
        {
            int n;
            lock (_gate)
            {
                if (_count == 0) { Monitor.Wait(_gate, 250); continue; }
                n = Math.Min(_count, chunk.Length);
                for (int i = 0; i < n; i++) chunk[i] = _ring[(_head + i) % _ring.Length];
            }
            int written = WriteSome(chunk, n);
            if (written < 0) { Broken = true; lock (_gate) { _count = 0; Monitor.PulseAll(_gate); } return; }
            lock (_gate)
            {
                _head = (_head + written) % _ring.Length;
                _count -= written;
                if (_count == 0) Monitor.PulseAll(_gate);
                if (_count == 0 && _dropped != _droppedNoted)
                {
                    // Said once the terminal drains again, so the operator knows the screen is incomplete.
                    long lost = _dropped - _droppedNoted;
                    _droppedNoted = _dropped;
                    var note = System.Text.Encoding.ASCII.GetBytes($"\r\n[recd: {lost} bytes of output dropped: terminal not reading]\r\n");
                    note.CopyTo(_ring, 0);
                    _head = 0;
                    _count = Math.Min(note.Length, _ring.Length);
                }
            }
        }
    }

    /// <summary>Bytes taken (0 when the terminal is full and 250 ms passed), or -1 if the peer is gone.</summary>
    private int WriteSome(byte[] chunk, int n)
    {
        fixed (byte* p = chunk)
            while (!_stopping)
            {
                nint r = _socket ? Libc.Send(_fd, p, (nuint)n, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT) : Libc.Write(_fd, p, (nuint)n);
                if (r > 0) return (int)r;
                int errno = Libc.LastErrno;
                if (r < 0 && errno == Libc.EINTR) continue;
                if (r < 0 && errno != Libc.EAGAIN) return -1;
                var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLOUT };
                Libc.Poll(&pfd, 1, 250);
                return 0;
            }
        return 0;
    }

    public void Dispose()
    {
        _stopping = true;
        lock (_gate) Monitor.PulseAll(_gate);
        _thread.Join(1000);
    }
}
