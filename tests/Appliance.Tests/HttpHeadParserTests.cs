using System.Text;
using Recd.Ingest;
using Xunit;

namespace Recd.Tests;

/// <summary>
/// HttpHeadParser in the shape of Kestrel's HttpParserTests: every proper prefix of a valid head is
/// "need more" and consumes nothing; the whole head is consumed exactly, never the body after it; the
/// same bytes fed in segments of any size give the same answer; invalid heads come from a table with
/// the exact status the client must get (RFC 9112 / RFC 9110).
/// </summary>
public class HttpHeadParserTests
{
    private static readonly HttpLimits Limits = new();

    // Latin-1 keeps every char 0x00-0xFF as exactly one byte, so obs-text and CTLs can be written inline.
    internal static byte[] Bytes(string s) => Encoding.Latin1.GetBytes(s);

    private static ParseStatus Parse(ReadOnlySpan<byte> input, out int consumed, out HttpError error, out RequestHead head,
        HttpLimits? limits = null)
    {
        head = new RequestHead();
        return HttpHeadParser.TryParse(input, limits ?? Limits, head, out consumed, out error);
    }

    // ---------------------------------------------------------------- valid heads

    /// <summary>A valid head, the body bytes that follow it, and the fields the parser must produce.</summary>
    public sealed record ValidCase(string Head, string Body, Action<RequestHead> Check);

