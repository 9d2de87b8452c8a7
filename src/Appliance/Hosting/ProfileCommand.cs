using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Recd.Board;

namespace Recd.Hosting;

/// <summary>
/// "recd profile show [--json]": every setting of the layered profile, as the daemon would use it,
/// with where each value came from. "recd profile check [FILE...]": validates profiles.
/// </summary>
public static class ProfileCommand
{
    public static int Run(string[] args)
    {
        string sub = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "show";
        string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        switch (sub)
        {
            case "show":
                bool json = rest.Contains("--json");
                return Show([.. rest.Where(a => a != "--json")], json, Console.Out);
            case "check":
                return Check(rest, Console.Out);
            default:
                Console.Error.WriteLine($"recd profile: unknown subcommand '{sub}' (show, check)");
                return 2;
        }
    }

    internal static int Show(string[] args, bool json, TextWriter output, string deviceTree = ProfileLoader.DeviceTreeCompatible)
    {
        var loaded = ProfileLoader.Load(args, deviceTree);
        // The Why texts last: they are long, and the values are what one looks for.
        var rows = Rows(loaded).OrderBy(r => r.Key.StartsWith("Why:", StringComparison.Ordinal)).ToList();
        if (json)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("board", loaded.Profile.Board);
                w.WriteString("choice", loaded.Choice);
                w.WriteStartArray("files");
                foreach (var f in loaded.Files) w.WriteStringValue(f);
                w.WriteEndArray();
                w.WriteStartObject("values");
                foreach (var (key, value, source) in rows)
                {
                    w.WriteStartObject(key);
                    if (value is null) w.WriteNull("value"); else w.WriteString("value", value);
                    w.WriteString("source", source);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            return 0;
        }
        output.WriteLine($"# {loaded.Choice}; files {string.Join(" <- ", loaded.Files.Select(Path.GetFileName))}");
        int width = rows.Max(r => r.Key.Length) + 2;
        foreach (var (key, value, source) in rows)
            output.WriteLine($"{key.PadRight(width)}{value ?? "-"}  [{source}]");
        return 0;
    }

    /// <summary>Every key with its effective value and source: a file name, "environment", "command line", or "default" (the code's).</summary>
    internal static IEnumerable<(string Key, string? Value, string Source)> Rows(ProfileLoader.Loaded loaded)
    {
        foreach (var (key, value) in ProfileSchema.Values(loaded.Profile))
        {
            // Board is set from the chosen name, whatever a file says.
            var provider = key == nameof(BoardProfile.Board) ? null : ProfileLoader.SourceOf(loaded.Config, key);
            string source = key == nameof(BoardProfile.Board) ? "chosen" : provider is null ? "default" : ProfileLoader.SourceName(provider);
            yield return (key, value, source);
        }
    }

    /// <summary>Checks each profile (default: every board/*.json): keys, Base chain, every section's ranges. 0 when all pass.</summary>
    internal static int Check(string[] files, TextWriter output)
    {
        if (files.Length == 0)
        {
            string dir = ProfileLoader.FindBoardDirectory() ?? throw new FileNotFoundException("no board/ folder found; name the files");
            files = Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal).ToArray();
        }
        int bad = 0;
        foreach (var file in files)
        {
            var problems = Problems(file);
            if (problems.Count == 0) output.WriteLine($"ok {file}");
            foreach (var p in problems) output.WriteLine($"{file}: {p}");
            if (problems.Count > 0) bad++;
        }
        output.WriteLine($"{files.Length - bad} of {files.Length} profiles pass");
        return bad == 0 ? 0 : 1;
    }

    internal static List<string> Problems(string file)
    {
        var problems = new List<string>();
        string full = Path.GetFullPath(file);
        if (!File.Exists(full)) return [$"no such file"];
        List<string> chain;
        try { chain = ProfileLoader.ResolveChain(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full)); }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException or FormatException)
        {
            return [e.Message];
        }
        IConfigurationRoot config;
        // Only files: the environment and command line of whoever runs the check are not the profile's.
        try { config = ProfileLoader.Build(chain, []); }
        catch (Exception e) when (e is InvalidDataException or FormatException) { return [e.Message]; }
        foreach (var provider in config.Providers.Where(p => p is Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider))
            problems.AddRange(ProfileLoader.UnknownKeys(provider));
        var profile = new BoardProfile();
        try { config.Bind(profile); }
        catch (InvalidOperationException e) { problems.Add(e.Message); return problems; } // "Failed to convert 'x' to Int32"
        profile.Board = Path.GetFileNameWithoutExtension(full);
        problems.AddRange(profile.Problems());
        return problems;
    }
}
