using System.Text;
using Recd.Ingest;
using Xunit;

namespace Recd.Tests;

/// <summary>
/// The chunked transfer coding pieces (RFC 9112 7.1): chunk-size lines, the CRLF after chunk data,
/// and the trailer section. Same shape as the head parser tests: every prefix of a valid input is
/// NeedMore and consumes nothing; invalid input is rejected with 400, as early as it can be.
/// </summary>
public class ChunkedDecoderTests
{
    private const int MaxLine = 4096; // HttpLimits.MaxChunkLineBytes default

    private static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    private static ParseStatus Line(string s, out long size, out int consumed, out HttpError error, int maxLine = MaxLine) =>
        ChunkedDecoder.TryParseChunkLine(Bytes(s), maxLine, out size, out consumed, out error);

    // ---------------------------------------------------------------- chunk-size line

    [Theory]
    [InlineData("1a\r\n", 0x1aL)]
    [InlineData("1A\r\n", 0x1aL)]
    [InlineData("FFFF;ext=1\r\n", 0xffffL)]
    [InlineData("ffff;ext=1\r\n", 0xffffL)]
    [InlineData("0\r\n", 0L)]
    [InlineData("000\r\n", 0L)]
    [InlineData("aBcDeF\r\n", 0xabcdefL)]
    [InlineData("7fffffffffffffF\r\n", 0x7fffffffffffffFL)] // 15 digits: the most accepted
    [InlineData("fffffffffffffff\r\n", 0xfffffffffffffffL)]
    [InlineData("5;name\r\n", 5L)]
    [InlineData("5;name=\"quoted value\"\r\n", 5L)]
    [InlineData("5;a=1;b=2\r\n", 5L)]
    [InlineData("5 ;a=1\r\n", 5L)] // BWS before ';' (RFC 9112 7.1.1)
    [InlineData("5\t;a=1\r\n", 5L)]
    public void ChunkLine_ValidLine_ParsesAndEveryPrefixNeedsMore(string text, long expected)
    {
        byte[] line = Bytes(text);
        for (int i = 0; i < line.Length; i++)
        {
            var prefix = ChunkedDecoder.TryParseChunkLine(line.AsSpan(0, i), MaxLine, out _, out int c, out var e);
            Assert.True(prefix == ParseStatus.NeedMore, $"prefix {i}: {prefix} {e}");
            Assert.Equal(0, c);
        }
        // Followed by the chunk data: the line alone is consumed, and only the line.
        byte[] withData = [.. line, .. Bytes("hello\r\n0\r\n\r\n")];
        var status = ChunkedDecoder.TryParseChunkLine(withData, MaxLine, out long size, out int consumed, out var error);
        Assert.True(status == ParseStatus.Complete, $"{status} {error}");
        Assert.Equal(expected, size);
        Assert.Equal(line.Length, consumed);
    }

