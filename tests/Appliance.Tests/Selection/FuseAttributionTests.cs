using System.Diagnostics;
using Recd.Platform;
using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Selection;

/// <summary>The FUSE server's share of a window, with injected numbers; its discovery on a made-up /proc; its clock.</summary>
public class FuseAttributionTests
{
    private const long Ms = 1_000_000;

    [Fact]
    public void AloneARecordingIsChargedAllOfTheServersCpu()
    {
        Assert.Equal(100 * Ms, FuseServer.Share(5 * Ms, 105 * Ms, 8 << 20, 8 << 20));
        // Its own bytes are counted into the mount's before the window closes, so "more than the mount" is "alone".
        Assert.Equal(100 * Ms, FuseServer.Share(5 * Ms, 105 * Ms, 8 << 20, 4 << 20));
    }

    [Fact]
    public void SharedByBytesTheSharesAddUpToWhatTheServerSpent()
    {
        // Two recordings over the same span: 6 MiB and 2 MiB of the mount's 8 MiB.
        long a = FuseServer.Share(0, 100 * Ms, 6 << 20, 8 << 20), b = FuseServer.Share(0, 100 * Ms, 2 << 20, 8 << 20);
        Assert.Equal(75 * Ms, a);
        Assert.Equal(25 * Ms, b);
        Assert.Equal(100 * Ms, a + b);
        // Four equal streams.
        Assert.Equal(25 * Ms, FuseServer.Share(0, 100 * Ms, 1 << 20, 4 << 20));
    }

    [Theory]
    [InlineData(-1, 100, 10, 10)]     // start unreadable (server lost)
    [InlineData(100, -1, 10, 10)]     // end unreadable
    [InlineData(100, 50, 10, 10)]     // clock went back: another process behind the pid
    [InlineData(0, 100, 0, 10)]       // the window moved nothing
    [InlineData(0, 100, 10, 0)]
    [InlineData(7, 7, 10, 10)]        // the server did nothing
    public void NothingIsChargedWhatCannotBeKnown(long ns0, long ns1, long mine, long mount) =>
        Assert.Equal(0, FuseServer.Share(ns0, ns1, mine, mount));

    [Theory]
    [InlineData("fuseblk", true)]     // ntfs-3g, exfat-fuse on a block device
    [InlineData("fuse", true)]
    [InlineData("fuse.sshfs", true)]
    [InlineData("fuse.recd-faultfs", true)]
    [InlineData("fusectl", false)]    // the control filesystem, no server
    [InlineData("ext4", false)]
    [InlineData("exfat", false)]      // the kernel's driver
    [InlineData("ntfs3", false)]
    public void FuseMountsAreKnownByType(string type, bool fuse) => Assert.Equal(fuse, FuseServer.IsFuse(type));

    [Fact]
    public void EachViewCountsItsOwnCost()
    {
        var s = new CostSample(Bytes: 1000, ThreadCpuNs: 300, WallNs: 1, SystemBusyNs: 5000, Backlogged: false, FuseServerNs: 900);
        Assert.Equal(300, s.CostNs(CostViews.Thread));
        Assert.Equal(1200, s.CostNs(CostViews.ThreadFuse));
        Assert.Equal(5000, s.CostNs(CostViews.System));
        Assert.Equal(1.2, s.NsPerByte(CostViews.ThreadFuse), 9);
        Assert.True(double.IsNaN(new CostSample(0, 1, 1, 1, false).NsPerByte(CostViews.ThreadFuse)));
    }

    [Fact]
    public void ThreadPlusFuseIsTheDefaultAndOffFuseItIsTheThreadView()
    {
        Assert.Equal(CostViews.ThreadFuse, new SelectorOptions().CostView);
        new SelectorOptions { CostView = "thread+fuse" }.Validate();
        Assert.Throws<ArgumentException>(() => new SelectorOptions { CostView = "fuse" }.Validate());
        using var ext4 = new TempDir("/tmp");
        var factory = new WritePathFactory(new WritePathOptions());
        var ctx = new SelectionContext(new SelectorOptions(), factory, ext4.Path, null);
        Assert.Null(ctx.Fuse);
        Assert.Equal(CostViews.Thread, ctx.CostView);
        Assert.Equal(CostViews.Thread, ctx.Options.CostView);
        Assert.Equal(ctx.Mount.Key, ctx.LearnedKey); // what ext4 boxes learned before stays theirs
        var system = new SelectionContext(new SelectorOptions { CostView = "system" }, factory, ext4.Path, null);
        Assert.Equal(CostViews.System, system.CostView);
    }

