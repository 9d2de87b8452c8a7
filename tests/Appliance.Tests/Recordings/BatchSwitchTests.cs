using Recd.Recordings;
using Recd.Selection;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

/// <summary>
/// The batch as a candidate dimension: an "auto" recording whose candidates differ only in their
/// "@batch" probes both (two labels, two costs), and the socket's SO_RCVLOWAT follows the candidate
/// the selector is on, over a real TCP connection at a trickle pace; the file stays sha256-exact.
/// </summary>
public class BatchSwitchTests
{
    public static TheoryData<string, int, string, int> Pairs() => new()
    {
        // buffered/256K reads 256 KiB at a time, so SO_RCVLOWAT is the batch itself.
        { "buffered/256K@16K", 16 << 10, "buffered/256K@64K", 64 << 10 },
        // @off: the socket is blocking again with SO_RCVLOWAT 1, and batched again after the switch back.
        { "buffered/256K@64K", 64 << 10, "buffered/256K@off", 1 },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void TheSocketsLowWaterMarkFollowsTheCandidate(string a, int lowatA, string b, int lowatB)
    {
        using var dir = new TempDir();
        var storage = new StorageOptions { Root = dir.Path, StateDir = Path.Combine(dir.Path, ".state"), CommitIntervalBytes = 64L << 20, CommitIntervalMs = 60_000 };
        // Windows of 256 KiB at ~1.2 MB/s: the probe round (a start window, 2 judged, a switch window, 2 judged) takes ~1.5 s.
        var selector = new SelectorOptions { Candidates = [a, b], WindowMs = 100, ProbeWindows = 2 };
        var paths = new WritePathOptions { BatchLatencyMs = 100 };
        var store = new RecordingStore(storage, new WritePathFactory(paths), selector);
        store.Recover();
        store.TryBegin("batch.ts", BeginMode.Create, 0, "test", PathPolicy.AutoPolicy, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"begin: errno {errno}");
        var s = rec!.Selector!;
        Assert.Equal([a, b], s.Choices.Select(c => c.Label));

        const int Segment = 1316;
        const long Size = 4600L * Segment; // ~6 MiB, ~5 s at one segment a millisecond
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, Size, [Segment], delayMs: 1);
        var seen = new List<(int Index, int Lowat)>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                int before = s.CurrentIndex, lowat = pair.ServerReceiveLowWater, after = s.CurrentIndex;
                // A sample taken across a switch is the socket between two choices: not the claim.
                if (before == after) lock (seen) seen.Add((before, lowat));
                Thread.Sleep(3);
            }
        }, TaskCreationOptions.LongRunning);

        ReceiveWhileSampling(rec, pair, Size, sender, stop, sampler);

        Assert.True(s.Switches >= 1, $"the selector never switched: {s.Reason}");
        int[] expected = [lowatA, lowatB];
        for (int i = 0; i < 2; i++)
        {
            var mine = seen.Where(x => x.Index == i).ToList();
            Assert.True(mine.Count >= 20, $"{s.Choices[i].Label}: {mine.Count} samples");
            // The wait after a switch sets the new batch within microseconds; the few samples between
            // the selector's choice and that wait show the previous one.
            int right = mine.Count(x => x.Lowat == expected[i]);
            Assert.True(right >= mine.Count * 9 / 10,
                $"{s.Choices[i].Label}: SO_RCVLOWAT {expected[i]} in {right} of {mine.Count} samples ({string.Join(",", mine.Select(x => x.Lowat).Distinct())})");
        }
        var m = store.Find("batch.ts")!;
        Assert.Equal(Size, m.CommittedLength);
        Assert.Equal(Size, m.BytesByPath!.Values.Sum());
        Assert.All(m.BytesByPath!.Keys, k => Assert.True(k == "memory" || k.Contains('@'), k));
        Assert.Equal(2, m.BytesByPath.Keys.Count(k => k.Contains('@')));
        Assert.Equal([a, b], m.Costs!.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Paths.Data("batch.ts")));
    }

    /// <summary>
    /// A fixed policy with a batch of its own (a request's ?path=direct@64K): the socket batches at
    /// that size, not the profile's, for the whole recording; bytes are keyed by the label with its
    /// batch, and the file is sha256-exact.
    /// </summary>
    [Theory]
    [InlineData("buffered@16K", "buffered/256K@16K", 16 << 10)]
    [InlineData("buffered/128K@off", "buffered/128K@off", 1)]
    public void AFixedPolicyBatchesAtItsOwnSize(string asked, string label, int lowat)
    {
        using var dir = new TempDir();
        var storage = new StorageOptions { Root = dir.Path, StateDir = Path.Combine(dir.Path, ".state"), CommitIntervalBytes = 64L << 20, CommitIntervalMs = 60_000 };
        var paths = new WritePathOptions { BatchLatencyMs = 100 };
        Assert.True(PathPolicy.TryParse(asked, paths, out var policy, out string why), why);
        Assert.Equal(label, policy.ToString());
        var store = new RecordingStore(storage, new WritePathFactory(paths), new SelectorOptions());
        store.Recover();
        store.TryBegin("fixed.ts", BeginMode.Create, 0, "test", policy, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"begin: errno {errno}");

        const int Segment = 1316;
        const long Size = 1500L * Segment; // ~2 MB, ~2 s at one segment a millisecond
        using var pair = new LoopbackPair();
        var sender = pair.SendPatternAsync(0, Size, [Segment], delayMs: 1);
        var seen = new List<int>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Factory.StartNew(() =>
        {
            while (!stop.IsCancellationRequested) { lock (seen) seen.Add(pair.ServerReceiveLowWater); Thread.Sleep(3); }
        }, TaskCreationOptions.LongRunning);
        ReceiveWhileSampling(rec!, pair, Size, sender, stop, sampler);

        // Before the body's first wait the socket has the kernel's default (1).
        int right = seen.Count(x => x == lowat);
        Assert.True(seen.Count >= 100 && right >= seen.Count * 9 / 10, $"SO_RCVLOWAT {lowat} in {right} of {seen.Count} samples ({string.Join(",", seen.Distinct())})");
        var m = store.Find("fixed.ts")!;
        Assert.Equal(Size, m.CommittedLength);
        Assert.Equal([label], m.BytesByPath!.Keys.Where(k => k != "memory"));
        Assert.Equal(Pattern.Sha256(Size), Pattern.FileSha256(store.Paths.Data("fixed.ts")));
    }

    [Theory]
    [InlineData("direct@3Q", "batch '3Q'")]
    [InlineData("splice/1M@64K@1M", "more than one '@'")]
    [InlineData("tape", "'tape' is not")]
    public void ARequestsPathIsRefusedWithItsReason(string asked, string reason)
    {
        Assert.False(PathPolicy.TryParse(asked, new WritePathOptions(), out _, out string why));
        Assert.Contains(reason, why);
    }

    /// <summary>Receives the whole body, stops the sampler, and completes the recording.</summary>
    private static void ReceiveWhileSampling(Recording rec, LoopbackPair pair, long size, Task sender, CancellationTokenSource stop, Task sampler)
    {
        var r = rec.Receive(pair.ServerFd, size);
        stop.Cancel();
        sampler.Wait();
        sender.Wait();
        Assert.Equal(new MoveResult(size, MoveStatus.Completed), r);
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
    }
}
