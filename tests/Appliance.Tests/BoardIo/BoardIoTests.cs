using System.Device.Gpio;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Recd.Board;
using Recd.BoardIo;
using Recd.Ingest;
using Recd.Platform;
using Recd.Recordings;
using Recd.Tests.Ingest;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;
using static Recd.Tests.BoardIo.BoardIoFixture;

namespace Recd.Tests.BoardIo;

public class BoardIoTests
{
    /// <summary>A real recording over loopback: 256 KiB received and finished complete.</summary>
    private static Recording Record(BoardIoFixture f, string name, LoopbackPair pair, long bytes = 256 << 10)
    {
        var sender = pair.SendPatternAsync(0, bytes, [65536]);
        var rec = f.Store.Begin(name, WritePathKind.Buffered);
        Assert.True(rec.Receive(pair.ServerFd, bytes).IsCompleted);
        sender.Wait();
        return rec;
    }

    [Fact]
    public void LedAndPanelFollowTheRecordings()
    {
        using var f = new BoardIoFixture();
        f.Board.Start();
        WaitFor(() => f.Shown().Contains("r  0"), "the idle panel");
        Assert.False(f.Led(RecordingLed));

        using var p1 = new LoopbackPair();
        using var p2 = new LoopbackPair();
        var a = Record(f, "a.ts", p1);
        WaitFor(() => f.Led(RecordingLed), "recording LED on at the first begin");
        var b = Record(f, "b.ts", p2);
        WaitFor(() => f.Shown().LastOrDefault() == "r  2", "r  2");
        Assert.Equal(0, a.Finish(RecordingStates.Complete, null));
        a.Dispose();
        WaitFor(() => f.Shown().LastOrDefault() == "r  1", "r  1");
        Assert.True(f.Led(RecordingLed), "one recording still active");
        Assert.Equal(0, b.Finish(RecordingStates.Complete, null));
        b.Dispose();
        WaitFor(() => !f.Led(RecordingLed), "recording LED off when the last one ends");
        WaitFor(() => f.Shown().LastOrDefault() == "r  0", "r  0");
        Assert.False(f.Led(ErrorLed));

        // The panel's texts in order, each once (frames go out only on a change).
        var shown = f.Shown();
        Assert.Equal(["r  0", "r  1", "r  2", "r  1", "r  0"], shown.Where(s => s.StartsWith('r')).ToArray());
        Assert.Equal("r  0", f.Board.Snapshot.DisplayText);
        Assert.Equal(false, f.Board.Snapshot.RecordingLed);

        // The conversation itself: data command, address 0, six digits, display on at full brightness.
        var frames = Tm1637Decoder.Frames(f.Driver.Writes(), Clk, Dio);
        Assert.Contains(frames, fr => fr is [0x40]);
        Assert.Contains(frames, fr => fr.Length == 7 && fr[0] == 0xC0);
        Assert.Contains(frames, fr => fr is [0x8F]);
    }

    [Fact]
    public void FreeSpacePageAlternatesWithTheCount()
    {
        using var f = new BoardIoFixture();
        f.Board.PageInterval = TimeSpan.FromMilliseconds(150);
        f.Board.Start();
        string free = PanelText.Free(FreeSpace.Of(f.Store.Store.Paths.Root)?.AvailableBytes);
        WaitFor(() => f.Shown().Count(s => s == "r  0") >= 2 && f.Shown().Contains(free), "count and free pages alternating");
        Assert.Matches("^( {0,2}[0-9]{1,3}G|[0-9]\\.[0-9]t| {0,2}[0-9]{1,3}t)$", free);
        // The first frame is the blank one the display is switched on with; then the count comes first.
        Assert.Equal("r  0", f.Shown().First(s => s.Trim().Length > 0));
    }

    [DllImport("libc", SetLastError = true)] private static extern int dup2(int oldfd, int newfd);
    [DllImport("libc", SetLastError = true)] private static extern int pipe(int[] fds);
    [DllImport("libc")] private static extern int close(int fd);

