namespace Recd.Platform;

/// <summary>The mount a path lives on, from /proc/self/mountinfo (longest mount-point prefix wins).</summary>
public sealed record MountInfo(string MountPoint, string FsType, string Source)
{
    /// <summary>Identifies a storage mount across restarts, for learned costs.</summary>
    public string Key => $"{FsType}:{Source}:{MountPoint}";

    public static MountInfo Find(string path)
    {
        string full = Path.GetFullPath(path);
        MountInfo best = new("/", "unknown", "unknown");
        int bestLength = -1;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // id parent maj:min root mountpoint options [optional...] - fstype source superopts
                var parts = line.Split(' ');
                int dash = Array.IndexOf(parts, "-");
                if (parts.Length < 5 || dash < 0 || dash + 2 >= parts.Length) continue;
                string mountPoint = Unescape(parts[4]);
                bool under = full == mountPoint || full.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);
                if (!under || mountPoint.Length < bestLength) continue;
                bestLength = mountPoint.Length;
                best = new MountInfo(mountPoint, parts[dash + 1], Unescape(parts[dash + 2]));
            }
        }
        catch (IOException) { /* no procfs: one unknown mount */ }
        return best;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal.</summary>
    private static string Unescape(string s) =>
        s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
