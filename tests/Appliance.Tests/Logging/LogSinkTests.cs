using System.Diagnostics;
using System.Text.RegularExpressions;
using Recd.Logging;
using Xunit.Abstractions;

namespace Recd.Tests.Logging;

public sealed partial class LogSinkTests(ITestOutputHelper output)
{
    private const int Calls = 100_000;
    private const int QueueLines = 100;

    [Fact]
    public void StalledPipe_CallsReturnPromptly_DropsAreCounted_ThenLinesAndTheDroppedLineComeOut()
    {
        using var pipe = new TestPipe();
        using var sink = new LogSink(pipe.WriteFd, QueueLines);

        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Calls; i++) sink.Write(LogLevel.Info, "recording r" + i + " committed");
        sw.Stop();
        long dropped = sink.Dropped;
        output.WriteLine($"{Calls} calls with nobody reading: {sw.Elapsed.TotalMilliseconds:F0} ms, {dropped} dropped");
        // The old lock-around-write blocked for good on the 1,300th or so line; 2 s is for a loaded 2-core box.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"{Calls} calls took {sw.Elapsed}");
        // Accepted at most: the queue, what the 64 KiB pipe holds (lines are > 40 bytes), one batch in flight.
        Assert.True(dropped >= Calls - QueueLines - 65536 / 40 - 64, $"only {dropped} dropped");

        var flush = Stopwatch.StartNew();
        Assert.False(sink.Flush(TimeSpan.FromMilliseconds(200)));
        Assert.True(flush.Elapsed < TimeSpan.FromSeconds(1), $"Flush(200 ms) on a stalled pipe took {flush.Elapsed}");
        Assert.Contains(sink.Recent(1), line => line.EndsWith("recording r" + (Calls - 1) + " committed"));

        // Drops while the pipe still had room (the writer thread not yet scheduled) are reported as
        // soon as it catches up, so there may be several dropped lines; the last one comes after the stall.
        string text = pipe.ReadUntil(t => Reported(t) == dropped, TimeSpan.FromSeconds(20));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var numbers = lines.Select(l => RecordingNumber().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        long reported = Reported(text);
        output.WriteLine($"read back {numbers.Count} lines, reported dropped {reported}; last line: {lines[^1]}");
        Assert.Equal(dropped, reported);
        Assert.Equal(Calls, numbers.Count + reported);
        Assert.True(numbers.SequenceEqual(numbers.Order()), "lines came out of order");
        Assert.Equal(0, numbers[0]);
        Assert.Matches(DroppedLine(), lines[^1]);
        Assert.True(sink.Flush(TimeSpan.FromSeconds(5)));
        Assert.Equal(dropped, sink.Dropped);
    }

    [Fact]
    public void ReaderGone_LinesCountAsDropped_WriterDoesNotSpinOrThrow()
    {
        using var pipe = new TestPipe();
        pipe.CloseReader(); // every write now fails with EPIPE (.NET ignores SIGPIPE)
        using var sink = new LogSink(pipe.WriteFd, QueueLines);
        for (int i = 0; i < 10; i++) sink.Write(LogLevel.Warn, "line " + i);
        Assert.True(sink.Flush(TimeSpan.FromSeconds(5)));
        Assert.Equal(10, sink.Dropped);
        Assert.Equal(10, sink.Recent(256).Length);
        // A writer that re-queued the unwritable dropped-count line would never be idle again.
        Thread.Sleep(100);
        Assert.True(sink.Flush(TimeSpan.FromMilliseconds(100)), "writer still busy with a dead fd");
        Assert.Equal(10, sink.Dropped);
    }

    [Fact]
    public void ReadPipe_EveryLineArrivesWhole_AndFlushWaitsForThem()
    {
        using var pipe = new TestPipe();
        using var sink = new LogSink(pipe.WriteFd, QueueLines);
        string longMessage = new('x', 40_000); // bigger than the writer's 16 KiB buffer
        sink.Write(LogLevel.Error, "first");
        sink.Write(LogLevel.Info, longMessage);
        sink.Write(LogLevel.Debug, "last é");
        Assert.True(sink.Flush(TimeSpan.FromSeconds(5)));
        var lines = pipe.ReadUntil(t => t.Contains("last"), TimeSpan.FromSeconds(5)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z error first$", lines[0]);
        Assert.EndsWith(" info  " + longMessage, lines[1]);
        Assert.EndsWith(" debug last é", lines[2]);
        Assert.Equal(0, sink.Dropped);
    }

    private static long Reported(string text) =>
        DroppedLine().Matches(text).Sum(m => long.Parse(m.Groups[1].Value));

    [GeneratedRegex(@" recording r(\d+) committed$")]
    private static partial Regex RecordingNumber();

    [GeneratedRegex(@" log: (\d+) lines dropped")]
    private static partial Regex DroppedLine();
}
