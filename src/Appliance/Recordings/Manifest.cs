using System.Text.Json.Serialization;

namespace Recd.Recordings;

public static class RecordingStates
{
    public const string Recording = "recording";
    public const string Complete = "complete";
    public const string Interrupted = "interrupted";
}

/// <summary>
/// The truth about one recording, kept beside its data as ".NAME.manifest". CommittedLength bytes of
/// the data file were fdatasync'ed before this manifest was written; nothing past it is promised.
/// </summary>
public sealed class Manifest
{
    public string Name { get; set; } = "";
    public string State { get; set; } = RecordingStates.Recording;
    public long CommittedLength { get; set; }
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public string? Client { get; set; }
    public string? WritePath { get; set; }
    public string? Reason { get; set; }

    /// <summary>File-side calls slower than Storage:SlowWriteMs, and the slowest in ms (a slow or stalled disk).</summary>
    public int SlowWrites { get; set; }
    public long MaxWriteMs { get; set; }

    /// <summary>Retention never deletes a protected recording.</summary>
    public bool Protected { get; set; }
    public Dictionary<string, long>? BytesByPath { get; set; }

    /// <summary>auto, or the fixed path kind asked for.</summary>
    public string? Policy { get; set; }

    /// <summary>The selector's last decision, in words.</summary>
    public string? Decision { get; set; }

    /// <summary>Measured cost per path label (CPU-ns per byte, bytes/s, windows).</summary>
    public Dictionary<string, Selection.PathCost>? Costs { get; set; }

    /// <summary>
    /// Bytes of the measured windows and the transfer thread's CPU over them, on any policy: what the
    /// recording cost in the selector's own view (a benchmark compares auto with fixed paths on it).
    /// </summary>
    public long MeteredBytes { get; set; }
    public long ThreadCpuNs { get; set; }

    /// <summary>auto: thread CPU that exploring cost beyond what the chosen path would have (probes and switch windows).</summary>
    public double? ExploringNs { get; set; }

    public Manifest Clone()
    {
        var copy = (Manifest)MemberwiseClone();
        copy.BytesByPath = BytesByPath is null ? null : new Dictionary<string, long>(BytesByPath);
        copy.Costs = Costs?.ToDictionary(kv => kv.Key, kv => kv.Value.Copy());
        return copy;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(List<Manifest>))]
internal sealed partial class ManifestJson : JsonSerializerContext;
