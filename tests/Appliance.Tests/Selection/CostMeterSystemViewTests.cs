using Recd.Interop;
using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Selection;

/// <summary>
/// The machine's busy time (/proc/stat at each window's open and close) is read only by a meter whose
/// windows are priced from it: the system cost view (or the debug log's window line). A recording under
/// the default thread view makes no such read; one under the system view is still priced from it.
/// </summary>
public class CostMeterSystemViewTests
{
    private const long Mi = 1 << 20;

    private static CostSample SpinningWindow(CostMeter meter)
    {
        meter.Begin();
        // 40 ms of this thread's CPU inside the window: /proc/stat's 10 ms ticks see at least 30 of it.
        long t0 = Libc.ThreadCpuNanoseconds();
        while (Libc.ThreadCpuNanoseconds() - t0 < 40_000_000) { }
        Assert.True(meter.End(Mi, -1, out var s));
        return s;
    }

    [Fact]
    public void OnlyASystemViewMeterReadsTheMachinesBusyTime()
    {
        var system = SpinningWindow(new CostMeter(Mi, 60_000));
        Assert.InRange(system.SystemBusyNs, 30_000_000, long.MaxValue);
        Assert.Equal(system.SystemBusyNs, system.CostNs(CostViews.System));

        var thread = SpinningWindow(new CostMeter(Mi, 60_000, systemView: false));
        Assert.Equal(0, thread.SystemBusyNs);
        // What the thread views price is measured as before: the thread's own CPU in the window.
        Assert.InRange(thread.ThreadCpuNs, 40_000_000, 1_000_000_000);
        Assert.Equal(thread.ThreadCpuNs + thread.WritebackNs, thread.CostNs(CostViews.Thread));
    }

    [Theory]
    [InlineData(CostViews.Thread, false)]
    [InlineData(CostViews.System, true)]
    public void ARecordingReadsIt(string view, bool reads)
    {
        using var dir = new TempDir("/tmp");
        var options = new StorageOptions { Root = dir.Path, StateDir = Path.Combine(dir.Path, ".state"), CommitIntervalMs = 60_000 };
        var store = new RecordingStore(options, new WritePathFactory(new WritePathOptions()), new SelectorOptions { CostView = view });
        store.Recover();
        Assert.Equal(BeginOutcome.Created, store.TryBegin("v.ts", BeginMode.Create, 0, "test", WritePathKind.Buffered, out var rec, out _, out _));
        using (rec)
        {
            Assert.Equal(reads, rec!.MeterForTesting.SystemView);
            const long Size = 64 * Mi;
            using var pair = new LoopbackPair();
            var sender = pair.SendPatternAsync(0, Size, [65536]);
            Assert.Equal(new MoveResult(Size, MoveStatus.Completed), rec.Receive(pair.ServerFd, Size));
            Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
            sender.Wait();
        }
        var m = store.Find("v.ts")!;
        Assert.Equal(64 * Mi, m.CommittedLength);
        // A fixed path's windows are priced in the store's view: the system view's from /proc/stat.
        Assert.True(m.Costs!["buffered/256K"].NsPerByte > 0, $"{view}: {m.Costs["buffered/256K"].NsPerByte} ns/B");
    }
}