    [Fact]
    public void DamagedRecordingAndNoSpaceLightTheErrorLedAndACompleteOneClearsIt()
    {
        using var f = new BoardIoFixture();
        f.Board.Start();
        using var pair = new LoopbackPair();
        var rec = Record(f, "bad.ts", pair);
        // The data file's descriptor becomes a pipe: the final fdatasync fails (EINVAL) as a dying disk's
        // would, and the store lists the recording damaged.
        var fds = new int[2];
        Assert.Equal(0, pipe(fds));
        Assert.True(dup2(fds[0], rec.FileForTesting.Fd) >= 0);
        close(fds[0]); close(fds[1]);
        Assert.NotEqual(0, rec.Finish(RecordingStates.Complete, null));
        Assert.Equal(RecordingStates.Damaged, f.Store.Store.Find("bad.ts")!.State);
        WaitFor(() => f.Led(ErrorLed), "error LED on a damaged recording");
        rec.Dispose();

        using var p2 = new LoopbackPair();
        var good = Record(f, "good.ts", p2);
        Assert.Equal(0, good.Finish(RecordingStates.Complete, null));
        good.Dispose();
        WaitFor(() => !f.Led(ErrorLed), "error LED off after a complete recording");

        Assert.Equal(BeginOutcome.NoSpace, f.Store.Store.TryBegin("huge.ts", BeginMode.Create, 0, "t", null, out _, out _, out _, expectedBytes: 1L << 60));
        WaitFor(() => f.Led(ErrorLed), "error LED on a refusal for space");
        Assert.Equal(true, f.Board.Snapshot.ErrorLed);
    }

