using System.Device.Gpio;
using Iot.Device.Tm16xx;
using Recd.Board;
using Recd.Logging;

namespace Recd.BoardIo;

/// <summary>
/// A TM1637 4-digit front panel through Iot.Device.Tm16xx on two lines of the board's controller.
/// Sends a frame only when the text changes; failures are logged once.
/// </summary>
internal sealed class PanelDisplay : IDisposable
{
    private readonly Tm1637 _device;
    private bool _failureLogged;

    // Full brightness: a set-top box's panel is read from across a room.
    private const int Brightness = 7;

    private PanelDisplay(Tm1637 device) => _device = device;

    /// <summary>The text last sent successfully, or null.</summary>
    public string? Text { get; private set; }

    public int Failures { get; private set; }

    public static PanelDisplay? TryOpen(GpioController controller, DisplayOptions options, out string? why)
    {
        why = null;
        try
        {
            // The controller is shared with the LEDs and button: the display must not dispose it.
            var device = new Tm1637(options.ClockLine, options.DataLine, controller, shouldDispose: false);
            // Brightness and screen-on are only sent with a frame; without this the first frame says "off".
            device.SetScreen(brightness: Brightness, screenOn: true);
            // Blank from the start: the chip keeps what it showed across a restart of the daemon.
            device.ClearDisplay();
            return new PanelDisplay(device);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or NotSupportedException or UnauthorizedAccessException)
        {
            why = $"{e.GetType().Name}: {e.Message}";
            return null;
        }
    }

    public void Show(string text)
    {
        if (text == Text) return;
        try
        {
            _device.Display(SegmentFont.Encode(text));
            Text = text;
        }
        catch (Exception e)
        {
            Failures++;
            if (_failureLogged) return;
            _failureLogged = true;
            Log.Warn($"board: display write failed ({e.GetType().Name}: {e.Message}); carrying on without it");
        }
    }

    public void Clear()
    {
        try { _device.ClearDisplay(); _device.SetScreen(brightness: Brightness, screenOn: false); }
        catch (Exception e) { Log.Debug($"board: display not cleared ({e.Message})"); }
        Text = null;
    }

    public void Dispose() => _device.Dispose();
}
