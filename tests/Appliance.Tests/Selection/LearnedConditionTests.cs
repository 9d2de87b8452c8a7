using System.Text.Json;
using Recd.Selection;
using Recd.WritePaths;
using static Recd.Tests.Selection.Candidates;

namespace Recd.Tests.Selection;

/// <summary>Learned costs kept per condition (band of concurrent recordings, live or bulk), their fallback and their file.</summary>
public class LearnedConditionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("recd-cond-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FilePath => Path.Combine(_dir, "learned-costs.json");

    private static SelectorOptions Opts() => new() { ReprobeEveryWindows = 4, ExplorationBudget = 0.5, ExplorationCostBudget = 0.5 };

    private static readonly LearnedCondition OneBulk = new(ConcurrencyBand.One, RateClass.Bulk);
    private static readonly LearnedCondition FewBulk = new(ConcurrencyBand.Few, RateClass.Bulk);
    private static readonly LearnedCondition ManyBulk = new(ConcurrencyBand.Many, RateClass.Bulk);
    private static readonly LearnedCondition OneLive = new(ConcurrencyBand.One, RateClass.Live);

    /// <summary>
    /// A bulk (1 GB/s, socket never drained) or live (1.25 MB/s, drained) recording of
    /// <paramref name="windows"/> windows in <paramref name="band"/>, where the paths cost what
    /// <paramref name="cost"/> says, started from what <paramref name="learned"/> seeds for the band.
    /// </summary>
    private static Selector Record(LearnedCosts learned, ConcurrencyBand band, Func<PathChoice, double> cost, int windows = 40, bool live = false)
    {
        var (seed, _) = learned.Seed("m", band);
        var s = new Selector(Opts(), [Buffered, Splice, Direct], seed) { Condition = new RecordingCondition(band) };
        var current = s.Current;
        for (int w = 0; w < windows; w++)
        {
            long bytes = live ? 625_000 : 8 << 20;
            long wall = live ? 500_000_000 : bytes;
            var sample = new CostSample(bytes, (long)(cost(current) * bytes), wall, 0, Backlogged: !live);
            s.Condition!.Observe(sample);
            current = s.OnWindow(sample);
        }
        return s;
    }

    // ext4 as measured: one stream ranks direct cheapest, sixteen rank splice.
    private static double OneStream(PathChoice p) => p == Direct ? 0.15 : p == Splice ? 0.9 : 0.5;
    private static double SixteenStreams(PathChoice p) => p == Splice ? 0.3 : p == Direct ? 0.6 : 0.7;

    [Theory]
    [InlineData(0, ConcurrencyBand.One)]
    [InlineData(1, ConcurrencyBand.One)]
    [InlineData(2, ConcurrencyBand.Few)]
    [InlineData(4, ConcurrencyBand.Few)]
    [InlineData(5, ConcurrencyBand.Many)]
    [InlineData(16, ConcurrencyBand.Many)]
    public void ConcurrencyFallsInItsBand(int concurrent, ConcurrencyBand band) => Assert.Equal(band, LearnedCondition.BandOf(concurrent));

    [Fact]
    public void KeysRoundTripAndRejectWhatTheyDoNotName()
    {
        foreach (var c in new[] { LearnedCondition.Any, OneBulk, FewBulk, ManyBulk, OneLive, new LearnedCondition(ConcurrencyBand.Many, RateClass.Live) })
        {
            Assert.True(LearnedCondition.TryParse(c.Key, out var back), c.Key);
            Assert.Equal(c, back);
        }
        Assert.Equal("x5+/bulk", ManyBulk.Key);
        Assert.Equal("x2-4/live", new LearnedCondition(ConcurrencyBand.Few, RateClass.Live).Key);
        Assert.Equal("any", LearnedCondition.Any.Key);
        foreach (string bad in new[] { "x3/bulk", "x1/fast", "x1", "", "buffered/256K" })
            Assert.False(LearnedCondition.TryParse(bad, out _), bad);
    }

    [Fact]
    public void NearerBandsComeNearestFirst()
    {
        Assert.Equal([ConcurrencyBand.Few, ConcurrencyBand.Many], LearnedCondition.Nearer(ConcurrencyBand.One));
        Assert.Equal([ConcurrencyBand.One, ConcurrencyBand.Many], LearnedCondition.Nearer(ConcurrencyBand.Few));
        Assert.Equal([ConcurrencyBand.Few, ConcurrencyBand.One], LearnedCondition.Nearer(ConcurrencyBand.Many));
    }

    [Fact]
    public void TheRateClassIsWhatTheFirstWindowsShowed()
    {
        static RateClass Judge(long bytes, long wallNs, bool backlogged, int windows = 4)
        {
            var c = new RecordingCondition(ConcurrencyBand.One);
            for (int i = 0; i < windows; i++) c.Observe(new CostSample(bytes, bytes, wallNs, 0, backlogged));
            return c.Rate;
        }
        Assert.Equal(RateClass.Any, Judge(1, 1, false, windows: 0));
        Assert.Equal(RateClass.Live, Judge(625_000, 500_000_000, false));      // 10 Mbit/s, socket drained
        Assert.Equal(RateClass.Bulk, Judge(8 << 20, 8_000_000, true));         // 1 GB/s, data queued
        Assert.Equal(RateClass.Bulk, Judge(8 << 20, 8_000_000, false));        // fast and drained: a fast sender
        Assert.Equal(RateClass.Bulk, Judge(3_000_000, 500_000_000, true));     // 6 MB/s with data queued: slow storage, bulk sender

        // Only the first windows judge: a live stream's later burst (catching up after a stall) does not make it bulk.
        var live = new RecordingCondition(ConcurrencyBand.Many);
        for (int i = 0; i < RecordingCondition.JudgeWindows; i++) live.Observe(new CostSample(625_000, 1, 500_000_000, 0, false));
        for (int i = 0; i < 20; i++) live.Observe(new CostSample(8 << 20, 1, 8_000_000, 0, true));
        Assert.Equal(new LearnedCondition(ConcurrencyBand.Many, RateClass.Live), live.Learned);
    }

    private void WriteV2(params (LearnedCondition Condition, long Seq, (PathChoice Path, double Ns)[] Paths)[] tables)
    {
        var mount = new Dictionary<string, LearnedTable>();
        foreach (var (c, seq, paths) in tables)
            mount[c.Key] = new LearnedTable { Seq = seq, Paths = paths.ToDictionary(p => p.Path.Label, p => new PathCost { NsPerByte = p.Ns, Windows = 10, BytesPerSecond = 1e9 }) };
        File.WriteAllBytes(FilePath, JsonSerializer.SerializeToUtf8Bytes(new LearnedCostsFile { Version = 2, Mounts = new() { ["m"] = mount } }, LearnedCostsJson.Default.LearnedCostsFile));
    }

    [Fact]
    public void FallbackGoesBandThenNearerBandsThenTheMountThenThePrior()
    {
        var all = new[] { (Buffered, 0.5), (Splice, 0.3), (Direct, 0.15) };
        WriteV2((OneBulk, 1, all), (LearnedCondition.Any, 2, all));
        var learned = new LearnedCosts(_dir);
        Assert.Equal(OneBulk, learned.Seed("m", ConcurrencyBand.One).From);
        Assert.Equal(OneBulk, learned.Seed("m", ConcurrencyBand.Few).From);   // the nearest band of the same class
        Assert.Equal(OneBulk, learned.Seed("m", ConcurrencyBand.Many).From);  // Few has nothing: One is next

        WriteV2((OneBulk, 1, all), (FewBulk, 2, all), (LearnedCondition.Any, 3, all));
        learned = new LearnedCosts(_dir);
        Assert.Equal(FewBulk, learned.Seed("m", ConcurrencyBand.Many).From);
        Assert.Equal(OneBulk, learned.Seed("m", ConcurrencyBand.One).From);

        WriteV2((LearnedCondition.Any, 1, all));
        learned = new LearnedCosts(_dir);
        Assert.Equal(LearnedCondition.Any, learned.Seed("m", ConcurrencyBand.Many).From);
        Assert.Equal((null, null), learned.Seed("other mount", ConcurrencyBand.One));
    }

    [Fact]
    public void TheRateClassAtBeginIsTheBandsLatest()
    {
        var all = new[] { (Buffered, 0.5), (Splice, 0.3), (Direct, 0.15) };
        WriteV2((OneBulk, 1, all), (OneLive, 2, all), (FewBulk, 3, all));
        var learned = new LearnedCosts(_dir);
        Assert.Equal(OneLive, learned.Seed("m", ConcurrencyBand.One).From);
        // Many has no table: the mount's latest (Few, bulk) says bulk, and Few is the nearest band with it.
        Assert.Equal(FewBulk, learned.Seed("m", ConcurrencyBand.Many).From);
    }

    [Fact]
    public void APathTheBandLacksComesFromTheNextConditionAtTheBandsLevel()
    {
        // The 16-stream band measured splice and direct at twice the any-figures' level; buffered only the mount has.
        WriteV2((ManyBulk, 2, [(Splice, 0.6), (Direct, 1.2)]), (LearnedCondition.Any, 3, [(Buffered, 0.5), (Splice, 0.3), (Direct, 0.15)]));
        var (seed, from) = new LearnedCosts(_dir).Seed("m", ConcurrencyBand.Many);
        Assert.Equal(ManyBulk, from);
        Assert.Equal(0.6, seed!["splice/1M"].NsPerByte, 6);
        Assert.Equal(1.2, seed["direct/4M"].NsPerByte, 6);        // never overruled by the mount's 0.15
        Assert.Equal(1.0, seed["buffered/256K"].NsPerByte, 6);     // 0.5 x (0.6 / 0.3)
    }

    [Fact]
    public void AVersion1FileLoadsAsTheMountsAnyFigures()
    {
        File.WriteAllText(FilePath, """{ "m": { "splice/1M": { "nsPerByte": 0.3, "bytesPerSecond": 1e9, "windows": 20 }, "direct/4M": { "nsPerByte": 0.15, "bytesPerSecond": 1e9, "windows": 20 } } }""");
        var learned = new LearnedCosts(_dir);
        Assert.Equal(0.15, learned.For("m")!["direct/4M"].NsPerByte, 6);
        Assert.Equal(0.15, learned.For("m", LearnedCondition.Any)!["direct/4M"].NsPerByte, 6);
        Assert.Null(learned.For("m", OneBulk));
        var (seed, from) = learned.Seed("m", ConcurrencyBand.Many);
        Assert.Equal(LearnedCondition.Any, from);
        Assert.Equal(0.3, seed!["splice/1M"].NsPerByte, 6);
    }

    [Fact]
    public void AMergeWritesVersion2WithTheAnyFiguresAndTheRecordingsOwnCondition()
    {
        File.WriteAllText(FilePath, """{ "m": { "direct/4M": { "nsPerByte": 0.15, "bytesPerSecond": 1e9, "windows": 20 } } }""");
        var learned = new LearnedCosts(_dir);
        learned.Merge("m", Record(learned, ConcurrencyBand.Many, SixteenStreams));

        using var doc = JsonDocument.Parse(File.ReadAllBytes(FilePath));
        Assert.Equal(LearnedCosts.FileVersion, doc.RootElement.GetProperty("version").GetInt32());
        var tables = doc.RootElement.GetProperty("mounts").GetProperty("m");
        Assert.True(tables.TryGetProperty("any", out _));
        Assert.True(tables.TryGetProperty("x5+/bulk", out var many));
        Assert.True(many.GetProperty("seq").GetInt64() > 0);

        var reloaded = new LearnedCosts(_dir);                   // and it survives a restart
        Assert.NotNull(reloaded.For("m", ManyBulk));
        Assert.Null(reloaded.For("m", OneBulk));
        Assert.NotNull(reloaded.For("m"));
    }

    [Fact]
    public void ARecordingWhoseRateIsNotKnownTeachesOnlyTheMount()
    {
        var learned = new LearnedCosts(_dir);
        var s = new Selector(Opts(), [Buffered, Splice, Direct]) { Condition = new RecordingCondition(ConcurrencyBand.One) };
        s.OnWindow(new CostSample(8 << 20, 8 << 20, 0, 0, false)); // no wall time: no rate to judge by
        learned.Merge("m", s);
        Assert.NotNull(learned.For("m"));
        Assert.Null(learned.For("m", OneBulk));
        Assert.Null(learned.For("m", OneLive));
    }

    [Fact]
    public void ARankingLearnedAtOneStreamDoesNotSeedSixteenOnceSixteenHasItsOwn()
    {
        var learned = new LearnedCosts(_dir);
        for (int r = 0; r < 3; r++) learned.Merge("m", Record(learned, ConcurrencyBand.One, OneStream));
        Assert.Equal(Direct, new Selector(Opts(), [Buffered, Splice, Direct], learned.Seed("m", ConcurrencyBand.Many).Costs).Current); // nothing of its own yet: One's ranking

        for (int r = 0; r < 3; r++) learned.Merge("m", Record(learned, ConcurrencyBand.Many, SixteenStreams, windows: 80));
        learned = new LearnedCosts(_dir);
        var (seed, from) = learned.Seed("m", ConcurrencyBand.Many);
        Assert.Equal(ManyBulk, from);
        Assert.Equal(Splice, new Selector(Opts(), [Buffered, Splice, Direct], seed).Current);
        Assert.True(seed!["splice/1M"].NsPerByte < seed["direct/4M"].NsPerByte);
        // One stream still starts where one stream was cheapest.
        Assert.Equal(Direct, new Selector(Opts(), [Buffered, Splice, Direct], learned.Seed("m", ConcurrencyBand.One).Costs).Current);
    }
}
