namespace Recd.Selection;

/// <summary>What the selector knows of one path: cost (CPU-ns per byte), rate, and how many windows say so.</summary>
public sealed class PathCost
{
    public double NsPerByte { get; set; }
    public double BytesPerSecond { get; set; }
    public int Windows { get; set; }
    public bool Starved { get; set; }

    /// <summary>The last window on this path ended with the socket queue (nearly) empty.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool KeptUp { get; set; }

    /// <summary>The path failed here (EINVAL: no splice_write, no O_DIRECT): never chosen again by this recording.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Unavailable { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Excluded => Starved || Unavailable;
}
