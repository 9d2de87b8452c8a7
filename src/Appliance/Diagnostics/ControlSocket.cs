using System.Text;
using Recd.Diagnostics.Shell;
using Recd.Ingest;
using Recd.Interop;
using Recd.Logging;

namespace Recd.Diagnostics;

/// <summary>
/// A Unix-domain control socket (mode 0600, owned by the service user once root is dropped): one
/// command line in, a text answer out, then close. It reads snapshots only and never takes a lock the
/// data path holds across I/O, so a stuck client or disk cannot stall it or be stalled by it beyond
/// a send timeout.
/// Requests: "CMD..." answers the text (the first protocol); "run CMD..." answers "status N" then
/// the text, for "recd ctl"'s exit status; "session" (or "session plain") turns the connection into
/// a shell session relaying keystrokes (or lines) and screen output, for "recd console". Commands
/// that change state run only for a peer that is root or the daemon's own user (SO_PEERCRED): the
/// socket's mode 0600 already says so, and a mode loosened by hand must not loosen that too.
/// </summary>
public sealed unsafe class ControlSocket : IDisposable
{
    private readonly string _path;
    private readonly CommandTable _table;
    private readonly CancellationTokenSource _stop = new();
    private int _fd = -1;
    private int _clients;
    private volatile bool _stopping;

    /// <summary>Connections served at once (sessions included); more are told so and closed.</summary>
    private const int MaxClients = 4;

    public ControlSocket(string path, CommandTable table)
    {
        _path = Path.GetFullPath(path);
        _table = table;
    }

