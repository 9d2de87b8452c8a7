namespace Recd.Diagnostics.Shell;

/// <summary>
/// Bytes from a terminal -> keys, as BusyBox's read_key.c does it: control bytes map one to one,
/// escape sequences are looked up in a table (shortest first, so a prefix is recognised before its
/// extensions are tried). Pure: the caller feeds bytes as they arrive, in any split, and calls
/// <see cref="Timeout"/> when no byte followed a pending ESC within the inter-byte wait (a slow UART
/// can deliver "ESC" and "[A" ~1 ms apart at 9600 baud, a loaded box much later; 50 ms per byte is
/// BusyBox's choice). Unknown sequences are swallowed to their final byte and dropped: echoing
/// "[1;2P" into the line would be garbage the operator then has to delete. Only printable ASCII is
/// a character: the commands are ASCII, and an 8-bit byte from line noise is dropped, not inserted.
/// </summary>
public sealed class KeyDecoder
{
    /// <summary>Inter-byte wait inside an escape sequence.</summary>
    public const int EscapeWaitMs = 50;

    private static readonly (string Seq, KeyKind Kind)[] Table = Sorted(
    [
        ("\e[A", KeyKind.Up), ("\e[B", KeyKind.Down), ("\e[C", KeyKind.Right), ("\e[D", KeyKind.Left),
        ("\e[H", KeyKind.Home), ("\e[F", KeyKind.End),
        ("\eOA", KeyKind.Up), ("\eOB", KeyKind.Down), ("\eOC", KeyKind.Right), ("\eOD", KeyKind.Left),
        ("\eOH", KeyKind.Home), ("\eOF", KeyKind.End),
        ("\e[1~", KeyKind.Home), ("\e[3~", KeyKind.Delete), ("\e[4~", KeyKind.End),
        ("\e[7~", KeyKind.Home), ("\e[8~", KeyKind.End),
    ]);

    private const int MaxSequence = 16;
    private readonly char[] _pending = new char[MaxSequence];
    private int _count;
    private bool _swallowing;
    private bool _lastWasCr;

    /// <summary>An escape sequence is incomplete: wait <see cref="EscapeWaitMs"/> for the next byte, then call <see cref="Timeout"/>.</summary>
    public bool Pending => _count > 0;

    /// <summary>Unknown escape sequences dropped so far.</summary>
    public int Dropped { get; private set; }

    public Key Feed(byte b)
    {
        bool afterCr = _lastWasCr;
        _lastWasCr = b == '\r';
        if (_count > 0) return FeedSequence((char)b);
        switch (b)
        {
            case 0x1B: _pending[_count++] = '\e'; return Key.None;
            case (byte)'\r': return new Key(KeyKind.Enter);
            // CR LF from a terminal in ICRNL-less raw mode or a script: one Enter, not two.
            case (byte)'\n': return afterCr ? Key.None : new Key(KeyKind.Enter);
            case 0x7F or 0x08: return new Key(KeyKind.Backspace);
            case 0x01: return new Key(KeyKind.Home);
            case 0x05: return new Key(KeyKind.End);
            case 0x02: return new Key(KeyKind.Left);
            case 0x06: return new Key(KeyKind.Right);
            case 0x10: return new Key(KeyKind.Up);
            case 0x0E: return new Key(KeyKind.Down);
            case 0x03: return new Key(KeyKind.Interrupt);
            case 0x04: return new Key(KeyKind.Eof);
            case 0x15: return new Key(KeyKind.KillLine);
            case 0x17: return new Key(KeyKind.KillWord);
            case 0x0B: return new Key(KeyKind.KillToEnd);
            case 0x0C: return new Key(KeyKind.Redraw);
            case 0x09: return new Key(KeyKind.Tab);
        }
        return b is >= 0x20 and < 0x7F ? new Key(KeyKind.Char, (char)b) : Key.None;
    }

    /// <summary>No byte came within the wait: a lone ESC (or a cut-off sequence) is dropped.</summary>
    public void Timeout()
    {
        if (_count > 1) Dropped++;
        _count = 0;
        _swallowing = false;
    }

    private Key FeedSequence(char c)
    {
        if (c < ' ' || c == 0x7F)
        {
            // A control byte (Ctrl-C, a second ESC) inside a sequence: the sequence was cut off; the key counts.
            Dropped++;
            _count = 0;
            _swallowing = false;
            return Feed((byte)c);
        }
        bool final = c is >= '@' and <= '~';
        if (_swallowing)
        {
            // CSI: parameter and intermediate bytes are 0x20-0x3F, the final byte 0x40-0x7E (ECMA-48 5.4).
            if (final || ++_count >= MaxSequence) { Dropped++; _count = 0; _swallowing = false; }
            return Key.None;
        }
        _pending[_count++] = c;
        var seq = new ReadOnlySpan<char>(_pending, 0, _count);
        bool prefix = false;
        foreach (var (s, kind) in Table)
        {
            if (s.AsSpan().SequenceEqual(seq)) { _count = 0; return new Key(kind); }
            if (s.Length > _count && s.AsSpan().StartsWith(seq)) prefix = true;
        }
        if (prefix) return Key.None;
        // Not ours: "ESC [ 1 ; 5" goes on to its final byte, swallowed; ESC + anything else (Alt-x) is dropped now.
        if (_count > 2 && _pending[1] is '[' or 'O' && !final) { _swallowing = true; return Key.None; }
        Dropped++;
        _count = 0;
        return Key.None;
    }

    private static (string, KeyKind)[] Sorted((string, KeyKind)[] table)
    {
        Array.Sort(table, (a, b) => a.Item1.Length.CompareTo(b.Item1.Length));
        return table;
    }
}
