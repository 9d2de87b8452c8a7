using Recd.Board;
using Recd.BoardIo;
using Recd.Diagnostics;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;
using static Recd.Tests.BoardIo.BoardIoFixture;

namespace Recd.Tests.BoardIo;

/// <summary>The shell's gpio command over board I/O on a <see cref="RecordingGpioDriver"/>.</summary>
public class GpioCommandTests
{
    private static string Gpio(Func<BoardIoSnapshot?> board, StoreFixture store) =>
        new DiagnosticCommands(new BoardProfile { Board = "test" }, store.Store, () => 0, DateTime.UtcNow, board).Execute("gpio");

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    [Fact]
    public void ShowsDriverEachLineTheDisplayAndTheButtonAsTheyChange()
    {
        using var f = new BoardIoFixture();
        f.Board.Start();
        WaitFor(() => f.Board.Snapshot.DisplayText == "r  0", "the idle panel");
        string idle = Gpio(() => f.Board.Snapshot, f.Store);
        Assert.All(Lines(idle), l => Assert.True(l.Length <= 80, $"over 80 columns: '{l}'"));
        Assert.Contains("driver     libgpiod, chip 0 (/dev/gpiochip0)\n", idle);
        Assert.Contains($"  {RecordingLed,4}  RecordingLed  out  low (off)\n", idle);
        Assert.Contains($"  {ErrorLed,4}  ErrorLed      out  low (off)\n", idle);
        Assert.Contains($"  {Button,4}  Button        in   released, active low\n", idle);
        Assert.Contains($"  {Clk,4}  PanelClock    out  tm1637 clock\n", idle);
        Assert.Contains($"  {Dio,4}  PanelData     out  tm1637 data\n", idle);
        Assert.Contains("display    tm1637: \"r  0\"\n", idle);
        Assert.Contains("button     released, 0 short, 0 long presses\n", idle);

        // A recording in progress: the LED line was written high, and the command says so.
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, 4096, [4096]);
        using var rec = f.Store.Begin("g.ts", WritePathKind.Buffered);
        Assert.True(rec.Receive(pair.ServerFd, 4096).IsCompleted);
        sender.Wait();
        WaitFor(() => f.Board.Snapshot.RecordingLed == true, "recording LED on");
        string recording = Gpio(() => f.Board.Snapshot, f.Store);
        Assert.Contains($"  {RecordingLed,4}  RecordingLed  out  high (on)\n", recording);
        Assert.Contains("display    tm1637: \"r  1\"\n", recording);
        Assert.True(f.Led(RecordingLed), "the line itself is high");

        // Held down: pressed; released after a short press: counted.
        f.Driver.SetInput(Button, System.Device.Gpio.PinValue.Low);
        WaitFor(() => f.Board.Snapshot.ButtonPressed == true, "button pressed");
        Assert.Contains($"  {Button,4}  Button        in   pressed, active low\n", Gpio(() => f.Board.Snapshot, f.Store));
        Thread.Sleep(100);
        f.Driver.SetInput(Button, System.Device.Gpio.PinValue.High);
        WaitFor(() => f.Board.Snapshot.ShortPresses == 1, "one short press");
        Assert.Contains("button     released, 1 short, 0 long presses\n", Gpio(() => f.Board.Snapshot, f.Store));
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
    }

    [Fact]
    public void WithoutGpioItSaysWhyInEightyColumns()
    {
        using var store = new StoreFixture();
        string why = "libgpiod on chip 0: IOException: Unable to find a chip: the board has no /dev/gpiochip0 and so runs without LEDs";
        using var board = new BoardIoService(new GpioOptions { Driver = GpioDrivers.LibGpiod }, new DisplayOptions(), new SensorsOptions(),
            store.Store, () => 0, null, why);
        string text = Gpio(() => board.Snapshot, store);
        Assert.StartsWith("no GPIO: libgpiod on chip 0: IOException", text);
        Assert.All(Lines(text), l => Assert.True(l.Length <= 80, $"over 80 columns: '{l}'"));
        // Wrapped, not cut: continuation lines are indented by 4.
        var lines = Lines(text);
        Assert.True(lines.Length > 1);
        Assert.Equal("no GPIO: " + why, lines[0] + string.Concat(lines.Skip(1).Select(l => l[4..])));

        Assert.Equal("no GPIO: board I/O is not running\n", Gpio(() => null, store));
    }
}
