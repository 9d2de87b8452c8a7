using System.Diagnostics;
using Recd.Interop;
using Recd.Logging;

namespace Recd.Recordings;

/// <summary>A recording's durability: commits (fdatasync, then the manifest) and the latch a storage failure sets.</summary>
public sealed partial class Recording
{
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
}
