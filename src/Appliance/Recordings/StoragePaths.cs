namespace Recd.Recordings;

/// <summary>
/// File names inside the storage root. Valid names never start with '.', so a data file can never
/// collide with a manifest, a temp file, a pending delete or a manifest kept aside as corrupt.
/// Each of those ends in its own suffix, last: ".x.manifest.tmp" is the temp of "x", never the
/// manifest of "x.manifest.tmp" (that one is ".x.manifest.tmp.manifest").
/// </summary>
public sealed class StoragePaths(string root)
{
    public const string ManifestSuffix = ".manifest";
    public const string TempSuffix = ManifestSuffix + ".tmp";
    public const string DeletingSuffix = ".deleting";
    public const string CorruptSuffix = ManifestSuffix + ".corrupt";

    /// <summary>The longest name any board profile accepts (BoardProfile: Http:MaxNameLength 1 .. 200).</summary>
    public const int MaxNameLength = 200;

    public string Root { get; } = root;
    public string Data(string name) => Path.Combine(Root, name);
    public string Manifest(string name) => Path.Combine(Root, "." + name + ManifestSuffix);
    public string ManifestTemp(string name) => Path.Combine(Root, "." + name + TempSuffix);
    public string Deleting(string name) => Path.Combine(Root, "." + name + DeletingSuffix);

    /// <summary>A manifest recovery could not use, kept for diagnosis (see <see cref="StorageRecovery"/>).</summary>
    public string Corrupt(string name) => Path.Combine(Root, "." + name + CorruptSuffix);

    /// <summary>
    /// The rule Ingest's RecordingName applies to a request, repeated here because recovery must tell
    /// recd's files from anything else in the root and Recordings does not depend on Ingest: one
    /// segment of [A-Za-z0-9._-], not starting with '.'. RecordingNameRuleTests keeps the two equal.
    /// </summary>
    public static bool IsRecordingName(string name, int maxLength = MaxNameLength)
    {
        if (name.Length == 0 || name.Length > maxLength || name[0] == '.') return false;
        foreach (char c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')) return false;
        return true;
    }
}
