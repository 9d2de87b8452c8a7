using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>The buffer budget: shares shrink with the streams, kept buffers are reused, in use plus kept stay within it.</summary>
public class BufferBudgetTests
{
    [Fact]
    public void SharesShrinkWhenManyStreamsRunAndNeverFallBelowTheFloor()
    {
        var budget = new BufferBudget(16L << 20);
        budget.Join();
        Assert.Equal(4 << 20, budget.Grant(4 << 20));
        for (int i = 1; i < 16; i++) budget.Join();
        Assert.Equal(1 << 20, budget.Grant(4 << 20));
        Assert.Equal(256 << 10, budget.Grant(256 << 10));
        for (int i = 16; i < 1000; i++) budget.Join();
        Assert.Equal(BufferBudget.MinGrantBytes, budget.Grant(4 << 20));
        Assert.Equal(4096, budget.Grant(4096)); // asked for less than the floor: what was asked
    }

    [Fact]
    public void AProbeAndTheSwitchBackReuseTheBuffersAndTheBudgetHolds()
    {
        var factory = new WritePathFactory(new WritePathOptions { BufferBudgetBytes = 8L << 20 });
        factory.Buffers.Join();
        var direct = factory.Create(WritePathKind.Direct);
        Assert.Equal("direct/4M", direct.Label);
        direct.Dispose();
        Assert.Equal(4L << 20, factory.Buffers.KeptBytes);
        var again = factory.Create(WritePathKind.Direct);
        Assert.Equal(0, factory.Buffers.KeptBytes); // the kept buffer went back into use
        var buffered = factory.Create(WritePathKind.Buffered);
        Assert.True(factory.Buffers.InUseBytes + factory.Buffers.KeptBytes <= 8L << 20);
        again.Dispose();
        buffered.Dispose();
        Assert.True(factory.Buffers.KeptBytes <= 8L << 20);
        Assert.Equal(0, factory.Buffers.InUseBytes);
    }

    [Fact]
    public void SixteenRecordingsTogetherHoldNoMoreThanTheBudget()
    {
        using var store = new StoreFixture("/dev/shm", paths: new WritePathOptions { BufferBudgetBytes = 16L << 20 });
        var recs = new List<Recording>();
        for (int i = 0; i < 16; i++) recs.Add(store.Begin($"r{i}.ts", WritePathKind.Direct));
        // Joining one after another: the first take their full 4 MiB while the budget lasts, the rest
        // get their share or the floor; in use stays within the budget plus the floors.
        long total = recs.Sum(r => SizeOf(r.PathLabel));
        Assert.True(total <= (16L << 20) + 16 * BufferBudget.MinGrantBytes, $"{total} bytes of buffers: {string.Join(' ', recs.Select(r => r.PathLabel))}");
        Assert.Contains(recs, r => r.PathLabel == "direct/4M");
        foreach (var r in recs) r.Dispose();
        Assert.Equal(0, store.Store.ActiveCount);
    }

    private static long SizeOf(string label) =>
        SizeText.TryParse(label[(label.IndexOf('/') + 1)..], out int n) ? n : throw new FormatException(label);

    [Fact]
    public void ASplicePipeIsReusedOnlyEmpty()
    {
        var pool = new SplicePipePool(maxKept: 2);
        var pipe = SplicePipe.TryCreate(1 << 20, out _)!;
        pool.Give(pipe);
        Assert.Equal(1, pool.Kept);
        Assert.Same(pipe, pool.TryTake(1 << 20));
        Assert.Null(pool.TryTake(1 << 20));
        pipe.Held = 10; // bytes still in it: never kept
        pool.Give(pipe);
        Assert.Equal(0, pool.Kept);
    }
}
