using Recd.Selection;

namespace Recd.Tests.Selection;

/// <summary>One smoothing rule for every path's measurements, auto or fixed.</summary>
public class PathCostTests
{
    private static CostSample Window(double nsPerByte, double bytesPerSecond, bool backlogged)
    {
        const long bytes = 8 << 20;
        return new CostSample(bytes, (long)(nsPerByte * bytes), (long)(bytes / bytesPerSecond * 1e9), 0, backlogged);
    }

    [Fact]
    public void First_windows_replace_the_estimate_later_ones_move_it_by_30_percent()
    {
        var c = new PathCost { NsPerByte = double.NaN };
        c.Add(Window(1.0, 100e6, false), 1.0);
        Assert.Equal(1.0, c.NsPerByte, 6);
        c.Add(Window(2.0, 200e6, false), 2.0);
        Assert.Equal(1.5, c.NsPerByte, 6);          // mean of the first two
        Assert.Equal(150e6, c.BytesPerSecond, 0);
        c.Add(Window(3.0, 300e6, false), 3.0);
        Assert.Equal(1.5 + 0.3 * 1.5, c.NsPerByte, 6);
        Assert.Equal(3, c.Windows);
    }

    [Fact]
    public void Backlog_share_follows_the_windows_and_decides_kept_up()
    {
        var c = new PathCost { NsPerByte = double.NaN };
        c.Add(Window(1, 1e9, true), 1);
        Assert.Equal(1.0, c.BacklogShare);
        Assert.False(c.KeptUp);
        c.Add(Window(1, 1e9, false), 1);
        Assert.Equal(0.5, c.BacklogShare);
        c.Add(Window(1, 1e9, false), 1);
        Assert.Equal(0.25, c.BacklogShare);
        Assert.True(c.KeptUp);
    }

    [Fact]
    public void Backlog_share_is_in_the_manifest_json()
    {
        var c = new PathCost { NsPerByte = double.NaN };
        c.Add(Window(0.5, 1e9, true), 0.5);
        var m = new Recd.Recordings.Manifest { Costs = new Dictionary<string, PathCost> { ["direct/4M"] = c } };
        string json = System.Text.Json.JsonSerializer.Serialize(m, Recd.Recordings.ManifestJson.Default.Manifest);
        Assert.Contains("\"backlogShare\":1", json.Replace(" ", ""));
    }
}
