using Recd.Interop;

namespace Recd.Recordings;

/// <summary>
/// The file operations behind a delete, shared by the store and recovery. Never called with the
/// store's lock held: a USB disk can take seconds over an unlink or a directory fsync.
/// </summary>
internal static class StoreFiles
{
    /// <summary>
    /// Renames the manifest to ".NAME.deleting" first, so a crash half-way is finished by recovery
    /// instead of leaving data without a manifest or a manifest without data. Returns 0 or the errno.
    /// </summary>
    public static int Delete(StoragePaths paths, string name)
    {
        if (Libc.Rename(paths.Manifest(name), paths.Deleting(name)) != 0)
        {
            int errno = Libc.LastErrno;
            if (errno != Libc.ENOENT) return errno;
        }
        FinishDelete(paths, name);
        return ManifestFile.SyncDirectory(paths.Root);
    }

    public static void FinishDelete(StoragePaths paths, string name)
    {
        Libc.Unlink(paths.Data(name));
        Libc.Unlink(paths.Deleting(name));
    }
}
