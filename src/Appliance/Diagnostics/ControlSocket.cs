using System.Text;
using Recd.Ingest;
using Recd.Interop;
using Recd.Logging;

namespace Recd.Diagnostics;

/// <summary>
/// A Unix-domain control socket (mode 0600, owned by the service user once root is dropped): one
/// command line in, a text answer out, then close. It reads snapshots only and never takes a lock the
/// data path holds across I/O, so a stuck client or disk cannot stall it or be stalled by it beyond
/// a send timeout. The full diagnostics shell builds on this.
/// </summary>
public sealed unsafe class ControlSocket : IDisposable
{
    private readonly string _path;
    private readonly Func<string, string> _execute;
    private int _fd = -1;
    private volatile bool _stopping;

    public ControlSocket(string path, Func<string, string> execute)
    {
        _path = Path.GetFullPath(path);
        _execute = execute;
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
            pfd.REvents = 0;
            if (Libc.Poll(&pfd, 1, 250) <= 0) continue;
            int fd = Libc.Accept4(_fd, null, null, Libc.SOCK_CLOEXEC);
            if (fd < 0) continue;
            using var client = new ClientSocket(fd, "control");
            try { Serve(client); }
            catch (Exception e) { Log.Warn("control socket: " + e.Message); }
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
        client.SendAll(Encoding.UTF8.GetBytes(_execute(line)));
    }

    public void Dispose()
    {
        _stopping = true;
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) Libc.Close(fd);
        try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Client side ("recd ctl"): sends one command line, returns the answer.</summary>
    public static string Send(string path, string command)
    {
        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException("socket: " + Libc.ErrnoName(Libc.LastErrno));
        using var socket = new ClientSocket(fd, "ctl");
        byte* sa = stackalloc byte[Libc.SockAddrUnSize];
        if (!Libc.WriteUnixAddress(Path.GetFullPath(path), sa)) throw new ArgumentException("control socket path too long");
        if (Libc.Connect(fd, sa, Libc.SockAddrUnSize) != 0)
            throw new IOException($"cannot reach the daemon at {path}: {Libc.ErrnoName(Libc.LastErrno)}");
        socket.SetReceiveTimeout(10_000);
        socket.SendAll(Encoding.UTF8.GetBytes(command + "\n"));
        var answer = new MemoryStream();
        var buffer = new ConnectionBuffer(16384);
        while (buffer.Fill(socket, 10_000) == ConnectionBuffer.FillResult.Read)
        {
            answer.Write(buffer.Data);
            buffer.Consume(buffer.Count);
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
