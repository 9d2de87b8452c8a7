using Recd.Board;
using Recd.Hosting;
using Recd.Logging;

namespace Recd;

public static class Program
{
    private const string Usage = """
        usage: recd <command> [options]
          run                 start the daemon (default)
          profile show        print the effective board profile and where each value came from (--json)
          profile check [F]   validate board profiles (default: every board/*.json)
          version             print the version, git commit, target and build date
          help, --help, -h    print this (also CMD --help)
          ctl CMD             run CMD (status, recordings, help) on the running daemon's control socket
          console [--tty P]   the daemon's diagnostics shell on this terminal (or tty P)
          meter-overhead      measure what the cost meter costs per span and window
          calibrate           measure every write path and size here, write board/BASE.tuned.json and a
                              report: [--seconds N (30)] [--force] [--out DIR] [--report FILE.md] [--note TEXT]
                              [--sender HOST [--sender-port N (Listen:Port+1)]: every trial from HOST, recd-send-load --follow-server]
                              [--primitives: only the copy primitives, as JSON like native/calib_probe]
        options (each also settable as RECD__Section__Key or in board/NAME.json):
          --board NAME        board profile (default: the architecture's, host-x86_64 here)
          --board-dir DIR     folder of board profiles
          --address IP        listen address          (Listen:Address)
          --port N            listen port, 0 = any    (Listen:Port)
          --port-file FILE    write the bound port to FILE
          --storage DIR       storage root            (Storage:Root)
          --write-path P      auto|buffered|splice|direct  (WritePaths:Default)
          --Section:Key V     any other profile key
        """;

    public static int Main(string[] args)
    {
        // "recd --help" used to start the daemon (a leading option means "run"), and "recd ctl --help"
        // asked the daemon. Asked anywhere, help is answered here and nothing is started.
        if (args.Any(a => a is "--help" or "-h"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
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
                case "calibrate":
                    return CalibrateCommand.Run(rest);
                case "meter-overhead":
                    return Selection.MeterOverhead.Run();
                case "version":
                    Console.WriteLine($"recd {BuildInfo.Version}\ncommit {BuildInfo.Commit}\ntarget {BuildInfo.Rid}\nbuilt  {BuildInfo.BuildDate}");
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
        ProfilePaths.Anchor(loaded, args);
        Log.MinLevel = Enum.TryParse<LogLevel>(loaded.Profile.LogLevel, ignoreCase: true, out var level) ? level : LogLevel.Info;
        if (loaded.Profile.Log.Syslog && !Log.EnableSyslog(loaded.Profile.Log.SyslogSocket)) Log.Warn($"Log:SyslogSocket unusable: '{loaded.Profile.Log.SyslogSocket}'; logging to stderr only");
        Log.Write(loaded.Unrecognised ? LogLevel.Warn : LogLevel.Info, loaded.Choice);
        Log.Info($"profile {loaded.Profile.Board} from {string.Join(" <- ", loaded.Files.Select(Path.GetFileName))}");
        using var daemon = new Daemon(loaded.Profile);
        daemon.Start();
        return daemon.RunUntilSignalled();
    }
}
