using System.Security.Cryptography;
using Recd.Board;
using Recd.Diagnostics;
using Recd.Diagnostics.Shell;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Shell;

/// <summary>The command table as "recd ctl" runs it: text and exit status, no terminal.</summary>
public sealed class ShellCommandTests : IDisposable
{
    private readonly StoreFixture _store = new();
    private readonly BoardProfile _profile = new() { Board = "test" };
    private readonly DiagnosticCommands _commands;

    public ShellCommandTests()
    {
        _commands = new DiagnosticCommands(_profile, _store.Store, () => 0, DateTime.UtcNow);
    }

    public void Dispose() => _store.Dispose();

    private (int Status, string Text) Run(string line, bool privileged = true, CancellationToken cancel = default)
    {
        var output = new StringOutput();
        int status = _commands.Table.Execute(line, new CommandContext(output, privileged, interactive: false, cancel));
        return (status, output.ToString());
    }

    [Theory]
    [InlineData("status")]
    [InlineData("help")]
    [InlineData("rec list")]
    [InlineData("paths")]
    [InlineData("disk")]
    [InlineData("profile show")]
    [InlineData("log 50")]
    [InlineData("sensors")]
    [InlineData("gpio")]
    [InlineData("version")]
    [InlineData("help rec")]
    [InlineData("help status")]
    public void EveryAnswerFitsEightyColumns(string line)
    {
        using (var rec = _store.Begin("a-rather-long-recording-name-for-the-columns.ts", WritePathKind.Buffered))
        {
            rec.WriteFromBuffer(new byte[4096]);
            var (status, text) = Run(line);
            Assert.Equal(0, status);
            Assert.NotEmpty(text);
            Assert.All(text.Split('\n'), l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
            rec.Finish(RecordingStates.Complete, null);
        }
    }

    [Fact]
    public void ErrorsHaveANonZeroStatus()
    {
        Assert.Equal(CommandTable.Usage, Run("frobnicate").Status);
        Assert.Contains("unknown command", Run("frobnicate").Text);
        Assert.Equal(CommandTable.Failed, Run("rec show nope").Status);
        Assert.Equal(CommandTable.Usage, Run("path set fastest").Status);
        Assert.Equal(CommandTable.Usage, Run("calibrate --seconds soon").Status);
        Assert.Contains("usage: calibrate", Run("calibrate --seconds soon").Text);
    }

    [Fact]
    public void StateChangesAreRefusedWithoutPrivilege()
    {
        Assert.Equal(CommandTable.Refused, Run("path set direct", privileged: false).Status);
        Assert.Equal(CommandTable.Refused, Run("nosplice on", privileged: false).Status);
        Assert.Equal(CommandTable.Refused, Run("rec stop x", privileged: false).Status);
        Assert.Equal(CommandTable.Refused, Run("calibrate --seconds 1", privileged: false).Status); // it writes files
        Assert.Equal(0, Run("nosplice", privileged: false).Status); // showing it is a read
        Assert.False(_profile.WritePaths.NoSplice);
    }

    [Fact]
    public void PathSetChangesTheDefaultOfNewRecordings()
    {
        Assert.Equal(0, Run("path set splice").Status);
        Assert.Equal("splice", _store.Store.DefaultPolicy.ToString());
        var outcome = _store.Store.TryBegin("new.ts", BeginMode.Create, 0, "test", null, out var rec, out _, out _);
        Assert.Equal(BeginOutcome.Created, outcome);
        using (rec) { Assert.Equal(WritePathKind.Splice, rec!.PathKind); rec.Finish(RecordingStates.Complete, null); }
        Assert.Contains("default path splice", Run("status").Text);
    }

    [Fact]
    public void NoSpliceAppliesToNewPaths()
    {
        Assert.Equal(0, Run("nosplice on").Status);
        Assert.True(_profile.WritePaths.NoSplice);
        Assert.Equal("nosplice on\n", Run("nosplice").Text);
        Assert.Equal(0, Run("nosplice off").Status);
        Assert.False(_profile.WritePaths.NoSplice);
    }

    [Fact]
    public void VerifyHashesTheCommittedBytes()
    {
        var data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        using (var rec = _store.Begin("v.ts", WritePathKind.Buffered))
        {
            rec.WriteFromBuffer(data);
            rec.Finish(RecordingStates.Complete, null);
        }
        var (status, text) = Run("verify v.ts");
        Assert.Equal(0, status);
        Assert.StartsWith(Convert.ToHexStringLower(SHA256.HashData(data)) + "  v.ts\n", text);
        Assert.Contains($"{data.Length} committed bytes", text);
    }

    [Fact]
    public void VerifyStopsOnCtrlC()
    {
        using (var rec = _store.Begin("c.ts", WritePathKind.Buffered))
        {
            rec.WriteFromBuffer(new byte[2 << 20]);
            rec.Finish(RecordingStates.Complete, null);
        }
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var (status, text) = Run("verify c.ts", cancel: cts.Token);
        Assert.Equal(CommandTable.Cancelled, status);
        Assert.Contains("cancelled", text);
    }

    [Fact]
    public void RecStopEndsATransferAtItsNextSpanWithItsManifestFinished()
    {
        using var pair = new LoopbackPair();
        using var rec = _store.Begin("live.ts", WritePathKind.Buffered);
        // A slow live stream: 64 KiB every 20 ms, far from the 64 MiB it announces.
        var sender = pair.SendPatternAsync(0, 64L << 20, [64 << 10], delayMs: 20);
        var receiving = Task.Factory.StartNew(() => rec.Receive(pair.ServerFd, 64L << 20), TaskCreationOptions.LongRunning);
        // Stop only once bytes are flowing: a stop that lands before the transfer's first span is a
        // different case (nothing to commit), and a loaded thread pool could start the transfer late.
        var flowing = System.Diagnostics.Stopwatch.StartNew();
        while (rec.Progress.Written == 0 && flowing.ElapsedMilliseconds < 10_000) Thread.Sleep(10);
        Assert.True(rec.Progress.Written > 0, "no byte arrived in 10 s");
        var (status, text) = Run("rec stop live.ts");
        Assert.Equal(0, status);
        Assert.Contains("stop requested", text);
        Assert.True(receiving.Wait(5000), "the transfer did not stop");
        Assert.Equal(MoveStatus.Stopped, receiving.Result.Status);
        Assert.Equal(0, rec.Finish(RecordingStates.Interrupted, "stopped by the operator"));
        var m = _store.Store.Find("live.ts")!;
        Assert.Equal(RecordingStates.Interrupted, m.State);
        Assert.Equal(rec.Length, m.CommittedLength);
        Assert.True(m.CommittedLength > 0, $"committed {m.CommittedLength}, length {rec.Length}, state {m.State}, moved {receiving.Result.Moved}");
        Assert.Equal(CommandTable.Failed, Run("rec stop live.ts").Status); // no longer recording
        pair.Client.Close();
        try { sender.Wait(2000); } catch (AggregateException) { }
    }

    [Fact]
    public void SensorsReadThermalZones()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("thermal_zone0"));
        File.WriteAllText(dir.File("thermal_zone0/type"), "cpu-thermal\n");
        File.WriteAllText(dir.File("thermal_zone0/temp"), "48312\n");
        string saved = DiagnosticCommands.ThermalRoot;
        DiagnosticCommands.ThermalRoot = dir.Path;
        try { Assert.Matches(@"thermal_zone0 +cpu-thermal +48\.3 C", Run("sensors").Text); }
        finally { DiagnosticCommands.ThermalRoot = saved; }
        DiagnosticCommands.ThermalRoot = "/nonexistent";
        try { Assert.Equal("no sensors\n", Run("sensors").Text); }
        finally { DiagnosticCommands.ThermalRoot = saved; }
    }
}
