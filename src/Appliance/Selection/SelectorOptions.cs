using Recd.Platform;

namespace Recd.Selection;

/// <summary>The auto policy's tuning, from the profile's "Selector" section. Defaults are reasoned in comments.</summary>
public sealed class SelectorOptions
{
    /// <summary>Paths "auto" chooses among, first = the board's prior (where it starts).</summary>
    public List<string> Candidates { get; set; } = [];

    /// <summary>A window closes after this many bytes (8 MiB: a few ms of CPU, resolved in ns by the thread clock)...</summary>
    public long WindowBytes { get; set; } = 8L << 20;

    /// <summary>... or after this long, whichever comes first, so slow streams are judged too.</summary>
    public int WindowMs { get; set; } = 500;

    /// <summary>Windows each candidate gets in the first probe round.</summary>
    public int ProbeWindows { get; set; } = 2;

    /// <summary>A switch needs the other path cheaper by this fraction... (baseline.md: noise is about 15% between runs, less within one)</summary>
    public double SwitchMargin { get; set; } = 0.10;

    /// <summary>... in this many consecutive windows.</summary>
    public int HysteresisWindows { get; set; } = 3;

    /// <summary>Re-measure one other path every this many windows...</summary>
    public int ReprobeEveryWindows { get; set; } = 32;

    /// <summary>
    /// ... as long as non-chosen paths have had at most this share of the bytes, every byte moved off
    /// the chosen path once one is chosen counted (a probe writes two windows: the one after the switch
    /// and the judged one); the probe round and a forced move off a starved path are not exploring
    /// (docs/selector.md R16). 0.07, not 0.05: a re-probe every ReprobeEveryWindows (32) takes 2/32 =
    /// 6.25% of the bytes.
    /// </summary>
    public double ExplorationBudget { get; set; } = 0.07;

    /// <summary>
    /// ... and exploring has cost at most this much more CPU than the chosen path would have. 1%, not
    /// more: on ext4 a probe of buffered or splice costs more than its windows show (writeback outside
    /// the thread, the flush after it); with 2% a single ext4 stream measured +6-9% over direct, with
    /// 1% +2% (16 rounds each).
    /// </summary>
    public double ExplorationCostBudget { get; set; } = 0.01;

    /// <summary>
    /// A path not measured for this many windows holds the re-probe turn until the budgets fit it
    /// (2 GiB of 8 MiB windows; slow streams close windows sooner). Cheaper paths are re-probed more
    /// often, but not so often that a dearer one is never measured again. Never below ReprobeEveryWindows.
    /// </summary>
    public int ReprobeAtLeastEveryWindows { get; set; } = 256;

    /// <summary>
    /// R1: how many recordings of one mount at a time run a probe round at their start (nothing
    /// learned, a seed lacking candidates, or one borrowed from another condition), per band; the others
    /// start settled where theirs would have begun and leave the measuring to them; also the least
    /// crowd the crowd limit (R1b) allows a path. Sixteen 64 MiB recordings that all began in a fresh
    /// x5+ band each probed every path for most of their 8 windows: +53-73% over the best static path
    /// in that run (ext4, change scenario).
    /// </summary>
    public int ProbeRoundsPerBand { get; set; } = 2;

    /// <summary>A path moving less than this fraction of the best path's rate while data queues up is dropped.</summary>
    public double StarvationFraction { get; set; } = 0.7;

    /// <summary>
    /// What a window costs the selector (<see cref="CostViews"/>): thread+fuse by default, which is the
    /// thread view wherever the mount is not FUSE (there is no server to add) and, on ntfs-3g or
    /// exfat-fuse, adds the server's share: there the thread sees a fraction of the cost (NTFS buffered
    /// 2.75 CPU-s/GiB in recd + 8.8 in ntfs-3g, O_DIRECT 0.36 + 0.55: 7.5x in the thread view, 12.8x paid).
    /// </summary>
    public string CostView { get; set; } = CostViews.ThreadFuse;

    /// <summary>This tuning with another cost view (a storage root resolves the default for its mount).</summary>
    internal SelectorOptions WithCostView(string view)
    {
        var copy = (SelectorOptions)MemberwiseClone();
        copy.CostView = view;
        return copy;
    }

    public void Validate()
    {
        if (WindowBytes < 1 << 20) throw new ArgumentException("Selector:WindowBytes must be at least 1 MiB");
        if (ProbeRoundsPerBand < 1) throw new ArgumentException("Selector:ProbeRoundsPerBand must be at least 1");
        if (ProbeWindows < 1 || HysteresisWindows < 1 || ReprobeEveryWindows < 2) throw new ArgumentException("Selector window counts must be positive");
        if (SwitchMargin is < 0 or >= 1) throw new ArgumentException("Selector:SwitchMargin must be in [0, 1)");
        if (ExplorationBudget is < 0 or > 0.5) throw new ArgumentException("Selector:ExplorationBudget must be in [0, 0.5]");
        if (ExplorationCostBudget is < 0 or > 0.5) throw new ArgumentException("Selector:ExplorationCostBudget must be in [0, 0.5]");
        if (StarvationFraction is <= 0 or > 1) throw new ArgumentException("Selector:StarvationFraction must be in (0, 1]");
        if (CostView is not (CostViews.Thread or CostViews.ThreadFuse or CostViews.System))
            throw new ArgumentException("Selector:CostView must be thread, thread+fuse or system");
    }
}

/// <summary>The cost views a window can be judged in.</summary>
public static class CostViews
{
    /// <summary>CLOCK_THREAD_CPUTIME_ID of the transfer thread inside the write-path calls: exactly this recording's syscalls and copies.</summary>
    public const string Thread = "thread";

    /// <summary>The thread, plus the window's share of the FUSE server's CPU when the mount is FUSE (<see cref="FuseServer"/>).</summary>
    public const string ThreadFuse = "thread+fuse";

    /// <summary>The whole machine's busy time from /proc/stat over the window (10 ms ticks; everyone's work).</summary>
    public const string System = "system";
}
