namespace Recd.Recordings;

/// <summary>
/// File names inside the storage root. Valid names never start with '.', so a data file can never
/// collide with a manifest, a temp file or a pending delete.
/// </summary>
public sealed class StoragePaths(string root)
{
    public const string ManifestSuffix = ".manifest";

    public string Root { get; } = root;
    public string Data(string name) => Path.Combine(Root, name);
    public string Manifest(string name) => Path.Combine(Root, "." + name + ManifestSuffix);
    public string ManifestTemp(string name) => Path.Combine(Root, "." + name + ManifestSuffix + ".tmp");
    public string Deleting(string name) => Path.Combine(Root, "." + name + ".deleting");
}
