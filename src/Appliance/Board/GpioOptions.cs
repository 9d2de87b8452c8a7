namespace Recd.Board;

/// <summary>
/// The board's GPIO lines, from the profile's "Gpio" section. Read by the board I/O code (LEDs,
/// disk power, button); here so that profiles can say what the board has and be checked.
/// </summary>
public sealed class GpioOptions
{
    /// <summary>
    /// libgpiod (LibGpiodDriver: libgpiod v1, libgpiod.so.2) | libgpiodv2 (LibGpiodV2Driver:
    /// libgpiod.so.3) | sysfs (SysFsDriver: /sys/class/gpio) | none. The button is polled, never
    /// an edge event: the v2 and sysfs event code fails NativeAOT publish with IL2091 (docs/configuration.md).
    /// </summary>
    public string Driver { get; set; } = GpioDrivers.None;

    /// <summary>Chip number, as in /dev/gpiochipN (what LibGpiodDriver(chip) takes).</summary>
    public int Chip { get; set; }

    /// <summary>Lit while any recording is being written.</summary>
    public GpioLineOptions RecordingLed { get; set; } = new();

    /// <summary>Lit while the storage is failing or missing (damaged recording, 503 not mounted).</summary>
    public GpioLineOptions ErrorLed { get; set; } = new();

    /// <summary>Optional power enable of the USB/SATA disk (boxes that switch the port's VBUS).</summary>
    public GpioLineOptions DiskPower { get; set; } = new();

    /// <summary>A front-panel button (input).</summary>
    public GpioLineOptions Button { get; set; } = new();

    public IEnumerable<(string Name, GpioLineOptions Line)> Lines()
    {
        yield return ("RecordingLed", RecordingLed);
        yield return ("ErrorLed", ErrorLed);
        yield return ("DiskPower", DiskPower);
        yield return ("Button", Button);
    }

    public void Validate()
    {
        if (!GpioDrivers.IsKnown(Driver))
            throw new ArgumentException($"Gpio:Driver must be libgpiod, libgpiodv2, sysfs or none, got '{Driver}'");
        // gpiochip numbers are small.
        if (Chip is < 0 or > 63) throw new ArgumentException($"Gpio:Chip must be 0 .. 63, got {Chip}");
        var used = new Dictionary<int, string>();
        foreach (var (name, line) in Lines())
        {
            // A line is an offset on Gpio:Chip; 4095 is a sanity bound against typos, not a kernel limit.
            if (line.Line is < -1 or > 4095) throw new ArgumentException($"Gpio:{name}:Line must be -1 (none) .. 4095, got {line.Line}");
            if (line.Line < 0) continue;
            if (used.TryGetValue(line.Line, out var other))
                throw new ArgumentException($"Gpio:{name}:Line {line.Line} is already Gpio:{other}:Line");
            used[line.Line] = name;
        }
    }
}

/// <summary>One line: its offset on the chip, and whether "on" is electrically low.</summary>
public sealed class GpioLineOptions
{
    /// <summary>-1: the board has no such line.</summary>
    public int Line { get; set; } = -1;

    /// <summary>LEDs wired to the supply through the SoC's pin and buttons with pull-ups are on when low.</summary>
    public bool ActiveLow { get; set; }
}

public static class GpioDrivers
{
    public const string LibGpiod = "libgpiod";
    public const string LibGpiodV2 = "libgpiodv2";
    public const string SysFs = "sysfs";
    public const string None = "none";

    public static bool IsKnown(string? driver) => driver is LibGpiod or LibGpiodV2 or SysFs or None;
}
