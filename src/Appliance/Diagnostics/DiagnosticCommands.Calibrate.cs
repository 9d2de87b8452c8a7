using System.Globalization;
using Recd.Calibration;
using Recd.Diagnostics.Shell;

namespace Recd.Diagnostics;

/// <summary>
/// "calibrate [--seconds N] [--force]" in the shell: the same run as "recd calibrate", inside the
/// daemon, so the store is asked directly whether recordings are active. The tuned profile and the
/// report go to the state folder: the daemon may run as the service user, who cannot write the
/// board folder (/etc/recd/board); an operator copies the profile there.
/// </summary>
public sealed partial class DiagnosticCommands
{
    /// <summary>One run at a time: two would measure each other.</summary>
    private int _calibrating;

    private int Calibrate(CommandContext ctx, string[] args)
    {
        int seconds = 30;
        bool force = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--force") force = true;
            else if (args[i] == "--seconds" && i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out seconds) && seconds is >= 1 and <= 3600) { }
            else { ctx.Line("usage: calibrate [--seconds N (1..3600)] [--force]"); return CommandTable.Usage; }
        }
        int active = _store.ActiveCount;
        if (active > 0 && !force)
        {
            ctx.Line($"calibrate: {active} recording(s) active; they would compete with the run for CPU and disk. Wait, or --force.");
            return CommandTable.Refused;
        }
        if (Interlocked.Exchange(ref _calibrating, 1) == 1) { ctx.Line("calibrate: a run is already in progress"); return CommandTable.Failed; }
        try
        {
            var progress = new CalibrationProgress(ctx.Out.Write, terminal: ctx.Interactive);
            string dir = _profile.Storage.StateDir ?? Recordings.StorageOptions.DefaultStateDir(_store.Paths.Root);
            var (_, tuned, _) = CalibrationOutputs.RunAndWrite(_profile, seconds, dir, null, null, progress, ctx.Cancel);
            progress.Note("copy the profile into the board folder and start with --board " + Path.GetFileNameWithoutExtension(tuned));
            return CommandTable.Ok;
        }
        finally { Volatile.Write(ref _calibrating, 0); }
    }
}
