using System.Text;
using Recd.Diagnostics.Shell;

namespace Recd.Tests.Shell;

/// <summary>Scripted byte streams through the decoder into the editor: what a terminal would send.</summary>
public sealed class ShellLineEditorTests
{
    private readonly KeyDecoder _decoder = new();
    private readonly LineEditor _editor = new();
    private readonly StringBuilder _echo = new();

    public ShellLineEditorTests() => _editor.Begin(_echo);

    private List<EditResult> Type(string bytes)
    {
        var done = new List<EditResult>();
        foreach (byte b in Encoding.Latin1.GetBytes(bytes))
        {
            var key = _decoder.Feed(b);
            if (key.Kind == KeyKind.None) continue;
            var r = _editor.Apply(key, _echo);
            if (r.Status != EditStatus.Editing) { done.Add(r); _editor.Begin(_echo); }
        }
        return done;
    }

    private string Line(string bytes) => Assert.Single(Type(bytes)).Line!;

    [Theory]
    [InlineData("status\r", "status")]
    [InlineData("statsu\x7f\x7fus\r", "status")]
    [InlineData("tatus\x01s\r", "status")]                 // Ctrl-A, insert at the start
    [InlineData("stus\e[D\e[Dat\r", "status")]             // left twice, insert in the middle
    [InlineData("stt\e[D\e[D\e[Ca\x05us\r", "status")]      // right, insert, Ctrl-E
    [InlineData("garbage\x15status\r", "status")]          // Ctrl-U
    [InlineData("rec show old\x17new\r", "rec show new")]  // Ctrl-W
    [InlineData("statusX\e[D\e[3~\r", "status")]           // Delete under the cursor
    [InlineData("status\e[1;5D\r", "status")]              // unknown sequence: nothing inserted
    [InlineData("  status  \r", "status")]
    public void EditingProducesTheLine(string typed, string line) => Assert.Equal(line, Line(typed));

    [Fact]
    public void HistoryWalksBackAndForthAndKeepsTheDraft()
    {
        Type("status\rdisk\rpaths\r");
        Assert.Equal("disk", Line("\e[A\e[A\r"));
        Assert.Equal("disk", Line("\e[A\e[A\e[B\r"));   // history: status disk paths disk; up up down
        Assert.Equal("half", Line("hal\e[A\e[Bf\r"));    // down past the newest brings the draft back
        Assert.Equal("status", Line("\e[A\e[A\e[A\e[A\e[A\e[A\e[A\e[A\r")); // stops at the oldest
    }

    [Fact]
    public void EnterOnAnEmptyLineRepeatsTheLastCommand()
    {
        var first = Type("\r");
        Assert.Equal("", Assert.Single(first).Line);
        Type("status\r");
        var again = Assert.Single(Type("\r"));
        Assert.Equal("status", again.Line);
        Assert.True(again.Repeated);
        Assert.Single(_editor.History);
    }

    [Fact]
    public void CtrlCCancelsTheLineAndCtrlDEndsOnlyAnEmptyOne()
    {
        Assert.Equal(EditStatus.Cancelled, Assert.Single(Type("rec stop x\x03")).Status);
        Assert.Contains("^C", _echo.ToString());
        Assert.Empty(_editor.History);
        Assert.Equal("ab", Line("abc\e[D\x04\r"));        // Ctrl-D on text deletes under the cursor
        Assert.Equal(EditStatus.EndOfInput, Assert.Single(Type("\x04")).Status);
    }

    [Fact]
    public void TheLineBufferIsFixedAndRingsWhenFull()
    {
        string line = Line(new string('x', LineEditor.MaxLine + 10) + "\r");
        Assert.Equal(LineEditor.MaxLine, line.Length);
        Assert.Equal(10, _echo.ToString().Count(c => c == '\a'));
    }

    [Fact]
    public void HistoryIsBoundedAndSkipsRepeats()
    {
        for (int i = 0; i < LineEditor.HistorySize + 5; i++) Type($"cmd{i}\rcmd{i}\r");
        Assert.Equal(LineEditor.HistorySize, _editor.History.Count);
        Assert.Equal($"cmd{LineEditor.HistorySize + 4}", _editor.History[^1]);
    }

    [Fact]
    public void EchoRedrawsTheTailOnAnInsertInTheMiddle()
    {
        _echo.Clear();
        Type("ac\e[Db");
        // 'a', 'c', left (BS), then "bc" redrawn and the cursor back one column.
        Assert.Equal("ac\bbc\b", _echo.ToString());
    }

    [Fact]
    public void PlainReadsDegradeToLines()
    {
        var plain = new PlainLineReader();
        var results = Encoding.ASCII.GetBytes("status\r\n\nx\u0003disk\n\u0004").Select(plain.Feed).Where(r => r.Status != EditStatus.Editing).ToList();
        Assert.Equal([EditStatus.Line, EditStatus.Line, EditStatus.Cancelled, EditStatus.Line, EditStatus.EndOfInput], results.Select(r => r.Status));
        Assert.Equal(["status", "status", null, "disk", null], results.Select(r => r.Line));
        Assert.True(results[1].Repeated);
    }
}