    [Fact]
    public void AThrowingLedLineNeverDisturbsARecording()
    {
        using var f = new BoardIoFixture(setUp: d => { d.FailingPins.Add(RecordingLed); d.FailingPins.Add(ErrorLed); });
        f.Board.Start();
        using var pair = new LoopbackPair();
        const long Size = 1 << 20;
        var rec = Record(f, "ok.ts", pair, Size);
        WaitFor(() => f.Board.Snapshot.WriteFailures >= 1, "the failed LED write counted");
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
        var m = f.Store.Store.Find("ok.ts")!;
        Assert.Equal(RecordingStates.Complete, m.State);
        Assert.Equal(Size, m.CommittedLength);
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(f.Store.Store.Paths.Data("ok.ts")));
        // Board I/O carried on: the panel (on good lines) still follows.
        WaitFor(() => f.Shown().LastOrDefault() == "r  0" && f.Shown().Contains("r  1"), "panel after the failures");
        Assert.Null(f.Board.Snapshot.RecordingLed);
    }

    [Fact]
    public void NoGpioRunsAndSaysWhy()
    {
        using var store = new StoreFixture();
        using var board = new BoardIoService(new GpioOptions(), new DisplayOptions { Kind = "tm1637", ClockLine = 4, DataLine = 5 },
            new SensorsOptions(), store.Store, () => 0, null, "Gpio:Driver is none");
        board.Start();
        Assert.False(board.HasGpio);
        Assert.Equal("Gpio:Driver is none", board.Snapshot.Gpio);
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, 4096, [4096]);
        using var rec = store.Begin("n.ts", WritePathKind.Buffered);
        Assert.True(rec.Receive(pair.ServerFd, 4096).IsCompleted);
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
    }

    [Theory]
    [InlineData(GpioDrivers.LibGpiod)]
    [InlineData(GpioDrivers.LibGpiodV2)]
    [InlineData(GpioDrivers.SysFs)]
    [InlineData(GpioDrivers.None)]
    public void EveryDriverOnAMachineWithoutGpioGivesNoneAndAReason(string driver)
    {
        // This machine has GPIO: the emulated board (board_qemu.sh) covers that case.
        if (File.Exists("/dev/gpiochip0") || Directory.Exists(GpioOpen.SysFsRoot)) return;
        var opened = GpioOpen.TryDriver(new GpioOptions { Driver = driver, Chip = 0 }, out var why);
        Assert.Null(opened);
        Assert.StartsWith(driver == GpioDrivers.None ? "Gpio:Driver is none" : $"{driver} on chip 0: ", why);
        Assert.True(why!.Length > $"{driver} on chip 0: ".Length, why);
        Assert.DoesNotContain('\n', why); // one log line, one gpio-command paragraph

        // And the daemon's constructor turns it into "no GPIO (<reason>)": runs, without lines.
        using var store = new StoreFixture();
        var profile = new BoardProfile { Gpio = new GpioOptions { Driver = driver, Button = new GpioLineOptions { Line = 3 } } };
        using var board = new BoardIoService(profile, store.Store, () => 0);
        board.Start();
        Assert.False(board.HasGpio);
        Assert.Equal(why, board.Snapshot.Gpio);
        Assert.Null(board.Snapshot.ButtonPressed);
    }

    [Fact]
    public void SysFsSaysWhichPartOfTheTreeIsMissing()
    {
        using var dir = new TempDir("/tmp");
        string root = Path.Combine(dir.Path, "gpio");
        var options = new GpioOptions { Driver = GpioDrivers.SysFs, Chip = 1 };
        Assert.Null(GpioOpen.TryDriver(options, root, out var why));
        Assert.Equal($"sysfs on chip 1: no {root} (kernel without CONFIG_GPIO_SYSFS)", why);
        Directory.CreateDirectory(Path.Combine(root, "gpiochip0"));
        Assert.Null(GpioOpen.TryDriver(options, root, out why));
        Assert.Equal($"sysfs on chip 1: no {root}/gpiochip1", why);
    }

    [Fact]
    public void ThermalZoneIsReadInMillidegreesAndAShortPressShowsIt()
    {
        using var dir = new TempDir("/tmp");
        string zone = Path.Combine(dir.Path, "temp");
        File.WriteAllText(zone, "47200\n");
        Assert.Equal(47.2, new ThermalZone(zone).TryReadCelsius());
        Assert.Null(new ThermalZone(Path.Combine(dir.Path, "absent")).TryReadCelsius());

        using var f = new BoardIoFixture(thermalZone: zone);
        f.Board.Start();
        WaitFor(() => f.Board.Snapshot.TemperatureC == 47.2, "temperature in the snapshot");
        f.Board.PageInterval = TimeSpan.FromMilliseconds(150);
        f.Press(TimeSpan.FromMilliseconds(100));
        WaitFor(() => f.Shown().Contains("47°C"), "the temperature page after a short press");
        Assert.Equal(1, f.Board.Snapshot.ShortPresses);
        Assert.Equal(0, f.Board.Snapshot.LongPresses);
    }

    [Fact]
    public void LongPressStopsBothActiveRecordingsWithManifestsWrittenAndAShortOneDoesNot()
    {
        using var lf = new ListenerFixture(new HttpLimits());
        using var f = new BoardIoFixture(lf.Store, () => lf.Listener.StopRecordings());
        f.Board.Start();
        const int Body = 8 << 20;
        var clients = new List<Socket>();
        foreach (var name in new[] { "one.ts", "two.ts" })
        {
            var s = lf.Request($"PUT /recordings/{name} HTTP/1.1\r\nHost: t\r\nContent-Length: {Body}\r\n\r\n");
            s.Send(new byte[100_000]);
            clients.Add(s);
        }
        WaitFor(() => lf.Store.Store.ActiveSnapshots().Count == 2, "two active recordings");
        WaitFor(() => f.Led(RecordingLed) && f.Shown().LastOrDefault() == "r  2", "LED and panel for two");

        f.Press(TimeSpan.FromMilliseconds(80)); // short: status only
        WaitFor(() => f.Board.Snapshot.ShortPresses == 1, "short press seen");
        Thread.Sleep(200);
        Assert.Equal(2, lf.Store.Store.ActiveSnapshots().Count);

        f.Press(TimeSpan.FromMilliseconds(600)); // long: stop everything
        WaitFor(() => lf.Store.Store.ActiveSnapshots().Count == 0, "both recordings stopped", 10_000);
        Assert.Equal(1, f.Board.Snapshot.LongPresses);
        foreach (var name in new[] { "one.ts", "two.ts" })
        {
            var m = lf.Store.Store.Find(name)!;
            Assert.Equal(RecordingStates.Interrupted, m.State);
            // Finished on disk too: the manifest file says interrupted, not recording.
            var onDisk = File.ReadAllText(lf.Store.Store.Paths.Manifest(name));
            Assert.Contains("\"state\": \"interrupted\"", onDisk);
            Assert.Equal(m.CommittedLength, new FileInfo(lf.Store.Store.Paths.Data(name)).Length);
        }
        WaitFor(() => !f.Led(RecordingLed) && f.Shown().LastOrDefault() == "r  0", "LED off, r  0");
        foreach (var s in clients) s.Dispose();
    }

    [Theory]
    [InlineData(0L, "  0G")]
    [InlineData(931L << 30, "931G")]
    [InlineData((18L << 40) / 10, "1.7t")]
    [InlineData(12L << 40, " 12t")]
    public void FreeSpaceText(long bytes, string expected) => Assert.Equal(expected, PanelText.Free(bytes));

    [Fact]
    public void PanelTexts()
    {
        Assert.Equal("----", PanelText.Free(null));
        Assert.Equal("r 12", PanelText.Recordings(12));
        Assert.Equal("---C", PanelText.Temperature(null));
        Assert.Equal("1.7t", Tm1637Decoder.Text(SegmentFont.Encode("1.7t")).Replace(" ", ""));
    }
}
