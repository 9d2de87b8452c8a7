using System.Diagnostics;
using System.Runtime.InteropServices;
using Recd.Board;
using Recd.Interop;

namespace Recd.Calibration;

/// <summary>
/// The copies a write path is made of, each timed alone: memcpy (DRAM bandwidth), copy_to_user
/// (read() from a pipe), copy_from_user (write() into a pipe), splice pipe -> file, page-cache
/// pwrite and O_DIRECT pwrite on the storage root. A board whose copy_to_user runs far below its
/// memcpy (an arm __copy_user without the fast path) is a board where saving the socket -> user
/// copy pays: splice's case, told by numbers, not by SoC name. Only the measured call sits between
/// the clock reads; the pipe is filled or drained outside them by calls that do not copy the data
/// through user space (splice from /dev/zero, splice to /dev/null). native/calib_probe.c measures
/// the same way and prints the same keys. Each primitive runs for its time slice or its byte cap,
/// whichever comes first; its scratch file is removed before it returns.
/// </summary>
public static unsafe class CopyPrimitives
{
    /// <summary>Pipe transfers in 64 KiB: the default pipe size, granted on every kernel without F_SETPIPE_SZ.</summary>
    public const int PipeChunk = 64 * 1024;

    /// <summary>File writes and memcpy in 1 MiB blocks, over 16 MiB so the copy streams through DRAM on a set-top box's L2.</summary>
    public const int Block = 1 << 20, Span = 16 << 20;

    public static CopyPrimitiveFigures Measure(string scratchDir, TimeSpan each, long byteCap, CancellationToken cancel = default)
    {
        var figures = new CopyPrimitiveFigures();
        using var src = new WritePaths.NativeBuffer(Span);
        using var dst = new WritePaths.NativeBuffer(Span);
        new Span<byte>(src.Pointer, Span).Fill(0x47); // touched: page faults are not the copy
        new Span<byte>(dst.Pointer, Span).Clear();
        figures.Memcpy = Memcpy(src.Pointer, dst.Pointer, each, byteCap);
        cancel.ThrowIfCancellationRequested();
        figures.CopyToUser = ReadFromPipe(dst.Pointer, each, byteCap);
        cancel.ThrowIfCancellationRequested();
        figures.CopyFromUser = WriteIntoPipe(src.Pointer, each, byteCap);
        cancel.ThrowIfCancellationRequested();
        figures.SpliceToFile = SpliceToFile(Path.Combine(scratchDir, "splice.tmp"), src.Pointer, each, byteCap);
        cancel.ThrowIfCancellationRequested();
        figures.PageCacheWrite = FileWrite(Path.Combine(scratchDir, "pagecache.tmp"), src.Pointer, direct: false, each, byteCap);
        cancel.ThrowIfCancellationRequested();
        figures.DirectWrite = FileWrite(Path.Combine(scratchDir, "direct.tmp"), src.Pointer, direct: true, each, byteCap);
        return figures;
    }

    /// <summary>Sums the measured calls' wall and thread-CPU time.</summary>
    private struct Clock
    {
        public long Bytes, CpuNs, WallTicks;
        private long _cpu0, _wall0;
        public void Start() { _cpu0 = Libc.ThreadCpuNanoseconds(); _wall0 = Stopwatch.GetTimestamp(); }
        public void Stop(long bytes) { WallTicks += Stopwatch.GetTimestamp() - _wall0; CpuNs += Libc.ThreadCpuNanoseconds() - _cpu0; Bytes += bytes; }
        public readonly PrimitiveFigure Figure()
        {
            double wallS = (double)WallTicks / Stopwatch.Frequency;
            return new PrimitiveFigure
            {
                Bytes = Bytes,
                MiBps = wallS > 0 ? Math.Round(Bytes / wallS / (1 << 20), 1) : 0,
                CpuNsPerByte = Bytes > 0 ? Math.Round((double)CpuNs / Bytes, 4) : 0,
            };
        }
    }

    private static bool Going(long deadline, in Clock c, long cap) => c.Bytes < cap && Stopwatch.GetTimestamp() < deadline;
    private static long Deadline(TimeSpan each) => Stopwatch.GetTimestamp() + (long)(each.TotalSeconds * Stopwatch.Frequency);

    private static PrimitiveFigure Failed(string call, int errno) => new() { Error = $"{call}: {Libc.ErrnoName(errno)}" };

    private static PrimitiveFigure Memcpy(byte* src, byte* dst, TimeSpan each, long cap)
    {
        var c = new Clock();
        long deadline = Deadline(each);
        // Four times the cap: memcpy writes nothing to the medium, and it is the fastest primitive.
        for (int i = 0; Going(deadline, c, cap * 4); i = (i + 1) % (Span / Block))
        {
            c.Start();
            NativeMemory.Copy(src + (long)i * Block, dst + (long)((i + 7) % (Span / Block)) * Block, Block);
            c.Stop(Block);
        }
        return c.Figure();
    }

