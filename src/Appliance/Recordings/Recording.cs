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
/// thread at a time: the connection that began it.
/// </summary>
public sealed class Recording : IDisposable
{
    /// <summary>Largest span handed to a write path at once. Switching paths and committing happen between spans.</summary>
    internal const long SpanBytes = 4 << 20;

    private readonly RecordingStore _store;
    private readonly RecordingFile _file;
    private readonly WritePathFactory _factory;
    private readonly Manifest _manifest;
    private readonly PageCachePolicy _pageCache;
    private readonly CostMeter _meter;
    private readonly Selector? _selector;
    private readonly PathCost _fixedCost = new() { NsPerByte = double.NaN };
    private IWritePath _path;
    private PathChoice _choice;
    private long _nextCommitBytes;
    private long _lastCommitTicks;
    private bool _finished;
    private bool _settling;
    private int _slowWritesLogged;

    internal Recording(RecordingStore store, Manifest manifest, RecordingFile file, WritePathFactory factory,
        PathChoice start, Selector? selector, long length)
    {
        _store = store;
        _manifest = manifest;
        _file = file;
        _file.SlowWriteMs = store.Options.SlowWriteMs;
        _factory = factory;
        _selector = selector;
        _choice = start;
        _path = factory.Create(start);
        Length = length;
        Committed = length;
        _nextCommitBytes = length + store.Options.CommitIntervalBytes;
        _lastCommitTicks = Stopwatch.GetTimestamp();
        _manifest.WritePath = _path.Label;
        _manifest.Policy = selector is null ? start.Kind.Name() : "auto";
        _pageCache = PageCachePolicy.From(factory.Options);
        _pageCache.StartAt(length);
        var so = store.Selection.Options;
        _meter = new CostMeter(so.WindowBytes, so.WindowMs);
    }

    public string Name => _manifest.Name;

    /// <summary>Bytes in the data file (written, maybe not yet durable).</summary>
    public long Length { get; private set; }

    /// <summary>Bytes known durable and promised by the manifest.</summary>
    public long Committed { get; private set; }

    public string PathLabel => _path.Label;
    public WritePathKind PathKind => _path.Kind;
    public Selector? Selector => _selector;

    /// <summary>File offset the body ends at when its length is known up front (Content-Length), else -1.</summary>
    public long ExpectedEnd { get; set; } = -1;

    internal RecordingFile FileForTesting => _file;
    internal PageCachePolicy PageCacheForTesting => _pageCache;

    /// <summary>Body bytes that arrived with the request head (or a chunk line) are written from memory.</summary>
    public MoveResult WriteFromBuffer(ReadOnlySpan<byte> data)
    {
        int err = _file.TryWriteAll(data, Length, out long written);
        Account("memory", written);
        return err == 0 ? new MoveResult(written, MoveStatus.Completed) : new MoveResult(written, MoveStatus.StorageFailed, err);
    }

    /// <summary>Moves exactly <paramref name="count"/> body bytes from the socket unless the result says otherwise.</summary>
    public MoveResult Receive(int socketFd, long count)
    {
        long moved = 0;
        while (moved < count)
        {
            long span = Math.Min(SpanBytes, count - moved);
            // End full spans on a 4 KiB file offset: after the first span every span is aligned, so
            // O_DIRECT writes whole blocks with no buffered head and tail around each span.
            if (span == SpanBytes) span -= (Length + span) % DirectWritePath.Block;
            _meter.Begin(watchDirty: _selector is not null && _path.Kind != WritePathKind.Direct);
            var result = _path.Move(socketFd, _file, Length, span);
            bool windowDone = _meter.End(result.Moved, socketFd, out var sample);
            Account(_path.Label, result.Moved);
            moved += result.Moved;

            if (result.Status == MoveStatus.Unsupported)
            {
                // Nothing was lost (the path guarantees it); carry on with another path, and say so.
                string why = Libc.ErrnoName(result.Errno);
                if (_path.Kind == WritePathKind.Direct) _store.MarkDirectUnavailable(why);
                var next = _selector?.MarkUnavailable(why) ?? _factory.DefaultChoice(WritePathKind.Buffered);
                Log.Warn($"{Name}: {_path.Label} unsupported here ({why}), continuing with {next.Label}");
                _manifest.Reason = $"{_path.Label} fell back to {next.Label}: {why}";
                SwitchTo(next);
                continue;
            }
            if (!result.IsCompleted) return new MoveResult(moved, result.Status, result.Errno);

            if (windowDone) OnWindow(sample);
            if (_file.SlowWrites != _slowWritesLogged) ReportSlowWrites();
            if (_store.EnsureHeadroom(0, exclude: Name) < 0)
            {
                Log.Error($"{Name}: free space below the reserve and nothing left to delete: stopping at {Length} bytes");
                return new MoveResult(moved, MoveStatus.StorageFailed, Libc.ENOSPC);
            }
            int perr = _pageCache.AfterSpan(_file, Length);
            if (perr != 0) return new MoveResult(moved, MoveStatus.StorageFailed, perr);
            if (CommitDue())
            {
                int err = Commit(RecordingStates.Recording);
                if (err != 0) return new MoveResult(moved, MoveStatus.StorageFailed, err);
            }
        }
        return new MoveResult(moved, MoveStatus.Completed);
    }

