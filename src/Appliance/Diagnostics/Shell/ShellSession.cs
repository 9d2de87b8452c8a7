using System.Text;

namespace Recd.Diagnostics.Shell;

/// <summary>
/// One operator at one terminal: prompt, line editing, commands from the table. Commands run on a
/// worker so this thread keeps reading keys: Ctrl-C cancels the running command's token (commands
/// that take time check it); other keys typed meanwhile are dropped, not queued, so a stuck command
/// cannot make a later one run by surprise. The session reads snapshots only, through the commands.
/// </summary>
public sealed class ShellSession(CommandTable table, ITerminal terminal, bool privileged, string prompt = "recd> ")
{
    public const string Banner = "recd diagnostics shell: help lists the commands, Ctrl-D ends the session";

    private readonly KeyDecoder _decoder = new();
    private readonly LineEditor _editor = new(prompt);
    private readonly PlainLineReader _plain = new();
    private readonly StringBuilder _echo = new();

    /// <summary>Keys typed while a command runs, replayed after it (type-ahead, as a tty buffers it); beyond this, dropped.</summary>
    public const int TypeAheadBytes = 256;

    private readonly Queue<byte> _typeAhead = new();
    private Task<int>? _running;
    private CancellationTokenSource? _cts;

    /// <summary>Runs until Ctrl-D on an empty line, the terminal goes away, or <paramref name="stop"/>. True on Ctrl-D.</summary>
    public bool Run(CancellationToken stop)
    {
        terminal.Write(Banner + "\r\n");
        Prompt();
        byte[] buffer = new byte[256];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int timeout = _running is not null ? 20 : _decoder.Pending ? KeyDecoder.EscapeWaitMs : 250;
                int n = terminal.Read(buffer, timeout);
                if (n < 0) return false;
                if (_running is { IsCompleted: true })
                {
                    _running = null;
                    _cts!.Dispose();
                    _cts = null;
                    Prompt();
                    while (_running is null && _typeAhead.Count > 0)
                        if (Process(_typeAhead.Dequeue())) return true;
                }
                if (n == 0)
                {
                    if (_decoder.Pending) _decoder.Timeout();
                    continue;
                }
                for (int i = 0; i < n; i++)
                {
                    if (_running is not null)
                    {
                        // Ctrl-C is looked for in the raw bytes: it must work whatever the decoder holds.
                        if (buffer[i] == 0x03) { _cts!.Cancel(); _typeAhead.Clear(); }
                        else if (_typeAhead.Count < TypeAheadBytes) _typeAhead.Enqueue(buffer[i]);
                        continue;
                    }
                    if (Process(buffer[i])) return true;
                }
            }
            return false;
        }
        finally
        {
            _cts?.Cancel();
        }
    }

    /// <summary>One byte while no command runs. True when the session ends (Ctrl-D).</summary>
    private bool Process(byte b)
    {
        EditResult result;
        if (terminal.Raw)
        {
            var key = _decoder.Feed(b);
            if (key.Kind == KeyKind.None) return false;
            result = _editor.Apply(key, _echo);
            Flush();
        }
        else result = _plain.Feed(b);
        switch (result.Status)
        {
            case EditStatus.EndOfInput:
                return true;
            case EditStatus.Cancelled:
                if (!terminal.Raw) terminal.Write("^C\n");
                Prompt();
                break;
            case EditStatus.Line:
                if (string.IsNullOrEmpty(result.Line)) { Prompt(); break; }
                if (result.Repeated) terminal.Write(Translate(result.Line + "\n"));
                _cts = new CancellationTokenSource();
                _running = Start(result.Line, _cts.Token);
                break;
        }
        return false;
    }

    private Task<int> Start(string line, CancellationToken token)
    {
        var output = new TerminalOutput(terminal, terminal.Raw);
        var ctx = new CommandContext(output, privileged, interactive: true, token);
        return Task.Run(() => table.Execute(line, ctx));
    }

    private void Prompt()
    {
        if (terminal.Raw) { _editor.Begin(_echo); Flush(); }
        else terminal.Write(prompt);
    }

    private void Flush()
    {
        if (_echo.Length == 0) return;
        terminal.Write(_echo.ToString());
        _echo.Clear();
    }

    private string Translate(string text) => terminal.Raw ? text.Replace("\n", "\r\n") : text;

    /// <summary>Raw terminals have no output processing (OPOST off): the shell adds the CR itself.</summary>
    private sealed class TerminalOutput(ITerminal terminal, bool raw) : IShellOutput
    {
        public void Write(string text) => terminal.Write(raw ? text.Replace("\n", "\r\n") : text);
    }
}
