using Recd.Ingest;
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
    public int Cores { get; set; }
    public int RamMiB { get; set; }
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
    public GpioOptions Gpio { get; set; } = new();
    public DisplayOptions Display { get; set; } = new();
    public SensorsOptions Sensors { get; set; } = new();

    public void Validate()
    {
        if (Listen.Port is < 0 or > 65535) throw new ArgumentException($"Listen:Port out of range: {Listen.Port}");
        if (!System.Net.IPAddress.TryParse(Listen.Address, out _)) throw new ArgumentException($"Listen:Address is not an IP address: '{Listen.Address}'");
        if (string.IsNullOrWhiteSpace(Storage.Root)) throw new ArgumentException("Storage:Root is empty");
        if (Storage.CommitIntervalBytes < 1 << 20) throw new ArgumentException("Storage:CommitIntervalBytes must be at least 1 MiB");
        if (Http.MaxHeaderBytes is < 1024 or > 1 << 20) throw new ArgumentException("Http:MaxHeaderBytes must be 1 KiB .. 1 MiB");
        if (Http.MaxNameLength is < 1 or > 200) throw new ArgumentException("Http:MaxNameLength must be 1 .. 200");
        if (Http.MaxConnections < 1) throw new ArgumentException("Http:MaxConnections must be positive");
        WritePaths.Validate();
        Selector.Validate();
        Gpio.Validate();
        Display.Validate();
        Sensors.Validate();
    }
}
