using System.Device.Gpio;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;
using static Recd.Tests.BoardIo.BoardIoFixture;

namespace Recd.Tests.BoardIo;

/// <summary>
/// The button as the board thread polls it: the fake driver's input level changes over time and
/// edge events throw, so every press here went through the polled path.
/// </summary>
public class ButtonPollTests(ITestOutputHelper output)
{
    private static void WaitForReads(BoardIoFixture f, long more)
    {
        long until = f.Driver.Reads(Button) + more;
        WaitFor(() => f.Driver.Reads(Button) >= until, $"{more} more button reads");
    }

    [Fact]
    public void ShortAndLongPressesArePolled()
    {
        int stops = 0;
        using var f = new BoardIoFixture(stop: () => Interlocked.Increment(ref stops));
        f.Board.Start();
        WaitForReads(f, 3);
        Assert.Equal(false, f.Board.Snapshot.ButtonPressed);

        f.Driver.SetInput(Button, PinValue.Low);
        WaitFor(() => f.Board.Snapshot.ButtonPressed == true, "pressed, seen by polling");
        Thread.Sleep(60);
        f.Driver.SetInput(Button, PinValue.High);
        WaitFor(() => f.Board.Snapshot.ShortPresses == 1, "one short press");
        Assert.Equal(false, f.Board.Snapshot.ButtonPressed);
        Assert.Equal(0, f.Board.Snapshot.LongPresses);
        Assert.Equal(0, Volatile.Read(ref stops));

        f.Press(TimeSpan.FromMilliseconds(600)); // LongPress is 400 ms in the fixture
        WaitFor(() => f.Board.Snapshot.LongPresses == 1, "one long press");
        Assert.Equal(1, Volatile.Read(ref stops));
        Assert.Equal(1, f.Board.Snapshot.ShortPresses);
    }

    [Fact]
    public void AOneReadGlitchIsNoPressAndTwoEqualReadsAre()
    {
        using var f = new BoardIoFixture();
        f.Board.Start();
        WaitForReads(f, 3);
        f.Driver.Glitch(Button, PinValue.Low, reads: 1);
        WaitForReads(f, 10);
        Assert.Equal(0, f.Board.Snapshot.ShortPresses);
        Assert.Equal(false, f.Board.Snapshot.ButtonPressed);

        // Two reads low in a row: down; two high: up, held ~one poll: a short press.
        f.Driver.Glitch(Button, PinValue.Low, reads: 2);
        WaitFor(() => f.Board.Snapshot.ShortPresses == 1, "the two-read press");
        Assert.Equal(0, f.Board.Snapshot.LongPresses);
    }

    [Fact]
    public void AButtonHeldAtStartIsNoPressWhenReleased()
    {
        using var f = new BoardIoFixture(setUp: d => d.SetInput(Button, PinValue.Low));
        f.Board.Start();
        WaitForReads(f, 3);
        WaitFor(() => f.Board.Snapshot.ButtonPressed == true, "held");
        f.Driver.SetInput(Button, PinValue.High);
        WaitFor(() => f.Board.Snapshot.ButtonPressed == false, "released");
        WaitForReads(f, 3);
        Assert.Equal(0, f.Board.Snapshot.ShortPresses + f.Board.Snapshot.LongPresses);
    }

    [Fact]
    public void WithoutAButtonLineNothingIsPolled()
    {
        using var f = new BoardIoFixture(button: false);
        f.Board.Start();
        WaitFor(() => f.Shown().Contains("r  0"), "the idle panel");
        Thread.Sleep(300);
        Assert.Equal(0, f.Driver.Reads(Button));
        Assert.Null(f.Board.Snapshot.ButtonPressed);
    }

    [DllImport("libc")] private static extern int gettid();

    /// <summary>
    /// The board thread's CPU while it polls an idle button (fake driver: a read is a dictionary
    /// lookup under a lock; a real chip adds one ioctl per read). RECD_BUTTON_POLL_SECONDS=60 for the
    /// figure in docs/configuration.md; 3 s otherwise.
    /// </summary>
    [Fact]
    public void PollingCostsLittleCpu()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("RECD_BUTTON_POLL_SECONDS"), out var s) ? s : 3;
        int tid = 0;
        using var f = new BoardIoFixture(setUp: d => d.OnRead = () => Volatile.Write(ref tid, gettid()));
        f.Board.Start();
        WaitForReads(f, 3);
        string stat = $"/proc/self/task/{Volatile.Read(ref tid)}/stat";
        long reads0 = f.Driver.Reads(Button), cpu0 = CpuTicks(stat);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long reads = f.Driver.Reads(Button) - reads0, cpu = CpuTicks(stat) - cpu0;
        double wall = clock.Elapsed.TotalSeconds;
        // utime + stime are in USER_HZ (100 per second on Linux): 10 ms resolution.
        double cpuMs = cpu * 10.0, percent = cpuMs / (wall * 1000) * 100;
        output.WriteLine($"board thread over {wall:0.0} s: {reads} reads ({reads / wall:0.0}/s), {cpuMs:0} ms CPU ({percent:0.00} % of one core)");
        Assert.InRange(reads / wall, 10, 51); // at most one read per 20 ms; a loaded machine may be slower
        Assert.True(percent < 2, $"polling took {percent:0.00} % of a core");
    }

    private static long CpuTicks(string statPath)
    {
        // Fields after the ")" of comm: state is [0], utime [11], stime [12].
        string stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }
}
