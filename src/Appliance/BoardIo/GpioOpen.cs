using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using Recd.Board;

namespace Recd.BoardIo;

/// <summary>
/// The GPIO driver the profile names, or none with the reason (a board without GPIO runs without it).
/// Only drivers constructed here are compiled into the binary: never <c>new GpioController()</c>,
/// which picks a driver itself and so roots all of them. No edge-event API is called anywhere
/// (the button is polled): with it, the libgpiodv2 and sysfs drivers fail publish with IL2091.
/// </summary>
public static class GpioOpen
{
    internal const string SysFsRoot = "/sys/class/gpio";

    public static GpioDriver? TryDriver(GpioOptions options, out string? whyNone) =>
        TryDriver(options, SysFsRoot, out whyNone);

    /// <summary>Test seam: <paramref name="sysFsRoot"/> stands for /sys/class/gpio.</summary>
    internal static GpioDriver? TryDriver(GpioOptions options, string sysFsRoot, out string? whyNone)
    {
        whyNone = null;
        try
        {
            switch (options.Driver)
            {
                case GpioDrivers.LibGpiod: return new LibGpiodDriver(options.Chip);
                case GpioDrivers.LibGpiodV2: return new LibGpiodV2Driver(options.Chip);
                case GpioDrivers.SysFs:
                    // SysFsDriver constructs fine where /sys/class/gpio exists without the chip (offset 0),
                    // and only fails at the first export: say what is missing now, once, as the others do.
                    if (SysFsMissing(sysFsRoot, options.Chip) is { } missing)
                    {
                        whyNone = $"sysfs on chip {options.Chip}: {missing}";
                        return null;
                    }
                    return NewSysFs(options.Chip);
                default: whyNone = "Gpio:Driver is none"; return null;
            }
        }
        // Every driver fails at construction when the board has none (shared/boards.md, measured):
        // no libgpiod -> PlatformNotSupportedException or IOException (inner DllNotFoundException),
        // libgpiod without a chip -> IOException; sysfs without /sys/class/gpio -> DirectoryNotFoundException.
        // UnauthorizedAccessException: the chip exists but the service user may not open it, which
        // leaves the box as GPIO-less as the others.
        catch (Exception e) when (e is PlatformNotSupportedException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            whyNone = $"{options.Driver} on chip {options.Chip}: {e.GetType().Name}: {FirstLine(e.InnerException?.Message ?? e.Message)}";
            return null;
        }
    }

    // A library not found lists every path the loader tried, one a line ("DllNotFound_Linux, libgpiod.so.3, \n
    // /opt/recd/libgpiod.so.3: cannot open ..."): the reason is logged and shown on one line, the first.
    internal static string FirstLine(string message)
    {
        int end = message.IndexOf('\n');
        return (end < 0 ? message : message[..end]).TrimEnd(' ', ',', '\r');
    }

    private static string? SysFsMissing(string root, int chip)
    {
        if (!Directory.Exists(root)) return $"no {root} (kernel without CONFIG_GPIO_SYSFS)";
        if (!Directory.Exists(Path.Combine(root, $"gpiochip{chip}")) && (chip != 0 || !Directory.EnumerateDirectories(root, "gpiochip*").Any()))
            return $"no {root}/gpiochip{chip}";
        return null;
    }

    // The chip-taking constructor is marked experimental (SDGPIO0001) in 4.2.0; it only selects which
    // gpiochipN's base the line offsets are added to, which is what Gpio:Chip means for the others.
#pragma warning disable SDGPIO0001
    private static SysFsDriver NewSysFs(int chip) => chip == 0 ? new SysFsDriver() : new SysFsDriver(new GpioChipInfo(chip, $"gpiochip{chip}", "", 0));
#pragma warning restore SDGPIO0001

    /// <summary>Opens one line in the given mode; false (with the reason) when the driver refuses it.</summary>
    public static bool TryOpenPin(GpioController controller, int line, PinMode mode, out string? why)
    {
        why = null;
        try
        {
            controller.OpenPin(line, mode);
            return true;
        }
        // A line held by another consumer (libgpiod: EBUSY as IOException), one the chip lacks
        // (ArgumentException/InvalidOperationException from the controller), or a mode it cannot do.
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or NotSupportedException or UnauthorizedAccessException)
        {
            why = $"{e.GetType().Name}: {e.Message}";
            return false;
        }
    }
}
