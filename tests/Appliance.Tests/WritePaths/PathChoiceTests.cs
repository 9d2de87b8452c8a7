using Recd.Board;
using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Recordings;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

/// <summary>
/// The candidate grammar "kind[/size][@batch]": labels without a batch part are unchanged (learned
/// costs, manifests and benches key on them), a batch part round-trips, and bad batches are refused
/// at start-up with the reason.
/// </summary>
public class PathChoiceTests
{
    private static readonly WritePathOptions Profile = new(); // BatchBytes 256K, no ReceiveBufferBytes

    public static TheoryData<string, string> Labels() => new()
    {
        { "splice/1M", "splice/1M" },
        { "direct", "direct/4M" },
        { "buffered/256K", "buffered/256K" },
        { "splice/1M@1M", "splice/1M@1M" },
        { "direct/4M@64K", "direct/4M@64K" },
        { "buffered/256K@off", "buffered/256K@off" },
        { "Buffered/256k@OFF", "buffered/256K@off" },
        { "direct@65536", "direct/4M@64K" },
        { "splice/1M@256K", "splice/1M" },       // the profile's batch is the profile's: one label
        { "splice/1M@262144", "splice/1M" },
        { "splice/5000@4000", "splice/5000@4000" },
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void ALabelRoundTrips(string text, string label)
    {
        Assert.True(PathChoice.TryParse(text, Profile, out var c, out string why), why);
        Assert.Equal(label, c.Label);
        Assert.True(PathChoice.TryParse(c.Label, Profile, out var again));
        Assert.Equal(c, again);
        Assert.Equal(c.Label, again.Label);
    }

    [Fact]
    public void ABatchPartIsAValueAndResolvesAgainstTheProfile()
    {
        Assert.True(PathChoice.TryParse("splice/1M", Profile, out var plain));
        Assert.Equal(BatchPart.Profile, plain.Batch);
        Assert.Equal(new PathChoice(WritePathKind.Splice, 1 << 20), plain); // what code built before batches
        Assert.Equal(256 << 10, plain.Batch.Resolve(Profile));
        Assert.True(PathChoice.TryParse("splice/1M@64K", Profile, out var small));
        Assert.NotEqual(plain, small); // two candidates, two labels, two learned costs
        Assert.Equal(64 << 10, small.Batch.Resolve(Profile));
        Assert.True(PathChoice.TryParse("splice/1M@off", Profile, out var off));
        Assert.Equal(BatchSource.Off, off.Batch.Source);
        Assert.Equal(0, off.Batch.Resolve(Profile));
        // On a profile with batching off, "@off" is that profile's setting and the plain label.
        var noBatch = new WritePathOptions { BatchBytes = 0 };
        Assert.True(PathChoice.TryParse("splice/1M@off", noBatch, out var offOnOff));
        Assert.Equal("splice/1M", offOnOff.Label);
    }

    public static TheoryData<string, string> Rejected() => new()
    {
        { "splice/1M@", "batch ''" },
        { "splice/1M@0", "batch '0'" },
        { "splice/1M@-4K", "batch '-4K'" },
        { "splice/1M@fast", "batch 'fast'" },
        { "splice/1M@64K@1M", "more than one '@'" },
        { "splice/1M@17M", "above 16M" },
        { "pipe/1M@64K", "'pipe' is not" },
        { "direct/4097@64K", "multiple of 4096" },
        { "@64K", "'' is not" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void ABadBatchIsRefusedWithItsReason(string text, string reason)
    {
        Assert.False(PathChoice.TryParse(text, Profile, out _, out string why));
        Assert.Contains(reason, why);
    }

    [Fact]
    public void ABatchTheReceiveBufferCannotHoldIsRefused()
    {
        // generic-arm64: SO_RCVBUF 1 MiB; SO_RCVLOWAT beyond half of it may never be met.
        var arm = new WritePathOptions { ReceiveBufferBytes = 1 << 20 };
        Assert.True(PathChoice.TryParse("splice/1M@512K", arm, out _));
        Assert.False(PathChoice.TryParse("splice/1M@1M", arm, out _, out string why));
        Assert.Contains("ReceiveBufferBytes 1M", why);
    }

    [Fact]
    public void StartUpRefusesABadCandidateWithTheReason()
    {
        var p = new BoardProfile();
        p.WritePaths.ReceiveBufferBytes = 1 << 20;
        p.Selector.Candidates = ["buffered/256K", "splice/1M@2M"];
        var e = Assert.Throws<ArgumentException>(() => p.Validate());
        Assert.Contains("'splice/1M@2M'", e.Message);
        Assert.Contains("ReceiveBufferBytes", e.Message);

        using var dir = new Recd.Tests.Support.TempDir();
        var factory = new WritePathFactory(new WritePathOptions());
        var bad = new SelectorOptions { Candidates = ["direct/4M@nope"] };
        var e2 = Assert.Throws<ArgumentException>(() => new SelectionContext(bad, factory, dir.Path, dir.Path));
        Assert.Contains("batch 'nope'", e2.Message);
    }

    [Fact]
    public void CandidatesDifferingOnlyInBatchAreDistinctCandidates()
    {
        using var dir = new Recd.Tests.Support.TempDir();
        var factory = new WritePathFactory(new WritePathOptions());
        var options = new SelectorOptions { Candidates = ["buffered/256K@16K", "buffered/256K@64K", "buffered/256K", "buffered/256K@256K"] };
        var ctx = new SelectionContext(options, factory, dir.Path, dir.Path);
        // "@256K" is the profile's batch: the same candidate as the plain label, listed once.
        Assert.Equal(["buffered/256K@16K", "buffered/256K@64K", "buffered/256K"], ctx.Candidates.Select(c => c.Label));
    }
}
