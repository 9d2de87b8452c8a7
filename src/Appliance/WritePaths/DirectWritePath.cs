using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// recv(2) into an aligned buffer, write(2) through O_DIRECT in whole 4 KiB blocks at aligned
/// offsets: the page cache is bypassed, so a recording does not evict what a 256 MiB box is playing.
/// An unaligned start is brought to the next block with a buffered pwrite, and the unaligned end
/// of a write goes out buffered too (and is kept for the next write's block, see _tailFile); the
/// kernel keeps the two kinds of write coherent (a direct write flushes and invalidates cached
/// pages in its range).
/// </summary>
public sealed unsafe class DirectWritePath : IWritePath
{
    public const int Block = NativeBuffer.Alignment;
    private NativeBuffer _buffer;
    private bool _directRefused;

    private readonly BufferBudget? _budget;
    private readonly int _wanted;

    /// <param name="budget">Where the buffer comes from (its share of the budget) and goes back to; null: a buffer of its own.</param>
    public DirectWritePath(int bufferBytes, BufferBudget? budget = null)
    {
        _budget = budget;
        _wanted = bufferBytes;
        _buffer = budget?.Rent(bufferBytes) ?? new NativeBuffer(bufferBytes);
        Label = "direct/" + SizeText.Format(_buffer.Size);
    }

    public WritePathKind Kind => WritePathKind.Direct;
    public string Label { get; private set; }

    public void FitBudget()
    {
        if (_budget?.Regrant(_buffer, _wanted) is not { } next) return;
        // The held tail (under a block, on file already) moves along, so the next Move still
        // rewrites its block with O_DIRECT instead of an unaligned buffered head.
        if (_tailLength > 0) Buffer.MemoryCopy(_buffer.Pointer, next.Pointer, next.Size, _tailLength);
        _budget.Return(_buffer);
        _buffer = next;
        Label = "direct/" + SizeText.Format(_buffer.Size);
    }

    /// <summary>Bytes written with O_DIRECT, and bytes that had to go buffered (unaligned head/tail).</summary>
    public long DirectBytes { get; private set; }
    public long BufferedBytes { get; private set; }

    // The sub-block tail of the last write, kept at the buffer's front. It is in the file already
    // (written buffered, so every byte read is on file when a Move returns); a Move that continues
    // right after it rewrites its block with O_DIRECT together with the new bytes, so a Move that
    // ends mid-block (the latency bound, every second on a live stream) costs no unaligned reads
    // and writes on the next one. The rewrite is the same bytes: the kernel writes the cached page
    // back and invalidates it before the direct write (iomap_dio_rw), so the two stay coherent.
    private RecordingFile? _tailFile;
    private long _tailAt;
    private int _tailLength;

    public MoveResult Move(int socketFd, RecordingFile file, long offset, long count, SocketBatch? batch = null)
    {
        batch?.StartMove();
        if (!file.TryGetDirectFd(out int directFd, out int openErr))
            return new MoveResult(0, MoveStatus.Unsupported, openErr);

        int held = ReferenceEquals(_tailFile, file) && _tailAt + _tailLength == offset ? _tailLength : 0;
        _tailFile = null; // kept again only where the file ends with exactly the buffer's tail
        long moved = 0;
        while (moved < count)
        {
            long pos = offset + moved;
            long left = count - moved;
            int misalign = (int)(pos % Block);
            if (held == 0 && misalign != 0)
            {
                // An unaligned start (a resume, or after another path): the piece up to the boundary, buffered.
                int piece = (int)Math.Min(Block - misalign, left);
                int got = Fill(socketFd, 0, piece, batch, out var st, out int re);
                long w = 0;
                int e = WriteRestBuffered(file, got, pos, ref w);
                moved += w;
                if (e != 0) return new MoveResult(moved, MoveStatus.StorageFailed, e);
                batch?.Written();
                if (got < piece) return new MoveResult(moved, st, re);
                continue;
            }

            // Whole blocks direct from an aligned offset (the held tail's), the new sub-block tail buffered.
            long at = pos - held;
            int want = (int)Math.Min(_buffer.Size - held, left);
            int filled = Fill(socketFd, held, want, batch, out var status, out int rerr);
            int total = held + filled;
            int whole = total - total % Block;
            long written = 0;
            int werr = whole > 0 ? WriteDirect(directFd, file, whole, at, out written) : 0;
            if (werr == 0)
            {
                written = Math.Max(written, held); // a tail still short of a block is on file already
                werr = WriteRestBuffered(file, total, at, ref written);
            }
            moved += Math.Max(0, written - held);
            if (werr != 0) return new MoveResult(moved, MoveStatus.StorageFailed, werr);
            batch?.Written();
            if (_directRefused) return new MoveResult(moved, MoveStatus.Unsupported, Libc.EINVAL);
            held = total - whole;
            if (held > 0 && whole > 0) Buffer.MemoryCopy(_buffer.Pointer + whole, _buffer.Pointer, _buffer.Size, held);
            if (filled < want)
            {
                KeepTail(file, offset + moved, held);
                return new MoveResult(moved, status, rerr);
            }
        }
        KeepTail(file, offset + moved, held);
        return new MoveResult(moved, MoveStatus.Completed);
    }

    private void KeepTail(RecordingFile file, long end, int held)
    {
        _tailFile = held > 0 ? file : null;
        _tailAt = end - held;
        _tailLength = held;
    }

    /// <summary>Reads until <paramref name="want"/> bytes are in the buffer after <paramref name="at"/>, or the socket stops.</summary>
    private int Fill(int socketFd, int at, int want, SocketBatch? batch, out MoveStatus status, out int errno)
    {
        int filled = 0;
        status = MoveStatus.Completed;
        errno = 0;
        while (filled < want)
        {
            int got = SocketRead.Recv(socketFd, _buffer.Pointer + at + filled, want - filled, batch, out status, out errno);
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
