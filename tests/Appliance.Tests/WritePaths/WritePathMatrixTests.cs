using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// Every path x {ext4, tmpfs} x odd sizes: the file is sha256-exact and the path never reads past its
/// span (the bytes after it, here 37 of them, must still be in the socket for the next chunk line).
/// </summary>
public class WritePathMatrixTests : WritePathTestBase
{
    public static readonly long[] Sizes = [1, 4095, 4096, 65537, (1 << 20) + 7, (64L << 20) + 13];

    public static TheoryData<WritePathKind, string, long> Matrix()
    {
        var data = new TheoryData<WritePathKind, string, long>();
        foreach (var kind in AllKinds)
            foreach (var fs in Filesystems)
                foreach (var size in Sizes)
                    data.Add(kind, fs, size);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void MovesExactlyTheSpan(WritePathKind kind, string fs, long size)
    {
        using var dir = new TempDir(fs);
        using var file = OpenFile(dir.File("rec.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        const int After = 37;
        var sender = pair.SendPatternAsync(0, size + After, [65536, 1000, 7, 131072, 4096]);

        var result = path.Move(pair.ServerFd, file, 0, size);

        Assert.Equal(MoveStatus.Completed, result.Status);
        Assert.Equal(size, result.Moved);
        var rest = ReadRaw(pair.ServerFd, After);
        var expected = new byte[After];
        Pattern.Fill(expected, size);
        Assert.Equal(expected, rest);
        sender.Wait();
        Assert.Equal(size, new FileInfo(file.Path).Length);
        Assert.Equal(Pattern.Sha256(size), Pattern.FileSha256(file.Path));
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void UnalignedStartOffsetIsExact(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("rec.ts"));
        const long Start = 5000, Size = (3L << 20) + 333;
        var head = new byte[Start];
        Pattern.Fill(head, 0);
        Assert.Equal(0, file.TryWriteAll(head, 0, out _));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        var sender = pair.SendPatternAsync(Start, Size, [100_000, 3]);

        var result = path.Move(pair.ServerFd, file, Start, Size);

        Assert.Equal(new MoveResult(Size, MoveStatus.Completed), result);
        sender.Wait();
        Assert.Equal(Pattern.Sha256(Start + Size), Pattern.FileSha256(file.Path));
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void SlowDribblingSenderIsExact(WritePathKind kind)
    {
        using var dir = new TempDir("/dev/shm");
        using var file = OpenFile(dir.File("rec.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        const long Size = 9000;
        var sender = pair.SendPatternAsync(0, Size, [1, 7, 3, 1000, 2], delayMs: 1);

        var result = path.Move(pair.ServerFd, file, 0, Size);

        Assert.Equal(new MoveResult(Size, MoveStatus.Completed), result);
        sender.Wait();
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(file.Path));
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void SenderClosingEarlyKeepsEveryReceivedByte(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("rec.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        const long Sent = (2L << 20) + 4097;
        pair.SendPatternAsync(0, Sent, [65536, 11], close: true).Wait();

        var result = path.Move(pair.ServerFd, file, 0, 10L << 20);

        Assert.Equal(MoveStatus.PeerClosed, result.Status);
        Assert.Equal(Sent, result.Moved);
        Assert.Equal(Pattern.Sha256(Sent), Pattern.FileSha256(file.Path));
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void SilentSenderTimesOut(WritePathKind kind)
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("rec.ts"));
        using var pair = new LoopbackPair(receiveTimeoutMs: 300);
        using var path = Create(kind);
        pair.SendPatternAsync(0, 5000, [5000]).Wait();

        var result = path.Move(pair.ServerFd, file, 0, 100_000);

        Assert.Equal(MoveStatus.TimedOut, result.Status);
        Assert.Equal(5000, result.Moved);
        Assert.Equal(Pattern.Sha256(5000), Pattern.FileSha256(file.Path));
    }
}
