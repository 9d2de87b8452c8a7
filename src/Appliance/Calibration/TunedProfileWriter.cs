using System.Globalization;
using System.Text;
using System.Text.Json;
using Recd.Board;

namespace Recd.Calibration;

/// <summary>
/// board/BASE.tuned.json: inherits everything from BASE ("Base") and holds only the tuned values,
/// the reasons (Why) and the measurements behind them (Calibration), so it loads through the normal
/// layering ("--board BASE.tuned") and passes "recd profile check" beside its base. Written to a
/// temp file and renamed: a crash never leaves half a profile where the loader would read it.
/// </summary>
public static class TunedProfileWriter
{
    public const string Suffix = ".tuned";

    /// <summary>The profile a tuned one inherits from: the board itself, or, re-calibrating a tuned profile, its base (never itself).</summary>
    public static string BaseOf(BoardProfile profile) =>
        profile.Board.EndsWith(Suffix, StringComparison.Ordinal) && profile.Base is { } b ? b : profile.Board;

    public static string FileName(BoardProfile profile) => BaseOf(profile) + Suffix + ".json";

    public static string Write(BoardProfile profile, CalibrationOutcome outcome, string dir)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, FileName(profile));
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, Render(profile, outcome));
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Relaxed escaping: a person reads the Why texts, and "profile's" reads better than "profile\u0027s"; it is a file, never HTML.</summary>
    public static byte[] Render(BoardProfile profile, CalibrationOutcome o)
    {
        var t = o.Tuned;
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("Base", BaseOf(profile));
            w.WriteString("Description", $"{BaseOf(profile)} tuned by recd calibrate on {o.EndedUtc:yyyy-MM-dd} ({o.Storage}, {o.Seconds} s run)");
            w.WriteStartObject("WritePaths");
            w.WriteNumber("BufferBytes", t.BufferBytes);
            w.WriteNumber("PipeBytes", t.PipeBytes);
            w.WriteNumber("DirectBufferBytes", t.DirectBufferBytes);
            w.WriteNumber("BatchBytes", t.BatchBytes);
            w.WriteEndObject();
            w.WriteStartObject("Selector");
            w.WriteStartArray("Candidates");
            foreach (var c in t.Candidates) w.WriteStringValue(c);
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("Why");
            w.WriteString("WritePaths", $"recd calibrate, thread CPU per byte from the cost meter, bytes from {o.Sender}: " + string.Join("; ", t.Reasons));
            w.WriteString("Selector", $"Cheapest first, as measured on {o.Storage}: {string.Join(", ", o.Bulk.Where(b => b.Ok && t.Candidates.Contains(b.Choice.Label)).OrderBy(b => b.NsPerByte).Select(b => $"{b.Choice.Label} {b.NsPerByte:F3} ns/B"))}.");
            w.WriteEndObject();
            w.WriteStartObject("Calibration");
            w.WriteString("Date", o.EndedUtc.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            w.WriteString("RecdVersion", o.Version);
            w.WriteNumber("Seconds", o.Seconds);
            w.WriteString("Storage", o.Storage);
            w.WriteString("Sender", o.Sender);
            w.WritePropertyName("Primitives");
            WritePrimitives(w, o.Primitives);
            w.WriteStartObject("Costs");
            foreach (var r in o.Bulk.Concat(o.Live)) w.WriteString(r.Key, r.Summary);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    /// <summary>The primitives object, key for key what native/calib_probe prints under "Primitives".</summary>
    public static void WritePrimitives(Utf8JsonWriter w, CopyPrimitiveFigures p)
    {
        w.WriteStartObject();
        foreach (var (name, f) in Named(p))
        {
            w.WriteStartObject(name);
            w.WriteNumber("MiBps", f.MiBps);
            w.WriteNumber("CpuNsPerByte", f.CpuNsPerByte);
            w.WriteNumber("Bytes", f.Bytes);
            if (f.Error is not null) w.WriteString("Error", f.Error);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>"recd calibrate --primitives": the probe's document, as native/calib_probe prints it.</summary>
    public static string PrimitivesDocument(CopyPrimitiveFigures p, string storage)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("Probe", "recd");
            w.WriteString("Arch", System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
            w.WriteString("Storage", storage);
            w.WritePropertyName("Primitives");
            WritePrimitives(w, p);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    public static IEnumerable<(string Name, PrimitiveFigure Figure)> Named(CopyPrimitiveFigures p) =>
    [
        (nameof(p.Memcpy), p.Memcpy), (nameof(p.CopyToUser), p.CopyToUser), (nameof(p.CopyFromUser), p.CopyFromUser),
        (nameof(p.SpliceToFile), p.SpliceToFile), (nameof(p.PageCacheWrite), p.PageCacheWrite), (nameof(p.DirectWrite), p.DirectWrite),
    ];
}
