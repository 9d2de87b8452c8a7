using System.Runtime.InteropServices;
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
    private BoardIoService? _board;

    public Daemon(BoardProfile profile)
    {
        Profile = profile;
        Folders = RuntimeFolders.Resolve(profile, Log.Warn);
        profile.Storage.StateDir = Folders.StateDir;
        Store = new RecordingStore(profile.Storage, new WritePathFactory(profile.WritePaths), profile.Selector);
        _listener = new IngestListener(profile.Listen, profile.Http, new RecordingsEndpoint(Store), new AccessPolicy(profile.Access));
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

        Store.Recover();
        _listener.Start();
        if (Profile.Listen.PortFile is { } portFile)
        {
            string temp = portFile + ".tmp";
            File.WriteAllText(temp, _listener.Port + "\n");
            File.Move(temp, portFile, overwrite: true);
        }
        var commands = new ControlCommands(Profile, Store, () => _listener.ConnectionCount, DateTime.UtcNow);
        _control = new ControlSocket(Folders.ControlSocket, commands.Execute);
        _control.Start();
        // Before dropping root: the GPIO chip is opened now and its lines stay ours after the drop.
        _board = new BoardIoService(Profile, Store, _listener.StopRecordings);
        _board.Start();
        if (!string.IsNullOrEmpty(Profile.RunAs)) PrivilegeDrop.To(Profile.RunAs, [Store.Paths.Root, Folders.StateDir, Folders.RuntimeDir]);
        Log.Info($"recd listening on {Profile.Listen.Address}:{_listener.Port}, board {Profile.Board}, storage {Store.Paths.Root}, write path {Profile.WritePaths.Default}");
    }

    /// <summary>Blocks until SIGTERM or SIGINT, then stops cleanly. Returns the process exit code.</summary>
    public int RunUntilSignalled()
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
            _signals.Add(PosixSignalRegistration.Create(signal, ctx => { ctx.Cancel = true; _stop.Set(); }));
        _stop.Wait();
        Log.Info("stopping: finishing active recordings");
        bool clean = _listener.Stop(TimeSpan.FromSeconds(10));
        Log.Info(clean ? "stopped" : "stopped with transfers still running");
        Log.Flush(TimeSpan.FromSeconds(2)); // bounded: a stderr nobody reads must not keep us from exiting
        return 0;
    }

    public void RequestStop() => _stop.Set();

    private const int SigXfsz = 25;

    public void Dispose()
    {
        foreach (var s in _signals) s.Dispose();
        _control?.Dispose();
        _listener.Dispose();
        _board?.Dispose();
    }
}
