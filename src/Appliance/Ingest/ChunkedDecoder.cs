namespace Recd.Ingest;

/// <summary>
/// Pure pieces of the chunked transfer coding (RFC 9112 7.1). The connection feeds them the bytes
/// it holds; chunk data itself never passes through here: the decoder only says how many body bytes
/// follow, and the write path moves exactly that many from the socket.
/// </summary>
public static class ChunkedDecoder
{
    /// <summary>15 hex digits keep the size below 2^60: no overflow, and far beyond any disk.</summary>
    public const int MaxSizeDigits = 15;

    /// <summary>Parses "1*HEXDIG [;ext] CRLF". NeedMore for every proper prefix of a valid line.</summary>
    public static ParseStatus TryParseChunkLine(ReadOnlySpan<byte> input, int maxLine, out long size,
        out int consumed, out HttpError error)
    {
        size = 0;
        consumed = 0;
        error = default;
        int scan = Math.Min(input.Length, maxLine);
        int lf = input[..scan].IndexOf((byte)'\n');
        if (lf < 0)
        {
            // Reject garbage early instead of waiting for a line that will never be valid.
            int leading = 0;
            while (leading < scan && HexValue(input[leading]) >= 0) leading++;
            if (scan > 0 && leading == 0) return Fail(out error, "invalid chunk size");
            if (leading > MaxSizeDigits) return Fail(out error, "chunk size too large");
            if (input.Length >= maxLine) return Fail(out error, "chunk line too long");
            return ParseStatus.NeedMore;
        }
        if (lf == 0 || input[lf - 1] != '\r') return Fail(out error, "bare LF in chunk line");
        var line = input[..(lf - 1)];

        int digits = 0;
        while (digits < line.Length && HexValue(line[digits]) >= 0) digits++;
        if (digits == 0) return Fail(out error, "invalid chunk size");
        if (digits > MaxSizeDigits) return Fail(out error, "chunk size too large");
        for (int i = 0; i < digits; i++) size = (size << 4) | (long)HexValue(line[i]);

        var rest = line[digits..];
        // BWS before ';' is tolerated by RFC 9112 7.1.1; anything else after the digits must be an extension.
        int k = 0;
        while (k < rest.Length && (rest[k] == ' ' || rest[k] == '\t')) k++;
        // Whitespace with no extension after it ("5 \r\n") is not in the grammar either.
        if (!rest.IsEmpty && (k == rest.Length || rest[k] != ';')) return Fail(out error, "invalid chunk size");
        foreach (byte b in rest)
            if ((b < 0x20 && b != '\t') || b == 0x7F) return Fail(out error, "invalid character in chunk extension");

        consumed = lf + 1;
        return ParseStatus.Complete;
    }

    /// <summary>The CRLF that ends a chunk's data.</summary>
    public static ParseStatus TryParseDataEnd(ReadOnlySpan<byte> input, out int consumed, out HttpError error)
    {
        consumed = 0;
        error = default;
        if (input.Length >= 1 && input[0] != '\r') return Fail(out error, "chunk data not followed by CRLF");
        if (input.Length < 2) return ParseStatus.NeedMore;
        if (input[1] != '\n') return Fail(out error, "chunk data not followed by CRLF");
        consumed = 2;
        return ParseStatus.Complete;
    }

    /// <summary>Trailer section after the last chunk: header lines (ignored) then an empty line.</summary>
    public static ParseStatus TryParseTrailer(ReadOnlySpan<byte> input, int maxBytes, out int consumed, out HttpError error)
    {
        consumed = 0;
        error = default;
        int pos = 0;
        while (true)
        {
            int lf = input[pos..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                if (input.Length >= maxBytes) return Fail(out error, "trailer section too large");
                return ParseStatus.NeedMore;
            }
            lf += pos;
            if (lf == 0 || input[lf - 1] != '\r') return Fail(out error, "bare LF in trailer");
            if (lf + 1 > maxBytes) return Fail(out error, "trailer section too large");
            var line = input[pos..(lf - 1)];
            if (line.IsEmpty) { consumed = lf + 1; return ParseStatus.Complete; }
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) return Fail(out error, "malformed trailer field");
            foreach (byte b in line[..colon])
                if (!HttpHeadParser.IsTokenChar(b)) return Fail(out error, "invalid trailer field name");
            foreach (byte b in line)
                if ((b < 0x20 && b != '\t') || b == 0x7F) return Fail(out error, "invalid character in trailer");
            pos = lf + 1;
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static ParseStatus Fail(out HttpError error, string reason)
    {
        error = new HttpError(400, reason);
        return ParseStatus.Invalid;
    }
}
