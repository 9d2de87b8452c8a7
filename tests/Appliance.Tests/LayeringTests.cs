using System.Text.RegularExpressions;

namespace Recd.Tests;

/// <summary>
/// The folders of src/Appliance are layers (docs/architecture.md): a file may use its own folder and
/// any folder below it, never one above. Read from the sources at test time, so a new `using` that
/// points up fails here, not in a review.
/// </summary>
public sealed partial class LayeringTests
{
    /// <summary>Top to bottom. "" is the root namespace (Program.cs), which may use everything.</summary>
    internal static readonly string[] Order =
    [
        "",
        "Hosting",     // wires the parts
        "Diagnostics", // reads snapshots of the store and the connections; the board's name for status
        "Calibration", // "recd calibrate": runs write paths with Selection's meter on the storage root, writes tuned profiles
        "BoardIo",     // LEDs, front panel, button: reacts to the store's recording events
        "Board",       // binds the profile: holds the option classes of every layer below, so it sits above them
        "Ingest",
        "Recordings",
        "Selection",
        "WritePaths",
        "Platform",    // facts about the machine: mounts, free space, /proc, the FUSE server
        "Logging",     // usable by every layer above, and itself needs only the libc calls of its sink
        "Interop",
    ];

    /// <summary>
    /// Upward references allowed anyway, each with its reason: (from, to, why). Empty today; an entry
    /// here is a debt to name, not a way around the test.
    /// </summary>
    internal static readonly (string From, string To, string Why)[] Exceptions = [];

    [Fact]
    public void No_file_uses_a_folder_above_its_own()
    {
        var files = SourceFiles();
        Assert.NotEmpty(files);
        var declared = DeclaredTypes(files);
        var violations = files.SelectMany(f => Violations(f.Folder, f.Text, declared).Select(v => $"{f.Path}: {v}")).ToList();
        Assert.True(violations.Count == 0, "upward references:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Every_folder_is_placed_in_the_order_and_namespaces_match_folders()
    {
        foreach (var f in SourceFiles())
        {
            Assert.True(Array.IndexOf(Order, f.Folder) >= 0, $"{f.Path}: folder '{f.Folder}' is not in LayeringTests.Order: place it");
            string expected = f.Folder.Length == 0 ? "Recd" : "Recd." + f.Folder;
            var ns = NamespaceLine().Match(f.Text);
            // A subfolder is a namespace of its own inside its layer (Diagnostics/Shell: Recd.Diagnostics.Shell).
            string sub = Path.GetDirectoryName(f.Path)?.Replace('/', '.').Replace('\\', '.') ?? "";
            bool matches = ns.Success && (ns.Groups[1].Value == expected || ns.Groups[1].Value == "Recd." + sub);
            Assert.True(matches, $"{f.Path}: namespace {(ns.Success ? ns.Groups[1].Value : "(none)")}, folder says {expected}");
        }
    }

    [Theory]
    [InlineData("Selection", "using Recd.Recordings;\nnamespace Recd.Selection;", 1)]
    [InlineData("Selection", "using static Recd.Ingest.HttpLimits;\nnamespace Recd.Selection;", 1)]
    [InlineData("Selection", "using Alias = Recd.Hosting.Daemon;\nnamespace Recd.Selection;", 1)]
    [InlineData("Selection", "namespace Recd.Selection;\nclass A { object x = Recd.Board.BoardProfile.Load(); }", 1)]
    [InlineData("Selection", "namespace Recd.Selection;\nclass A { object x = Recordings.Manifest.Empty; }", 1)]
    [InlineData("Selection", "namespace Recd.Selection;\nclass A { // Recd.Recordings.Manifest in a comment\n}", 0)]
    [InlineData("Selection", "namespace Recd.Selection;\n/// <see cref=\"Recd.Ingest.HttpLimits\"/>\nclass A { }", 0)]
    [InlineData("Selection", "using Recd.WritePaths;\nusing Recd.Platform;\nusing Recd.Logging;\nnamespace Recd.Selection;", 0)]
    [InlineData("Board", "using Recd.Selection;\nnamespace Recd.Board;\nclass A { void V() => WritePaths.Validate(); }", 0)]
    [InlineData("Interop", "using Recd.Logging;\nnamespace Recd.Interop;", 1)]
    public void The_scanner_sees_every_form_of_reference(string folder, string text, int expected)
    {
        var declared = new Dictionary<string, HashSet<string>> { ["Recordings"] = ["Manifest"], ["WritePaths"] = ["IWritePath"] };
        Assert.Equal(expected, Violations(folder, text, declared).Count());
    }

    internal static IEnumerable<string> Violations(string folder, string text, IReadOnlyDictionary<string, HashSet<string>> declared)
    {
        int level = Array.IndexOf(Order, folder);
        string code = StripComments(text);
        var targets = new List<string>();
        foreach (Match m in QualifiedReference().Matches(code)) targets.Add(m.Groups[1].Value);
        // Inside namespace Recd.X, "Recordings.Manifest" names Recd.Recordings.Manifest too. Only a type
        // that folder declares counts, so a property called WritePaths is not taken for the folder.
        foreach (Match m in BareReference().Matches(code))
            if (declared.TryGetValue(m.Groups[1].Value, out var types) && types.Contains(m.Groups[2].Value))
                targets.Add(m.Groups[1].Value);
        foreach (string to in targets.Distinct())
        {
            int target = Array.IndexOf(Order, to);
            if (to == folder || target < 0 || target > level) continue;
            if (Exceptions.Any(e => e.From == folder && e.To == to)) continue;
            yield return $"{(folder.Length == 0 ? "(root)" : folder)} uses {to}, which is above it";
        }
    }

    private sealed record Source(string Path, string Folder, string Text);

    private static List<Source> SourceFiles()
    {
        string root = Path.Combine(CorpusTests.CorpusDirectory(), "..", "..", "src", "Appliance");
        root = Path.GetFullPath(root);
        var list = new List<Source>();
        foreach (string path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, path);
            string first = rel.Split(Path.DirectorySeparatorChar)[0];
            if (first is "obj" or "bin") continue;
            string folder = rel.Contains(Path.DirectorySeparatorChar) ? first : "";
            list.Add(new Source(rel, folder, File.ReadAllText(path)));
        }
        return list;
    }

    private static Dictionary<string, HashSet<string>> DeclaredTypes(List<Source> files)
    {
        var map = new Dictionary<string, HashSet<string>>();
        foreach (var f in files)
        {
            if (!map.TryGetValue(f.Folder, out var set)) map[f.Folder] = set = [];
            foreach (Match m in TypeDeclaration().Matches(StripComments(f.Text))) set.Add(m.Groups[1].Value);
        }
        return map;
    }

    /// <summary>
    /// Drops // and /* */ comments (doc comments with them: a cref to a layer above is prose about it).
    /// String literals are kept: an interpolation hole is code, and a stray "Recd.X." in a message is
    /// rare enough to be renamed when it trips this.
    /// </summary>
    private static string StripComments(string text) => Comments().Replace(text, m => m.Value.StartsWith("/*") ? "" : "\n");

    [GeneratedRegex(@"//[^\n]*(\n|$)|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comments();

    [GeneratedRegex(@"(?<![\w.])Recd\.(\w+)\b")]
    private static partial Regex QualifiedReference();

    [GeneratedRegex(@"(?<![\w.])(\w+)\.(\w+)\b")]
    private static partial Regex BareReference();

    [GeneratedRegex(@"\b(?:class|struct|record|interface|enum)\s+(?:struct\s+|class\s+)?(\w+)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*[;{]", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();
}
