using System.Diagnostics;
using Recd.Interop;
using Recd.Logging;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Recordings;

/// <summary>
/// One active transfer into one recording. Owns the data file and the write path; measures each
/// window (CostMeter) and, under "auto", lets the selector switch paths between spans; advances the
/// committed length (fdatasync, then manifest) every commit interval and at the end. Used by one
/// thread at a time: the connection that began it. Other threads see it only through the immutable
/// snapshots it publishes to the store (at commits, path switches, and windows at most once a second).
/// </summary>
public sealed partial class Recording : IDisposable
{
    /// <summary>Largest span handed to a write path at once. Switching paths and committing happen between spans.</summary>
    internal const long SpanBytes = 4 << 20;

    /// <summary>A window publishes a fresh snapshot at most this often: listings stay current, the data path stays allocation-free.</summary>
    private const int PublishEveryMs = 1000;

    private readonly RecordingStore _store;
    private readonly RecordingFile _file;
    private readonly WritePathFactory _factory;
    private readonly PageCachePolicy _pageCache;
    private readonly CostMeter _meter;
    private readonly Selector? _selector;
    private readonly PathCost _fixedCost = new() { NsPerByte = double.NaN };
    private readonly Dictionary<string, long> _bytesByPath;

    /// <summary>The descriptive part of the manifest (name, client, reason...); counters are folded in by <see cref="Build"/>.</summary>
    private Manifest _described;
    private long _meteredBytes, _threadCpuNs, _fuseServerCpuNs, _writebackNs;
    private IWritePath _path;
    private PathChoice _choice;
    private long _nextCommitBytes;
    private long _lastCommitTicks;
    private long _lastPublishTicks;
    private bool _finished;
    private bool _settling, _started;
    private int _slowWritesLogged;
    private StorageFault? _fault;
    private readonly Heartbeat _beat;
    private volatile bool _stopRequested;

    internal Recording(RecordingStore store, Manifest manifest, RecordingFile file, WritePathFactory factory,
        PathChoice start, Selector? selector, long length)
    {
        _store = store;
        _file = file;
        _file.SlowWriteMs = store.Options.SlowWriteMs;
        _factory = factory;
        _selector = selector;
        _choice = start;
        factory.Buffers.Join();
        _path = factory.Create(start);
        Length = length;
        Committed = length;
        Progress = new RecordingProgress(length);
        _nextCommitBytes = length + store.Options.CommitIntervalBytes;
        _lastCommitTicks = _lastPublishTicks = Stopwatch.GetTimestamp();
        _bytesByPath = manifest.BytesByPath is { } b ? new Dictionary<string, long>(b) : new Dictionary<string, long>();
        BytesBefore = manifest.BytesByPath;
        _meteredBytes = manifest.MeteredBytes;
        _threadCpuNs = manifest.ThreadCpuNs;
        _fuseServerCpuNs = manifest.FuseServerCpuNs ?? 0;
        _writebackNs = manifest.WritebackCpuNs;
        _described = manifest with { Policy = selector is null ? start.Kind.Name() : "auto" };
        _beat = new Heartbeat("transfer " + manifest.Name);
        CreateBatch(start);
        _pageCache = PageCachePolicy.From(factory.Options);
        _pageCache.StartAt(length);
        var so = store.Selection.Options;
        // The machine's busy time only where something reads it: the system view's prices, the debug log's window line.
        _meter = new CostMeter(so.WindowBytes, so.WindowMs, store.Selection.Fuse,
            systemView: store.Selection.CostView == CostViews.System || Log.MinLevel <= LogLevel.Debug);
    }

    public string Name => _described.Name;

    /// <summary>Bytes in the data file (written, maybe not yet durable).</summary>
    public long Length { get; private set; }

    /// <summary>Bytes known durable and promised by a manifest that is itself durable (renamed, directory synced).</summary>
    public long Committed { get; private set; }

    /// <summary>The written length as followers see it (published after every write-path call).</summary>
    public RecordingProgress Progress { get; }

