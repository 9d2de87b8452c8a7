using System.Text;

namespace Recd.Diagnostics.Shell;

public enum EditStatus { Editing, Line, Cancelled, EndOfInput }

/// <summary>What a key did: still editing, or a line is done (Line is the command to run).</summary>
public readonly record struct EditResult(EditStatus Status, string? Line = null, bool Repeated = false)
{
    public static readonly EditResult Editing = new(EditStatus.Editing);
}

/// <summary>
/// The line editor of the console shell, in the spirit of BusyBox lineedit.c. Pure: keys in, the
/// bytes to echo out (appended to a StringBuilder the caller sends), so it is tested with scripted
/// key streams and needs no terminal.
///
/// Contract:
/// - The line holds at most <see cref="MaxLine"/> printable ASCII characters in a fixed buffer; a
///   key that would go past it rings the bell (BEL) and is ignored. Nothing is allocated per key.
/// - Enter ends the line: the text trimmed is returned (Line) and, when non-empty and unlike the
///   previous entry, appended to the history (at most <see cref="HistorySize"/> entries, oldest
///   dropped). Enter on an empty line returns the previous command again (Repeated), as U-Boot
///   does; with no history it returns an empty line.
/// - Ctrl-C abandons the line: "^C" is echoed and Cancelled returned. Ctrl-D on an empty line is
///   EndOfInput (the session ends); on a non-empty line it deletes under the cursor, as in bash.
/// - Up/Down (and Ctrl-P/N) walk the history; the line being typed is kept and comes back below
///   the newest entry. Left/Right, Home/End (Ctrl-A/E), Backspace, Delete, Ctrl-U (kill line),
///   Ctrl-W (kill word before the cursor), Ctrl-K (kill to end), Ctrl-L (redraw).
/// - Display assumes the prompt and line fit on one terminal row (80 columns): redraws use CR,
///   and a wrapped line still edits correctly but may show stale characters until Ctrl-L.
/// </summary>
public sealed class LineEditor
{
    public const int MaxLine = 255;
    public const int HistorySize = 32;

    private readonly char[] _line = new char[MaxLine];
    private int _length, _cursor;
    private readonly List<string> _history = new(HistorySize);
    private int _historyIndex;   // == _history.Count: the line being typed
    private string _draft = "";

    public LineEditor(string prompt = "recd> ") => Prompt = prompt;

    public string Prompt { get; }
    public IReadOnlyList<string> History => _history;
    public string Current => new(_line, 0, _length);
    public int Cursor => _cursor;

    /// <summary>Starts a new line: prints the prompt.</summary>
    public void Begin(StringBuilder echo)
    {
        _length = _cursor = 0;
        _historyIndex = _history.Count;
        _draft = "";
        echo.Append(Prompt);
    }

    public EditResult Apply(Key key, StringBuilder echo)
    {
        switch (key.Kind)
        {
            case KeyKind.Char: Insert(key.Char, echo); break;
            case KeyKind.Enter: return Submit(echo);
            case KeyKind.Interrupt:
                echo.Append("^C\r\n");
                _length = _cursor = 0;
                return new EditResult(EditStatus.Cancelled);
            case KeyKind.Eof:
                if (_length == 0) { echo.Append("\r\n"); return new EditResult(EditStatus.EndOfInput); }
                DeleteAt(_cursor, 1, echo);
                break;
            case KeyKind.Backspace:
                if (_cursor > 0) { _cursor--; DeleteAt(_cursor, 1, echo, movedLeft: true); }
                break;
            case KeyKind.Delete: DeleteAt(_cursor, 1, echo); break;
            case KeyKind.Left: if (_cursor > 0) { _cursor--; echo.Append('\b'); } break;
            case KeyKind.Right: if (_cursor < _length) echo.Append(_line[_cursor++]); break;
            case KeyKind.Home: MoveLeft(_cursor, echo); _cursor = 0; break;
            case KeyKind.End: echo.Append(_line, _cursor, _length - _cursor); _cursor = _length; break;
            case KeyKind.KillLine: MoveLeft(_cursor, echo); _cursor = 0; DeleteAt(0, _length, echo); break;
            case KeyKind.KillToEnd: DeleteAt(_cursor, _length - _cursor, echo); break;
            case KeyKind.KillWord: KillWord(echo); break;
            case KeyKind.Up: Recall(_historyIndex - 1, echo); break;
            case KeyKind.Down: Recall(_historyIndex + 1, echo); break;
            case KeyKind.Redraw: Redraw(echo); break;
        }
        return EditResult.Editing;
    }

    private EditResult Submit(StringBuilder echo)
    {
        echo.Append("\r\n");
        string line = Current.Trim();
        _length = _cursor = 0;
        if (line.Length == 0)
            return _history.Count > 0 ? new EditResult(EditStatus.Line, _history[^1], Repeated: true) : new EditResult(EditStatus.Line, "");
        if (_history.Count == 0 || _history[^1] != line)
        {
            if (_history.Count == HistorySize) _history.RemoveAt(0);
            _history.Add(line);
        }
        return new EditResult(EditStatus.Line, line);
    }

    private void Insert(char c, StringBuilder echo)
    {
        if (_length == MaxLine) { echo.Append('\a'); return; }
        Array.Copy(_line, _cursor, _line, _cursor + 1, _length - _cursor);
        _line[_cursor] = c;
        _length++;
        echo.Append(_line, _cursor, _length - _cursor);
        _cursor++;
        MoveLeft(_length - _cursor, echo);
    }

    /// <summary>Removes count characters at pos (the cursor is at pos on screen), and redraws the tail.</summary>
    private void DeleteAt(int pos, int count, StringBuilder echo, bool movedLeft = false)
    {
        count = Math.Min(count, _length - pos);
        if (count <= 0) return;
        if (movedLeft) echo.Append('\b');
        Array.Copy(_line, pos + count, _line, pos, _length - pos - count);
        _length -= count;
        echo.Append(_line, pos, _length - pos).Append("\e[K");
        MoveLeft(_length - pos, echo);
    }

    private void KillWord(StringBuilder echo)
    {
        int start = _cursor;
        while (start > 0 && _line[start - 1] == ' ') start--;
        while (start > 0 && _line[start - 1] != ' ') start--;
        int n = _cursor - start;
        if (n == 0) return;
        MoveLeft(n, echo);
        _cursor = start;
        DeleteAt(start, n, echo);
    }

    private void Recall(int index, StringBuilder echo)
    {
        if (index < 0 || index > _history.Count || index == _historyIndex) return;
        if (_historyIndex == _history.Count) _draft = Current;
        _historyIndex = index;
        string text = index == _history.Count ? _draft : _history[index];
        text.CopyTo(0, _line, 0, text.Length);
        _length = _cursor = text.Length;
        Redraw(echo);
    }

    private void Redraw(StringBuilder echo)
    {
        echo.Append('\r').Append(Prompt).Append(_line, 0, _length).Append("\e[K");
        MoveLeft(_length - _cursor, echo);
    }

    private static void MoveLeft(int n, StringBuilder echo)
    {
        // "\b" for one column: the cheapest bytes on a 9600-baud line, understood by every terminal.
        if (n == 1) echo.Append('\b');
        else if (n > 1) echo.Append("\e[").Append(n).Append('D');
    }
}
