using System.Runtime.InteropServices;
using Recd.Board;
using Recd.Diagnostics;
using Recd.Interop;

namespace Recd.Hosting;

/// <summary>
/// "recd console [--tty PATH] [--socket PATH]": the daemon's diagnostics shell on any terminal,
/// through the control socket. The tty (default: this process's own, /dev/tty) goes raw and every
/// keystroke is relayed as is: line editing, history and Ctrl-C happen in the daemon, exactly as on
/// the serial console. Not a terminal (a pipe, a file): plain lines, the shell degrades as it would
/// on a tty that cannot go raw. Ends when the session does (Ctrl-D on an empty line).
/// </summary>
public static unsafe class ConsoleCommand
{
    public static int Run(string[] args)
    {
        string? socket = null, tty = null;
        var profileArgs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--socket" && i + 1 < args.Length) socket = args[++i];
            else if (args[i] == "--tty" && i + 1 < args.Length) tty = args[++i];
            else if (args[i].StartsWith("--") && i + 1 < args.Length) { profileArgs.Add(args[i]); profileArgs.Add(args[++i]); }
            else throw new ArgumentException($"console: unexpected '{args[i]}' (usage: recd console [--tty PATH] [--socket PATH])");
        }
        socket ??= RuntimeFolders.Resolve(ProfileLoader.Load([.. profileArgs]).Profile).ControlSocket;

        int inFd = 0, outFd = 1;
        bool owned = false;
        if (tty is not null)
        {
            inFd = outFd = Libc.Open(tty, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
            if (inFd < 0) throw new IOException($"console: {tty}: {Libc.ErrnoName(Libc.LastErrno)}");
            owned = true;
        }
        Libc.Termios saved;
        bool raw = false;
        if (Libc.TcGetAttr(inFd, &saved) == 0)
        {
            var t = saved;
            Libc.MakeRaw8N1(&t);
            raw = Libc.TcSetAttr(inFd, Libc.TCSANOW, &t) == 0;
        }
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => { ctx.Cancel = true; stop.Cancel(); });
        int sock = -1;
        try
        {
            sock = ControlSocket.ConnectSession(socket, raw);
            return Relay(inFd, outFd, sock, stop.Token);
        }
        finally
        {
            if (sock >= 0) Libc.Close(sock);
            if (raw) Libc.TcSetAttr(inFd, Libc.TCSANOW, &saved);
            if (owned) Libc.Close(inFd);
        }
    }

    private static int Relay(int inFd, int outFd, int sock, CancellationToken stop)
    {
        byte* buf = stackalloc byte[4096];
        var fds = stackalloc Libc.PollFd[2];
        bool greeted = false, inputOpen = true;
        while (!stop.IsCancellationRequested)
        {
            // Keys wait until the daemon has answered the session line: it reads that line alone.
            fds[0] = new Libc.PollFd { Fd = greeted && inputOpen ? inFd : -1, Events = Libc.POLLIN };
            fds[1] = new Libc.PollFd { Fd = sock, Events = Libc.POLLIN };
            int r = Libc.Poll(fds, 2, 250);
            if (r < 0 && Libc.LastErrno != Libc.EINTR) return 1;
            if (r <= 0) continue;
            if ((fds[1].REvents & (Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR)) != 0)
            {
                nint n = Libc.Recv(sock, buf, 4096, 0);
                if (n <= 0) return 0; // the session ended
                greeted = true;
                if (!WriteAll(outFd, buf, (int)n)) return 1;
            }
            if ((fds[0].REvents & (Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR)) != 0)
            {
                nint n = Libc.Read(inFd, buf, 4096);
                if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                if (n <= 0)
                {
                    // End of piped input: EOT ends the session once the last command's answer is out.
                    inputOpen = false;
                    byte eot = 4;
                    Libc.Send(sock, &eot, 1, Libc.MSG_NOSIGNAL);
                    continue;
                }
                if (Libc.Send(sock, buf, (nuint)n, Libc.MSG_NOSIGNAL) != n) return 1;
            }
        }
        return 0;
    }

    private static bool WriteAll(int fd, byte* p, int n)
    {
        while (n > 0)
        {
            nint w = Libc.Write(fd, p, (nuint)n);
            if (w < 0 && Libc.LastErrno == Libc.EINTR) continue;
            if (w <= 0) return false;
            p += w;
            n -= (int)w;
        }
        return true;
    }
}
