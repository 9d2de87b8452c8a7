namespace Recd.WritePaths;

/// <summary>Write-path parameters, from the board profile's "WritePaths" section.</summary>
public sealed class WritePathOptions
{
    /// <summary>auto | buffered | splice | direct. "auto" measures and picks (see Selection/Selector).</summary>
    public string Default { get; set; } = "buffered";

    /// <summary>recv/pwrite buffer; 64 KiB to 4 MiB. 256 KiB halves CPU/GiB against 64 KiB on ext4 here (shared/baseline.md).</summary>
    public int BufferBytes { get; set; } = 256 * 1024;

    /// <summary>Requested splice pipe size (F_SETPIPE_SZ); the kernel may grant less.</summary>
    public int PipeBytes { get; set; } = 1024 * 1024;

    /// <summary>O_DIRECT staging buffer, a multiple of 4096.</summary>
    public int DirectBufferBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>keep | dontneed | sync (see PageCachePolicy).</summary>
    public string PageCache { get; set; } = "keep";

    /// <summary>dontneed: start writeback and drop the previous batch every this many bytes (VDR uses ~1 MB; larger batches cost fewer syscalls).</summary>
    public long PageCacheBatchBytes { get; set; } = 8L << 20;

    /// <summary>sync: fdatasync every this many bytes ...</summary>
    public long SyncIntervalBytes { get; set; } = 32L << 20;

    /// <summary>... or this many milliseconds.</summary>
    public int SyncIntervalMs { get; set; } = 1000;

    /// <summary>
    /// Batched wakeups (see SocketBatch): a read that found the socket drained waits until this many
    /// bytes are queued (SO_RCVLOWAT), never more than the span still expects. 256 KiB: a plain C
    /// receiver measured 1.5 CPU-s/GiB on 10 Mbit/s streams with it, 12.5 without. 0 turns batching off.
    /// </summary>
    public int BatchBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The largest batch a recording can wait for (the profile's and a candidate's "@size"): 16 MiB,
    /// and with ReceiveBufferBytes set half of it. The kernel caps SO_RCVLOWAT at half the doubled
    /// SO_RCVBUF, and the buffer counts skb truesize, not payload (a 1316-byte segment takes ~2.3 KiB
    /// of it): a larger batch may never fill and would wait for the latency bound every time.
    /// </summary>
    public int BatchLimitBytes() => ReceiveBufferBytes > 0 ? Math.Min(MaxBatchBytes, ReceiveBufferBytes / 2) : MaxBatchBytes;

    private const int MaxBatchBytes = 16 << 20;

    /// <summary>... and never longer than this: a slow or stalled sender's bytes reach the file (and chase-play readers) within it.</summary>
    public int BatchLatencyMs { get; set; } = 1000;

    /// <summary>
    /// SO_RCVBUF for a recording's socket, bounding the kernel memory a batch waits in (16 streams on
    /// a 256 MiB box); 0 leaves the kernel's autotuning (up to tcp_rmem's max, 6 MiB by default).
    /// The kernel doubles the value for its bookkeeping and caps SO_RCVLOWAT at half of it.
    /// </summary>
    public int ReceiveBufferBytes { get; set; }

    /// <summary>
    /// All recordings' path buffers together, in use or kept for reuse (see BufferBudget): 16 MiB lets
    /// 16 streams have 1 MiB each, one stream its full DirectBufferBytes. 0: no budget, profile sizes as they are.
    /// </summary>
    public long BufferBudgetBytes { get; set; } = 16L << 20;

    private volatile bool _noSplice;

    /// <summary>
    /// Kill switch, like HAProxy's "nosplice": no splice path is created while set. Volatile: the
    /// console flips it at run time and transfer threads read it when they create a path.
    /// </summary>
    public bool NoSplice { get => _noSplice; set => _noSplice = value; }

    public void Validate()
    {
        if (BufferBytes < 4096 || BufferBytes > 4 << 20 || BufferBytes % 4096 != 0)
            throw new ArgumentException($"WritePaths:BufferBytes must be a multiple of 4096 between 4 KiB and 4 MiB, got {BufferBytes}");
        if (DirectBufferBytes < 4096 || DirectBufferBytes > 16 << 20 || DirectBufferBytes % 4096 != 0)
            throw new ArgumentException($"WritePaths:DirectBufferBytes must be a multiple of 4096 up to 16 MiB, got {DirectBufferBytes}");
        if (PipeBytes < 4096 || PipeBytes > 64 << 20)
            throw new ArgumentException($"WritePaths:PipeBytes must be between 4 KiB and 64 MiB, got {PipeBytes}");
        PageCachePolicy.ParseMode(PageCache);
        if (BufferBudgetBytes is < 0 or > 1L << 30) throw new ArgumentException($"WritePaths:BufferBudgetBytes must be 0 (none) .. 1 GiB, got {BufferBudgetBytes}");
        if (BatchBytes is < 0 or > MaxBatchBytes) throw new ArgumentException($"WritePaths:BatchBytes must be 0 (off) .. 16 MiB, got {BatchBytes}");
        if (BatchLatencyMs is < 10 or > 10_000) throw new ArgumentException($"WritePaths:BatchLatencyMs must be 10 .. 10000, got {BatchLatencyMs}");
        if (ReceiveBufferBytes is < 0 or > 64 << 20) throw new ArgumentException($"WritePaths:ReceiveBufferBytes must be 0 (kernel) .. 64 MiB, got {ReceiveBufferBytes}");
        if (PageCacheBatchBytes < 1 << 20) throw new ArgumentException("WritePaths:PageCacheBatchBytes must be at least 1 MiB");
        if (!PathPolicy.TryParse(Default, out _))
            throw new ArgumentException($"WritePaths:Default must be auto, buffered, splice or direct, got '{Default}'");
    }
}
