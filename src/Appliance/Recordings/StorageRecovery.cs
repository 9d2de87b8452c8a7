using System.Text;
using System.Text.Json;
using Recd.Interop;
using Recd.Logging;

namespace Recd.Recordings;

/// <summary>
/// What the storage root holds at start, made consistent. Runs before the store serves anything, on
/// the thread that starts the daemon.
/// <list type="bullet">
/// <item>A readable manifest is the truth. One still saying "recording" belongs to a transfer that
/// died with the daemon: it becomes "interrupted", and bytes past its committed length (never
/// fdatasync'ed, so possibly garbage after a power cut) are cut off; "damaged" stays damaged.
/// One promising more bytes than the file holds is corrected to the file's length and marked damaged.</item>
/// <item>Damaged metadata never hides a recording: a manifest that cannot be read or parsed, or
/// that names another recording, is renamed to ".NAME.manifest.corrupt" for diagnosis, and the
/// recording is listed as damaged at its data file's length under a fresh manifest; a data file
/// with a valid name and no manifest is adopted the same way. Its bytes are not checked (nothing
/// says what they should be), so it is readable and deletable, never "complete".</item>
/// <item>Half-done deletes are finished, temp manifests dropped.</item>
/// <item>Anything else (names recd never writes, stray temp files) is reported, one line each with
/// its size, and left alone: recovery never deletes what it cannot explain.</item>
/// </list>
/// A ".corrupt" file outlives its recording's DELETE (the store removes data and manifest only):
/// it is the evidence of what went wrong, a few KiB, removed by hand. A later corrupt manifest of
/// the same name replaces it (the log keeps the first one's reason).
/// </summary>
internal static class StorageRecovery
{
    /// <summary>Every recording found, consistent on disk when this returns (as far as the disk let it be).</summary>
    public static List<Manifest> Run(StoragePaths paths) => Run(paths, null);

