using Recd.Board;
using Recd.Hosting;
using Recd.Logging;

namespace Recd;

public static class Program
{
    private const string Usage = """
        usage: recd <command> [options]
          run                 start the daemon (default)
          profile show        print the effective board profile
          version             print the version
          ctl CMD             run CMD (status, recordings, help) on the running daemon's control socket
          console [--tty P]   the daemon's diagnostics shell on this terminal (or tty P)
          meter-overhead      measure what the cost meter costs per span and window
        options (each also settable as RECD__Section__Key or in board/NAME.json):
          --board NAME        board profile (default: the architecture's, host-x86_64 here)
          --board-dir DIR     folder of board profiles
          --address IP        listen address          (Listen:Address)
          --port N            listen port, 0 = any    (Listen:Port)
          --port-file FILE    write the bound port to FILE
          --storage DIR       storage root            (Storage:Root)
          --write-path P      buffered|splice|direct  (WritePaths:Default)
          --Section:Key V     any other profile key
        """;

    public static int Main(string[] args)
    {
        string verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        string[] rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        try
        {
            switch (verb)
            {
                case "run":
                    return Run(rest);
                case "profile":
                    return ProfileCommand.Run(rest);
                case "ctl":
                    return CtlCommand.Run(rest);
                case "console":
                    return ConsoleCommand.Run(rest);
                case "meter-overhead":
                    return Selection.MeterOverhead.Run();
                case "version":
                    Console.WriteLine("recd " + typeof(Program).Assembly.GetName().Version);
                    return 0;
                case "help" or "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"recd: unknown command '{verb}'\n{Usage}");
                    return 2;
            }
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException or FormatException or InvalidOperationException or IOException)
        {
            Console.Error.WriteLine("recd: " + e.Message);
            return 1;
        }
    }

    private static int Run(string[] args)
    {
        var loaded = ProfileLoader.Load(args);
        Log.MinLevel = Enum.TryParse<LogLevel>(loaded.Profile.LogLevel, ignoreCase: true, out var level) ? level : LogLevel.Info;
        Log.Info($"profile {loaded.Profile.Board} from {string.Join(" <- ", loaded.Files.Select(Path.GetFileName))}");
        using var daemon = new Daemon(loaded.Profile);
        daemon.Start();
        return daemon.RunUntilSignalled();
    }
}
