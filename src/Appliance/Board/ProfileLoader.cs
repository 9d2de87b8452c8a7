using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;

namespace Recd.Board;

/// <summary>
/// Layers configuration: board JSON (base first, then each child), RECD__ environment variables,
/// command-line switches. The board is --board / RECD__BOARD, else the architecture's default.
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

    public sealed record Loaded(BoardProfile Profile, IReadOnlyList<string> Files);

    public static Loaded Load(string[] args)
    {
        var early = new ConfigurationBuilder()
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args, SwitchMappings)
            .Build();
        string board = early["Board"] ?? DefaultBoard();
        string dir = early["BoardDir"] ?? FindBoardDirectory()
            ?? throw new FileNotFoundException("no board/ folder found (looked beside the binary, in ./board and /etc/recd/board); pass --board-dir");

        var files = ResolveChain(dir, board);
        var builder = new ConfigurationBuilder();
        foreach (var file in files) builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        var config = builder
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddCommandLine(args, SwitchMappings)
            .Build();

        var profile = new BoardProfile();
        config.Bind(profile);
        profile.Board = board;
        profile.Validate();
        return new Loaded(profile, files);
    }

    /// <summary>The profile files from the root base to the named board.</summary>
    public static List<string> ResolveChain(string dir, string board)
    {
        var chain = new List<string>();
        string? name = board;
        while (name is not null)
        {
            if (!IsSafeName(name)) throw new ArgumentException($"invalid board name '{name}'");
            string path = Path.GetFullPath(Path.Combine(dir, name + ".json"));
            if (!File.Exists(path)) throw new FileNotFoundException($"board profile '{name}' not found: {path}");
            if (chain.Contains(path)) throw new InvalidDataException($"board profile '{name}' inherits from itself");
            if (chain.Count >= 8) throw new InvalidDataException("board profile Base chain deeper than 8");
            chain.Add(path);
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

    private static string? FindBoardDirectory()
    {
        string[] candidates = [Path.Combine(AppContext.BaseDirectory, "board"), Path.GetFullPath("board"), "/etc/recd/board"];
        return candidates.FirstOrDefault(Directory.Exists);
    }

    private static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 64 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