    /// <param name="said">Receives every line recovery logs, whatever the log level (tests read it).</param>
    internal static List<Manifest> Run(StoragePaths paths, List<string>? said)
    {
        var log = new Say(said);
        // Every name first: whether a data file has a manifest or a pending delete must not depend
        // on the order readdir returns them in.
        var manifests = new SortedSet<string>(StringComparer.Ordinal);
        var datas = new SortedSet<string>(StringComparer.Ordinal);
        var deletes = new List<string>();
        foreach (var path in Directory.EnumerateFiles(paths.Root))
        {
            string file = Path.GetFileName(path);
            try
            {
                switch (Classify(file, out string name))
                {
                    case Kind.Data: datas.Add(name); break;
                    case Kind.Manifest: manifests.Add(name); break;
                    case Kind.Deleting: deletes.Add(name); break;
                    case Kind.Temp: File.Delete(path); break; // a manifest update that never reached its rename
                    case Kind.Corrupt: log.Info($"recovery: {Show(file)} ({SizeOf(path)} bytes) kept for diagnosis from an earlier start"); break;
                    case Kind.Probe: break; // recd's own start-up probe (CaseProbe, DirectProbe, spin-up), rewritten when next used
                    default: log.Warn($"recovery: {Show(file)} ({SizeOf(path)} bytes): {Unexplained(file)}; left alone"); break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                log.Error($"recovery: {Show(file)}: {e.Message}; left alone");
            }
        }

        foreach (string name in deletes)
        {
            if (manifests.Contains(name))
            {
                // The name was recorded again after a delete whose last unlink failed: the data is the
                // new recording's now, only the stale marker goes.
                Libc.Unlink(paths.Deleting(name));
                continue;
            }
            StoreFiles.FinishDelete(paths, name);
            datas.Remove(name);
        }

        var found = new List<Manifest>();
        foreach (string name in manifests)
            if (Guard(log, name, () => FromManifest(paths, name, log)) is { } m) found.Add(m);
        foreach (string name in datas)
            if (!manifests.Contains(name) && Guard(log, name, () => Adopt(paths, name, log)) is { } m) found.Add(m);
        return found;
    }

    private enum Kind { Unexplained, Data, Manifest, Deleting, Temp, Corrupt, Probe }

    private static Kind Classify(string file, out string name)
    {
        name = file;
        if (StoragePaths.IsRecordingName(file)) return Kind.Data;
        if (file is ".recd-case-probe" or ".RECD-CASE-PROBE" or ".direct-probe" or ".spinup") return Kind.Probe;
        // The suffix that comes last decides (see StoragePaths); the name inside must be one recd writes.
        (string suffix, Kind kind)[] shapes =
        [
            (StoragePaths.TempSuffix, Kind.Temp), (StoragePaths.CorruptSuffix, Kind.Corrupt),
            (StoragePaths.DeletingSuffix, Kind.Deleting), (StoragePaths.ManifestSuffix, Kind.Manifest),
        ];
        foreach (var (suffix, kind) in shapes)
        {
            if (file.Length <= 1 + suffix.Length || file[0] != '.' || !file.EndsWith(suffix, StringComparison.Ordinal)) continue;
            name = file[1..^suffix.Length];
            return StoragePaths.IsRecordingName(name) ? kind : Kind.Unexplained;
        }
        return Kind.Unexplained;
    }

    private static string Unexplained(string file) =>
        file.EndsWith(".tmp", StringComparison.Ordinal) ? "a temp file recd does not write"
        : file.StartsWith('.') ? "not a file recd writes"
        : "not a valid recording name";

    private static Manifest? Guard(Say log, string name, Func<Manifest?> recover)
    {
        try { return recover(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error($"recovery: {name}: {e.Message}; not listed this time, files left as they are");
            return null;
        }
    }

    private static Manifest FromManifest(StoragePaths paths, string name, Say log)
    {
        var manifest = TryRead(paths.Manifest(name), name, out string? what, out string? detail);
        return manifest is null ? SetAside(paths, name, what!, detail!, log) : RecoverOne(paths, manifest, log);
    }

    /// <summary>Manifests are a few KiB (the cost table is the bulk); anything far larger is not one.</summary>
    private const long MaxManifestBytes = 1 << 20;

    /// <summary>The manifest, or null with what is wrong with it ("unreadable", "names another recording") and the details.</summary>
    private static Manifest? TryRead(string path, string name, out string? what, out string? detail)
    {
        what = "unreadable";
        detail = null;
        byte[] bytes;
        try
        {
            long size = new FileInfo(path).Length;
            if (size > MaxManifestBytes) { detail = $"{size} bytes, too large for a manifest"; return null; }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { detail = e.Message; return null; }
        if (bytes.Length == 0) { detail = "empty file"; return null; }
        Manifest? m;
        try { m = JsonSerializer.Deserialize(bytes, ManifestJson.Default.Manifest); }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            detail = e.Message;
            return null;
        }
        if (m is null) { detail = "JSON null"; return null; }
        if (m.Name != name)
        {
            what = "names another recording";
            detail = m.Name is null ? "no name" : $"\"{Show(m.Name)}\"";
            return null;
        }
        if (m.CommittedLength < 0) { what = "invalid"; detail = $"committedLength {m.CommittedLength}"; return null; }
        if (m.State is not (RecordingStates.Recording or RecordingStates.Complete or RecordingStates.Interrupted or RecordingStates.Damaged))
        {
            what = "invalid";
            detail = $"unknown state \"{Show(m.State ?? "")}\"";
            return null;
        }
        return m;
    }

    /// <summary>
    /// The manifest cannot be trusted, the data can still be served: keep the manifest as ".corrupt",
    /// list the recording as damaged at the data file's length. If the rename fails the recording
    /// is listed from memory only, without a fresh manifest: writing one would replace the evidence.
    /// </summary>
    private static Manifest SetAside(StoragePaths paths, string name, string what, string detail, Say log)
    {
        string corrupt = paths.Corrupt(name);
        string corruptFile = Path.GetFileName(corrupt);
        bool replacing = File.Exists(corrupt);
        int err = Libc.Rename(paths.Manifest(name), corrupt) == 0 ? 0 : Libc.LastErrno;
        string reason = err == 0
            ? $"manifest {what} (kept as {corruptFile}): {Show(detail)}"
            : $"manifest {what} (could not be kept aside: {Libc.ErrnoName(err)}): {Show(detail)}";
        log.Error($"recovery: {name}: {reason}" + (replacing && err == 0 ? $"; replaced the {corruptFile} of an earlier start" : ""));
        return Fresh(paths, name, reason, log, write: err == 0);
    }

    /// <summary>A data file with a valid name and no manifest (the protocol never leaves one; a copy by hand or a damaged directory can).</summary>
    private static Manifest? Adopt(StoragePaths paths, string name, Say log)
    {
        string data = paths.Data(name);
        if (new FileInfo(data).LinkTarget is not null)
        {
            // GET opens with O_NOFOLLOW: a link could never be served, and is not recd's.
            log.Warn($"recovery: {Show(name)} ({SizeOf(data)} bytes): a symbolic link without a manifest; left alone");
            return null;
        }
        string reason = "data without a manifest";
        if (File.Exists(paths.Corrupt(name))) reason += $" (an unreadable one found earlier is kept as {Path.GetFileName(paths.Corrupt(name))})";
        log.Error($"recovery: {name}: {reason}, {SizeOf(data)} bytes: listed as damaged");
        return Fresh(paths, name, reason, log, write: true);
    }

    /// <summary>A manifest made from the data file alone: its length, its timestamps, state damaged.</summary>
    private static Manifest Fresh(StoragePaths paths, string name, string reason, Say log, bool write)
    {
        string data = paths.Data(name);
        if (!File.Exists(data)) File.Create(data).Dispose(); // so GET and DELETE find what the listing shows
        var info = new FileInfo(data);
        var written = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
        var born = new DateTimeOffset(info.CreationTimeUtc, TimeSpan.Zero); // statx birth time where the filesystem keeps one
        var manifest = new Manifest
        {
            Name = name,
            State = RecordingStates.Damaged,
            CommittedLength = info.Length,
            Created = born < written ? born : written,
            Updated = written,
            Reason = reason,
        };
        if (write) WriteOrSay(paths, manifest, log);
        return manifest;
    }

    private static Manifest RecoverOne(StoragePaths paths, Manifest manifest, Say log)
    {
        string data = paths.Data(manifest.Name);
        long actual = File.Exists(data) ? new FileInfo(data).Length : -1;
        var recovered = manifest;
        if (recovered.State == RecordingStates.Recording)
            recovered = recovered with { State = RecordingStates.Interrupted, Reason = "daemon stopped while recording" };
        if (actual < 0) File.Create(data).Dispose();
        if (Math.Max(actual, 0) < recovered.CommittedLength)
        {
            // The bytes were synced before the manifest said so: if they are gone, the disk lost them.
            string reason = actual < 0
                ? $"data file missing, the manifest committed {manifest.CommittedLength} bytes: listed at 0"
                : $"data file holds {actual} bytes, the manifest committed {manifest.CommittedLength}: listed at {actual}";
            log.Error($"recovery: {manifest.Name}: {reason}");
            recovered = recovered with { CommittedLength = Math.Max(actual, 0), State = RecordingStates.Damaged, Reason = reason };
        }
        else if (actual > recovered.CommittedLength)
        {
            using (var fs = new FileStream(data, FileMode.Open, FileAccess.Write)) fs.SetLength(recovered.CommittedLength);
            log.Info($"recovery: {manifest.Name} cut back to its committed {recovered.CommittedLength} bytes (uncommitted tail {actual - recovered.CommittedLength} bytes)");
        }
        if (!ReferenceEquals(recovered, manifest))
        {
            recovered = recovered with { Updated = DateTimeOffset.UtcNow };
            WriteOrSay(paths, recovered, log);
        }
        return recovered;
    }

    private static void WriteOrSay(StoragePaths paths, Manifest manifest, Say log)
    {
        int err = ManifestFile.TryWrite(paths, manifest);
        if (err != 0)
            log.Error($"recovery: {manifest.Name}: manifest not written ({Libc.ErrnoName(err)}); listed as {manifest.State} at {manifest.CommittedLength} bytes until the next start");
    }

    private static string SizeOf(string path)
    {
        try { return new FileInfo(path).Length.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return "?"; }
    }

    /// <summary>A file name as one log line can show it: a name with a newline must not forge a second line.</summary>
    private static string Show(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            if (c < 0x20 || c == 0x7f) sb.Append($"\\x{(int)c:x2}");
            else sb.Append(c);
        return sb.ToString();
    }

    private sealed class Say(List<string>? sink)
    {
        public void Info(string line) { Log.Info(line); sink?.Add(line); }
        public void Warn(string line) { Log.Warn(line); sink?.Add(line); }
        public void Error(string line) { Log.Error(line); sink?.Add(line); }
    }
}
