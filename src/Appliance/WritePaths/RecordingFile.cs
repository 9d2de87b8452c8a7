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
                nint n = Libc.PWrite(Fd, p + written, (nuint)(data.Length - written), offset + written);
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
            if (Libc.FDataSync(Fd) == 0) return 0;
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