    [Fact]
    public void TheServerIsTheProcessNamingTheMountPointThatHoldsDevFuse()
    {
        using var proc = new TempDir("/tmp");
        FakeProcess(proc, 10, ["umount", "/media/usb"], fds: ["/dev/pts/0"]);                  // names it, no /dev/fuse: not a server
        FakeProcess(proc, 20, ["/sbin/mount.ntfs-3g", "/dev/sdb1", "/media/usb/", "-o", "rw"], fds: ["/dev/null", "/dev/fuse", "/dev/sdb1"]);
        FakeProcess(proc, 30, ["bash"], fds: ["/dev/fuse"]);                                     // holds /dev/fuse, another mount's
        FakeProcess(proc, 40, ["/usr/sbin/recd", "--storage", "/media/usb"], fds: null);         // fds unreadable: judged by argv, ranks lower
        FakeProcess(proc, 50, ["ntfs-3g", "/dev/sdc1", "/media/usb2"], fds: ["/dev/fuse"]);
        Directory.CreateDirectory(Path.Combine(proc.Path, "self"));
        var mount = new MountInfo("/media/usb", "fuseblk", "/dev/sdb1");
        Assert.Equal(20, FuseServer.FindServerPid(mount, proc.Path));
        Assert.Equal(50, FuseServer.FindServerPid(new MountInfo("/media/usb2", "fuseblk", "/dev/sdc1"), proc.Path));
        Assert.Equal(-1, FuseServer.FindServerPid(new MountInfo("/media/other", "fuseblk", "/dev/sdd1"), proc.Path));
    }

    [Fact]
    public void WithoutReadableDescriptorsTheArgvDecidesAndTheSourceBreaksTies()
    {
        using var proc = new TempDir("/tmp");
        FakeProcess(proc, 7, ["sshfs", "host:/x", "/mnt/x"], fds: null);
        FakeProcess(proc, 3, ["ls", "/mnt/x"], fds: null);
        FakeProcess(proc, 9, ["umount", "/mnt/x"], fds: ["/dev/pts/1"]);
        Assert.Equal(7, FuseServer.FindServerPid(new MountInfo("/mnt/x", "fuse.sshfs", "host:/x"), proc.Path));
        // Neither names the source: the oldest (lowest pid) of the two.
        Assert.Equal(3, FuseServer.FindServerPid(new MountInfo("/mnt/x", "fuse.sshfs", "elsewhere:/y"), proc.Path));
    }

    [Fact]
    public void TheProcessClockIsTheSumOfItsThreadsSchedstat()
    {
        // A child that burns some CPU, then sleeps: its clock must then equal the sum of the first
        // schedstat field of its threads (the kernel's sum_exec_runtime, in ns), exactly.
        using var child = Process.Start(new ProcessStartInfo("sh", ["-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; exec sleep 30"]))!;
        try
        {
            var server = new FuseServer(new MountInfo("/nowhere", "fuse", "x"), child.Id);
            long before = -2, now = server.CpuNanoseconds();
            for (int i = 0; i < 100 && now != before; i++) { Thread.Sleep(100); before = now; now = server.CpuNanoseconds(); }
            Assert.True(now > 10 * Ms, $"the child burned {now} ns");
            long schedstat = Directory.GetDirectories($"/proc/{child.Id}/task")
                .Sum(t => long.Parse(File.ReadAllText(Path.Combine(t, "schedstat")).Split(' ')[0]));
            Assert.Equal(schedstat, server.CpuNanoseconds());
        }
        finally { child.Kill(); }
    }

    [Fact]
    public void AServerThatIsGoneReadsAsUnknown()
    {
        using var child = Process.Start(new ProcessStartInfo("true"))!;
        child.WaitForExit();
        Thread.Sleep(50);
        var server = new FuseServer(new MountInfo("/nowhere", "fuse", "x"), child.Id, procRoot: "/nonexistent");
        Assert.Equal(-1, server.CpuNanoseconds());
        Assert.Equal(0, server.Pid); // looked for again, nothing found
    }

    private static void FakeProcess(TempDir proc, int pid, string[] argv, string[]? fds)
    {
        string dir = Path.Combine(proc.Path, pid.ToString());
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "cmdline"), string.Join('\0', argv) + "\0");
        if (fds is null) return; // no fd folder: as unreadable as another user's
        Directory.CreateDirectory(Path.Combine(dir, "fd"));
        for (int i = 0; i < fds.Length; i++) File.CreateSymbolicLink(Path.Combine(dir, "fd", i.ToString()), fds[i]);
    }
}
