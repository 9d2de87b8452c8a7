using System.Text.RegularExpressions;
using Recd.Board;
using Recd.Diagnostics;
using Recd.Diagnostics.Shell;
using Recd.Hosting;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.WritePaths;

namespace Recd.Tests.Diagnostics;

/// <summary>
/// "status --format=kv", the answer programs read (recd calibrate), beside the human "status" it
/// must leave as it was; and calibrate asking a real control socket for it.
/// </summary>
public sealed class StatusKeyValueTests : IDisposable
{
    private readonly StoreFixture _store = new();
    private readonly BoardProfile _profile = new() { Board = "test" };
    private readonly DiagnosticCommands _commands;

    public StatusKeyValueTests()
    {
        _commands = new DiagnosticCommands(_profile, _store.Store, () => 3, DateTime.UtcNow.AddSeconds(-90));
    }

    public void Dispose() => _store.Dispose();

    private (int Status, string Text) Run(string line)
    {
        var output = new StringOutput();
        int status = _commands.Table.Execute(line, new CommandContext(output, privileged: false, interactive: false, CancellationToken.None));
        return (status, output.ToString());
    }

    [Fact]
    public void EveryKeyOnceInOrderOneKeyValueALineNumbersWhole()
    {
        using var rec = _store.Begin("kv.ts", WritePathKind.Buffered);
        var (status, text) = Run("status --format=kv");
        Assert.Equal(CommandTable.Ok, status);
        Assert.EndsWith("\n", text);
        var lines = text[..^1].Split('\n');
        Assert.All(lines, l => Assert.Matches(new Regex("^[a-z_]+=[^\r\n]*$"), l));
        Assert.Equal(StatusKeys.All, lines.Select(l => l[..l.IndexOf('=')]).ToArray());
        Assert.True(StatusKeys.TryParse(text, out var kv));
        foreach (var key in new[] { StatusKeys.UptimeSeconds, StatusKeys.StorageFreeBytes, StatusKeys.StorageTotalBytes,
                     StatusKeys.StorageReserveBytes, StatusKeys.Connections, StatusKeys.ActiveRecordings, StatusKeys.LogLinesDropped })
            Assert.True(StatusKeys.TryGetLong(kv, key, out _), $"{key}={kv[key]} is not a whole number");
        Assert.Equal("1", kv[StatusKeys.ActiveRecordings]);
        Assert.Equal("3", kv[StatusKeys.Connections]);
        Assert.Equal("test", kv[StatusKeys.Board]);
        Assert.Equal(_store.Store.Paths.Root, kv[StatusKeys.StorageRoot]);
        Assert.InRange(long.Parse(kv[StatusKeys.UptimeSeconds]), 89, 3600);
        Assert.True(long.Parse(kv[StatusKeys.StorageFreeBytes]) > 0);
        Assert.Contains(kv[StatusKeys.Direct], new[] { "available", "unavailable" });
        rec.Finish(RecordingStates.Complete, null);
        Assert.True(StatusKeys.TryParse(Run("status --format=kv").Text, out kv));
        Assert.Equal("0", kv[StatusKeys.ActiveRecordings]);
    }

    [Fact]
    public void TheHumanStatusIsAsBeforeAndAnUnknownFormatIsAUsageError()
    {
        using var rec = _store.Begin("human.ts", WritePathKind.Buffered);
        var (status, text) = Run("status");
        Assert.Equal(CommandTable.Ok, status);
        Assert.StartsWith("recd up 0h01m, board test (-), listen ", text);
        Assert.Contains("connections 3, active recordings 1\n", text);
        Assert.Contains("  human.ts ", text);
        Assert.DoesNotContain("active_recordings=", text);
        // Figures aside (free space moves while other tests write to /tmp), the same text.
        static string Shape(string t) => Regex.Replace(t, @"\d+", "N");
        Assert.Equal(Shape(text), Shape(Run("status --format=text").Text));
        Assert.Equal(CommandTable.Usage, Run("status --format=json").Status);
        Assert.Equal(CommandTable.Usage, Run("status extra").Status);
        rec.Finish(RecordingStates.Complete, null);
    }

    [Theory]
    [InlineData("")]
    [InlineData("recd up 0h01m, board test (-), listen 0.0.0.0\nconnections 0, active recordings 2\n")] // the human text
    [InlineData("a=1\na=2\n")]
    public void AnythingButKeyValueLinesDoesNotParse(string text) => Assert.False(StatusKeys.TryParse(text, out _));

    [Fact]
    public void ALineBreakInAValueCannotForgeAKey() =>
        Assert.Equal("root?active_recordings=0", StatusKeys.Clean("root\nactive_recordings=0"));

    [Fact]
    public void CalibrateCountsActiveRecordingsThroughARealControlSocket()
    {
        var profile = ProfileWithSocket(out string socket);
        using var control = new ControlSocket(socket, _commands.Table);
        control.Start();
        using (var rec = _store.Begin("live.ts", WritePathKind.Buffered))
        {
            Assert.Equal((1, (string?)null), CalibrateCommand.ActiveRecordings(profile));
            rec.Finish(RecordingStates.Complete, null);
        }
        Assert.Equal((0, (string?)null), CalibrateCommand.ActiveRecordings(profile));
    }

    [Fact]
    public void ADaemonAnsweringOnlyTheHumanTextCannotBeCountedSoCalibrateRefuses()
    {
        var profile = ProfileWithSocket(out string socket);
        // A daemon from before --format=kv: its status ignores arguments and prints the human text.
        var old = new CommandTable().Add(new("status", "status", "", "", false, (ctx, _) =>
        {
            ctx.Out.Write("recd up 0h01m, board test (-), listen 0.0.0.0\nconnections 0, active recordings 0\n");
            return CommandTable.Ok;
        }));
        using var control = new ControlSocket(socket, old);
        control.Start();
        var (active, unknown) = CalibrateCommand.ActiveRecordings(profile);
        Assert.Equal(0, active);
        Assert.NotNull(unknown);
        Assert.Contains("active recordings 0", unknown);
    }

    private BoardProfile ProfileWithSocket(out string socket)
    {
        socket = _store.Dir.File("control.sock");
        var profile = new BoardProfile { Board = "test", ControlSocket = socket };
        profile.Storage.Root = _store.Dir.Path;
        return profile;
    }
}
