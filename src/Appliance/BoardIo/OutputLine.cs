using System.Device.Gpio;
using Recd.Logging;

namespace Recd.BoardIo;

/// <summary>
/// One LED line. Writes only on a change, so a failing line costs one attempt per change; the
/// first failure is logged, later ones counted (a dead LED must not flood the log).
/// </summary>
internal sealed class OutputLine(GpioController controller, string name, int line, bool activeLow)
{
    private bool _failureLogged;

    public string Name { get; } = name;

    /// <summary>The last value the line took, or null before the first successful write.</summary>
    public bool? State { get; private set; }

    public int Failures { get; private set; }

    public void Set(bool on)
    {
        if (State == on) return;
        try
        {
            controller.Write(line, on != activeLow ? PinValue.High : PinValue.Low);
            State = on;
        }
        // Any driver fault ends here: board I/O reports, the recordings it shows never notice.
        catch (Exception e)
        {
            Failures++;
            if (_failureLogged) return;
            _failureLogged = true;
            Log.Warn($"board: {Name} (line {line}) write failed ({e.GetType().Name}: {e.Message}); carrying on without it");
        }
    }
}
