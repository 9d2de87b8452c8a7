using Recd.Ingest;
using Recd.Logging;
using Recd.Recordings;
using Recd.Selection;
using Recd.WritePaths;

namespace Recd.Board;

/// <summary>
/// Everything recd knows about the box it runs on, bound from board/NAME.json (and its Base
/// chain), then RECD__ environment variables, then the command line. One class, one bind call,
/// so the configuration binding source generator covers it all and NativeAOT stays warning-free.
/// </summary>
public sealed class BoardProfile
{
    /// <summary>Profile file name without .json (also what --board names).</summary>
    public string Board { get; set; } = "";

    /// <summary>Profile this one inherits from; its values come first and are overridden here.</summary>
    public string? Base { get; set; }

    public string? Description { get; set; }
    public string? Soc { get; set; }
    public string? Arch { get; set; }

    /// <summary>CPU core type ("Cortex-A53"): with the caches, what decides whether the box is copy-bound.</summary>
    public string? Cpu { get; set; }

    public int Cores { get; set; }
    public int ClockMHz { get; set; }
    public int L1dKiB { get; set; }

    /// <summary>Last-level cache shared by the cores; a pipe or buffer larger than this streams through DRAM.</summary>
    public int L2KiB { get; set; }

    public int RamMiB { get; set; }

    /// <summary>
    /// Device-tree compatible strings this profile is for (/proc/device-tree/compatible), most
    /// specific first; detection picks the profile matching the board's most specific string.
    /// </summary>
    public List<string> Compatible { get; set; } = [];

    /// <summary>Free text: why a value was chosen and its source, keyed by the setting ("WritePaths.BufferBytes").</summary>
    public Dictionary<string, string> Why { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public string LogLevel { get; set; } = "info";

    /// <summary>Unix control socket (mode 0600) for "recd ctl"; default: control.sock in the runtime folder.</summary>
    public string? ControlSocket { get; set; }

    /// <summary>
    /// Runtime state (the control socket): /run/recd on boards; default ROOT.run beside the storage root.
    /// Never on the recording medium (see Hosting/RuntimeFolders).
    /// </summary>
    public string? RuntimeDir { get; set; }

    /// <summary>Service user to become after binding, when started as root (the storage tree is handed to it).</summary>
    public string? RunAs { get; set; }

    public ListenOptions Listen { get; set; } = new();
    public HttpLimits Http { get; set; } = new();
    public StorageOptions Storage { get; set; } = new();
    public WritePathOptions WritePaths { get; set; } = new();
    public SelectorOptions Selector { get; set; } = new();
    public AccessOptions Access { get; set; } = new();
    public ConsoleOptions Console { get; set; } = new();
    public GpioOptions Gpio { get; set; } = new();
    public DisplayOptions Display { get; set; } = new();
    public SensorsOptions Sensors { get; set; } = new();
    public LogOptions Log { get; set; } = new();

    /// <summary>Measurements behind a tuned profile ("recd calibrate"); empty in hand-written ones.</summary>
    public CalibrationOptions Calibration { get; set; } = new();

    /// <summary>Throws the first problem; <see cref="Problems"/> lists them all.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException(problems[0]);
    }

    /// <summary>Every section's validation, each on its own, so "profile check" reports all of them.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        foreach (var check in (Action[])[ValidateTop, WritePaths.Validate, Selector.Validate, Console.Validate, Gpio.Validate, Display.Validate, Sensors.Validate, ValidateDisplayLines])
        {
            try { check(); }
            catch (ArgumentException e) { problems.Add(e.Message); }
        }
        return problems;
    }

    private void ValidateDisplayLines()
    {
        if (Display.Kind == "none") return;
        foreach (var (name, line) in Gpio.Lines())
            if (line.Line >= 0 && (line.Line == Display.ClockLine || line.Line == Display.DataLine))
                throw new ArgumentException($"Display line {line.Line} is also Gpio:{name}:Line");
    }

    private void ValidateTop()
    {
        if (Listen.Port is < 0 or > 65535) throw new ArgumentException($"Listen:Port out of range: {Listen.Port}");
        if (!System.Net.IPAddress.TryParse(Listen.Address, out _)) throw new ArgumentException($"Listen:Address is not an IP address: '{Listen.Address}'");
        if (string.IsNullOrWhiteSpace(Storage.Root)) throw new ArgumentException("Storage:Root is empty");
        if (Storage.CommitIntervalBytes < 1 << 20) throw new ArgumentException("Storage:CommitIntervalBytes must be at least 1 MiB");
        if (Http.MaxHeaderBytes is < 1024 or > 1 << 20) throw new ArgumentException("Http:MaxHeaderBytes must be 1 KiB .. 1 MiB");
        if (Http.MaxNameLength is < 1 or > 200) throw new ArgumentException("Http:MaxNameLength must be 1 .. 200");
        if (Http.MaxConnections < 1) throw new ArgumentException("Http:MaxConnections must be positive");
        // A day: the benchmarks commit only at the end; below 100 ms the fsyncs are the workload.
        if (Storage.CommitIntervalMs is < 100 or > 86_400_000) throw new ArgumentException($"Storage:CommitIntervalMs must be 100 .. 86400000, got {Storage.CommitIntervalMs}");
        if (Storage.ReservePercent is < 0 or > 100) throw new ArgumentException($"Storage:ReservePercent must be 0 .. 100, got {Storage.ReservePercent}");
        if (Storage.ReserveBytes < 0) throw new ArgumentException("Storage:ReserveBytes must not be negative");
        if (Storage.MaxActiveRecordings < 1) throw new ArgumentException("Storage:MaxActiveRecordings must be positive");
        if (Cores < 0 || RamMiB < 0 || L1dKiB < 0 || L2KiB < 0 || ClockMHz < 0) throw new ArgumentException("Cores, ClockMHz, L1dKiB, L2KiB and RamMiB must not be negative");
        foreach (var text in Selector.Candidates)
            if (!global::Recd.WritePaths.PathChoice.TryParse(text, WritePaths, out _, out string why))
                throw new ArgumentException($"Selector:Candidates: '{text}' is not kind[/size][@batch] (buffered|splice|direct, 4K..64M, @off or @size): {why}");
    }
}
