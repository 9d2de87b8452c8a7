using Recd.Logging;

namespace Recd.Recordings;

/// <summary>
/// What the storage root holds at start, made consistent: the manifests are the truth. A manifest
/// still saying "recording" belongs to a transfer that died with the daemon: it becomes
/// "interrupted", and bytes past its committed length (never fdatasync'ed, so possibly garbage after
/// a power cut) are cut off. Half-done deletes are finished, temp manifests dropped.
/// Runs before the store serves anything, on the thread that starts the daemon.
/// </summary>
internal static class StorageRecovery
{
    /// <summary>Every recording found, consistent on disk when this returns.</summary>
    public static List<Manifest> Run(StoragePaths paths)
    {
        var found = new List<Manifest>();
        foreach (var file in Directory.EnumerateFiles(paths.Root, ".*"))
        {
            string fileName = Path.GetFileName(file);
            if (fileName.EndsWith(StoragePaths.ManifestSuffix + ".tmp", StringComparison.Ordinal))
            {
                File.Delete(file); // a manifest update that never reached its rename
                continue;
            }
            if (fileName.EndsWith(".deleting", StringComparison.Ordinal))
            {
                StoreFiles.FinishDelete(paths, fileName[1..^".deleting".Length]);
                continue;
            }
            if (!fileName.EndsWith(StoragePaths.ManifestSuffix, StringComparison.Ordinal)) continue;
            var manifest = ManifestFile.TryRead(file);
            string expected = fileName[1..^StoragePaths.ManifestSuffix.Length];
            if (manifest is null || manifest.Name != expected)
            {
                Log.Warn($"recovery: unreadable manifest {fileName}, left in place");
                continue;
            }
            found.Add(RecoverOne(paths, manifest));
        }
        return found;
    }

    private static Manifest RecoverOne(StoragePaths paths, Manifest manifest)
    {
        string data = paths.Data(manifest.Name);
        long actual = File.Exists(data) ? new FileInfo(data).Length : -1;
        var recovered = manifest;
        if (recovered.State == RecordingStates.Recording)
            recovered = recovered with { State = RecordingStates.Interrupted, Reason = "daemon stopped while recording" };
        if (actual < 0) File.Create(data).Dispose();
        if (actual < recovered.CommittedLength)
        {
            Log.Error($"recovery: {manifest.Name} holds {Math.Max(actual, 0)} bytes but the manifest committed {manifest.CommittedLength}");
            recovered = recovered with
            {
                CommittedLength = Math.Max(actual, 0),
                State = RecordingStates.Interrupted,
                Reason = "data shorter than committed length",
            };
        }
        else if (actual > recovered.CommittedLength)
        {
            using (var fs = new FileStream(data, FileMode.Open, FileAccess.Write)) fs.SetLength(recovered.CommittedLength);
            Log.Info($"recovery: {manifest.Name} cut back to its committed {recovered.CommittedLength} bytes (uncommitted tail {actual - recovered.CommittedLength} bytes)");
        }
        if (!ReferenceEquals(recovered, manifest))
        {
            recovered = recovered with { Updated = DateTimeOffset.UtcNow };
            ManifestFile.TryWrite(paths, recovered);
        }
        return recovered;
    }
}
