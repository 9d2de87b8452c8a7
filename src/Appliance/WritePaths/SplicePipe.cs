using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// The pipe between socket and file for one recording (HAProxy's struct pipe). Owns both ends and
/// knows how many bytes it holds: a pipe with bytes in it is never reused for anything else, it is
/// drained into the file or thrown away with its recording.
/// </summary>
public sealed unsafe class SplicePipe : IDisposable
{
    private SplicePipe(int readFd, int writeFd, int size)
    {
        ReadFd = readFd;
        WriteFd = writeFd;
        Size = size;
    }

    public int ReadFd { get; private set; }
    public int WriteFd { get; private set; }

    /// <summary>The capacity the kernel granted (F_GETPIPE_SZ), which may be less than asked.</summary>
    public int Size { get; }

    public long Held { get; set; }

    /// <summary>Blocking pipe: it is always drained before the next socket -> pipe splice, so it never fills behind our back.</summary>
    public static SplicePipe? TryCreate(int requestedBytes, out int errno)
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0) { errno = Libc.LastErrno; return null; }
        errno = 0;
        // EPERM above /proc/sys/fs/pipe-max-size for unprivileged users, or a shrunk pipe under
        // pipe-user-pages-soft: both normal. Use whatever was granted.
        Libc.Fcntl(fds[1], Libc.F_SETPIPE_SZ, requestedBytes);
        int granted = Libc.Fcntl(fds[1], Libc.F_GETPIPE_SZ, 0);
        return new SplicePipe(fds[0], fds[1], granted > 0 ? granted : 4096 * 16) { RequestedBytes = requestedBytes };
    }

    /// <summary>The size asked for at creation (what a pool matches on).</summary>
    public int RequestedBytes { get; private init; }

    public void Dispose()
    {
        if (ReadFd >= 0) { Libc.Close(ReadFd); ReadFd = -1; }
        if (WriteFd >= 0) { Libc.Close(WriteFd); WriteFd = -1; }
    }
}
