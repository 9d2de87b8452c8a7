using Recd.Board;
using Recd.Diagnostics;
using Recd.Recordings;

namespace Recd.Hosting;

/// <summary>"recd ctl [--socket PATH] CMD...": one command through the control socket, for ssh and scripts.</summary>
public static class CtlCommand
{
    public static int Run(string[] args)
    {
        string? socket = null;
        var words = new List<string>();
        var profileArgs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--socket" && i + 1 < args.Length) socket = args[++i];
            else if (args[i].StartsWith("--") && i + 1 < args.Length) { profileArgs.Add(args[i]); profileArgs.Add(args[++i]); }
            else words.Add(args[i]);
        }
        if (socket is null)
        {
            // Same rule as the daemon: the profile's ControlSocket, else the state folder's control.sock.
            var profile = ProfileLoader.Load([.. profileArgs]).Profile;
            var options = profile.Storage;
            string root = Path.GetFullPath(options.Root);
            socket = Daemon.ControlSocketPath(profile, Path.GetFullPath(options.StateDir ?? Path.Combine(root, ".state")));
        }
        Console.Write(ControlSocket.Send(socket, words.Count == 0 ? "status" : string.Join(' ', words)));
        return 0;
    }
}