    /// <summary>The storage failure latched for this recording, or null.</summary>
    public StorageFault? Fault => _fault;

    /// <summary>
    /// Bytes by path the recording held before this transfer (a resume continues its counts):
    /// what this transfer received is its snapshot's minus these. Immutable, so any thread may read it.
    /// </summary>
    public IReadOnlyDictionary<string, long>? BytesBefore { get; }

    public string PathLabel => CurrentLabel();
    public WritePathKind PathKind => _path.Kind;
    public Selector? Selector => _selector;

    /// <summary>File offset the body ends at when its length is known up front (Content-Length), else -1.</summary>
    public long ExpectedEnd { get; set; } = -1;

    internal RecordingFile FileForTesting => _file;
    internal PageCachePolicy PageCacheForTesting => _pageCache;
    internal CostMeter MeterForTesting => _meter;

    /// <summary>
    /// From any thread ("rec stop" on the console): the transfer ends at its next span boundary, which
    /// comes within WritePaths:BatchLatencyMs while bytes trickle in, and finishes as usual (final
    /// commit, manifest). Only a flag: the transfer thread stays the only one touching its state.
    /// </summary>
    public void RequestStop() => _stopRequested = true;

    public bool StopRequested => _stopRequested;

    /// <summary>Body bytes that arrived with the request head (or a chunk line) are written from memory.</summary>
    public MoveResult WriteFromBuffer(ReadOnlySpan<byte> data)
    {
        if (_fault is { } f) return new MoveResult(0, MoveStatus.StorageFailed, f.Errno);
        int err = _file.TryWriteAll(data, Length, out long written);
        Account("memory", written);
        if (err == 0) return new MoveResult(written, MoveStatus.Completed);
        NoteWriteFailure(err, "write");
        return new MoveResult(written, MoveStatus.StorageFailed, err);
    }

    /// <summary>
    /// Moves exactly <paramref name="count"/> body bytes from the socket unless the result says
    /// otherwise. Batched, each write-path call returns within the batch latency bound, so bytes
    /// reach the file (and commits stay on time) however slowly they arrive; no byte for
    /// <paramref name="idleTimeoutMs"/> ends the body as timed out.
    /// </summary>
    public MoveResult Receive(int socketFd, long count, int idleTimeoutMs = 30_000)
    {
        if (_fault is { } f) return new MoveResult(0, MoveStatus.StorageFailed, f.Errno);
        _receivingFd = socketFd;
        ActiveBatch?.Begin(socketFd);
        _store.Heartbeats.Add(_beat);
        try { return ReceiveSpans(socketFd, count, idleTimeoutMs); }
        finally
        {
            _store.Heartbeats.Remove(_beat);
            ActiveBatch?.Release(socketFd);
            _receivingFd = -1;
        }
    }

