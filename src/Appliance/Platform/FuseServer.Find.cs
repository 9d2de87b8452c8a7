using System.Text;

namespace Recd.Platform;

public sealed partial class FuseServer
{
    /// <summary>
    /// The pid of the process serving <paramref name="mount"/>, or -1. A scan of /proc, once per mount
    /// (and after the server went away): it allocates, never on the data path.
    /// </summary>
    /// <remarks>
    /// The kernel does not say which process serves a FUSE mount: the connection in
    /// /sys/fs/fuse/connections/N (N = the mount's minor device) has no pid, mountinfo shows no fd=, and
    /// a /dev/fuse descriptor does not name its connection. What every server shows is its argv: a FUSE
    /// server is started with its mount point as an argument (mount.ntfs-3g DEV DIR, mount.exfat-fuse
    /// DEV DIR, sshfs HOST:PATH DIR, fuse_main's PROG DIR), and libfuse leaves argv as it was when it
    /// daemonizes. So: a process whose argv names the mount point exactly, preferably one that holds
    /// /dev/fuse open (which also rules out `umount DIR`, a shell in it, or recd itself started with
    /// the mount as its storage root) and names the mount's source (its device, for fuseblk).
    /// Limits: /proc/PID/fd of another user's process cannot be read without root, so a recd running
    /// as its service user judges a root-owned server by argv alone; a server started with a relative
    /// or symlinked mount point, one that rewrote its argv, or one in another pid namespace is not
    /// found (then the mount is metered by the writing thread only, and the log says so); a server
    /// serving several mounts has its CPU divided among recd's bytes to this mount only.
    /// </remarks>
    internal static int FindServerPid(MountInfo mount, string procRoot = "/proc")
    {
        string point = Trim(mount.MountPoint);
        int best = -1, bestRank = 0;
        IEnumerable<string> dirs;
        try { dirs = Directory.EnumerateDirectories(procRoot); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return -1; }
        foreach (string dir in dirs)
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid <= 0) continue;
            string[] argv;
            try { argv = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline"))).Split('\0', StringSplitOptions.RemoveEmptyEntries); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; } // exited meanwhile, or hidden
            bool namesPoint = false, namesSource = false;
            for (int i = 1; i < argv.Length; i++)
            {
                namesPoint |= Trim(argv[i]) == point;
                namesSource |= argv[i] == mount.Source;
            }
            if (!namesPoint) continue;
            int fuse = HoldsDevFuse(dir);
            if (fuse < 0) continue;
            int rank = (fuse > 0 ? 4 : 2) + (namesSource ? 1 : 0);
            // Among equals the oldest: a server outlives whatever was started later naming its mount.
            if (rank > bestRank || (rank == bestRank && pid < best)) { best = pid; bestRank = rank; }
        }
        return best;
    }

    /// <summary>1: the process holds /dev/fuse open; -1: it does not; 0: its descriptors cannot be read (another user's).</summary>
    private static int HoldsDevFuse(string procDir)
    {
        try
        {
            foreach (string fd in Directory.EnumerateFileSystemEntries(Path.Combine(procDir, "fd")))
            {
                string? target;
                try { target = new FileInfo(fd).LinkTarget; }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; } // closed meanwhile
                if (target == "/dev/fuse") return 1;
            }
            return -1;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return 0; }
    }

    private static string Trim(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
