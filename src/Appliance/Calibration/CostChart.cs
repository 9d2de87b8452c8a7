using System.Globalization;
using System.Net;
using System.Text;

namespace Recd.Calibration;

/// <summary>
/// The report's picture, plain SVG (no script, no fonts beyond sans-serif): horizontal bars of cost
/// per path and size (CPU-ns per byte), bulk, then live, then the copy primitives (MiB/s), each panel
/// on its own linear scale from zero so bar lengths compare honestly within a panel.
/// </summary>
public static class CostChart
{
    private const int Width = 760, LabelWidth = 230, BarHeight = 16, Gap = 4, PanelGap = 36;

    public readonly record struct Bar(string Label, double Value, string Text, string Color);

    public static string Render(CalibrationOutcome o)
    {
        List<Bar> Costs(IEnumerable<TrialResult> trials) => trials.Select(t => t.Ok
            ? new Bar(t.Key, t.NsPerByte, $"{t.NsPerByte:F3} ns/B", t.Shape.Paced ? "#d08c2c" : KindColor(t.Choice.Kind))
            : new Bar(t.Key, 0, "not measured", "#999")).ToList();
        var prims = TunedProfileWriter.Named(o.Primitives).Select(p => p.Figure.Error is null
            ? new Bar(p.Name, p.Figure.MiBps, $"{p.Figure.MiBps:F0} MiB/s, {p.Figure.CpuNsPerByte:F3} ns/B CPU", "#5b7fa8")
            : new Bar(p.Name, 0, p.Figure.Error, "#999")).ToList();
        var sb = new StringBuilder();
        int y = 0;
        var body = new StringBuilder();
        // Bulk and live apart: a live stream's per-wakeup cost is several times a bulk byte's and would flatten the bulk bars.
        Panel(body, "Bulk: transfer-thread CPU-ns per byte per path and size (shorter is cheaper)", Costs(o.Bulk), ref y);
        y += PanelGap;
        Panel(body, "Live 10 Mbit/s in 1316-byte sends: CPU-ns per byte per batch size", Costs(o.Live), ref y);
        y += PanelGap;
        Panel(body, "Copy primitives: MiB/s (longer is faster)", prims, ref y);
        sb.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{y + 10}\" viewBox=\"0 0 {Width} {y + 10}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        sb.Append(Inv($"<rect width=\"{Width}\" height=\"{y + 10}\" fill=\"#fff\"/>\n"));
        sb.Append(body);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void Panel(StringBuilder sb, string title, List<Bar> bars, ref int y)
    {
        y += 18;
        sb.Append(Inv($"<text x=\"4\" y=\"{y}\" font-weight=\"bold\">{Esc(title)}</text>\n"));
        y += 8;
        double max = bars.Count == 0 ? 1 : Math.Max(1e-9, bars.Max(b => b.Value));
        int span = Width - LabelWidth - 190;
        foreach (var b in bars)
        {
            int len = (int)Math.Round(b.Value / max * span);
            sb.Append(Inv($"<text x=\"{LabelWidth - 6}\" y=\"{y + 12}\" text-anchor=\"end\">{Esc(b.Label)}</text>"));
            sb.Append(Inv($"<rect x=\"{LabelWidth}\" y=\"{y}\" width=\"{Math.Max(1, len)}\" height=\"{BarHeight}\" fill=\"{b.Color}\"/>"));
            sb.Append(Inv($"<text x=\"{LabelWidth + Math.Max(1, len) + 6}\" y=\"{y + 12}\">{Esc(b.Text)}</text>\n"));
            y += BarHeight + Gap;
        }
    }

    private static string KindColor(WritePaths.WritePathKind kind) => kind switch
    {
        WritePaths.WritePathKind.Splice => "#4c9a5b",
        WritePaths.WritePathKind.Direct => "#8a5ba8",
        _ => "#4a78b0",
    };

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
