using Recd.Interop;
using Recd.Logging;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Recordings;

/// <summary>
/// Names -> files under one storage root. Knows which recordings exist (an index of manifest
/// snapshots, rebuilt from disk at start) and what is being done to each name right now (at most one
/// claim per name: a begin, an active recording, a delete).
/// Locking: one lock guards the two maps (and the finished transfers' totals, which change with them). Names are claimed and results published
/// under it; every disk operation (manifest writes with their fsyncs, opens, truncates, unlinks)
/// happens outside it, so a listing, a HEAD or the control socket never waits for a slow disk
/// (a USB disk can take seconds over one fsync). The snapshots in the index are immutable
/// <see cref="Manifest"/> records that the owning transfer thread publishes at window and commit
/// boundaries; no other thread reads a recording's or its selector's mutable state.
/// </summary>
public sealed partial class RecordingStore
{
    private readonly object _gate = new();
    private Dictionary<string, IndexEntry> _index = new(StringComparer.Ordinal);
    private Dictionary<string, NameClaim> _claims = new(StringComparer.Ordinal);
    private readonly WritePathFactory _factory;
    private long _incarnations;

    /// <summary>
    /// A recording as listed: its latest snapshot, and the incarnation of its files (new on create
    /// and replace, kept across commits and resumes), which tells a reader whether the file it
    /// opened still belongs to the snapshot it answers from.
    /// </summary>
    private readonly record struct IndexEntry(Manifest Manifest, long Incarnation);

    private enum ClaimKind { Beginning, Recording, Deleting }

    private sealed class NameClaim(ClaimKind kind)
    {
        public ClaimKind Kind { get; set; } = kind;
        public Recording? Recording { get; set; }
        public bool Destructive => Kind == ClaimKind.Deleting || Replacing;
        public bool Replacing { get; init; }
    }

    public RecordingStore(StorageOptions options, WritePathFactory factory, SelectorOptions? selector = null)
    {
        Options = options;
        _factory = factory;
        Paths = new StoragePaths(Path.GetFullPath(options.Root));
        StateDir = Path.GetFullPath(options.StateDir ?? StorageOptions.DefaultStateDir(Paths.Root));
        Selection = new SelectionContext(selector ?? new SelectorOptions(), factory, Paths.Root, StateDir);
        _defaultPolicy = PathPolicy.TryParse(factory.Options.Default, out var p) ? p : WritePathKind.Buffered;
        Space = new SpaceGuard(options, Paths.Root);
    }

    public SpaceGuard Space { get; }

    /// <summary>Transfers beat here while they receive; the systemd watchdog reads it (Hosting/SystemdNotifier).</summary>
    public HeartbeatRegistry Heartbeats { get; } = new();

    /// <summary>Why O_DIRECT cannot be used on this mount (probed at start, or learned from a refusal), or null.</summary>
    public string? DirectUnavailable { get; private set; }

    /// <summary>The storage does not tell names apart by case (exFAT, FAT, NTFS under Windows rules): probed at start.</summary>
    public bool CaseInsensitive { get; private set; }

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

    /// <summary>The profile's write-path settings: what a request's "kind/size@batch" is parsed against.</summary>
    public WritePathOptions PathOptions => _factory.Options;

    private PathPolicy _defaultPolicy;

    /// <summary>The policy of recordings that ask for none; "path set" changes it for new recordings only.</summary>
    public PathPolicy DefaultPolicy
    {
        get { lock (_gate) return _defaultPolicy; }
        set { lock (_gate) _defaultPolicy = value; }
    }

    /// <summary>Asks the transfer writing NAME to end cleanly (see <see cref="Recording.RequestStop"/>); false if none is.</summary>
    public bool TryRequestStop(string name)
    {
        lock (_gate)
        {
            if (!_claims.TryGetValue(name, out var c) || c.Recording is not { } recording) return false;
            recording.RequestStop();
            return true;
        }
    }

    public int ActiveCount { get { lock (_gate) return CountRecordingClaims(); } }

    private int CountRecordingClaims()
    {
        int n = 0;
        foreach (var c in _claims.Values) if (c.Kind != ClaimKind.Deleting) n++;
        return n;
    }

    /// <summary>Rebuilds the index from what is on disk (see <see cref="StorageRecovery"/>).</summary>
    public void Recover()
    {
        Directory.CreateDirectory(Paths.Root);
        Directory.CreateDirectory(StateDir);
        DirectUnavailable = DirectProbe.WhyUnavailable(Paths.Root);
        if (DirectUnavailable is not null) Log.Warn($"storage {Paths.Root}: O_DIRECT unavailable ({DirectUnavailable}); recordings here use other paths");
        CaseInsensitive = CaseProbe.IsCaseInsensitive(Paths.Root);
        if (CaseInsensitive) Log.Info($"storage {Paths.Root}: names are case-insensitive here; names differing only in case are refused");
        var comparer = CaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;
        var found = StorageRecovery.Run(Paths);
        lock (_gate)
        {
            _index = new Dictionary<string, IndexEntry>(comparer);
            _claims = new Dictionary<string, NameClaim>(comparer);
            foreach (var m in found) _index[m.Name] = new IndexEntry(m, ++_incarnations);
        }
        Log.Info($"storage {Paths.Root}: {found.Count} recordings");
    }