    private static PrimitiveFigure ReadFromPipe(byte* buf, TimeSpan each, long cap)
    {
        int zero = Libc.Open("/dev/zero", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (zero < 0) return Failed("open /dev/zero", Libc.LastErrno);
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0) { int e = Libc.LastErrno; Libc.Close(zero); return Failed("pipe2", e); }
        try
        {
            var c = new Clock();
            long deadline = Deadline(each);
            for (int i = 0; Going(deadline, c, cap * 4); i = (i + 1) % (Span / PipeChunk))
            {
                nint filled = Libc.Splice(zero, null, fds[1], null, PipeChunk, 0);
                if (filled <= 0) return Failed("splice /dev/zero -> pipe", filled < 0 ? Libc.LastErrno : Libc.EIO);
                for (nint left = filled; left > 0;)
                {
                    c.Start();
                    nint n = Libc.Read(fds[0], buf + (long)i * PipeChunk, (nuint)left);
                    c.Stop(Math.Max(0, n));
                    if (n <= 0) return Failed("read pipe", n < 0 ? Libc.LastErrno : Libc.EIO);
                    left -= n;
                }
            }
            return c.Figure();
        }
        finally { Libc.Close(fds[0]); Libc.Close(fds[1]); Libc.Close(zero); }
    }

    private static PrimitiveFigure WriteIntoPipe(byte* buf, TimeSpan each, long cap)
    {
        int nul = Libc.Open("/dev/null", Libc.O_WRONLY | Libc.O_CLOEXEC, 0);
        if (nul < 0) return Failed("open /dev/null", Libc.LastErrno);
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0) { int e = Libc.LastErrno; Libc.Close(nul); return Failed("pipe2", e); }
        try
        {
            var c = new Clock();
            long deadline = Deadline(each);
            for (int i = 0; Going(deadline, c, cap * 4); i = (i + 1) % (Span / PipeChunk))
            {
                c.Start();
                nint n = Libc.Write(fds[1], buf + (long)i * PipeChunk, PipeChunk);
                c.Stop(Math.Max(0, n));
                if (n <= 0) return Failed("write pipe", n < 0 ? Libc.LastErrno : Libc.EIO);
                for (nint left = n; left > 0;)
                {
                    nint d = Libc.Splice(fds[0], null, nul, null, (nuint)left, 0);
                    if (d <= 0) return Failed("splice pipe -> /dev/null", d < 0 ? Libc.LastErrno : Libc.EIO);
                    left -= d;
                }
            }
            return c.Figure();
        }
        finally { Libc.Close(fds[0]); Libc.Close(fds[1]); Libc.Close(nul); }
    }

    private static PrimitiveFigure SpliceToFile(string path, byte* buf, TimeSpan each, long cap)
    {
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC, 0x180);
        if (fd < 0) return Failed("open " + path, Libc.LastErrno);
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0) { int e = Libc.LastErrno; Libc.Close(fd); Libc.Unlink(path); return Failed("pipe2", e); }
        try
        {
            var c = new Clock();
            long deadline = Deadline(each), offset = 0;
            for (int i = 0; Going(deadline, c, cap); i = (i + 1) % (Span / PipeChunk))
            {
                nint n = Libc.Write(fds[1], buf + (long)i * PipeChunk, PipeChunk);
                if (n <= 0) return Failed("write pipe", n < 0 ? Libc.LastErrno : Libc.EIO);
                for (nint left = n; left > 0;)
                {
                    long off = offset;
                    c.Start();
                    nint m = Libc.Splice(fds[0], null, fd, &off, (nuint)left, Libc.SPLICE_F_MOVE);
                    c.Stop(Math.Max(0, m));
                    if (m <= 0) return Failed("splice pipe -> file", m < 0 ? Libc.LastErrno : Libc.EIO);
                    left -= m;
                    offset += m;
                }
            }
            return c.Figure();
        }
        finally { Libc.Close(fds[0]); Libc.Close(fds[1]); Libc.Close(fd); Libc.Unlink(path); }
    }

    private static PrimitiveFigure FileWrite(string path, byte* buf, bool direct, TimeSpan each, long cap)
    {
        int flags = Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC | (direct ? Libc.O_DIRECT : 0);
        int fd = Libc.Open(path, flags, 0x180);
        if (fd < 0) { int e = Libc.LastErrno; Libc.Unlink(path); return Failed(direct ? "open O_DIRECT" : "open", e); }
        try
        {
            var c = new Clock();
            long deadline = Deadline(each), offset = 0;
            for (int i = 0; Going(deadline, c, cap); i = (i + 1) % (Span / Block))
            {
                c.Start();
                nint n = Libc.PWrite(fd, buf + (long)i * Block, Block, offset);
                c.Stop(Math.Max(0, n));
                if (n <= 0) return Failed(direct ? "pwrite O_DIRECT" : "pwrite", n < 0 ? Libc.LastErrno : Libc.ENOSPC);
                offset += n;
            }
            return c.Figure();
        }
        finally { Libc.Close(fd); Libc.Unlink(path); }
    }
}
