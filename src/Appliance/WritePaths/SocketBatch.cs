using System.Diagnostics;
using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// Batched wakeups for one recording's socket. A live stream arrives in small segments (1316-byte
/// sends of 7 TS packets, ~10 Mbit/s); a receiver that reads whenever anything is queued wakes per
/// segment and pays per wakeup, not per byte (measured here: 12.5 CPU-s/GiB, against 1.5 with
/// SO_RCVLOWAT at 256 KiB). So every read waits in poll(2) with SO_RCVLOWAT set to the batch, never
/// to more than the bytes the current read still expects (a Content-Length body's last bytes and a
/// chunk's end must not wait for a timeout). A poll that finds a batch queued returns at once, so a
/// bulk sender pays one cheap poll per buffer, and a read that came back full is not followed by a
/// second read for the few segments that arrived meanwhile (that cost a recv and a pwrite per batch).
/// Two clocks bound the waits:
/// - the byte bound: every byte queued now arrived after the last read that drained the socket, so
///   at that read + BatchLatencyMs whatever is queued is read, batch or not (a slow sender's bytes
///   reach the file within the bound, as a C receiver's poll(timeout) per read does);
/// - the Move bound: a Move returns (<see cref="MoveStatus.Due"/>) at most BatchLatencyMs after it
///   started, so the recording commits, beats and sees "rec stop" on time; younger bytes than the
///   byte bound stay queued for the next Move's wait (reading them here cost an extra short read and
///   write per Move, and for direct an unaligned tail). A path that holds read bytes unwritten
///   (direct's buffer) is told to write them (Due) by the time the oldest of them reaches the bound.
/// One instance per recording, used by its transfer thread only; allocation-free. The batch may change
/// between Moves (<see cref="UseBatch"/>: the selector chose a candidate with another "@batch"); the
/// next wait sets it, still capped at what that read expects, and both clocks carry on as they were.
/// </summary>
public sealed class SocketBatch(int batchBytes, int latencyMs, int receiveBufferBytes = 0)
{
    private int _batchBytes = batchBytes;
    private const long None = long.MaxValue;
    private readonly long _bound = latencyMs * Stopwatch.Frequency / 1000;
    private int _lowat = 1;            // what the socket has now (the kernel default is 1)
    private long _drainedAt;           // Stopwatch ticks of the last read that found the socket empty
    private long _unwrittenSince = None; // read bytes not yet in the file arrived after this
    private long _moveDeadline;        // the current Move returns by then

    public int BatchBytes => _batchBytes;

    /// <summary>
    /// From the next wait on, batches of <paramref name="bytes"/> (0: SO_RCVLOWAT 1, every segment
    /// wakes the reader, but reads stay non-blocking and bounded). SO_RCVLOWAT is set per wait, so a
    /// change here takes effect on the socket at the next read and never overrides what that read expects.
    /// </summary>
    public void UseBatch(int bytes) => _batchBytes = Math.Max(0, bytes);
    public int LatencyMs => latencyMs;

    /// <summary>poll(2) calls before reads, over the recording (each a wakeup unless a batch was already queued).</summary>
    public long Waits { get; private set; }

    private int _restoreFlags = -1;
    private bool _receiveBufferSet;

    /// <summary>
    /// Before a body span: the socket turns non-blocking, because splice(2) from a TCP socket blocks
    /// by the socket file's O_NONBLOCK alone (tcp_splice_read; SPLICE_F_NONBLOCK is about the pipe),
    /// and a read must never block past the latency bound. The caller has just read the head or
    /// chunk line, so what is queued now is counted from now.
    /// </summary>
    public void Begin(int fd)
    {
        if (receiveBufferBytes > 0 && !_receiveBufferSet)
            _receiveBufferSet = Libc.SetIntOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBufferBytes) == 0;
        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (flags >= 0 && (flags & Libc.O_NONBLOCK) == 0 && Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) == 0)
            _restoreFlags = flags;
        _drainedAt = Stopwatch.GetTimestamp();
        _unwrittenSince = None;
    }

    /// <summary>Starts a Move: it returns within the latency bound from now.</summary>
    public void StartMove() => _moveDeadline = Stopwatch.GetTimestamp() + _bound;

    /// <summary>
    /// Before a non-blocking read of up to <paramref name="want"/> bytes. True: read now (a batch,
    /// EOF or an error is there, or queued bytes reached the byte bound). False: the Move returns
    /// (Due) with what it has in the file: its bound came, or bytes it holds unwritten must go out.
    /// </summary>
    public unsafe bool WaitReadable(int fd, int want)
    {
        int lowat = Math.Max(1, Math.Min(_batchBytes, want));
        if (lowat != _lowat && Libc.SetIntOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVLOWAT, lowat) == 0) _lowat = lowat;
        long byteDue = _drainedAt + _bound;
        long flushDue = _unwrittenSince == None ? None : _unwrittenSince + _bound;
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= flushDue) return false;
            long until = Math.Min(_moveDeadline, Math.Min(byteDue, flushDue));
            long left = until - now;
            int timeout = left <= 0 ? 0 : (int)Math.Min(int.MaxValue, (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
            pfd.REvents = 0;
            Waits++;
            int r = Libc.Poll(&pfd, 1, timeout);
            if (r > 0) return true;
            if (r < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (r < 0) return true; // let the read report the error
            now = Stopwatch.GetTimestamp();
            if (now >= flushDue) return false;
            if (now >= byteDue) return true;   // fewer than a batch, but they have waited long enough
            if (now >= _moveDeadline) return false;
        }
    }

    /// <summary>
    /// After a read (0 for EAGAIN): a short one drained the socket, so later bytes are counted from
    /// now. Bytes read are unwritten until <see cref="Written"/>; they arrived after the previous drain.
    /// </summary>
    public void Read(long got, long wanted)
    {
        if (got > 0 && _unwrittenSince == None) _unwrittenSince = _drainedAt;
        if (got < wanted) _drainedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>Every byte read so far is in the file.</summary>
    public void Written() => _unwrittenSince = None;

    /// <summary>True once the current Move's bound has passed.</summary>
    public bool Overdue => Stopwatch.GetTimestamp() >= _moveDeadline;

    /// <summary>
    /// Puts the socket back after a body span (blocking, SO_RCVLOWAT 1): the next reads are chunk
    /// lines or a request head, which must never wait for a batch, and the response is sent blocking.
    /// </summary>
    public void Release(int fd)
    {
        _unwrittenSince = None;
        if (_lowat != 1 && Libc.SetIntOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVLOWAT, 1) == 0) _lowat = 1;
        if (_restoreFlags >= 0) { Libc.Fcntl(fd, Libc.F_SETFL, _restoreFlags); _restoreFlags = -1; }
    }
}