    private static readonly Dictionary<string, ValidCase> Valid = new()
    {
        ["get-no-headers-http10"] = new("GET / HTTP/1.0\r\n\r\n", "", h =>
        {
            Assert.Equal("GET", h.Method);
            Assert.Equal(RequestMethod.Get, h.Kind);
            Assert.Equal("/", h.Target);
            Assert.Equal("/", h.Path);
            Assert.Equal("", h.Query);
            Assert.Equal(0, h.MinorVersion);
            Assert.Equal(-1, h.ContentLength);
            Assert.False(h.Chunked);
            Assert.False(h.ExpectContinue);
            Assert.False(h.KeepAlive); // 1.0 without keep-alive
            Assert.Null(h.Host);
            Assert.Null(h.Range);
            Assert.Null(h.ContentRange);
            Assert.Equal(0, h.HeaderCount);
            Assert.False(h.HasBody);
        }),
        ["get-host-query-range"] = new("GET /recordings/show.ts?overwrite=1&path=splice HTTP/1.1\r\nHost: box.local:8554\r\nRange: bytes=0-9\r\n\r\n", "", h =>
        {
            Assert.Equal(RequestMethod.Get, h.Kind);
            Assert.Equal("/recordings/show.ts?overwrite=1&path=splice", h.Target);
            Assert.Equal("/recordings/show.ts", h.Path);
            Assert.Equal("overwrite=1&path=splice", h.Query);
            Assert.Equal("splice", h.QueryValue("path"));
            Assert.Equal(1, h.MinorVersion);
            Assert.Equal("box.local:8554", h.Host);
            Assert.Equal("bytes=0-9", h.Range);
            Assert.True(h.KeepAlive);
            Assert.Equal(2, h.HeaderCount);
        }),
        ["put-content-length"] = new("PUT /recordings/a.ts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Range: bytes 10-14/*\r\n\r\n", "hello", h =>
        {
            Assert.Equal("PUT", h.Method);
            Assert.Equal(RequestMethod.Put, h.Kind);
            Assert.Equal("/recordings/a.ts", h.Path);
            Assert.Equal(5, h.ContentLength);
            Assert.False(h.Chunked);
            Assert.Equal("bytes 10-14/*", h.ContentRange);
            Assert.True(h.HasBody);
            Assert.True(h.KeepAlive);
        }),
        ["put-chunked-expect-continue"] = new("PUT /recordings/live.ts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nUser-Agent: vdr-recd/1.0\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n", h =>
        {
            Assert.Equal(RequestMethod.Put, h.Kind);
            Assert.True(h.Chunked);
            Assert.Equal(-1, h.ContentLength);
            Assert.True(h.ExpectContinue);
            Assert.True(h.HasBody);
            Assert.Equal(4, h.HeaderCount);
        }),
        ["http10-keep-alive"] = new("GET /recordings HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "", h =>
        {
            Assert.Equal(0, h.MinorVersion);
            Assert.True(h.ConnectionKeepAlive);
            Assert.True(h.KeepAlive);
            Assert.Null(h.Host); // not required in 1.0
        }),
        ["http11-connection-close"] = new("HEAD /recordings/x HTTP/1.1\r\nHost: x\r\nConnection: TE, close\r\n\r\n", "", h =>
        {
            Assert.Equal(RequestMethod.Head, h.Kind);
            Assert.True(h.ConnectionClose);
            Assert.False(h.KeepAlive);
        }),
        ["ows-and-obs-text"] = new("PUT /recordings/x HTTP/1.1\r\nHost:\t box \t\r\nX-Title: Caf\u00e9 \u0080\u00ff\u00a0\r\nContent-Length:  0  \r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n", "", h =>
        {
            Assert.Equal("box", h.Host); // OWS trimmed on both sides, tabs included (RFC 9112 5.1)
            Assert.Equal(0, h.ContentLength);
            Assert.False(h.HasBody);
            Assert.Equal(5, h.HeaderCount);
        }),
        ["names-case-insensitive"] = new("PUT /recordings/x HTTP/1.1\r\nhOsT: h\r\ntRANSFER-eNCODING: ChUnKeD\r\neXPECT: 100-CONTINUE\r\nRANGE: bytes=-3\r\n\r\n", "0\r\n\r\n", h =>
        {
            Assert.Equal("h", h.Host);
            Assert.True(h.Chunked);
            Assert.True(h.ExpectContinue);
            Assert.Equal("bytes=-3", h.Range);
        }),
        ["delete-and-leading-zero-length"] = new("DELETE /recordings/old.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 000\r\n\r\n", "", h =>
        {
            Assert.Equal(RequestMethod.Delete, h.Kind);
            Assert.Equal(0, h.ContentLength);
        }),
        ["post-kind"] = new("POST /recordings/x HTTP/1.1\r\nHost: x\r\n\r\n", "", h => Assert.Equal(RequestMethod.Post, h.Kind)),
        // A lowercase method is a valid token (methods are case-sensitive, RFC 9110 9.1): not GET.
        ["lowercase-method-is-other"] = new("get / HTTP/1.1\r\nHost: x\r\n\r\n", "", h =>
        {
            Assert.Equal("get", h.Method);
            Assert.Equal(RequestMethod.Other, h.Kind);
        }),
        ["extension-method-token"] = new("M-SEARCH! /x HTTP/1.1\r\nHost: x\r\n\r\n", "", h =>
        {
            Assert.Equal("M-SEARCH!", h.Method);
            Assert.Equal(RequestMethod.Other, h.Kind);
        }),
        // RFC 9112 3.2: an empty Host is what a client sends when the URI has no authority.
        ["empty-host"] = new("GET / HTTP/1.1\r\nHost:\r\n\r\n", "", h => Assert.Equal("", h.Host)),
        ["max-content-length-18-digits"] = new("PUT /recordings/x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999999999\r\n\r\n", "", h =>
            Assert.Equal(999_999_999_999_999_999L, h.ContentLength)),
        ["target-with-percent-and-backslash"] = new("GET /recordings/%2e%2e\\x?a=%00 HTTP/1.1\r\nHost: x\r\n\r\n", "", h =>
        {
            // The parser passes these through untouched; RecordingName refuses them later.
            Assert.Equal("/recordings/%2e%2e\\x", h.Path);
            Assert.Equal("a=%00", h.Query);
        }),
        // RFC 9112 2.2: empty lines before the request line are ignored.
        ["leading-crlf-skipped"] = new("\r\n\r\nGET /recordings HTTP/1.1\r\nHost: x\r\n\r\n", "", h =>
        {
            Assert.Equal(RequestMethod.Get, h.Kind);
            Assert.Equal("/recordings", h.Path);
        }),
    };

