using System.Text;
using Recd.Interop;

namespace Recd.Tests.Logging;

/// <summary>
/// A real pipe(2) standing in for stderr: the write end blocks when the pipe is full (as a stderr
/// nobody reads does), the read end is non-blocking so the test decides when bytes leave it.
/// </summary>
internal sealed unsafe class TestPipe : IDisposable
{
    public TestPipe()
    {
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0) throw new IOException("pipe2: " + Libc.ErrnoName(Libc.LastErrno));
        ReadFd = fds[0];
        WriteFd = fds[1];
        if (Libc.Fcntl(ReadFd, Libc.F_SETFL, Libc.O_NONBLOCK) != 0) throw new IOException("fcntl: " + Libc.ErrnoName(Libc.LastErrno));
    }

    public int ReadFd { get; private set; }
    public int WriteFd { get; private set; }

    /// <summary>Reads until <paramref name="done"/> says the text so far is enough, or the timeout passes.</summary>
    public string ReadUntil(Func<string, bool> done, TimeSpan timeout)
    {
        var text = new StringBuilder();
        var bytes = new List<byte>();
        byte[] buffer = new byte[64 * 1024];
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            nint n;
            fixed (byte* p = buffer) n = Libc.Read(ReadFd, p, (nuint)buffer.Length);
            if (n > 0)
            {
                bytes.AddRange(buffer.AsSpan(0, (int)n));
                // Only whole lines are judged: a line may arrive split over two reads.
                int lastNewline = bytes.LastIndexOf((byte)'\n');
                if (lastNewline >= 0 && done(Encoding.UTF8.GetString([.. bytes[..(lastNewline + 1)]]))) break;
                continue;
            }
            var pfd = new Libc.PollFd { Fd = ReadFd, Events = Libc.POLLIN };
            Libc.Poll(&pfd, 1, 100);
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    public void CloseReader()
    {
        if (ReadFd >= 0) Libc.Close(ReadFd);
        ReadFd = -1;
    }

    public void Dispose()
    {
        CloseReader();
        if (WriteFd >= 0) Libc.Close(WriteFd);
        WriteFd = -1;
    }
}
