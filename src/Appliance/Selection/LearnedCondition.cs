namespace Recd.Selection;

/// <summary>How many recordings were being written on the root when one began, itself included.</summary>
public enum ConcurrencyBand { Any, One, Few, Many }

/// <summary>Whether a recording arrived at a broadcast's pace or as fast as the sender could push.</summary>
public enum RateClass { Any, Live, Bulk }

/// <summary>
/// The conditions learned costs are kept apart by, beside the mount. Both move the ranking: on ext4 one
/// stream ranks direct cheapest and sixteen rank splice; a live stream pays per wakeup (29-46x its bulk
/// cost, docs/measurements/2026-12-01-live.md), which no bulk figure predicts.
/// </summary>
public readonly record struct LearnedCondition(ConcurrencyBand Band, RateClass Rate)
{
    public static readonly LearnedCondition Any = new(ConcurrencyBand.Any, RateClass.Any);

    /// <summary>1, 2-4, 5+: the bands the store's active count falls in (MaxActiveRecordings is 16).</summary>
    public static ConcurrencyBand BandOf(int concurrent) => concurrent switch
    {
        <= 1 => ConcurrencyBand.One,
        <= 4 => ConcurrencyBand.Few,
        _ => ConcurrencyBand.Many,
    };

    /// <summary>
    /// The other bands, nearest first. Few is nearer One than Many (3 streams against 1 or 8): the
    /// contention that turns ext4's ranking grows with the count.
    /// </summary>
    public static ConcurrencyBand[] Nearer(ConcurrencyBand band) => band switch
    {
        ConcurrencyBand.One => [ConcurrencyBand.Few, ConcurrencyBand.Many],
        ConcurrencyBand.Few => [ConcurrencyBand.One, ConcurrencyBand.Many],
        ConcurrencyBand.Many => [ConcurrencyBand.Few, ConcurrencyBand.One],
        _ => [],
    };

    /// <summary>The key in learned-costs.json: "any", or "x1|x2-4|x5+/live|bulk".</summary>
    public string Key => this == Any ? "any" : $"{BandText(Band)}/{(Rate == RateClass.Live ? "live" : "bulk")}";

    public static bool TryParse(string key, out LearnedCondition condition)
    {
        condition = Any;
        if (key == "any") return true;
        int slash = key.IndexOf('/');
        if (slash < 0) return false;
        var band = key[..slash] switch { "x1" => ConcurrencyBand.One, "x2-4" => ConcurrencyBand.Few, "x5+" => ConcurrencyBand.Many, _ => ConcurrencyBand.Any };
        var rate = key[(slash + 1)..] switch { "live" => RateClass.Live, "bulk" => RateClass.Bulk, _ => RateClass.Any };
        if (band == ConcurrencyBand.Any || rate == RateClass.Any) return false;
        condition = new LearnedCondition(band, rate);
        return true;
    }

    internal static string BandText(ConcurrencyBand band) => band switch
    {
        ConcurrencyBand.One => "x1",
        ConcurrencyBand.Few => "x2-4",
        _ => "x5+",
    };

    public override string ToString() => Key;
}

/// <summary>
/// One recording's condition: its band and its rate class, both judged over its first windows. The
/// band starts as the count at begin and widens to the most recordings seen being written while those
/// windows (and at least BurstNs of them) closed: the streams of a burst begin milliseconds apart, and the first of four would
/// otherwise probe, and be learned, as a lone stream while it shares the disk with three. A window's rate is bytes over the wall time spent inside write-path
/// calls, and those calls wait for the socket (batched reads wait up to the batch latency), so for a
/// sender slower than the path it is the arrival rate. Live: over the first JudgeWindows windows the
/// rate stayed under LiveBelowBytesPerSecond and most windows ended with the socket drained. A bulk
/// copy onto slow storage (an SD card at 6 MB/s) is slow too, but leaves data queued: bulk.
/// </summary>
public sealed class RecordingCondition(ConcurrencyBand band)
{
    /// <summary>8 MB/s: a broadcast is 1-4 MB/s (a 20 Mbit/s UHD mux 2.5), a bulk copy over a LAN 10x that.</summary>
    public const double LiveBelowBytesPerSecond = 8e6;

    /// <summary>4 windows: 2 s of a live stream (500 ms each), 32 MiB of a bulk one.</summary>
    public const int JudgeWindows = 4;

    /// <summary>
    /// 500 ms: the band widens for at least this long, counted in the windows' wall time. A burst's
    /// recordings began 100-400 ms apart in the benchmark's ntfs x4 runs, while a bulk stream's 4
    /// judging windows took 53 ms: the first of them stayed x1, probing as a lone stream beside three.
    /// </summary>
    public const long BurstNs = 500_000_000;

    private int _windows, _backlogged;
    private long _bytes, _wallNs, _bandWallNs;
    private ConcurrencyBand _band = band;

    /// <summary>The band at begin, widened by the recordings seen over the burst's first windows (an enum read: other threads may show it).</summary>
    public ConcurrencyBand Band => _band;

    /// <summary>True while the first windows are still being judged for the rate class.</summary>
    public bool Judging => _windows < JudgeWindows;

    /// <summary>True while the band may still widen: the judging windows, and at least <see cref="BurstNs"/> of windows.</summary>
    public bool BandJudging => Judging || _bandWallNs < BurstNs;

    /// <summary>Live or Bulk once a window was seen, Any before.</summary>
    public RateClass Rate
    {
        get
        {
            if (_windows == 0 || _wallNs <= 0) return RateClass.Any;
            double rate = _bytes * 1e9 / _wallNs;
            return rate < LiveBelowBytesPerSecond && _backlogged * 2 < _windows ? RateClass.Live : RateClass.Bulk;
        }
    }

    /// <summary>What the recording's learning is kept under: Any while its rate is not known.</summary>
    public LearnedCondition Learned => Rate == RateClass.Any ? LearnedCondition.Any : new LearnedCondition(Band, Rate);

    /// <summary>
    /// Every window of the recording, a switch's window too (its rate is the sender's as much).
    /// <paramref name="concurrent"/>: recordings being written on the root as it closed, itself included (0: not known).
    /// Returns whether the band widened (R1c).
    /// </summary>
    public bool Observe(in CostSample s, int concurrent = 0)
    {
        if (!BandJudging || s.Bytes <= 0) return false;
        var seen = concurrent > 0 ? LearnedCondition.BandOf(concurrent) : ConcurrencyBand.Any;
        bool widened = seen > _band;
        if (widened) _band = seen;
        _bandWallNs += s.WallNs;
        if (!Judging) return widened;
        _windows++;
        _bytes += s.Bytes;
        _wallNs += s.WallNs;
        if (s.Backlogged) _backlogged++;
        return widened;
    }
}
