using System.Globalization;

namespace Recd.Calibration;

/// <summary>
/// The one line a --sender reads after it connects, telling it what this trial's connection carries
/// (docs/calibration.md, "The remote sender protocol"; recd-send-load --follow-server speaks it):
///   RECD-CAL bulk BYTES MS                 up to BYTES as fast as the link takes them, for at most MS ms
///   RECD-CAL live RATE_BPS SEGMENT BYTES   exactly BYTES in SEGMENT-byte sends paced at RATE_BPS bit/s
///   RECD-CAL done                          no more trials: the sender exits
/// ASCII, one '\n', at most 127 bytes; the sender then sends, shuts down its side, and waits for the close.
/// A bulk trial's deadline stays the receiver's (it closes the connection), so a sender that never
/// reads the line (the old reconnect loop) still serves the bulk trials.
/// </summary>
public readonly record struct SenderInstruction(string Line, long Bytes)
{
    public const string Prefix = "RECD-CAL";

    public static SenderInstruction Bulk(long byteCap, TimeSpan duration) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{Prefix} bulk {byteCap} {(long)Math.Ceiling(duration.TotalMilliseconds)}\n"), byteCap);

    /// <summary>A paced trial: as many bytes as the rate fills in <paramref name="duration"/>, capped, whole sends only.</summary>
    public static SenderInstruction Live(SenderShape shape, TimeSpan duration, long byteCap)
    {
        long bytes = Math.Min(byteCap, (long)(shape.BitsPerSecond / 8.0 * duration.TotalSeconds));
        bytes -= bytes % shape.SendBytes;
        return new(string.Create(CultureInfo.InvariantCulture, $"{Prefix} live {shape.BitsPerSecond} {shape.SendBytes} {bytes}\n"), bytes);
    }

    public static readonly SenderInstruction Done = new($"{Prefix} done\n", 0);
}