    /// <summary>Writes a recording's manifest (temp, fsync, rename, directory fsync), outside the lock. Returns 0 or the errno.</summary>
    internal int WriteManifest(Manifest manifest) => ManifestFile.TryWrite(Paths, manifest);

    /// <summary>The active recording's newest snapshot replaces what the index lists. No I/O.</summary>
    internal void Publish(Recording recording, Manifest snapshot)
    {
        lock (_gate)
            if (_claims.TryGetValue(recording.Name, out var c) && ReferenceEquals(c.Recording, recording))
                _index[recording.Name] = _index[recording.Name] with { Manifest = snapshot };
    }

    /// <summary>The transfer is over: its final snapshot is listed and the name is free again.</summary>
    internal void Release(Recording recording, Manifest final)
    {
        lock (_gate)
        {
            if (!_claims.TryGetValue(recording.Name, out var c) || !ReferenceEquals(c.Recording, recording)) return;
            _claims.Remove(recording.Name);
            _index[recording.Name] = _index[recording.Name] with { Manifest = final };
            AddFinished(recording, final);
        }
        Changed?.Invoke(new RecordingEvent(RecordingEventKind.Ended, recording.Name, final.State));
    }

    /// <summary>Manifest snapshot of a recording (the newest published one for an active recording), or null.</summary>
    public Manifest? Find(string name)
    {
        lock (_gate) return _index.TryGetValue(name, out var e) ? e.Manifest : null;
    }

    public List<Manifest> List()
    {
        List<Manifest> list;
        lock (_gate)
        {
            list = new List<Manifest>(_index.Count);
            foreach (var e in _index.Values) list.Add(e.Manifest);
        }
        list.Sort((a, b) => a.Created != b.Created ? a.Created.CompareTo(b.Created) : string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    public enum OpenOutcome { Opened, NotFound, StorageFailed }

    /// <summary>
    /// Opens a recording's data for reading together with the snapshot it is served under: if a delete
    /// or an overwrite of the name started, or finished, between taking the snapshot and the open, the
    /// descriptor might be the new recording's file, and it is closed and the name looked up again.
    /// The caller owns <paramref name="fd"/>. The open itself happens outside the lock.
    /// </summary>
    public OpenOutcome TryOpenForRead(string name, out Manifest? manifest, out int fd, out int errno) =>
        TryOpenForRead(name, out manifest, out fd, out errno, out _);

    /// <summary>As above; <paramref name="progress"/> is the recording's written length while it is being written, else null.</summary>
    public OpenOutcome TryOpenForRead(string name, out Manifest? manifest, out int fd, out int errno, out RecordingProgress? progress)
    {
        fd = -1;
        progress = null;
        errno = 0;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            long incarnation;
            lock (_gate)
            {
                manifest = ReadableEntry(name, out incarnation);
                if (manifest is null) return OpenOutcome.NotFound;
            }
            BetweenSnapshotAndOpenForTesting?.Invoke(name);
            fd = Libc.Open(Paths.Data(manifest.Name), Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
            if (fd < 0) errno = Libc.LastErrno;
            lock (_gate)
                if (ReadableEntry(name, out long now) is not null && now == incarnation)
                {
                    if (_claims.TryGetValue(name, out var c) && c.Recording is { } live) progress = live.Progress;
                    return fd >= 0 ? OpenOutcome.Opened : OpenOutcome.StorageFailed;
                }
            if (fd >= 0) Libc.Close(fd);
            fd = -1;
        }
        manifest = null;
        return OpenOutcome.NotFound;
    }

    /// <summary>Test seam: runs where a racing delete or overwrite would slip in.</summary>
    internal Action<string>? BetweenSnapshotAndOpenForTesting { get; set; }

    /// <summary>Under the lock: the listed snapshot, unless a delete or a replace of the name is under way.</summary>
    private Manifest? ReadableEntry(string name, out long incarnation)
    {
        incarnation = 0;
        if (!_index.TryGetValue(name, out var e)) return null;
        if (_claims.TryGetValue(name, out var c) && c.Destructive) return null;
        incarnation = e.Incarnation;
        return e.Manifest;
    }

    /// <summary>How many recordings <see cref="ActiveSnapshots"/> would list, without the list (board I/O counts them at every render).</summary>
    public int WritingCount()
    {
        lock (_gate)
        {
            int n = 0;
            foreach (var (name, c) in _claims)
                if (c.Recording is not null && _index.ContainsKey(name)) n++;
            return n;
        }
    }

    /// <summary>Recordings being written now (their newest snapshots).</summary>
    public List<Manifest> ActiveSnapshots()
    {
        lock (_gate)
        {
            var list = new List<Manifest>();
            foreach (var (name, c) in _claims)
                if (c.Recording is not null && _index.TryGetValue(name, out var e)) list.Add(e.Manifest);
            return list;
        }
    }
}
