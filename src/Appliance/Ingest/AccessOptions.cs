namespace Recd.Ingest;

/// <summary>Who may talk to recd, from the profile's "Access" section. Empty = open (the host profile).</summary>
public sealed class AccessOptions
{
    /// <summary>
    /// File holding the bearer token (the profile names the file; the secret never sits in the JSON).
    /// When set, PUT and DELETE need "Authorization: Bearer TOKEN".
    /// </summary>
    public string? TokenFile { get; set; }

    /// <summary>Also require the token for GET and HEAD (listing and playback).</summary>
    public bool TokenForReads { get; set; }

    /// <summary>
    /// File holding the bearer token GET /metrics needs (a scraper gets its own secret, not the one
    /// that can delete recordings). Unset: /metrics follows the rule for reads (TokenForReads).
    /// </summary>
    public string? MetricsTokenFile { get; set; }

    /// <summary>Client networks allowed to connect, as CIDR ("192.168.1.0/24", "127.0.0.1/32", "::1/128"). Empty = any.</summary>
    public List<string> AllowedNetworks { get; set; } = [];
}
