using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// Damaged metadata never hides a recording, and recovery deletes nothing it cannot explain. Real
/// files on ext4 (/tmp): each case breaks the disk the way a power cut, a bad block or a hand-made
/// copy would, restarts the store, and checks the listing, the state, the committed length, the
/// data bytes (read back through the store's own open, as GET does) and the ".corrupt" file.
/// </summary>
public class RecoveryTests
{
    private const long Size = 300_000;

    [Fact]
    public void UnparsableJsonIsKeptAsCorruptAndTheRecordingListedDamagedAtItsDataLength()
    {
        using var f = new StoreFixture();
        Record(f, "a.ts", Size);
        byte[] bad = "{\"name\": \"a.ts\", \"state\": complete}"u8.ToArray();
        File.WriteAllBytes(f.Store.Paths.Manifest("a.ts"), bad);

        var said = new List<string>();
        var store = Restart(f, said);

        var m = AssertDamaged(store, "a.ts", Size);
        Assert.StartsWith("manifest unreadable (kept as .a.ts.manifest.corrupt): ", m.Reason);
        Assert.Contains("invalid", m.Reason); // System.Text.Json's own words: "'c' is an invalid start of a value"
        Assert.Equal(bad, File.ReadAllBytes(store.Paths.Corrupt("a.ts")));
        AssertManifestOnDisk(store, m);
        Assert.Contains(said, l => l.Contains("a.ts") && l.Contains("manifest unreadable"));
    }

    [Fact]
    public void TruncatedJson()
    {
        using var f = new StoreFixture();
        Record(f, "t.ts", Size);
        byte[] whole = File.ReadAllBytes(f.Store.Paths.Manifest("t.ts"));
        byte[] half = whole[..(whole.Length / 2)];
        File.WriteAllBytes(f.Store.Paths.Manifest("t.ts"), half);

        var store = Restart(f);

        var m = AssertDamaged(store, "t.ts", Size);
        Assert.StartsWith("manifest unreadable (kept as .t.ts.manifest.corrupt): ", m.Reason);
        Assert.Equal(half, File.ReadAllBytes(store.Paths.Corrupt("t.ts")));
        AssertManifestOnDisk(store, m);
    }

    [Fact]
    public void EmptyManifest()
    {
        using var f = new StoreFixture();
        Record(f, "e.ts", Size);
        File.WriteAllBytes(f.Store.Paths.Manifest("e.ts"), []);

        var store = Restart(f);

        var m = AssertDamaged(store, "e.ts", Size);
        Assert.Equal("manifest unreadable (kept as .e.ts.manifest.corrupt): empty file", m.Reason);
        Assert.Empty(File.ReadAllBytes(store.Paths.Corrupt("e.ts")));
        AssertManifestOnDisk(store, m);
    }

    [Fact]
    public void AManifestNamingAnotherRecordingIsTreatedAsUnreadable()
    {
        using var f = new StoreFixture();
        Record(f, "a.ts", Size);
        Record(f, "b.ts", 1000, seed: 2);
        byte[] other = File.ReadAllBytes(f.Store.Paths.Manifest("b.ts"));
        File.WriteAllBytes(f.Store.Paths.Manifest("a.ts"), other); // b's manifest copied over a's

        var store = Restart(f);

        var m = AssertDamaged(store, "a.ts", Size);
        Assert.Equal("manifest names another recording (kept as .a.ts.manifest.corrupt): \"b.ts\"", m.Reason);
        Assert.Equal(other, File.ReadAllBytes(store.Paths.Corrupt("a.ts")));
        var b = store.Find("b.ts")!;
        Assert.Equal(RecordingStates.Complete, b.State);
        Assert.Equal(1000, b.CommittedLength);
        Assert.Equal(["a.ts", "b.ts"], store.List().Select(x => x.Name).Order());
    }

    [Fact]
    public void AManifestPromisingMoreThanTheFileHoldsIsCutToTheFileAndMarkedDamaged()
    {
        using var f = new StoreFixture();
        Record(f, "p.ts", Size);
        RewriteManifest(f.Store.Paths.Manifest("p.ts"), committed: Size + 4096);

        var store = Restart(f);

        var m = AssertDamaged(store, "p.ts", Size);
        Assert.Equal($"data file holds {Size} bytes, the manifest committed {Size + 4096}: listed at {Size}", m.Reason);
        Assert.False(File.Exists(store.Paths.Corrupt("p.ts"))); // it was readable: corrected, not set aside
        AssertManifestOnDisk(store, m);
    }

    [Fact]
    public void DataWithoutAManifestIsAdoptedAsDamagedWithTheFilesTimes()
    {
        using var f = new StoreFixture();
        string data = f.Store.Paths.Data("orphan.ts");
        File.WriteAllBytes(data, Pattern.Bytes(Size));
        var mtime = new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(data, mtime);

        var said = new List<string>();
        var store = Restart(f, said);

        var m = AssertDamaged(store, "orphan.ts", Size);
        Assert.Equal("data without a manifest", m.Reason);
        Assert.Equal(new DateTimeOffset(mtime), m.Updated);
        Assert.True(m.Created <= m.Updated);
        Assert.False(File.Exists(store.Paths.Corrupt("orphan.ts")));
        AssertManifestOnDisk(store, m);
        Assert.Contains(said, l => l.Contains("orphan.ts: data without a manifest") && l.Contains(Size.ToString()));
    }

