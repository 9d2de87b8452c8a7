using Recd.Interop;
using Recd.Recordings;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// The store's claims and snapshots, on real files: a name is never left busy by a failed begin, a
/// reader's descriptor always belongs to the snapshot it serves, snapshots are values nobody else changes.
/// </summary>
public class StoreClaimTests
{
    [Fact]
    public void AFailedBeginLeavesTheNameFree()
    {
        using var f = new StoreFixture();
        // A directory where the manifest's temp file must go: open(O_CREAT|O_WRONLY) fails with EISDIR.
        string blocker = f.Store.Paths.ManifestTemp("blocked.ts");
        Directory.CreateDirectory(blocker);
        var outcome = f.Store.TryBegin("blocked.ts", BeginMode.Create, 0, "t", WritePathKind.Buffered, out var rec, out _, out int errno);
        Assert.Equal(BeginOutcome.StorageFailed, outcome);
        Assert.Null(rec);
        Assert.NotEqual(0, errno);
        Assert.Equal(0, f.Store.ActiveCount);
        Assert.Null(f.Store.Find("blocked.ts"));

        Directory.Delete(blocker);
        Assert.Equal(BeginOutcome.Created, f.Store.TryBegin("blocked.ts", BeginMode.Create, 0, "t", WritePathKind.Buffered, out rec, out _, out _));
        rec!.Dispose();
    }

    [Fact]
    public void AFailedOverwriteLeavesTheNameFreeAndTheOldRecordingListedOnlyIfItsManifestSurvived()
    {
        using var f = new StoreFixture();
        Write(f, "o.ts", 1, 5000);
        Directory.CreateDirectory(f.Store.Paths.ManifestTemp("o.ts"));
        Assert.Equal(BeginOutcome.StorageFailed, f.Store.TryBegin("o.ts", BeginMode.Overwrite, 0, "t", WritePathKind.Buffered, out _, out _, out _));
        // The old files were deleted before the new manifest failed: nothing is listed, nothing is busy.
        Assert.Null(f.Store.Find("o.ts"));
        Assert.False(File.Exists(f.Store.Paths.Manifest("o.ts")));
        Directory.Delete(f.Store.Paths.ManifestTemp("o.ts"));
        Write(f, "o.ts", 2, 6000);
        Assert.Equal(6000, f.Store.Find("o.ts")!.CommittedLength);
    }

    [Fact]
    public void APublishedSnapshotNeverChangesUnderItsReader()
    {
        using var f = new StoreFixture();
        var rec = f.Begin("s.ts", WritePathKind.Buffered);
        var before = f.Store.Find("s.ts")!;
        Assert.True(rec.WriteFromBuffer(new byte[10_000]).IsCompleted);
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        var after = f.Store.Find("s.ts")!;
        Assert.Equal(RecordingStates.Recording, before.State);
        Assert.Equal(0, before.CommittedLength);
        Assert.Equal(RecordingStates.Complete, after.State);
        Assert.Equal(10_000, after.CommittedLength);
    }

    /// <summary>
    /// An overwrite, and then a delete, land exactly between the snapshot and the open (where a GET
    /// racing them would meet them): the descriptor must never be the new version's file under the
    /// old version's snapshot.
    /// </summary>
    [Fact]
    public unsafe void AnOverwriteOrDeleteBetweenSnapshotAndOpenIsNeverServedUnderTheOldSnapshot()
    {
        using var f = new StoreFixture();
        Write(f, "r.ts", 1, Length(1));
        bool raced = false;
        f.Store.BetweenSnapshotAndOpenForTesting = name =>
        {
            if (raced) return;
            raced = true;
            Write(f, "r.ts", 2, Length(2), BeginMode.Overwrite);
        };
        Assert.Equal(RecordingStore.OpenOutcome.Opened, f.Store.TryOpenForRead("r.ts", out var m, out int fd, out _));
        try
        {
            Assert.True(raced);
            Assert.Equal("2", m!.Client);
            var buffer = new byte[Length(2) + 1];
            long n;
            fixed (byte* p = buffer) n = Libc.PRead(fd, p, (nuint)buffer.Length, 0);
            Assert.Equal(Length(2), n);
            Assert.True(buffer.AsSpan(0, (int)n).IndexOfAnyExcept((byte)2) < 0);
        }
        finally { Libc.Close(fd); }

        raced = false;
        f.Store.BetweenSnapshotAndOpenForTesting = name =>
        {
            if (raced) return;
            raced = true;
            Assert.Equal(RecordingStore.DeleteOutcome.Deleted, f.Store.Delete("r.ts", out int _));
        };
        Assert.Equal(RecordingStore.OpenOutcome.NotFound, f.Store.TryOpenForRead("r.ts", out _, out fd, out _));
        Assert.Equal(-1, fd);
    }

    private static int Length(int version) => 4096 + version * 7;

    private static void Write(StoreFixture f, string name, int version, int length, BeginMode mode = BeginMode.Create)
    {
        var outcome = f.Store.TryBegin(name, mode, 0, version.ToString(), WritePathKind.Buffered, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"{outcome} {errno}");
        var data = new byte[length];
        Array.Fill(data, (byte)version);
        Assert.True(rec!.WriteFromBuffer(data).IsCompleted);
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
    }
}
