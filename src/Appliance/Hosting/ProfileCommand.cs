using Recd.Board;

namespace Recd.Hosting;

/// <summary>"recd profile show": the fully layered profile, as the daemon would use it.</summary>
public static class ProfileCommand
{
    public static int Run(string[] args)
    {
        string sub = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "show";
        string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        if (sub != "show") { Console.Error.WriteLine($"recd profile: unknown subcommand '{sub}' (show)"); return 2; }
        var loaded = ProfileLoader.Load(rest);
        var p = loaded.Profile;
        Console.WriteLine($"board            {p.Board} ({string.Join(" <- ", loaded.Files.Select(Path.GetFileName))})");
        Console.WriteLine($"soc / arch       {p.Soc ?? "-"} / {p.Arch ?? "-"}, {p.Cores} cores, {p.RamMiB} MiB");
        Console.WriteLine($"listen           {p.Listen.Address}:{p.Listen.Port} backlog {p.Listen.Backlog}");
        Console.WriteLine($"storage          {Path.GetFullPath(p.Storage.Root)} commit every {p.Storage.CommitIntervalBytes >> 20} MiB / {p.Storage.CommitIntervalMs} ms");
        Console.WriteLine($"write paths      default {p.WritePaths.Default}, buffer {p.WritePaths.BufferBytes}, pipe {p.WritePaths.PipeBytes}, direct {p.WritePaths.DirectBufferBytes}, nosplice {p.WritePaths.NoSplice}");
        Console.WriteLine($"http limits      line {p.Http.MaxRequestLineBytes}, head {p.Http.MaxHeaderBytes}, fields {p.Http.MaxHeaderCount}, name {p.Http.MaxNameLength}, conns {p.Http.MaxConnections}");
        Console.WriteLine($"timeouts (ms)    header {p.Http.HeaderTimeoutMs}, keep-alive {p.Http.KeepAliveTimeoutMs}, body idle {p.Http.BodyIdleTimeoutMs}");
        return 0;
    }
}
