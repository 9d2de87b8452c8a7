namespace Recd.WritePaths;

/// <summary>Builds write paths with the profile's sizes. The only place that knows every path type.</summary>
public sealed class WritePathFactory(WritePathOptions options)
{
    public WritePathOptions Options { get; } = options;

    /// <summary>Every path's buffer comes from here (see BufferBudget); shared by all recordings of the daemon.</summary>
    public BufferBudget Buffers { get; } = new(options.BufferBudgetBytes);

    public SplicePipePool Pipes { get; } = new();

    public PathChoice DefaultChoice(WritePathKind kind) => kind switch
    {
        WritePathKind.Splice => new PathChoice(kind, Options.PipeBytes),
        WritePathKind.Direct => new PathChoice(kind, Options.DirectBufferBytes),
        _ => new PathChoice(kind, Options.BufferBytes),
    };

    public IWritePath Create(WritePathKind kind) => Create(DefaultChoice(kind));

    /// <summary>The kill switch wins: with NoSplice set, a splice choice is served by the buffered path.</summary>
    public IWritePath Create(PathChoice choice) => choice.Kind switch
    {
        WritePathKind.Splice when !Options.NoSplice => new SpliceWritePath(choice.SizeBytes, Pipes),
        WritePathKind.Direct => new DirectWritePath(choice.SizeBytes, Buffers),
        WritePathKind.Splice => new BufferedWritePath(Options.BufferBytes, Buffers),
        _ => new BufferedWritePath(choice.SizeBytes, Buffers),
    };
}
