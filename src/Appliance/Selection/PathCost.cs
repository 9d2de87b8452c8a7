namespace Recd.Selection;

/// <summary>What the selector knows of one path: cost (CPU-ns per byte), rate, and how many windows say so.</summary>
public sealed class PathCost
{
    public double NsPerByte { get; set; }
    public double BytesPerSecond { get; set; }
    public int Windows { get; set; }
    public bool Starved { get; set; }

    /// <summary>Smoothed share of this path's windows that ended with data still queued in the socket.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double BacklogShare { get; set; }

    /// <summary>Most of its windows ended with the socket queue (nearly) empty: it keeps up with the sender.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool KeptUp => Windows > 0 && BacklogShare < 0.5;

    /// <summary>The path failed here (EINVAL: no splice_write, no O_DIRECT): never chosen again by this recording.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Unavailable { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Excluded => Starved || Unavailable;
}
