using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using Recd.Board;

namespace Recd.BoardIo;

/// <summary>
/// The GPIO driver the profile names, or none with the reason (a board without GPIO runs without it).
/// Only drivers constructed here are compiled into the binary: never <c>new GpioController()</c>,
/// which picks a driver itself and so roots all of them (and their IL2091, see GpioOptions.Driver).
/// </summary>
public static class GpioOpen
{
    public static GpioDriver? TryDriver(GpioOptions options, out string? whyNone)
    {
        whyNone = null;
        try
        {
            switch (options.Driver)
            {
                case GpioDrivers.LibGpiod: return new LibGpiodDriver(options.Chip);
                default: whyNone = "Gpio:Driver is none"; return null;
            }
        }
        // Every driver fails at construction when the board has none (shared/boards.md, measured):
        // no libgpiod -> PlatformNotSupportedException or IOException (inner DllNotFoundException),
        // libgpiod without a chip -> IOException. UnauthorizedAccessException: /dev/gpiochipN exists but the service user
        // may not open it, which leaves the box as GPIO-less as the others.
        catch (Exception e) when (e is PlatformNotSupportedException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            whyNone = $"{options.Driver} on chip {options.Chip}: {e.GetType().Name}: {e.InnerException?.Message ?? e.Message}";
            return null;
        }
    }

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
