using System.Device.Gpio;
using System.Diagnostics;
using Recd.Logging;

namespace Recd.BoardIo;

// The button, polled on the board thread. Not edge events: with RegisterCallbackForPinValueChangedEvent
// (or WaitForEvent) reachable, NativeAOT compiles the libgpiodv2 and sysfs drivers' event code and
// publish fails with IL2091 (docs/configuration.md). Polling is the same code for every driver, and
// debounces by itself: a level counts once two reads in a row agree, so a one-read glitch is no press.
public sealed partial class BoardIoService
{
    private int _buttonLine = -1;
    private bool _buttonActiveLow;

    // Board thread state.
    private long _nextPoll;
    private bool _buttonPolled;
    private bool _buttonRaw;        // the last read
    private long _buttonRawSince;   // when the last read's level was first seen
    private bool _buttonSteady;     // the debounced level
    private long _buttonDownAt = -1;
    private bool _buttonReadLogged;

    /// <summary>How often the button line is read; a level counts after two equal reads (20..40 ms here).</summary>
    internal TimeSpan ButtonPoll { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Held at least this long, a press stops every recording (on release: a stuck line never fires).</summary>
    internal TimeSpan LongPress { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>One read of the line; true when that made a press or a release (the panel changes).</summary>
    private bool PollButton(long now)
    {
        _nextPoll = now + Ticks(ButtonPoll);
        bool pressed;
        try
        {
            pressed = (_controller!.Read(_buttonLine) == PinValue.Low) == _buttonActiveLow;
        }
        // A line that fails to read is a released button; said once, not 50 times a second.
        catch (Exception e)
        {
            if (!_buttonReadLogged) Log.Warn($"board: Button line {_buttonLine} read failed ({e.GetType().Name}: {e.Message}); carrying on");
            _buttonReadLogged = true;
            return false;
        }
        if (!_buttonPolled)
        {
            // Held at start-up: its release is not a press (there was no down to measure from).
            _buttonPolled = true;
            _buttonRaw = _buttonSteady = pressed;
            _buttonRawSince = now;
            return true; // the line's first level, for the snapshot
        }
        if (pressed != _buttonRaw)
        {
            _buttonRaw = pressed;
            _buttonRawSince = now;
            return false;
        }
        if (pressed == _buttonSteady) return false;
        _buttonSteady = pressed;
        // Timed from the first read of the new level: the second read only confirms it.
        if (pressed) { _buttonDownAt = _buttonRawSince; return true; }
        Released(_buttonRawSince);
        return true;
    }

    private void Released(long at)
    {
        if (_buttonDownAt < 0) return; // held since start-up: no down to time it from
        var held = Stopwatch.GetElapsedTime(_buttonDownAt, at);
        _buttonDownAt = -1;
        if (held >= LongPress)
        {
            _longPresses++;
            int stopped = _stopRecordings();
            Log.Info($"board: button held {held.TotalSeconds:0.0} s: stopping all recordings ({stopped})");
        }
        else
        {
            _shortPresses++;
            _statusRound = true;
            ReadTemperature(at);
        }
        ShowPage(0, Stopwatch.GetTimestamp());
    }
}
