using System.Globalization;
using System.Text;
using Recd.WritePaths;

namespace Recd.Calibration;

/// <summary>
/// The report a person reads: what was measured, on what, what was tuned and why, with the chart as
/// a sibling .svg (Markdown viewers show a linked image; an inline SVG many of them strip).
/// </summary>
public static class CalibrationReport
{
    /// <summary>Writes FILE.md and FILE.svg beside it; returns both paths. <paramref name="note"/>: the operator's words (--note), printed under the heading.</summary>
    public static (string Markdown, string Svg) Write(CalibrationOutcome o, string markdownPath, string tunedPath, string? note = null)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(markdownPath))!;
        Directory.CreateDirectory(dir);
        string svg = Path.ChangeExtension(markdownPath, ".svg");
        File.WriteAllText(svg, CostChart.Render(o));
        File.WriteAllText(markdownPath, Render(o, Path.GetFileName(svg), Path.GetRelativePath(dir, tunedPath), note));
        return (markdownPath, svg);
    }

    public static string Render(CalibrationOutcome o, string svgName, string tunedName, string? note = null)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine($"# recd calibrate: {o.Board}");
        sb.AppendLine();
        sb.AppendLine(string.Create(c, $"{o.EndedUtc:yyyy-MM-dd HH:mm} UTC, recd {o.Version}, budget {o.Seconds} s (took {o.Elapsed.TotalSeconds:F1} s), storage {o.Storage}, sender {o.Sender}."));
        sb.AppendLine();
        if (!string.IsNullOrWhiteSpace(note)) { sb.AppendLine("Note: " + note.Trim()); sb.AppendLine(); }
        sb.AppendLine($"Tuned profile: `{tunedName}` (use it with `--board {Path.GetFileNameWithoutExtension(tunedName)}`).");
        sb.AppendLine();
        sb.AppendLine($"![cost per path and size, and the copy primitives]({svgName})");
        sb.AppendLine();
        sb.AppendLine("## What was tuned");
        sb.AppendLine();
        var t = o.Tuned;
        sb.AppendLine($"- `Selector:Candidates` {string.Join(", ", t.Candidates.Select(x => $"`{x}`"))} (auto starts on the first)");
        sb.AppendLine($"- `WritePaths:BufferBytes` {SizeText.Format(t.BufferBytes)}, `PipeBytes` {SizeText.Format(t.PipeBytes)}, " +
                      $"`DirectBufferBytes` {SizeText.Format(t.DirectBufferBytes)}, `BatchBytes` {(t.BatchBytes == 0 ? "0 (off)" : SizeText.Format(t.BatchBytes))}");
        foreach (var r in t.Reasons) sb.AppendLine($"- {r}");
        sb.AppendLine();
        sb.AppendLine("## Cost per path and size");
        sb.AppendLine();
        sb.AppendLine("Transfer-thread CPU inside the write-path calls per byte (the daemon's CostMeter, closed windows only). " +
                      (o.Sender == "loopback" ? "Bulk: 256 KiB sends as fast as loopback takes them; live: 1316-byte sends at 10 Mbit/s over loopback."
                          : $"Connections from {o.Sender}, each told what to send (docs/calibration.md): bulk as fast as it goes; live: 1316-byte sends at 10 Mbit/s."));
        sb.AppendLine();
        sb.AppendLine("| trial | ns/B | MB/s | windows | batch waits | note |");
        sb.AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var r in o.Bulk.Concat(o.Live))
            sb.AppendLine(r.Ok
                ? string.Create(c, $"| {r.Key} | {r.NsPerByte:F3} | {r.MBps:F1} | {r.Windows} | {(r.Shape.Paced ? r.BatchWaits.ToString(c) : "-")} | |")
                : $"| {r.Key} | - | - | - | - | {r.Error} |");
        sb.AppendLine();
        sb.AppendLine("## Copy primitives");
        sb.AppendLine();
        sb.AppendLine("Each call timed alone (wall clock and thread CPU); file primitives on the storage root.");
        sb.AppendLine();
        sb.AppendLine("| primitive | MiB/s | CPU ns/B | bytes | note |");
        sb.AppendLine("|---|---:|---:|---:|---|");
        foreach (var (name, f) in TunedProfileWriter.Named(o.Primitives))
            sb.AppendLine(string.Create(c, $"| {name} | {f.MiBps:F1} | {f.CpuNsPerByte:F4} | {f.Bytes} | {f.Error} |"));
        sb.AppendLine();
        var p = o.Primitives;
        if (p.Memcpy.MiBps > 0 && p.CopyToUser.MiBps > 0)
            sb.AppendLine(string.Create(c, $"copy_to_user runs at {p.CopyToUser.MiBps / p.Memcpy.MiBps * 100:F0}% of memcpy here. ") +
                          "Far below memcpy (an arm `__copy_user` without a fast path) means the socket -> user copy is dear, and splice, which skips it, can pay.");
        return sb.ToString();
    }
}
