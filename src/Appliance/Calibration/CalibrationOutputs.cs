using Recd.Board;

namespace Recd.Calibration;

/// <summary>A run and its two outputs, as "recd calibrate" and the shell's "calibrate" both do it.</summary>
public static class CalibrationOutputs
{
    /// <param name="report">The report's path; null: BASE.calibration.md beside the tuned profile.</param>
    public static (CalibrationOutcome Outcome, string Tuned, string Report) RunAndWrite(BoardProfile profile, int seconds, string outDir,
        string? report, string? note, CalibrationProgress progress, CancellationToken cancel, RemoteSender? remote = null)
    {
        var outcome = new CalibrationRun(profile, seconds, progress) { Remote = remote }.Run(cancel);
        string tuned = TunedProfileWriter.Write(profile, outcome, outDir);
        string md = report ?? Path.Combine(outDir, TunedProfileWriter.BaseOf(profile) + ".calibration.md");
        CalibrationReport.Write(outcome, md, tuned, note);
        foreach (var r in outcome.Tuned.Reasons) progress.Note("tuned " + r);
        progress.Note($"tuned profile {tuned}; report {md}");
        return (outcome, tuned, md);
    }
}
