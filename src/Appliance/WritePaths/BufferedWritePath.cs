namespace Recd.WritePaths;

/// <summary>
/// recv(2) into a page-aligned buffer, pwrite(2) at the file offset: two CPU copies (socket -> user,
/// user -> page cache), no surprises, works on every filesystem. The baseline every other path
/// has to beat on measured cost.
/// </summary>
public sealed unsafe class BufferedWritePath : IWritePath
{
    private NativeBuffer _buffer;
    private readonly BufferBudget? _budget;
    private readonly int _wanted;

    /// <param name="budget">Where the buffer comes from (its share of the budget) and goes back to; null: a buffer of its own.</param>
    public BufferedWritePath(int bufferBytes, BufferBudget? budget = null)
    {
        _budget = budget;
        _wanted = bufferBytes;
        _buffer = budget?.Rent(bufferBytes) ?? new NativeBuffer(bufferBytes);
        Label = "buffered/" + SizeText.Format(_buffer.Size);
    }

    public WritePathKind Kind => WritePathKind.Buffered;
    public string Label { get; private set; }

    public void FitBudget()
    {
        if (_budget?.Regrant(_buffer, _wanted) is not { } next) return;
        _budget.Return(_buffer); // holds nothing between Moves
        _buffer = next;
        Label = "buffered/" + SizeText.Format(_buffer.Size);
    }

    public MoveResult Move(int socketFd, RecordingFile file, long offset, long count, SocketBatch? batch = null)
    {
        batch?.StartMove();
        long moved = 0;
        while (moved < count)
        {
            int want = (int)Math.Min(_buffer.Size, count - moved);
            int got = SocketRead.Recv(socketFd, _buffer.Pointer, want, batch, out var status, out int errno);
            if (got == 0) return new MoveResult(moved, status, errno);
            int werr = file.TryWriteAll(new ReadOnlySpan<byte>(_buffer.Pointer, got), offset + moved, out long written);
            moved += written;
            if (werr != 0) return new MoveResult(moved, MoveStatus.StorageFailed, werr);
            batch?.Written();
        }
        return new MoveResult(moved, MoveStatus.Completed);
    }

    public void Dispose()
    {
        if (_budget is not null) _budget.Return(_buffer);
        else _buffer.Dispose();
    }
}
