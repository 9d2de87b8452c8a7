using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// A recording's first window carries its start and is paid, not judged (docs/selector.md R3): the
/// selector's figure for the first path comes from the windows after it. A real recording over
/// loopback on ext4 under auto.
/// </summary>
public class StartWindowTests
{
    [Fact]
    public void TheFirstWindowIsNotJudged()
    {
        using var store = new StoreFixture();
        store.Store.TryBegin("start.ts", BeginMode.Create, 0, "test", PathPolicy.AutoPolicy, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"begin: errno {errno}");
        const long Window = 8L << 20, Size = 3 * Window;
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, Size, [65536]);
        var s = rec!.Selector!;
        int first = s.SettledIndex >= 0 ? s.SettledIndex : s.Choices.ToList().FindIndex(c => c.Label == rec.PathLabel);
        Assert.Equal(MoveStatus.Completed, rec.Receive(pair.ServerFd, Window).Status);
        Assert.Equal(0, s.WindowsHere(first));          // the start window: paid, not judged
        Assert.Equal(MoveStatus.Completed, rec.Receive(pair.ServerFd, Window).Status);
        Assert.Equal(1, s.WindowsHere(first));
        Assert.Equal(MoveStatus.Completed, rec.Receive(pair.ServerFd, Window).Status);
        sender.Wait();
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Store.Paths.Data("start.ts")));
    }
}
