using System.Text;
using Recd.BoardIo;
using Recd.Diagnostics.Shell;

namespace Recd.Diagnostics;

public sealed partial class DiagnosticCommands
{
    // Reads board I/O's published snapshot only: never a line, so a stuck driver cannot hang the shell.
    private int Gpio(CommandContext ctx, string[] args)
    {
        var sb = new StringBuilder();
        AppendGpio(sb, _board());
        ctx.Out.Write(sb.ToString());
        return CommandTable.Ok;
    }

    internal static void AppendGpio(StringBuilder sb, BoardIoSnapshot? board)
    {
        if (board is null) { sb.AppendLine("no GPIO: board I/O is not running"); return; }
        if (board.Gpio is { } why)
        {
            AppendWrapped(sb, "no GPIO: " + why);
            return;
        }
        sb.AppendLine($"driver     {board.Driver}, chip {board.Chip} (/dev/gpiochip{board.Chip})");
        if (board.Lines.Count == 0) sb.AppendLine("lines      none named by the profile");
        else
        {
            sb.AppendLine("  line  role          dir  value (last written)");
            foreach (var l in board.Lines)
                sb.AppendLine($"  {l.Line,4}  {Trim(l.Role, 12),-12}  {l.Direction,-3}  {Trim(l.Value, 52)}");
        }
        string shown = board.DisplayText is { } text ? $"\"{text}\"" : "nothing sent yet";
        sb.AppendLine(board.Display == "none" ? "display    none" : $"display    {board.Display}: {shown}");
        sb.AppendLine(board.ButtonPressed is { } pressed
            ? $"button     {(pressed ? "pressed" : "released")}, {board.ShortPresses} short, {board.LongPresses} long presses"
            : "button     none");
        sb.AppendLine($"failures   {board.WriteFailures} line writes failed");
    }
}
