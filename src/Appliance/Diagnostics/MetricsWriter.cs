using System.Globalization;
using System.Text;

namespace Recd.Diagnostics;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4
/// (prometheus.io/docs/instrumenting/exposition_formats): each family once, its HELP and TYPE lines
/// first and its samples together after them (promtool and the server's parser reject a family split
/// in two), label values escaped. A series added twice is a bug of the collector: refused here,
/// where a test sees it, rather than left to the server (which drops the whole scrape).
/// </summary>
public sealed class MetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public enum Kind { Counter, Gauge }

    private sealed class Family(string name, Kind kind, string help)
    {
        public readonly string Name = name;
        public readonly Kind Kind = kind;
        public readonly string Help = help;
        public readonly List<string> Samples = [];
        public readonly HashSet<string> Series = new(StringComparer.Ordinal);
    }

    private readonly List<Family> _families = [];
    private readonly Dictionary<string, Family> _byName = new(StringComparer.Ordinal);

    /// <summary>Declares a family, so it is listed (HELP and TYPE) even before its first sample.</summary>
    public MetricsWriter Declare(Kind kind, string name, string help)
    {
        if (_byName.TryGetValue(name, out var f))
        {
            if (f.Kind != kind || f.Help != help) throw new ArgumentException($"metric {name} declared twice, differently");
            return this;
        }
        if (!IsMetricName(name)) throw new ArgumentException($"invalid metric name '{name}'");
        // The convention promtool checks: counters end in _total, nothing else does.
        if ((kind == Kind.Counter) != name.EndsWith("_total", StringComparison.Ordinal))
            throw new ArgumentException($"metric {name}: counters and only counters end in _total");
        f = new Family(name, kind, help);
        _families.Add(f);
        _byName[name] = f;
        return this;
    }

    public MetricsWriter Counter(string name, string help, long value, params (string Name, string Value)[] labels) =>
        Add(Kind.Counter, name, help, value.ToString(CultureInfo.InvariantCulture), labels);

    public MetricsWriter Gauge(string name, string help, long value, params (string Name, string Value)[] labels) =>
        Add(Kind.Gauge, name, help, value.ToString(CultureInfo.InvariantCulture), labels);

    public MetricsWriter Gauge(string name, string help, double value, params (string Name, string Value)[] labels) =>
        Add(Kind.Gauge, name, help, FormatValue(value), labels);

    private MetricsWriter Add(Kind kind, string name, string help, string value, (string Name, string Value)[] labels)
    {
        Declare(kind, name, help);
        var family = _byName[name];
        var sample = new StringBuilder(name);
        if (labels.Length > 0)
        {
            sample.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                var (label, text) = labels[i];
                if (!IsLabelName(label)) throw new ArgumentException($"metric {name}: invalid label name '{label}'");
                for (int j = 0; j < i; j++)
                    if (labels[j].Name == label) throw new ArgumentException($"metric {name}: label {label} twice");
                if (i > 0) sample.Append(',');
                sample.Append(label).Append("=\"");
                EscapeLabelValue(sample, text);
                sample.Append('"');
            }
            sample.Append('}');
        }
        // The same labels in another order are the same series.
        string series = string.Join('\0', labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => l.Name + "=" + l.Value));
        if (!family.Series.Add(series)) throw new ArgumentException($"duplicate series {sample}");
        family.Samples.Add(sample.Append(' ').Append(value).ToString());
        return this;
    }

    public string Render()
    {
        var sb = new StringBuilder(4096);
        foreach (var f in _families)
        {
            sb.Append("# HELP ").Append(f.Name).Append(' ');
            EscapeHelp(sb, f.Help);
            sb.Append('\n');
            sb.Append("# TYPE ").Append(f.Name).Append(' ').Append(f.Kind == Kind.Counter ? "counter" : "gauge").Append('\n');
            foreach (var s in f.Samples) sb.Append(s).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Go's ParseFloat spellings, which the format uses: NaN, +Inf, -Inf; the shortest round-trip otherwise.</summary>
    public static string FormatValue(double v) =>
        double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf"
        : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>In label values backslash, double quote and line feed are escaped; nothing else is.</summary>
    public static void EscapeLabelValue(StringBuilder sb, string value)
    {
        foreach (char c in value)
            sb.Append(c switch { '\\' => "\\\\", '"' => "\\\"", '\n' => "\\n", _ => c.ToString() });
    }

    /// <summary>In HELP text backslash and line feed are escaped (a quote is not).</summary>
    private static void EscapeHelp(StringBuilder sb, string help)
    {
        foreach (char c in help)
            sb.Append(c switch { '\\' => "\\\\", '\n' => "\\n", _ => c.ToString() });
    }

    public static bool IsMetricName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>Names starting with __ are reserved for Prometheus itself.</summary>
    public static bool IsLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && !name.StartsWith("__", StringComparison.Ordinal)
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
