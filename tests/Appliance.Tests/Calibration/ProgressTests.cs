using Recd.Calibration;

namespace Recd.Tests.Calibration;

public sealed class ProgressTests
{
    private static string Drive(bool terminal)
    {
        var sb = new System.Text.StringBuilder();
        var p = new CalibrationProgress(s => sb.Append(s), terminal);
        p.Begin(2);
        p.Step("bulk splice/1M");
        p.Done("bulk splice/1M: 0.300 ns/B");
        p.Step("bulk direct/4M");
        p.Done("bulk direct/4M: 0.100 ns/B");
        p.End();
        p.Note("tuned profile x");
        return sb.ToString();
    }

    [Fact]
    public void OnATerminalABarIsRedrawnInPlaceAndResultsPrintedAboveIt()
    {
        string text = Drive(terminal: true);
        Assert.Contains("\r[..........", text);
        Assert.Contains("] 1/2 bulk direct/4M", text);
        Assert.Contains("\rbulk splice/1M: 0.300 ns/B", text);
        Assert.False(text.Contains('\u001b')); // no ANSI escapes: a serial console draws it too
        Assert.All(text.Split('\n', '\r'), l => Assert.True(l.Length <= 79, $"'{l}' wider than 79"));
    }

    [Fact]
    public void ElsewhereEachStepIsOnePlainLine()
    {
        string text = Drive(terminal: false);
        Assert.DoesNotContain("\r", text);
        Assert.DoesNotContain("[", text);
        Assert.Equal(["calibrate 1/2 bulk splice/1M: 0.300 ns/B", "calibrate 2/2 bulk direct/4M: 0.100 ns/B", "tuned profile x", ""], text.Split('\n'));
    }
}
