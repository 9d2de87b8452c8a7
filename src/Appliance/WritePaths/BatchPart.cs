namespace Recd.WritePaths;

/// <summary>Where a candidate's batch comes from.</summary>
public enum BatchSource
{
    /// <summary>The profile's WritePaths:BatchBytes (whatever it is, batching off included): "kind/size" as before.</summary>
    Profile,
    /// <summary>No batching for this candidate ("@off"): blocking reads, one wakeup per segment.</summary>
    Off,
    /// <summary>This many bytes ("@64K").</summary>
    Bytes,
}

/// <summary>
/// The batch part of a write-path candidate (see SocketBatch): "splice/1M@64K" names its own
/// SO_RCVLOWAT batch, "splice/1M@off" none, and plain "splice/1M" the profile's. The default value is
/// <see cref="Profile"/>, so a PathChoice built without one means what every label meant before
/// batches were a candidate dimension, and its label (the key of learned costs, manifests, metrics) is unchanged.
/// </summary>
public readonly record struct BatchPart
{
    private BatchPart(BatchSource source, int bytes) { Source = source; Bytes = bytes; }

    public BatchSource Source { get; }

    /// <summary>The batch when <see cref="Source"/> is Bytes; 0 otherwise.</summary>
    public int Bytes { get; }

    public static BatchPart Profile => default;
    public static BatchPart Off => new(BatchSource.Off, 0);
    public static BatchPart Of(int bytes) =>
        bytes > 0 ? new(BatchSource.Bytes, bytes) : throw new ArgumentOutOfRangeException(nameof(bytes), "a batch is positive; use Off");

    /// <summary>The SO_RCVLOWAT batch this part means under <paramref name="profile"/>: 0 is batching off.</summary>
    public int Resolve(WritePathOptions profile) => Source switch
    {
        BatchSource.Off => 0,
        BatchSource.Bytes => Bytes,
        _ => profile.BatchBytes,
    };

    /// <summary>What the label carries after the size: "" for the profile's, "@off", "@64K".</summary>
    public string Suffix => Source switch
    {
        BatchSource.Off => "@off",
        BatchSource.Bytes => "@" + SizeText.Format(Bytes),
        _ => "",
    };

    /// <summary>Parses what follows '@': "off" or a size (bytes or K/M).</summary>
    public static bool TryParse(string text, out BatchPart batch)
    {
        batch = Profile;
        text = text.Trim();
        if (text.Equals("off", StringComparison.OrdinalIgnoreCase)) { batch = Off; return true; }
        if (!SizeText.TryParse(text, out int bytes)) return false;
        batch = Of(bytes);
        return true;
    }
}