    public void Start()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        if (File.Exists(_path)) File.Delete(_path); // a socket left by a previous run
        _fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (_fd < 0) throw new IOException("control socket: " + Libc.ErrnoName(Libc.LastErrno));
        byte* sa = stackalloc byte[Libc.SockAddrUnSize];
        if (!Libc.WriteUnixAddress(_path, sa)) throw new ArgumentException($"control socket path too long: {_path}");
        // umask around bind: the socket is never reachable with wider permissions, not even briefly.
        uint old = Libc.Umask(0x7F /* 0177 */);
        int r = Libc.Bind(_fd, sa, Libc.SockAddrUnSize);
        int errno = Libc.LastErrno;
        Libc.Umask(old);
        if (r != 0) throw new IOException($"control socket bind {_path}: {Libc.ErrnoName(errno)}");
        Libc.Chmod(_path, 0x180 /* 0600 */);
        if (Libc.Listen(_fd, 8) != 0) throw new IOException("control socket listen: " + Libc.ErrnoName(Libc.LastErrno));
        new Thread(Loop) { Name = "control", IsBackground = true }.Start();
        Log.Info($"control socket {_path} (0600)");
    }

    private void Loop()
    {
        var pfd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        while (!_stopping)
        {
            // No timeout: a 250 ms one only served to notice _stopping and cost ~130 us of CPU per
            // second on the test VM; Dispose's shutdown(2) of the socket ends the wait (POLLHUP).
            pfd.REvents = 0;
            if (Libc.Poll(&pfd, 1, -1) <= 0 || _stopping) continue;
            if ((pfd.REvents & (Libc.POLLHUP | Libc.POLLERR | Libc.POLLNVAL)) != 0) { Thread.Sleep(1000); continue; }
            int fd = Libc.Accept4(_fd, null, null, Libc.SOCK_CLOEXEC);
            if (fd < 0) continue;
            var client = new ClientSocket(fd, "control");
            // A thread per client: a session or a verify lasting minutes must not hold up "recd ctl status".
            if (Interlocked.Increment(ref _clients) > MaxClients)
            {
                client.SetSendTimeout(200);
                client.SendAll("status 1\nbusy: too many control connections\n"u8);
                client.Dispose();
                Interlocked.Decrement(ref _clients);
                continue;
            }
            new Thread(() =>
            {
                try { Serve(client); }
                catch (Exception e) { Log.Warn("control socket: " + e.Message); }
                finally { client.Dispose(); Interlocked.Decrement(ref _clients); }
            }) { Name = "control-client", IsBackground = true }.Start();
        }
    }

    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(2);

    private void Serve(ClientSocket client)
    {
        client.SetReceiveTimeout((int)ClientTimeout.TotalMilliseconds);
        client.SetSendTimeout((int)ClientTimeout.TotalMilliseconds);
        var buffer = new ConnectionBuffer(4096);
        int lf;
        while ((lf = buffer.Data.IndexOf((byte)'\n')) < 0)
            if (buffer.Fill(client, (int)ClientTimeout.TotalMilliseconds) != ConnectionBuffer.FillResult.Read) break;
        string line = Encoding.UTF8.GetString(lf < 0 ? buffer.Data : buffer.Data[..lf]).Trim();
        bool privileged = Libc.TryGetPeerCred(client.Fd, out var peer) && (peer.Uid == 0 || peer.Uid == Libc.GetEUid());
        if (line is "session" or "session plain")
        {
            // Bytes after the request line are keystrokes; the session reads the socket itself, from the start.
            if (buffer.Count > lf + 1) { client.SendAll("bytes after the session line\n"u8); return; }
            buffer.Consume(lf + 1);
            Log.Info($"control socket: console session (peer uid {peer.Uid}{(privileged ? "" : ", read-only")})");
            using var terminal = FdTerminal.ForSocket(client.Fd, raw: line == "session");
            new ShellSession(_table, terminal, privileged).Run(_stop.Token);
            return;
        }
        bool withStatus = line.StartsWith("run ", StringComparison.Ordinal) || line == "run";
        string command = withStatus ? line[3..].Trim() : line;
        var output = new StringOutput();
        int status = _table.Execute(command.Length == 0 ? "help" : command, new CommandContext(output, privileged, interactive: false, _stop.Token));
        client.SendAll(Encoding.UTF8.GetBytes((withStatus ? $"status {status}\n" : "") + output));
    }

    public void Dispose()
    {
        _stopping = true;
        _stop.Cancel();
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Libc.Shutdown(fd, Libc.SHUT_RDWR);   // ends the loop's poll, which close(2) alone does not
            Libc.Close(fd);
        }
        try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Client side ("recd ctl"): sends one command line, returns the answer.</summary>
    public static string Send(string path, string command, int timeoutMs = 10_000)
    {
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException("socket: " + Libc.ErrnoName(Libc.LastErrno));
        using var socket = new ClientSocket(fd, "ctl");
        byte* sa = stackalloc byte[Libc.SockAddrUnSize];
        if (!Libc.WriteUnixAddress(Path.GetFullPath(path), sa)) throw new ArgumentException("control socket path too long");
        if (Libc.Connect(fd, sa, Libc.SockAddrUnSize) != 0)
            throw new IOException($"cannot reach the daemon at {path}: {Libc.ErrnoName(Libc.LastErrno)}");
        socket.SetReceiveTimeout(timeoutMs);
        socket.SendAll(Encoding.UTF8.GetBytes(command + "\n"));
        var answer = new MemoryStream();
        var buffer = new ConnectionBuffer(16384);
        while (buffer.Fill(socket, timeoutMs) == ConnectionBuffer.FillResult.Read)
        {
            answer.Write(buffer.Data);
            buffer.Consume(buffer.Count);
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    /// <summary>"recd ctl": one command; the daemon's exit status comes back on the first line.</summary>
    public static int Run(string path, string command, out string text, int timeoutMs = 10_000)
    {
        string answer = Send(path, "run " + command, timeoutMs);
        int nl = answer.IndexOf('\n');
        if (nl > 7 && answer.StartsWith("status ", StringComparison.Ordinal) && int.TryParse(answer.AsSpan(7, nl - 7), out int status))
        {
            text = answer[(nl + 1)..];
            return status;
        }
        text = answer; // a daemon before "run": the text alone
        return answer.Length == 0 ? 1 : 0;
    }

    /// <summary>Client side of "recd console": connects and asks for a session; the caller owns the fd.</summary>
    public static int ConnectSession(string path, bool raw)
    {
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException("socket: " + Libc.ErrnoName(Libc.LastErrno));
        byte* sa = stackalloc byte[Libc.SockAddrUnSize];
        if (!Libc.WriteUnixAddress(Path.GetFullPath(path), sa)) { Libc.Close(fd); throw new ArgumentException("control socket path too long"); }
        if (Libc.Connect(fd, sa, Libc.SockAddrUnSize) != 0)
        {
            int errno = Libc.LastErrno;
            Libc.Close(fd);
            throw new IOException($"cannot reach the daemon at {path}: {Libc.ErrnoName(errno)}");
        }
        byte[] hello = Encoding.ASCII.GetBytes(raw ? "session\n" : "session plain\n");
        fixed (byte* p = hello) Libc.Send(fd, p, (nuint)hello.Length, Libc.MSG_NOSIGNAL);
        return fd;
    }
}
