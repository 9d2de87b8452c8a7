using System.Text;

namespace Recd.Ingest;

public enum ParseStatus { NeedMore, Complete, Invalid }

/// <summary>
/// A pure HTTP/1.x request-head parser over the bytes received so far (Kestrel's HttpParser shape):
/// owns no buffer and keeps no state between calls. Returns <see cref="ParseStatus.NeedMore"/>
/// for every proper prefix of a valid head, and rejects with the status the client should get.
/// Strict by design (RFC 9112): bare LF, obs-fold, whitespace before the colon, both
/// Content-Length and chunked, and duplicated framing headers are all request-smuggling shapes.
/// </summary>
public static class HttpHeadParser
{
    private static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    public static ParseStatus TryParse(ReadOnlySpan<byte> input, HttpLimits limits, RequestHead head,
        out int consumed, out HttpError error)
    {
        consumed = 0;
        error = default;

        // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line
        // (some clients send a stray CRLF after a body).
        int start = 0;
        while (start + 1 < input.Length && input[start] == '\r' && input[start + 1] == '\n' && start < 8)
            start += 2;

        // Find the end of the head, catching bare LF and the limits as early as possible so a
        // hostile client is answered at once rather than after the header timeout.
        int limit = Math.Min(input.Length, limits.MaxHeaderBytes);
        int end = -1;
        int lineStart = start;
        bool firstLine = true;
        for (int i = start; i < limit; i++)
        {
            if (input[i] != '\n') continue;
            if (i == start || input[i - 1] != '\r') return Fail(out error, 400, "bare LF in request head");
            if (firstLine && i - start > limits.MaxRequestLineBytes) return Fail(out error, 414, "request line too long");
            if (i == lineStart + 1 && !firstLine) { end = i + 1; break; }
            firstLine = false;
            lineStart = i + 1;
        }
        if (end < 0)
        {
            if (firstLine && limit - start > limits.MaxRequestLineBytes) return Fail(out error, 414, "request line too long");
            if (input.Length >= limits.MaxHeaderBytes) return Fail(out error, 431, "request head too large");
            return ParseStatus.NeedMore;
        }

        head.Reset();
        var lines = input[start..end];
        int lf = lines.IndexOf((byte)'\n');
        if (!ParseRequestLine(lines[..(lf - 1)], head, out error)) return ParseStatus.Invalid;
        lines = lines[(lf + 1)..];

        while (true)
        {
            lf = lines.IndexOf((byte)'\n');
            var line = lines[..(lf - 1)];
            lines = lines[(lf + 1)..];
            if (line.IsEmpty) break;
            if (++head.HeaderCount > limits.MaxHeaderCount) return Fail(out error, 431, "too many header fields");
            if (!ParseHeaderLine(line, head, out error)) return ParseStatus.Invalid;
        }

        if (head.Chunked && head.ContentLength >= 0)
            return Fail(out error, 400, "both Content-Length and Transfer-Encoding");
        if (head.Chunked && head.MinorVersion == 0)
            return Fail(out error, 400, "Transfer-Encoding in HTTP/1.0");
        if (head.MinorVersion == 1 && head.Host is null)
            return Fail(out error, 400, "missing Host header");

        consumed = end;
        return ParseStatus.Complete;
    }

    private static bool ParseRequestLine(ReadOnlySpan<byte> line, RequestHead head, out HttpError error)
    {
        error = default;
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0) return Reject(out error, 400, "malformed request line");
        var method = line[..sp1];
        foreach (byte b in method)
            if (!IsTokenChar(b)) return Reject(out error, 400, "malformed method");

