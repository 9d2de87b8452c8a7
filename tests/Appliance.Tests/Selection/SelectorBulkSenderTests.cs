using Recd.Platform;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

public class SelectorBulkSenderTests
{
    [Fact]
    public void WhenEveryPathLeavesDataQueuedCostAloneDecides()
    {
        // A bulk copy over loopback: the sender outruns every path, so all windows end backlogged.
        // Direct is slow (disk-bound) but the cheapest per byte: it must win, not be "starved".
        var o = new SelectorOptions { ProbeWindows = 2, HysteresisWindows = 3, ReprobeEveryWindows = 20 };
        var sizes = new WritePathOptions();
        PathChoice.TryParse("buffered", sizes, out var b);
        PathChoice.TryParse("splice", sizes, out var sp);
        PathChoice.TryParse("direct", sizes, out var d);
        var s = new Selector(o, [b, sp, d]);
        var current = s.Current;
        for (int w = 0; w < 100; w++)
        {
            var (cost, rate) = current.Kind switch
            {
                WritePathKind.Buffered => (0.7, 4e9),
                WritePathKind.Splice => (0.4, 1.5e9),
                _ => (0.15, 5e8),
            };
            long bytes = 8 << 20;
            current = s.OnWindow(new CostSample(bytes, (long)(cost * bytes), (long)(bytes / rate * 1e9), 0, Backlogged: true));
        }
        Assert.Equal(d, current);
        Assert.DoesNotContain(s.Costs, c => c.Starved);
    }
}