    private void OnWindow(in CostSample sample)
    {
        _manifest.MeteredBytes += sample.Bytes;
        _manifest.ThreadCpuNs += sample.ThreadCpuNs;
        if (Log.MinLevel <= LogLevel.Debug)
            Log.Debug($"{Name}: window {_choice.Label} {sample.Bytes} B {sample.ThreadNsPerByte:F3} ns/B thread, {sample.SystemNsPerByte:F3} ns/B system, {sample.BytesPerSecond / 1e6:F0} MB/s{(sample.Backlogged ? ", backlogged" : "")}");
        if (_selector is null)
        {
            // Fixed policy: still measured, so stats and benchmarks show what the path costs here.
            _fixedCost.Add(sample, sample.ThreadNsPerByte);
            return;
        }
        // The first window after a switch carries the switch itself (a new pipe, O_DIRECT meeting
        // pages the previous path left dirty: measured at 10x the steady cost on ext4). Judge the
        // path on the windows after it.
        if (_settling) { _settling = false; _selector.OnSwitchWindow(sample); return; }
        _selector.RemainingBytes = ExpectedEnd < 0 ? long.MaxValue : Math.Max(0, ExpectedEnd - Length);
        var next = _selector.OnWindow(sample);
        if (next != _choice)
        {
            Log.Debug($"{Name}: {_selector.Reason}");
            SwitchTo(next);
        }
    }

    private void ReportSlowWrites()
    {
        Log.Warn($"{Name}: slow write: {_file.SlowWrites - _slowWritesLogged} call(s) over {_file.SlowWriteMs} ms (slowest {_file.MaxWriteMs} ms); the sender is back-pressured through TCP");
        _slowWritesLogged = _file.SlowWrites;
        _manifest.SlowWrites = _file.SlowWrites;
        _manifest.MaxWriteMs = _file.MaxWriteMs;
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
        _manifest.WritePath = next.Label;
    }

    /// <summary>Makes everything written durable and ends the transfer in the given state.</summary>
    public int Finish(string state, string? reason)
    {
        if (_finished) return 0;
        _finished = true;
        if (reason is not null) _manifest.Reason = reason;
        if (_selector is not null)
        {
            WriteSelection(_manifest);
            _store.Selection.Learned.Merge(_store.Selection.Mount.Key, _selector);
        }
        else if (_fixedCost.Windows > 0) _manifest.Costs = new() { [_path.Label] = _fixedCost };
        int err = Commit(state);
        _store.Release(this, _manifest);
        return err;
    }

    internal Manifest Snapshot()
    {
        var m = _manifest.Clone();
        if (_selector is not null) WriteSelection(m);
        return m;
    }

    /// <summary>What "auto" decided and measured, into a manifest: the decision, the cost table, exploring's price.</summary>
    private void WriteSelection(Manifest m)
    {
        m.Decision = _selector!.Reason;
        m.Costs = CostTable();
        m.ExploringNs = Math.Round(_selector.ExplorationExtraNs);
    }

    private Dictionary<string, PathCost> CostTable()
    {
        var table = new Dictionary<string, PathCost>();
        for (int i = 0; i < _selector!.Choices.Count; i++)
            if (_selector.Costs[i].Windows > 0) table[_selector.Choices[i].Label] = _selector.Costs[i];
        return table;
    }

    private bool CommitDue() =>
        Length >= _nextCommitBytes ||
        Stopwatch.GetElapsedTime(_lastCommitTicks).TotalMilliseconds >= _store.Options.CommitIntervalMs;

    /// <summary>fdatasync, then the manifest: the manifest never promises bytes the disk does not hold.</summary>
    private int Commit(string state)
    {
        int err = _file.TrySync();
        if (_file.SlowWrites != _slowWritesLogged) ReportSlowWrites();
        _manifest.MaxWriteMs = _file.MaxWriteMs;
        if (err == 0) Committed = Length;
        else Log.Error($"{Name}: fdatasync failed ({Libc.ErrnoName(err)}); committed length stays {Committed}");
        _manifest.State = state;
        _manifest.CommittedLength = Committed;
        _manifest.Updated = DateTimeOffset.UtcNow;
        int merr = _store.WriteManifest(_manifest);
        if (err == 0) err = merr;
        _nextCommitBytes = Length + _store.Options.CommitIntervalBytes;
        _lastCommitTicks = Stopwatch.GetTimestamp();
        return err;
    }

    private void Account(string label, long bytes)
    {
        if (bytes <= 0) return;
        Length += bytes;
        var map = _manifest.BytesByPath ??= new Dictionary<string, long>();
        map[label] = map.GetValueOrDefault(label) + bytes;
    }

    public void Dispose()
    {
        if (!_finished) Finish(RecordingStates.Interrupted, "transfer abandoned");
        _path.Dispose();
        _file.Dispose();
    }
}
