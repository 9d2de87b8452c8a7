using System.Net;
using Recd.Ingest;
using Recd.Tests.Support;

namespace Recd.Tests.Diagnostics;

public class MetricsAccessTests
{
    private static RequestHead Get(string path, string? auth) => new() { Kind = RequestMethod.Get, Method = "GET", Path = path, Authorization = auth };
    private static readonly IPAddress Local = IPAddress.Loopback;

    [Fact]
    public void MetricsTokenGuardsMetricsOnly()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("token"), "write-token-0123456789\n");
        File.WriteAllText(dir.File("metrics"), "scrape-token-0123456789\n");
        var policy = new AccessPolicy(new AccessOptions { TokenFile = dir.File("token"), MetricsTokenFile = dir.File("metrics") });
        Assert.Null(policy.Check(Get("/metrics", "Bearer scrape-token-0123456789"), Local));
        Assert.Equal(401, policy.Check(Get("/metrics", null), Local)?.Status);
        // The writers' token is not the scraper's, and the scraper's opens nothing else.
        Assert.Equal(401, policy.Check(Get("/metrics", "Bearer write-token-0123456789"), Local)?.Status);
        Assert.Null(policy.Check(Get("/recordings", null), Local)); // reads stay open without TokenForReads
        var put = new RequestHead { Kind = RequestMethod.Put, Method = "PUT", Path = "/recordings/a.ts", Authorization = "Bearer scrape-token-0123456789" };
        Assert.Equal(401, policy.Check(put, Local)?.Status);
    }

    [Fact]
    public void WithoutItsOwnTokenMetricsFollowTheReadsRule()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("token"), "write-token-0123456789");
        var open = new AccessPolicy(new AccessOptions { TokenFile = dir.File("token") });
        Assert.Null(open.Check(Get("/metrics", null), Local));
        var reads = new AccessPolicy(new AccessOptions { TokenFile = dir.File("token"), TokenForReads = true });
        Assert.Equal(401, reads.Check(Get("/metrics", null), Local)?.Status);
        Assert.Null(reads.Check(Get("/metrics", "Bearer write-token-0123456789"), Local));
    }

    [Fact]
    public void AllowedNetworksApplyToMetricsToo()
    {
        var policy = new AccessPolicy(new AccessOptions { AllowedNetworks = ["192.168.1.0/24"] });
        Assert.Equal(403, policy.Check(Get("/metrics", null), Local)?.Status);
    }

    [Fact]
    public void ShortMetricsTokenIsRefusedAtStart()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("metrics"), "short");
        Assert.Throws<ArgumentException>(() => new AccessPolicy(new AccessOptions { MetricsTokenFile = dir.File("metrics") }));
    }
}
