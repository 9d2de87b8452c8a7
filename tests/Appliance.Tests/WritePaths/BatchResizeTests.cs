using System.Diagnostics;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// SocketBatch's two rules still hold after its batch changes between Moves (a switch to a candidate
/// with another "@batch"): a batch never waits past the bytes the span still expects, nor past the
/// latency bound; the new batch is what the socket waits for (SO_RCVLOWAT, read back with getsockopt).
/// </summary>
public class BatchResizeTests : WritePathTestBase
{
    public static TheoryData<WritePathKind> Kinds => [.. AllKinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AfterAResizeTheSpansLastBytesDoNotWait(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("end.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var batch = new SocketBatch(16 << 10, latencyMs: 5000);
        pair.SendPatternAsync(0, 64 << 10, [64 << 10]).Wait();
        batch.Begin(pair.ServerFd);
        Assert.Equal(new MoveResult(64 << 10, MoveStatus.Completed), path.Move(pair.ServerFd, file, 0, 64 << 10, batch));
        Assert.Equal(16 << 10, pair.ServerReceiveLowWater);
        // The selector moved to a 1 MiB batch; the span's last 1000 bytes are all that will come.
        batch.UseBatch(1 << 20);
        pair.SendPatternAsync(64 << 10, 1000, [1000]).Wait();
        var clock = Stopwatch.StartNew();
        var r = path.Move(pair.ServerFd, file, 64 << 10, 1000, batch);
        long ms = clock.ElapsedMilliseconds;
        Assert.Equal(1000, pair.ServerReceiveLowWater); // capped at what the read expects
        batch.Release(pair.ServerFd);
        Assert.Equal(new MoveResult(1000, MoveStatus.Completed), r);
        Assert.True(ms < 1000, $"{kind}: the span's last 1000 bytes waited {ms} ms after the resize");
        Assert.Equal(Pattern.Sha256((64 << 10) + 1000), Pattern.FileSha256(dir.File("end.ts")));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AfterAResizeAStalledSendersBytesReachTheFileWithinTheBound(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("stall.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var batch = new SocketBatch(16 << 10, latencyMs: 300);
        pair.SendPatternAsync(0, 32 << 10, [32 << 10]).Wait();
        batch.Begin(pair.ServerFd);
        Assert.Equal(new MoveResult(32 << 10, MoveStatus.Completed), path.Move(pair.ServerFd, file, 0, 32 << 10, batch));
        batch.UseBatch(1 << 20);
        pair.SendPatternAsync(32 << 10, 10_007, [10_007]).Wait(); // then nothing: a stalled live sender
        var clock = Stopwatch.StartNew();
        var r = path.Move(pair.ServerFd, file, 32 << 10, 8 << 20, batch);
        long ms = clock.ElapsedMilliseconds;
        int lowat = pair.ServerReceiveLowWater;
        batch.Release(pair.ServerFd);
        Assert.Equal(new MoveResult(10_007, MoveStatus.Due), r);
        Assert.InRange(ms, 250, 1500);
        Assert.True(lowat > 16 << 10, $"{kind}: SO_RCVLOWAT {lowat} after the resize to 1 MiB");
        Assert.Equal(Pattern.Sha256((32 << 10) + 10_007), Pattern.FileSha256(dir.File("stall.ts")));
    }
}
