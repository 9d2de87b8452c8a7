using System.Device.Gpio;
using System.Text;

namespace Recd.Tests.BoardIo;

/// <summary>
/// Reads a TM1637 conversation back from the recorded CLK and DIO writes, as the chip would (TM1637
/// datasheet: start = DIO falls while CLK is high, stop = DIO rises while CLK is high, a bit is taken
/// on each CLK rising edge, LSB first, 8 bits then the acknowledge clock). Commands: 0x40/0x44 data
/// (auto-increment/fixed address), 0xC0+a address then data bytes, 0x80|0x08|brightness display on.
/// </summary>
public static class Tm1637Decoder
{
    public readonly record struct Shown(string Text, byte Brightness, long Timestamp);

    /// <summary>Every byte sequence between a start and a stop.</summary>
    public static List<byte[]> Frames(IEnumerable<RecordingGpioDriver.PinWrite> writes, int clk, int dio)
    {
        var frames = new List<byte[]>();
        bool clkHigh = true, dioHigh = true, inFrame = false;
        var bits = new List<bool>();
        foreach (var w in writes)
        {
            bool high = w.Value == PinValue.High;
            if (w.Pin == clk)
            {
                if (!clkHigh && high && inFrame) bits.Add(dioHigh);
                clkHigh = high;
            }
            else if (w.Pin == dio)
            {
                if (clkHigh && dioHigh && !high) { inFrame = true; bits.Clear(); }
                else if (clkHigh && !dioHigh && high && inFrame)
                {
                    // Groups of 9 clocks: 8 data bits and the acknowledge; the stop's own clock is left over.
                    var bytes = new byte[bits.Count / 9];
                    for (int i = 0; i < bytes.Length; i++)
                        for (int b = 0; b < 8; b++)
                            if (bits[i * 9 + b]) bytes[i] |= (byte)(1 << b);
                    frames.Add(bytes);
                    inFrame = false;
                }
                dioHigh = high;
            }
        }
        return frames;
    }

    /// <summary>What the 4 digits showed each time the display-on command was sent.</summary>
    public static List<Shown> Displayed(IEnumerable<RecordingGpioDriver.PinWrite> writes, int clk, int dio)
    {
        var list = writes.ToList();
        var memory = new byte[6];
        var shown = new List<Shown>();
        bool fixedAddress = false;
        // A frame's time: the first write after the previous frame, good enough to order frames.
        var frames = Frames(list, clk, dio);
        var stamps = FrameEnds(list, clk, dio);
        for (int f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            if (frame.Length == 0) continue;
            byte cmd = frame[0];
            if ((cmd & 0xC0) == 0x40) fixedAddress = (cmd & 0x04) != 0;
            else if ((cmd & 0xC0) == 0xC0)
            {
                int address = cmd & 0x07;
                for (int i = 1; i < frame.Length && address < memory.Length; i++)
                {
                    memory[address] = frame[i];
                    if (!fixedAddress) address++;
                }
            }
            else if ((cmd & 0xF8) == 0x88)
                shown.Add(new Shown(Text(memory.AsSpan(0, 4)), (byte)(cmd & 0x07), stamps[f]));
        }
        return shown;
    }

    private static List<long> FrameEnds(List<RecordingGpioDriver.PinWrite> writes, int clk, int dio)
    {
        var ends = new List<long>();
        bool clkHigh = true, dioHigh = true, inFrame = false;
        foreach (var w in writes)
        {
            bool high = w.Value == PinValue.High;
            if (w.Pin == clk) clkHigh = high;
            else if (w.Pin == dio)
            {
                if (clkHigh && dioHigh && !high) inFrame = true;
                else if (clkHigh && !dioHigh && high && inFrame) { ends.Add(w.Timestamp); inFrame = false; }
                dioHigh = high;
            }
        }
        return ends;
    }

    /// <summary>Segments back to characters, from the standard 7-segment shapes (independent of recd's font).</summary>
    public static string Text(ReadOnlySpan<byte> segments)
    {
        var sb = new StringBuilder();
        foreach (byte s in segments)
        {
            sb.Append((s & 0x7F) switch
            {
                0x00 => ' ', 0x3F => '0', 0x06 => '1', 0x5B => '2', 0x4F => '3', 0x66 => '4', 0x6D => '5',
                0x7D => '6', 0x07 => '7', 0x7F => '8', 0x6F => '9', 0x40 => '-', 0x50 => 'r', 0x3D => 'G',
                0x78 => 't', 0x39 => 'C', 0x79 => 'E', 0x63 => '°',
                _ => '?',
            });
            if ((s & 0x80) != 0) sb.Append('.');
        }
        return sb.ToString();
    }
}
