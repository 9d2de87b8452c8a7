using System.Buffers;
using System.Text;
using Recd.Interop;

namespace Recd.Logging;

/// <summary>
/// A bounded queue of log lines and the one thread that writes them to an fd. Callers only format
/// and enqueue under a lock that never covers I/O, so a stderr nobody reads (a full 64 KiB pipe)
/// stalls this thread alone, never a recording or the accept loop: with the old lock around the
/// write, ~360 small PUTs filled the pipe and every thread then blocked in the log. When the queue
/// is full the line is dropped and counted; once the writer has emptied the queue it writes one
/// line saying how many were lost. Also keeps the ring of recent lines the console reads, dropped
/// or not. Like syslog-ng's and journald's rate limiting, losing lines beats losing recordings.
/// </summary>
internal sealed class LogSink : IDisposable
{
    private const int RingSize = 256;
    private const int BatchLines = 64;

    private readonly int _fd;
    private readonly string[] _queue;
    private readonly string[] _ring = new string[RingSize];
    private readonly object _gate = new();
    private readonly Thread _writer;
    private int _head, _queued;
    private long _ringCount;
    private long _accepted;   // lines ever put in the queue
    private long _handled;    // of those, lines written or lost to a write error
    private long _dropped;
    private long _droppedUnreported;
    private bool _writerWaiting;
    private bool _writing;    // a batch (or the dropped-count line) is out of the queue, not yet written
    private bool _stopping;

    /// <param name="fd">Not owned: stderr in the daemon, a pipe the test holds.</param>
    /// <param name="capacity">Lines held while the fd does not take them.</param>
    internal LogSink(int fd, int capacity)
    {
        _fd = fd;
        _queue = new string[capacity];
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "recd-log" };
        _writer.Start();
    }

    /// <summary>A second sink the writer thread feeds before the fd, so a stalled stderr delays it by one batch at most.</summary>
    internal SyslogSender? Syslog { get; set; }

    /// <summary>Lines lost so far: not queued because the queue was full, or refused by the fd.</summary>
    internal long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Formats and queues one line; never waits for I/O, never throws for the fd's sake.</summary>
    internal void Write(LogLevel level, string message) =>
        Enqueue($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {Tag(level)} {message}");

    internal void Enqueue(string line)
    {
        lock (_gate)
        {
            _ring[_ringCount++ % RingSize] = line;
            if (_queued == _queue.Length)
            {
                _dropped++;
                _droppedUnreported++;
                return;
            }
            _queue[(_head + _queued) % _queue.Length] = line;
            _queued++;
            _accepted++;
            // PulseAll, not Pulse: a Flush may be waiting on the same gate and must not take the wake-up.
            if (_writerWaiting) Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The most recent lines, oldest first.</summary>
    internal string[] Recent(int max)
    {
        lock (_gate)
        {
            int n = (int)Math.Min(Math.Min(max, RingSize), _ringCount);
            var result = new string[n];
            for (int i = 0; i < n; i++) result[i] = _ring[(_ringCount - n + i) % RingSize];
            return result;
        }
    }

    /// <summary>
    /// Waits until every line queued before the call has been written, at most <paramref name="timeout"/>.
    /// Returns false on timeout: a stalled stderr must not keep the daemon from exiting.
    /// </summary>
    internal bool Flush(TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            long target = _accepted;
            while (_handled < target || _writing || _droppedUnreported > 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return false;
                Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
            }
            return true;
        }
    }

    /// <summary>Stops the writer once the queue is empty; if the fd blocks, the thread (background) is left to it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _writer.Join(TimeSpan.FromSeconds(1));
    }

    private void WriteLoop()
    {
        var batch = new string[BatchLines];
        byte[] buffer = new byte[16 * 1024];
        while (true)
        {
            int n = 0;
            long report = 0;
            lock (_gate)
            {
                while (_queued == 0 && _droppedUnreported == 0)
                {
                    if (_stopping) return;
                    _writerWaiting = true;
                    Monitor.Wait(_gate);
                    _writerWaiting = false;
                }
                while (n < BatchLines && _queued > 0)
                {
                    batch[n++] = _queue[_head];
                    _queue[_head] = null!;
                    _head = (_head + 1) % _queue.Length;
                    _queued--;
                }
                // Caught up: the queue is empty, so the count of what was lost goes out after this batch.
                if (_queued == 0) { report = _droppedUnreported; _droppedUnreported = 0; }
                _writing = true;
            }

            if (Syslog is { } syslog) for (int i = 0; i < n; i++) syslog.Send(batch[i]);
            int lost = WriteLines(batch, n, ref buffer);
            Array.Clear(batch, 0, n);
            if (report > 0)
            {
                string line = $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {Tag(LogLevel.Warn)} log: {report} lines dropped (stderr did not keep up)";
                lock (_gate) _ring[_ringCount++ % RingSize] = line;
                batch[0] = line;
                Syslog?.Send(line);
                // Not retried if the fd refuses it: the total stays in Dropped, and retrying a dead fd would spin.
                WriteLines(batch, 1, ref buffer);
                batch[0] = null!;
            }
            lock (_gate)
            {
                _handled += n;
                _dropped += lost;
                _writing = false;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Returns how many of the lines could not be written (the fd refused them).</summary>
    private int WriteLines(string[] lines, int count, ref byte[] buffer)
    {
        int used = 0, pending = 0, lost = 0;
        for (int i = 0; i < count; i++)
        {
            int need = Encoding.UTF8.GetMaxByteCount(lines[i].Length) + 1;
            if (used + need > buffer.Length)
            {
                if (!WriteAll(buffer.AsSpan(0, used))) lost += pending;
                used = pending = 0;
                if (need > buffer.Length) buffer = new byte[need];
            }
            used += Encoding.UTF8.GetBytes(lines[i], buffer.AsSpan(used));
            buffer[used++] = (byte)'\n';
            pending++;
        }
        if (used > 0 && !WriteAll(buffer.AsSpan(0, used))) lost += pending;
        return lost;
    }

    /// <summary>
    /// write(2) until done. Blocks while the fd is full: this thread exists to do that. Returns false
    /// on any error but EINTR/EAGAIN (EPIPE once the reader is gone, EBADF with no stderr).
    /// </summary>
    private unsafe bool WriteAll(ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint r = Libc.Write(_fd, p + done, (nuint)(data.Length - done));
                if (r >= 0) { done += (int)r; continue; }
                int errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                // Someone made the fd non-blocking (a shared pipe's other writer can): wait for room.
                if (errno == Libc.EAGAIN) { WaitWritable(); continue; }
                return false;
            }
            return true;
        }
    }

    private unsafe void WaitWritable()
    {
        var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLOUT };
        Libc.Poll(&pfd, 1, 1000);
    }

    internal static string Tag(LogLevel level) => level switch
    {
        LogLevel.Debug => "debug",
        LogLevel.Info => "info ",
        LogLevel.Warn => "warn ",
        _ => "error",
    };
}
