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

    /// <summary>Runs until Ctrl-D on an empty line, the terminal goes away, or <paramref name="stop"/>. True on Ctrl-D.</summary>
    public bool Run(CancellationToken stop)
    {
        terminal.Write(Banner + "\r\n");
        Prompt();
        byte[] buffer = new byte[256];
        Task<int>? running = null;
        CancellationTokenSource? cts = null;
        while (!stop.IsCancellationRequested)
        {
            int timeout = running is not null ? 20 : _decoder.Pending ? KeyDecoder.EscapeWaitMs : 250;
            int n = terminal.Read(buffer, timeout);
            if (n < 0) { cts?.Cancel(); return false; }
            if (running is { IsCompleted: true })
            {
                running = null;
                cts!.Dispose();
                cts = null;
                Prompt();
            }
            if (n == 0)
            {
                if (_decoder.Pending) _decoder.Timeout();
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                var result = terminal.Raw ? Edit(buffer[i], running is not null, cts) : _plain.Feed(buffer[i]);
                switch (result.Status)
                {
                    case EditStatus.EndOfInput:
                        running?.Wait(CancellationToken.None); // piped input ends after its last command: let it answer
                        return true;
                    case EditStatus.Cancelled:
                        cts?.Cancel();
                        if (!terminal.Raw) terminal.Write("^C\n");
                        if (running is null) Prompt();
                        break;
                    case EditStatus.Line when running is null:
                        if (string.IsNullOrEmpty(result.Line)) { Prompt(); break; }
                        if (result.Repeated) terminal.Write(Translate(result.Line + "\n"));
                        cts = new CancellationTokenSource();
                        running = Start(result.Line, cts.Token);
                        break;
                }
            }
        }
        cts?.Cancel();
        return false;
    }

    private EditResult Edit(byte b, bool busy, CancellationTokenSource? cts)
    {
        var key = _decoder.Feed(b);
        if (key.Kind == KeyKind.None) return EditResult.Editing;
        if (busy)
        {
            if (key.Kind == KeyKind.Interrupt) cts?.Cancel();
            return EditResult.Editing;
        }
        var r = _editor.Apply(key, _echo);
        Flush();
        return r;
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
