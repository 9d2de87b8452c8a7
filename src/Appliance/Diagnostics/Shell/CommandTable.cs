using System.Text;

namespace Recd.Diagnostics.Shell;

/// <summary>Where a command writes. Lines end in "\n"; a terminal front end turns that into CR LF.</summary>
public interface IShellOutput
{
    void Write(string text);
}

public sealed class StringOutput : IShellOutput
{
    private readonly StringBuilder _sb = new();
    public void Write(string text) { lock (_sb) _sb.Append(text); }
    public override string ToString() { lock (_sb) return _sb.ToString(); }
}

/// <summary>What a command runs with: its output, Ctrl-C, and whether the caller may change state.</summary>
public sealed class CommandContext(IShellOutput output, bool privileged, bool interactive, CancellationToken cancel)
{
    public IShellOutput Out { get; } = output;
    public bool Privileged { get; } = privileged;

    /// <summary>A person at a terminal (progress is drawn with CR); false for "recd ctl".</summary>
    public bool Interactive { get; } = interactive;
    public CancellationToken Cancel { get; } = cancel;

    public void Line(string text) => Out.Write(text + "\n");
}

/// <param name="ChangesState">Refused on the control socket unless the peer is root or the service user.</param>
public sealed record ShellCommand(string Name, string Usage, string Summary, string Help, bool ChangesState,
    Func<CommandContext, string[], int> Run);

/// <summary>
/// The one command table behind the serial shell, "recd console" and "recd ctl". Exit codes: 0 done,
/// 1 failed, 2 usage, 3 refused (not privileged), 130 cancelled (128 + SIGINT, as a shell reports it).
/// </summary>
public sealed class CommandTable
{
    public const int Ok = 0, Failed = 1, Usage = 2, Refused = 3, Cancelled = 130;

    private readonly List<ShellCommand> _commands = [];
    private readonly Dictionary<string, ShellCommand> _byName = new(StringComparer.Ordinal);

    public IReadOnlyList<ShellCommand> Commands => _commands;

    public CommandTable Add(ShellCommand command, params string[] aliases)
    {
        _commands.Add(command);
        _byName[command.Name] = command;
        foreach (var a in aliases) _byName[a] = command;
        return this;
    }

    public ShellCommand? Find(string name) => _byName.GetValueOrDefault(name);

    public int Execute(string line, CommandContext ctx)
    {
        var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return Ok;
        if (words[0] is "help" or "?") return Help(ctx, words.Length > 1 ? words[1] : null);
        if (Find(words[0]) is not { } command)
        {
            ctx.Line($"unknown command '{words[0]}' (try help)");
            return Usage;
        }
        if (command.ChangesState && !ctx.Privileged)
        {
            ctx.Line($"{command.Name}: refused: changing state needs root or the service user");
            return Refused;
        }
        try
        {
            return command.Run(ctx, words[1..]);
        }
        catch (OperationCanceledException)
        {
            ctx.Line("^C: cancelled");
            return Cancelled;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            ctx.Line($"{command.Name}: {e.Message}");
            return Failed;
        }
    }

    private int Help(CommandContext ctx, string? name)
    {
        if (name is not null)
        {
            if (Find(name) is not { } c) { ctx.Line($"no command '{name}' (try help)"); return Usage; }
            ctx.Line("usage: " + c.Usage);
            ctx.Out.Write(c.Help.EndsWith('\n') ? c.Help : c.Help + "\n");
            if (c.ChangesState) ctx.Line("changes state: root or the service user only, on the control socket");
            return Ok;
        }
        foreach (var c in _commands)
            ctx.Line($"{Pad(c.Usage, 34)} {c.Summary}");
        ctx.Line($"{Pad("help [CMD], ?", 34)} this list, or one command's help");
        return Ok;
    }

    private static string Pad(string s, int width) => s.Length >= width ? s : s.PadRight(width);
}
