namespace Recd.WritePaths;

/// <summary>
/// One way for received bytes to reach a file. A write path has never heard of HTTP: it is told
/// "move up to <c>count</c> bytes from this socket to this file at this offset" and reports what it
/// moved. It never reads past <c>count</c> (the next bytes belong to the next chunk or request) and
/// returns only at a boundary where another path can take over: its pipe is empty and every byte
/// it took from the socket is in the file, or the result says the file refused it.
/// One instance serves one recording at a time and owns its buffer or pipe.
/// </summary>
public interface IWritePath : IDisposable
{
    WritePathKind Kind { get; }

    /// <summary>Short label with the size parameter, for stats: "splice/1M".</summary>
    string Label { get; }

    /// <param name="batch">Batched wakeups with a latency bound, or null to block in each read (SO_RCVTIMEO bounds it).</param>
    MoveResult Move(int socketFd, RecordingFile file, long offset, long count, SocketBatch? batch = null);

    /// <summary>
    /// Between Moves: takes the buffer size the budget grants now (BufferBudget.Regrant) if it has
    /// moved; the label follows. Paths without a budgeted buffer have nothing to do.
    /// </summary>
    void FitBudget() { }
}
