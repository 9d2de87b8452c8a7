using System.Runtime.InteropServices;
using Recd.Interop;
using Recd.Logging;

namespace Recd.Hosting;

/// <summary>
/// Started as root (to bind a low port, to reach the storage mount), recd gives root up once the
/// socket is bound and the storage recovered: the storage tree is handed to the service user, then
/// supplementary groups, gid and uid are dropped in that order. glibc and musl apply setuid to every
/// thread of the process. Failure to drop is fatal: running on as root would be the surprise.
/// </summary>
public static class PrivilegeDrop
{
    public static void To(string user, IEnumerable<string> ownedTrees)
    {
        if (Libc.GetEUid() != 0)
        {
            Log.Info($"RunAs {user}: not running as root, nothing to drop");
            return;
        }
        nint pw = Libc.GetPwNam(user);
        if (pw == 0) throw new ArgumentException($"RunAs: no such user '{user}'");
        uint uid = (uint)Marshal.ReadInt32(pw, 2 * IntPtr.Size);
        uint gid = (uint)Marshal.ReadInt32(pw, 2 * IntPtr.Size + 4);
        if (uid == 0) throw new ArgumentException($"RunAs: '{user}' is root");

        var trees = ownedTrees.Where(Directory.Exists).Distinct().ToList();
        foreach (var tree in trees)
        {
            // exFAT, FAT and NTFS (through FUSE) have no owners: the mount's uid=/gid= options decide
            // who may write. Say so once and go on; whether the user can write is checked below.
            var mount = Platform.MountInfo.Find(tree);
            if (RuntimeFolders.IsRemovableMediumType(mount.FsType))
            {
                Log.Warn($"RunAs {user}: {tree} is on {mount.FsType} ({mount.MountPoint}), which has no ownership or permissions: files keep the owner the mount gives them (mount with uid={uid},gid={gid} so {user} can write)");
                continue;
            }
            Chown(tree, uid, gid);
            foreach (var entry in Directory.EnumerateFileSystemEntries(tree, "*", SearchOption.AllDirectories))
                Chown(entry, uid, gid);
        }

        if (Libc.SetGroups(0, 0) != 0) throw new IOException("setgroups: " + Libc.ErrnoName(Libc.LastErrno));
        if (Libc.SetGid(gid) != 0) throw new IOException("setgid: " + Libc.ErrnoName(Libc.LastErrno));
        if (Libc.SetUid(uid) != 0) throw new IOException("setuid: " + Libc.ErrnoName(Libc.LastErrno));
        if (Libc.GetUid() != uid || Libc.GetEUid() != uid || Libc.SetUid(0) == 0)
            throw new IOException("privileges were not dropped");
        foreach (var tree in trees)
            if (Libc.Access(tree, Libc.W_OK | Libc.X_OK) != 0)
                throw new IOException($"RunAs {user}: cannot write to {tree} after dropping root ({Libc.ErrnoName(Libc.LastErrno)}); give the user the folder, or mount the medium with uid={uid},gid={gid}");
        Log.Info($"running as {user} (uid {uid}, gid {gid})");
    }

    private static void Chown(string path, uint uid, uint gid)
    {
        if (Libc.LChown(path, uid, gid) != 0)
            throw new IOException($"chown {path}: {Libc.ErrnoName(Libc.LastErrno)}");
    }
}
