using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;

namespace Recd.Board;

/// <summary>
/// Layers configuration: board JSON (base first, then each child), RECD__ environment variables,
/// command-line switches. The board is --board / RECD__BOARD, else the one whose Compatible list
/// matches the device tree, else the architecture's generic profile.
/// </summary>
public static class ProfileLoader
{
    public static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--board"] = "Board",
        ["--board-dir"] = "BoardDir",
        ["--address"] = "Listen:Address",
        ["--port"] = "Listen:Port",
        ["--port-file"] = "Listen:PortFile",
        ["--storage"] = "Storage:Root",
        ["--write-path"] = "WritePaths:Default",
        ["--log-level"] = "LogLevel",
        ["--token-file"] = "Access:TokenFile",
        ["--run-as"] = "RunAs",
    };

    public const string EnvironmentPrefix = "RECD__";

    /// <summary>The kernel's flattened device tree: the board's compatible strings, NUL-separated, most specific first.</summary>
    public const string DeviceTreeCompatible = "/proc/device-tree/compatible";

    /// <param name="Config">The layered configuration, whose providers say where each value came from.</param>
    /// <param name="Choice">How the board was chosen, for the log.</param>
    /// <param name="Unrecognised">The device tree named a board no profile knows: the generic profile stands in (a warning).</param>
    public sealed record Loaded(BoardProfile Profile, IReadOnlyList<string> Files, IConfigurationRoot Config, string Choice, bool Unrecognised = false);

    /// <param name="deviceTree">The compatible file to detect the board from (tests pass a fake one).</param>
    public static Loaded Load(string[] args, string deviceTree = DeviceTreeCompatible)
    {
        var early = new ConfigurationBuilder()
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args, SwitchMappings)
            .Build();
        // Before anything else: a mistyped key must not be reported as "profile not found" or pass silently.
        RejectUnknown(early.Providers);
        string dir = early["BoardDir"] ?? FindBoardDirectory()
            ?? throw new FileNotFoundException("no board/ folder found (looked beside the binary, in ./board and /etc/recd/board); pass --board-dir");
        var (board, choice, unrecognised) = early["Board"] is { } named
            ? (named, $"board {named} from the {SourceName(early.Providers.Last(p => p.TryGet("Board", out _)))}", false)
            : Detect(dir, deviceTree);

        var files = ResolveChain(dir, board);
        var config = Build(files, args);
        RejectUnknown(config.Providers);
        var profile = new BoardProfile();
        config.Bind(profile);
        profile.Board = board;
        profile.Validate();
        return new Loaded(profile, files, config, choice, unrecognised);
    }

    internal static IConfigurationRoot Build(IEnumerable<string> files, string[] args)
    {
        var builder = new ConfigurationBuilder();
        foreach (var file in files) builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        return builder
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args, SwitchMappings)
            .Build();
    }

    /// <summary>Throws naming every key no option class has, where it was written, and the nearest known key.</summary>
    private static void RejectUnknown(IEnumerable<IConfigurationProvider> providers)
    {
        var problems = providers.SelectMany(UnknownKeys).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
    }

    /// <summary>One message per key of this provider that binds to nothing.</summary>
    public static IEnumerable<string> UnknownKeys(IConfigurationProvider provider)
    {
        foreach (var key in KeysOf(provider, null))
        {
            if (ProfileSchema.IsKnown(key)) continue;
            string written = provider switch
            {
                CommandLineConfigurationProvider => $" (--{key})",
                EnvironmentVariablesConfigurationProvider => $" ({EnvironmentPrefix}{key.Replace(":", "__")})",
                _ => "",
            };
            string? near = ProfileSchema.Suggest(key);
            yield return $"unknown key '{key}'{written} {Where(provider)}" + (near is null ? "" : $" (did you mean '{near}'?)");
        }
    }

    /// <summary>Every key this provider holds a value (or an empty object/array) for.</summary>
    internal static IEnumerable<string> KeysOf(IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            string key = parent is null ? child : parent + ":" + child;
            if (!provider.GetChildKeys([], key).Any()) yield return key;
            else foreach (var k in KeysOf(provider, key)) yield return k;
        }
    }

    private static string Where(IConfigurationProvider provider) => provider switch
    {
        CommandLineConfigurationProvider => "on the command line",
        EnvironmentVariablesConfigurationProvider => "in the environment",
        _ => "in " + SourceName(provider),
    };

    /// <summary>What "profile show" prints as a value's origin: the file name, "environment" or "command line".</summary>
    public static string SourceName(IConfigurationProvider provider) => provider switch
    {
        JsonConfigurationProvider json => Path.GetFileName(json.Source.Path) ?? "json",
        EnvironmentVariablesConfigurationProvider => "environment",
        CommandLineConfigurationProvider => "command line",
        var p => p.GetType().Name,
    };

    /// <summary>The provider a key's effective value comes from (the last one holding it), or null: the code's default.</summary>
    public static IConfigurationProvider? SourceOf(IConfigurationRoot config, string key)
    {
        for (int i = config.Providers.Count() - 1; i >= 0; i--)
        {
            var p = config.Providers.ElementAt(i);
            if (p.TryGet(key, out _) || p.GetChildKeys([], key).Any()) return p;
        }
        return null;
    }

    /// <summary>
    /// The profile whose Compatible list holds the board's most specific device-tree string; else the
    /// architecture's generic profile. Profiles are scanned in name order so the choice is stable.
    /// </summary>
    public static (string Board, string Choice, bool Unrecognised) Detect(string dir, string deviceTree)
    {
        string fallback = DefaultBoard();
        string[] compatible;
        try { compatible = File.ReadAllText(deviceTree).Split('\0', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // x86 hosts and ACPI arm64 servers have no device tree: the arch default is the right answer there.
            return (fallback, $"board {fallback}: no device tree ({deviceTree}), the architecture's profile", false);
        }
        var profiles = Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal)
            .Select(f => (Name: Path.GetFileNameWithoutExtension(f), Compatible: CompatibleOf(f))).ToList();
        foreach (var s in compatible)
            foreach (var (name, list) in profiles)
                if (list.Contains(s, StringComparer.OrdinalIgnoreCase))
                    return (name, $"board {name} detected: device tree '{s}'", false);
        return (fallback, $"board not recognised (device tree '{string.Join("', '", compatible)}'; no profile in {dir} lists it): using {fallback}, the architecture's generic profile", true);
    }

    private static string[] CompatibleOf(string file)
    {
        try
        {
            var c = new ConfigurationBuilder().AddJsonFile(file, optional: false, reloadOnChange: false).Build();
            return c.GetSection("Compatible").GetChildren().Select(s => s.Value).OfType<string>().ToArray();
        }
        catch (InvalidDataException) { return []; } // a broken profile is reported when chosen or checked, not while scanning
        catch (FormatException) { return []; }
    }

    /// <summary>The profile files from the root base to the named board.</summary>
    public static List<string> ResolveChain(string dir, string board)
    {
        var chain = new List<string>();
        string? name = board;
        string? child = null;
        while (name is not null)
        {
            if (!IsSafeName(name)) throw new ArgumentException($"invalid board name '{name}'");
            string path = Path.GetFullPath(Path.Combine(dir, name + ".json"));
            if (!File.Exists(path))
                throw new FileNotFoundException(child is null ? $"board profile '{name}' not found: {path}" : $"{child}.json: Base '{name}' not found: {path}");
            if (chain.Contains(path))
                throw new InvalidDataException($"board profile Base cycle: {string.Join(" -> ", chain.Select(Path.GetFileNameWithoutExtension).Append(name))}");
            if (chain.Count >= 8) throw new InvalidDataException("board profile Base chain deeper than 8");
            chain.Add(path);
            child = name;
            name = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build()["Base"];
        }
        chain.Reverse();
        return chain;
    }

    public static string DefaultBoard() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => "host-x86_64",
        Architecture.Arm64 => "generic-arm64",
        Architecture.Arm => "generic-armhf",
        var a => "generic-" + a.ToString().ToLowerInvariant(),
    };

    internal static string? FindBoardDirectory()
    {
        string[] candidates = [Path.Combine(AppContext.BaseDirectory, "board"), Path.GetFullPath("board"), "/etc/recd/board"];
        return candidates.FirstOrDefault(Directory.Exists);
    }

    private static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
