namespace Recd.Recordings;

/// <summary>Storage settings, from the board profile's "Storage" section.</summary>
public sealed class StorageOptions
{
    /// <summary>Folder holding recordings and their manifests.</summary>
    public string Root { get; set; } = "./var/recordings";

    /// <summary>Daemon state (learned write-path costs). Default: ".state" inside the root (names never start with '.').</summary>
    public string? StateDir { get; set; }

    /// <summary>fdatasync + manifest every this many bytes (what survives a power cut).</summary>
    public long CommitIntervalBytes { get; set; } = 64L << 20;

    /// <summary>... or every this many milliseconds, whichever comes first (slow streams).</summary>
    public int CommitIntervalMs { get; set; } = 5000;
}
