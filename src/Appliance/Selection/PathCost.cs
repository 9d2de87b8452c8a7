namespace Recd.Selection;

/// <summary>What the selector knows of one path: cost (CPU-ns per byte), rate, and how many windows say so.</summary>
public sealed class PathCost
{
    public double NsPerByte { get; set; }
    public double BytesPerSecond { get; set; }
    public int Windows { get; set; }
    public bool Starved { get; set; }

    /// <summary>
    /// Smoothed share of this path's windows that ended with data still queued in the socket. In every
    /// manifest (fixed paths too), so a benchmark can apply the selector's starvation rule to static runs.
    /// </summary>
    public double BacklogShare { get; set; }

    /// <summary>Smoothed share of its windows whose bytes mostly stayed in dirty page cache (buffered/splice on a disk).</summary>
    public double AbsorbedShare { get; set; }

    /// <summary>It kept up, and not only because memory absorbed the writes: its rate is one the storage sustains.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool KeptUpOnStorage => KeptUp && AbsorbedShare < 0.5;

    /// <summary>Most of its windows ended with the socket queue (nearly) empty: it keeps up with the sender.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool KeptUp => Windows > 0 && BacklogShare < 0.5;

    /// <summary>The path failed here (EINVAL: no splice_write, no O_DIRECT): never chosen again by this recording.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Unavailable { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Excluded => Starved || Unavailable;

    /// <summary>
    /// A seed figure measured in another condition than the recording's (a nearer band, the mount's
    /// "any"): where to start, not a measurement of this condition (docs/selector.md R1, §6).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Borrowed { get; set; }

    /// <summary>
    /// The most recordings of the mount that were settled on this path at once while a recording
    /// measured it as its chosen path (learned tables: the largest such crowd merged). A path measured
    /// only beside others has 0: how it costs when many recordings take it is not known (R1's crowd limit).
    /// </summary>
    public int Crowd { get; set; }

    /// <summary>A copy (a manifest snapshot, a learned table handed to a new recording): nothing is shared with a live selector.</summary>
    public PathCost Copy() => (PathCost)MemberwiseClone();

    /// <summary>
    /// Folds one window in: the first windows replace the estimate (fast to learn), later ones move it
    /// by 30%. Whether a single window ends with data queued is noisy; the share of such windows is not.
    /// </summary>
    public void Add(in CostSample s, double cost)
    {
        double alpha = Windows < 2 ? 1.0 / (Windows + 1) : 0.3;
        NsPerByte = double.IsNaN(NsPerByte) ? cost : NsPerByte + alpha * (cost - NsPerByte);
        BytesPerSecond = Windows == 0 ? s.BytesPerSecond : BytesPerSecond + alpha * (s.BytesPerSecond - BytesPerSecond);
        double queued = s.Backlogged ? 1 : 0, absorbed = s.Absorbed ? 1 : 0;
        BacklogShare = Windows == 0 ? queued : BacklogShare + 0.5 * (queued - BacklogShare);
        AbsorbedShare = Windows == 0 ? absorbed : AbsorbedShare + 0.5 * (absorbed - AbsorbedShare);
        Windows++;
    }
}
