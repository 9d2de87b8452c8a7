using Recd.Interop;

namespace Recd.Recordings;

/// <summary>
/// Events counted by errno, for the metrics. Incremented by the thread that met the error
/// (Interlocked), read by a scrape: no lock, nothing the data path waits for.
/// </summary>
public sealed class ErrnoCounts
{
    // Linux errno values stay below 134 on every ABI; anything else lands in the last slot.
    private const int Slots = 160;
    private readonly long[] _counts = new long[Slots];

    public void Add(int errno) => Interlocked.Increment(ref _counts[(uint)errno < Slots - 1 ? errno : Slots - 1]);

    /// <summary>(errno name, count) for every errno seen at least once.</summary>
    public IEnumerable<(string Errno, long Count)> NonZero()
    {
        for (int i = 0; i < Slots; i++)
        {
            long n = Interlocked.Read(ref _counts[i]);
            if (n > 0) yield return (i == Slots - 1 ? "other" : Libc.ErrnoName(i), n);
        }
    }
}

/// <summary>Process-wide counts of what went wrong under the recordings, and what the selector did.</summary>
public static class StorageCounters
{
    /// <summary>Storage errors met by a recording or a request: latched faults, out of space, failed opens and creates.</summary>
    public static readonly ErrnoCounts Errors = new();

    /// <summary>A write path refused by the storage (no splice_write, no O_DIRECT): the recording went on with another.</summary>
    public static readonly ErrnoCounts Fallbacks = new();

    private static long _switches, _probes;

    /// <summary>"auto" recordings that settled on another path than the one they had chosen.</summary>
    public static long SelectorSwitches => Interlocked.Read(ref _switches);

    /// <summary>Moves of an "auto" recording to a path other than its chosen one, to measure it.</summary>
    public static long SelectorProbes => Interlocked.Read(ref _probes);

    internal static void CountSwitch() => Interlocked.Increment(ref _switches);
    internal static void CountProbe() => Interlocked.Increment(ref _probes);
}
