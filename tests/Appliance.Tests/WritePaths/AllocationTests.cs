using System.Net.Sockets;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// The steady-state data path allocates nothing per chunk: 1 GiB through each path, counting the
/// receiving thread's managed allocations. A fixed small constant is allowed (first-use lazies).
/// </summary>
public class AllocationTests : WritePathTestBase
{
    private const long GiB = 1L << 30;
    private const long AllowedBytes = 4096;

    /// <summary>
    /// Enough spans for tiered compilation to promote the data path (30 calls), and time for its
    /// background worker: a tier-up landing inside the measured GiB allocates on this thread and
    /// made the test flaky under a loaded machine.
    /// </summary>
    private const long Warmup = 256L << 20;
    private const int TierUpMs = 300;

    private static Task SendZerosAsync(Socket client, long length) => Task.Factory.StartNew(() =>
    {
        var buf = new byte[1 << 20];
        for (long sent = 0; sent < length;)
            sent += client.Send(buf, 0, (int)Math.Min(buf.Length, length - sent), SocketFlags.None);
    }, TaskCreationOptions.LongRunning);

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void OneGibThroughAWritePathAllocatesNothingPerChunk(WritePathKind kind)
    {
        using var dir = new TempDir("/dev/shm");
        using var file = OpenFile(dir.File("alloc.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var sender = SendZerosAsync(pair.Client, GiB + Warmup);
        for (long off = 0; off < Warmup; off += 4 << 20) Assert.True(path.Move(pair.ServerFd, file, off, 4 << 20).IsCompleted);
        Thread.Sleep(TierUpMs);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = path.Move(pair.ServerFd, file, Warmup, GiB);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.IsCompleted);
        sender.Wait();
        Assert.True(allocated <= AllowedBytes, $"{kind}: {allocated} bytes allocated for 1 GiB");
    }

    [Fact]
    public void OneGibThroughARecordingAllocatesOnlyPerCommit()
    {
        // One commit (a manifest of ~1 KiB) at the end; 4 MiB windows and 256 KiB chunks in between.
        using var store = new StoreFixture("/dev/shm", commitInterval: 2 * GiB);
        using var pair = new LoopbackPair();
        var sender = SendZerosAsync(pair.Client, GiB + Warmup);
        using var rec = store.Begin("alloc.ts", WritePathKind.Buffered);
        Assert.True(rec.Receive(pair.ServerFd, Warmup).IsCompleted);
        Thread.Sleep(TierUpMs);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = rec.Receive(pair.ServerFd, GiB);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(result.IsCompleted);
        sender.Wait();
        rec.Finish(RecordingStates.Complete, null);
        Assert.True(allocated <= AllowedBytes, $"{allocated} bytes allocated for 1 GiB through a recording");
    }
}
