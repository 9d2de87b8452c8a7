using Recd.Platform;
using Recd.WritePaths;

namespace Recd.Selection;

/// <summary>What every "auto" recording on one storage root shares: candidates, tuning, learned costs, the mount.</summary>
public sealed class SelectionContext
{
    private readonly WritePathOptions _paths;

    public SelectionContext(SelectorOptions options, WritePathFactory factory, string storageRoot, string? stateDir)
    {
        _paths = factory.Options;
        options.Validate();
        var list = new List<PathChoice>();
        var texts = options.Candidates.Count > 0 ? options.Candidates : ["buffered", "splice", "direct"];
        foreach (var text in texts)
        {
            if (!PathChoice.TryParse(text, factory.Options, out var c, out string why))
                throw new ArgumentException($"Selector:Candidates: '{text}' is not kind[/size][@batch] (buffered|splice|direct, 4K..64M, @off or @size): {why}");
            if (!list.Contains(c)) list.Add(c);
        }
        // Buffered works everywhere: it is what every other path falls back to.
        if (!list.Exists(c => c.Kind == WritePathKind.Buffered)) list.Add(factory.DefaultChoice(WritePathKind.Buffered));
        Candidates = [.. list];
        Mount = MountInfo.Find(storageRoot);
        // Looked for on every FUSE mount, whatever the view, so manifests show the server's share even
        // when the selector is told to ignore it.
        Fuse = FuseServer.ForMount(Mount);
        // thread+fuse without a server to add is the thread view: said so, not pretended.
        CostView = options.CostView == CostViews.ThreadFuse && Fuse is null ? CostViews.Thread : options.CostView;
        Options = CostView == options.CostView ? options : options.WithCostView(CostView);
        LearnedKey = CostView == CostViews.ThreadFuse ? $"{Mount.Key} {CostViews.ThreadFuse}" : Mount.Key;
        Learned = new LearnedCosts(stateDir);
    }

    /// <summary>The view this root's windows are judged in (the manifest's costView).</summary>
    public string CostView { get; }

    /// <summary>
    /// Where this root's learned costs are kept: the mount, and the view when it adds the FUSE server.
    /// Figures learned in the thread view on ntfs-3g (O_DIRECT 7.5x cheaper than buffered) must not
    /// seed recordings judged by what the machine pays (12.8x), nor the reverse. Thread and system keep
    /// the mount's key, as they always had.
    /// </summary>
    public string LearnedKey { get; }

    /// <summary>The server of this root's FUSE mount, or null (not FUSE, or not found).</summary>
    public FuseServer? Fuse { get; }

    public SelectorOptions Options { get; }
    public PathChoice[] Candidates { get; }
    public MountInfo Mount { get; }
    public LearnedCosts Learned { get; }
    public MountExploration Exploration { get; } = new();

    /// <summary>
    /// A selector for a recording beginning while <paramref name="concurrent"/> recordings (itself
    /// included) are being written on this root, seeded from what was learned in that band
    /// (<see cref="LearnedCosts.Seed"/>).
    /// </summary>
    public Selector NewSelector(int concurrent = 1, bool directUsable = true)
    {
        // The kill switch is read per selector, not once: "nosplice on|off" at run time applies to new recordings.
        bool noSplice = _paths.NoSplice;
        var candidates = Array.FindAll(Candidates, c => (directUsable || c.Kind != WritePathKind.Direct) && !(noSplice && c.Kind == WritePathKind.Splice));
        var band = LearnedCondition.BandOf(concurrent);
        var (seed, from) = Learned.Seed(LearnedKey, band);
        // R1: a probe round at the start is run by a few of the band's recordings at a time, not by all.
        var round = Exploration.ClaimProbeRound(band, Options.ProbeRoundsPerBand);
        return new Selector(Options, candidates, seed, Exploration, round) { Condition = new RecordingCondition(band), MountKey = LearnedKey, SeededFrom = from };
    }

    /// <summary>
    /// A window of <paramref name="s"/>'s recording while its band may widen (Recording.OnWindow):
    /// <paramref name="writing"/> recordings being written on the root as it closed (0: not known).
    /// A band widened during the start's probe round offers the wider band's seed (R1c).
    /// </summary>
    public void ObserveCondition(Selector s, in CostSample sample, int writing)
    {
        if (s.Condition is not { } condition || !condition.Observe(sample, writing) || !s.InStartRound) return;
        var (seed, from) = Learned.Seed(LearnedKey, condition.Band);
        s.OfferWidenedSeed(seed, from);
    }
}
