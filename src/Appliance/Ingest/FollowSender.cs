using System.Text;
using Recd.Interop;
using Recd.Logging;
using Recd.Recordings;

namespace Recd.Ingest;

/// <summary>
/// Chase play (GET ...?follow=1): serves a recording while it is written, as chunked transfer
/// coding, up to what the transfer thread has written (<see cref="RecordingProgress.Written"/>,
/// possibly not yet fdatasync'ed), then the new bytes as they land, until the recording ends.
/// The follower only reads two atomic values the data path publishes anyway: a recording never
/// waits for a follower, however slow or many.
/// </summary>
public sealed class FollowSender
{
    /// <summary>
    /// How often a waiting follower looks for new bytes. A 5 Mbit/s stream writes ~90 KB per 150 ms,
    /// a player's buffer holds seconds: shorter costs wake-ups for nothing, longer shows as a stutter
    /// at the live edge.
    /// </summary>
    internal const int PollIntervalMs = 150;

    /// <summary>Largest chunk put on the wire at once: bounds how long one sendfile keeps the thread from seeing the client go.</summary>
    private const long MaxChunk = 4 << 20;

    /// <summary>
    /// send(2) flag: hold the chunk-size line back until sendfile's data follows it in the same
    /// segments (sendfile itself pushes when it returns). Not in Interop/Libc.Socket.cs yet; asm-generic value.
    /// </summary>
    private const int MSG_MORE = 0x8000;

    private readonly RecordingStore _store;
    private readonly ClientSocket _socket;
    private readonly string _name;
    private readonly Manifest _opened;
    private readonly int _fd;
    private readonly RecordingProgress? _progress;
    private bool _chunkOpen;
    private bool _pipelined;

    public FollowSender(RecordingStore store, ClientSocket socket, string name, Manifest opened, int fd, RecordingProgress? progress)
    {
        _store = store;
        _socket = socket;
        _name = name;
        _opened = opened;
        _fd = fd;
        _progress = progress;
    }

    /// <summary>Bytes of the recording sent so far (data only, not framing).</summary>
    public long Sent { get; private set; }

    /// <summary>
    /// Answers the request. Returns whether the connection may carry another request: only after a
    /// body that ended with its terminating chunk, on a keep-alive connection.
    /// </summary>
    public bool Serve(RequestHead head)
    {
        // Chunked coding is HTTP/1.1 (RFC 9112 7); a 1.0 body of unknown length could only be ended
        // by closing, which cannot tell an interrupted tail from a complete one.
        if (head.MinorVersion < 1)
            return ResponseWriter.Send(_socket, head, Response.Error(400, "follow needs HTTP/1.1 (chunked transfer coding)"));

        long available = _progress?.Written ?? _opened.CommittedLength;
        if (!TryStart(head.Range, available, _progress is not null, out long first, out bool partial, out string? refusal))
            return ResponseWriter.Send(_socket, head, Response.Error(416, refusal!)
                .Header("Content-Range", $"bytes */{available}")
                .Header("Recd-Committed-Length", _opened.CommittedLength.ToString()));

        bool close = !head.KeepAlive;
        if (!_socket.SendAll(Head(partial, first, close))) return false;
        if (head.Kind == RequestMethod.Head) return !close;

        var end = Stream(first);
        switch (end)
        {
            case Ending.Terminated:
                return !close;
            case Ending.BeyondCommitted:
                Log.Warn($"{_socket.Remote}: GET {_name} follow: the recording ended at fewer bytes than this follower was sent ({first + Sent}): closed without the last chunk, so the client sees an incomplete body");
                return false;
            case Ending.Unknown:
                Log.Warn($"{_socket.Remote}: GET {_name} follow: the recording was deleted or replaced before its end was seen: closed without the last chunk after {Sent} bytes");
                return false;
            default:
                Log.Info($"{_socket.Remote}: GET {_name} follow: stopped after {Sent} bytes ({end})");
                return false;
        }
    }

    private enum Ending { Terminated, BeyondCommitted, Unknown, ClientGone, SendFailed }

