namespace Recd.Diagnostics.Shell;

/// <summary>
/// The fallback when the terminal cannot go raw: the other end (a canonical-mode tty, a pipe, a
/// "recd console" without a tty) edits and echoes; lines end at LF, CR is ignored. Same fixed buffer
/// as the editor: a longer line is cut at <see cref="LineEditor.MaxLine"/>. EOT (Ctrl-D) on an empty
/// line ends the session, ETX (Ctrl-C) cancels the line, as in raw mode.
/// </summary>
public sealed class PlainLineReader
{
    private readonly char[] _line = new char[LineEditor.MaxLine];
    private int _length;
    private string? _last;

    public EditResult Feed(byte b)
    {
        switch (b)
        {
            case (byte)'\n':
                string line = new string(_line, 0, _length).Trim();
                _length = 0;
                if (line.Length == 0) return _last is null ? new EditResult(EditStatus.Line, "") : new EditResult(EditStatus.Line, _last, Repeated: true);
                _last = line;
                return new EditResult(EditStatus.Line, line);
            case 0x04 when _length == 0: return new EditResult(EditStatus.EndOfInput);
            case 0x03: _length = 0; return new EditResult(EditStatus.Cancelled);
        }
        if (b is >= 0x20 and < 0x7F && _length < _line.Length) _line[_length++] = (char)b;
        return EditResult.Editing;
    }
}
