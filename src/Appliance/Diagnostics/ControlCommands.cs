using System.Text;
using Recd.Board;
using Recd.Platform;
using Recd.Recordings;

namespace Recd.Diagnostics;

/// <summary>The commands of the control socket. Answers fit an 80-column terminal; only snapshots are read.</summary>
public sealed class ControlCommands(BoardProfile profile, RecordingStore store, Func<int> connections, DateTime started)
{
    public string Execute(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (words.Length == 0 ? "help" : words[0]) switch
        {
            "status" => Status(),
            "recordings" or "rec" => Recordings(),
            "help" or "?" => "commands: status, recordings, help\n",
            var other => $"unknown command '{other}' (try help)\n",
        };
    }

    private string Status()
    {
        var sb = new StringBuilder();
        var up = DateTime.UtcNow - started;
        sb.AppendLine($"recd up {(int)up.TotalHours}h{up.Minutes:D2}m, board {profile.Board} ({profile.Soc ?? "-"}), listen {profile.Listen.Address}");
        var fs = FreeSpace.Of(store.Paths.Root);
        string space = fs is { } f ? $"{f.AvailableBytes >> 20} MiB free of {f.TotalBytes >> 20}, reserve {store.Space.ReserveFor(f) >> 20} MiB" : "statvfs failed";
        sb.AppendLine($"storage {store.Paths.Root}: {space}");
        sb.AppendLine($"O_DIRECT {(store.DirectUnavailable is null ? "available" : "unavailable: " + store.DirectUnavailable)}, default path {profile.WritePaths.Default}, nosplice {profile.WritePaths.NoSplice}");
        sb.AppendLine($"connections {connections()}, active recordings {store.ActiveCount}");
        sb.AppendLine($"log lines dropped {Recd.Logging.Log.Dropped} (stderr not keeping up)");
        foreach (var m in store.List())
            if (m.State == RecordingStates.Recording)
                sb.AppendLine($"  {Trim(m.Name, 30),-30} {m.CommittedLength >> 20,8} MiB  {m.WritePath}  {(m.Decision is null ? "" : Trim(m.Decision, 24))}");
        return sb.ToString();
    }

    private string Recordings()
    {
        var sb = new StringBuilder();
        foreach (var m in store.List())
            sb.AppendLine($"{Trim(m.Name, 32),-32} {m.CommittedLength,14} {m.State,-11} {m.WritePath}");
        return sb.Length == 0 ? "no recordings\n" : sb.ToString();
    }

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "~";
}
