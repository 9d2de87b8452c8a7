using System.Text.Json;
using Recd.Interop;
using Recd.Platform;
using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Selection;

[CollectionDefinition("exfat-fuse", DisableParallelization = true)]
public sealed class ExfatFuseCollection : ICollectionFixture<ExfatFuseFixture>;

/// <summary>One exFAT loop mount for the whole collection (created lazily: a skipped run never mounts).</summary>
public sealed class ExfatFuseFixture : IDisposable
{
    private readonly Lazy<ExfatLoop> _loop = new(() => new ExfatLoop());
    public ExfatLoop Loop => _loop.Value;
    public void Dispose() { if (_loop.IsValueCreated) _loop.Value.Dispose(); }
}

/// <summary>
/// Against a real FUSE server (exfat-fuse on a loop device): the server is found for the mount, its CPU
/// is read and lands in the windows of buffered writes there, not in windows on ext4, and reading it
/// allocates nothing per window.
/// </summary>
[Collection("exfat-fuse")]
public class FuseMountTests(ExfatFuseFixture fixture)
{
    private const int Mi = 1 << 20;

    [ExfatFact]
    public void TheServerOfTheMountIsFound()
    {
        var mount = MountInfo.Find(fixture.Loop.MountPoint);
        Assert.Equal(fixture.Loop.MountPoint, mount.MountPoint);
        Assert.Equal("fuseblk", mount.FsType);
        int pid = FuseServer.FindServerPid(mount);
        Assert.True(pid > 0, "no server found");
        string argv = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        Assert.Contains("exfat", argv);
        Assert.Contains(fixture.Loop.MountPoint, argv);
        Assert.Contains(fixture.Loop.Device, argv);

        var ctx = new SelectionContext(new SelectorOptions(), new WritePathFactory(new WritePathOptions()), fixture.Loop.MountPoint, null);
        Assert.Equal(pid, ctx.Fuse?.Pid);
        Assert.Equal(CostViews.ThreadFuse, ctx.CostView);
        Assert.Equal(CostViews.ThreadFuse, ctx.Options.CostView);
        Assert.Equal(ctx.Mount.Key + " thread+fuse", ctx.LearnedKey);
        // Told to ignore the server, the root still measures it (for the manifest), and judges by the thread.
        var thread = new SelectionContext(new SelectorOptions { CostView = "thread" }, new WritePathFactory(new WritePathOptions()), fixture.Loop.MountPoint, null);
        Assert.Same(ctx.Fuse, thread.Fuse);
        Assert.Equal(CostViews.Thread, thread.CostView);
        Assert.Equal(thread.Mount.Key, thread.LearnedKey);
    }

    [ExfatFact]
    public void BufferedWindowsOnTheMountCarryTheServersCpuAndOnExt4None()
    {
        var fuse = Context(fixture.Loop.MountPoint).Fuse;
        Assert.NotNull(fuse);
        var onFuse = Windows(Path.Combine(fixture.Loop.MountPoint, $"w-{Guid.NewGuid():N}"), fuse, windows: 4);
        Assert.All(onFuse, s => Assert.True(s.FuseServerNs > 0, $"a window of {s.Bytes} B on exFAT: server {s.FuseServerNs} ns"));
        // exfat-fuse does the filesystem's work for every write: the machine pays more than the thread shows.
        long thread = onFuse.Sum(s => s.ThreadCpuNs), server = onFuse.Sum(s => s.FuseServerNs);
        Assert.True(server > thread / 10, $"server {server} ns beside thread {thread} ns");

        using var ext4 = new TempDir("/tmp");
        var ctx = Context(ext4.Path);
        Assert.Null(ctx.Fuse);
        var onExt4 = Windows(Path.Combine(ext4.Path, "w"), ctx.Fuse, windows: 4);
        Assert.All(onExt4, s => Assert.Equal(0, s.FuseServerNs));
    }

