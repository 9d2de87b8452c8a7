using System.Runtime.InteropServices;
using Recd.Platform;
using Recd.Board;
using Recd.BoardIo;
using Recd.Diagnostics;
using Recd.Ingest;
using Recd.Logging;
using Recd.Recordings;
using Recd.WritePaths;

namespace Recd.Hosting;

/// <summary>Wires the parts for "recd run" and owns their lifetime: start, serve, stop on SIGTERM/SIGINT.</summary>
public sealed class Daemon : IDisposable
{
    private readonly IngestListener _listener;
    private readonly ManualResetEventSlim _stop = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private ControlSocket? _control;
    private SystemdNotifier? _notifier;
    private SerialConsole? _console;
    private BoardIoService? _board;

    public Daemon(BoardProfile profile)
    {
        Profile = profile;
        Folders = RuntimeFolders.Resolve(profile, Log.Warn);
        profile.Storage.StateDir = Folders.StateDir;
        Store = new RecordingStore(profile.Storage, new WritePathFactory(profile.WritePaths), profile.Selector);
        _listener = new IngestListener(profile.Listen, profile.Http, new RecordingsEndpoint(Store), new AccessPolicy(profile.Access))
        {
            Heartbeats = Store.Heartbeats,
        };
    }

    public BoardProfile Profile { get; }
    public RuntimeFolders Folders { get; }
    public RecordingStore Store { get; }
    public int Port => _listener.Port;
    public BoardIoSnapshot? Board => _board?.Snapshot;

    public void Start()
    {
        // SIGXFSZ (25 on every asm-generic ABI): a file over RLIMIT_FSIZE (or a filesystem's own limit,
        // FAT32's 4 GiB as MythTV users met it) must end that recording with EFBIG, not kill the daemon.
        _signals.Add(PosixSignalRegistration.Create((PosixSignal)SigXfsz, ctx => ctx.Cancel = true));

        _listener.Metrics = new Metrics(Store, _listener, DateTimeOffset.UtcNow).RenderUtf8;
        Store.Recover();
        _listener.Start();
        if (Profile.Listen.PortFile is { } portFile)
        {
            string temp = portFile + ".tmp";
            File.WriteAllText(temp, _listener.Port + "\n");
            File.Move(temp, portFile, overwrite: true);
        }
        // Before dropping root: the GPIO chip is opened now and its lines stay ours after the drop.
        // Before the commands: the shell's gpio command reads its snapshot.
        _board = new BoardIoService(Profile, Store, _listener.StopRecordings);
        var board = _board;
        var commands = new DiagnosticCommands(Profile, Store, () => _listener.ConnectionCount, DateTime.UtcNow, () => board.Snapshot);
        _control = new ControlSocket(Folders.ControlSocket, commands.Table);
        _control.Start();
        // Twice the body idle timeout: every write-path call returns within it (SO_RCVTIMEO), so a
        // heartbeat that old means a thread stuck in the kernel, not a slow client.
        _notifier = SystemdNotifier.FromEnvironment(Store.Heartbeats, Math.Max(10_000, 2L * Profile.Http.BodyIdleTimeoutMs));
        // Before the privilege drop: the console's tty is opened now (see SerialConsole).
        if (!string.IsNullOrEmpty(Profile.Console.Tty)) (_console = new SerialConsole(Profile.Console, commands.Table)).Start();
        _board.Start();
        if (!string.IsNullOrEmpty(Profile.RunAs)) PrivilegeDrop.To(Profile.RunAs, [Store.Paths.Root, Folders.StateDir, Folders.RuntimeDir]);
        Log.Info($"recd listening on {Profile.Listen.Address}:{_listener.Port}, board {Profile.Board}, storage {Store.Paths.Root}, write path {Profile.WritePaths.Default}");
        // After recovery and bind: a client started After=recd.service finds the port open.
        if (_notifier.Enabled)
        {
            _notifier.Ready(Status);
            Log.Info(_notifier.WatchdogIntervalMs > 0 ? $"systemd notify: ready, watchdog every {_notifier.WatchdogIntervalMs / 2} ms" : "systemd notify: ready");
        }
    }

    private string Status()
    {
        var fs = FreeSpace.Of(Store.Paths.Root);
        return $"recording {Store.ActiveCount}, {(fs is { } f ? (f.AvailableBytes >> 20) + " MiB free" : "free space unknown")}";
    }

    /// <summary>Longest wait for active transfers to finish their manifests after SIGTERM (recd.service's TimeoutStopSec allows for it).</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Blocks until SIGTERM or SIGINT, then stops: exits within <see cref="StopTimeout"/> plus 2 s
    /// for the log. Returns 0 if every transfer finished its manifest, 1 if one was still running
    /// (its manifest stays "recording" and the next start's recovery makes it interrupted): a
    /// supervisor then sees the stop as a failure, not as a clean one.
    /// </summary>
    public int RunUntilSignalled()
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
            _signals.Add(PosixSignalRegistration.Create(signal, ctx => { ctx.Cancel = true; _stop.Set(); }));
        _stop.Wait();
        int active = Store.ActiveCount;
        _notifier?.Stopping($"stopping, finishing {active} recording(s)");
        Log.Info("stopping: finishing active recordings");
        bool clean = _listener.Stop(StopTimeout);
        if (clean) Log.Info("stopped");
        else Log.Error($"stopped with {_listener.ConnectionCount} transfer(s) still running after {StopTimeout.TotalSeconds:0} s: exit status 1");
        Log.Flush(TimeSpan.FromSeconds(2)); // bounded: a stderr nobody reads must not keep us from exiting
        return clean ? 0 : 1;
    }

    public void RequestStop() => _stop.Set();

    private const int SigXfsz = 25;

    public void Dispose()
    {
        foreach (var s in _signals) s.Dispose();
        _notifier?.Dispose();
        _console?.Dispose();
        _control?.Dispose();
        _listener.Dispose();
        _board?.Dispose();
    }
}
