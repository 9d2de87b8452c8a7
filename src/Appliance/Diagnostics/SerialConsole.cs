using Recd.Board;
using Recd.Diagnostics.Shell;
using Recd.Logging;

namespace Recd.Diagnostics;

/// <summary>
/// The shell on the tty the profile names (Console:Tty), on its own thread. The tty is opened in
/// <see cref="Start"/>, before root is dropped (/dev/ttyS0 is root:dialout), and kept: after Ctrl-D a
/// new session starts on the same fd. Only if the tty fails (EIO: a USB serial adapter unplugged) is
/// it reopened, every 5 s, which works after the drop only if the service user may open it.
/// Nothing here can stall recording: output goes through the terminal's pump, commands read
/// snapshots. The operator at the box's console port may change state: physical access beats any check.
/// </summary>
public sealed class SerialConsole(ConsoleOptions options, CommandTable table) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private FdTerminal? _terminal;

    public void Start()
    {
        _terminal = TryOpen(logFailure: true);
        _thread = new Thread(Loop) { Name = "console", IsBackground = true };
        _thread.Start();
    }

    private FdTerminal? TryOpen(bool logFailure)
    {
        try
        {
            var t = FdTerminal.OpenTty(options.Tty!, options.Baud);
            Log.Info($"console shell on {options.Tty} ({options.Baud} 8N1{(t.Raw ? "" : ", plain lines: not a terminal")})");
            return t;
        }
        catch (IOException e)
        {
            if (logFailure) Log.Warn($"{e.Message}; retrying every 5 s");
            return null;
        }
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_terminal is null)
            {
                if (_stop.Token.WaitHandle.WaitOne(5000)) break;
                _terminal = TryOpen(logFailure: false);
                continue;
            }
            bool endedByUser;
            try { endedByUser = new ShellSession(table, _terminal, privileged: true).Run(_stop.Token); }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                Log.Warn($"console {options.Tty}: {e.Message}");
                endedByUser = false;
            }
            if (!endedByUser && !_stop.IsCancellationRequested)
            {
                Log.Warn($"console {options.Tty}: the terminal went away; reopening");
                _terminal.Dispose();
                _terminal = null;
            }
        }
        _terminal?.Dispose();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join(2000);
    }
}
