using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Recd.Ingest;

/// <summary>
/// Decides, before any routing, whether a request may proceed: 403 for a client outside the allowed
/// networks, 401 for a missing or wrong token. Checked before names are looked up, so the answer says
/// nothing about which recordings exist.
/// </summary>
public sealed class AccessPolicy
{
    private readonly byte[]? _token;
    private readonly byte[]? _metricsToken;
    private readonly bool _tokenForReads;
    private readonly (IPAddress Network, int Prefix)[] _networks;

    public AccessPolicy(AccessOptions options)
    {
        _tokenForReads = options.TokenForReads;
        _token = ReadToken(options.TokenFile, "Access:TokenFile");
        _metricsToken = ReadToken(options.MetricsTokenFile, "Access:MetricsTokenFile");
        _networks = options.AllowedNetworks.Select(ParseCidr).ToArray();
    }

    private static byte[]? ReadToken(string? file, string key)
    {
        if (string.IsNullOrEmpty(file)) return null;
        string token = File.ReadAllText(file).Trim();
        if (token.Length < 16) throw new ArgumentException($"{key} {file}: the token must be at least 16 characters");
        return Encoding.UTF8.GetBytes(token);
    }

    /// <summary>The metrics resource, which <see cref="Check"/> guards with its own token when one is set.</summary>
    public const string MetricsPath = "/metrics";

    public static AccessPolicy Open { get; } = new(new AccessOptions());

    public bool HasToken => _token is not null;

    public static (IPAddress, int) ParseCidr(string text)
    {
        var parts = text.Trim().Split('/', 2);
        if (!IPAddress.TryParse(parts[0], out var address))
            throw new ArgumentException($"Access:AllowedNetworks: '{text}' is not an address or CIDR");
        int max = address.GetAddressBytes().Length * 8;
        int prefix = max;
        if (parts.Length == 2 && (!int.TryParse(parts[1], out prefix) || prefix < 0 || prefix > max))
            throw new ArgumentException($"Access:AllowedNetworks: bad prefix length in '{text}'");
        return (address, prefix);
    }

    public bool IsAllowed(IPAddress? client)
    {
        if (_networks.Length == 0) return true;
        if (client is null) return false;
        if (client.IsIPv4MappedToIPv6) client = client.MapToIPv4();
        var bytes = client.GetAddressBytes();
        foreach (var (network, prefix) in _networks)
        {
            var net = network.GetAddressBytes();
            if (net.Length != bytes.Length) continue;
            int full = prefix / 8, rest = prefix % 8;
            if (!bytes.AsSpan(0, full).SequenceEqual(net.AsSpan(0, full))) continue;
            if (rest == 0 || ((bytes[full] ^ net[full]) & (0xFF << (8 - rest)) & 0xFF) == 0) return true;
        }
        return false;
    }

    /// <summary>Null when the request may go on, else the response to give.</summary>
    public Response? Check(RequestHead head, IPAddress? client)
    {
        if (!IsAllowed(client)) return Response.Error(403, "forbidden");
        bool read = head.Kind is RequestMethod.Get or RequestMethod.Head;
        if (_metricsToken is not null && read && head.Path == MetricsPath)
            return TokenMatches(head.Authorization, _metricsToken) ? null : Unauthorized();
        if (_token is null) return null;
        if (read && !_tokenForReads) return null;
        if (TokenMatches(head.Authorization, _token)) return null;
        return Unauthorized();
    }

    private static Response Unauthorized() =>
        Response.Error(401, "a bearer token is required").Header("WWW-Authenticate", "Bearer realm=\"recd\"");

    private static bool TokenMatches(string? authorization, byte[] token)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim());
        // Constant time in the token's content: a byte-by-byte early exit would leak its prefix.
        return CryptographicOperations.FixedTimeEquals(presented, token);
    }
}
