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

    public int MaxConnections { get; set; } = 64;
}
