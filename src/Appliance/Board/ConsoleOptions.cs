namespace Recd.Board;

/// <summary>
/// The serial line the diagnostics shell talks on, from the profile's "Console" section. No tty:
/// no shell. The kernel console usually owns the first UART, so boards name a second line where
/// they have one (qemu virt: /dev/hvc0 or a 16550 /dev/ttyS0 beside the PL011 ttyAMA0).
/// </summary>
public sealed class ConsoleOptions
{
    public string? Tty { get; set; }

    /// <summary>115200 8N1: what every SoC's boot ROM and U-Boot use, so one cable works for both.</summary>
    public int Baud { get; set; } = 115200;

    // The rates termios can express (cfsetspeed's B* constants) that a UART shell would use.
    private static readonly int[] Rates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1500000, 2000000, 3000000];

    public void Validate()
    {
        if (Tty is { Length: > 0 } tty && !tty.StartsWith("/dev/", StringComparison.Ordinal))
            throw new ArgumentException($"Console:Tty must be a /dev path, got '{tty}'");
        if (Array.IndexOf(Rates, Baud) < 0)
            throw new ArgumentException($"Console:Baud must be a termios rate (9600, 115200, 1500000, ...), got {Baud}");
    }
}
