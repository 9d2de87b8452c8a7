using System.Text.Json;
using Recd.Platform;
using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Platform;

/// <summary>
/// A commit's FUSE server CPU (exfat-fuse answers fsync by writing back its whole block device) is no
/// window's, against a real exfat-fuse mount on a loop device. Before, it went to whichever windows
/// were open then: the last 4 MiB windows of four 256 MiB recordings measured 4-35 ns/B of server CPU
/// against 0.4-0.9 for every other window, and the selector's figures and learned costs took it at random.
/// </summary>
[Collection("exfat-fuse")]
public class FuseServerCommitTests(Selection.ExfatFuseFixture fixture)
{
    private const int Mi = 1 << 20;

    [ExfatFact]
    public void AnotherRecordingsCommitIsNotChargedToTheWindowOpenMeanwhile()
    {
        using var f = new StoreFixture(fixture.Loop.MountPoint, commitInterval: 1L << 40);
        var fuse = f.Store.Selection.Fuse;
        Assert.NotNull(fuse);
        using var pairA = new LoopbackPair();
        using var pairB = new LoopbackPair();
        var senderA = pairA.SendPatternAsync(0, 8 * Mi, [256 * 1024], seed: 3);
        var senderB = pairB.SendPatternAsync(0, 160 * Mi, [256 * 1024], seed: 4);
        var b = f.Begin("b.ts", WritePathKind.Buffered);
        var a = f.Begin("a.ts", WritePathKind.Buffered);
        long spentInCommit, unmetered;
        try
        {
            // B writes 160 MiB, left dirty in the loop device under exfat-fuse.
            Assert.True(b.Receive(pairB.ServerFd, 160 * Mi).IsCompleted);
            // A's window opens with 4 MiB (it closes at 8 MiB)...
            Assert.True(a.Receive(pairA.ServerFd, 4 * Mi).IsCompleted);
            // ...and B commits meanwhile: fdatasync, exfat-fuse's fsync of the device, the manifest.
            long before = fuse.CpuNanoseconds(), u0 = fuse.UnmeteredNanoseconds();
            Assert.Equal(0, b.Finish(RecordingStates.Complete, null));
            spentInCommit = fuse.CpuNanoseconds() - before;
            unmetered = fuse.UnmeteredNanoseconds() - u0;
            // A's window closes with its next 4 MiB.
            Assert.True(a.Receive(pairA.ServerFd, 4 * Mi).IsCompleted);
            senderA.Wait();
            senderB.Wait();
            Assert.Equal(0, a.Finish(RecordingStates.Complete, null));
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
        var ma = Manifest(f, "a.ts");
        var mb = Manifest(f, "b.ts");
        double rateB = (double)mb.GetProperty("fuseServerCpuNs").GetInt64() / mb.GetProperty("meteredBytes").GetInt64();
        long chargedA = ma.GetProperty("fuseServerCpuNs").GetInt64();
        double rateA = (double)chargedA / ma.GetProperty("meteredBytes").GetInt64();
        // The test can tell: charged to A's 8 MiB window, the commit would at least double it (B's rate
        // plus slack). How much of B's writeback is left for the commit moves with timing: 15-31 ms of
        // server CPU measured here, B's windows 0.39-1.1 ns/B, so the bound is relative to both.
        double commitPerByte = (double)spentInCommit / (8 * Mi);
        Assert.True(commitPerByte > rateB + 0.2, $"the commit cost the server {spentInCommit} ns; B's windows {rateB:F3} ns/B");
        Assert.True(rateA > 0, "A's window carries its own share");
        // Less than half of the commit's cost reached A's window (all of it would add commitPerByte).
        Assert.True(rateA < rateB + 0.2 + 0.5 * commitPerByte, $"A's window {rateA:F3} ns/B of server CPU, B's windows {rateB:F3}; the commit cost {spentInCommit} ns");
        Assert.True(unmetered >= spentInCommit * 0.9, $"{unmetered} ns of the commit's {spentInCommit} ns left out of windows");
    }

    [ExfatFact]
    public void TheMeteredClockStandsStillInACommitAndRunsOnAfter()
    {
        var fuse = new SelectionContext(new SelectorOptions(), new WritePathFactory(new WritePathOptions()), fixture.Loop.MountPoint, null).Fuse!;
        string path = Path.Combine(fixture.Loop.MountPoint, $"clock-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(path, new byte[32 * Mi]); // dirty in the device: the fsync below has work to do
            long m0 = fuse.MeteredNanoseconds(), c0 = fuse.CpuNanoseconds();
            fuse.BeginUnmetered();
            fuse.BeginUnmetered(); // a second recording's overlapping commit: one span
            using (var s = new FileStream(path, FileMode.Open)) s.Flush(flushToDisk: true);
            long during = fuse.MeteredNanoseconds();
            fuse.EndUnmetered();
            Assert.Equal(during, fuse.MeteredNanoseconds()); // still inside the outer one
            fuse.EndUnmetered();
            long c1 = fuse.CpuNanoseconds();
            Assert.True(c1 > c0, "the fsync cost the server nothing: the test cannot tell");
            Assert.True(during - m0 <= (c1 - c0) / 4, $"metered {during - m0} ns while the commit cost {c1 - c0} ns");
            // Outside a commit the metered clock runs with the server's again.
            File.WriteAllBytes(path, new byte[8 * Mi]);
            long m1 = fuse.MeteredNanoseconds(), c2 = fuse.CpuNanoseconds();
            Assert.True(m1 > during, "the metered clock runs again");
            Assert.True(m1 - m0 <= c2 - c0 - (c1 - c0) / 2, $"metered {m1 - m0} ns of the server's {c2 - c0} ns, {c1 - c0} of them in the commit");
            fuse.EndUnmetered(); // unbalanced: ignored, not negative
            Assert.True(fuse.MeteredNanoseconds() >= m1);
        }
        finally { File.Delete(path); }
    }

    private static JsonElement Manifest(StoreFixture f, string name) =>
        JsonDocument.Parse(File.ReadAllText(f.Store.Paths.Manifest(name))).RootElement.Clone();
}
