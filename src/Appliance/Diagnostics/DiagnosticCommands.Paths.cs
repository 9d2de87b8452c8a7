using System.Text;
using Recd.Diagnostics.Shell;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Diagnostics;

public sealed partial class DiagnosticCommands
{
    private int Paths(CommandContext ctx, string[] args)
    {
        var sel = _store.Selection;
        var sb = new StringBuilder();
        sb.AppendLine($"mount {sel.Mount.MountPoint} ({sel.Mount.FsType}), view {sel.CostView}, default {_store.DefaultPolicy}, nosplice {OnOff(_profile.WritePaths.NoSplice)}");
        sb.AppendLine($"  {"path",-18} {"ns/B",8} {"MB/s",8} {"windows",8}  source");
        var learned = sel.Learned.For(sel.LearnedKey);
        foreach (var c in sel.Candidates)
        {
            string label = c.Label;
            string note = c.Kind == WritePathKind.Splice && _profile.WritePaths.NoSplice ? " (nosplice)" :
                c.Kind == WritePathKind.Direct && _store.DirectUnavailable is not null ? " (O_DIRECT unavailable)" : "";
            if (learned is not null && learned.TryGetValue(label, out var cost)) sb.AppendLine(Row(label, cost, "learned" + note));
            else sb.AppendLine($"  {Trim(label, 18),-18} {"-",8} {"-",8} {0,8}  not measured yet{note}");
        }
        foreach (var m in _store.ActiveSnapshots())
        {
            if (m.Costs is not { Count: > 0 } costs) continue;
            foreach (var (label, cost) in costs)
                sb.AppendLine(Row(label, cost, Trim(m.Name, 20) + (label == m.WritePath ? " (now)" : "")));
        }
        ctx.Out.Write(sb.ToString());
        return CommandTable.Ok;
    }

    private static string Row(string label, PathCost c, string source) =>
        $"  {Trim(label, 18),-18} {(double.IsNaN(c.NsPerByte) ? "-" : c.NsPerByte.ToString("F2")),8} {c.BytesPerSecond / 1e6,8:F1} {c.Windows,8}  {source}";

    private int PathSet(CommandContext ctx, string[] args)
    {
        if (args.Length != 2 || args[0] != "set" || !PathPolicy.TryParse(args[1], out var policy))
        {
            ctx.Line("usage: path set auto|buffered|splice|direct");
            return CommandTable.Usage;
        }
        var old = _store.DefaultPolicy;
        _store.DefaultPolicy = policy;
        Logging.Log.Info($"console: default write path {old} -> {policy} (new recordings)");
        ctx.Line($"default write path {old} -> {policy}: new recordings only");
        return CommandTable.Ok;
    }

    private int NoSplice(CommandContext ctx, string[] args)
    {
        if (args.Length == 0) { ctx.Line($"nosplice {OnOff(_profile.WritePaths.NoSplice)}"); return CommandTable.Ok; }
        if (args.Length != 1 || args[0] is not ("on" or "off")) { ctx.Line("usage: nosplice [on|off]"); return CommandTable.Usage; }
        // Checked here: showing the switch is a read.
        if (!ctx.Privileged) { ctx.Line("nosplice: refused: changing state needs root or the service user"); return CommandTable.Refused; }
        _profile.WritePaths.NoSplice = args[0] == "on";
        Logging.Log.Info($"console: nosplice {args[0]} (new paths only)");
        ctx.Line($"nosplice {args[0]}: new paths only; a recording already splicing keeps its pipe until it switches");
        return CommandTable.Ok;
    }
}
