namespace Recd.Diagnostics.Shell;

public enum KeyKind
{
    None, Char, Enter, Backspace, Delete, Left, Right, Up, Down, Home, End,
    /// <summary>Ctrl-C: cancel the line, or the running command.</summary>
    Interrupt,
    /// <summary>Ctrl-D: end of session on an empty line, else delete under the cursor.</summary>
    Eof,
    KillLine, KillWord, KillToEnd, Redraw, Tab,
}

public readonly record struct Key(KeyKind Kind, char Char = '\0')
{
    public static readonly Key None = new(KeyKind.None);
    public override string ToString() => Kind == KeyKind.Char ? $"'{Char}'" : Kind.ToString();
}
