using Recd.Board;
using Recd.Platform;
using Recd.Recordings;

namespace Recd.Hosting;

/// <summary>
/// Where the daemon keeps what is not a recording: the state folder (learned costs, kept across
/// restarts) and the runtime folder (the control socket; /run/recd on boards). Neither may live on
/// the recording medium: a USB disk formatted exFAT, FAT or NTFS cannot hold a Unix socket (bind
/// fails with EIO on exfat-fuse), knows no ownership, and is unplugged with the recordings.
/// Defaults sit beside the storage root (ROOT.state, ROOT.run); where that is on such a medium they move to a folder under
/// /tmp and say so. A folder the profile names explicitly on the medium is refused at start.
/// </summary>
public sealed record RuntimeFolders(string StateDir, string RuntimeDir, string ControlSocket)
{
    /// <summary>Filesystems of removable media: no sockets, no owners, maybe no case.</summary>
    private static readonly string[] MediumTypes = ["vfat", "msdos", "exfat", "fuseblk", "ntfs", "ntfs3", "fuse"];

    public static bool IsRemovableMediumType(string fsType) =>
        Array.IndexOf(MediumTypes, fsType) >= 0 || fsType.StartsWith("fuse.", StringComparison.Ordinal);

    public static RuntimeFolders Resolve(BoardProfile profile, Action<string>? warn = null)
    {
        string root = Path.GetFullPath(profile.Storage.Root);
        var storageMount = MountInfo.Find(root);
        bool medium = IsRemovableMediumType(storageMount.FsType);
        string fallback = Path.Combine(Path.GetTempPath(), "recd-" + Fnv1a(root).ToString("x16"));

        string Pick(string? configured, string key, string suffix)
        {
            if (configured is not null)
            {
                string full = Path.GetFullPath(configured);
                if (medium && OnMount(full, storageMount))
                    throw new ArgumentException($"{key} {full} is on the recording medium ({storageMount.FsType} at {storageMount.MountPoint}): runtime state never lives there; set {key} to a folder on the box's own storage (/run/recd, /var/lib/recd)");
                return full;
            }
            string beside = StorageOptions.Sibling(root, suffix);
            if (!medium || !OnMount(beside, storageMount)) return beside;
            string moved = Path.Combine(fallback, suffix);
            warn?.Invoke($"storage {root} is on {storageMount.FsType} ({storageMount.MountPoint}): {key} moved off the medium to {moved} (set {key} in the profile)");
            return moved;
        }

        string state = Pick(profile.Storage.StateDir, "Storage:StateDir", "state");
        string run = Pick(profile.RuntimeDir, "RuntimeDir", "run");
        string socket = profile.ControlSocket is { } s ? Path.GetFullPath(s) : Path.Combine(run, "control.sock");
        return new RuntimeFolders(state, run, socket);
    }

    /// <summary>
    /// A name for the root that stays the same across restarts. Not SHA-256: .NET's hashing loads
    /// OpenSSL, 4 MiB of idle RSS for a folder name (and a static build has no OpenSSL at all).
    /// </summary>
    private static ulong Fnv1a(string s)
    {
        ulong h = 14695981039346656037;
        foreach (char c in s) { h ^= c; h *= 1099511628211; }
        return h;
    }

    private static bool OnMount(string path, MountInfo mount) => MountInfo.Find(path).MountPoint == mount.MountPoint;
}
