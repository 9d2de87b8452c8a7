using System.Text;
using Recd.Platform;
using Recd.Diagnostics.Shell;
using Recd.Recordings;

namespace Recd.Diagnostics;

public sealed partial class DiagnosticCommands
{
    private int Disk(CommandContext ctx, string[] args)
    {
        var mount = _store.Selection.Mount;
        var sb = new StringBuilder();
        sb.AppendLine($"root       {_store.Paths.Root}");
        sb.AppendLine($"mount      {mount.MountPoint} ({mount.FsType}, {Trim(mount.Source, 40)})");
        if (_store.Space.MountProblem() is { } problem) sb.AppendLine($"problem    {Trim(problem, 68)}");
        if (FreeSpace.Of(_store.Paths.Root) is { } fs)
            sb.AppendLine($"free       {Bytes(fs.AvailableBytes)} of {Bytes(fs.TotalBytes)}, reserve {Bytes(_store.Space.ReserveFor(fs))}");
        else sb.AppendLine("free       statvfs failed");
        sb.AppendLine($"O_DIRECT   {(_store.DirectUnavailable is null ? "available" : "unavailable: " + _store.DirectUnavailable)}");
        sb.AppendLine($"names      {(_store.CaseInsensitive ? "case-insensitive (names differing only in case are refused)" : "case-sensitive")}");
        int slow = 0;
        long worst = 0;
        var slowOnes = new List<Manifest>();
        foreach (var m in _store.List())
        {
            if (m.SlowWrites == 0) continue;
            slow += m.SlowWrites;
            worst = Math.Max(worst, m.MaxWriteMs);
            slowOnes.Add(m);
        }
        sb.AppendLine($"slow       {slow} writes over {_store.Options.SlowWriteMs} ms, slowest {worst} ms");
        foreach (var m in slowOnes.TakeLast(5))
            sb.AppendLine($"  {Trim(m.Name, 32),-32} {m.SlowWrites,6} slow, slowest {m.MaxWriteMs} ms");
        ctx.Out.Write(sb.ToString());
        return CommandTable.Ok;
    }

    private int ProfileShow(CommandContext ctx, string[] args)
    {
        if (args.Length > 0 && args[0] != "show") { ctx.Line("usage: profile show"); return CommandTable.Usage; }
        var p = _profile;
        var sb = new StringBuilder();
        sb.AppendLine($"board      {p.Board}{(p.Base is null ? "" : " (base " + p.Base + ")")}: {Trim(p.Description ?? "-", 50)}");
        sb.AppendLine($"soc        {p.Soc ?? "-"}, {p.Arch ?? "-"}, {p.Cores} cores, {p.RamMiB} MiB");
        sb.AppendLine($"listen     {p.Listen.Address}:{p.Listen.Port}, max connections {p.Http.MaxConnections}");
        sb.AppendLine($"storage    {p.Storage.Root}, commit {Bytes(p.Storage.CommitIntervalBytes)}/{p.Storage.CommitIntervalMs} ms, reserve {Bytes(p.Storage.ReserveBytes)}/{p.Storage.ReservePercent}%");
        sb.AppendLine($"paths      default {p.WritePaths.Default} (now {_store.DefaultPolicy}), buffer {Bytes(p.WritePaths.BufferBytes)}, nosplice {OnOff(p.WritePaths.NoSplice)}");
        sb.AppendLine($"console    {p.Console.Tty ?? "-"} at {p.Console.Baud} 8N1");
        sb.AppendLine($"run as     {(string.IsNullOrEmpty(p.RunAs) ? "-" : p.RunAs)}, log level {p.LogLevel}");
        ctx.Out.Write(sb.ToString());
        return CommandTable.Ok;
    }

    private int LogTail(CommandContext ctx, string[] args)
    {
        int n = 20;
        if (args.Length > 0 && (!int.TryParse(args[0], out n) || n < 1)) { ctx.Line("usage: log [N]"); return CommandTable.Usage; }
        var sb = new StringBuilder();
        foreach (var line in Logging.Log.Recent(n)) AppendWrapped(sb, line.TrimEnd('\n'));
        ctx.Out.Write(sb.Length == 0 ? "no log lines yet\n" : sb.ToString());
        return CommandTable.Ok;
    }

    /// <summary>A log line over 80 columns goes on over indented lines: a serial terminal does not wrap for us.</summary>
    private static void AppendWrapped(StringBuilder sb, string line)
    {
        const int Width = 79, Indent = 4;
        sb.AppendLine(line.Length <= Width ? line : line[..Width]);
        for (int at = Width; at < line.Length; at += Width - Indent)
            sb.Append(' ', Indent).AppendLine(line.Substring(at, Math.Min(Width - Indent, line.Length - at)));
    }

    /// <summary>SoC temperature without UnitsNet (5.7 MB and a trim warning): the kernel's thermal zones, millidegrees.</summary>
    private int Sensors(CommandContext ctx, string[] args)
    {
        var zones = Directory.Exists(ThermalRoot) ? Directory.GetDirectories(ThermalRoot, "thermal_zone*") : [];
        Array.Sort(zones, StringComparer.Ordinal);
        int shown = 0;
        foreach (var zone in zones)
        {
            try
            {
                string type = File.ReadAllText(Path.Combine(zone, "type")).Trim();
                if (!long.TryParse(File.ReadAllText(Path.Combine(zone, "temp")).Trim(), out long milli)) continue;
                ctx.Line($"{Path.GetFileName(zone),-16} {Trim(type, 24),-24} {milli / 1000.0,6:F1} C");
                shown++;
            }
            catch (IOException) { } // a zone whose sensor is asleep or gone answers EIO/ENODATA
            catch (UnauthorizedAccessException) { }
        }
        if (shown == 0) ctx.Line("no sensors");
        return CommandTable.Ok;
    }

    internal static string ThermalRoot { get; set; } = "/sys/class/thermal";
}
