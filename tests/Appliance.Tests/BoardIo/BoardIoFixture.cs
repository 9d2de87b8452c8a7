using System.Device.Gpio;
using Recd.Board;
using Recd.BoardIo;
using Recd.Tests.Recordings;

namespace Recd.Tests.BoardIo;

/// <summary>Board I/O over a <see cref="RecordingGpioDriver"/> and a real store on /tmp.</summary>
public sealed class BoardIoFixture : IDisposable
{
    public const int RecordingLed = 0, ErrorLed = 1, Button = 2, Clk = 4, Dio = 5;

    public BoardIoFixture(StoreFixture? store = null, Func<int>? stop = null, string? thermalZone = null, Action<RecordingGpioDriver>? setUp = null, bool button = true)
    {
        Store = store ?? new StoreFixture();
        Driver = new RecordingGpioDriver();
        setUp?.Invoke(Driver);
        var gpio = new GpioOptions
        {
            Driver = GpioDrivers.LibGpiod,
            RecordingLed = new GpioLineOptions { Line = RecordingLed },
            ErrorLed = new GpioLineOptions { Line = ErrorLed },
            Button = new GpioLineOptions { Line = button ? Button : -1, ActiveLow = true },
        };
        var display = new DisplayOptions { Kind = "tm1637", ClockLine = Clk, DataLine = Dio };
        var sensors = new SensorsOptions { ThermalZone = thermalZone };
        Board = new BoardIoService(gpio, display, sensors, Store.Store, stop ?? (() => 0), Driver, null)
        {
            LongPress = TimeSpan.FromMilliseconds(400),
            PageInterval = TimeSpan.FromSeconds(30),
        };
    }

    public StoreFixture Store { get; }
    public RecordingGpioDriver Driver { get; }
    public BoardIoService Board { get; }

    public bool Led(int line) => Driver.Level(line) == PinValue.High;

    public List<string> Shown() => Tm1637Decoder.Displayed(Driver.Writes(), Clk, Dio).Select(s => s.Text).ToList();

    /// <summary>Holds the (active-low) button down for <paramref name="held"/>; the board thread sees it by polling.</summary>
    public void Press(TimeSpan held)
    {
        // After the first reads, as a person presses: a button down at the first read is "held at start-up".
        WaitFor(() => Driver.Reads(Button) >= 2, "the button polled");
        Driver.SetInput(Button, PinValue.Low);
        Thread.Sleep(held);
        Driver.SetInput(Button, PinValue.High);
    }

    public static void WaitFor(Func<bool> condition, string what, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting for " + what);
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        Board.Dispose();
        Store.Dispose();
    }
}
