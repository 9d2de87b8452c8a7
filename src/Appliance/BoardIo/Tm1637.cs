using System.Device.Gpio;
using System.Diagnostics;

namespace Recd.BoardIo;

/// <summary>
/// A TM1637 LED driver, bit-banged on two lines of the board's <see cref="GpioController"/>.
/// Ours rather than Iot.Device.Tm16xx: that binding's base constructor falls back to
/// <c>new GpioController()</c>, which makes NativeAOT compile every Linux driver and lets the
/// driver be one the profile did not name (edge events, which recd avoids by polling the button,
/// would then fail publish with IL2091: docs/configuration.md).
/// Protocol (TM1637 datasheet): start = DIO falls while CLK is high; each byte LSB first, DIO
/// changed while CLK is low and taken on the rising edge; a ninth clock for the chip's acknowledge,
/// with DIO released (input) so the chip can pull it low; stop = DIO rises while CLK is high.
/// </summary>
internal sealed class Tm1637 : IDisposable
{
    // Data command, auto-increment address; address command for grid 0; display control, on.
    private const byte DataAutoIncrement = 0x40, AddressGrid0 = 0xC0, DisplayOn = 0x88, DisplayOff = 0x80;

    /// <summary>The chip has 6 grid registers; a 4-digit module wires the first 4.</summary>
    public const int Grids = 6;

    // The datasheet's maximum clock is 250 kHz: at least 2 us per half period. A libgpiod write is
    // an ioctl and slower than that on its own; the wait keeps a fast driver within the limit.
    private const int HalfPeriodMicroseconds = 2;

    private readonly GpioController _controller;
    private readonly int _clk, _dio;
    private readonly byte[] _frame = new byte[1 + Grids];

    /// <summary>Opens both lines as outputs, idle high. Throws what the controller throws.</summary>
    public Tm1637(GpioController controller, int clockLine, int dataLine)
    {
        _controller = controller;
        _clk = clockLine;
        _dio = dataLine;
        controller.OpenPin(_clk, PinMode.Output);
        controller.OpenPin(_dio, PinMode.Output);
        controller.Write(_clk, PinValue.High);
        controller.Write(_dio, PinValue.High);
    }

    /// <summary>Writes the grids (missing ones blank) and the display control; brightness 0..7.</summary>
    public void Show(ReadOnlySpan<byte> segments, int brightness, bool on)
    {
        _frame.AsSpan().Clear();
        _frame[0] = AddressGrid0;
        segments[..Math.Min(segments.Length, Grids)].CopyTo(_frame.AsSpan(1));
        Send([DataAutoIncrement]);
        Send(_frame);
        Send([(byte)((on ? DisplayOn : DisplayOff) | (brightness & 0x07))]);
    }

    private void Send(ReadOnlySpan<byte> bytes)
    {
        Start();
        foreach (byte b in bytes)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                _controller.Write(_clk, PinValue.Low);
                _controller.Write(_dio, (b & (1 << bit)) != 0 ? PinValue.High : PinValue.Low);
                Wait();
                _controller.Write(_clk, PinValue.High);
                Wait();
            }
            Acknowledge();
        }
        Stop();
    }

    private void Start()
    {
        _controller.Write(_clk, PinValue.High);
        _controller.Write(_dio, PinValue.High);
        Wait();
        _controller.Write(_dio, PinValue.Low);
        Wait();
    }

    // The chip pulls DIO low during the ninth clock. We release the line instead of driving it, and
    // do not read it: a panel without a chip (the emulated board) must look the same as one with.
    private void Acknowledge()
    {
        _controller.Write(_clk, PinValue.Low);
        _controller.Write(_dio, PinValue.High);
        _controller.SetPinMode(_dio, PinMode.Input);
        Wait();
        _controller.SetPinMode(_dio, PinMode.Output);
        _controller.Write(_clk, PinValue.High);
        Wait();
    }

    private void Stop()
    {
        _controller.Write(_clk, PinValue.Low);
        _controller.Write(_dio, PinValue.Low);
        Wait();
        _controller.Write(_clk, PinValue.High);
        Wait();
        _controller.Write(_dio, PinValue.High);
    }

    // A busy wait: 2 us is far below what a sleep can do, and a frame is ~300 half periods.
    private static void Wait()
    {
        long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency * HalfPeriodMicroseconds / 1_000_000;
        while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(1);
    }

    /// <summary>Gives both lines back; the controller is the board's and stays open.</summary>
    public void Dispose()
    {
        if (_controller.IsPinOpen(_clk)) _controller.ClosePin(_clk);
        if (_controller.IsPinOpen(_dio)) _controller.ClosePin(_dio);
    }
}
