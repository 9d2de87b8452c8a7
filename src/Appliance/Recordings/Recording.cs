using System.Diagnostics;
using Recd.Interop;
using Recd.Logging;
using Recd.WritePaths;

namespace Recd.Recordings;

/// <summary>
/// One active transfer into one recording. Owns the data file and the write path; advances the
/// committed length (fdatasync, then manifest) every commit interval and at the end. Used by one
/// thread at a time: the connection that began it.
/// </summary>
public sealed class Recording : IDisposable
{
    /// <summary>Spans handed to a write path at once. Switching paths and committing happen between them.</summary>
    internal const long WindowBytes = 4 << 20;

    private readonly RecordingStore _store;
    private readonly RecordingFile _file;
    private readonly WritePathFactory _factory;
    private readonly Manifest _manifest;
    private IWritePath _path;
    private long _nextCommitBytes;
    private long _lastCommitTicks;
    private bool _finished;

    internal Recording(RecordingStore store, Manifest manifest, RecordingFile file, WritePathFactory factory,
        IWritePath path, long length)
    {
        _store = store;
        _manifest = manifest;
        _file = file;
        _factory = factory;
        _path = path;
        Length = length;
        Committed = length;
        _nextCommitBytes = length + store.Options.CommitIntervalBytes;
        _lastCommitTicks = Stopwatch.GetTimestamp();
        _manifest.WritePath = path.Label;
    }

    public string Name => _manifest.Name;

    /// <summary>Bytes in the data file (written, maybe not yet durable).</summary>
    public long Length { get; private set; }

    /// <summary>Bytes known durable and promised by the manifest.</summary>
    public long Committed { get; private set; }

    public string PathLabel => _path.Label;
    public WritePathKind PathKind => _path.Kind;

    internal RecordingFile FileForTesting => _file;

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
            long span = Math.Min(WindowBytes, count - moved);
            var result = _path.Move(socketFd, _file, Length, span);
            Account(_path.Label, result.Moved);
            moved += result.Moved;

            if (result.Status == MoveStatus.Unsupported)
            {
                // Nothing was lost (the path guarantees it); carry on copying, and say so.
                Log.Warn($"{Name}: {_path.Label} unsupported here ({Libc.ErrnoName(result.Errno)}), falling back to buffered");
                _manifest.Reason = $"{_path.Label} fell back to buffered: {Libc.ErrnoName(result.Errno)}";
                SwitchTo(WritePathKind.Buffered);
                continue;
            }
            if (!result.IsCompleted) return new MoveResult(moved, result.Status, result.Errno);

            if (CommitDue())
            {
                int err = Commit(RecordingStates.Recording);
                if (err != 0) return new MoveResult(moved, MoveStatus.StorageFailed, err);
            }
        }
        return new MoveResult(moved, MoveStatus.Completed);
    }

    /// <summary>Replaces the write path at a span boundary (the old path holds no byte).</summary>
    public void SwitchTo(WritePathKind kind)
    {
        var next = _factory.Create(kind);
        _path.Dispose();
        _path = next;
        _manifest.WritePath = next.Label;
    }

    /// <summary>Makes everything written durable and ends the transfer in the given state.</summary>
    public int Finish(string state, string? reason)
    {
        if (_finished) return 0;
        _finished = true;
        if (reason is not null) _manifest.Reason = reason;
        int err = Commit(state);
        _store.Release(this, _manifest);
        return err;
    }

    internal Manifest Snapshot() => _manifest.Clone();

    private bool CommitDue() =>
        Length >= _nextCommitBytes ||
        Stopwatch.GetElapsedTime(_lastCommitTicks).TotalMilliseconds >= _store.Options.CommitIntervalMs;

    /// <summary>fdatasync, then the manifest: the manifest never promises bytes the disk does not hold.</summary>
    private int Commit(string state)
    {
        int err = _file.TrySync();
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
