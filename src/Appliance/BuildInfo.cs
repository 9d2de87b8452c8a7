using System.Reflection;

namespace Recd;

/// <summary>
/// What was built, embedded at build time (build.sh passes SourceRevisionId and RecdBuildDate; the
/// csproj turns them into assembly metadata). A build from a tarball, without git, says "unknown".
/// </summary>
public static class BuildInfo
{
    private static readonly Assembly Self = typeof(BuildInfo).Assembly;

    public static string Version { get; } =
        (Self.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];

    public static string Commit { get; } = Metadata("SourceRevisionId");
    public static string Rid { get; } = Metadata("RuntimeIdentifier");
    public static string BuildDate { get; } = Metadata("BuildDate");

    private static string Metadata(string key)
    {
        foreach (var a in Self.GetCustomAttributes<AssemblyMetadataAttribute>())
            if (a.Key == key && !string.IsNullOrEmpty(a.Value)) return a.Value;
        return "unknown";
    }
}
