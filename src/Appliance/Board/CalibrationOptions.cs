namespace Recd.Board;

/// <summary>
/// The "Calibration" section a tuned profile (board/NAME.tuned.json, written by "recd calibrate")
/// carries: the measurements that justify its tuned values, so the numbers travel with the profile.
/// Never read by the data path; "profile show" prints it, a person compares boards with it.
/// </summary>
public sealed class CalibrationOptions
{
    /// <summary>When the run ended, UTC, ISO 8601.</summary>
    public string? Date { get; set; }

    /// <summary>The recd version (and commit) that measured.</summary>
    public string? RecdVersion { get; set; }

    /// <summary>The run's time budget (--seconds).</summary>
    public int Seconds { get; set; }

    /// <summary>The medium measured: filesystem type and mount of the storage root.</summary>
    public string? Storage { get; set; }

    /// <summary>Where the bytes came from: "loopback" (the sender ran on the board itself).</summary>
    public string? Sender { get; set; }

    /// <summary>The copy primitives, as native/calib_probe prints them (same keys).</summary>
    public CopyPrimitiveFigures Primitives { get; set; } = new();

    /// <summary>
    /// Each measured candidate: "bulk buffered/256K" or "live buffered/256K batch 64K" -> "0.532 ns/B,
    /// 1450.0 MB/s, 12 windows" (thread CPU per byte from the cost meter's windows), or why it could not run.
    /// </summary>
    public Dictionary<string, string> Costs { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The primitives that decide whether splice can pay on a board (see docs/calibration.md).</summary>
public sealed class CopyPrimitiveFigures
{
    /// <summary>memcpy in user space, 1 MiB blocks over 16 MiB: the DRAM copy bandwidth.</summary>
    public PrimitiveFigure Memcpy { get; set; } = new();

    /// <summary>read() from a pipe: the kernel's copy_to_user (__copy_user / copy_to_user on arm).</summary>
    public PrimitiveFigure CopyToUser { get; set; } = new();

    /// <summary>write() into a pipe: copy_from_user.</summary>
    public PrimitiveFigure CopyFromUser { get; set; } = new();

    /// <summary>splice() pipe -> file on the storage root: pipe pages into the page cache.</summary>
    public PrimitiveFigure SpliceToFile { get; set; } = new();

    /// <summary>pwrite() 1 MiB blocks through the page cache of the storage root.</summary>
    public PrimitiveFigure PageCacheWrite { get; set; } = new();

    /// <summary>pwrite() 1 MiB blocks with O_DIRECT on the storage root (wall rate waits for the device).</summary>
    public PrimitiveFigure DirectWrite { get; set; } = new();
}

/// <summary>One primitive: wall-clock rate and the calling thread's CPU per byte, or why it could not run.</summary>
public sealed class PrimitiveFigure
{
    public double MiBps { get; set; }
    public double CpuNsPerByte { get; set; }
    public long Bytes { get; set; }

    /// <summary>Set when the primitive could not run here ("EINVAL: no O_DIRECT on tmpfs").</summary>
    public string? Error { get; set; }
}
