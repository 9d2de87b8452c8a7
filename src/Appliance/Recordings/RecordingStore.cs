using Recd.Interop;
using Recd.Logging;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Recordings;

/// <summary>
/// Names -> files under one storage root. Knows which recordings exist (an index of manifests,
/// rebuilt from disk at start) and which are being written (at most one writer per name).
/// </summary>
public sealed class RecordingStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Manifest> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Recording> _active = new(StringComparer.Ordinal);
    private readonly WritePathFactory _factory;

    public RecordingStore(StorageOptions options, WritePathFactory factory, SelectorOptions? selector = null)
    {
        Options = options;
        _factory = factory;
        Paths = new StoragePaths(Path.GetFullPath(options.Root));
        StateDir = Path.GetFullPath(options.StateDir ?? Path.Combine(Paths.Root, ".state"));
        Selection = new SelectionContext(selector ?? new SelectorOptions(), factory, Paths.Root, StateDir);
        DefaultPolicy = PathPolicy.TryParse(factory.Options.Default, out var p) ? p : WritePathKind.Buffered;
        Space = new SpaceGuard(options, Paths.Root);
    }

    public SpaceGuard Space { get; }

    /// <summary>Why O_DIRECT cannot be used on this mount (probed at start, or learned from a refusal), or null.</summary>
    public string? DirectUnavailable { get; private set; }

    /// <summary>A recording met a refusal the start-up probe did not see: later recordings skip the path.</summary>
    internal void MarkDirectUnavailable(string why)
    {
        if (DirectUnavailable is not null) return;
        DirectUnavailable = why;
        Log.Warn($"storage {Paths.Root}: O_DIRECT unavailable ({why}); recordings here use other paths");
    }

    public StorageOptions Options { get; }
    public StoragePaths Paths { get; }
    public string StateDir { get; }
    public SelectionContext Selection { get; }
    public PathPolicy DefaultPolicy { get; }

    public int ActiveCount { get { lock (_gate) return _active.Count; } }

    /// <summary>
    /// Rebuilds the index from the manifests on disk. A manifest still saying "recording" belongs to a
    /// transfer that died with the daemon: it becomes "interrupted", and bytes past its committed
    /// length (never fdatasync'ed, so possibly garbage after a power cut) are cut off.
    /// </summary>
    public void Recover()
    {
        Directory.CreateDirectory(Paths.Root);
        Directory.CreateDirectory(StateDir);
        DirectUnavailable = DirectProbe.WhyUnavailable(Paths.Root);
        if (DirectUnavailable is not null) Log.Warn($"storage {Paths.Root}: O_DIRECT unavailable ({DirectUnavailable}); recordings here use other paths");
        lock (_gate)
        {
            _index.Clear();
            foreach (var file in Directory.EnumerateFiles(Paths.Root, ".*"))
            {
                string fileName = Path.GetFileName(file);
                if (fileName.EndsWith(StoragePaths.ManifestSuffix + ".tmp", StringComparison.Ordinal))
                {
                    File.Delete(file); // a manifest update that never reached its rename
                    continue;
                }
                if (fileName.EndsWith(".deleting", StringComparison.Ordinal))
                {
                    string name = fileName[1..^".deleting".Length];
                    FinishDelete(name);
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
                RecoverOne(manifest);
                _index[manifest.Name] = manifest;
            }
        }
        Log.Info($"storage {Paths.Root}: {_index.Count} recordings");
    }

    private void RecoverOne(Manifest manifest)
    {
        string data = Paths.Data(manifest.Name);
        long actual = File.Exists(data) ? new FileInfo(data).Length : -1;
        bool changed = false;
        if (manifest.State == RecordingStates.Recording)
        {
            manifest.State = RecordingStates.Interrupted;
            manifest.Reason = "daemon stopped while recording";
            changed = true;
        }
        if (actual < 0) File.Create(data).Dispose();
        if (actual < manifest.CommittedLength)
        {
            Log.Error($"recovery: {manifest.Name} holds {Math.Max(actual, 0)} bytes but the manifest committed {manifest.CommittedLength}");
            manifest.CommittedLength = Math.Max(actual, 0);
            manifest.State = RecordingStates.Interrupted;
            manifest.Reason = "data shorter than committed length";
            changed = true;
        }
        else if (actual > manifest.CommittedLength)
        {
            using (var fs = new FileStream(data, FileMode.Open, FileAccess.Write)) fs.SetLength(manifest.CommittedLength);
            Log.Info($"recovery: {manifest.Name} cut back to its committed {manifest.CommittedLength} bytes (uncommitted tail {actual - manifest.CommittedLength} bytes)");
        }
        if (changed)
        {
            manifest.Updated = DateTimeOffset.UtcNow;
            ManifestFile.TryWrite(Paths, manifest);
        }
    }

    /// <summary>Starts (or resumes) writing a recording. On success the caller owns the Recording.</summary>
    /// <param name="policy">Write path policy for this recording; null takes the profile's default.</param>
    public BeginOutcome TryBegin(string name, BeginMode mode, long resumeOffset, string client, PathPolicy? policy,
        out Recording? recording, out long committed, out int errno, long expectedBytes = 0, bool protect = false)
    {
        recording = null;
        errno = 0;
        committed = 0;
        if (Space.MountProblem() is { } problem)
        {
            Log.Error(problem);
            return BeginOutcome.NotMounted;
        }
        if (EnsureHeadroom(Math.Max(expectedBytes, 0), exclude: name) < Math.Max(expectedBytes, 0) || Space.Headroom() < 0)
            return BeginOutcome.NoSpace;
        if (Options.SpinUpProbe) Space.SpinUpIfIdle(Options.SpinUpIdleSeconds, ActiveCount > 0);
        lock (_gate)
        {
            _index.TryGetValue(name, out var existing);
            committed = existing?.CommittedLength ?? 0;
            if (_active.ContainsKey(name)) return BeginOutcome.Busy;
            if (_active.Count >= Options.MaxActiveRecordings) return BeginOutcome.TooMany;

            var outcome = BeginOutcome.Created;
            if (mode == BeginMode.Resume)
            {
                if (resumeOffset != committed) return BeginOutcome.OffsetMismatch;
                if (existing is not null) outcome = BeginOutcome.Resumed;
            }
            else if (existing is not null)
            {
                if (mode != BeginMode.Overwrite) return BeginOutcome.Exists;
                errno = DeleteFiles(name);
                if (errno != 0) return BeginOutcome.StorageFailed;
                _index.Remove(name);
                existing = null;
                committed = 0;
                outcome = BeginOutcome.Replaced;
            }

            var now = DateTimeOffset.UtcNow;
            var manifest = existing?.Clone() ?? new Manifest { Name = name, Created = now };
            manifest.State = RecordingStates.Recording;
            manifest.Updated = now;
            manifest.Client = client;
            manifest.Reason = null;
            if (protect) manifest.Protected = true;

            // Manifest first: a crash between the two leaves a manifest of an empty recording, never
            // a data file nobody knows about.
            errno = ManifestFile.TryWrite(Paths, manifest);
            if (errno != 0) return BeginOutcome.StorageFailed;

            string data = Paths.Data(name);
            int flags = Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC | Libc.O_NOFOLLOW;
            int fd = Libc.Open(data, flags, 0x1A4 /* 0644 */);
            if (fd < 0) { errno = Libc.LastErrno; return BeginOutcome.StorageFailed; }
            // Whatever lies past the committed length was never promised: write over it from there.
            if (Libc.FTruncate(fd, committed) != 0) { errno = Libc.LastErrno; Libc.Close(fd); return BeginOutcome.StorageFailed; }

            var file = new RecordingFile(data, fd);
            var chosen = policy ?? DefaultPolicy;
            if (!chosen.Auto && chosen.Kind == WritePathKind.Direct && DirectUnavailable is not null)
            {
                manifest.Reason = $"direct unavailable on this mount ({DirectUnavailable}): buffered instead";
                chosen = WritePathKind.Buffered;
            }
            var selector = chosen.Auto ? Selection.NewSelector(directUsable: DirectUnavailable is null) : null;
            var start = selector?.Current ?? _factory.DefaultChoice(chosen.Kind);
            recording = new Recording(this, manifest, file, _factory, start, selector, committed);
            _index[name] = manifest.Clone();
            _active[name] = recording;
            return outcome;
        }
    }

    /// <summary>
    /// Headroom above the reserve, after retention tried to make <paramref name="needed"/> bytes of it
    /// by deleting the oldest complete, unprotected, inactive recordings (never <paramref name="exclude"/>).
    /// </summary>
    public long EnsureHeadroom(long needed, string? exclude = null)
    {
        long headroom = Space.Headroom() ?? long.MaxValue;
        // Checked after every span: the common case stays free of allocation (the lambdas below
        // capture, so they live in another method).
        return headroom >= needed ? headroom : FreeUp(needed, exclude);
    }

    private long FreeUp(long needed, string? exclude)
    {
        List<Manifest> candidates;
        lock (_gate)
            candidates = _index.Values
                .Where(m => m.State == RecordingStates.Complete && !m.Protected && !_active.ContainsKey(m.Name) && m.Name != exclude)
                .OrderBy(m => m.Created).Select(m => m.Clone()).ToList();
        return Space.MakeRoom(needed, candidates, n => Delete(n, out _) == DeleteOutcome.Deleted);
    }

    internal int WriteManifest(Manifest manifest) => ManifestFile.TryWrite(Paths, manifest);

    internal void Release(Recording recording, Manifest final)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(recording.Name, out var current) && ReferenceEquals(current, recording))
                _active.Remove(recording.Name);
            _index[recording.Name] = final.Clone();
        }
    }

    /// <summary>Manifest of a recording (a live copy for an active one), or null.</summary>
    public Manifest? Find(string name)
    {
        lock (_gate)
        {
            if (_active.TryGetValue(name, out var rec)) return rec.Snapshot();
            return _index.TryGetValue(name, out var m) ? m.Clone() : null;
        }
    }

    public List<Manifest> List()
    {
        lock (_gate)
        {
            var list = new List<Manifest>(_index.Count);
            foreach (var (name, m) in _index)
                list.Add(_active.TryGetValue(name, out var rec) ? rec.Snapshot() : m.Clone());
            list.Sort((a, b) => a.Created != b.Created ? a.Created.CompareTo(b.Created) : string.CompareOrdinal(a.Name, b.Name));
            return list;
        }
    }

    public List<Recording> ActiveRecordings()
    {
        lock (_gate) return [.. _active.Values];
    }

    public enum DeleteOutcome { Deleted, NotFound, Busy, StorageFailed }

    public DeleteOutcome Delete(string name, out int errno)
    {
        errno = 0;
        lock (_gate)
        {
            if (_active.ContainsKey(name)) return DeleteOutcome.Busy;
            if (!_index.ContainsKey(name)) return DeleteOutcome.NotFound;
            errno = DeleteFiles(name);
            if (errno != 0) return DeleteOutcome.StorageFailed;
            _index.Remove(name);
            return DeleteOutcome.Deleted;
        }
    }

    /// <summary>
    /// Renames the manifest to ".NAME.deleting" first, so a crash half-way is finished by recovery
    /// instead of leaving data without a manifest or a manifest without data.
    /// </summary>
    private int DeleteFiles(string name)
    {
        if (Libc.Rename(Paths.Manifest(name), Paths.Deleting(name)) != 0)
        {
            int errno = Libc.LastErrno;
            if (errno != Libc.ENOENT) return errno;
        }
        FinishDelete(name);
        return ManifestFile.SyncDirectory(Paths.Root);
    }

    private void FinishDelete(string name)
    {
        Libc.Unlink(Paths.Data(name));
        Libc.Unlink(Paths.Deleting(name));
    }
}
