using System.Diagnostics;
using Recd.Interop;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// The kernel's own ENOSPC in the middle of a span, on every path: a real 8 MiB tmpfs (mounted for
/// the test; needs root, as CI has). The path reports StorageFailed/ENOSPC, and every byte it counts
/// as moved is in the file and equals what was sent.
/// </summary>
public sealed class EnospcTests : WritePathTestBase, IDisposable
{
    private readonly TempDir _dir = new();
    private readonly bool _mounted;

    public EnospcTests()
    {
        _mounted = Run("mount", "-t", "tmpfs", "-o", "size=8m", "recd-enospc", _dir.Path) == 0;
    }

    private static int Run(string file, params string[] args)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception) { return -1; }
    }

    [Theory]
    [InlineData(WritePathKind.Buffered)]
    [InlineData(WritePathKind.Splice)]
    [InlineData(WritePathKind.Direct)]
    public void KernelEnospcMidSpanKeepsTheMovedPrefixExact(WritePathKind kind)
    {
        Assert.True(_mounted, "mounting an 8 MiB tmpfs failed: this test needs root (CI runs as root)");
        using var file = OpenFile(_dir.File($"full-{kind}.ts"));
        using var pair = new LoopbackPair();
        using var path = Create(kind);
        const long Size = 16L << 20;
        var sender = pair.SendPatternAsync(0, Size, [65536, 1000]);

        var result = path.Move(pair.ServerFd, file, 0, Size);

        Assert.Equal(MoveStatus.StorageFailed, result.Status);
        Assert.Equal(Libc.ENOSPC, result.Errno);
        Assert.InRange(result.Moved, 1L << 20, 8L << 20);
        Assert.True(new FileInfo(file.Path).Length >= result.Moved);
        Assert.Equal(Pattern.Sha256(result.Moved), Pattern.FileSha256(file.Path, result.Moved));
        pair.Client.Close(); // the sender is blocked on a full socket: let it go
        try { sender.Wait(5000); } catch (AggregateException) { }
    }

    public void Dispose()
    {
        // Lazily if still busy: a tmpfs left mounted outlives the run (and holds its pages).
        if (_mounted && Run("umount", _dir.Path) != 0) Run("umount", "-l", _dir.Path);
        _dir.Dispose();
    }
}