    [Fact]
    public void FilesRecoveryCannotExplainAreReportedWithTheirSizeAndLeftAlone()
    {
        using var f = new StoreFixture();
        Record(f, "keep.ts", 1000);
        var strays = new Dictionary<string, int>
        {
            ["bad name.ts"] = 11,          // not a recording name
            ["caf\u00e9.ts"] = 12,         // nor is this
            [".junk.tmp"] = 13,            // a temp file recd does not write
            [".keep.ts.manifest.tmp.bak"] = 14,
            [".bad name.manifest"] = 15,   // a manifest for a name recd would never accept
            [".x y.manifest.tmp"] = 16,
            [".evil\nline.deleting"] = 17, // a newline must not forge a log line
            [".DS_Store"] = 18,
        };
        foreach (var (name, size) in strays) File.WriteAllBytes(f.Dir.File(name), Pattern.Bytes(size, seed: (ulong)size));
        File.WriteAllBytes(f.Store.Paths.ManifestTemp("keep.ts"), "{"u8.ToArray()); // recd's own temp: dropped

        var said = new List<string>();
        var lists = StorageRecovery.Run(f.Store.Paths, said);
        var store = f.Reopen();

        Assert.Equal(["keep.ts"], lists.Select(m => m.Name));
        Assert.Equal(["keep.ts"], store.List().Select(m => m.Name));
        Assert.False(File.Exists(f.Store.Paths.ManifestTemp("keep.ts")));
        foreach (var (name, size) in strays)
        {
            Assert.Equal(Pattern.Bytes(size, seed: (ulong)size), File.ReadAllBytes(f.Dir.File(name)));
            string shown = name.Replace("\n", "\\x0a");
            Assert.Single(said, l => l.Contains(shown) && l.Contains($"({size} bytes)") && l.EndsWith("left alone"));
        }
        Assert.Equal(strays.Count, said.Count);
        Assert.DoesNotContain(said, l => l.Contains('\n'));
        Assert.Equal(RecordingStates.Complete, store.Find("keep.ts")!.State);
    }

    [Fact]
    public void ADamagedManifestStaysDamagedAcrossRestartsAndIsCutBackAsUsual()
    {
        using var f = new StoreFixture();
        Record(f, "d.ts", Size);
        RewriteManifest(f.Store.Paths.Manifest("d.ts"), committed: Size + 1);

        var first = Restart(f);
        var m1 = AssertDamaged(first, "d.ts", Size);

        // Bytes appended after the manifest was written were never committed: cut, as for any recording.
        using (var fs = new FileStream(f.Store.Paths.Data("d.ts"), FileMode.Append)) fs.Write(new byte[8192]);
        var second = Restart(f);
        var m2 = AssertDamaged(second, "d.ts", Size);
        Assert.Equal(m1.Reason, m2.Reason);
        Assert.Equal(Size, new FileInfo(f.Store.Paths.Data("d.ts")).Length);

        var third = Restart(f);
        var m3 = AssertDamaged(third, "d.ts", Size);
        Assert.Equal(m2.Reason, m3.Reason);
        Assert.Equal(m2.Updated, m3.Updated); // nothing left to correct: the manifest is not even rewritten
    }

    [Fact]
    public void ACorruptFileFromAnEarlierStartIsOnlyDiagnosticsAndOutlivesDelete()
    {
        using var f = new StoreFixture();
        Record(f, "c.ts", Size);
        File.WriteAllText(f.Store.Paths.Manifest("c.ts"), "garbage");
        var first = Restart(f);
        AssertDamaged(first, "c.ts", Size);

        var said = new List<string>();
        var second = Restart(f, said);
        var m = AssertDamaged(second, "c.ts", Size);
        Assert.StartsWith("manifest unreadable (kept as .c.ts.manifest.corrupt)", m.Reason); // the fresh manifest's reason, kept
        Assert.Equal(["c.ts"], second.List().Select(x => x.Name));
        Assert.Equal("garbage", File.ReadAllText(second.Paths.Corrupt("c.ts")));
        Assert.Single(said, l => l.Contains(".c.ts.manifest.corrupt (7 bytes) kept for diagnosis"));

        Assert.Equal(RecordingStore.DeleteOutcome.Deleted, second.Delete("c.ts", out int errno));
        Assert.Equal(0, errno);
        Assert.Null(second.Find("c.ts"));
        Assert.False(File.Exists(second.Paths.Data("c.ts")));
        Assert.False(File.Exists(second.Paths.Manifest("c.ts")));
        Assert.True(File.Exists(second.Paths.Corrupt("c.ts")));

        var third = Restart(f);
        Assert.Empty(third.List());
        Assert.Equal("garbage", File.ReadAllText(third.Paths.Corrupt("c.ts")));
    }

