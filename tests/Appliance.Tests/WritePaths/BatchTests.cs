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
