using System.Diagnostics;
using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// Batched wakeups for one recording's socket. A live stream arrives in small segments (1316-byte
/// sends of 7 TS packets, ~10 Mbit/s); a receiver that reads whenever anything is queued wakes per
/// segment and pays per wakeup, not per byte (measured here: 12.5 CPU-s/GiB, against 1.5 with
/// SO_RCVLOWAT at 256 KiB). So before a read that found the socket drained, the write path waits in
/// poll(2) with SO_RCVLOWAT set to the batch, never to more than the bytes the current read still
/// expects (a Content-Length body's last bytes and a chunk's end must not wait for a timeout), and
/// never past the latency bound of the current Move: then it takes whatever is queued, and returns
/// if nothing is (<see cref="MoveStatus.Due"/>), so a slow sender's bytes still reach the file
/// within the bound. While reads come back full, data is flowing (bulk): no poll, no extra syscall.
/// One instance per recording, used by its transfer thread only; allocation-free.
/// </summary>
public sealed class SocketBatch(int batchBytes, int latencyMs, int receiveBufferBytes = 0)
{
    private int _lowat = 1;      // what the socket has now (the kernel default is 1)
    private bool _flowing;       // the last read filled its request: more is probably queued
    private long _deadline;      // Stopwatch ticks: the current Move returns by then

    public int BatchBytes => batchBytes;
    public int LatencyMs => latencyMs;

    /// <summary>Reads that found the socket drained and waited for a batch, over the recording (a wakeup each).</summary>
    public long Waits { get; private set; }

    private int _restoreFlags = -1;
    private bool _receiveBufferSet;

    /// <summary>
    /// Before a body span: the socket turns non-blocking, because splice(2) from a TCP socket blocks
    /// by the socket file's O_NONBLOCK alone (tcp_splice_read; SPLICE_F_NONBLOCK is about the pipe),
    /// and a read while data is flowing must never block past the latency bound.
    /// </summary>
    public void Begin(int fd)
    {
        if (receiveBufferBytes > 0 && !_receiveBufferSet)
            _receiveBufferSet = Libc.SetIntOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, receiveBufferBytes) == 0;
        int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
        if (flags >= 0 && (flags & Libc.O_NONBLOCK) == 0 && Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) == 0)
            _restoreFlags = flags;
    }

    /// <summary>Starts a Move: its bytes reach the file within the latency bound from now.</summary>
    public void StartMove()
    {
        _deadline = Stopwatch.GetTimestamp() + latencyMs * Stopwatch.Frequency / 1000;
        _tookRest = false;
    }

    private bool _tookRest; // at the deadline, what was queued has been read once: the Move returns now

    /// <summary>
    /// Before a non-blocking read of up to <paramref name="want"/> bytes. True: read now (a batch,
    /// EOF or an error is there, or the deadline came with some bytes queued). False: the deadline
    /// passed and nothing is queued.
    /// </summary>
    public unsafe bool WaitReadable(int fd, int want)
    {
        if (_flowing) return true;
        int lowat = Math.Max(1, Math.Min(batchBytes, want));
        if (lowat != _lowat && Libc.SetIntOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVLOWAT, lowat) == 0) _lowat = lowat;
        Waits++;
        var pfd = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        while (true)
        {
            long left = _deadline - Stopwatch.GetTimestamp();
            int timeout = left <= 0 ? 0 : (int)Math.Min(int.MaxValue, (left * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
            pfd.REvents = 0;
            int r = Libc.Poll(&pfd, 1, timeout);
            if (r > 0) return true;
            if (r < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (r < 0) return true; // let the read report the error
            // The bound has come: take what is queued once, then the Move returns (a stream that
            // keeps trickling must not keep it reading a few bytes at a time).
            if (_tookRest) return false;
            _tookRest = true;
            return Libc.QueuedBytes(fd) > 0;
        }
    }

    /// <summary>After a read: a full read means data is flowing; a short one or EAGAIN means the socket is drained.</summary>
    public void Read(long got, long wanted) => _flowing = got == wanted;

    /// <summary>True once the current Move's deadline has passed.</summary>
    public bool Overdue => Stopwatch.GetTimestamp() >= _deadline;

    /// <summary>
    /// Puts the socket back after a body span (blocking, SO_RCVLOWAT 1): the next reads are chunk
    /// lines or a request head, which must never wait for a batch, and the response is sent blocking.
    /// </summary>
    public void Release(int fd)
    {
        _flowing = false;
        if (_lowat != 1 && Libc.SetIntOption(fd, Libc.SOL_SOCKET, Libc.SO_RCVLOWAT, 1) == 0) _lowat = 1;
        if (_restoreFlags >= 0) { Libc.Fcntl(fd, Libc.F_SETFL, _restoreFlags); _restoreFlags = -1; }
    }
}
