using System.Globalization;

namespace Recd.Diagnostics;

/// <summary>
/// The answer of "status --format=kv": one KEY=VALUE a line, each key once, in this order. Keys are
/// only ever added; a reader looks keys up and ignores those it does not know. -1: not known
/// (statvfs failed).
/// </summary>
public static class StatusKeys
{
    public const string UptimeSeconds = "uptime_seconds", Board = "board", StorageRoot = "storage_root",
        StorageFreeBytes = "storage_free_bytes", StorageTotalBytes = "storage_total_bytes",
        StorageReserveBytes = "storage_reserve_bytes", Direct = "direct", DefaultPath = "default_path",
        NoSplice = "nosplice", Connections = "connections", ActiveRecordings = "active_recordings",
        LogLinesDropped = "log_lines_dropped";

    public static readonly string[] All = [UptimeSeconds, Board, StorageRoot, StorageFreeBytes, StorageTotalBytes,
        StorageReserveBytes, Direct, DefaultPath, NoSplice, Connections, ActiveRecordings, LogLinesDropped];

    /// <summary>A value never breaks the line format: a line break in it (a path may hold one) becomes '?'.</summary>
    internal static string Clean(string? value) => (value ?? "").Replace('\n', '?').Replace('\r', '?');

    /// <summary>Parses an answer; false if a line is not KEY=VALUE or a key repeats (not this format).</summary>
    public static bool TryParse(string text, out Dictionary<string, string> values)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = line.IndexOf('=');
            if (eq <= 0 || !values.TryAdd(line[..eq], line[(eq + 1)..])) return false;
        }
        return values.Count > 0;
    }

    /// <summary>A whole-number value of a parsed answer; false if absent or not a number.</summary>
    public static bool TryGetLong(Dictionary<string, string> values, string key, out long value)
    {
        value = 0;
        return values.TryGetValue(key, out var s) && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
