namespace Recd.WritePaths;

public enum MoveStatus
{
    /// <summary>All requested bytes reached the file.</summary>
    Completed,
    /// <summary>The sender closed the connection before the span ended.</summary>
    PeerClosed,
    /// <summary>No byte arrived within the socket's receive timeout.</summary>
    TimedOut,
    /// <summary>Reading the socket failed (ECONNRESET and friends).</summary>
    SocketFailed,
    /// <summary>The file refused bytes (ENOSPC, EIO, EFBIG...). Bytes counted in Moved are on file.</summary>
    StorageFailed,
    /// <summary>This path cannot work for this file or socket; nothing was lost, use another path.</summary>
    Unsupported,
    /// <summary>
    /// The batch latency bound passed (see <see cref="SocketBatch"/>): every byte received so far is in
    /// the file, the rest of the span has not arrived yet; call again for it.
    /// </summary>
    Due,
    /// <summary>An operator asked the recording to stop ("rec stop"): every byte received so far is in the file.</summary>
    Stopped,
}

/// <summary>What a write path did with a span: how many bytes reached the file, and why it stopped.</summary>
public readonly record struct MoveResult(long Moved, MoveStatus Status, int Errno = 0)
{
    public bool IsCompleted => Status == MoveStatus.Completed;
}
