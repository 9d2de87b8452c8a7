using System.Text.Json;
using Recd.Board;
using Recd.Calibration;
using Recd.Hosting;
using Recd.Selection;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Calibration;

/// <summary>
/// The tuned profile: written from a run's figures, it passes "profile check" beside its base, loads
/// through the normal layering with "--board BASE.tuned", and changes where auto starts.
/// </summary>
public sealed class TunedProfileTests : IDisposable
{
    private readonly TempDir _boards = new();
    private readonly TempDir _root = new();

    public TunedProfileTests()
    {
        string shipped = FindBoardDir();
        File.Copy(Path.Combine(shipped, "host-x86_64.json"), _boards.File("host-x86_64.json"));
    }

    public void Dispose() { _boards.Dispose(); _root.Dispose(); }

    private static string FindBoardDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "board", "host-x86_64.json"))) return Path.Combine(d.FullName, "board");
        throw new DirectoryNotFoundException("board/ not found above the test binary");
    }

    private BoardProfile Load(string board) =>
        ProfileLoader.Load(["--board-dir", _boards.Path, "--board", board, "--storage", _root.Path], "/nonexistent/compatible").Profile;

    private static TrialResult Bulk(WritePathKind kind, int size, double nsPerByte, string? error = null) =>
        new(new PathChoice(kind, size), SenderShape.Bulk, 0)
        {
            Bytes = 100 << 20, ThreadCpuNs = (long)(nsPerByte * (100 << 20)), WallNs = 100_000_000, Windows = 12, Error = error,
        };

    private static TrialResult Live(int batch, double nsPerByte) =>
        new(new PathChoice(WritePathKind.Buffered, 1 << 20), SenderShape.Live, batch)
        {
            Bytes = 2 << 20, ThreadCpuNs = (long)(nsPerByte * (2 << 20)), WallNs = 1_600_000_000, Windows = 3, BatchWaits = 8,
        };

    private static CalibrationOutcome Outcome(BoardProfile profile, IReadOnlyList<TrialResult> bulk, IReadOnlyList<TrialResult> live) =>
        new(profile.Board, "ext4 on /tmp", 10, new DateTime(2026, 12, 1, 23, 0, 0, DateTimeKind.Utc), TimeSpan.FromSeconds(12), "test",
            new CopyPrimitiveFigures { Memcpy = new PrimitiveFigure { MiBps = 5000, CpuNsPerByte = 0.2, Bytes = 1 << 30 } },
            bulk, live, Tuning.Decide(profile, bulk, live));

    // The host profile starts auto on direct/4M; these figures make buffered/1M the cheapest.
    private static readonly TrialResult[] BufferedWins =
    [
        Bulk(WritePathKind.Direct, 4 << 20, 0.60), Bulk(WritePathKind.Splice, 1 << 20, 0.50),
        Bulk(WritePathKind.Buffered, 256 << 10, 0.45), Bulk(WritePathKind.Buffered, 1 << 20, 0.20),
    ];

    private static TrialResult LiveOn(WritePathKind kind, int size, int batch, double nsPerByte) =>
        Live(batch, nsPerByte) with { Choice = new PathChoice(kind, size) };

    /// <summary>
    /// The batch per path: each kind's live trials pick its batch (the profile's kept unless another is
    /// cheaper by the margin); the board's BatchBytes is the cheapest kind's, and a kind whose batch
    /// differs names it in its candidate, which the tuned profile loads and auto then uses.
    /// </summary>
    [Fact]
    public void EachPathGetsTheBatchItsOwnLiveTrialsChose()
    {
        var base_ = Load("host-x86_64");
        TrialResult[] live =
        [
            LiveOn(WritePathKind.Buffered, 1 << 20, 0, 9), LiveOn(WritePathKind.Buffered, 1 << 20, 256 << 10, 1.5),
            LiveOn(WritePathKind.Splice, 1 << 20, 64 << 10, 1.0), LiveOn(WritePathKind.Splice, 1 << 20, 256 << 10, 2.0),
            LiveOn(WritePathKind.Direct, 4 << 20, 256 << 10, 1.2), LiveOn(WritePathKind.Direct, 4 << 20, 1 << 20, 1.0),
        ];
        var outcome = Outcome(base_, BufferedWins, live);
        Assert.Equal(256 << 10, outcome.Tuned.BatchBytes);
        Assert.Equal(["buffered/1M", "splice/1M@64K", "direct/4M@1M"], outcome.Tuned.Candidates);
        Assert.Contains(outcome.Tuned.Reasons, r => r.StartsWith("batch of splice/1M: 64K"));

        string path = TunedProfileWriter.Write(base_, outcome, _boards.Path);
        Assert.Empty(ProfileCommand.Problems(path));
        var tuned = Load("host-x86_64.tuned");
        Assert.Equal(["buffered/1M", "splice/1M@64K", "direct/4M@1M"], tuned.Selector.Candidates);
        Assert.Equal(256 << 10, tuned.WritePaths.BatchBytes);
    }

    [Fact]
    public void TheTunedProfilePassesCheckLoadsThroughItsBaseAndMovesWhereAutoStarts()
    {
        var base_ = Load("host-x86_64");
        string path = TunedProfileWriter.Write(base_, Outcome(base_, BufferedWins, [Live(0, 9), Live(256 << 10, 1.5)]), _boards.Path);
        Assert.Equal(_boards.File("host-x86_64.tuned.json"), path);

        Assert.Empty(ProfileCommand.Problems(path));
        var tuned = Load("host-x86_64.tuned");
        Assert.Equal("host-x86_64", tuned.Base);
        Assert.Equal(1 << 20, tuned.WritePaths.BufferBytes);
        Assert.Equal(256 << 10, tuned.WritePaths.BatchBytes);
        Assert.Equal(["buffered/1M", "splice/1M", "direct/4M"], tuned.Selector.Candidates);
        // Everything not tuned comes from the base.
        Assert.Equal(base_.Listen.Port, tuned.Listen.Port);
        Assert.Equal(base_.WritePaths.Default, tuned.WritePaths.Default);
        Assert.Equal(5000, tuned.Calibration.Primitives.Memcpy.MiBps);
        Assert.StartsWith("0.200 ns/B", tuned.Calibration.Costs["bulk buffered/1M"]);

        PathChoice Start(BoardProfile p) =>
            new SelectionContext(p.Selector, new WritePathFactory(p.WritePaths), _root.Path, null).NewSelector().Current;
        Assert.Equal("direct/4M", Start(base_).Label);
        Assert.Equal("buffered/1M", Start(tuned).Label);
    }

    [Fact]
    public void TheFileHoldsOnlyTheTunedValuesAndTheirMeasurements()
    {
        var base_ = Load("host-x86_64");
        var doc = JsonDocument.Parse(TunedProfileWriter.Render(base_, Outcome(base_, BufferedWins, [])));
        Assert.Equal(["Base", "Description", "WritePaths", "Selector", "Why", "Calibration"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["BufferBytes", "PipeBytes", "DirectBufferBytes", "BatchBytes"], doc.RootElement.GetProperty("WritePaths").EnumerateObject().Select(p => p.Name));
        var prims = doc.RootElement.GetProperty("Calibration").GetProperty("Primitives");
        Assert.Equal(["Memcpy", "CopyToUser", "CopyFromUser", "SpliceToFile", "PageCacheWrite", "DirectWrite"], prims.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void RecalibratingATunedProfileInheritsFromItsBaseNeverFromItself()
    {
        var base_ = Load("host-x86_64");
        TunedProfileWriter.Write(base_, Outcome(base_, BufferedWins, []), _boards.Path);
        var tuned = Load("host-x86_64.tuned");
        TunedProfileWriter.Write(tuned, Outcome(tuned, BufferedWins, []), _boards.Path);
        Assert.Equal("host-x86_64", Load("host-x86_64.tuned").Base);
        Assert.Equal(["host-x86_64.json", "host-x86_64.tuned.json"], Directory.GetFiles(_boards.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void NoiseWithinTheSwitchMarginKeepsTheProfilesSize()
    {
        var p = Load("host-x86_64"); // BufferBytes 256K, SwitchMargin 0.10
        var close = Tuning.Decide(p, [Bulk(WritePathKind.Buffered, 256 << 10, 0.50), Bulk(WritePathKind.Buffered, 1 << 20, 0.47)], []);
        Assert.Equal(256 << 10, close.BufferBytes);
        var clear = Tuning.Decide(p, [Bulk(WritePathKind.Buffered, 256 << 10, 0.50), Bulk(WritePathKind.Buffered, 1 << 20, 0.40)], []);
        Assert.Equal(1 << 20, clear.BufferBytes);
    }

    [Fact]
    public void AKindThatCannotRunHereGoesLastAndTheListKeepsTheBasesLength()
    {
        var p = Load("host-x86_64");
        var t = Tuning.Decide(p,
        [
            Bulk(WritePathKind.Direct, 4 << 20, 0, error: "Unsupported (EINVAL)"),
            Bulk(WritePathKind.Splice, 1 << 20, 0.30), Bulk(WritePathKind.Buffered, 256 << 10, 0.50),
        ], []);
        Assert.Equal(["splice/1M", "buffered/256K", "direct/4M"], t.Candidates);
        Assert.Contains(t.Reasons, r => r.Contains("not measurable here") && r.Contains("EINVAL"));
    }
}
