namespace Recd.Calibration;

/// <summary>
/// Progress of a run. On a terminal: a bar redrawn in place with CR, each finished step printed
/// above it. Elsewhere (a pipe, a log, "recd ctl"): one plain line per finished step, no CR, so a
/// log reads top to bottom. Plain CR and space padding only, no ANSI escapes: a serial console
/// or a dumb terminal draws it too.
/// </summary>
public sealed class CalibrationProgress(Action<string> write, bool terminal, int width = 20)
{
    private int _total = 1, _done;
    private string _current = "";

    public bool Terminal => terminal;

    public void Begin(int steps) { _total = Math.Max(1, steps); _done = 0; }

    /// <summary>A step starts: the bar names it (terminal only).</summary>
    public void Step(string what)
    {
        _current = what;
        if (terminal) write("\r" + Bar(_current));
    }

    /// <summary>A step ended with this result line.</summary>
    public void Done(string line)
    {
        _done = Math.Min(_total, _done + 1);
        if (terminal) write("\r" + line.PadRight(79) + "\n" + Bar(_current));
        else write($"calibrate {_done}/{_total} {line}\n");
    }

    /// <summary>A note outside the steps (where files went, what was tuned).</summary>
    public void Note(string line) => write((terminal ? "\r" + line.PadRight(79) : line) + "\n");

    public void End()
    {
        if (terminal) write("\r" + new string(' ', 79) + "\r");
    }

    private string Bar(string what)
    {
        int filled = _done * width / _total;
        string bar = $"[{new string('#', filled)}{new string('.', width - filled)}] {_done}/{_total} {what}";
        return bar.Length > 79 ? bar[..79] : bar.PadRight(79);
    }
}
