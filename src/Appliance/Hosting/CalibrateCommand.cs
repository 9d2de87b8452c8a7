using System.Globalization;
using Recd.Board;
using Recd.Calibration;
using Recd.Diagnostics;

namespace Recd.Hosting;

/// <summary>
/// "recd calibrate [--seconds N] [--force] [--out DIR] [--report FILE] [--note TEXT] [--sender HOST [--sender-port N]] [--primitives] [profile options]":
/// measures every candidate write path and size on this board's storage root and writes
/// DIR/BASE.tuned.json (DIR: the board folder the profile came from) and a report beside it.
/// Refuses while the running daemon (found through its control socket, as "recd ctl" finds it) has
/// recordings active: the run would compete with them for CPU and disk and measure both wrongly.
/// </summary>
public static class CalibrateCommand
{
    public const int DefaultSeconds = 30;

    public static int Run(string[] args)
    {
        int seconds = DefaultSeconds;
        bool force = false, primitivesOnly = false;
        string? outDir = null, report = null, note = null, senderHost = null;
        int senderPort = -1;
        var profileArgs = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--force": force = true; break;
                case "--primitives": primitivesOnly = true; break;
                case "--seconds" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out seconds) || seconds is < 1 or > 3600)
                        throw new ArgumentException($"--seconds must be 1 .. 3600, got '{args[i]}'");
                    break;
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
                case "--report" when i + 1 < args.Length: report = args[++i]; break;
                case "--note" when i + 1 < args.Length: note = args[++i]; break;
                case "--sender" when i + 1 < args.Length: senderHost = args[++i]; break;
                case "--sender-port" when i + 1 < args.Length:
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out senderPort) || senderPort > 65535)
                        throw new ArgumentException($"--sender-port must be 0 .. 65535, got '{args[i]}'");
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) { profileArgs.Add(args[i]); profileArgs.Add(args[++i]); }
                    else throw new ArgumentException($"calibrate: unexpected '{args[i]}' (see recd calibrate --help)");
                    break;
            }
        }
        var loaded = ProfileLoader.Load([.. profileArgs]);
        ProfilePaths.Anchor(loaded, profileArgs);
        var profile = loaded.Profile;

        if (!force)
        {
            var (active, unknown) = ActiveRecordings(profile);
            if (active > 0)
            {
                Console.Error.WriteLine($"recd calibrate: the daemon has {active} recording(s) active; they would compete with the run for CPU and disk. Wait, or pass --force.");
                return 3;
            }
            if (unknown is not null)
            {
                Console.Error.WriteLine($"recd calibrate: cannot ask the daemon whether it records ({unknown}); run as root or the service user, or pass --force.");
                return 3;
            }
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var progress = new CalibrationProgress(s => { Console.Out.Write(s); Console.Out.Flush(); }, terminal: !Console.IsOutputRedirected);

        if (primitivesOnly)
        {
            string scratch = CalibrationRun.ScratchPath(profile.Storage.Root);
            CalibrationRun.RemoveScratch(scratch);
            Directory.CreateDirectory(scratch);
            try
            {
                var figures = CopyPrimitives.Measure(scratch, TimeSpan.FromSeconds(seconds / 6.0), 512L << 20, cancel.Token);
                Console.Out.Write(TunedProfileWriter.PrimitivesDocument(figures, Platform.MountInfo.Find(scratch).FsType));
            }
            finally { CalibrationRun.RemoveScratch(scratch); }
            return 0;
        }

        string dir = outDir is null ? Path.GetDirectoryName(loaded.Files[^1])! : Path.GetFullPath(outDir);
        try
        {
            // The daemon's own port may be taken by the daemon itself: the next one by default.
            using var remote = senderHost is null ? null
                : new RemoteSender(senderHost, profile.Listen.Address, senderPort >= 0 ? senderPort : profile.Listen.Port == 0 ? 0 : profile.Listen.Port + 1);
            var (_, tuned, _) = CalibrationOutputs.RunAndWrite(profile, seconds, dir, report, note, progress, cancel.Token, remote);
            progress.Note($"use it with --board {Path.GetFileNameWithoutExtension(tuned)}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            progress.End();
            Console.Error.WriteLine("recd calibrate: cancelled; nothing written, scratch files removed");
            return 130;
        }
    }

    /// <summary>
    /// Recordings active in the daemon behind the profile's control socket: 0 when no daemon listens
    /// (no socket, or a stale one: ECONNREFUSED); <c>Unknown</c> says why a daemon that may be there
    /// could not be asked (EACCES: the socket is 0600 and this is another user), which refuses too.
    /// </summary>
    internal static (int Active, string? Unknown) ActiveRecordings(BoardProfile profile)
    {
        string socket = RuntimeFolders.Resolve(profile).ControlSocket;
        if (!File.Exists(socket)) return (0, null);
        try
        {
            // The machine-readable answer, not the human one: that text is free to change. A daemon
            // too old to know --format=kv prints its human text instead, which does not parse: refused.
            int status = ControlSocket.Run(socket, "status --format=kv", out string text, timeoutMs: 5000);
            return status == 0 && StatusKeys.TryParse(text, out var values) && StatusKeys.TryGetLong(values, StatusKeys.ActiveRecordings, out long active)
                ? ((int)active, null)
                : (0, $"status answered {status}: {text.Trim()}");
        }
        catch (IOException e) when (e.Message.EndsWith("ECONNREFUSED", StringComparison.Ordinal) || e.Message.EndsWith("ENOENT", StringComparison.Ordinal))
        {
            return (0, null); // a socket file no daemon listens on
        }
        catch (IOException e) { return (0, e.Message); }
    }
}