    public static TheoryData<string> ValidNames => new(Valid.Keys);

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void ValidHead_WholeIsCompleteAndConsumesExactlyTheHead(string name)
    {
        var c = Valid[name];
        byte[] head = Bytes(c.Head);
        byte[] input = Bytes(c.Head + c.Body);
        var status = Parse(input, out int consumed, out var error, out var parsed);
        Assert.True(status == ParseStatus.Complete, $"{status} {error}");
        Assert.Equal(head.Length, consumed); // the body is left for the body reader
        c.Check(parsed);
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void ValidHead_EveryProperPrefixNeedsMoreAndConsumesNothing(string name)
    {
        byte[] head = Bytes(Valid[name].Head);
        for (int i = 0; i < head.Length; i++)
        {
            var status = Parse(head.AsSpan(0, i), out int consumed, out var error, out _);
            Assert.True(status == ParseStatus.NeedMore, $"prefix of {i} bytes: {status} {error}");
            Assert.Equal(0, consumed);
        }
    }

    /// <summary>
    /// The connection re-parses its whole buffer after each read: feed the bytes in segments of
    /// 1, 2, 3, 7 and 64 bytes (Kestrel runs every case one byte per segment) and check the first
    /// non-NeedMore answer is Complete, consuming the head and nothing of the body.
    /// </summary>
    [Theory]
    [MemberData(nameof(ValidNames))]
    public void ValidHead_SegmentedInputGivesTheSameResult(string name)
    {
        var c = Valid[name];
        int headLength = Bytes(c.Head).Length;
        byte[] input = Bytes(c.Head + c.Body);
        foreach (int segment in new[] { 1, 2, 3, 7, 64 })
        {
            var head = new RequestHead();
            int have = 0;
            while (true)
            {
                have = Math.Min(input.Length, have + segment);
                var status = HttpHeadParser.TryParse(input.AsSpan(0, have), Limits, head, out int consumed, out var error);
                if (status == ParseStatus.NeedMore)
                {
                    Assert.Equal(0, consumed);
                    Assert.True(have < headLength, $"segment {segment}: NeedMore with the whole head in hand");
                    continue;
                }
                Assert.True(status == ParseStatus.Complete, $"segment {segment}: {status} {error}");
                Assert.Equal(headLength, consumed);
                c.Check(head);
                break;
            }
        }
    }

    [Fact]
    public void PipelinedRequests_ParseOneAfterTheOtherWithAReusedHead()
    {
        byte[] input = Bytes("PUT /recordings/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nRange: bytes=1-2\r\n\r\n" +
                             "GET /recordings/b?q HTTP/1.1\r\nHost: y\r\n\r\n");
        var head = new RequestHead();
        Assert.Equal(ParseStatus.Complete, HttpHeadParser.TryParse(input, Limits, head, out int first, out _));
        Assert.True(head.Chunked);
        Assert.Equal(ParseStatus.Complete, HttpHeadParser.TryParse(input.AsSpan(first), Limits, head, out int second, out _));
        Assert.Equal(input.Length, first + second);
        // Nothing of the first request leaks into the second.
        Assert.Equal(RequestMethod.Get, head.Kind);
        Assert.Equal("/recordings/b", head.Path);
        Assert.Equal("q", head.Query);
        Assert.Equal("y", head.Host);
        Assert.False(head.Chunked);
        Assert.False(head.ExpectContinue);
        Assert.Null(head.Range);
        Assert.Equal(-1, head.ContentLength);
        Assert.Equal(1, head.HeaderCount);
    }

    // ---------------------------------------------------------------- leading empty lines

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void LeadingEmptyLines_AreSkippedAndCountedAsConsumed(int lines)
    {
        string crlfs = string.Concat(Enumerable.Repeat("\r\n", lines));
        byte[] input = Bytes(crlfs + "GET /recordings HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, Parse(input, out int consumed, out _, out var head));
        Assert.Equal(input.Length, consumed);
        Assert.Equal("/recordings", head.Path);
        for (int i = 0; i < input.Length; i++)
            Assert.Equal(ParseStatus.NeedMore, Parse(input.AsSpan(0, i), out _, out _, out _));
    }

    [Fact]
    public void LeadingEmptyLines_BeyondTheFewToleratedAreRejected()
    {
        // Tolerance for a stray CRLF is not an invitation to stream empty lines forever.
        byte[] input = Bytes(string.Concat(Enumerable.Repeat("\r\n", 5)) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(ParseStatus.Invalid, Parse(input, out _, out var error, out _));
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void LeadingBareLf_IsRejected()
    {
        Assert.Equal(ParseStatus.Invalid, Parse(Bytes("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), out _, out var error, out _));
        Assert.Equal(400, error.Status);
        Assert.Equal(ParseStatus.Invalid, Parse(Bytes("\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), out _, out error, out _));
        Assert.Equal(400, error.Status);
    }

    // ---------------------------------------------------------------- invalid heads

    private const string H = "Host: x\r\n";

    /// <summary>Invalid heads and the exact status. Names are for the test display; bytes are Latin-1.</summary>
    private static readonly (string Name, int Status, string Raw)[] Invalid =
    [
        // Line endings (RFC 9112 2.2: bare CR/LF are smuggling shapes; recd rejects, never repairs).
        ("bare-lf-request-line", 400, "GET / HTTP/1.1\n" + H + "\r\n"),
        ("bare-lf-header", 400, "GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\r\n"),
        ("bare-lf-terminator", 400, "GET / HTTP/1.1\r\n" + H + "\n"),
        ("bare-lf-only", 400, "\n"),
        ("bare-cr-request-line", 400, "GET / HTTP/1.1\r" + H + "\r\n"),
        ("bare-cr-in-target", 400, "GET /a\rb HTTP/1.1\r\n" + H + "\r\n"),
        ("cr-cr-lf-request-line", 400, "GET / HTTP/1.1\r\r\n" + H + "\r\n"),
        ("bare-cr-header-value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\rb\r\n\r\n"),
        // Field syntax (RFC 9112 5.1, 5.2).
        ("obs-fold-space", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n b\r\n\r\n"),
        ("obs-fold-tab", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\r\n\tb\r\n\r\n"),
        ("whitespace-before-first-header", 400, "GET / HTTP/1.1\r\n " + H + "\r\n"),
        ("obs-fold-transfer-encoding", 400, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n , identity\r\n\r\n"),
        // Lines are judged in order: the empty coding on the first line is refused before the fold is seen.
        ("empty-te-then-obs-fold", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding:\r\n chunked\r\n\r\n"),
        ("space-before-colon", 400, "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        ("tab-before-colon", 400, "GET / HTTP/1.1\r\n" + H + "X-A\t: 1\r\n\r\n"),
        ("space-before-colon-te", 400, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding : chunked\r\n\r\n"),
        ("empty-header-name", 400, "GET / HTTP/1.1\r\n" + H + ": x\r\n\r\n"),
        ("header-without-colon", 400, "GET / HTTP/1.1\r\n" + H + "X-A 1\r\n\r\n"),
        ("header-name-separator", 400, "GET / HTTP/1.1\r\n" + H + "X(A): 1\r\n\r\n"),
        ("header-name-obs-text", 400, "GET / HTTP/1.1\r\n" + H + "X-\u00e9: 1\r\n\r\n"),
        ("header-name-nul", 400, "GET / HTTP/1.1\r\n" + H + "X-\0A: 1\r\n\r\n"),
        ("nul-in-value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\0b\r\n\r\n"),
        ("nul-at-value-end", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\0\r\n\r\n"),
        ("soh-in-value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u0001b\r\n\r\n"),
        ("vt-in-value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u000bb\r\n\r\n"),
        ("esc-in-value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: \u001b[31m\r\n\r\n"),
        ("del-in-value", 400, "GET / HTTP/1.1\r\n" + H + "X-A: a\u007fb\r\n\r\n"),
        ("nul-in-host", 400, "GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n"),
        // Framing (RFC 9112 6.1, 6.3): anything ambiguous is a 400.
        ("cl-then-te", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("te-then-cl", 400, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
        ("te-then-cl-zero", 400, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"),
        ("duplicate-cl-same", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n"),
        ("duplicate-cl-different", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        ("duplicate-cl-case", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5\r\ncontent-length: 5\r\n\r\n"),
        ("duplicate-te", 400, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("cl-plus-sign", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: +5\r\n\r\n"),
        ("cl-minus-sign", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n"),
        ("cl-space-inside", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 1 0\r\n\r\n"),
        ("cl-comma-list", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5, 5\r\n\r\n"),
        ("cl-comma-no-space", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5,5\r\n\r\n"),
        ("cl-hex", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 0x10\r\n\r\n"),
        ("cl-exponent", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 1e3\r\n\r\n"),
        ("cl-decimal-point", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 5.0\r\n\r\n"),
        ("cl-empty", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length:\r\n\r\n"),
        ("cl-19-digits", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 1000000000000000000\r\n\r\n"),
        ("cl-19-digits-leading-zero", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 0000000000000000005\r\n\r\n"),
        ("cl-long-max-plus-one", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 9223372036854775808\r\n\r\n"),
        ("cl-ulong-overflow", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 18446744073709551617\r\n\r\n"),
        ("cl-superscript-digit", 400, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: \u00b9\r\n\r\n"),
        ("te-gzip", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n\r\n"),
        ("te-chunked-gzip", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n"),
        ("te-gzip-chunked", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n"),
        ("te-chunked-chunked", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, chunked\r\n\r\n"),
        ("te-identity", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: identity\r\n\r\n"),
        ("te-xchunked", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: xchunked\r\n\r\n"),
        ("te-quoted", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding: \"chunked\"\r\n\r\n"),
        ("te-empty", 501, "PUT /r HTTP/1.1\r\n" + H + "Transfer-Encoding:\r\n\r\n"),
        ("te-in-http10", 400, "PUT /r HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
        // Host (RFC 9112 3.2).
        ("missing-host-http11", 400, "GET / HTTP/1.1\r\n\r\n"),
        ("missing-host-with-headers", 400, "PUT /r HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
        ("duplicate-host", 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"),
        ("duplicate-host-case", 400, "GET / HTTP/1.1\r\nHost: a\r\nhOST: b\r\n\r\n"),
        // Expect (RFC 9110 10.1.1).
        ("expect-other", 417, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 0\r\nExpect: 200-ok\r\n\r\n"),
        ("expect-continue-suffix", 417, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 0\r\nExpect: 100-continue-x\r\n\r\n"),
        ("expect-empty", 417, "PUT /r HTTP/1.1\r\n" + H + "Content-Length: 0\r\nExpect:\r\n\r\n"),
        // Version (RFC 9112 2.3).
        ("http-2-0", 505, "GET / HTTP/2.0\r\n" + H + "\r\n"),
        ("http-1-2", 505, "GET / HTTP/1.2\r\n" + H + "\r\n"),
        ("http-3-0", 505, "GET / HTTP/3.0\r\n" + H + "\r\n"),
        ("http-0-9-version", 505, "GET / HTTP/0.9\r\n\r\n"),
        ("version-trailing-space", 400, "GET / HTTP/1.1 \r\n" + H + "\r\n"),
        ("version-lowercase", 400, "GET / http/1.1\r\n" + H + "\r\n"),
        ("version-two-digit-minor", 400, "GET / HTTP/1.10\r\n" + H + "\r\n"),
        ("version-no-dot", 400, "GET / HTTP/11\r\n" + H + "\r\n"),
        ("version-garbage", 400, "GET / HTTP/1.1x\r\n" + H + "\r\n"),
        ("version-missing-http09", 400, "GET /\r\n\r\n"),
        ("version-empty", 400, "GET / \r\n" + H + "\r\n"),
        // Request line and target (RFC 9112 3, 3.2).
        ("empty-method", 400, " / HTTP/1.1\r\n" + H + "\r\n"),
        ("method-separator", 400, "GE(T / HTTP/1.1\r\n" + H + "\r\n"),
        ("method-nul", 400, "G\0ET / HTTP/1.1\r\n" + H + "\r\n"),
        ("method-obs-text", 400, "G\u00c9T / HTTP/1.1\r\n" + H + "\r\n"),
        ("double-space-before-target", 400, "GET  / HTTP/1.1\r\n" + H + "\r\n"),
        ("double-space-after-target", 400, "GET /  HTTP/1.1\r\n" + H + "\r\n"),
        ("tab-separator", 400, "GET\t/ HTTP/1.1\r\n" + H + "\r\n"),
        ("absolute-form", 400, "GET http://x/y HTTP/1.1\r\n" + H + "\r\n"),
        ("absolute-form-put", 400, "PUT http://127.0.0.1/recordings/x HTTP/1.1\r\n" + H + "Content-Length: 0\r\n\r\n"),
        ("authority-form", 400, "CONNECT x:443 HTTP/1.1\r\n" + H + "\r\n"),
        ("asterisk-form", 400, "OPTIONS * HTTP/1.1\r\n" + H + "\r\n"),
        ("http2-preface", 400, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
        ("fragment", 400, "GET /recordings/x#frag HTTP/1.1\r\n" + H + "\r\n"),
        ("space-in-target", 400, "GET /a b HTTP/1.1\r\n" + H + "\r\n"),
        ("tab-in-target", 400, "GET /a\tb HTTP/1.1\r\n" + H + "\r\n"),
        ("nul-in-target", 400, "GET /recordings/x\0.ts HTTP/1.1\r\n" + H + "\r\n"),
        ("del-in-target", 400, "GET /a\u007fb HTTP/1.1\r\n" + H + "\r\n"),
        ("obs-text-in-target", 400, "GET /caf\u00e9 HTTP/1.1\r\n" + H + "\r\n"),
        ("utf8-in-target", 400, "GET /recordings/\u00c0\u00ae HTTP/1.1\r\n" + H + "\r\n"),
        ("empty-request-line-after-four-crlf", 400, "\r\n\r\n\r\n\r\n\r\n" + H + "\r\n"),
        ("tls-client-hello-shape", 400, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n"),
        // Limits (HttpLimits defaults: 8 KiB request line, 32 KiB head, 100 fields).
        ("request-line-over-8k", 414, "GET /" + new string('a', 8300) + " HTTP/1.1\r\n" + H + "\r\n"),
        ("request-line-over-8k-unterminated", 414, "GET /" + new string('a', 8300)),
        ("head-over-32k", 431, "GET / HTTP/1.1\r\n" + H + "X-Big: " + new string('b', 33000) + "\r\n\r\n"),
        ("head-over-32k-unterminated", 431, "GET / HTTP/1.1\r\n" + H + "X-Big: " + new string('b', 33000)),
        ("fields-101", 431, "GET / HTTP/1.1\r\n" + H + string.Concat(Enumerable.Range(1, 100).Select(i => $"X-{i}: {i}\r\n")) + "\r\n"),
    ];

    public static TheoryData<string, int> InvalidCases
    {
        get
        {
            var data = new TheoryData<string, int>();
            foreach (var c in Invalid) data.Add(c.Name, c.Status);
            return data;
        }
    }

    private static byte[] InvalidBytes(string name) => Bytes(Invalid.Single(c => c.Name == name).Raw);

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void InvalidHead_IsRejectedWithTheExactStatus(string name, int status)
    {
        var result = Parse(InvalidBytes(name), out int consumed, out var error, out _);
        Assert.True(result == ParseStatus.Invalid, $"{name}: {result}");
        Assert.Equal(status, error.Status);
        Assert.False(string.IsNullOrEmpty(error.Reason));
        Assert.Equal(0, consumed);
    }

    /// <summary>
    /// Fed one byte at a time, an invalid head is never Complete: every prefix is NeedMore or the
    /// same rejection, and once rejected it stays rejected.
    /// </summary>
    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void InvalidHead_EveryPrefixIsNeedMoreOrTheSameRejection(string name, int status)
    {
        byte[] input = InvalidBytes(name);
        bool rejected = false;
        for (int i = 1; i <= input.Length; i++)
        {
            var result = Parse(input.AsSpan(0, i), out int consumed, out var error, out _);
            Assert.NotEqual(ParseStatus.Complete, result);
            Assert.Equal(0, consumed);
            if (result == ParseStatus.Invalid)
            {
                Assert.Equal(status, error.Status);
                rejected = true;
            }
            else Assert.False(rejected, $"{name}: NeedMore after a rejection at a shorter prefix ({i} bytes)");
        }
        Assert.True(rejected);
    }

    [Fact]
    public void InvalidHead_RejectionDoesNotDependOnTheBodyThatFollows()
    {
        // A smuggling attempt carries its second request in the "body": it must not matter.
        byte[] input = Bytes("PUT /r HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(ParseStatus.Invalid, Parse(input, out int consumed, out var error, out _));
        Assert.Equal(400, error.Status);
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void ValidContentLengthForms_AreAccepted()
    {
        foreach (var (value, expected) in new[] { ("0", 0L), ("5", 5L), ("0005", 5L), (" 7 ", 7L), ("\t8\t", 8L), ("123456789012345678", 123456789012345678L) })
        {
            var status = Parse(Bytes($"PUT /r HTTP/1.1\r\nHost: x\r\nContent-Length:{value}\r\n\r\n"), out _, out var error, out var head);
            Assert.True(status == ParseStatus.Complete, $"'{value}': {status} {error}");
            Assert.Equal(expected, head.ContentLength);
        }
    }

    [Fact]
    public void TransferEncodingChunked_ToleratesCaseAndOws()
    {
        foreach (string value in new[] { "chunked", "Chunked", "CHUNKED", " chunked", "chunked ", "\tchunked\t" })
        {
            var status = Parse(Bytes($"PUT /r HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:{value}\r\n\r\n"), out _, out var error, out var head);
            Assert.True(status == ParseStatus.Complete, $"'{value}': {status} {error}");
            Assert.True(head.Chunked);
        }
    }

    [Fact]
    public void ContentLengthInHttp10_WithoutTransferEncoding_IsAccepted()
    {
        Assert.Equal(ParseStatus.Complete, Parse(Bytes("PUT /r HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"), out int consumed, out _, out var head));
        Assert.Equal(3, head.ContentLength);
        Assert.Equal(0, head.MinorVersion);
        Assert.Equal(Bytes("PUT /r HTTP/1.0\r\nContent-Length: 3\r\n\r\n").Length, consumed);
    }

    // ---------------------------------------------------------------- limits

    private static string RequestLineOf(int length)
    {
        // "GET /" + filler + " HTTP/1.1" is exactly `length` bytes, CRLF excluded.
        const string fixedPart = "GET / HTTP/1.1";
        return "GET /" + new string('a', length - fixedPart.Length) + " HTTP/1.1";
    }

    [Fact]
    public void RequestLine_LongerThanTheLimit_Is414()
    {
        byte[] input = Bytes(RequestLineOf(Limits.MaxRequestLineBytes + 100) + "\r\nHost: x\r\n\r\n");
        Assert.Equal(ParseStatus.Invalid, Parse(input, out _, out var error, out _));
        Assert.Equal(414, error.Status);
    }

    [Fact]
    public void RequestLine_OverTheLimitIsRejectedBeforeItsEndArrives()
    {
        // A slowloris request line must not hold the connection until the header timeout.
        byte[] input = Bytes("GET /" + new string('a', Limits.MaxRequestLineBytes + 1));
        Assert.Equal(ParseStatus.Invalid, Parse(input, out _, out var error, out _));
        Assert.Equal(414, error.Status);
        // ...and not a byte earlier than the limit.
        Assert.Equal(ParseStatus.NeedMore, Parse(input.AsSpan(0, Limits.MaxRequestLineBytes), out _, out _, out _));
    }

    /// <summary>
    /// The boundary as implemented: the request line plus its CR fits in MaxRequestLineBytes (one byte
    /// more lenient than Kestrel, which counts the LF as well). Whole and byte-wise input agree.
    /// </summary>
    [Fact]
    public void RequestLine_Boundary_IsTheSameWholeAndIncremental()
    {
        var limits = new HttpLimits { MaxRequestLineBytes = 64 };
        byte[] ok = Bytes(RequestLineOf(63) + "\r\nHost: x\r\n\r\n");
        byte[] tooLong = Bytes(RequestLineOf(64) + "\r\nHost: x\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, Parse(ok, out _, out _, out _, limits));
        Assert.Equal(ParseStatus.Invalid, Parse(tooLong, out _, out var error, out _, limits));
        Assert.Equal(414, error.Status);
        for (int i = 1; i < ok.Length; i++)
            Assert.Equal(ParseStatus.NeedMore, Parse(ok.AsSpan(0, i), out _, out _, out _, limits));
        for (int i = 1; i <= tooLong.Length; i++)
        {
            var status = Parse(tooLong.AsSpan(0, i), out _, out error, out _, limits);
            Assert.NotEqual(ParseStatus.Complete, status);
            if (status == ParseStatus.Invalid) Assert.Equal(414, error.Status);
        }
    }

    [Fact]
    public void Head_LongerThanTheLimit_Is431WithoutWaitingForTheTerminator()
    {
        // One header line bigger than the whole allowance, never terminated.
        byte[] input = Bytes("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', Limits.MaxHeaderBytes));
        Assert.Equal(ParseStatus.Invalid, Parse(input, out _, out var error, out _));
        Assert.Equal(431, error.Status);
        Assert.Equal(ParseStatus.Invalid, Parse(input.AsSpan(0, Limits.MaxHeaderBytes), out _, out error, out _));
        Assert.Equal(431, error.Status);
        Assert.Equal(ParseStatus.NeedMore, Parse(input.AsSpan(0, Limits.MaxHeaderBytes - 1), out _, out _, out _));
    }

    [Fact]
    public void Head_ManyHeadersOverTheByteLimit_Is431()
    {
        var sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 90; i++) sb.Append($"X-H{i}: ").Append('v', 400).Append("\r\n");
        sb.Append("\r\n");
        Assert.Equal(ParseStatus.Invalid, Parse(Bytes(sb.ToString()), out _, out var error, out _));
        Assert.Equal(431, error.Status);
    }

    [Fact]
    public void Head_ExactlyAtTheByteLimit_IsComplete_OneMoreIs431()
    {
        var limits = new HttpLimits { MaxHeaderBytes = 128 };
        string prefix = "GET / HTTP/1.1\r\nHost: x\r\nX-Fill: ";
        string Fill(int total) => prefix + new string('f', total - prefix.Length - 4) + "\r\n\r\n";
        byte[] exact = Bytes(Fill(128));
        byte[] over = Bytes(Fill(129));
        Assert.Equal(128, exact.Length);
        Assert.Equal(ParseStatus.Complete, Parse(exact, out int consumed, out _, out _, limits));
        Assert.Equal(128, consumed);
        Assert.Equal(ParseStatus.Invalid, Parse(over, out _, out var error, out _, limits));
        Assert.Equal(431, error.Status);
        // A body after an exactly-full head is not counted against the head.
        Assert.Equal(ParseStatus.Complete, Parse([.. exact, .. Bytes("body bytes")], out consumed, out _, out _, limits));
        Assert.Equal(128, consumed);
    }

    private static byte[] HeadWithFields(int fields)
    {
        var sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 1; i < fields; i++) sb.Append($"X-{i}: {i}\r\n");
        return Bytes(sb.Append("\r\n").ToString());
    }

    [Fact]
    public void HeaderCount_AtTheLimitIsComplete_OneMoreIs431()
    {
        Assert.Equal(ParseStatus.Complete, Parse(HeadWithFields(Limits.MaxHeaderCount), out _, out _, out var head));
        Assert.Equal(Limits.MaxHeaderCount, head.HeaderCount);
        Assert.Equal(ParseStatus.Invalid, Parse(HeadWithFields(Limits.MaxHeaderCount + 1), out _, out var error, out _));
        Assert.Equal(431, error.Status);
    }

    // ---------------------------------------------------------------- helpers

    [Fact]
    public void TryParseDecimal_AcceptsOnlyPlainDigitsUpTo18()
    {
        Assert.True(HttpHeadParser.TryParseDecimal("0"u8, out long v));
        Assert.Equal(0, v);
        Assert.True(HttpHeadParser.TryParseDecimal("999999999999999999"u8, out v));
        Assert.Equal(999_999_999_999_999_999L, v);
        foreach (string bad in new[] { "", "+1", "-1", " 1", "1 ", "1,0", "0x1", "1000000000000000000", "١" })
            Assert.False(HttpHeadParser.TryParseDecimal(Encoding.UTF8.GetBytes(bad), out _), bad);
    }

    [Fact]
    public void TokenChars_AreExactlyRfc9110Tchar()
    {
        const string tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int b = 0; b < 256; b++)
            Assert.Equal(tchar.Contains((char)b), HttpHeadParser.IsTokenChar((byte)b));
    }

    // ---------------------------------------------------------------- findings

    /// <summary>
    /// RFC 9112 3.2: a server MUST respond 400 to a request whose Host field value is invalid
    /// (Host = uri-host [ ":" port ], RFC 9110 7.2). The parser takes any value; recd does not use
    /// Host for routing, so this is an RFC-conformance gap rather than an exploitable one.
    /// </summary>
    [Theory]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("x:port")]
    [InlineData("[::1")]
    [InlineData("user@host")]
    public void InvalidHostValue_Is400(string host)
    {
        Assert.Equal(ParseStatus.Invalid, Parse(Bytes($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"), out _, out var error, out _));
        Assert.Equal(400, error.Status);
    }
}
