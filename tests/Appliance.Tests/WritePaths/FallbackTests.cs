using Recd.Interop;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// Forced fallbacks with the real kernel saying no. An O_APPEND target makes the pipe -> file splice
/// fail with EINVAL after the socket -> pipe step already took bytes (the Samba #8679 shape): they must
/// be drained into the file, not lost. (On Linux pwrite on O_APPEND appends, which is the right offset
/// for a sequential recording, so the file stays checkable.)
/// </summary>
public class FallbackTests : WritePathTestBase
{
    [Fact]
    public void SpliceIntoFileThatRefusesSpliceDrainsThePipeAndLosesNothing()
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("append.ts"), Libc.O_APPEND);
        using var pair = new LoopbackPair();
        const long Size = (8L << 20) + 5;
        var sender = pair.SendPatternAsync(0, Size, [65536, 13]);
        using var splice = new SpliceWritePath(1 << 20);

        var first = splice.Move(pair.ServerFd, file, 0, Size);

        Assert.Equal(MoveStatus.Unsupported, first.Status);
        Assert.Equal(Libc.EINVAL, first.Errno);
        Assert.True(first.Moved > 0, "bytes were in the pipe when the file refused them");
        Assert.Equal(first.Moved, splice.DrainedBytes);
        Assert.Equal(0, splice.SplicedBytes);

        using var buffered = new BufferedWritePath(256 * 1024);
        var rest = buffered.Move(pair.ServerFd, file, first.Moved, Size - first.Moved);
        Assert.Equal(MoveStatus.Completed, rest.Status);
        sender.Wait();
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(file.Path));
    }

    [Fact]
    public void DirectUnavailableReportsUnsupportedBeforeTakingAnyByte()
    {
        using var dir = new TempDir();
        using var file = OpenFile(dir.File("nodirect.ts"));
        file.RefuseDirectForTesting(Libc.EINVAL);
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, 100_000, [100_000]);
        using var direct = new DirectWritePath(1 << 20);

        var result = direct.Move(pair.ServerFd, file, 0, 100_000);

        Assert.Equal(new MoveResult(0, MoveStatus.Unsupported, Libc.EINVAL), result);
        using var buffered = new BufferedWritePath(65536);
        Assert.Equal(MoveStatus.Completed, buffered.Move(pair.ServerFd, file, 0, 100_000).Status);
        sender.Wait();
        Assert.Equal(Pattern.Sha256(100_000), Pattern.FileSha256(file.Path));
    }

    [Fact]
    public void SplicePathReportsTheGrantedPipeSize()
    {
        using var dir = new TempDir("/dev/shm");
        using var file = OpenFile(dir.File("rec.ts"));
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, 70_000, [70_000]);
        using var splice = new SpliceWritePath(256 * 1024);

        Assert.True(splice.Move(pair.ServerFd, file, 0, 70_000).IsCompleted);
        sender.Wait();
        Assert.Equal(256 * 1024, splice.GrantedPipeBytes);
        Assert.Equal("splice/256K", splice.Label);
        Assert.Equal(70_000, splice.SplicedBytes);
    }
}
