using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// A recording switches write path between spans at arbitrary (also unaligned) offsets and not one
/// byte is lost, duplicated or reordered; the manifest accounts every byte to the path that moved it.
/// </summary>
public class MidStreamSwitchTests
{
    public static TheoryData<string, string> Sequences() => new()
    {
        { "/tmp", "buffered:1,splice:4095,direct:65537,buffered:1048583,splice:4096,direct:7" },
        { "/tmp", "direct:4097,splice:1,direct:8388608,buffered:12345,direct:4096" },
        { "/dev/shm", "splice:65537,direct:1048583,splice:3,buffered:4093,splice:2097152" },
        { "/dev/shm", "direct:1,direct:4095,buffered:65536,direct:65537,splice:1" },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void SwitchingPathsMidStreamIsByteExact(string fs, string sequence)
    {
        var steps = sequence.Split(',').Select(s => s.Split(':')).Select(p => (Kind: Enum.Parse<WritePathKind>(p[0], true), Bytes: long.Parse(p[1]))).ToArray();
        long total = steps.Sum(s => s.Bytes);
        using var store = new StoreFixture(fs);
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, total, [65536, 333, 1 << 20]);

        using (var rec = store.Begin("switch.ts", steps[0].Kind))
        {
            foreach (var (kind, bytes) in steps)
            {
                if (kind != rec.PathKind) rec.SwitchTo(kind);
                var r = rec.Receive(pair.ServerFd, bytes);
                Assert.Equal(MoveStatus.Completed, r.Status);
                Assert.Equal(bytes, r.Moved);
            }
            Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        }
        sender.Wait();

        var m = store.Store.Find("switch.ts")!;
        Assert.Equal(RecordingStates.Complete, m.State);
        Assert.Equal(total, m.CommittedLength);
        Assert.Equal(total, m.BytesByPath!.Values.Sum());
        Assert.Equal(Pattern.Sha256(total), Pattern.FileSha256(store.Store.Paths.Data("switch.ts")));
    }

    [Fact]
    public void RecordingFallsBackToBufferedWhenDirectIsRefused()
    {
        using var store = new StoreFixture();
        using var pair = new LoopbackPair();
        const long Size = (5L << 20) + 77;
        var sender = pair.SendPatternAsync(0, Size, [65536]);
        using (var rec = store.Begin("fallback.ts", WritePathKind.Direct))
        {
            rec.FileForTesting.RefuseDirectForTesting(Recd.Interop.Libc.EINVAL);
            var r = rec.Receive(pair.ServerFd, Size);
            Assert.Equal(new MoveResult(Size, MoveStatus.Completed), r);
            Assert.StartsWith("buffered/", rec.PathLabel);
            rec.Finish(RecordingStates.Complete, null);
        }
        sender.Wait();
        var m = store.Store.Find("fallback.ts")!;
        Assert.Contains("fell back to buffered", m.Reason);
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Store.Paths.Data("fallback.ts")));
    }
}
