using Recd.Diagnostics;
using Recd.Ingest;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.WritePaths;

namespace Recd.Tests.Diagnostics;

public class MetricsCollectorTests
{
    private static Dictionary<string, string> Samples(string text)
    {
        var samples = new Dictionary<string, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            int space = line.LastIndexOf(' ');
            samples.Add(line[..space], line[(space + 1)..]); // Add: a duplicate series throws
        }
        return samples;
    }

    private static string Render(StoreFixture f) =>
        new Metrics(f.Store, new IngestListener(new ListenOptions(), new HttpLimits(), new RecordingsEndpoint(f.Store)), DateTimeOffset.UtcNow).Collect().Render();

    [Fact]
    public void BytesCountWhileRecordingAndStayCountedOnceFinished()
    {
        using var f = new StoreFixture();
        var rec = f.Begin("a.ts", WritePathKind.Buffered);
        rec.WriteFromBuffer(new byte[1000]);
        // Before a snapshot is published the live count is the begin snapshot's: nothing yet, never more.
        Assert.False(Samples(Render(f)).ContainsKey("recd_received_bytes_total{path=\"memory\"}"));
        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
        var after = Samples(Render(f));
        Assert.Equal("1000", after["recd_received_bytes_total{path=\"memory\"}"]);
        Assert.Equal("1", after["recd_recordings{state=\"complete\"}"]);
        Assert.Equal("0", after["recd_active_recordings"]);

        // A resume counts only what this transfer received, not the bytes the manifest already had.
        var resumed = f.Begin("a.ts", WritePathKind.Buffered, BeginMode.Resume, 1000);
        Assert.Equal("1000", Samples(Render(f))["recd_received_bytes_total{path=\"memory\"}"]);
        Assert.Equal("1", Samples(Render(f))["recd_active_recordings"]);
        resumed.WriteFromBuffer(new byte[500]);
        resumed.Finish(RecordingStates.Complete, null);
        resumed.Dispose();
        Assert.Equal("1500", Samples(Render(f))["recd_received_bytes_total{path=\"memory\"}"]);
    }

    [Fact]
    public void EveryFamilyOnceAndStorageFiguresPresent()
    {
        using var f = new StoreFixture();
        string text = Render(f);
        var help = text.Split('\n').Where(l => l.StartsWith("# HELP ")).Select(l => l.Split(' ')[2]).ToList();
        Assert.Equal(help.Count, help.Distinct().Count());
        var s = Samples(text);
        Assert.True(long.Parse(s["recd_storage_size_bytes"]) > 0);
        Assert.True(long.Parse(s["recd_storage_reserve_bytes"]) >= SpaceGuard.ManifestFloorBytes);
        Assert.Contains("recd_build_info{", string.Join('\n', s.Keys));
    }
}
