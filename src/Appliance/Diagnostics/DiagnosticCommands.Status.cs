using System.Globalization;
using System.Text;
using Recd.Platform;
using Recd.Diagnostics.Shell;
using Recd.Recordings;

namespace Recd.Diagnostics;

public sealed partial class DiagnosticCommands
{
    private int Status(CommandContext ctx, string[] args)
    {
        switch (args)
        {
            case []: case ["--format=text"]: ctx.Out.Write(StatusText()); return CommandTable.Ok;
            case ["--format=kv"]: ctx.Out.Write(StatusKeyValues()); return CommandTable.Ok;
            default: ctx.Line("usage: status [--format=kv]"); return CommandTable.Usage;
        }
    }

    /// <summary>For a person at 80 columns; programs read <see cref="StatusKeyValues"/>, which this text may drift from.</summary>
    private string StatusText()
    {
        var sb = new StringBuilder();
        var up = DateTime.UtcNow - _started;
        sb.AppendLine($"recd up {(int)up.TotalHours}h{up.Minutes:D2}m, board {_profile.Board} ({_profile.Soc ?? "-"}), listen {_profile.Listen.Address}");
        var fs = FreeSpace.Of(_store.Paths.Root);
        string space = fs is { } f ? $"{f.AvailableBytes >> 20} MiB free of {f.TotalBytes >> 20}, reserve {_store.Space.ReserveFor(f) >> 20} MiB" : "statvfs failed";
        sb.AppendLine($"storage {_store.Paths.Root}: {space}");
        sb.AppendLine($"O_DIRECT {(_store.DirectUnavailable is null ? "available" : "unavailable: " + _store.DirectUnavailable)}, default path {_store.DefaultPolicy}, nosplice {OnOff(_profile.WritePaths.NoSplice)}");
        sb.AppendLine($"connections {_connections()}, active recordings {_store.ActiveCount}");
        sb.AppendLine($"log lines dropped {Logging.Log.Dropped} (stderr not keeping up)");
        foreach (var m in _store.ActiveSnapshots())
        {
            var cost = CurrentCost(m);
            string rate = cost is { BytesPerSecond: > 0 } ? $"{cost.BytesPerSecond / 1e6,6:F1} MB/s" : "     - MB/s";
            string ns = cost is { NsPerByte: > 0 and < double.MaxValue } ? $"{cost.NsPerByte,5:F2} ns/B" : "    - ns/B";
            sb.AppendLine($"  {Trim(m.Name, 24),-24} {m.CommittedLength >> 20,7} MiB {rate} {Trim(m.WritePath ?? "-", 14),-14} {ns}");
        }
        return sb.ToString();
    }

    private static Selection.PathCost? CurrentCost(Manifest m) =>
        m.WritePath is { } p && m.Costs is { } costs && costs.TryGetValue(p, out var c) ? c : null;

    /// <summary>
    /// The status facts as <see cref="StatusKeys"/> lines, whole numbers in bytes and seconds (no MiB
    /// rounding), so that a program need not match the human text. No per-recording lines: "rec list"
    /// has those, and one key a line keeps the format a flat map.
    /// </summary>
    private string StatusKeyValues()
    {
        var sb = new StringBuilder();
        void Kv(string key, object? value) =>
            sb.Append(key).Append('=').Append(StatusKeys.Clean(Convert.ToString(value, CultureInfo.InvariantCulture))).Append('\n');
        Kv(StatusKeys.UptimeSeconds, (long)(DateTime.UtcNow - _started).TotalSeconds);
        Kv(StatusKeys.Board, _profile.Board);
        Kv(StatusKeys.StorageRoot, _store.Paths.Root);
        var fs = FreeSpace.Of(_store.Paths.Root);
        Kv(StatusKeys.StorageFreeBytes, fs?.AvailableBytes ?? -1);
        Kv(StatusKeys.StorageTotalBytes, fs?.TotalBytes ?? -1);
        Kv(StatusKeys.StorageReserveBytes, fs is { } f ? _store.Space.ReserveFor(f) : -1);
        Kv(StatusKeys.Direct, _store.DirectUnavailable is null ? "available" : "unavailable");
        Kv(StatusKeys.DefaultPath, _store.DefaultPolicy);
        Kv(StatusKeys.NoSplice, OnOff(_profile.WritePaths.NoSplice));
        Kv(StatusKeys.Connections, _connections());
        Kv(StatusKeys.ActiveRecordings, _store.ActiveCount);
        Kv(StatusKeys.LogLinesDropped, Logging.Log.Dropped);
        return sb.ToString();
    }
}
