using Recd.WritePaths;

namespace Recd.Calibration;

/// <summary>
/// What one candidate measured: the cost meter's closed windows summed (bytes and transfer-thread
/// CPU inside the write-path calls), or why it could not run (Unsupported: no O_DIRECT here).
/// </summary>
public sealed record TrialResult(PathChoice Choice, SenderShape Shape, int BatchBytes)
{
    public long Bytes { get; init; }
    public long ThreadCpuNs { get; init; }
    public long WallNs { get; init; }
    public int Windows { get; init; }

    /// <summary>Wakeups that waited for a batch (SocketBatch.Waits): what batching saves on a live stream.</summary>
    public long BatchWaits { get; init; }
    public string? Error { get; init; }

    /// <summary>Every byte the connection delivered (partial windows too), and the wall time from the start of the stream to its end.</summary>
    public long Received { get; init; }
    public long ReceivedNs { get; init; }

    /// <summary>The rate the stream arrived at: a paced sender's should be the shape's.</summary>
    public double ArrivalBitsPerSecond => ReceivedNs > 0 ? Received * 8e9 / ReceivedNs : 0;

    /// <summary>"loopback", or the --sender host whose connection carried the bytes.</summary>
    public string Sender { get; init; } = "loopback";

    public bool Ok => Error is null && Bytes > 0;
    public double NsPerByte => Bytes > 0 ? (double)ThreadCpuNs / Bytes : double.NaN;
    public double MBps => WallNs > 0 ? Bytes * 1e3 / WallNs : 0;

    /// <summary>"bulk splice/1M", "live buffered/256K batch 64K" (batch "off" for 0): the key in the tuned profile's Costs.</summary>
    public string Key => Shape.Paced
        ? $"{Shape.Name} {Choice.Label} batch {(BatchBytes == 0 ? "off" : SizeText.Format(BatchBytes))}"
        : $"{Shape.Name} {Choice.Label}";

    public string Summary => Ok
        ? $"{NsPerByte:F3} ns/B, {MBps:F1} MB/s, {Windows} windows" + (Shape.Paced ? $", {BatchWaits} waits" : "")
          + (Shape.Paced && Sender != "loopback" ? $", arrived at {ArrivalBitsPerSecond / 1e6:F2} Mbit/s" : "")
        : "not measured: " + (Error ?? "no bytes");
}
