using System.Diagnostics;
using System.Reflection;
using Recd.Board;
using Recd.Platform;
using Recd.WritePaths;

namespace Recd.Calibration;

/// <summary>
/// "recd calibrate" without its front ends: the copy primitives, then every bulk candidate, then the
/// live stream at each batch size on each kind's bulk choice, within the time budget
/// (15% primitives, 55% bulk, 30% live; every step gets at least MinStep). Scratch files live in
/// <see cref="ScratchFolder"/> on the storage root (the medium being tuned): a hidden folder, which
/// recovery never looks into (it reads the root's files only, StorageRecovery), emptied before the
/// run (a crashed run's leftovers) and removed after it.
/// </summary>
public sealed class CalibrationRun(BoardProfile profile, int seconds, CalibrationProgress progress)
{
    public const string ScratchFolder = ".recd-calibrate";
    public static readonly TimeSpan MinStep = TimeSpan.FromMilliseconds(200);

    /// <summary>A live trial fills a 1 MiB batch in 0.84 s at 10 Mbit/s: below 1.2 s it would close one window or none.</summary>
    public static readonly TimeSpan LiveMinStep = TimeSpan.FromMilliseconds(1200);

    /// <summary>A trial stops at this many bytes even if its time is not up: a fast disk must not fill with scratch data.</summary>
    public long TrialByteCap { get; init; } = 512L << 20;

    /// <summary>--sender: every trial reads a connection from this sender, instructed what to send, instead of a loopback thread.</summary>
    public RemoteSender? Remote { get; init; }

    public static string ScratchPath(string storageRoot) => Path.Combine(storageRoot, ScratchFolder);

    public CalibrationOutcome Run(CancellationToken cancel)
    {
        var started = Stopwatch.GetTimestamp();
        string root = profile.Storage.Root;
        string scratch = ScratchPath(root);
        RemoveScratch(scratch);
        Directory.CreateDirectory(scratch);
        try
        {
            var mount = MountInfo.Find(scratch);
            var plan = CandidatePlan.For(profile);
            progress.Begin(1 + plan.Bulk.Count + plan.Bulk.Select(c => c.Kind).Distinct().Count() * plan.Batches.Count);
            var budget = TimeSpan.FromSeconds(Math.Max(1, seconds));

            progress.Step("copy primitives");
            var each = Max(budget * 0.15 / 6, MinStep / 2);
            var primitives = CopyPrimitives.Measure(scratch, each, TrialByteCap / 2, cancel);
            progress.Done($"primitives: memcpy {primitives.Memcpy.MiBps:F0} MiB/s, copy_to_user {primitives.CopyToUser.MiBps:F0}, " +
                          $"copy_from_user {primitives.CopyFromUser.MiBps:F0}");

            var bulkEach = Max(budget * 0.55 / Math.Max(1, plan.Bulk.Count), MinStep);
            var bulk = new List<TrialResult>();
            if (Remote is not null) progress.Note($"trials: waiting for connections from {Remote.Host} on port {Remote.Port} (recd-send-load --connect THIS:{Remote.Port} --follow-server)");
            foreach (var choice in plan.Bulk)
            {
                cancel.ThrowIfCancellationRequested();
                bulk.Add(Trial(choice, SenderShape.Bulk, 0, scratch, bulkEach, cancel));
            }

            // The batch ladder on each kind's bulk choice, cheapest kind first: a batch suits a path by
            // what one read moves (a buffer, a pipe's worth, an O_DIRECT buffer), so each path gets its own.
            var leads = Tuning.BestPerKind(profile, bulk).Values.OrderBy(t => t.NsPerByte).Select(t => t.Choice).ToList();
            if (leads.Count == 0) leads.Add(new PathChoice(WritePathKind.Buffered, profile.WritePaths.BufferBytes));
            var liveEach = Max(budget * 0.30 / Math.Max(1, leads.Count * plan.Batches.Count), LiveMinStep);
            var live = new List<TrialResult>();
            foreach (var lead in leads)
                foreach (int batch in plan.Batches)
                {
                    cancel.ThrowIfCancellationRequested();
                    live.Add(Trial(lead, SenderShape.Live, batch, scratch, liveEach, cancel));
                }
            Remote?.Finish(TimeSpan.FromSeconds(1));
            var tuned = Tuning.Decide(profile, bulk, live);
            progress.End();
            string sender = Remote is null ? "loopback" : $"{Remote.Host} (bulk and live)";
            return new CalibrationOutcome(profile.Board, $"{mount.FsType} on {mount.MountPoint} ({root})", seconds, DateTime.UtcNow,
                Stopwatch.GetElapsedTime(started), Version(), primitives, bulk, live, tuned) { Sender = sender };
        }
        finally { RemoveScratch(scratch); }
    }

    private TrialResult Trial(PathChoice choice, SenderShape shape, int batch, string scratch, TimeSpan duration, CancellationToken cancel)
    {
        var probe = new TrialResult(choice, shape, batch);
        progress.Step(probe.Key);
        // Live windows close on time (a 10 Mbit/s stream fills 8 MiB in 7 s): a quarter of the trial, so several close.
        int windowMs = shape.Paced ? Math.Max(100, (int)(duration.TotalMilliseconds / 4)) : profile.Selector.WindowMs;
        var result = PathTrial.Run(choice, shape, batch, profile.WritePaths, Path.Combine(scratch, "trial.ts"), duration,
            TrialByteCap, profile.Selector.WindowBytes, windowMs, cancel, Remote);
        progress.Done($"{result.Key}: {result.Summary}");
        return result;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Only what a run creates: files directly in the scratch folder, then the folder (never recursive beyond it).</summary>
    internal static void RemoveScratch(string scratch)
    {
        if (!Directory.Exists(scratch)) return;
        foreach (var f in Directory.EnumerateFiles(scratch)) File.Delete(f);
        Directory.Delete(scratch);
    }

    internal static string Version() =>
        typeof(CalibrationRun).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CalibrationRun).Assembly.GetName().Version?.ToString() ?? "unknown";
}