    [Fact]
    public void WhenTheBadManifestCannotBeKeptAsideItIsNotOverwrittenAndTheRecordingIsStillListed()
    {
        using var f = new StoreFixture();
        Record(f, "r.ts", Size);
        File.WriteAllText(f.Store.Paths.Manifest("r.ts"), "{\"name\"");
        // rename(2) onto a non-empty directory fails (EISDIR), as it would on a read-only or failing disk.
        Directory.CreateDirectory(Path.Combine(f.Store.Paths.Corrupt("r.ts"), "occupied"));

        for (int start = 0; start < 2; start++)
        {
            var store = Restart(f);
            var m = AssertDamaged(store, "r.ts", Size);
            Assert.StartsWith("manifest unreadable (could not be kept aside: EISDIR): ", m.Reason);
            Assert.Equal("{\"name\"", File.ReadAllText(store.Paths.Manifest("r.ts"))); // the evidence, untouched
        }
        var last = f.Reopen();
        Assert.Equal(RecordingStore.DeleteOutcome.Deleted, last.Delete("r.ts", out _));
        Assert.False(File.Exists(last.Paths.Data("r.ts")));
    }

    [Fact]
    public void AnUnreadableManifestWithoutDataIsStillListed()
    {
        using var f = new StoreFixture();
        File.WriteAllText(f.Store.Paths.Manifest("gone.ts"), "{");

        var store = Restart(f);

        var m = AssertDamaged(store, "gone.ts", 0);
        Assert.StartsWith("manifest unreadable", m.Reason);
        Assert.Equal(RecordingStore.DeleteOutcome.Deleted, store.Delete("gone.ts", out _));
    }

    [Fact]
    public void AStaleDeleteMarkerNeverDeletesTheDataOfARecordingWrittenSince()
    {
        using var f = new StoreFixture();
        Record(f, "n.ts", Size);
        File.WriteAllText(f.Store.Paths.Deleting("n.ts"), "{}"); // an older delete whose last unlink failed

        var store = Restart(f);

        var m = store.Find("n.ts")!;
        Assert.Equal(RecordingStates.Complete, m.State);
        Assert.Equal(Pattern.Sha256(Size), ReadBack(store, "n.ts", Size));
        Assert.False(File.Exists(store.Paths.Deleting("n.ts")));
    }

    private static RecordingStore Restart(StoreFixture f, List<string>? said = null)
    {
        // The same pass the daemon makes, with its lines captured; a second pass must find nothing new.
        if (said is not null) StorageRecovery.Run(f.Store.Paths, said);
        return f.Reopen();
    }

    private static void Record(StoreFixture f, string name, long size, ulong seed = 1)
    {
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, size, [65536], seed: seed);
        using (var rec = f.Begin(name, WritePathKind.Buffered))
        {
            Assert.True(rec.Receive(pair.ServerFd, size).IsCompleted);
            Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        }
        sender.Wait();
        Assert.Equal(size, f.Store.Find(name)!.CommittedLength);
    }

    private static Manifest AssertDamaged(RecordingStore store, string name, long length)
    {
        var m = store.Find(name);
        Assert.NotNull(m);
        Assert.Equal(name, m.Name);
        Assert.Equal(RecordingStates.Damaged, m.State);
        Assert.Equal(length, m.CommittedLength);
        Assert.Contains(store.List(), x => x.Name == name && x.State == RecordingStates.Damaged);
        Assert.Equal(length, new FileInfo(store.Paths.Data(name)).Length);
        Assert.Equal(Pattern.Sha256(length), ReadBack(store, name, length));
        return m;
    }

    /// <summary>The bytes as GET would serve them: through the store's open, up to the committed length.</summary>
    private static string ReadBack(RecordingStore store, string name, long committed)
    {
        Assert.Equal(RecordingStore.OpenOutcome.Opened, store.TryOpenForRead(name, out var m, out int fd, out int errno));
        Assert.Equal(0, errno);
        Assert.Equal(committed, m!.CommittedLength);
        using var stream = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read);
        var bytes = new byte[committed];
        stream.ReadExactly(bytes);
        Assert.Equal(0, stream.Read(new byte[1]));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes));
    }

    private static void AssertManifestOnDisk(RecordingStore store, Manifest listed)
    {
        var json = JsonDocument.Parse(File.ReadAllBytes(store.Paths.Manifest(listed.Name))).RootElement;
        Assert.Equal(listed.Name, json.GetProperty("name").GetString());
        Assert.Equal(RecordingStates.Damaged, json.GetProperty("state").GetString());
        Assert.Equal(listed.CommittedLength, json.GetProperty("committedLength").GetInt64());
        Assert.Equal(listed.Reason, json.GetProperty("reason").GetString());
    }

    private static void RewriteManifest(string path, long committed)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllBytes(path))!;
        node["committedLength"] = committed;
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(node.ToJsonString()));
    }
}
