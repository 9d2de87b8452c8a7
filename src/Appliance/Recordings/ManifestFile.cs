using System.Text.Json;
using Recd.Interop;

namespace Recd.Recordings;

/// <summary>
/// Atomic manifest updates: write a temp file, fsync it, rename over the old one, fsync the
/// directory. A reader (or a reboot) sees the old manifest or the new one, never half of either.
/// </summary>
internal static class ManifestFile
{
    public static Manifest? TryRead(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            return JsonSerializer.Deserialize(bytes, ManifestJson.Default.Manifest);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Returns 0 or the errno of the step that failed.</summary>
    public static unsafe int TryWrite(StoragePaths paths, Manifest manifest)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJson.Default.Manifest);
        string temp = paths.ManifestTemp(manifest.Name);
        int fd = Libc.Open(temp, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0x1A4 /* 0644 */);
        if (fd < 0) return Libc.LastErrno;
        int err = 0;
        fixed (byte* p = json)
        {
            long done = 0;
            while (done < json.Length && err == 0)
            {
                nint n = Libc.Write(fd, p + done, (nuint)(json.Length - done));
                if (n > 0) done += n;
                else if (n < 0 && Libc.LastErrno is var e && e != Libc.EINTR) err = e;
                else if (n == 0) err = Libc.ENOSPC;
            }
        }
        if (err == 0 && Libc.FSync(fd) != 0) err = Libc.LastErrno;
        Libc.Close(fd);
        if (err == 0 && Libc.Rename(temp, paths.Manifest(manifest.Name)) != 0) err = Libc.LastErrno;
        if (err != 0) { Libc.Unlink(temp); return err; }
        return SyncDirectory(paths.Root);
    }

    public static int SyncDirectory(string dir)
    {
        int fd = Libc.Open(dir, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        if (fd < 0) return Libc.LastErrno;
        int err = Libc.FSync(fd) == 0 ? 0 : Libc.LastErrno;
        Libc.Close(fd);
        // Some filesystems (and tmpfs) refuse fsync on directories; the rename is still atomic there.
        return err == Libc.EINVAL ? 0 : err;
    }
}
