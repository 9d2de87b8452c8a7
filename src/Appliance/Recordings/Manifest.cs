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
    public Dictionary<string, long>? BytesByPath { get; set; }

    public Manifest Clone()
    {
        var copy = (Manifest)MemberwiseClone();
        copy.BytesByPath = BytesByPath is null ? null : new Dictionary<string, long>(BytesByPath);
        return copy;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(List<Manifest>))]
internal sealed partial class ManifestJson : JsonSerializerContext;
