using Recd.Board;
using Recd.Calibration;
using Recd.Diagnostics;
using Recd.Diagnostics.Shell;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.WritePaths;

namespace Recd.Tests.Calibration;

/// <summary>Calibration beside recordings: its scratch folder is invisible to recovery, and the shell refuses while recording.</summary>
public sealed class ScratchTests : IDisposable
{
    private readonly StoreFixture _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void ACrashedRunsScratchFolderIsNeitherAdoptedNorComplainedAbout()
    {
        string scratch = CalibrationRun.ScratchPath(_store.Dir.Path);
        Directory.CreateDirectory(scratch);
        File.WriteAllBytes(Path.Combine(scratch, "trial.ts"), new byte[8192]);
        var said = new List<string>();
        var found = StorageRecovery.Run(new StoragePaths(_store.Dir.Path), said);
        Assert.Empty(found);
        Assert.DoesNotContain(said, l => l.Contains("calibrate") || l.Contains("trial"));
        Assert.True(File.Exists(Path.Combine(scratch, "trial.ts"))); // left for the next run to remove

        CalibrationRun.RemoveScratch(scratch);
        Assert.False(Directory.Exists(scratch));
    }

    [Fact]
    public void TheShellRefusesWhileARecordingIsActiveUnlessForced()
    {
        var profile = new BoardProfile { Board = "test" };
        profile.Storage.Root = _store.Dir.Path;
        var commands = new DiagnosticCommands(profile, _store.Store, () => 0, DateTime.UtcNow);
        using var rec = _store.Begin("live.ts", WritePathKind.Buffered);
        var output = new StringOutput();
        int status = commands.Table.Execute("calibrate --seconds 1", new CommandContext(output, privileged: true, interactive: false, CancellationToken.None));
        Assert.Equal(CommandTable.Refused, status);
        Assert.Contains("1 recording(s) active", output.ToString());
        Assert.False(Directory.Exists(CalibrationRun.ScratchPath(_store.Dir.Path)));
    }
}