    [ExfatFact]
    public void TwoRecordingsShareTheServerWithoutCountingItTwice()
    {
        var fuse = Context(fixture.Loop.MountPoint).Fuse!;
        long before = fuse.CpuNanoseconds();
        var results = new List<CostSample>[2];
        var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
            results[k] = Windows(Path.Combine(fixture.Loop.MountPoint, $"two-{k}-{Guid.NewGuid():N}"), fuse, windows: 6))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        long spent = fuse.CpuNanoseconds() - before;
        long charged = results.Sum(r => r.Sum(s => s.FuseServerNs));
        Assert.All(results, r => Assert.True(r.Sum(s => s.FuseServerNs) > 0));
        // Windows of both overlap; each charges only its bytes' share, so together no more than the server spent.
        Assert.True(charged <= spent * 1.02, $"charged {charged} ns of the server's {spent} ns");
        Assert.True(charged >= spent * 0.5, $"charged {charged} ns of the server's {spent} ns");
    }

    [ExfatFact]
    public unsafe void ReadingTheServersCpuAllocatesNothingPerWindow()
    {
        var fuse = Context(fixture.Loop.MountPoint).Fuse!;
        string path = Path.Combine(fixture.Loop.MountPoint, $"alloc-{Guid.NewGuid():N}");
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        Assert.True(fd >= 0);
        byte* block = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(Mi);
        try
        {
            var meter = new CostMeter(Mi, 60_000, fuse);
            long charged = 0;
            for (int i = 0; i < 8; i++) charged += OneWindow(meter, fd, block, i).FuseServerNs; // warm up
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 400; i++) charged += OneWindow(meter, fd, block, i % 16).FuseServerNs;
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            var plain = new CostMeter(Mi, 60_000);
            long without = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 400; i++) OneWindow(plain, fd, block, i % 16);
            without = GC.GetAllocatedBytesForCurrentThread() - without;
            Assert.Equal(0, without);
            Assert.Equal(0, allocated);
            Assert.True(charged > 0);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(block);
            Libc.Close(fd);
            File.Delete(path);
        }
    }

    [ExfatFact]
    public void TheManifestSaysWhichViewDecidedAndWhatTheServerCost()
    {
        const int size = 48 * Mi;
        using (var f = new StoreFixture(fixture.Loop.MountPoint))
        {
            var m = Record(f, size);
            Assert.Equal("thread+fuse", m.GetProperty("costView").GetString());
            Assert.True(m.GetProperty("fuseServerCpuNs").GetInt64() > 0);
        }
        using (var f = new StoreFixture("/tmp"))
        {
            var m = Record(f, size);
            Assert.Equal("thread", m.GetProperty("costView").GetString());
            Assert.False(m.TryGetProperty("fuseServerCpuNs", out _));
        }
    }

    private static JsonElement Record(StoreFixture f, long size)
    {
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, size, [256 * 1024]);
        using (var rec = f.Begin("fuse.ts", WritePathKind.Buffered))
        {
            Assert.True(rec.Receive(pair.ServerFd, size).IsCompleted);
            sender.Wait();
            Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        }
        return JsonDocument.Parse(File.ReadAllText(f.Store.Paths.Manifest("fuse.ts"))).RootElement.Clone();
    }

    private static SelectionContext Context(string root) =>
        new(new SelectorOptions(), new WritePathFactory(new WritePathOptions()), root, null);

    /// <summary>Buffered 1 MiB pwrites into a new file until <paramref name="windows"/> 8 MiB windows closed.</summary>
    private static unsafe List<CostSample> Windows(string path, FuseServer? fuse, int windows)
    {
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        Assert.True(fd >= 0, $"open {path}");
        byte* block = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(Mi);
        new Span<byte>(block, Mi).Fill(0x5a);
        var samples = new List<CostSample>();
        try
        {
            var meter = new CostMeter(8 * Mi, 60_000, fuse);
            for (int i = 0; samples.Count < windows; i++)
            {
                meter.Begin();
                Assert.Equal(Mi, (int)Libc.PWrite(fd, block, Mi, (long)i * Mi));
                if (meter.End(Mi, -1, out var s)) samples.Add(s);
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(block);
            Libc.Close(fd);
            File.Delete(path);
        }
        return samples;
    }

    /// <summary>One 1 MiB window. No Assert inside: xunit's Assert.Equal allocates a comparer per call.</summary>
    private static unsafe CostSample OneWindow(CostMeter meter, int fd, byte* block, int slot)
    {
        meter.Begin();
        long moved = Libc.PWrite(fd, block, Mi, (long)slot * Mi);
        if (!meter.End(moved, -1, out var s) || moved != Mi) throw new InvalidOperationException($"short write {moved} or no window");
        return s;
    }
}
