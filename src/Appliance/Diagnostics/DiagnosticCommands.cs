using System.Text;
using Recd.Platform;
using Recd.Board;
using Recd.BoardIo;
using Recd.Diagnostics.Shell;
using Recd.Recordings;

namespace Recd.Diagnostics;

/// <summary>
/// The diagnostics commands, one table for the serial shell, "recd console" and "recd ctl". They read
/// the store's immutable snapshots and never take a lock the data path holds across I/O; the few that
/// change state (rec stop, path set, nosplice) only flip values transfers read at their next step.
/// Answers fit 80 columns.
/// </summary>
public sealed partial class DiagnosticCommands
{
    private readonly BoardProfile _profile;
    private readonly RecordingStore _store;
    private readonly Func<int> _connections;
    private readonly DateTime _started;
    private readonly Func<BoardIoSnapshot?> _board;

    /// <param name="board">Board I/O's current snapshot; null (or returning null): board I/O is not running.</param>
    public DiagnosticCommands(BoardProfile profile, RecordingStore store, Func<int> connections, DateTime started, Func<BoardIoSnapshot?>? board = null)
    {
        _profile = profile;
        _store = store;
        _connections = connections;
        _started = started;
        _board = board ?? (() => null);
        Table = new CommandTable()
            .Add(new("status", "status [--format=kv]", "uptime, board, storage, active recordings",
                "Uptime, board, storage free space and reserve, O_DIRECT, connections, and each\n" +
                "active recording with its rate, write path and cost (CPU-ns per byte).\n" +
                "--format=kv: the same for programs (recd calibrate), one KEY=VALUE a line.", false, Status))
            .Add(new("rec", "rec list|show NAME|stop NAME", "recordings: list, details, stop one",
                "rec list: every recording, committed bytes, state, write path.\n" +
                "rec show NAME: its manifest snapshot.\n" +
                "rec stop NAME: ends an active recording cleanly at its next span (within ~1 s):\n" +
                "final commit and manifest; the sender gets 503. Changes state.", false, Rec), "recordings")
            .Add(new("paths", "paths", "cost of each write path on this mount",
                "Learned costs of the storage mount (state folder) and the live costs of each active\n" +
                "recording: CPU-ns per byte, MB/s, windows measured.", false, Paths))
            .Add(new("path", "path set auto|buffered|splice|direct", "default write path of new recordings",
                "Sets the path new recordings take when the PUT names none (WritePaths:Default).\n" +
                "Running recordings keep theirs; not saved across restarts.", true, PathSet))
            .Add(new("nosplice", "nosplice [on|off]", "splice kill switch (new paths only)",
                "on: no new splice path is created; auto leaves splice out of new recordings.\n" +
                "A recording already splicing keeps its pipe until its next path switch.", false, NoSplice))
            .Add(new("disk", "disk", "mount, fs, free, reserve, O_DIRECT, slow",
                "The storage mount and filesystem type, free space and reserve, the O_DIRECT probe,\n" +
                "case-insensitivity, and slow writes (over Storage:SlowWriteMs) per recording.", false, Disk))
            .Add(new("profile", "profile show", "the effective board profile",
                "The board profile as the daemon runs it (after Base, environment and command line).", false, ProfileShow))
            .Add(new("log", "log [N]", "the last N log lines (20)",
                "The in-memory ring of recent log lines, oldest first, including lines stderr dropped.", false, LogTail))
            .Add(new("gpio", "gpio", "board I/O: GPIO lines, panel, button",
                "The GPIO driver and chip, each line the profile names (role, line, direction, the\n" +
                "level last written), the front panel's text and the button, or why there is no GPIO.", false, Gpio))
            .Add(new("sensors", "sensors", "SoC temperature", "Thermal zones from /sys/class/thermal.", false, Sensors))
            .Add(new("verify", "verify NAME", "sha256 of the committed bytes (Ctrl-C stops)",
                "Reads the committed bytes of NAME and prints their SHA-256 and length, with progress.\n" +
                "Reads at disk speed: recordings in progress compete for the disk meanwhile.", false, Verify))
            .Add(new("version", "version", "recd version", "The version of this binary.", false, Version))
            .Add(new("calibrate", "calibrate [--seconds N] [--force]", "measure write paths, write a tuned profile",
                "Measures the copy primitives and every candidate path and size over loopback on the\n" +
                "storage root (N seconds, default 30), then writes BASE.tuned.json and a report to the\n" +
                "state folder. Refused while recordings are active unless --force. Writes files.", true, Calibrate));
    }

    public CommandTable Table { get; }

    /// <summary>One command, its output as text (the old control-socket contract).</summary>
    public string Execute(string line)
    {
        var output = new StringOutput();
        Table.Execute(line.Trim().Length == 0 ? "help" : line, new CommandContext(output, privileged: false, interactive: false, CancellationToken.None));
        return output.ToString();
    }

    private int Version(CommandContext ctx, string[] args)
    {
        ctx.Line("recd " + typeof(DiagnosticCommands).Assembly.GetName().Version);
        return CommandTable.Ok;
    }

    internal static string OnOff(bool value) => value ? "on" : "off";

    internal static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "~";

    internal static string Bytes(long n) => n switch
    {
        >= 10L << 30 => $"{n >> 30} GiB",
        >= 10L << 20 => $"{n >> 20} MiB",
        >= 10L << 10 => $"{n >> 10} KiB",
        _ => $"{n} B",
    };
}
