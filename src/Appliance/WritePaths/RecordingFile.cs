using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// The open data file of one recording: its ordinary fd (buffered writes, splice target, fsync),
/// and the path so a direct write path can open its own O_DIRECT descriptor. Never O_APPEND:
/// splice(2) rejects O_APPEND targets and every write names its offset.
/// </summary>
public sealed class RecordingFile : IDisposable
{
    public RecordingFile(string path, int fd)
    {
        Path = path;
        Fd = fd;
    }

    public string Path { get; }
    public int Fd { get; private set; }

    /// <summary>A single file-side call (write, splice into the file, fdatasync) slower than this is a slow-write event.</summary>
    public int SlowWriteMs { get; set; } = 1000;

    /// <summary>File-side calls slower than SlowWriteMs so far, and the slowest one.</summary>
    public int SlowWrites { get; private set; }
    public long MaxWriteMs { get; private set; }

    /// <summary>Paths call this after each file-side syscall with the timestamp taken before it. No allocation.</summary>
    public void NoteWrite(long startTimestamp)
    {
        long ms = (long)System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        if (ms > MaxWriteMs) MaxWriteMs = ms;
        if (ms >= SlowWriteMs) SlowWrites++;
    }

    private int _directFd = -1;
    private int _directErrno;

    /// <summary>
    /// A second descriptor on the same file with O_DIRECT, opened on first use. Whether the
    /// filesystem allows it is asked once: EINVAL here (old tmpfs, some FUSE, jffs2) is final.
    /// </summary>
    /// <summary>Test seam: behave as a filesystem that refuses O_DIRECT with this errno.</summary>
    internal void RefuseDirectForTesting(int errno)
    {
        if (_directFd >= 0) { Libc.Close(_directFd); _directFd = -1; }
        _directErrno = errno;
    }

    public bool TryGetDirectFd(out int fd, out int errno)
    {
        if (_directFd < 0 && _directErrno == 0)
        {
            _directFd = Libc.Open(Path, Libc.O_WRONLY | Libc.O_DIRECT | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
            if (_directFd < 0) _directErrno = Libc.LastErrno;
        }
        fd = _directFd;
        errno = _directErrno;
        return fd >= 0;
    }

    /// <summary>pwrite all of <paramref name="data"/> at <paramref name="offset"/>; returns 0 or the errno.</summary>
    public unsafe int TryWriteAll(ReadOnlySpan<byte> data, long offset, out long written)
    {
        written = 0;
        fixed (byte* p = data)
        {
            while (written < data.Length)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                nint n = Libc.PWrite(Fd, p + written, (nuint)(data.Length - written), offset + written);
                NoteWrite(t0);
                if (n > 0) { written += n; continue; }
                int errno = n < 0 ? Libc.LastErrno : Libc.ENOSPC; // pwrite returning 0 for a non-empty buffer: no room
                if (errno == Libc.EINTR) continue;
                return errno;
            }
        }
        return 0;
    }

    /// <summary>fdatasync; returns 0 or the errno (EIO here means written data is lost: never ignore).</summary>
    public int TrySync()
    {
        while (true)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            int r = Libc.FDataSync(Fd);
            NoteWrite(t0);
            if (r == 0) return 0;
            int errno = Libc.LastErrno;
            if (errno != Libc.EINTR) return errno;
        }
    }

    public void Dispose()
    {
        if (_directFd >= 0) { Libc.Close(_directFd); _directFd = -1; }
        if (Fd >= 0) { Libc.Close(Fd); Fd = -1; }
    }
}
