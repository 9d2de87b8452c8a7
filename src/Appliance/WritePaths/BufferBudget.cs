namespace Recd.WritePaths;

/// <summary>
/// The page-aligned buffers of every recording, in use or kept for reuse, within one budget
/// (WritePaths:BufferBudgetBytes). Measured before it: 71 MiB peak RSS with 16 uploads on the host
/// profile, one 4 MiB O_DIRECT buffer per stream plus fresh buffers for every probe. A path asks
/// for its profile size and is granted its share of the budget among the recordings active now
/// (never under 64 KiB, which costs about 1.4x per byte on ext4 against 256 KiB: baseline.md), so
/// buffers shrink when many streams run. A buffer given back is kept for the next path of that size
/// (a probe and the switch back reuse them) only while buffers in use plus kept stay within the
/// budget. The budget can be exceeded by at most the floors of the streams that found it spent.
/// Shares follow the streams: a path's buffer is regranted at its windows (Regrant), so buffers
/// shrink when streams join and grow back when they leave.
/// Thread-safe: rented on switches and begins, never per chunk.
/// </summary>
public sealed class BufferBudget(long budgetBytes)
{
    public const int MinGrantBytes = 64 * 1024;
    private readonly object _gate = new();
    private readonly List<NativeBuffer> _kept = [];
    private long _inUseBytes, _keptBytes;
    private int _recordings;

    public long BudgetBytes => budgetBytes;

    /// <summary>Bytes of buffers held by paths now, and kept for reuse.</summary>
    public long InUseBytes { get { lock (_gate) return _inUseBytes; } }
    public long KeptBytes { get { lock (_gate) return _keptBytes; } }

    /// <summary>A recording starts or ends: the shares change for buffers rented from now on.</summary>
    public void Join() { lock (_gate) _recordings++; }
    public void Leave() { lock (_gate) _recordings = Math.Max(0, _recordings - 1); }

    /// <summary>The size a path asking for <paramref name="wanted"/> bytes gets now.</summary>
    public int Grant(int wanted)
    {
        lock (_gate) return GrantLocked(wanted);
    }

    private int GrantLocked(int wanted)
    {
        if (budgetBytes <= 0) return wanted; // no budget: the profile's sizes as they are
        // Its share among the recordings now, and never more than is left (kept buffers can be
        // freed for it): recordings that started when fewer ran keep their larger buffers until
        // their next window (Regrant), so the last to join start with less, down to the floor.
        long share = budgetBytes / Math.Max(1, _recordings);
        long left = budgetBytes - _inUseBytes;
        long size = Math.Min(wanted, Math.Min(share, left));
        size -= size % NativeBuffer.Alignment;
        // A power of two keeps buffers of many streams reusable by each other.
        long pow2 = NativeBuffer.Alignment;
        while (pow2 * 2 <= size) pow2 *= 2;
        return (int)Math.Max(Math.Min(wanted, MinGrantBytes), Math.Min(pow2, wanted));
    }

    public NativeBuffer Rent(int wanted)
    {
        int size;
        lock (_gate)
        {
            size = GrantLocked(wanted);
            _inUseBytes += size;
            if (TakeKeptLocked(size) is { } reused) return reused;
        }
        return new NativeBuffer(size); // allocated outside the lock: it touches no shared state
    }

    /// <summary>
    /// A path's buffer of another size when its share has moved since it was rented (streams joined
    /// or left), else null. Without it the first recordings to start keep the whole budget and the
    /// rest run at the floor: 16 direct streams on ext4 measured 1.1-1.2 CPU-s/GiB that way against
    /// 0.49-0.56 with equal shares (docs/measurements/2026-12-02-selector.md). The caller copies what
    /// it keeps into the new buffer, then gives the old one back (Return). Never per chunk: between
    /// Moves, once a metered window.
    /// </summary>
    public NativeBuffer? Regrant(NativeBuffer held, int wanted)
    {
        int size;
        lock (_gate)
        {
            if (budgetBytes <= 0) return null;
            _inUseBytes -= held.Size; // its own buffer counts as free for its share
            size = GrantLocked(wanted);
            _inUseBytes += held.Size;
            if (size == held.Size) return null;
            _inUseBytes += size;
            if (TakeKeptLocked(size) is { } reused) return reused;
        }
        return new NativeBuffer(size);
    }

    private NativeBuffer? TakeKeptLocked(int size)
    {
        // Kept buffers of other sizes give way to what is in use.
        for (int i = _kept.Count - 1; i >= 0 && _inUseBytes + _keptBytes > budgetBytes; i--)
            if (_kept[i].Size != size) { _keptBytes -= _kept[i].Size; _kept[i].Dispose(); _kept.RemoveAt(i); }
        for (int i = 0; i < _kept.Count; i++)
        {
            if (_kept[i].Size != size) continue;
            var reused = _kept[i];
            _kept.RemoveAt(i);
            _keptBytes -= size;
            return reused;
        }
        return null;
    }

    public void Return(NativeBuffer buffer)
    {
        lock (_gate)
        {
            _inUseBytes -= buffer.Size;
            if (budgetBytes > 0 && _inUseBytes + _keptBytes + buffer.Size <= budgetBytes)
            {
                _kept.Add(buffer);
                _keptBytes += buffer.Size;
                return;
            }
        }
        buffer.Dispose();
    }
}
