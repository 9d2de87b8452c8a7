using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// Shares follow the streams (BufferBudget.Regrant, IWritePath.FitBudget): buffers the first streams
/// took shrink to the share at their next window and grow back when streams leave, and a direct
/// buffer regranted under its held tail still writes the file byte for byte.
/// </summary>
public class BufferRegrantTests : WritePathTestBase
{
    [Fact]
    public void BuffersTheFirstStreamsTookShrinkToTheShareAndGrowBackWhenStreamsLeave()
    {
        var factory = new WritePathFactory(new WritePathOptions { BufferBudgetBytes = 16L << 20 });
        var paths = new List<IWritePath>();
        for (int i = 0; i < 4; i++) { factory.Buffers.Join(); paths.Add(factory.Create(WritePathKind.Direct)); }
        Assert.All(paths, p => Assert.Equal("direct/4M", p.Label)); // four took the whole budget
        for (int i = 4; i < 16; i++) { factory.Buffers.Join(); paths.Add(factory.Create(WritePathKind.Direct)); }
        Assert.Equal("direct/64K", paths[^1].Label); // it was spent: the floor
        // A window each, in turn: the first shrink to the share, the last grow into what they freed.
        for (int round = 0; round < 2; round++)
            foreach (var p in paths) p.FitBudget();
        Assert.All(paths, p => Assert.Equal("direct/1M", p.Label));
        Assert.True(factory.Buffers.InUseBytes + factory.Buffers.KeptBytes <= 16L << 20);
        for (int i = paths.Count - 1; i >= 2; i--) { paths[i].Dispose(); paths.RemoveAt(i); factory.Buffers.Leave(); }
        foreach (var p in paths) p.FitBudget();
        Assert.All(paths, p => Assert.Equal("direct/4M", p.Label));
        foreach (var p in paths) { p.Dispose(); factory.Buffers.Leave(); }
        Assert.Equal(0, factory.Buffers.InUseBytes);
    }

    [Theory]
    [InlineData(WritePathKind.Direct, "/tmp")]
    [InlineData(WritePathKind.Direct, "/dev/shm")]
    [InlineData(WritePathKind.Buffered, "/tmp")]
    public void ABufferRegrantedBetweenMovesLeavesTheFileExact(WritePathKind kind, string fs)
    {
        var factory = new WritePathFactory(new WritePathOptions { BufferBudgetBytes = 8L << 20, DirectBufferBytes = 4 << 20, BufferBytes = 4 << 20 });
        factory.Buffers.Join();
        using var dir = new TempDir(fs);
        using var file = OpenFile(dir.File("rec.ts"));
        using var pair = new LoopbackPair();
        var path = factory.Create(kind);
        const long Size = (3L << 20) + 12345;
        const int Piece = 700_001; // odd: every Move ends inside a block, its tail held at the buffer's front
        var sender = pair.SendPatternAsync(0, Size, [65536, 1000, 7, 131072, 4096]);
        var labels = new HashSet<string> { path.Label };
        long at = 0;
        for (int step = 0; at < Size; step++)
        {
            long n = Math.Min(Piece, Size - at);
            var r = path.Move(pair.ServerFd, file, at, n);
            Assert.Equal(new MoveResult(n, MoveStatus.Completed), r);
            at += n;
            // Streams join and leave between the Moves: the buffer changes size under the tail.
            for (int k = 0; k < 7; k++) { if (step % 2 == 0) factory.Buffers.Join(); else factory.Buffers.Leave(); }
            path.FitBudget();
            labels.Add(path.Label);
        }
        sender.Wait();
        path.Dispose();
        Assert.True(labels.Count >= 2, $"the buffer never changed size: {string.Join(' ', labels)}");
        Assert.Equal(Size, new FileInfo(file.Path).Length);
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(file.Path));
    }
}
