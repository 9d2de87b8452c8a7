using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// socket -> pipe -> file with splice(2). Saves the socket -> user copy when the NIC hands the
/// kernel paged skbs; still copies pipe pages into the page cache (iter_file_splice_write), and
/// copies linear skb heads (linear_to_page). Whether that beats read()+write() on a board is
/// for the cost meter to say, not for this class.
/// Failure contract (lighttpd chunk.c, Samba bug #8679): EINVAL/ENOSYS on the file side after bytes
/// reached the pipe -> the pipe is drained with read()+pwrite() so no byte is lost, and the result
/// is Unsupported; the recording copies from then on.
/// </summary>
public sealed unsafe class SpliceWritePath : IWritePath
{
    private readonly int _requestedPipeBytes;
    private SplicePipe? _pipe;
    private NativeBuffer? _drainBuffer;

    private readonly SplicePipePool? _pool;

    /// <param name="pool">Empty pipes kept across path switches (a probe and the switch back reuse one); null: a pipe of its own.</param>
    public SpliceWritePath(int pipeBytes, SplicePipePool? pool = null)
    {
        _pool = pool;
        _requestedPipeBytes = pipeBytes;
        Label = "splice/" + SizeText.Format(pipeBytes);
    }

    public WritePathKind Kind => WritePathKind.Splice;
    public string Label { get; private set; }

    /// <summary>Bytes that went socket -> pipe -> file.</summary>
    public long SplicedBytes { get; private set; }

    /// <summary>Bytes rescued from the pipe with read()+pwrite() after the file side refused splice.</summary>
    public long DrainedBytes { get; private set; }

    public int GrantedPipeBytes => _pipe?.Size ?? 0;

    public MoveResult Move(int socketFd, RecordingFile file, long offset, long count, SocketBatch? batch = null)
    {
        batch?.StartMove();
        if (_pipe is null)
        {
            int perr = 0;
            _pipe = _pool?.TryTake(_requestedPipeBytes) ?? SplicePipe.TryCreate(_requestedPipeBytes, out perr);
            if (_pipe is null) return new MoveResult(0, MoveStatus.Unsupported, perr);
            Label = "splice/" + SizeText.Format(_pipe.Size);
        }
        var pipe = _pipe;
        long moved = 0;
        while (moved < count)
        {
            // socket -> pipe. The pipe is empty here, so this waits only for the socket: blocking,
            // SO_RCVTIMEO bounds the wait (tcp_splice_read honours sk_rcvtimeo); batched, poll waits
            // for a batch and the splice does not block.
            long want = Math.Min(pipe.Size, count - moved);
            if (batch is not null && !batch.WaitReadable(socketFd, (int)want)) return new MoveResult(moved, MoveStatus.Due);
            nint n = Libc.Splice(socketFd, null, pipe.WriteFd, null, (nuint)want,
                Libc.SPLICE_F_MOVE | Libc.SPLICE_F_MORE | (batch is null ? 0 : Libc.SPLICE_F_NONBLOCK));
            if (n == 0) return new MoveResult(moved, MoveStatus.PeerClosed);
            if (n < 0)
            {
                int errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                // EAGAIN is ambiguous in general (socket empty vs pipe full); the pipe is empty here,
                // so it is the socket: batched, drained (wait again unless the bound has come);
                // blocking, the receive timeout.
                if (errno == Libc.EAGAIN && batch is not null)
                {
                    batch.Read(0, want);
                    if (batch.Overdue) return new MoveResult(moved, MoveStatus.Due);
                    continue;
                }
                if (errno == Libc.EAGAIN) return new MoveResult(moved, MoveStatus.TimedOut, errno);
                if (errno is Libc.EINVAL or Libc.ENOSYS) return new MoveResult(moved, MoveStatus.Unsupported, errno);
                return new MoveResult(moved, MoveStatus.SocketFailed, errno);
            }
            batch?.Read(n, want);
            pipe.Held = n;

            // pipe -> file, at an explicit offset (never O_APPEND: splice rejects it).
            while (pipe.Held > 0)
            {
                long off = offset + moved;
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                nint m = Libc.Splice(pipe.ReadFd, null, file.Fd, &off, (nuint)pipe.Held, Libc.SPLICE_F_MOVE);
                file.NoteWrite(t0);
                if (m > 0)
                {
                    pipe.Held -= m;
                    moved += m;
                    SplicedBytes += m;
                    continue;
                }
                int errno = m == 0 ? Libc.EIO : Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                if (errno is Libc.EINVAL or Libc.ENOSYS)
                {
                    // The filesystem has no splice_write (jffs2, old hfs, some FUSE): rescue the pipe.
                    int derr = DrainToFile(pipe, file, offset + moved, out long drained);
                    moved += drained;
                    if (derr != 0) return Broken(moved, derr);
                    return new MoveResult(moved, MoveStatus.Unsupported, errno);
                }
                return Broken(moved, errno);
            }
            batch?.Written();
        }
        return new MoveResult(moved, MoveStatus.Completed);
    }

    /// <summary>The file refused bytes that are still in the pipe: the pipe is discarded with them.</summary>
    private MoveResult Broken(long moved, int errno)
    {
        _pipe?.Dispose();
        _pipe = null;
        return new MoveResult(moved, MoveStatus.StorageFailed, errno);
    }

    private int DrainToFile(SplicePipe pipe, RecordingFile file, long offset, out long drained)
    {
        drained = 0;
        _drainBuffer ??= new NativeBuffer(64 * 1024);
        while (pipe.Held > 0)
        {
            nint r = Libc.Read(pipe.ReadFd, _drainBuffer.Pointer, (nuint)Math.Min(_drainBuffer.Size, pipe.Held));
            if (r < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (r <= 0) return r == 0 ? Libc.EIO : Libc.LastErrno;
            int werr = file.TryWriteAll(new ReadOnlySpan<byte>(_drainBuffer.Pointer, (int)r), offset + drained, out long written);
            drained += written;
            DrainedBytes += written;
            pipe.Held -= r;
            if (werr != 0) return werr;
        }
        return 0;
    }

    public void Dispose()
    {
        // Only an empty pipe is ever reused (HAProxy put_pipe/kill_pipe): one holding bytes dies here.
        if (_pipe is { Held: 0 } empty && _pool is not null) _pool.Give(empty);
        else _pipe?.Dispose();
        _pipe = null;
        _drainBuffer?.Dispose();
        _drainBuffer = null;
    }
}
