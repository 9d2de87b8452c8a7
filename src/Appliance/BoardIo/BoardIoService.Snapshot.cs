using Recd.Board;

namespace Recd.BoardIo;

// The snapshot diagnostics read: built on the board thread (or in the constructor, before it runs),
// from that thread's own state, then published whole.
public sealed partial class BoardIoService
{
    private BoardIoSnapshot TakeSnapshot(int active) =>
        new(_noGpio, _recordingLed?.State, _errorLed?.State, _display?.Text, _temperature, active,
            _shortPresses, _longPresses, (_recordingLed?.Failures ?? 0) + (_errorLed?.Failures ?? 0) + (_display?.Failures ?? 0))
        {
            Driver = _gpio.Driver,
            Chip = _gpio.Chip,
            Lines = _controller is null ? [] : LineStates(),
            Display = _display is null ? "none" : _displayOptions.Kind,
            ButtonPressed = _buttonLine >= 0 ? _buttonSteady : null,
        };

    private List<GpioLineState> LineStates()
    {
        var lines = new List<GpioLineState>(6);
        Led(lines, "RecordingLed", _gpio.RecordingLed, _recordingLed);
        Led(lines, "ErrorLed", _gpio.ErrorLed, _errorLed);
        // Named by profiles for boxes that switch the disk's power; nothing drives it yet.
        if (_gpio.DiskPower.Line >= 0) lines.Add(new("DiskPower", _gpio.DiskPower.Line, "-", "not used by recd yet"));
        if (_gpio.Button.Line >= 0)
        {
            lines.Add(_buttonLine < 0
                ? new("Button", _gpio.Button.Line, "-", "not opened (see log)")
                : new("Button", _buttonLine, "in", (_buttonSteady ? "pressed" : "released") + (_buttonActiveLow ? ", active low" : "")));
        }
        if (_displayOptions.Kind != "none")
        {
            // Bit-banged: the level between frames is the bus's idle high, not a value to show.
            string what = _display is null ? "not opened (see log)" : _displayOptions.Kind;
            string dir = _display is null ? "-" : "out";
            lines.Add(new("PanelClock", _displayOptions.ClockLine, dir, what + " clock"));
            lines.Add(new("PanelData", _displayOptions.DataLine, dir, what + " data"));
        }
        return lines;
    }

    private static void Led(List<GpioLineState> lines, string role, GpioLineOptions options, OutputLine? led)
    {
        if (options.Line < 0) return;
        if (led is null) { lines.Add(new(role, options.Line, "-", "not opened (see log)")); return; }
        if (led.State is not { } on) { lines.Add(new(role, options.Line, "out", "not written yet")); return; }
        bool high = on != options.ActiveLow;
        lines.Add(new(role, options.Line, "out", $"{(high ? "high" : "low")} ({(on ? "on" : "off")}{(options.ActiveLow ? ", active low" : "")})"));
    }
}
