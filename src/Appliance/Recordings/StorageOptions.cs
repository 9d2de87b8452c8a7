namespace Recd.Recordings;

/// <summary>Storage settings, from the board profile's "Storage" section.</summary>
public sealed class StorageOptions
{
    /// <summary>Folder holding recordings and their manifests.</summary>
    public string Root { get; set; } = "./var/recordings";

    /// <summary>
    /// Daemon state that outlives a restart (learned write-path costs). Never on the recording medium:
    /// default ROOT.state beside the root (see Hosting/RuntimeFolders for the USB-disk rule).
    /// </summary>
    public string? StateDir { get; set; }

    public static string DefaultStateDir(string root) => Sibling(root, "state");

    /// <summary>
    /// A folder next to the storage root, named after it (./var/recordings -> ./var/recordings.state),
    /// so two daemons whose roots share a parent never share state or a control socket.
    /// </summary>
    public static string Sibling(string root, string suffix) => Path.GetFullPath(root).TrimEnd('/') + "." + suffix;

    /// <summary>fdatasync + manifest every this many bytes (what survives a power cut).</summary>
    public long CommitIntervalBytes { get; set; } = 64L << 20;

    /// <summary>... or every this many milliseconds, whichever comes first (slow streams).</summary>
    public int CommitIntervalMs { get; set; } = 5000;

    /// <summary>Free space kept back: the smaller of this and ReservePercent of the filesystem (tvheadend keeps 1000 MiB).</summary>
    public long ReserveBytes { get; set; } = 1L << 30;

    public int ReservePercent { get; set; } = 5;

    /// <summary>
    /// If set, the mount point the root must be on. An unplugged USB disk leaves its mount-point folder
    /// on the root filesystem; recording there would fill the box's flash. Refused instead.
    /// </summary>
    public string? ExpectMount { get; set; }

    /// <summary>Recordings written at once; more get 503 with Retry-After (a box has a few tuners, not hundreds).</summary>
    public int MaxActiveRecordings { get; set; } = 16;

    /// <summary>
    /// Spin a sleeping disk up before accepting a recording (VDR does the same): touch + fdatasync a
    /// probe file when no recording has written for SpinUpIdleSeconds, so the first seconds of a
    /// stream do not wait in socket buffers for a USB disk to wake.
    /// </summary>
    public bool SpinUpProbe { get; set; }

    public int SpinUpIdleSeconds { get; set; } = 300;

    /// <summary>A write or fdatasync slower than this is logged and counted as a slow-write event (MythTV logs writes over 1 s).</summary>
    public int SlowWriteMs { get; set; } = 1000;
}