    [Theory]
    [InlineData("no-digits-cr", "\r\n")]
    [InlineData("only-extension", ";a=1\r\n")]
    [InlineData("negative", "-1\r\n")]
    [InlineData("plus-sign", "+5\r\n")]
    [InlineData("hex-prefix", "0x10\r\n")]
    [InlineData("leading-space", " 5\r\n")]
    [InlineData("16-digits", "1000000000000000\r\n")]
    [InlineData("16-digits-leading-zero", "0000000000000001\r\n")]
    [InlineData("20-digits", "ffffffffffffffffffff\r\n")]
    [InlineData("bare-lf", "5\n")]
    [InlineData("bare-lf-after-extension", "5;a=1\n")]
    [InlineData("only-lf", "\n")]
    [InlineData("cr-cr-lf", "5\r\r\n")]
    [InlineData("garbage-after-size", "5 x\r\n")]
    [InlineData("garbage-after-size-no-space", "5x\r\n")]
    [InlineData("two-numbers", "5 6\r\n")]
    [InlineData("non-hex-letter", "zz\r\n")]
    [InlineData("decimal-point", "1.5\r\n")]
    [InlineData("ctl-in-extension", "5;a=\u0001\r\n")]
    [InlineData("nul-in-extension", "5;a\u0000b\r\n")]
    [InlineData("cr-in-extension", "5;a\rb\r\n")]
    [InlineData("del-in-extension", "5;a=\u007f\r\n")]
    [InlineData("nul-after-size", "5\u0000\r\n")]
    public void ChunkLine_Invalid_Is400(string name, string text)
    {
        var status = Line(text, out _, out int consumed, out var error);
        Assert.True(status == ParseStatus.Invalid, $"{name}: {status}");
        Assert.Equal(400, error.Status);
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("z")]
    [InlineData("-")]
    [InlineData(" ")]
    [InlineData(";")]
    [InlineData("\r")]
    [InlineData("\u0000")]
    [InlineData("G")]
    public void ChunkLine_GarbageFirstByte_IsRejectedBeforeTheLfArrives(string first)
    {
        Assert.Equal(ParseStatus.Invalid, Line(first, out _, out _, out var error));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void ChunkLine_TooManyDigits_IsRejectedBeforeTheLfArrives()
    {
        Assert.Equal(ParseStatus.NeedMore, Line(new string('f', ChunkedDecoder.MaxSizeDigits), out _, out _, out _));
        Assert.Equal(ParseStatus.Invalid, Line(new string('f', ChunkedDecoder.MaxSizeDigits + 1), out _, out _, out var error));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void ChunkLine_LongerThanTheLimitWithoutLf_IsRejected()
    {
        string ext = "5;" + new string('e', 100);
        Assert.Equal(ParseStatus.NeedMore, Line(ext[..63], out _, out _, out _, maxLine: 64));
        Assert.Equal(ParseStatus.Invalid, Line(ext[..64], out _, out _, out var error, maxLine: 64));
        Assert.Equal(400, error.Status);
        Assert.Equal(ParseStatus.Invalid, Line(ext, out _, out _, out error, maxLine: 64));
        Assert.Equal(400, error.Status);
        // Default limit, as the connection uses it.
        Assert.Equal(ParseStatus.Invalid, Line("1;" + new string('e', MaxLine), out _, out _, out error));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void ChunkLine_ExactlyAtTheLimit_IsComplete_LfBeyondTheLimitIsNot()
    {
        string fits = "5;" + new string('e', 64 - 4) + "\r\n"; // 64 bytes including CRLF
        Assert.Equal(64, fits.Length);
        Assert.Equal(ParseStatus.Complete, Line(fits, out long size, out int consumed, out _, maxLine: 64));
        Assert.Equal(5, size);
        Assert.Equal(64, consumed);
        string over = "5;" + new string('e', 64 - 3) + "\r\n";
        Assert.Equal(ParseStatus.Invalid, Line(over, out _, out _, out _, maxLine: 64));
    }

    [Fact]
    public void ChunkLine_Empty_NeedsMore()
    {
        Assert.Equal(ParseStatus.NeedMore, ChunkedDecoder.TryParseChunkLine([], MaxLine, out _, out int consumed, out _));
        Assert.Equal(0, consumed);
    }

    // ---------------------------------------------------------------- CRLF after chunk data

    [Fact]
    public void DataEnd_Crlf_IsComplete()
    {
        Assert.Equal(ParseStatus.Complete, ChunkedDecoder.TryParseDataEnd("\r\n"u8, out int consumed, out _));
        Assert.Equal(2, consumed);
        Assert.Equal(ParseStatus.Complete, ChunkedDecoder.TryParseDataEnd("\r\n0\r\n\r\n"u8, out consumed, out _));
        Assert.Equal(2, consumed);
    }

    [Fact]
    public void DataEnd_PrefixesNeedMore()
    {
        Assert.Equal(ParseStatus.NeedMore, ChunkedDecoder.TryParseDataEnd(""u8, out int consumed, out _));
        Assert.Equal(0, consumed);
        Assert.Equal(ParseStatus.NeedMore, ChunkedDecoder.TryParseDataEnd("\r"u8, out consumed, out _));
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("\rx")]
    [InlineData("\n")]
    [InlineData("\r\r")]
    [InlineData("0\r\n")] // data longer than its chunk-size claimed
    [InlineData(" \r\n")]
    public void DataEnd_AnythingButCrlf_Is400(string text)
    {
        Assert.Equal(ParseStatus.Invalid, ChunkedDecoder.TryParseDataEnd(Bytes(text), out int consumed, out var error));
        Assert.Equal(400, error.Status);
        Assert.Equal(0, consumed);
    }

    // ---------------------------------------------------------------- trailer section

    [Theory]
    [InlineData("\r\n")]
    [InlineData("X-A: 1\r\n\r\n")]
    [InlineData("X-A: 1\r\nX-B:\t2 \r\n\r\n")]
    [InlineData("X-Checksum: sha256=\u00ff\u0080\r\n\r\n")] // obs-text is allowed in values
    public void Trailer_Valid_IsCompleteAndEveryPrefixNeedsMore(string text)
    {
        byte[] trailer = Bytes(text);
        for (int i = 0; i < trailer.Length; i++)
        {
            var prefix = ChunkedDecoder.TryParseTrailer(trailer.AsSpan(0, i), 1024, out int c, out var e);
            Assert.True(prefix == ParseStatus.NeedMore, $"prefix {i}: {prefix} {e}");
            Assert.Equal(0, c);
        }
        // Followed by a pipelined request: only the trailer is consumed.
        byte[] input = [.. trailer, .. Bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")];
        Assert.Equal(ParseStatus.Complete, ChunkedDecoder.TryParseTrailer(input, 1024, out int consumed, out _));
        Assert.Equal(trailer.Length, consumed);
    }

    [Fact]
    public void Trailer_EmptyLine_ConsumesTwo()
    {
        Assert.Equal(ParseStatus.Complete, ChunkedDecoder.TryParseTrailer("\r\n"u8, 1024, out int consumed, out _));
        Assert.Equal(2, consumed);
    }

    [Theory]
    [InlineData("bare-lf-empty-line", "\n")]
    [InlineData("bare-lf-field", "X-A: 1\n\r\n")]
    [InlineData("bare-lf-terminator", "X-A: 1\r\n\n")]
    [InlineData("obs-fold-space", "X-A: 1\r\n b\r\n\r\n")]
    [InlineData("obs-fold-tab", "X-A: 1\r\n\tb\r\n\r\n")]
    [InlineData("leading-space", " X-A: 1\r\n\r\n")]
    [InlineData("missing-colon", "X-A 1\r\n\r\n")]
    [InlineData("empty-name", ": 1\r\n\r\n")]
    [InlineData("nul-in-value", "X-A: a\u0000b\r\n\r\n")]
    [InlineData("cr-in-value", "X-A: a\rb\r\n\r\n")]
    [InlineData("del-in-value", "X-A: \u007f\r\n\r\n")]
    [InlineData("smuggled-request", "GET /admin HTTP/1.1\r\n\r\n")]
    public void Trailer_Invalid_Is400(string name, string text)
    {
        var status = ChunkedDecoder.TryParseTrailer(Bytes(text), 1024, out int consumed, out var error);
        Assert.True(status == ParseStatus.Invalid, $"{name}: {status}");
        Assert.Equal(400, error.Status);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void Trailer_OverMaxBytes_IsInvalid_WithOrWithoutItsEnd()
    {
        string big = "X-Big: " + new string('b', 200) + "\r\n\r\n";
        Assert.Equal(ParseStatus.Invalid, ChunkedDecoder.TryParseTrailer(Bytes(big), 100, out _, out var error));
        Assert.Equal(400, error.Status);
        // Never terminated: rejected once maxBytes arrived, not after the idle timeout.
        string endless = "X-Big: " + new string('b', 200);
        Assert.Equal(ParseStatus.Invalid, ChunkedDecoder.TryParseTrailer(Bytes(endless), 100, out _, out error));
        Assert.Equal(400, error.Status);
        Assert.Equal(ParseStatus.NeedMore, ChunkedDecoder.TryParseTrailer(Bytes(endless[..99]), 100, out _, out _));
        // Many small fields add up.
        string many = string.Concat(Enumerable.Repeat("X-A: 1\r\n", 20)) + "\r\n";
        Assert.Equal(ParseStatus.Invalid, ChunkedDecoder.TryParseTrailer(Bytes(many), 100, out _, out _));
        Assert.Equal(ParseStatus.Complete, ChunkedDecoder.TryParseTrailer(Bytes(many), many.Length, out int consumed, out _));
        Assert.Equal(many.Length, consumed);
    }

    /// <summary>
    /// RFC 9112 5.1 / 7.1.2: trailer fields are field lines, and "a server MUST reject, with 400, any
    /// received request message that contains whitespace between a header field name and colon".
    /// The trailer parser only checks that a colon exists past position 0. Low impact: recd discards
    /// trailers, but a proxy in front may read "X-A :" differently.
    /// </summary>
    [Theory]
    [InlineData("X-A : 1\r\n\r\n")]
    [InlineData("X-A\t: 1\r\n\r\n")]
    [InlineData("X A: 1\r\n\r\n")]
    [InlineData("X(A): 1\r\n\r\n")]
    public void Trailer_InvalidFieldName_Is400(string text)
    {
        Assert.Equal(ParseStatus.Invalid, ChunkedDecoder.TryParseTrailer(Bytes(text), 1024, out _, out var error));
        Assert.Equal(400, error.Status);
    }

    // ---------------------------------------------------------------- a whole body, as RequestBody walks it

    /// <summary>Walks a chunked body with the three parsers the way RequestBody does; returns the data.</summary>
    internal static ParseStatus Walk(ReadOnlySpan<byte> body, int maxLine, int maxTrailer, out byte[] data, out HttpError error)
    {
        var output = new List<byte>();
        data = [];
        int pos = 0;
        while (true)
        {
            var s = ChunkedDecoder.TryParseChunkLine(body[pos..], maxLine, out long size, out int consumed, out error);
            if (s != ParseStatus.Complete) return s;
            pos += consumed;
            if (size == 0)
            {
                s = ChunkedDecoder.TryParseTrailer(body[pos..], maxTrailer, out _, out error);
                if (s == ParseStatus.Complete) data = [.. output];
                return s;
            }
            if (body.Length - pos < size) return ParseStatus.NeedMore;
            output.AddRange(body.Slice(pos, (int)size));
            pos += (int)size;
            s = ChunkedDecoder.TryParseDataEnd(body[pos..], out consumed, out error);
            if (s != ParseStatus.Complete) return s;
            pos += consumed;
        }
    }

    [Fact]
    public void WholeBody_DecodesToItsData()
    {
        byte[] body = Bytes("5\r\nhello\r\n1;x=y\r\n \r\nA\r\n0123456789\r\n0\r\nX-Sum: 1\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, Walk(body, MaxLine, 1024, out byte[] data, out _));
        Assert.Equal("hello 0123456789", Encoding.ASCII.GetString(data));
    }

    [Theory]
    [InlineData("5\r\nhelloXX0\r\n\r\n")] // data longer than declared: no CRLF after it
    [InlineData("5\r\nhello\n0\r\n\r\n")] // bare LF after data
    [InlineData("5\r\nhello\r\n0\r\nX: 1\n\r\n")] // bare LF in trailer
    [InlineData("5\r\nhello\r\nzz\r\n")] // bad second size
    public void WholeBody_BadFraming_Is400(string text)
    {
        Assert.Equal(ParseStatus.Invalid, Walk(Bytes(text), MaxLine, 1024, out _, out var error));
        Assert.Equal(400, error.Status);
    }
}
