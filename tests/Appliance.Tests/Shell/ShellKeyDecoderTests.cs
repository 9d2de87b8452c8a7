using System.Text;
using Recd.Diagnostics.Shell;

namespace Recd.Tests.Shell;

public sealed class ShellKeyDecoderTests
{
    private static List<Key> Decode(KeyDecoder d, string bytes)
    {
        var keys = new List<Key>();
        foreach (byte b in Encoding.Latin1.GetBytes(bytes))
        {
            var k = d.Feed(b);
            if (k.Kind != KeyKind.None) keys.Add(k);
        }
        return keys;
    }

    [Theory]
    [InlineData("\e[A", KeyKind.Up)]
    [InlineData("\e[B", KeyKind.Down)]
    [InlineData("\e[C", KeyKind.Right)]
    [InlineData("\e[D", KeyKind.Left)]
    [InlineData("\eOA", KeyKind.Up)]
    [InlineData("\e[H", KeyKind.Home)]
    [InlineData("\e[1~", KeyKind.Home)]
    [InlineData("\e[4~", KeyKind.End)]
    [InlineData("\e[3~", KeyKind.Delete)]
    [InlineData("\x01", KeyKind.Home)]
    [InlineData("\x05", KeyKind.End)]
    [InlineData("\x7f", KeyKind.Backspace)]
    [InlineData("\x08", KeyKind.Backspace)]
    [InlineData("\x03", KeyKind.Interrupt)]
    [InlineData("\x04", KeyKind.Eof)]
    [InlineData("\x15", KeyKind.KillLine)]
    [InlineData("\x17", KeyKind.KillWord)]
    [InlineData("\r", KeyKind.Enter)]
    public void SequencesDecodeToOneKey(string bytes, KeyKind kind)
    {
        var keys = Decode(new KeyDecoder(), bytes);
        Assert.Equal([new Key(kind)], keys);
    }

    [Fact]
    public void EverySplitOfASequenceDecodesTheSame()
    {
        // Byte by byte is what a 9600-baud UART delivers: the decoder holds the prefix meanwhile.
        var d = new KeyDecoder();
        foreach (var seq in new[] { "\e[A", "\e[3~", "\eOD" })
        {
            var keys = new List<Key>();
            foreach (char c in seq)
            {
                var k = d.Feed((byte)c);
                if (k.Kind != KeyKind.None) keys.Add(k);
                else Assert.True(d.Pending || keys.Count > 0, $"{seq}: prefix not held");
            }
            Assert.Single(keys);
            Assert.False(d.Pending);
        }
    }

    [Theory]
    [InlineData("\e[1;5C")]   // Ctrl-Right
    [InlineData("\e[15~")]    // F5
    [InlineData("\e[Z")]      // Shift-Tab
    [InlineData("\eOP")]      // F1
    [InlineData("\ex")]       // Alt-x
    public void UnknownSequencesAreDroppedNotEchoed(string seq)
    {
        var d = new KeyDecoder();
        var keys = Decode(d, seq + "ab");
        Assert.Equal([new Key(KeyKind.Char, 'a'), new Key(KeyKind.Char, 'b')], keys);
        Assert.Equal(1, d.Dropped);
    }

    [Fact]
    public void ALoneEscapeIsDroppedWhenTheWaitRunsOut()
    {
        var d = new KeyDecoder();
        Assert.Empty(Decode(d, "\e"));
        Assert.True(d.Pending);
        d.Timeout();
        Assert.False(d.Pending);
        Assert.Equal([new Key(KeyKind.Char, '[')], Decode(d, "["));
    }

    [Fact]
    public void CtrlCInsideASequenceStillCounts()
    {
        Assert.Equal([new Key(KeyKind.Interrupt)], Decode(new KeyDecoder(), "\e[\x03"));
    }

    [Fact]
    public void CrLfIsOneEnterAndLfAloneIsEnter()
    {
        Assert.Equal([new Key(KeyKind.Enter), new Key(KeyKind.Enter)], Decode(new KeyDecoder(), "\r\n\n"));
    }

    [Fact]
    public void NonAsciiBytesAreDropped()
    {
        Assert.Equal([new Key(KeyKind.Char, 'a')], Decode(new KeyDecoder(), "\u00c3\u00a9a\u0080"));
    }
}
