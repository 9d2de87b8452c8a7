using System.Device.Gpio;
using Recd.Board;
using Recd.Logging;

namespace Recd.BoardIo;

// Opening the profile's lines, at construction (before root is dropped): a line that will not open
// is logged and left out, never a reason for the daemon not to start.
public sealed partial class BoardIoService
{
    private OutputLine? OpenLed(string name, GpioLineOptions line)
    {
        if (line.Line < 0) return null;
        if (!GpioOpen.TryOpenPin(_controller!, line.Line, PinMode.Output, out var why))
        {
            Log.Warn($"board: {name} line {line.Line} not opened ({why}); that LED stays dark");
            return null;
        }
        return new OutputLine(_controller!, name, line.Line, line.ActiveLow);
    }

    private void OpenButton(GpioLineOptions line)
    {
        // A button that pulls the line low wants the SoC's pull-up where the driver offers one.
        var mode = line.ActiveLow && _controller!.IsPinModeSupported(line.Line, PinMode.InputPullUp) ? PinMode.InputPullUp : PinMode.Input;
        if (!GpioOpen.TryOpenPin(_controller!, line.Line, mode, out var why))
        {
            Log.Warn($"board: Button line {line.Line} not opened ({why}); no button");
            return;
        }
        _buttonLine = line.Line;
        _buttonActiveLow = line.ActiveLow;
    }
}