    private MoveResult ReceiveSpans(int socketFd, long count, int idleTimeoutMs)
    {
        long moved = 0;
        long lastByteTicks = Stopwatch.GetTimestamp();
        while (moved < count)
        {
            if (_stopRequested) return new MoveResult(moved, MoveStatus.Stopped);
            long span = Math.Min(SpanBytes, count - moved);
            // End full spans on a 4 KiB file offset: after the first span every span is aligned, so
            // O_DIRECT writes whole blocks with no buffered head and tail around each span.
            if (span == SpanBytes) span -= (Length + span) % DirectWritePath.Block;
            bool cached = _path.Kind != WritePathKind.Direct;
            _meter.Begin(watchDirty: _selector is not null && cached, throughPageCache: cached);
            var result = _path.Move(socketFd, _file, Length, span, ActiveBatch);
            _beat.Beat();
            bool windowDone = _meter.End(result.Moved, socketFd, out var sample);
            Account(CurrentLabel(), result.Moved);
            moved += result.Moved;

            if (result.Status == MoveStatus.Unsupported)
            {
                // Nothing was lost (the path guarantees it); carry on with another path, and say so.
                string why = Libc.ErrnoName(result.Errno);
                if (_path.Kind == WritePathKind.Direct) _store.MarkDirectUnavailable(why);
                StorageCounters.Fallbacks.Add(result.Errno);
                var next = _selector?.MarkUnavailable(why) ?? _factory.DefaultChoice(WritePathKind.Buffered);
                Log.Warn($"{Name}: {CurrentLabel()} unsupported here ({why}), continuing with {next.Label}");
                _described = _described with { Reason = $"{CurrentLabel()} fell back to {next.Label}: {why}" };
                SwitchTo(next);
                continue;
            }
            if (result.Status == MoveStatus.Due)
            {
                // The latency bound: what arrived is in the file; the rest of the span is still to come.
                if (result.Moved > 0) lastByteTicks = Stopwatch.GetTimestamp();
                else if (Stopwatch.GetElapsedTime(lastByteTicks).TotalMilliseconds >= idleTimeoutMs)
                    return new MoveResult(moved, MoveStatus.TimedOut, Libc.EAGAIN);
            }
            else if (!result.IsCompleted)
            {
                if (result.Status == MoveStatus.StorageFailed) NoteWriteFailure(result.Errno, "write, " + CurrentLabel());
                return new MoveResult(moved, result.Status, result.Errno);
            }

            if (windowDone)
            {
                OnWindow(sample);
                _path.FitBudget(); // streams joined or left since its buffer was granted
            }
            if (_file.SlowWrites != _slowWritesLogged) ReportSlowWrites();
            if (_store.EnsureHeadroom(0, exclude: Name) < 0)
            {
                Log.Error($"{Name}: free space below the reserve and nothing left to delete: stopping at {Length} bytes");
                StorageCounters.Errors.Add(Libc.ENOSPC);
                return new MoveResult(moved, MoveStatus.StorageFailed, Libc.ENOSPC);
            }
            // keep does nothing here; the other modes write back on this thread, which the windows book.
            bool syncs = _pageCache.Mode != PageCacheMode.Keep;
            if (syncs) _meter.BeginSync();
            var hint = _pageCache.AfterSpan(_file, Length);
            if (syncs) _meter.EndSync();
            if (hint.Errno != 0)
            {
                // A failed sync may have consumed the file's writeback error: nothing after the last commit is known good.
                Latch(new StorageFault(hint.Operation, hint.Errno, Committed));
                return new MoveResult(moved, MoveStatus.StorageFailed, hint.Errno);
            }
            if (CommitDue())
            {
                int err = Commit(RecordingStates.Recording);
                if (err != 0) return new MoveResult(moved, MoveStatus.StorageFailed, err);
                _beat.Beat();
            }
        }
        return new MoveResult(moved, MoveStatus.Completed);
    }

    /// <summary>
    /// Makes everything written durable and ends the transfer in the given state (damaged instead,
    /// if the storage failed). The name is released whatever happens; learning comes after the
    /// commit and the release, and can never fail the recording.
    /// </summary>
    public int Finish(string state, string? reason)
    {
        if (_finished) return 0;
        _finished = true;
        if (reason is not null) _described = _described with { Reason = reason };
        int err = Libc.EIO;
        try
        {
            err = Commit(state);
        }
        finally
        {
            // What the index lists from now on is what the disk holds: the final state if its manifest
            // was written, else an interrupted recording at the last durable commit.
            string listed = _fault is not null ? RecordingStates.Damaged : err == 0 ? state : RecordingStates.Interrupted;
            _store.Release(this, Build(listed, Committed));
            Progress.End();
        }
        if (_selector is not null)
        {
            _selector.Finish();
            try { _store.Selection.Learned.Merge(_store.Selection.LearnedKey, _selector); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            { Log.Warn($"{Name}: learned costs not saved: {e.Message}"); }
        }
        return err;
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_finished) Finish(RecordingStates.Interrupted, "transfer abandoned");
        }
        finally
        {
            _selector?.Finish(); // however it ended: a probe round it ran is the mount's again
            _path.Dispose();
            _file.Dispose();
            _factory.Buffers.Leave();
        }
    }
}
