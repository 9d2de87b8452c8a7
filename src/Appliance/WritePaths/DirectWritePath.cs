using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// recv(2) into an aligned buffer, write(2) through O_DIRECT in whole 4 KiB blocks at aligned
/// offsets: the page cache is bypassed, so a recording does not evict what a 256 MiB box is playing.
/// An unaligned start is brought to the next block with a buffered pwrite, and the unaligned end
/// of a span goes out buffered too; the kernel keeps the two kinds of write coherent (a direct write
/// flushes and invalidates cached pages in its range).
/// </summary>
public sealed unsafe class DirectWritePath : IWritePath
{
    public const int Block = NativeBuffer.Alignment;
    private readonly NativeBuffer _buffer;
    private bool _directRefused;

    private readonly BufferBudget? _budget;

    /// <param name="budget">Where the buffer comes from (its share of the budget) and goes back to; null: a buffer of its own.</param>
    public DirectWritePath(int bufferBytes, BufferBudget? budget = null)
    {
        _budget = budget;
        _buffer = budget?.Rent(bufferBytes) ?? new NativeBuffer(bufferBytes);
        Label = "direct/" + SizeText.Format(_buffer.Size);
    }

    public WritePathKind Kind => WritePathKind.Direct;
    public string Label { get; }

    /// <summary>Bytes written with O_DIRECT, and bytes that had to go buffered (unaligned head/tail).</summary>
    public long DirectBytes { get; private set; }
    public long BufferedBytes { get; private set; }

    public MoveResult Move(int socketFd, RecordingFile file, long offset, long count, SocketBatch? batch = null)
    {
        batch?.StartMove();
        if (!file.TryGetDirectFd(out int directFd, out int openErr))
            return new MoveResult(0, MoveStatus.Unsupported, openErr);

        long moved = 0;
        while (moved < count)
        {
            long pos = offset + moved;
            long left = count - moved;
            int misalign = (int)(pos % Block);
            // Whole blocks when we can; the piece up to the next boundary, or the final tail, buffered.
            bool aligned = misalign == 0 && left >= Block;
            int want = aligned
                ? (int)Math.Min(_buffer.Size, left - left % Block)
                : (int)Math.Min(misalign == 0 ? left : Block - misalign, left);

            int filled = Fill(socketFd, want, batch, out var status, out int rerr);
            int werr = aligned && filled == want
                ? WriteDirect(directFd, file, filled, pos, out long written)
                : WriteMixed(directFd, file, filled, pos, out written);
            moved += written;
            if (werr != 0) return new MoveResult(moved, MoveStatus.StorageFailed, werr);
            if (filled < want) return new MoveResult(moved, status, rerr);
            if (_directRefused) return new MoveResult(moved, MoveStatus.Unsupported, Libc.EINVAL);
        }
        return new MoveResult(moved, MoveStatus.Completed);
    }

    /// <summary>Reads until <paramref name="want"/> bytes are in the buffer, or the socket stops.</summary>
    private int Fill(int socketFd, int want, SocketBatch? batch, out MoveStatus status, out int errno)
    {
        int filled = 0;
        status = MoveStatus.Completed;
        errno = 0;
        while (filled < want)
        {
            int got = SocketRead.Recv(socketFd, _buffer.Pointer + filled, want - filled, batch, out status, out errno);
            if (got == 0) break;
            filled += got;
        }
        return filled;
    }

    private int WriteDirect(int directFd, RecordingFile file, int length, long pos, out long written)
    {
        written = 0;
        while (written < length)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            nint n = Libc.PWrite(directFd, _buffer.Pointer + written, (nuint)(length - written), pos + written);
            file.NoteWrite(t0);
            if (n > 0)
            {
                written += n;
                DirectBytes += n;
                // A short direct write ends on a block boundary in practice; if not, finish buffered.
                if ((pos + written) % Block != 0) break;
                continue;
            }
            int errno = n == 0 ? Libc.ENOSPC : Libc.LastErrno;
            if (errno == Libc.EINTR) continue;
            if (errno != Libc.EINVAL) return errno;
            _directRefused = true; // the device wants more than 4 KiB alignment: these bytes go buffered, then stop using O_DIRECT
            break;
        }
        return WriteRestBuffered(file, length, pos, ref written);
    }

    /// <summary>A partial fill or an unaligned piece: whole blocks direct when aligned, the rest buffered.</summary>
    private int WriteMixed(int directFd, RecordingFile file, int length, long pos, out long written)
    {
        written = 0;
        int blocks = pos % Block == 0 ? length - length % Block : 0;
        if (blocks > 0)
        {
            int err = WriteDirect(directFd, file, blocks, pos, out written);
            if (err != 0 || written < blocks) return err;
        }
        return WriteRestBuffered(file, length, pos, ref written);
    }

    /// <summary>Buffer bytes [written, length) through the ordinary fd: unaligned pieces and O_DIRECT refusals.</summary>
    private int WriteRestBuffered(RecordingFile file, int length, long pos, ref long written)
    {
        if (written >= length) return 0;
        int err = file.TryWriteAll(new ReadOnlySpan<byte>(_buffer.Pointer + written, (int)(length - written)), pos + written, out long rest);
        written += rest;
        BufferedBytes += rest;
        return err;
    }

    public void Dispose()
    {
        if (_budget is not null) _budget.Return(_buffer);
        else _buffer.Dispose();
    }
}
