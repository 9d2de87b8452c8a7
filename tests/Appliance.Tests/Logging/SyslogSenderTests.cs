using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Recd.Logging;
using Recd.Tests.Support;

namespace Recd.Tests.Logging;

/// <summary>A bound datagram socket plays /dev/log; the sink feeds it beside a pipe standing in for stderr.</summary>
public sealed class SyslogSenderTests
{
    private static (Socket Socket, string Path) BindDevLog(TempDir dir)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        string path = dir.File("log");
        s.Bind(new UnixDomainSocketEndPoint(path));
        return (s, path);
    }

    private static string? Next(Socket s, int ms = 3000)
    {
        if (!s.Poll(ms * 1000, SelectMode.SelectRead)) return null;
        var buf = new byte[4096];
        return Encoding.UTF8.GetString(buf, 0, s.Receive(buf));
    }

    [Fact]
    public void Syslog_lines_go_out_as_rfc3164_datagrams_with_the_daemon_facility_and_the_level()
    {
        using var dir = new TempDir();
        var (devlog, path) = BindDevLog(dir);
        using var _ = devlog;
        using var pipe = new TestPipe();
        using var sink = new LogSink(pipe.WriteFd, 100) { Syslog = new SyslogSender(path) };
        string tag = $"recd[{Environment.ProcessId}]: ";

        sink.Write(LogLevel.Info, "recd listening on 127.0.0.1:8554");
        sink.Write(LogLevel.Warn, "show.ts: slow write");
        sink.Write(LogLevel.Error, "show.ts: EIO at offset 4096 (fdatasync)");
        sink.Write(LogLevel.Debug, "détail");
        Assert.Equal("<30>" + tag + "recd listening on 127.0.0.1:8554", Next(devlog));
        Assert.Equal("<28>" + tag + "show.ts: slow write", Next(devlog));
        Assert.Equal("<27>" + tag + "show.ts: EIO at offset 4096 (fdatasync)", Next(devlog));
        Assert.Equal("<31>" + tag + "détail", Next(devlog));
        // stderr still gets every line, in its own layout.
        Assert.Contains("warn  show.ts: slow write", pipe.ReadUntil(t => t.Contains("détail"), TimeSpan.FromSeconds(5)));

        sink.Write(LogLevel.Info, new string('x', 10_000));
        string? longLine = Next(devlog);
        Assert.NotNull(longLine);
        Assert.True(Encoding.UTF8.GetByteCount(longLine) <= 2048, "a long line is cut to one datagram");
    }

    [Fact]
    public void Syslog_that_does_not_read_or_is_absent_never_holds_up_the_log_lines_are_dropped_and_counted()
    {
        using var dir = new TempDir();
        var (devlog, path) = BindDevLog(dir);
        using var _ = devlog;
        using var pipe = new TestPipe();
        using var syslog = new SyslogSender(path);
        using var sink = new LogSink(pipe.WriteFd, 1000) { Syslog = syslog };

        // Nobody reads: the receive queue (net.unix.max_dgram_qlen: 10 datagrams by default) fills, then EAGAIN.
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 500; i++) sink.Write(LogLevel.Info, "line " + i);
        string text = pipe.ReadUntil(t => t.Contains("line 499"), TimeSpan.FromSeconds(10));
        Assert.Contains("line 499", text);
        Assert.True(sink.Flush(TimeSpan.FromSeconds(5)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.True(syslog.Dropped > 0, "a full syslog queue drops lines");

        // Gone altogether (ENOENT): stderr goes on as before.
        devlog.Dispose();
        File.Delete(path);
        long before = syslog.Dropped;
        sink.Write(LogLevel.Info, "after syslog went away");
        Assert.Contains("after syslog went away", pipe.ReadUntil(t => t.Contains("after syslog went away"), TimeSpan.FromSeconds(5)));
        Assert.True(sink.Flush(TimeSpan.FromSeconds(2)));
        Assert.Equal(before + 1, syslog.Dropped);
    }
}
