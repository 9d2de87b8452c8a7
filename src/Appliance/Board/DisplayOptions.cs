namespace Recd.Board;

/// <summary>
/// The front-panel display, from the profile's "Display" section: a TM1637 4-digit LED module
/// bit-banged on two GPIO lines of Gpio:Chip (Iot.Device.Tm16xx, BoardIo/PanelDisplay.cs), or none.
/// </summary>
public sealed class DisplayOptions
{
    public string Kind { get; set; } = "none";

    public int ClockLine { get; set; } = -1;

    public int DataLine { get; set; } = -1;

    public void Validate()
    {
        if (Kind is not ("none" or "tm1637")) throw new ArgumentException($"Display:Kind must be tm1637 or none, got '{Kind}'");
        if (Kind == "none") return;
        if (ClockLine < 0 || DataLine < 0) throw new ArgumentException("Display:ClockLine and Display:DataLine are needed for a tm1637");
        if (ClockLine == DataLine) throw new ArgumentException($"Display:ClockLine and Display:DataLine are the same line ({ClockLine})");
    }
}
