using Recd.Interop;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Calibration;

/// <summary>
/// One candidate, measured as a recording is: a loopback connection, the write path the daemon
/// would build for the choice, 4 KiB-aligned 4 MiB spans (Recording.SpanBytes), the profile's page
/// cache policy after each span, and the daemon's own <see cref="CostMeter"/> around every Move, its
/// windows summed. Only closed windows count (the partial last one carries the connection's end).
/// The scratch file is unlinked before this returns, whatever happened.
/// </summary>
public static class PathTrial
{
    public const long SpanBytes = 4 << 20;

    /// <param name="remote">
    /// Take the bytes from the next connection of this sender (--sender) instead of a loopback sender
    /// thread, told what to send by a <see cref="SenderInstruction"/>. Bulk: this side ends the
    /// connection at the deadline. Live: the sender ends it after the asked bytes, which must arrive
    /// exactly and no faster than asked (a sender that ignored the line would measure a bulk stream).
    /// </param>
    public static TrialResult Run(PathChoice choice, SenderShape shape, int batchBytes, WritePathOptions profile,
        string scratchFile, TimeSpan duration, long byteCap, long windowBytes, int windowMs, CancellationToken cancel,
        RemoteSender? remote = null)
    {
        // The sizes as chosen: no budget shrinking them, no kill switch (the run measures splice even
        // where an operator turned it off; the tuned profile keeps NoSplice from its base).
        var options = new WritePathOptions
        {
            BufferBytes = profile.BufferBytes, PipeBytes = profile.PipeBytes, DirectBufferBytes = profile.DirectBufferBytes,
            BufferBudgetBytes = 0, PageCache = profile.PageCache, PageCacheBatchBytes = profile.PageCacheBatchBytes,
            SyncIntervalBytes = profile.SyncIntervalBytes, SyncIntervalMs = profile.SyncIntervalMs,
        };
        var result = new TrialResult(choice, shape, batchBytes) { Sender = remote?.Host ?? "loopback" };
        using var link = remote is null ? LoopbackLink.Open(receiveTimeoutMs: 5000) : LoopbackLink.Adopt(remote.Accept(TimeSpan.FromSeconds(30), 5000, cancel));
        if (link.ReceiverFd < 0) return result with { Error = $"no connection from {remote!.Host} on port {remote.Port} within 30 s" };
        var instruction = shape.Paced ? SenderInstruction.Live(shape, duration, byteCap) : SenderInstruction.Bulk(byteCap, duration);
        if (remote is not null && !RemoteSender.Instruct(link.ReceiverFd, instruction, out string? lost)) return result with { Error = lost };
        // A paced sender that stalls ends the trial at twice its time plus 2 s, not never.
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long backstop = started + (long)((duration.TotalSeconds * 2 + 2) * System.Diagnostics.Stopwatch.Frequency);
        int fd = Libc.Open(scratchFile, Libc.O_RDWR | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0x180);
        if (fd < 0) return result with { Error = $"open {scratchFile}: {Libc.ErrnoName(Libc.LastErrno)}" };
        using var file = new RecordingFile(scratchFile, fd);
        try
        {
            var factory = new WritePathFactory(options);
            using var path = factory.Create(choice);
            var pageCache = PageCachePolicy.From(options);
            var batch = batchBytes > 0 ? new SocketBatch(batchBytes, profile.BatchLatencyMs, profile.ReceiveBufferBytes) : null;
            batch?.Begin(link.ReceiverFd);
            var meter = new CostMeter(windowBytes, windowMs);
            // Loopback: the sender thread ends the stream at the deadline. Remote bulk: this side does; remote live: the sender, after the asked bytes.
            var sender = remote is null ? new TrialSender(link.SenderFd, shape, duration, byteCap, cancel) : null;
            long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
            sender?.Start();
            long offset = 0, bytes = 0, cpu = 0, wall = 0;
            int windows = 0;
            string? error = null;
            try
            {
                while (true)
                {
                    long span = SpanBytes - offset % DirectWritePath.Block;
                    meter.Begin(watchDirty: choice.Kind != WritePathKind.Direct);
                    var r = path.Move(link.ReceiverFd, file, offset, span, batch);
                    if (meter.End(r.Moved, link.ReceiverFd, out var sample))
                    {
                        bytes += sample.Bytes;
                        cpu += sample.ThreadCpuNs;
                        wall += sample.WallNs;
                        windows++;
                    }
                    offset += r.Moved;
                    if (r.Status is MoveStatus.Completed or MoveStatus.Due)
                    {
                        pageCache.AfterSpan(file, offset);
                        if (remote is not null && RemoteEnds(shape, offset, instruction.Bytes, deadline, backstop, cancel, ref error)) break;
                        continue;
                    }
                    if (r.Status != MoveStatus.PeerClosed)
                        error = $"{r.Status} ({Libc.ErrnoName(r.Errno)}) after {offset} bytes";
                    else if (remote is not null && shape.Paced && offset != instruction.Bytes)
                        error = $"{offset} bytes arrived, {instruction.Bytes} asked";
                    break;
                }
            }
            finally
            {
                // The receiver may have stopped early (Unsupported): close our end so the sender's send fails at once.
                if (error is not null || remote is not null) Libc.Shutdown(link.ReceiverFd, Libc.SHUT_RDWR);
                sender?.Join();
                batch?.Release(link.ReceiverFd);
            }
            long receivedNs = (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalNanoseconds;
            if (error is null && remote is not null && shape.Paced && offset * 8e9 / receivedNs > shape.BitsPerSecond * 1.25)
                error = $"arrived at {offset * 8e3 / receivedNs:F1} Mbit/s, {shape.BitsPerSecond / 1e6:F1} asked: the sender did not pace (recd-send-load --follow-server?)";
            return result with
            {
                Received = offset, ReceivedNs = receivedNs,
                Bytes = bytes, ThreadCpuNs = cpu, WallNs = wall, Windows = windows, BatchWaits = batch?.Waits ?? 0,
                Error = error ?? (windows == 0 ? $"no window closed ({offset} bytes moved)" : null),
            };
        }
        finally { Libc.Unlink(scratchFile); }
    }

    /// <summary>Whether this side ends a remote trial now (at a span's end): bulk at its deadline, live only when the sender overran or stalled.</summary>
    private static bool RemoteEnds(SenderShape shape, long offset, long asked, long deadline, long backstop, CancellationToken cancel, ref string? error)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (cancel.IsCancellationRequested) return true;
        if (!shape.Paced) return offset >= asked || now >= deadline;
        if (offset > asked) error = $"more than the {asked} bytes asked arrived: the sender did not follow the instruction (recd-send-load --follow-server?)";
        else if (now >= backstop) error = $"the sender had sent {offset} of {asked} bytes at twice the trial's time plus 2 s";
        return error is not null;
    }
}
