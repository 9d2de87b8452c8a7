using System.Diagnostics;
using Recd.Logging;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Recordings;

/// <summary>A recording's write-path selection: each metered window to the selector, and switching paths between spans.</summary>
public sealed partial class Recording
{
    /// <summary>Recordings being written on the root as the previous window closed (0 before the first).</summary>
    private int _activeBefore;

    private void OnWindow(in CostSample sample)
    {
        _meteredBytes += sample.Bytes;
        _threadCpuNs += sample.ThreadCpuNs;
        _writebackNs += sample.WritebackNs;
        _fuseServerCpuNs += sample.FuseServerNs;
        if (Log.MinLevel <= LogLevel.Debug)
            Log.Debug($"{Name}: window {_choice.Label} {sample.Bytes} B {sample.ThreadNsPerByte:F3} ns/B thread, {sample.SystemNsPerByte:F3} ns/B system{(_store.Selection.Fuse is null ? "" : $", {(double)sample.FuseServerNs / sample.Bytes:F3} ns/B FUSE server")}, {sample.BytesPerSecond / 1e6:F0} MB/s{(sample.Backlogged ? ", backlogged" : "")}");
        if (_selector?.Condition is { } condition)
        {
            int active = _store.ActiveCount;
            _store.Selection.ObserveCondition(_selector, sample, active);
            // §6: a window spans the counts at its two ends; one of them out of the band is another
            // condition's window (the last recordings of a burst run alone).
            _selector.WindowOutOfBand = LearnedCondition.BandOf(active) != condition.Band
                || _activeBefore > 0 && LearnedCondition.BandOf(_activeBefore) != condition.Band;
            _activeBefore = active;
        }
        if (_selector is null)
        {
            // Fixed policy: still measured, so stats and benchmarks show what the path costs here.
            _fixedCost.Add(sample, sample.NsPerByte(_store.Selection.CostView));
        }
        // The recording's first window carries its start, and the first window after a switch the
        // switch itself (a new pipe, O_DIRECT meeting pages the previous path left dirty: measured at
        // 10x the steady cost on ext4). Judge the path on the windows after them.
        else if (!_started) { _started = true; _settling = false; _selector.OnStartWindow(sample); }
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

    /// <summary>Replaces the write path at a span boundary (the old path holds no byte).</summary>
    public void SwitchTo(WritePathKind kind) => SwitchTo(_factory.DefaultChoice(kind));

    public void SwitchTo(PathChoice choice)
    {
        var next = _factory.Create(choice);
        _path.Dispose();
        _path = next;
        _choice = choice;
        ApplyBatch(choice);
        _meter.Reset();
        _settling = true;
    }

    private Dictionary<string, PathCost> CostTable()
    {
        var table = new Dictionary<string, PathCost>();
        for (int i = 0; i < _selector!.Choices.Count; i++)
            if (_selector.Costs[i].Windows > 0) table[_selector.Choices[i].Label] = _selector.Costs[i].Copy();
        return table;
    }
}
