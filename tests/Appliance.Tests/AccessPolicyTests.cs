using System.Net;
using Recd.Ingest;
using Recd.Tests.Support;

namespace Recd.Tests;

public class AccessPolicyTests
{
    [Theory]
    [InlineData("192.168.1.0/24", "192.168.1.77", true)]
    [InlineData("192.168.1.0/24", "192.168.2.1", false)]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("172.16.0.0/12", "172.32.0.1", false)]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("0.0.0.0/0", "8.8.8.8", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("fd00::/8", "fd12:3456::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("127.0.0.0/8", "::ffff:127.0.0.5", true)]
    public void AllowlistMatchesCidr(string network, string client, bool allowed)
    {
        var policy = new AccessPolicy(new AccessOptions { AllowedNetworks = [network] });
        Assert.Equal(allowed, policy.IsAllowed(IPAddress.Parse(client)));
    }

    [Theory]
    [InlineData("300.1.1.1/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("::1/129")]
    [InlineData("host.example/24")]
    public void BadNetworksAreRefusedAtStart(string network) =>
        Assert.Throws<ArgumentException>(() => new AccessPolicy(new AccessOptions { AllowedNetworks = [network] }));

    private static RequestHead Head(RequestMethod kind, string? auth) => new() { Kind = kind, Method = kind.ToString().ToUpperInvariant(), Authorization = auth };

    [Fact]
    public void TokenGuardsWritesAndOptionallyReads()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("token"), "s3cret-token-0123456789\n");
        var writesOnly = new AccessPolicy(new AccessOptions { TokenFile = dir.File("token") });
        var all = new AccessPolicy(new AccessOptions { TokenFile = dir.File("token"), TokenForReads = true });
        var local = IPAddress.Loopback;

        Assert.Equal(401, writesOnly.Check(Head(RequestMethod.Put, null), local)!.Status);
        Assert.Equal(401, writesOnly.Check(Head(RequestMethod.Put, "Bearer wrong"), local)!.Status);
        Assert.Equal(401, writesOnly.Check(Head(RequestMethod.Delete, "Basic czNjcmV0"), local)!.Status);
        Assert.Null(writesOnly.Check(Head(RequestMethod.Put, "Bearer s3cret-token-0123456789"), local));
        Assert.Null(writesOnly.Check(Head(RequestMethod.Put, "bearer s3cret-token-0123456789"), local));
        Assert.Null(writesOnly.Check(Head(RequestMethod.Get, null), local));
        Assert.Equal(401, all.Check(Head(RequestMethod.Get, null), local)!.Status);
        Assert.Null(all.Check(Head(RequestMethod.Head, "Bearer s3cret-token-0123456789"), local));
    }

    [Fact]
    public void AShortTokenIsAConfigurationError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("token"), "short");
        Assert.Throws<ArgumentException>(() => new AccessPolicy(new AccessOptions { TokenFile = dir.File("token") }));
    }
}
