namespace Recd.Ingest;

/// <summary>Request limits. Defaults carry their origin.</summary>
public sealed class HttpLimits
{
    /// <summary>8 KiB request line, as Kestrel and nginx's default large_client_header_buffers.</summary>
    public int MaxRequestLineBytes { get; set; } = 8 * 1024;

    /// <summary>32 KiB for the whole head (Kestrel MaxRequestHeadersTotalSize).</summary>
    public int MaxHeaderBytes { get; set; } = 32 * 1024;

    /// <summary>100 header fields, Apache LimitRequestFields.</summary>
    public int MaxHeaderCount { get; set; } = 100;

    /// <summary>Recording names are one path segment; 128 bytes stays far below NAME_MAX (255) with the manifest prefix.</summary>
    public int MaxNameLength { get; set; } = 128;

    /// <summary>Chunk-size line including extensions (Kestrel allows similar, nginx 4 KiB).</summary>
    public int MaxChunkLineBytes { get; set; } = 4096;

    /// <summary>Whole head must arrive within this time: slowloris guard.</summary>
    public int HeaderTimeoutMs { get; set; } = 10_000;

    /// <summary>Idle time allowed between keep-alive requests.</summary>
    public int KeepAliveTimeoutMs { get; set; } = 15_000;

    /// <summary>No body byte for this long ends the transfer (VDR treats 30 s without data as a broken stream).</summary>
    public int BodyIdleTimeoutMs { get; set; } = 30_000;

    /// <summary>
    /// Clients at once. At the limit the stalest connection that is not receiving a recording (idle,
    /// waiting for a head, or a reader that stopped taking its response) is closed for the newcomer.
    /// </summary>
    public int MaxConnections { get; set; } = 64;

    /// <summary>
    /// Slots readers and idle keep-alive connections may not take: they hold at most MaxConnections
    /// minus this (clamped to MaxConnections - 1), so that many recordings can start without closing
    /// anyone. 4: the tuners of a large set-top box, each recording at once.
    /// </summary>
    public int RecordingReserve { get; set; } = 4;

    /// <summary>
    /// A request body must average at least this many bytes a second after the grace period, or
    /// the connection is closed (0: off). 240 B/s after 5 s is Kestrel's MinRequestBodyDataRate.
    /// Time in which the kernel holds body bytes recd has not read yet does not count against the client.
    /// </summary>
    public int MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>Kestrel's MinRequestBodyDataRate grace period: no body is judged before this.</summary>
    public int MinRequestBodyGraceMs { get; set; } = 5_000;

    /// <summary>
    /// A response must be taken at this rate; a client that falls more than the grace period's worth
    /// of bytes behind it is closed (0: off). 240 B/s after 5 s is Kestrel's MinResponseDataRate.
    /// Unlike a body's average, a response earns no credit: a player that paused after reading an
    /// hour of video fast would otherwise hold its slot for weeks. Time in which recd's send queue
    /// is empty (the disk is slow, not the client) does not count.
    /// </summary>
    public int MinResponseBytesPerSecond { get; set; } = 240;

    /// <summary>Kestrel's MinResponseDataRate grace period: how long a response may stall outright.</summary>
    public int MinResponseGraceMs { get; set; } = 5_000;

    /// <summary>
    /// SO_SNDTIMEO: a send (or sendfile) that moves nothing for this long ends the response, the
    /// bound that still holds with the rates off. 30 s, as the body idle timeout (nginx send_timeout is 60 s).
    /// </summary>
    public int SendTimeoutMs { get; set; } = 30_000;
}
