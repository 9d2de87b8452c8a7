using System.Diagnostics;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// Batched wakeups on real loopback sockets and real files: a batch never waits past the bytes the
/// span still expects, nor past the latency bound; a live-like sender wakes the receiver per batch,
/// not per segment; every path stays byte-exact.
/// </summary>
public class BatchTests : WritePathTestBase
{
    private const int Batch = 256 * 1024;

    public static TheoryData<WritePathKind> Kinds => [.. AllKinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void TheLastBytesOfASpanDoNotWaitForABatchOrTheBound(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("end.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var batch = new SocketBatch(Batch, latencyMs: 5000);
        // 1000 bytes, far below the batch, and the sender then goes quiet with the connection open.
        pair.SendPatternAsync(0, 1000, [1000]).Wait();
        batch.Begin(pair.ServerFd);
        var clock = Stopwatch.StartNew();
        var r = path.Move(pair.ServerFd, file, 0, 1000, batch);
        batch.Release(pair.ServerFd);
        Assert.Equal(new MoveResult(1000, MoveStatus.Completed), r);
        Assert.True(clock.ElapsedMilliseconds < 1000, $"{kind}: the span's last 1000 bytes waited {clock.ElapsedMilliseconds} ms");
        Assert.Equal(Pattern.Sha256(1000), Pattern.FileSha256(dir.File("end.ts")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AStalledSendersBytesReachTheFileWithinTheBound(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("stall.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var batch = new SocketBatch(Batch, latencyMs: 300);
        pair.SendPatternAsync(0, 10_007, [10_007]).Wait(); // then nothing: a stalled live sender
        batch.Begin(pair.ServerFd);
        var clock = Stopwatch.StartNew();
        var r = path.Move(pair.ServerFd, file, 0, 1 << 20, batch);
        long ms = clock.ElapsedMilliseconds;
        batch.Release(pair.ServerFd);
        Assert.Equal(new MoveResult(10_007, MoveStatus.Due), r);
        Assert.InRange(ms, 250, 1500);
        Assert.Equal(Pattern.Sha256(10_007), Pattern.FileSha256(dir.File("stall.ts")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ALiveSenderWakesTheReceiverPerBatchNotPerSegment(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("live.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var batch = new SocketBatch(Batch, latencyMs: 5000);
        const int Segments = 800, Segment = 1316; // 7 TS packets a send, ~1 MiB in all
        const long Total = (long)Segments * Segment;
        var sender = pair.SendPatternAsync(0, Total, [Segment], delayMs: 1);
        batch.Begin(pair.ServerFd);
        long moved = 0;
        while (moved < Total)
        {
            var r = path.Move(pair.ServerFd, file, moved, Total - moved, batch);
            moved += r.Moved;
            Assert.True(r.Status is MoveStatus.Completed or MoveStatus.Due, $"{kind}: {r}");
        }
        batch.Release(pair.ServerFd);
        sender.Wait();
        Assert.Equal(Pattern.Sha256(Total), Pattern.FileSha256(dir.File("live.ts")));
        // ~1 MiB in 256 KiB batches: a handful of waits (plus the span's end), never one per segment.
        Assert.True(batch.Waits <= 16, $"{kind}: {batch.Waits} waits for {Segments} segments");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void YoungBytesStayQueuedAtAMovesBoundAndEveryByteReadIsOnFileWhenItReturns(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("young.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var batch = new SocketBatch(8000, latencyMs: 400);
        var clock = Stopwatch.StartNew();
        batch.Begin(pair.ServerFd);
        // t=0: 5000 bytes (below the batch): read at their bound, 400 ms, and the first Move returns.
        // t=500: a batch of 8000 wakes the second Move; t=600: 3000 more, younger than the bound
        // when that Move's own bound comes (~800): they stay queued, and the third Move reads them
        // at their bound (~900, 400 ms after the read that drained the socket at ~500).
        pair.SendPatternAsync(0, 5000, [5000]).Wait();
        // A thread of its own: a thread-pool task started as late as 815 ms here (the pool growing in
        // the first case of the theory), after the second Move's bound.
        var sender = Task.Factory.StartNew(() =>
        {
            Thread.Sleep(Math.Max(0, 500 - (int)clock.ElapsedMilliseconds));
            pair.SendPatternAsync(5000, 8000, [8000]).Wait();
            Thread.Sleep(Math.Max(0, 600 - (int)clock.ElapsedMilliseconds));
            pair.SendPatternAsync(13_000, 3000, [3000]).Wait();
        }, TaskCreationOptions.LongRunning);
        var first = path.Move(pair.ServerFd, file, 0, 1 << 20, batch);
        Assert.Equal(new MoveResult(5000, MoveStatus.Due), first);
        Assert.Equal(Pattern.Sha256(5000), Pattern.FileSha256(dir.File("young.ts")));
        var second = path.Move(pair.ServerFd, file, 5000, 1 << 20, batch);
        Assert.Equal(new MoveResult(8000, MoveStatus.Due), second);
        Assert.Equal(Pattern.Sha256(13_000), Pattern.FileSha256(dir.File("young.ts")));
        sender.Wait();
        var third = path.Move(pair.ServerFd, file, 13_000, 1 << 20, batch);
        long ms = clock.ElapsedMilliseconds;
        batch.Release(pair.ServerFd);
        Assert.Equal(new MoveResult(3000, MoveStatus.Due), third);
        Assert.InRange(ms, 850, 2000);
        Assert.Equal(Pattern.Sha256(16_000), Pattern.FileSha256(dir.File("young.ts")));
    }

    [Fact]
    public void DirectKeepsAMovesSubBlockTailAndWritesTheNextMoveFromItsBlock()
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("tail.ts"));
        using var pair = new LoopbackPair();
        using var path = (DirectWritePath)Create(WritePathKind.Direct);
        var batch = new SocketBatch(Batch, latencyMs: 150);
        batch.Begin(pair.ServerFd);
        // Moves that end at the bound mid-block, three times: after the first, every write starts
        // at the held tail's block, so no unaligned piece is read or written on its own.
        long moved = 0;
        int[] pieces = [10_007, 70_001, 5_003];
        foreach (int n in pieces)
        {
            pair.SendPatternAsync(moved, n, [1316]).Wait();
            var r = path.Move(pair.ServerFd, file, moved, 1 << 20, batch);
            Assert.Equal(new MoveResult(n, MoveStatus.Due), r);
            moved += n;
            Assert.Equal(Pattern.Sha256(moved), Pattern.FileSha256(dir.File("tail.ts")));
        }
        batch.Release(pair.ServerFd);
        // Buffered bytes are exactly each Move's new sub-block tail, never a head piece before a
        // block boundary (before the held tail, every Move after the first also wrote one).
        long tails = 0, end = 0;
        foreach (int n in pieces) tails += (end += n) % DirectWritePath.Block;
        Assert.Equal(tails, path.BufferedBytes);
    }

    [Fact]
    public void AfterABodySpanTheSocketIsBlockingAgainWithoutALowWatermark()
    {
        using var pair = new LoopbackPair(receiveTimeoutMs: 2000);
        var batch = new SocketBatch(Batch, latencyMs: 200);
        batch.Begin(pair.ServerFd);
        Assert.False(batch.WaitReadable(pair.ServerFd, 1 << 20)); // nothing sent: the bound passes
        batch.Release(pair.ServerFd);
        // A chunk line of 7 bytes must be readable at once, by a blocking read.
        pair.SendPatternAsync(0, 7, [7]).Wait();
        var clock = Stopwatch.StartNew();
        Assert.Equal(7, ReadRaw(pair.ServerFd, 7).Length);
        Assert.True(clock.ElapsedMilliseconds < 500, $"a 7-byte read waited {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void ARecordingWhoseSenderStallsEndsAtTheIdleTimeoutWithEveryByteInTheFile()
    {
        using var store = new StoreFixture(paths: new WritePathOptions { BatchBytes = Batch, BatchLatencyMs = 200 });
        using var pair = new LoopbackPair();
        pair.SendPatternAsync(0, 50_000, [1316]).Wait();
        using var rec = store.Begin("idle.ts", WritePathKind.Buffered);
        var clock = Stopwatch.StartNew();
        var r = rec.Receive(pair.ServerFd, 1 << 20, idleTimeoutMs: 1000);
        Assert.Equal(MoveStatus.TimedOut, r.Status);
        Assert.Equal(50_000, r.Moved);
        Assert.InRange(clock.ElapsedMilliseconds, 900, 3000);
        rec.Finish(RecordingStates.Interrupted, "test");
        Assert.Equal(50_000, store.Store.Find("idle.ts")!.CommittedLength);
        Assert.Equal(Pattern.Sha256(50_000), Pattern.FileSha256(store.Store.Paths.Data("idle.ts")));
    }
}
