using Recd.Calibration;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Calibration;

/// <summary>The measurements themselves, on ext4 (/tmp), kept short: each primitive 50 ms, each trial well under a second.</summary>
public sealed class PrimitiveAndTrialTests
{
    [Fact]
    public void EveryPrimitiveMeasuresBytesOnExt4AndLeavesNoFile()
    {
        using var dir = new TempDir();
        var p = CopyPrimitives.Measure(dir.Path, TimeSpan.FromMilliseconds(50), 16 << 20);
        foreach (var (name, f) in TunedProfileWriter.Named(p))
        {
            Assert.True(f.Error is null, $"{name}: {f.Error}");
            Assert.True(f.Bytes > 0 && f.MiBps > 0 && f.CpuNsPerByte > 0, $"{name}: {f.Bytes} B {f.MiBps} MiB/s {f.CpuNsPerByte} ns/B");
        }
        // File primitives stop at the byte cap (a block past it at most): a fast disk does not fill with scratch data.
        Assert.True(p.PageCacheWrite.Bytes <= (16 << 20) + CopyPrimitives.Block);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ARefusedPrimitiveSaysWhyInsteadOfAFigure()
    {
        var p = CopyPrimitives.Measure("/nonexistent-recd-dir", TimeSpan.FromMilliseconds(20), 4 << 20);
        Assert.Contains("ENOENT", p.PageCacheWrite.Error);
        Assert.Equal(0, p.PageCacheWrite.Bytes);
        Assert.Null(p.Memcpy.Error); // the memory primitives need no folder
    }

    [Theory]
    [InlineData(WritePathKind.Buffered, 256 << 10)]
    [InlineData(WritePathKind.Splice, 1 << 20)]
    [InlineData(WritePathKind.Direct, 1 << 20)]
    public void ABulkTrialIsMeasuredByTheCostMeterAndItsFileRemoved(WritePathKind kind, int size)
    {
        using var dir = new TempDir();
        string file = dir.File("trial.ts");
        var r = PathTrial.Run(new PathChoice(kind, size), SenderShape.Bulk, 0, new WritePathOptions(), file,
            TimeSpan.FromMilliseconds(300), 64 << 20, windowBytes: 1 << 20, windowMs: 100, CancellationToken.None);
        Assert.True(r.Ok, r.Summary);
        Assert.True(r.Windows >= 2, $"{r.Windows} windows");
        Assert.True(r.Bytes >= 2 << 20 && r.Bytes <= 64 << 20, $"{r.Bytes} bytes");
        Assert.True(r.NsPerByte is > 0 and < 1000, $"{r.NsPerByte} ns/B");
        Assert.False(File.Exists(file));
    }

    [Fact]
    public void ALiveTrialWithABatchWaitsForBatchesAndWithoutOneNever()
    {
        using var dir = new TempDir();
        var choice = new PathChoice(WritePathKind.Buffered, 256 << 10);
        TrialResult Live(int batch) => PathTrial.Run(choice, SenderShape.Live, batch, new WritePathOptions(), dir.File("live.ts"),
            TimeSpan.FromMilliseconds(1200), 64 << 20, windowBytes: 8 << 20, windowMs: 300, CancellationToken.None);
        var batched = Live(64 << 10);
        Assert.True(batched.Ok, batched.Summary);
        Assert.True(batched.BatchWaits > 0);
        // ~10 Mbit/s: 1.25 MB/s; windows close on time, so wall time includes the waits.
        Assert.True(batched.MBps is > 0.5 and < 3, $"{batched.MBps} MB/s");
        var plain = Live(0);
        Assert.Equal(0, plain.BatchWaits);
        Assert.Equal("live buffered/256K batch off", plain.Key);
        Assert.Equal("live buffered/256K batch 64K", batched.Key);
    }
}

/// <summary>What a run measures, from the profile.</summary>
public sealed class CandidatePlanTests
{
    [Fact]
    public void SizesAboveTheProfilesOwnMustFitEachRecordingsShareOfTheBudget()
    {
        // generic-arm64's shape: 8 MiB budget, 4 recordings (2 MiB each), O_DIRECT 1 MiB "not 4: RAM".
        var p = new Recd.Board.BoardProfile();
        p.WritePaths.BufferBudgetBytes = 8 << 20;
        p.WritePaths.DirectBufferBytes = 1 << 20;
        p.WritePaths.ReceiveBufferBytes = 1 << 20;
        p.Storage.MaxActiveRecordings = 4;
        p.Selector.Candidates = ["buffered/256K", "splice/1M", "direct/1M"];
        var plan = CandidatePlan.For(p);
        var labels = plan.Bulk.Select(c => c.Label).ToList();
        Assert.Contains("direct/1M", labels);
        Assert.DoesNotContain("direct/4M", labels);
        Assert.Contains("buffered/1M", labels);
        Assert.Equal([0, 64 << 10, 256 << 10], plan.Batches); // at most half of ReceiveBufferBytes (truesize)

        // The host's: 16 MiB for 16 recordings, but direct/4M is the profile's own size: measured.
        var host = new Recd.Board.BoardProfile();
        host.Selector.Candidates = ["direct/4M", "splice/1M", "buffered/256K"];
        Assert.Contains("direct/4M", CandidatePlan.For(host).Bulk.Select(c => c.Label));
    }
}
