using Recd.Recordings;
using Recd.WritePaths;

namespace Recd.Selection;

/// <summary>What every "auto" recording on one storage root shares: candidates, tuning, learned costs, the mount.</summary>
public sealed class SelectionContext
{
    public SelectionContext(SelectorOptions options, WritePathFactory factory, string storageRoot, string? stateDir)
    {
        options.Validate();
        Options = options;
        var list = new List<PathChoice>();
        var texts = options.Candidates.Count > 0 ? options.Candidates : ["buffered", "splice", "direct"];
        foreach (var text in texts)
        {
            if (!PathChoice.TryParse(text, factory.Options, out var c))
                throw new ArgumentException($"Selector:Candidates: '{text}' is not kind/size (buffered|splice|direct, 4K..64M)");
            if (c.Kind == WritePathKind.Splice && factory.Options.NoSplice) continue; // kill switch: not even probed
            if (!list.Contains(c)) list.Add(c);
        }
        // Buffered works everywhere: it is what every other path falls back to.
        if (!list.Exists(c => c.Kind == WritePathKind.Buffered)) list.Add(factory.DefaultChoice(WritePathKind.Buffered));
        Candidates = [.. list];
        Mount = MountInfo.Find(storageRoot);
        Learned = new LearnedCosts(stateDir);
    }

    public SelectorOptions Options { get; }
    public PathChoice[] Candidates { get; }
    public MountInfo Mount { get; }
    public LearnedCosts Learned { get; }
    public MountExploration Exploration { get; } = new();

    public Selector NewSelector(bool directUsable = true)
    {
        var candidates = directUsable ? Candidates : Array.FindAll(Candidates, c => c.Kind != WritePathKind.Direct);
        return new Selector(Options, candidates, Learned.For(Mount.Key), Exploration);
    }
}
