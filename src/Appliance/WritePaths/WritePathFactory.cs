namespace Recd.WritePaths;

/// <summary>Builds write paths with the profile's sizes. The only place that knows every path type.</summary>
public sealed class WritePathFactory(WritePathOptions options)
{
    public WritePathOptions Options { get; } = options;

    public IWritePath Create(WritePathKind kind) => kind switch
    {
        WritePathKind.Splice when !Options.NoSplice => new SpliceWritePath(Options.PipeBytes),
        WritePathKind.Direct => new DirectWritePath(Options.DirectBufferBytes),
        _ => new BufferedWritePath(Options.BufferBytes),
    };
}
