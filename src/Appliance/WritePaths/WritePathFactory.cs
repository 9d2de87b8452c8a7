namespace Recd.WritePaths;

/// <summary>Builds write paths with the profile's sizes. The only place that knows every path type.</summary>
public sealed class WritePathFactory(WritePathOptions options)
{
    public WritePathOptions Options { get; } = options;

    public IWritePath Create(WritePathKind kind) => kind switch
    {
        _ => new BufferedWritePath(Options.BufferBytes),
    };
}
