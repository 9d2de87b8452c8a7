using System.Collections.Concurrent;
using Recd.Interop;
using Recd.Logging;

namespace Recd.Platform;

/// <summary>
/// The userspace process that serves a FUSE mount (ntfs-3g, exfat-fuse, sshfs, recd-faultfs), its CPU
/// clock, and the bytes recd has written to that mount: on such a mount most of a write's CPU is spent
/// there, not in the writing thread (baseline.md, NTFS buffered: 2.75 CPU-s/GiB in recd, 8.8 in ntfs-3g).
/// One per mount, shared by every storage root on it, so the server's CPU is divided by all of recd's
/// bytes to the mount, never counted once per root.
/// </summary>
public sealed partial class FuseServer
{
    private static readonly ConcurrentDictionary<string, FuseServer?> ByMount = new();

    /// <summary>Rediscovery after the server went away is a /proc scan (it allocates): at most this often.</summary>
    private const long RediscoverEveryMs = 10_000;

    private readonly MountInfo _mount;
    private readonly string _procRoot;
    private int _pid, _clock;
    private long _mountBytes, _nextRediscoverMs;

    internal FuseServer(MountInfo mount, int pid, string procRoot = "/proc")
    {
        _mount = mount;
        _procRoot = procRoot;
        SetPid(pid);
    }

    /// <summary>The server's pid (0 while it is lost).</summary>
    public int Pid => Volatile.Read(ref _pid);

    /// <summary>Bytes recd's recordings have moved to this mount, all of them together.</summary>
    public long MountBytes => Volatile.Read(ref _mountBytes);

    /// <summary>Called after every write-path call on the mount, by every recording on it (one atomic add).</summary>
    public void AddBytes(long moved) { if (moved > 0) Interlocked.Add(ref _mountBytes, moved); }

    /// <summary>fuseblk (ntfs-3g, exfat-fuse on a block device), fuse, fuse.SUBTYPE; not fusectl (the control filesystem).</summary>
    public static bool IsFuse(string fsType) =>
        fsType is "fuse" or "fuseblk" || fsType.StartsWith("fuse.", StringComparison.Ordinal);

    /// <summary>The server of <paramref name="mount"/>, found once per mount; null if it is not FUSE or no server was found.</summary>
    public static FuseServer? ForMount(MountInfo mount) =>
        !IsFuse(mount.FsType) ? null : ByMount.GetOrAdd(mount.Key, _ =>
        {
            int pid = FindServerPid(mount);
            if (pid <= 0)
            {
                Log.Warn($"mount {mount.MountPoint} is {mount.FsType} but no process names it in its argv: its FUSE server's CPU cannot be attributed, the selector sees the writing thread only");
                return null;
            }
            Log.Info($"mount {mount.MountPoint} ({mount.FsType}) is served by pid {pid}: its CPU is attributed to the recordings writing there");
            return new FuseServer(mount, pid);
        });

    /// <summary>
    /// The server's CPU time in nanoseconds, all of its threads, exited ones included; -1 if it cannot be
    /// read (the server exited: a new one is looked for, not more often than every 10 s). No allocation
    /// while the server lives.
    /// </summary>
    /// <remarks>
    /// A process CPU clock (clock_getcpuclockid(3)), not the sum of /proc/PID/task/*/schedstat: the same
    /// nanoseconds (sum_exec_runtime; a test compares the two), but one syscall instead of a directory
    /// scan and a read per thread, and it keeps the CPU of threads that have exited. That matters:
    /// libfuse's multithreaded loop (exfat-fuse, faultfs) starts workers under load and ends idle ones,
    /// and a per-thread sum would drop their CPU mid-window (negative deltas) and miss threads started
    /// since the last scan. The kernel lets any process read another's process clock
    /// (posix-cpu-timers.c lookup_task: no ptrace check), so a recd running as its service user can
    /// read a server running as root. /proc/PID/stat is in 10 ms ticks: too coarse for a window.
    /// </remarks>
    public unsafe long CpuNanoseconds()
    {
        int clock = Volatile.Read(ref _clock);
        Libc.TimeSpec ts;
        if (clock != 0 && Libc.ClockGetTime(clock, &ts) == 0) return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
        Lost();
        return -1;
    }

    /// <summary>
    /// A meter read the clock go back between two of its own readings: a process clock never does, so
    /// the pid now names another process (the server exited and its pid was reused). Look again.
    /// </summary>
    public void WentBack() => Lost();

    /// <summary>
    /// What a recording's window owes of the server's CPU: the server's metered CPU (<see cref="MeteredNanoseconds"/>: commits left out) over the window
    /// (<paramref name="serverNs0"/> to <paramref name="serverNs1"/>) shared among recd's recordings on
    /// the mount by the bytes each moved in that span: all of it when the recording was the only one
    /// writing (<paramref name="mine"/> == <paramref name="mountBytes"/>). Nothing when either reading
    /// failed or the clock went back (the server was replaced).
    /// </summary>
    public static long Share(long serverNs0, long serverNs1, long mine, long mountBytes)
    {
        if (serverNs0 < 0 || serverNs1 < serverNs0 || mine <= 0 || mountBytes <= 0) return 0;
        long spent = serverNs1 - serverNs0;
        return mine >= mountBytes ? spent : (long)(spent * ((double)mine / mountBytes));
    }

    private void SetPid(int pid)
    {
        // MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) from the kernel's posix-timers.h, what glibc's
        // clock_getcpuclockid computes: the scheduler's nanoseconds of the whole thread group.
        Volatile.Write(ref _clock, pid > 0 ? (~pid << 3) | 2 : 0);
        Volatile.Write(ref _pid, Math.Max(pid, 0));
        ResetUnmetered();
    }

    private void Lost()
    {
        long now = Environment.TickCount64, due = Volatile.Read(ref _nextRediscoverMs);
        if (now < due || Interlocked.CompareExchange(ref _nextRediscoverMs, now + RediscoverEveryMs, due) != due) return;
        int old = Pid, pid = FindServerPid(_mount, _procRoot);
        if (pid != old) Log.Warn($"mount {_mount.MountPoint}: FUSE server pid {old} gone, {(pid > 0 ? $"now pid {pid}" : "no server found")}");
        SetPid(pid);
    }
}
