using Recd.Interop;
using Recd.Logging;
using Recd.WritePaths;

namespace Recd.Recordings;

public sealed partial class RecordingStore
{
    private BeginOutcome BeginCore(string name, BeginMode mode, long resumeOffset, string client, PathPolicy? policy,
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

        // 1. Claim the name (no I/O under the lock).
        Manifest? existing;
        NameClaim claim;
        var outcome = BeginOutcome.Created;
        lock (_gate)
        {
            existing = _index.TryGetValue(name, out var e) ? e.Manifest : null;
            committed = existing?.CommittedLength ?? 0;
            if (existing is not null && existing.Name != name) return BeginOutcome.CaseCollision;
            if (_claims.ContainsKey(name)) return BeginOutcome.Busy;
            if (CountRecordingClaims() >= Options.MaxActiveRecordings) return BeginOutcome.TooMany;
            if (mode == BeginMode.Resume)
            {
                if (resumeOffset != committed) return BeginOutcome.OffsetMismatch;
                if (existing is not null) outcome = BeginOutcome.Resumed;
            }
            else if (existing is not null)
            {
                if (mode != BeginMode.Overwrite) return BeginOutcome.Exists;
                outcome = BeginOutcome.Replaced;
            }
            claim = new NameClaim(ClaimKind.Beginning) { Replacing = outcome == BeginOutcome.Replaced };
            _claims[name] = claim;
        }

        // 2. The files, outside the lock; the claim is given back whatever happens.
        bool begun = false;
        bool oldGone = false;
        try
        {
            if (outcome == BeginOutcome.Replaced)
            {
                errno = StoreFiles.Delete(Paths, name);
                oldGone = true; // even a failed delete may have renamed the manifest away: the old recording is no longer listed
                if (errno != 0) return BeginOutcome.StorageFailed;
                existing = null;
                committed = 0;
            }

            var now = DateTimeOffset.UtcNow;
            var manifest = (existing ?? new Manifest { Name = name, Created = now }) with
            {
                State = RecordingStates.Recording,
                Updated = now,
                Client = client,
                Reason = null,
                Protected = protect || (existing?.Protected ?? false),
            };

            // Manifest first: a crash between the two leaves a manifest of an empty recording, never
            // a data file nobody knows about.
            errno = ManifestFile.TryWrite(Paths, manifest);
            if (errno != 0) return BeginOutcome.StorageFailed;

            string data = Paths.Data(name);
            int fd = Libc.Open(data, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0x1A4 /* 0644 */);
            if (fd < 0) { errno = Libc.LastErrno; return BeginOutcome.StorageFailed; }
            // Whatever lies past the committed length was never promised: write over it from there.
            if (Libc.FTruncate(fd, committed) != 0) { errno = Libc.LastErrno; Libc.Close(fd); return BeginOutcome.StorageFailed; }

            var file = new RecordingFile(data, fd);
            var chosen = policy ?? DefaultPolicy;
            if (!chosen.Auto && chosen.Kind == WritePathKind.Direct && DirectUnavailable is not null)
            {
                manifest = manifest with { Reason = $"direct unavailable on this mount ({DirectUnavailable}): buffered instead" };
                chosen = WritePathKind.Buffered;
            }
            var selector = chosen.Auto ? Selection.NewSelector(ActiveCount, directUsable: DirectUnavailable is null) : null;
            var start = selector?.Current ?? chosen.Choice ?? _factory.DefaultChoice(chosen.Kind);
            if (selector is not null && Log.MinLevel <= LogLevel.Debug) Log.Debug($"{name}: {selector.Reason}");
            try { recording = new Recording(this, manifest, file, _factory, start, selector, committed); }
            catch { selector?.Finish(); throw; } // its probe round and crowd are the mount's again

            // 3. Publish: the name now belongs to the recording.
            lock (_gate)
            {
                long incarnation = outcome == BeginOutcome.Resumed && _index.TryGetValue(name, out var old) ? old.Incarnation : ++_incarnations;
                _index[name] = new IndexEntry(recording.Snapshot(), incarnation);
                claim.Kind = ClaimKind.Recording;
                claim.Recording = recording;
            }
            begun = true;
            return outcome;
        }
        finally
        {
            if (!begun)
                lock (_gate)
                {
                    _claims.Remove(name);
                    if (oldGone) _index.Remove(name);
                }
        }
    }
}
