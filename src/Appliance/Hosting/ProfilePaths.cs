using Microsoft.Extensions.Configuration;
using Recd.Board;

namespace Recd.Hosting;

/// <summary>
/// Where a relative folder of the profile points. It used to be the current folder of whoever ran
/// recd, so "recd ctl" run from another folder looked for the daemon's socket under another root
/// (the host profile's Storage:Root is "./var/recordings"). Decided: a relative path written in a
/// board profile (or a RECD__ variable: a service unit has no meaningful current folder) is relative
/// to the installation, the folder holding the board/ folder: /etc/recd on a box, the checkout for
/// "./build.sh run" (where recordings always landed), out/RID beside a published binary. A relative
/// path typed on the command line stays relative to the shell's folder, as for any Unix tool.
/// The daemon and "recd ctl" both apply this, so they agree wherever either is started from.
/// </summary>
public static class ProfilePaths
{
    public static void Anchor(ProfileLoader.Loaded loaded, IReadOnlyList<string> args)
    {
        var typed = new ConfigurationBuilder().AddCommandLine([.. args], ProfileLoader.SwitchMappings).Build();
        string install = Path.GetDirectoryName(Path.GetDirectoryName(loaded.Files[^1])!) ?? "/";
        string? Resolve(string? path, string key) =>
            path is null || Path.IsPathRooted(path) ? path
            : Path.GetFullPath(path, typed[key] is null ? install : Directory.GetCurrentDirectory());
        var p = loaded.Profile;
        p.Storage.Root = Resolve(p.Storage.Root, "Storage:Root")!;
        p.Storage.StateDir = Resolve(p.Storage.StateDir, "Storage:StateDir");
        p.RuntimeDir = Resolve(p.RuntimeDir, "RuntimeDir");
        p.ControlSocket = Resolve(p.ControlSocket, "ControlSocket");
    }
}
