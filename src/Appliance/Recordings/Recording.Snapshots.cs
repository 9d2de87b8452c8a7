using System.Diagnostics;
using Recd.Logging;
using Recd.Selection;

namespace Recd.Recordings;

/// <summary>What a recording shows other threads: the immutable manifests it publishes, and its byte accounting and slow-write log.</summary>
public sealed partial class Recording
{
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
            WritePath = CurrentLabel(),
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
        return _fixedCost.Windows > 0 ? m with { Costs = new Dictionary<string, PathCost> { [CurrentLabel()] = _fixedCost.Copy() } } : m;
    }

    private void Account(string label, long bytes)
    {
        if (bytes <= 0) return;
        Length += bytes;
        Progress.Advance(Length);
        _bytesByPath[label] = _bytesByPath.GetValueOrDefault(label) + bytes;
    }
}
