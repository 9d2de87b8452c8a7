namespace Recd.Diagnostics;

/// <summary>The serial diagnostics console, from the profile's "Console" section.</summary>
public sealed class ConsoleOptions
{
    /// <summary>tty the daemon opens a shell on (/dev/ttyS0, /dev/ttyAMA1, /dev/hvc0); none when unset.</summary>
    public string? Tty { get; set; }

    /// <summary>Line speed, 8N1 without flow control, as U-Boot and the kernel console use.</summary>
    public int Baud { get; set; } = 115200;

    public void Validate()
    {
        if (Tty is not null && Interop.Libc.BaudConstant(Baud) == 0)
            throw new ArgumentException($"Console:Baud {Baud} is not a standard rate (9600, 19200, 38400, 57600, 115200, ...)");
    }
}