    /// <summary>
    /// Where the body starts. Only open-ended ranges make sense on a body whose end is not known yet:
    /// "bytes=A-" (A up to the bytes written so far: A equal to them joins at the live edge) and
    /// "bytes=-N" (the last N bytes written so far, then on). "bytes=A-B" is refused with 416: a
    /// closed range of a recording in progress is a plain GET once those bytes are committed, and a
    /// follower that stops at B would be a request blocking on a byte nobody promised. A malformed
    /// or multiple range is ignored (RFC 9110 14.2), as a plain GET ignores it.
    /// </summary>
    internal static bool TryStart(string? range, long available, bool live, out long first, out bool partial, out string? refusal)
    {
        first = 0;
        partial = false;
        refusal = null;
        if (range is null || !range.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase)) return true;
        var spec = range.AsSpan(6).Trim();
        int dash = spec.IndexOf('-');
        if (dash < 0 || spec.IndexOf(',') >= 0) return true;
        var a = spec[..dash].Trim();
        var b = spec[(dash + 1)..].Trim();
        if (a.IsEmpty)
        {
            if (!ContentRangeHeader.TryParsePosition(b, out long suffix)) return true;
            if (suffix == 0) { refusal = "bytes=-0 selects nothing"; return false; }
            first = Math.Max(0, available - suffix);
            partial = true;
            return true;
        }
        if (!ContentRangeHeader.TryParsePosition(a, out long start)) return true;
        if (!b.IsEmpty)
        {
            if (!ContentRangeHeader.TryParsePosition(b, out _)) return true;
            refusal = "follow serves open-ended ranges only (bytes=A- or bytes=-N)";
            return false;
        }
        // A finished recording grows no more: a start at its end selects nothing, as without follow.
        if (start > available || (!live && start == available))
        {
            refusal = $"range starts past the {available} bytes written";
            return false;
        }
        first = start;
        partial = true;
        return true;
    }

    /// <summary>
    /// Response.Head always states a Content-Length, which a growing body cannot have: this head is
    /// written here. A ranged follow answers 206 without Content-Range, against RFC 9110 15.3.7's
    /// MUST: its grammar needs the last byte position, which does not exist yet, and any number put
    /// there would be a lie the client acts on. Recd-Follow-Start says where the body begins.
    /// </summary>
    private byte[] Head(bool partial, long first, bool close)
    {
        var sb = new StringBuilder(320);
        sb.Append(partial ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n");
        sb.Append("Server: recd\r\n");
        sb.Append("Content-Type: ").Append(_name.EndsWith(".ts", StringComparison.OrdinalIgnoreCase) ? "video/mp2t" : "application/octet-stream").Append("\r\n");
        sb.Append("Accept-Ranges: bytes\r\n");
        sb.Append("Recd-State: ").Append(_opened.State).Append("\r\n");
        sb.Append("Recd-Committed-Length: ").Append(_opened.CommittedLength).Append("\r\n");
        if (_opened.WritePath is not null) sb.Append("Recd-Write-Path: ").Append(_opened.WritePath).Append("\r\n");
        if (partial) sb.Append("Recd-Follow-Start: ").Append(first).Append("\r\n");
        // Caches must not keep a prefix of a growing recording as the recording.
        sb.Append("Cache-Control: no-store\r\n");
        sb.Append("Transfer-Encoding: chunked\r\n");
        if (close) sb.Append("Connection: close\r\n");
        sb.Append("\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>
    /// The body. Ended is read before Written: the transfer thread publishes its last length before
    /// it marks the end, so a length read after seeing the end is the final one.
    /// </summary>
    private Ending Stream(long first)
    {
        long pos = first;
        while (true)
        {
            bool ended = _progress?.Ended ?? true;
            long written = _progress?.Written ?? _opened.CommittedLength;
            if (ended) return Finish(pos, written);
            if (written > pos)
            {
                long n = Math.Min(written - pos, MaxChunk);
                if (!TrySendChunk(pos, n)) return Ending.SendFailed;
                pos += n;
                continue;
            }
            if (!Pause()) return Ending.ClientGone;
        }
    }

    /// <summary>
    /// The recording is over: serve up to its final committed length and terminate the body, unless
    /// this follower already has bytes past that length. Those were written, then not committed (a
    /// failed fdatasync or write: the recording is damaged at its last good length; a failed final
    /// manifest: interrupted at the previous commit). The terminating chunk would tell the client it
    /// holds the recording, and it holds bytes the recording does not: only closing without it
    /// (RFC 9112 7.1: an incomplete chunked message) lets the client tell.
    /// </summary>
    private Ending Finish(long pos, long written)
    {
        long final;
        if (_progress is null) final = _opened.CommittedLength;
        else
        {
            // The final snapshot is listed before the end is marked. Created tells it is this
            // recording's: after the end the name may already be deleted or replaced. A resume begun
            // since lists the same committed length at first; capping at what this transfer wrote
            // never hands out the resumed transfer's bytes.
            var m = _store.Find(_name);
            if (m is null || m.Created != _opened.Created) return Ending.Unknown;
            final = Math.Min(m.CommittedLength, written);
        }
        if (pos > final) return Ending.BeyondCommitted;
        while (pos < final)
        {
            long n = Math.Min(final - pos, MaxChunk);
            if (!TrySendChunk(pos, n)) return Ending.SendFailed;
            pos += n;
        }
        return SendFraming(_chunkOpen ? "\r\n0\r\n\r\n"u8 : "0\r\n\r\n"u8, more: false) ? Ending.Terminated : Ending.SendFailed;
    }

    private unsafe bool TrySendChunk(long pos, long n)
    {
        // The previous chunk's CRLF travels with this size line: a waiting follower leaves it unsent,
        // and sendfile has already pushed the data itself.
        Span<byte> line = stackalloc byte[24];
        int len = 0;
        if (_chunkOpen) { line[len++] = (byte)'\r'; line[len++] = (byte)'\n'; }
        n.TryFormat(line[len..], out int digits, "X");
        len += digits;
        line[len++] = (byte)'\r';
        line[len++] = (byte)'\n';
        if (!SendFraming(line[..len], more: true)) return false;
        _chunkOpen = true;
        int err = FileSender.TrySend(_socket, _fd, pos, n, out long sent);
        Sent += sent;
        if (err == 0) return true;
        Log.Warn($"{_socket.Remote}: GET {_name} follow: send stopped after {Sent} bytes ({Libc.ErrnoName(err)})");
        return false;
    }

    private unsafe bool SendFraming(ReadOnlySpan<byte> data, bool more)
    {
        int flags = Libc.MSG_NOSIGNAL | (more ? MSG_MORE : 0);
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint r = Libc.Send(_socket.Fd, p + done, (nuint)(data.Length - done), flags);
                if (r > 0) { done += (int)r; continue; }
                if (r < 0 && Libc.LastErrno == Libc.EINTR) continue;
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Waits one poll interval on the client socket instead of sleeping, so a follower of a stalled
    /// recording still notices the client closing (EOF) and the daemon stopping (IngestListener.Stop
    /// shuts the socket down both ways: POLLHUP) without a byte to send. Returns false for either.
    /// A client that half-closes is taken as gone: players do not, and otherwise a follower of a
    /// stalled recording would hold its connection until the recording ended. Bytes the client sent
    /// (a pipelined request) are left for the connection to read after this response; they keep the
    /// socket readable, so from then on only POLLHUP and POLLERR wake the wait.
    /// </summary>
    private unsafe bool Pause()
    {
        var pfd = new Libc.PollFd { Fd = _socket.Fd, Events = _pipelined ? (short)0 : Libc.POLLIN };
        int r = Libc.Poll(&pfd, 1, PollIntervalMs);
        if (r < 0) return Libc.LastErrno == Libc.EINTR;
        if (r == 0) return true;
        if ((pfd.REvents & (Libc.POLLHUP | Libc.POLLERR | Libc.POLLNVAL)) != 0) return false;
        if ((pfd.REvents & Libc.POLLIN) == 0) return true;
        byte b;
        nint n = Libc.Recv(_socket.Fd, &b, 1, Libc.MSG_PEEK | Libc.MSG_DONTWAIT);
        if (n > 0) { _pipelined = true; return true; }
        if (n < 0 && Libc.LastErrno is Libc.EAGAIN or Libc.EINTR) return true;
        return false;
    }
}