        var rest = line[(sp1 + 1)..];
        int sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0) return Reject(out error, 400, "malformed request line");
        var target = rest[..sp2];
        var version = rest[(sp2 + 1)..];

        foreach (byte b in target)
            if (b <= 0x20 || b >= 0x7F) return Reject(out error, 400, "invalid character in request target");
        if (target[0] != '/') return Reject(out error, 400, "request target must be origin-form");
        if (target.IndexOf((byte)'#') >= 0) return Reject(out error, 400, "fragment in request target");

        if (version.SequenceEqual("HTTP/1.1"u8)) head.MinorVersion = 1;
        else if (version.SequenceEqual("HTTP/1.0"u8)) head.MinorVersion = 0;
        else if (version.Length == 8 && version.StartsWith("HTTP/"u8) && IsDigit(version[5]) && version[6] == '.' && IsDigit(version[7]))
            return Reject(out error, 505, "HTTP version not supported");
        else return Reject(out error, 400, "malformed HTTP version");

        head.Method = Encoding.ASCII.GetString(method);
        head.Kind = head.Method switch
        {
            "GET" => RequestMethod.Get,
            "HEAD" => RequestMethod.Head,
            "PUT" => RequestMethod.Put,
            "DELETE" => RequestMethod.Delete,
            "POST" => RequestMethod.Post,
            _ => RequestMethod.Other,
        };
        head.Target = Encoding.ASCII.GetString(target);
        int q = head.Target.IndexOf('?');
        head.Path = q < 0 ? head.Target : head.Target[..q];
        head.Query = q < 0 ? "" : head.Target[(q + 1)..];
        return true;
    }

    private static bool ParseHeaderLine(ReadOnlySpan<byte> line, RequestHead head, out HttpError error)
    {
        error = default;
        if (line[0] == ' ' || line[0] == '\t') return Reject(out error, 400, "obsolete line folding");
        int colon = line.IndexOf((byte)':');
        if (colon <= 0) return Reject(out error, 400, "malformed header field");
        var name = line[..colon];
        foreach (byte b in name)
            if (!IsTokenChar(b)) return Reject(out error, 400, "invalid header field name");
        var value = TrimOws(line[(colon + 1)..]);
        foreach (byte b in value)
            if ((b < 0x20 && b != '\t') || b == 0x7F) return Reject(out error, 400, "invalid character in header value");

        if (EqualsIgnoreCase(name, "host"u8))
        {
            if (head.Host is not null) return Reject(out error, 400, "duplicate Host");
            if (!IsValidHost(value)) return Reject(out error, 400, "invalid Host");
            head.Host = Encoding.Latin1.GetString(value);
        }
        else if (EqualsIgnoreCase(name, "content-length"u8))
        {
            if (head.ContentLength >= 0) return Reject(out error, 400, "duplicate Content-Length");
            if (!TryParseDecimal(value, out long length)) return Reject(out error, 400, "invalid Content-Length");
            head.ContentLength = length;
        }
        else if (EqualsIgnoreCase(name, "transfer-encoding"u8))
        {
            if (head.Chunked) return Reject(out error, 400, "duplicate Transfer-Encoding");
            if (!EqualsIgnoreCase(value, "chunked"u8)) return Reject(out error, 501, "unsupported transfer coding");
            head.Chunked = true;
        }
        else if (EqualsIgnoreCase(name, "expect"u8))
        {
            if (!EqualsIgnoreCase(value, "100-continue"u8)) return Reject(out error, 417, "unsupported expectation");
            head.ExpectContinue = true;
        }
        else if (EqualsIgnoreCase(name, "connection"u8))
        {
            foreach (var token in Encoding.ASCII.GetString(value).Split(',', StringSplitOptions.TrimEntries))
            {
                if (token.Equals("close", StringComparison.OrdinalIgnoreCase)) head.ConnectionClose = true;
                else if (token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)) head.ConnectionKeepAlive = true;
            }
        }
        else if (EqualsIgnoreCase(name, "content-range"u8))
        {
            if (head.ContentRange is not null) return Reject(out error, 400, "duplicate Content-Range");
            head.ContentRange = Encoding.ASCII.GetString(value);
        }
        else if (EqualsIgnoreCase(name, "range"u8))
        {
            if (head.Range is not null) return Reject(out error, 400, "duplicate Range");
            head.Range = Encoding.ASCII.GetString(value);
        }
        else if (EqualsIgnoreCase(name, "authorization"u8))
        {
            if (head.Authorization is not null) return Reject(out error, 400, "duplicate Authorization");
            head.Authorization = Encoding.Latin1.GetString(value);
        }
        return true;
    }

    /// <summary>
    /// RFC 9110 7.2: Host = uri-host [ ":" port ]; uri-host is an IP-literal in brackets or a reg-name
    /// (unreserved / pct-encoded / sub-delims). Empty is allowed (RFC 9112 3.2.1 "empty Host").
    /// </summary>
    internal static bool IsValidHost(ReadOnlySpan<byte> v)
    {
        int i = 0;
        if (!v.IsEmpty && v[0] == '[')
        {
            int close = v.IndexOf((byte)']');
            if (close < 0) return false;
            foreach (byte b in v[1..close])
                if (!(IsHexDigit(b) || b == ':' || b == '.' || b == 'v' || b == 'V')) return false;
            i = close + 1;
        }
        else
        {
            while (i < v.Length && v[i] != ':')
            {
                byte b = v[i++];
                bool regName = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || IsDigit(b) ||
                    b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~' or (byte)'%' or (byte)'!' or (byte)'$' or
                        (byte)'&' or (byte)'\'' or (byte)'(' or (byte)')' or (byte)'*' or (byte)'+' or (byte)',' or (byte)';' or (byte)'=';
                if (!regName) return false;
            }
        }
        if (i == v.Length) return true;
        if (v[i] != ':') return false;
        foreach (byte b in v[(i + 1)..])
            if (!IsDigit(b)) return false;
        return true;
    }

    private static bool IsHexDigit(byte b) => IsDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');

    /// <summary>1*DIGIT that fits a signed 64-bit value; no sign, no spaces, no commas.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 18) return false; // 18 digits cannot overflow long
        foreach (byte b in digits)
        {
            if (!IsDigit(b)) return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    private static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> s)
    {
        int a = 0, b = s.Length;
        while (a < b && (s[a] == ' ' || s[a] == '\t')) a++;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
        return s[a..b];
    }

    private static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> lowerB)
    {
        if (a.Length != lowerB.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if ((a[i] | 0x20) != lowerB[i] && a[i] != lowerB[i]) return false;
        return true;
    }

    internal static bool IsDigit(byte b) => b >= '0' && b <= '9';

    /// <summary>RFC 9110 tchar.</summary>
    internal static bool IsTokenChar(byte b) =>
        (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || IsDigit(b) ||
        b is (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or
            (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';

    private static ParseStatus Fail(out HttpError error, int status, string reason)
    {
        error = new HttpError(status, reason);
        return ParseStatus.Invalid;
    }

    private static bool Reject(out HttpError error, int status, string reason)
    {
        error = new HttpError(status, reason);
        return false;
    }
}
