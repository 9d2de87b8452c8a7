using Recd.Interop;
using Recd.Logging;

namespace Recd.Diagnostics.Shell;

/// <summary>
/// A terminal over a file descriptor: a tty (put in raw 8N1 mode at the profile's baud rate, its
/// settings restored on dispose) or a connected session socket. Input is read with poll + read on
/// the fd, which the output pump has made non-blocking; output goes through the pump.
/// </summary>
public sealed unsafe class FdTerminal : ITerminal
{
    private readonly int _fd;
    private readonly bool _ownsFd;
    private readonly bool _socket;
    private readonly OutputPump _pump;
    private Libc.Termios _saved;
    private bool _restore;

    private FdTerminal(int fd, bool ownsFd, bool socket, bool raw)
    {
        _fd = fd;
        _ownsFd = ownsFd;
        _socket = socket;
        Raw = raw;
        _pump = new OutputPump(fd, socket);
    }

    public bool Raw { get; }
    public OutputPump Output => _pump;

    /// <summary>
    /// Opens a tty for the console: O_NOCTTY (the daemon must not acquire a controlling terminal whose
    /// hangup would SIGHUP it), O_NONBLOCK (the open must not wait for carrier). If it is not a tty or
    /// refuses raw mode, the shell still runs with plain line reads.
    /// </summary>
    public static FdTerminal OpenTty(string path, int baud)
    {
        int fd = Libc.Open(path, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_NONBLOCK | Libc.O_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"console {path}: {Libc.ErrnoName(Libc.LastErrno)}");
        return ForTty(fd, ownsFd: true, baud, path);
    }

    /// <summary>An fd that should be a tty (the caller's, or one just opened).</summary>
    public static FdTerminal ForTty(int fd, bool ownsFd, int baud, string what)
    {
        Libc.Termios saved;
        bool raw = false;
        if (Libc.TcGetAttr(fd, &saved) == 0)
        {
            var t = saved;
            Libc.MakeRaw8N1(&t);
            uint speed = baud > 0 ? Libc.BaudConstant(baud) : 0;
            if (baud > 0 && speed == 0) Log.Warn($"console {what}: no baud constant for {baud}, keeping the line's speed");
            // A virtio console or a pty may refuse or ignore the speed; raw mode is what matters.
            if (speed != 0 && Libc.CfSetSpeed(&t, speed) != 0) Log.Warn($"console {what}: cfsetspeed {baud}: {Libc.ErrnoName(Libc.LastErrno)}");
            raw = Libc.TcSetAttr(fd, Libc.TCSANOW, &t) == 0;
            if (!raw) Log.Warn($"console {what}: cannot go raw ({Libc.ErrnoName(Libc.LastErrno)}): plain line reads");
        }
        else Log.Info($"console {what}: not a terminal ({Libc.ErrnoName(Libc.LastErrno)}): plain line reads");
        var term = new FdTerminal(fd, ownsFd, socket: false, raw);
        term._saved = saved;
        term._restore = raw;
        return term;
    }

    /// <summary>A session socket: the client says whether it sends keystrokes (raw) or lines.</summary>
    public static FdTerminal ForSocket(int fd, bool raw) => new(fd, ownsFd: false, socket: true, raw);

    public int Read(Span<byte> buffer, int timeoutMs)
    {
        var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        int r = Libc.Poll(&pfd, 1, timeoutMs);
        if (r < 0) return Libc.LastErrno == Libc.EINTR ? 0 : -1;
        if (r == 0) return 0;
        fixed (byte* p = buffer)
        {
            nint n = _socket ? Libc.Recv(_fd, p, (nuint)buffer.Length, Libc.MSG_DONTWAIT) : Libc.Read(_fd, p, (nuint)buffer.Length);
            if (n > 0) return (int)n;
            if (n < 0 && Libc.LastErrno is Libc.EAGAIN or Libc.EINTR) return 0;
            return -1; // EOF, or EIO once a tty hung up
        }
    }

    public void Write(string text) => _pump.Write(text);

    public void Dispose()
    {
        _pump.Flush(500);
        _pump.Dispose();
        if (_restore)
        {
            var saved = _saved;
            Libc.TcSetAttr(_fd, Libc.TCSANOW, &saved);
        }
        if (_ownsFd) Libc.Close(_fd);
    }
}
