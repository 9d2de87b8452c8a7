using System.Runtime.InteropServices;

namespace Recd.Interop;

/// <summary>
/// termios(3) for the serial console. The layout is glibc's struct termios, identical on x86_64 and
/// arm64 (bits/termios-struct.h): four tcflag_t, c_line, c_cc[NCCS=32], then c_ispeed/c_ospeed
/// (60 bytes). It is not the kernel's struct (NCCS 19): only glibc's wrappers may see it.
/// Flag values are asm-generic termbits.h, shared by x86_64, arm and arm64 (not by PowerPC, MIPS).
/// </summary>
internal static partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct Termios
    {
        public uint IFlag, OFlag, CFlag, LFlag;
        public byte Line;
        public fixed byte Cc[32];
        public uint ISpeed, OSpeed;
    }

    internal const uint IGNBRK = 0x1, BRKINT = 0x2, PARMRK = 0x8, INPCK = 0x10, ISTRIP = 0x20, INLCR = 0x40,
        IGNCR = 0x80, ICRNL = 0x100, IXON = 0x400, IXOFF = 0x1000;
    internal const uint OPOST = 0x1;
    internal const uint CSIZE = 0x30, CS8 = 0x30, CSTOPB = 0x40, CREAD = 0x80, PARENB = 0x100, CLOCAL = 0x800,
        CRTSCTS = 0x80000000;
    internal const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHONL = 0x40, IEXTEN = 0x8000;
    internal const int VTIME = 5, VMIN = 6;
    internal const int TCSANOW = 0;
    internal const int O_NOCTTY = 0x100;

    [LibraryImport(Name, EntryPoint = "tcgetattr", SetLastError = true)]
    internal static unsafe partial int TcGetAttr(int fd, Termios* t);

    [LibraryImport(Name, EntryPoint = "tcsetattr", SetLastError = true)]
    internal static unsafe partial int TcSetAttr(int fd, int action, Termios* t);

    /// <summary>glibc's cfsetspeed takes a B* constant (or the plain number, which it maps): we pass the constant.</summary>
    [LibraryImport(Name, EntryPoint = "cfsetspeed", SetLastError = true)]
    internal static unsafe partial int CfSetSpeed(Termios* t, uint speed);

    [LibraryImport(Name, EntryPoint = "cfgetospeed")]
    internal static unsafe partial uint CfGetOSpeed(Termios* t);

    /// <summary>Baud rate -> B* constant (asm-generic termbits.h), or 0 if the kernel has none for it.</summary>
    internal static uint BaudConstant(int baud) => baud switch
    {
        1200 => 0x9, 2400 => 0xB, 4800 => 0xC, 9600 => 0xD, 19200 => 0xE, 38400 => 0xF,
        57600 => 0x1001, 115200 => 0x1002, 230400 => 0x1003, 460800 => 0x1004, 500000 => 0x1005,
        576000 => 0x1006, 921600 => 0x1007, 1000000 => 0x1008, 1500000 => 0x100A, 2000000 => 0x100B,
        3000000 => 0x100D,
        _ => 0,
    };

    /// <summary>
    /// What cfmakeraw(3) does, plus 8N1 without flow control, CLOCAL (no modem lines: a console cable
    /// has no carrier) and VMIN 1 / VTIME 0. IXON off matters: ^S must not freeze our own output.
    /// </summary>
    internal static unsafe void MakeRaw8N1(Termios* t)
    {
        t->IFlag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF | INPCK);
        t->OFlag &= ~OPOST;
        t->LFlag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        t->CFlag &= ~(CSIZE | PARENB | CSTOPB | CRTSCTS);
        t->CFlag |= CS8 | CREAD | CLOCAL;
        t->Cc[VMIN] = 1;
        t->Cc[VTIME] = 0;
    }
}
