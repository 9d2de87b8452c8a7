namespace Recd.Recordings;

/// <summary>
/// How far an active recording's data file is written, for readers that follow it (chase play,
/// time-shift): one writer (the transfer thread, after every write-path call), any readers. Two
/// atomic values, no lock; a reader never sees a length the file does not hold yet.
/// Bytes past the committed length are written but not yet durable: a follower may serve them,
/// nothing else promises them.
/// </summary>
public sealed class RecordingProgress(long written)
{
    private long _written = written;
    private int _ended;

    public long Written => Volatile.Read(ref _written);

    /// <summary>The transfer is over (complete, interrupted or damaged): no byte will follow.</summary>
    public bool Ended => Volatile.Read(ref _ended) != 0;

    internal void Advance(long written) => Volatile.Write(ref _written, written);

    internal void End() => Volatile.Write(ref _ended, 1);
}
