using System.Diagnostics;
using Recd.Diagnostics;
using Recd.Diagnostics.Shell;
using Recd.Interop;
using Recd.Recordings;
using Recd.Tests.Recordings;

namespace Recd.Tests.Shell;

/// <summary>The shell against a real pseudo-terminal: raw mode, keys as a terminal sends them, a tty nobody reads.</summary>
public sealed class ShellPtyTests
{
    [Fact]
    public unsafe void TheTtyGoesRaw8N1AtTheProfileSpeed()
    {
        using var shell = new ShellOnPty();
        int fd = Libc.Open(shell.Pty.SlavePath, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        Assert.True(fd >= 0);
        try
        {
            Libc.Termios t;
            Assert.Equal(0, Libc.TcGetAttr(fd, &t));
            Assert.Equal(0u, t.LFlag & (Libc.ICANON | Libc.ECHO | Libc.ISIG));
            Assert.Equal(0u, t.IFlag & (Libc.IXON | Libc.ICRNL));
            Assert.Equal(Libc.CS8, t.CFlag & Libc.CSIZE);
            Assert.Equal(0u, t.CFlag & (Libc.PARENB | Libc.CSTOPB));
            Assert.Equal(Libc.BaudConstant(115200), Libc.CfGetOSpeed(&t));
        }
        finally { Libc.Close(fd); }
    }

    [Fact]
    public void ACommandRunsAndThePromptComesBack()
    {
        using var shell = new ShellOnPty();
        int mark = shell.Pty.Mark;
        shell.Pty.Type("echo hello\r");
        shell.Pty.WaitFor("echo hello\r\nhello\r\nrecd> ", mark);
    }

    [Fact]
    public void HelpListsTheTableAndHelpCmdExplainsOne()
    {
        using var shell = new ShellOnPty();
        int mark = shell.Pty.Mark;
        shell.Pty.Type("help\r");
        shell.Pty.WaitFor("slow", mark);
        mark = shell.Pty.Mark;
        shell.Pty.Type("? echo\r");
        shell.Pty.WaitFor("usage: echo WORDS\r\nPrints its words.\r\n", mark);
    }

    [Fact]
    public void UpArrowRecallsHistory()
    {
        using var shell = new ShellOnPty();
        shell.Pty.Type("echo one\r");
        shell.Pty.WaitFor("one\r\nrecd> ");
        shell.Pty.Type("echo two\r");
        shell.Pty.WaitFor("two\r\nrecd> ");
        int mark = shell.Pty.Mark;
        shell.Pty.Type("\e[A\e[A\r");
        shell.Pty.WaitFor("\r\none\r\nrecd> ", mark);
    }

    [Fact]
    public void AnEscapeSequenceSplitAcrossReadsIsOneKey()
    {
        using var shell = new ShellOnPty();
        shell.Pty.Type("echo split\r");
        shell.Pty.WaitFor("split\r\nrecd> ");
        int mark = shell.Pty.Mark;
        // Separate writes, separate reads: what a slow UART does inside the decoder's 50 ms wait.
        shell.Pty.Type("\e");
        Thread.Sleep(20);
        shell.Pty.Type("[");
        Thread.Sleep(20);
        shell.Pty.Type("A");
        Thread.Sleep(20);
        shell.Pty.Type("\r");
        string screen = shell.Pty.WaitFor("split\r\nrecd> ", mark);
        Assert.DoesNotContain("[A", screen[mark..]);
    }

    [Fact]
    public void ALoneEscapeThenTextAfterTheWaitIsText()
    {
        using var shell = new ShellOnPty();
        int mark = shell.Pty.Mark;
        shell.Pty.Type("\e");
        Thread.Sleep(200); // past the wait: the ESC was a key of its own, dropped
        shell.Pty.Type("[Aecho x\r");
        shell.Pty.WaitFor("unknown command '[Aecho'", mark);
    }

    [Fact]
    public void EnterOnAnEmptyLineRepeats()
    {
        using var shell = new ShellOnPty();
        shell.Pty.Type("mark\r");
        shell.Pty.WaitFor("marked 1\r\nrecd> ");
        shell.Pty.Type("\r");
        shell.Pty.WaitFor("marked 2\r\nrecd> ");
        Assert.Equal(2, shell.Marks);
    }

    [Fact]
    public void CtrlCCancelsTheLineAndTheRunningCommand()
    {
        using var shell = new ShellOnPty();
        int mark = shell.Pty.Mark;
        shell.Pty.Type("mark but not\x03");
        shell.Pty.WaitFor("^C\r\nrecd> ", mark);
        Assert.Equal(0, shell.Marks);
        shell.Pty.Type("slow\r");
        shell.Pty.WaitFor("slow started");
        mark = shell.Pty.Mark;
        shell.Pty.Type("mark\r"); // typed while busy: dropped, not run later
        var clock = Stopwatch.StartNew();
        shell.Pty.Type("\x03");
        shell.Pty.WaitFor("cancelled\r\nrecd> ", mark, timeoutMs: 2000);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"cancel took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, shell.Marks);
    }

    [Fact]
    public void CtrlDOnAnEmptyLineEndsTheSession()
    {
        using var shell = new ShellOnPty();
        shell.Pty.Type("x\x04"); // not empty: deletes (nothing under the cursor), the session goes on
        Assert.Null(shell.Ended(200));
        shell.Pty.Type("\x15\x04");
        Assert.True(shell.Ended(2000));
    }

    [Fact]
    public void AnUnreadTtyDropsOutputAndStallsNothing()
    {
        // The master is never read: the pty's buffer fills, then the pump's ring, then output is dropped.
        using var store = new StoreFixture();
        var commands = new DiagnosticCommands(new Recd.Board.BoardProfile(), store.Store, () => 0, DateTime.UtcNow);
        using var shell = new ShellOnPty(commands.Table);
        for (int i = 0; i < 4; i++) shell.Pty.Type("flood\r");
        var clock = Stopwatch.StartNew();
        while (shell.Terminal.Output.Dropped == 0 && clock.ElapsedMilliseconds < 10_000) Thread.Sleep(20);
        Assert.True(shell.Terminal.Output.Dropped > 0, "nothing dropped: the tty was read after all?");

        // The session still takes commands...
        shell.Pty.Type("mark\r");
        clock.Restart();
        while (shell.Marks == 0 && clock.ElapsedMilliseconds < 5000) Thread.Sleep(10);
        Assert.Equal(1, shell.Marks);

        // ... the other front ends answer from the same table ...
        var output = new StringOutput();
        Assert.Equal(0, commands.Table.Execute("status", new CommandContext(output, false, false, CancellationToken.None)));
        Assert.StartsWith("recd up", output.ToString());

        // ... and a recording is written and committed meanwhile.
        using (var rec = store.Begin("during.ts", Recd.WritePaths.WritePathKind.Buffered))
        {
            Assert.True(rec.WriteFromBuffer(new byte[1 << 20]).IsCompleted);
            Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        }
        Assert.Equal(1 << 20, store.Store.Find("during.ts")!.CommittedLength);
        Assert.True(clock.ElapsedMilliseconds < 5000);
    }
}
