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
public sealed class Recording : IDisposable
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
    private bool _settling;
    private int _slowWritesLogged;
    private StorageFault? _fault;
    private readonly SocketBatch? _batch;
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
        var wp = factory.Options;
        _batch = wp.BatchBytes > 0 ? new SocketBatch(wp.BatchBytes, wp.BatchLatencyMs, wp.ReceiveBufferBytes) : null;
        _pageCache = PageCachePolicy.From(factory.Options);
        _pageCache.StartAt(length);
        var so = store.Selection.Options;
        _meter = new CostMeter(so.WindowBytes, so.WindowMs, store.Selection.Fuse);
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

    public string PathLabel => _path.Label;
    public WritePathKind PathKind => _path.Kind;
    public Selector? Selector => _selector;

    /// <summary>File offset the body ends at when its length is known up front (Content-Length), else -1.</summary>
    public long ExpectedEnd { get; set; } = -1;

    internal RecordingFile FileForTesting => _file;
    internal PageCachePolicy PageCacheForTesting => _pageCache;

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
        _batch?.Begin(socketFd);
        _store.Heartbeats.Add(_beat);
        try { return ReceiveSpans(socketFd, count, idleTimeoutMs); }
        finally
        {
            _store.Heartbeats.Remove(_beat);
            _batch?.Release(socketFd);
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
            var result = _path.Move(socketFd, _file, Length, span, _batch);
            _beat.Beat();
            bool windowDone = _meter.End(result.Moved, socketFd, out var sample);
            Account(_path.Label, result.Moved);
            moved += result.Moved;

            if (result.Status == MoveStatus.Unsupported)
            {
                // Nothing was lost (the path guarantees it); carry on with another path, and say so.
                string why = Libc.ErrnoName(result.Errno);
                if (_path.Kind == WritePathKind.Direct) _store.MarkDirectUnavailable(why);
                StorageCounters.Fallbacks.Add(result.Errno);
                var next = _selector?.MarkUnavailable(why) ?? _factory.DefaultChoice(WritePathKind.Buffered);
                Log.Warn($"{Name}: {_path.Label} unsupported here ({why}), continuing with {next.Label}");
                _described = _described with { Reason = $"{_path.Label} fell back to {next.Label}: {why}" };
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
                if (result.Status == MoveStatus.StorageFailed) NoteWriteFailure(result.Errno, "write, " + _path.Label);
                return new MoveResult(moved, result.Status, result.Errno);
            }

            if (windowDone) OnWindow(sample);
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

    /// <summary>A write that failed other than for space may have lost bytes: latched. Out of space: the prefix stands.</summary>
    private void NoteWriteFailure(int errno, string operation)
    {
        if (!StorageFault.IsOutOfSpace(errno)) Latch(new StorageFault(operation, errno, Length));
        else StorageCounters.Errors.Add(errno);
    }

    private void Latch(StorageFault fault)
    {
        if (_fault is not null) return;
        _fault = fault;
        StorageCounters.Errors.Add(fault.Errno);
        Log.Error($"{Name}: storage failed: {fault}; the recording stays at its last good committed length {Committed} and is marked damaged");
    }

    private void OnWindow(in CostSample sample)
    {
        _meteredBytes += sample.Bytes;
        _threadCpuNs += sample.ThreadCpuNs;
        _writebackNs += sample.WritebackNs;
        _fuseServerCpuNs += sample.FuseServerNs;
        if (Log.MinLevel <= LogLevel.Debug)
            Log.Debug($"{Name}: window {_choice.Label} {sample.Bytes} B {sample.ThreadNsPerByte:F3} ns/B thread, {sample.SystemNsPerByte:F3} ns/B system{(_store.Selection.Fuse is null ? "" : $", {(double)sample.FuseServerNs / sample.Bytes:F3} ns/B FUSE server")}, {sample.BytesPerSecond / 1e6:F0} MB/s{(sample.Backlogged ? ", backlogged" : "")}");
        if (_selector?.Condition is { Judging: true } condition) condition.Observe(sample, _store.ActiveCount);
        if (_selector is null)
        {
            // Fixed policy: still measured, so stats and benchmarks show what the path costs here.
            _fixedCost.Add(sample, sample.NsPerByte(_store.Selection.CostView));
        }
        // The first window after a switch carries the switch itself (a new pipe, O_DIRECT meeting
        // pages the previous path left dirty: measured at 10x the steady cost on ext4). Judge the
        // path on the windows after it.
        else if (_settling) { _settling = false; _selector.OnSwitchWindow(sample); }
        else
        {
            _selector.RemainingBytes = ExpectedEnd < 0 ? long.MaxValue : Math.Max(0, ExpectedEnd - Length);
            int settled = _selector.SettledIndex;
            var next = _selector.OnWindow(sample);
            // Counted here, on the owning thread: a scrape reads the totals, never the selector.
            if (settled >= 0 && _selector.SettledIndex != settled) StorageCounters.CountSwitch();
            if (next != _choice)
            {
                if (_selector.CurrentIndex != _selector.SettledIndex) StorageCounters.CountProbe();
                // The sentence is made when read: only when it will be written.
                if (Log.MinLevel <= LogLevel.Debug) Log.Debug($"{Name}: {_selector.Reason}");
                SwitchTo(next);
            }
        }
        if (Stopwatch.GetElapsedTime(_lastPublishTicks).TotalMilliseconds >= PublishEveryMs) Publish();
    }

    private void Publish()
    {
        _lastPublishTicks = Stopwatch.GetTimestamp();
        _store.Publish(this, Build(RecordingStates.Recording, Committed));
    }

    private void ReportSlowWrites()
    {
        Log.Warn($"{Name}: slow write: {_file.SlowWrites - _slowWritesLogged} call(s) over {_file.SlowWriteMs} ms (slowest {_file.MaxWriteMs} ms); the sender is back-pressured through TCP");
        _slowWritesLogged = _file.SlowWrites;
    }

    /// <summary>Replaces the write path at a span boundary (the old path holds no byte).</summary>
    public void SwitchTo(WritePathKind kind) => SwitchTo(_factory.DefaultChoice(kind));

    public void SwitchTo(PathChoice choice)
    {
        var next = _factory.Create(choice);
        _path.Dispose();
        _path = next;
        _choice = choice;
        _meter.Reset();
        _settling = true;
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
            try { _store.Selection.Learned.Merge(_store.Selection.LearnedKey, _selector); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
            { Log.Warn($"{Name}: learned costs not saved: {e.Message}"); }
        }
        return err;
    }

    /// <summary>The snapshot other threads see right now.</summary>
    internal Manifest Snapshot() => Build(RecordingStates.Recording, Committed);

    /// <summary>An immutable manifest of this recording in the given state, promising <paramref name="committed"/> bytes.</summary>
    private Manifest Build(string state, long committed)
    {
        var m = _described with
        {
            State = _fault is not null ? RecordingStates.Damaged : state,
            Reason = _fault is { } f ? "storage error: " + f : _described.Reason,
            CommittedLength = committed,
            WritePath = _path.Label,
            BytesByPath = new Dictionary<string, long>(_bytesByPath),
            MeteredBytes = _meteredBytes,
            ThreadCpuNs = _threadCpuNs,
            WritebackCpuNs = _writebackNs,
            SyncCpuNs = _meter.SyncCpuNs,
            FuseServerCpuNs = _store.Selection.Fuse is null ? null : _fuseServerCpuNs,
            CostView = _store.Selection.CostView,
            SlowWrites = _file.SlowWrites,
            MaxWriteMs = _file.MaxWriteMs,
        };
        if (_selector is not null)
            return m with { Decision = _selector.Reason, Costs = CostTable(), ExploringNs = Math.Round(_selector.ExplorationExtraNs) };
        return _fixedCost.Windows > 0 ? m with { Costs = new Dictionary<string, PathCost> { [_path.Label] = _fixedCost.Copy() } } : m;
    }

    private Dictionary<string, PathCost> CostTable()
    {
        var table = new Dictionary<string, PathCost>();
        for (int i = 0; i < _selector!.Choices.Count; i++)
            if (_selector.Costs[i].Windows > 0) table[_selector.Choices[i].Label] = _selector.Costs[i].Copy();
        return table;
    }

    private bool CommitDue() =>
        Length >= _nextCommitBytes ||
        Stopwatch.GetElapsedTime(_lastCommitTicks).TotalMilliseconds >= _store.Options.CommitIntervalMs;

    /// <summary>
    /// fdatasync, then the manifest: the manifest never promises bytes the disk does not hold, and the
    /// committed length moves only once that manifest is durable. After a latched fault nothing is
    /// synced again; the manifest says damaged at the last good length.
    /// </summary>
    private int Commit(string state)
    {
        // The FUSE server's CPU in a commit is no window's (FuseServer.BeginUnmetered says why).
        var fuse = _store.Selection.Fuse;
        fuse?.BeginUnmetered();
        try { return CommitDurably(state); }
        finally { fuse?.EndUnmetered(); }
    }

    private int CommitDurably(string state)
    {
        _nextCommitBytes = Length + _store.Options.CommitIntervalBytes;
        _lastCommitTicks = Stopwatch.GetTimestamp();
        if (_fault is null)
        {
            _meter.BeginSync();
            int err = _file.TrySync();
            _meter.EndSync();
            if (_file.SlowWrites != _slowWritesLogged) ReportSlowWrites();
            if (err != 0) Latch(new StorageFault("fdatasync", err, Committed));
        }
        if (_fault is { } fault)
        {
            int derr = _store.WriteManifest(Build(RecordingStates.Damaged, Committed));
            if (derr != 0) Log.Error($"{Name}: the damaged manifest could not be written either ({Libc.ErrnoName(derr)}); the last one on disk promises {Committed} bytes or less");
            return fault.Errno;
        }
        long candidate = Length;
        var manifest = Build(state, candidate);
        int merr = _store.WriteManifest(manifest);
        if (merr != 0)
        {
            Log.Error($"{Name}: manifest not written ({Libc.ErrnoName(merr)}); committed length stays {Committed}");
            if (!StorageFault.IsOutOfSpace(merr)) Latch(new StorageFault("manifest", merr, Committed));
            return merr;
        }
        Committed = candidate;
        _lastPublishTicks = Stopwatch.GetTimestamp();
        _store.Publish(this, manifest);
        return 0;
    }

    private void Account(string label, long bytes)
    {
        if (bytes <= 0) return;
        Length += bytes;
        Progress.Advance(Length);
        _bytesByPath[label] = _bytesByPath.GetValueOrDefault(label) + bytes;
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
            _path.Dispose();
            _file.Dispose();
            _factory.Buffers.Leave();
        }
    }
}
