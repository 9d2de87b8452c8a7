using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

public class RecordingStoreTests
{
    [Fact]
    public void ManifestIsWrittenBeforeDataAndSaysRecording()
    {
        using var f = new StoreFixture();
        using var rec = f.Begin("a.ts", WritePathKind.Buffered);
        var onDisk = File.ReadAllText(f.Store.Paths.Manifest("a.ts"));
        Assert.Contains("\"state\": \"recording\"", onDisk);
        Assert.True(File.Exists(f.Store.Paths.Data("a.ts")));
        Assert.Equal(BeginOutcome.Busy, f.Store.TryBegin("a.ts", BeginMode.Overwrite, 0, "t", null, out _, out _, out _));
    }

    [Fact]
    public void ExistingNameNeedsOverwriteAndResumeNeedsTheCommittedOffset()
    {
        using var f = new StoreFixture();
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, 1000, [1000]);
        using (var rec = f.Begin("b.ts", WritePathKind.Buffered))
        {
            rec.Receive(pair.ServerFd, 1000);
            rec.Finish(RecordingStates.Interrupted, "test");
        }
        sender.Wait();
        Assert.Equal(BeginOutcome.Exists, f.Store.TryBegin("b.ts", BeginMode.Create, 0, "t", null, out _, out long c, out _));
        Assert.Equal(1000, c);
        Assert.Equal(BeginOutcome.OffsetMismatch, f.Store.TryBegin("b.ts", BeginMode.Resume, 999, "t", null, out _, out _, out _));
        Assert.Equal(BeginOutcome.Resumed, f.Store.TryBegin("b.ts", BeginMode.Resume, 1000, "t", null, out var resumed, out _, out _));
        resumed!.Dispose();
        Assert.Equal(BeginOutcome.Replaced, f.Store.TryBegin("b.ts", BeginMode.Overwrite, 0, "t", null, out var replaced, out _, out _));
        replaced!.Dispose();
        Assert.Equal(0, f.Store.Find("b.ts")!.CommittedLength);
    }

    [Fact]
    public void RecoveryMarksInterruptedAndCutsTheUncommittedTail()
    {
        using var f = new StoreFixture(commitInterval: 1 << 20);
        using var pair = new LoopbackPair();
        const long Size = (3L << 20) + 100;
        var sender = pair.SendPatternAsync(0, Size, [65536]);
        var rec = f.Begin("crash.ts", WritePathKind.Buffered);
        Assert.True(rec.Receive(pair.ServerFd, Size).IsCompleted);
        sender.Wait();
        // The daemon "dies" here: no Finish. Commits happened every 1 MiB window boundary at most.
        long committed = ManifestCommitted(f, "crash.ts");
        Assert.InRange(committed, 1L << 20, Size);
        // Simulate garbage past the committed length (what a power cut can leave).
        using (var fs = new FileStream(f.Store.Paths.Data("crash.ts"), FileMode.Append)) fs.Write(new byte[4096]);

        var after = f.Reopen();
        var m = after.Find("crash.ts")!;
        Assert.Equal(RecordingStates.Interrupted, m.State);
        Assert.Equal(committed, m.CommittedLength);
        Assert.Equal(committed, new FileInfo(after.Paths.Data("crash.ts")).Length);
        Assert.Equal(Pattern.Sha256(committed), Pattern.FileSha256(after.Paths.Data("crash.ts")));
        rec.FileForTesting.Dispose();
    }

    [Fact]
    public void DeleteRemovesDataAndManifestAndAHalfDoneDeleteIsFinishedByRecovery()
    {
        using var f = new StoreFixture();
        f.Begin("d.ts", WritePathKind.Buffered).Dispose();
        f.Begin("e.ts", WritePathKind.Buffered).Dispose();
        Assert.Equal(RecordingStore.DeleteOutcome.Deleted, f.Store.Delete("d.ts", out _));
        Assert.False(File.Exists(f.Store.Paths.Data("d.ts")));
        Assert.False(File.Exists(f.Store.Paths.Manifest("d.ts")));
        Assert.Equal(RecordingStore.DeleteOutcome.NotFound, f.Store.Delete("d.ts", out _));

        File.Move(f.Store.Paths.Manifest("e.ts"), f.Store.Paths.Deleting("e.ts")); // crash right after step one
        var after = f.Reopen();
        Assert.Null(after.Find("e.ts"));
        Assert.False(File.Exists(after.Paths.Data("e.ts")));
        Assert.False(File.Exists(after.Paths.Deleting("e.ts")));
    }

    [Fact]
    public void ListingIsOrderedAndShowsLiveLengths()
    {
        using var f = new StoreFixture();
        f.Begin("one.ts", WritePathKind.Buffered).Dispose();
        using var live = f.Begin("two.ts", WritePathKind.Splice);
        var list = f.Store.List();
        Assert.Equal(["one.ts", "two.ts"], list.Select(m => m.Name));
        Assert.Equal(RecordingStates.Interrupted, list[0].State);
        Assert.Equal(RecordingStates.Recording, list[1].State);
    }

    private static long ManifestCommitted(StoreFixture f, string name)
    {
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(f.Store.Paths.Manifest(name)));
        return json.RootElement.GetProperty("committedLength").GetInt64();
    }
}
