using System.Text;
using Recd.Platform;
using Recd.Ingest;
using Recd.Logging;
using Recd.Recordings;

namespace Recd.Diagnostics;

/// <summary>
/// GET /metrics: what a scrape collects, from immutable snapshots and atomic counters only. The
/// store's lock is taken once, for the time it takes to copy references (never across I/O); the only
/// system call is statvfs for the free space. No thread of the data path waits for a scrape.
/// Names follow the Prometheus conventions: recd_ prefix, base units as suffixes (_bytes, _seconds),
/// _total for counters.
/// </summary>
public sealed class Metrics(RecordingStore store, IngestListener listener, DateTimeOffset started)
{
    private static readonly string[] States =
        [RecordingStates.Recording, RecordingStates.Complete, RecordingStates.Interrupted, RecordingStates.Damaged];

    public byte[] RenderUtf8() => Encoding.UTF8.GetBytes(Collect().Render());

    public MetricsWriter Collect()
    {
        var w = new MetricsWriter();
        w.Gauge("recd_build_info", "Always 1; the labels say what is running.", 1,
            ("version", BuildInfo.Version), ("commit", BuildInfo.Commit), ("rid", BuildInfo.Rid));
        w.Gauge("recd_start_time_seconds", "When the daemon started, in seconds since the Unix epoch.", started.ToUnixTimeMilliseconds() / 1000.0);

        var counts = store.Counts();
        ReceivedBytes(w, counts);
        foreach (var state in States.Union(counts.ByState.Keys.Order(StringComparer.Ordinal)))
            w.Gauge("recd_recordings", "Recordings in the store, by state.", counts.ByState.GetValueOrDefault(state), ("state", state));
        w.Gauge("recd_active_recordings", "Recordings being written now.", counts.Active.Count);
        long slow = counts.Finished.SlowWrites;
        foreach (var a in counts.Active) slow += a.Snapshot.SlowWrites;
        w.Counter("recd_slow_writes_total", "File writes and syncs slower than Storage:SlowWriteMs.", slow);

        Errors(w);
        Costs(w);
        Storage(w);

        w.Gauge("recd_connections", "Client connections open now.", listener.ConnectionCount);
        w.Counter("recd_connection_evictions_total", "Connections closed to make room for a newcomer at Http:MaxConnections.", listener.Evictions);
        w.Counter("recd_connection_rate_closures_total", "Connections closed for staying below a minimum data rate.", listener.RateClosures);
        w.Counter("recd_log_dropped_lines_total", "Log lines dropped because stderr did not keep up.", Log.Dropped);
        return w;
    }

    /// <summary>
    /// Finished transfers' totals plus what each active one has received so far (its snapshot, at
    /// most a second old): the counter rises while a recording runs, and does not jump when it ends.
    /// </summary>
    private static void ReceivedBytes(MetricsWriter w, RecordingStore.CountsView counts)
    {
        const string Name = "recd_received_bytes_total", Help = "Body bytes written to recordings, by write path (memory: bytes that arrived with the head).";
        w.Declare(MetricsWriter.Kind.Counter, Name, Help);
        var bytes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (path, n) in counts.Finished.BytesByPath) bytes[path] = n;
        foreach (var a in counts.Active)
            foreach (var (path, n) in RecordingStore.Received(a.Snapshot, a.BytesBefore))
                bytes[path] = bytes.GetValueOrDefault(path) + n;
        foreach (var (path, n) in bytes) w.Counter(Name, Help, n, ("path", path));
    }

    private static void Errors(MetricsWriter w)
    {
        const string Storage = "recd_storage_errors_total", StorageHelp = "Storage errors met by recordings and requests, by errno.";
        w.Declare(MetricsWriter.Kind.Counter, Storage, StorageHelp);
        foreach (var (errno, n) in StorageCounters.Errors.NonZero()) w.Counter(Storage, StorageHelp, n, ("errno", errno));

        const string Fallbacks = "recd_write_path_fallbacks_total", FallbacksHelp = "Write paths the storage refused mid-recording (the recording went on with another), by errno.";
        w.Declare(MetricsWriter.Kind.Counter, Fallbacks, FallbacksHelp);
        foreach (var (errno, n) in StorageCounters.Fallbacks.NonZero()) w.Counter(Fallbacks, FallbacksHelp, n, ("errno", errno));

        const string Refused = "recd_http_refusals_total", RefusedHelp = "Requests answered with an error status, by status code.";
        w.Declare(MetricsWriter.Kind.Counter, Refused, RefusedHelp);
        foreach (var (status, n) in Refusals.NonZero()) w.Counter(Refused, RefusedHelp, n, ("code", status.ToString()));

        w.Counter("recd_selector_switches_total", "Times an auto recording settled on another write path than the one it had chosen.", StorageCounters.SelectorSwitches);
        w.Counter("recd_selector_probes_total", "Times an auto recording moved to a write path other than its chosen one to measure it.", StorageCounters.SelectorProbes);
    }

    /// <summary>The learned costs as of the last merge (a copy published by LearnedCosts, never its live table).</summary>
    private void Costs(MetricsWriter w)
    {
        const string Name = "recd_write_path_cpu_seconds_per_byte", Help = "Learned CPU cost of a write path on a storage mount (Selector view), in CPU seconds per byte.";
        w.Declare(MetricsWriter.Kind.Gauge, Name, Help);
        foreach (var (mount, paths) in store.Selection.Learned.Published.OrderBy(m => m.Key, StringComparer.Ordinal))
            foreach (var (path, cost) in paths.OrderBy(p => p.Key, StringComparer.Ordinal))
                if (cost.Windows > 0 && double.IsFinite(cost.NsPerByte))
                    w.Gauge(Name, Help, cost.NsPerByte * 1e-9, ("mount", mount), ("path", path));
    }

    private void Storage(MetricsWriter w)
    {
        if (FreeSpace.Of(store.Paths.Root) is not { } fs) return; // statvfs failed: absent, rather than a made-up 0
        w.Gauge("recd_storage_size_bytes", "Size of the storage filesystem.", fs.TotalBytes);
        w.Gauge("recd_storage_free_bytes", "Free space on the storage for an unprivileged writer (f_bavail).", fs.AvailableBytes);
        w.Gauge("recd_storage_reserve_bytes", "Free space kept back (Storage:ReserveBytes/ReservePercent): below it new recordings get 507 and retention deletes.", store.Space.ReserveFor(fs));
    }
}
