using System.Text.Json.Serialization;

namespace Recd.Recordings;

public static class RecordingStates
{
    public const string Recording = "recording";
    public const string Complete = "complete";
    public const string Interrupted = "interrupted";

    /// <summary>
    /// The storage failed under this recording (a write or a sync reported an I/O error), or its
    /// metadata was found damaged at start: the committed length is the last one known good, the
    /// reason names the errno and the offset. Readable and deletable like any other.
    /// </summary>
    public const string Damaged = "damaged";
}

/// <summary>
/// An immutable snapshot of the truth about one recording, kept beside its data as ".NAME.manifest". CommittedLength bytes of
/// the data file were fdatasync'ed before this manifest was written; nothing past it is promised.
/// </summary>
public sealed record Manifest
{
    public string Name { get; init; } = "";
    public string State { get; init; } = RecordingStates.Recording;
    public long CommittedLength { get; init; }
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset Updated { get; init; }
    public string? Client { get; init; }
    public string? WritePath { get; init; }
    public string? Reason { get; init; }

    /// <summary>File-side calls slower than Storage:SlowWriteMs, and the slowest in ms (a slow or stalled disk).</summary>
    public int SlowWrites { get; init; }
    public long MaxWriteMs { get; init; }

    /// <summary>Retention never deletes a protected recording.</summary>
    public bool Protected { get; init; }
    public IReadOnlyDictionary<string, long>? BytesByPath { get; init; }

    /// <summary>auto, or the fixed path kind asked for.</summary>
    public string? Policy { get; init; }

    /// <summary>The selector's last decision, in words.</summary>
    public string? Decision { get; init; }

    /// <summary>Measured cost per path label (CPU-ns per byte, bytes/s, windows).</summary>
    public IReadOnlyDictionary<string, Selection.PathCost>? Costs { get; init; }

    /// <summary>
    /// Bytes of the measured windows and the transfer thread's CPU over them, on any policy: what the
    /// recording cost in the selector's own view (a benchmark compares auto with fixed paths on it).
    /// </summary>
    public long MeteredBytes { get; init; }
    public long ThreadCpuNs { get; init; }

    /// <summary>
    /// The writeback the measured windows booked for their page-cache bytes (CostSample.WritebackNs;
    /// in the thread views' costs beside ThreadCpuNs), and what this transfer's syncs (commits, the
    /// page-cache policy) cost the transfer thread, as measured: the price the booking came from.
    /// </summary>
    public long WritebackCpuNs { get; init; }
    public long SyncCpuNs { get; init; }

    /// <summary>
    /// On a FUSE mount: the FUSE server's CPU over the measured windows, the share attributed to this
    /// recording (FuseServer.Share). With ThreadCpuNs, what the machine paid for its writes there.
    /// </summary>
    public long? FuseServerCpuNs { get; init; }

    /// <summary>The view the costs are in: thread, thread+fuse (thread plus the FUSE server's share) or system.</summary>
    public string? CostView { get; init; }

    /// <summary>auto: thread CPU that exploring cost beyond what the chosen path would have (probes and switch windows).</summary>
    public double? ExploringNs { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(List<Manifest>))]
internal sealed partial class ManifestJson : JsonSerializerContext;
