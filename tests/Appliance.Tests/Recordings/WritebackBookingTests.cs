using Recd.Interop;
using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// The cost meter books the writeback a page-cache path leaves to the commit's fdatasync (on the
/// transfer thread, outside the write-path calls) into the windows whose bytes it writes back, priced
/// from what the syncs measured; an O_DIRECT window books none. Real files on ext4, real loopback.
/// </summary>
public class WritebackBookingTests
{
    private const long Mi = 1 << 20;

    [Fact]
    public unsafe void AKnownExtraCostInASyncIsBookedPerPageCacheByteOfTheNextWindow()
    {
        string path = Path.Combine("/tmp", $"recd-wb-{Guid.NewGuid():N}");
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        Assert.True(fd >= 0);
        var block = new byte[Mi];
        new Random(3).NextBytes(block);
        try
        {
            var meter = new CostMeter(2 * Mi, 60_000);
            meter.BeginSync();
            meter.EndSync();                         // nothing written yet: the clean sync's cost
            long clean = meter.SyncCpuNs;

            long offset = 0;
            CostSample Window(bool cached)
            {
                for (int i = 0; ; i++)
                {
                    meter.Begin(throughPageCache: cached);
                    fixed (byte* p = block) Assert.Equal(block.Length, (int)Libc.PWrite(fd, p, (nuint)block.Length, offset));
                    offset += block.Length;
                    if (meter.End(block.Length, fd, out var s)) return s;
                }
            }

            var first = Window(cached: true);
            Assert.Equal(2 * Mi, first.Bytes);
            // The known extra cost: a real fdatasync of the 2 MiB the window left dirty, plus 20 ms of spinning.
            long outer0 = Libc.ThreadCpuNanoseconds();
            meter.BeginSync();
            Assert.Equal(0, Libc.FDataSync(fd));
            long spin0 = Libc.ThreadCpuNanoseconds();
            while (Libc.ThreadCpuNanoseconds() - spin0 < 20_000_000) { }
            meter.EndSync();
            long outer = Libc.ThreadCpuNanoseconds() - outer0;
            long measured = meter.SyncCpuNs - clean;
            Assert.InRange(measured, 20_000_000, outer);
            Assert.Equal((measured - clean) / (double)(2 * Mi), meter.SyncNsPerByte, 6);

            var second = Window(cached: true);
            Assert.Equal((long)(second.Bytes * meter.SyncNsPerByte), second.WritebackNs);
            Assert.InRange(second.WritebackNs, 20_000_000 - clean, outer);    // the same 2 MiB again: the whole sync's cost
            Assert.Equal(second.ThreadCpuNs + second.WritebackNs, second.CostNs(CostViews.Thread));
            Assert.Equal(second.SystemBusyNs, second.CostNs(CostViews.System));

            var direct = Window(cached: false);
            Assert.Equal(0, direct.WritebackNs);
        }
        finally
        {
            Libc.Close(fd);
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void ARecordingOverLoopbackBooksItsCommitsWritebackOnlyOnPageCachePaths(WritePathKind kind)
    {
        // Commits every 4 MiB, windows of 8 MiB: every window's bytes are written back by two commits' fdatasync.
        const long Size = 48 * Mi;
        using var store = new StoreFixture("/tmp", commitInterval: 4 * Mi);
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, Size, [65536, 1316]);
        using (var rec = store.Begin("wb.ts", kind))
        {
            Assert.Equal(new MoveResult(Size, MoveStatus.Completed), rec.Receive(pair.ServerFd, Size));
            Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        }
        sender.Wait();
        var m = store.Store.Find("wb.ts")!;
        Assert.Equal(Size, m.CommittedLength);
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Store.Paths.Data("wb.ts")));
        Assert.True(m.SyncCpuNs > 0, "12 commits' fdatasync measured on the transfer thread");
        Assert.True(m.MeteredBytes >= 32 * Mi, $"metered {m.MeteredBytes}");
        if (kind == WritePathKind.Direct)
        {
            Assert.Equal(0, m.WritebackCpuNs);
            return;
        }
        // What the windows booked is what the syncs cost beyond a clean sync, give or take the price's
        // smoothing and the last (unmetered) window: never more than every sync together, and some of it.
        Assert.True(m.WritebackCpuNs > 0, $"booked {m.WritebackCpuNs} ns of {m.SyncCpuNs} ns of syncs");
        Assert.True(m.WritebackCpuNs <= 2 * m.SyncCpuNs, $"booked {m.WritebackCpuNs} ns of {m.SyncCpuNs} ns of syncs");
    }
}
