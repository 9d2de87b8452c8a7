using Recd.Board;
using Recd.Diagnostics;

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
            // Options before the command find the daemon; after its first word they are the command's
            // own ("ctl calibrate --seconds 5"), as for any Unix tool's subcommand.
            if (words.Count > 0) words.Add(args[i]);
            else if (args[i] == "--socket" && i + 1 < args.Length) socket = args[++i];
            else if (args[i].StartsWith("--") && i + 1 < args.Length) { profileArgs.Add(args[i]); profileArgs.Add(args[++i]); }
            else words.Add(args[i]);
        }
        if (socket is null)
        {
            // Same rules as the daemon: relative folders anchored alike, the profile's ControlSocket, else control.sock in the runtime folder.
            var loaded = ProfileLoader.Load([.. profileArgs]);
            ProfilePaths.Anchor(loaded, profileArgs);
            socket = RuntimeFolders.Resolve(loaded.Profile).ControlSocket;
        }
        // Long enough for "verify" of a big recording on a slow disk; a dead daemon still fails at connect.
        int status = ControlSocket.Run(socket, words.Count == 0 ? "status" : string.Join(' ', words), out string text, timeoutMs: 600_000);
        Console.Out.Write(text); // stdout either way: scripts grep the answer and test the status
        return status;
    }
}
