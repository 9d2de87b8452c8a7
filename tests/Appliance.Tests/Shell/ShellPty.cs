using System.Text;
using Recd.Diagnostics.Shell;
using Recd.Interop;

namespace Recd.Tests.Shell;

/// <summary>A real pseudo-terminal: the test types into the master, the shell runs on the slave.</summary>
public sealed unsafe class ShellPty : IDisposable
{
    private readonly int _master;
    private readonly StringBuilder _screen = new();

    public ShellPty()
    {
        _master = Libc.OpenPtyMaster(out string slave, out int errno);
        Assert.True(_master >= 0, "posix_openpt: " + Libc.ErrnoName(errno));
        SlavePath = slave;
    }

    public string SlavePath { get; }

    public void Type(string bytes)
    {
        var data = Encoding.Latin1.GetBytes(bytes);
        fixed (byte* p = data) Assert.Equal(data.Length, (int)Libc.Write(_master, p, (nuint)data.Length));
    }

    /// <summary>Everything the shell wrote so far, read from the master until <paramref name="text"/> shows (after the mark).</summary>
    public string WaitFor(string text, int from = 0, int timeoutMs = 5000)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        byte* buf = stackalloc byte[4096];
        while (_screen.ToString().IndexOf(text, from, StringComparison.Ordinal) < 0)
        {
            int left = (int)(deadline - Environment.TickCount64);
            Assert.True(left > 0, $"'{Escape(text)}' not on screen: '{Escape(_screen.ToString()[from..])}'");
            var pfd = new Libc.PollFd { Fd = _master, Events = Libc.POLLIN };
            if (Libc.Poll(&pfd, 1, Math.Min(left, 100)) <= 0) continue;
            nint n = Libc.Read(_master, buf, 4096);
            if (n > 0) _screen.Append(Encoding.Latin1.GetString(buf, (int)n));
        }
        return _screen.ToString();
    }

    /// <summary>Where the screen ends now: pass to WaitFor to look only at what comes next.</summary>
    public int Mark => _screen.Length;

    private static string Escape(string s) => s.Replace("\e", "\\e").Replace("\r", "\\r").Replace("\n", "\\n");

    public void Dispose() => Libc.Close(_master);
}

/// <summary>A shell session on a pty slave, on its own thread, with a table of test commands.</summary>
public sealed class ShellOnPty : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<bool> _run;
    public int Marks;

    public ShellOnPty(CommandTable? table = null)
    {
        Pty = new ShellPty();
        Table = table ?? new CommandTable();
        Table.Add(new("echo", "echo WORDS", "prints its words", "Prints its words.", false, (ctx, args) => { ctx.Line(string.Join(' ', args)); return 0; }))
            .Add(new("mark", "mark", "counts", "Counts.", false, (ctx, _) => { Interlocked.Increment(ref Marks); ctx.Line($"marked {Marks}"); return 0; }))
            .Add(new("slow", "slow", "runs until Ctrl-C", "Runs until cancelled.", false, (ctx, _) =>
            {
                ctx.Line("slow started");
                while (true) { ctx.Cancel.ThrowIfCancellationRequested(); Thread.Sleep(10); }
            }))
            .Add(new("flood", "flood", "writes 256 KiB", "Writes 256 KiB.", false, (ctx, _) =>
            {
                string line = new string('f', 1023) + "\n";
                for (int i = 0; i < 256; i++) ctx.Out.Write(line);
                return 0;
            }));
        Terminal = FdTerminal.OpenTty(Pty.SlavePath, 115200);
        _run = Task.Factory.StartNew(() => new ShellSession(Table, Terminal, privileged: true).Run(_stop.Token), TaskCreationOptions.LongRunning);
        Pty.WaitFor("recd> ");
    }

    public ShellPty Pty { get; }
    public CommandTable Table { get; }
    public FdTerminal Terminal { get; }

    /// <summary>The session's Run result (true: ended by Ctrl-D) once it ended within the timeout.</summary>
    public bool? Ended(int timeoutMs) => _run.Wait(timeoutMs) ? _run.Result : null;

    public void Dispose()
    {
        _stop.Cancel();
        _run.Wait(3000);
        Terminal.Dispose();
        Pty.Dispose();
    }
}
