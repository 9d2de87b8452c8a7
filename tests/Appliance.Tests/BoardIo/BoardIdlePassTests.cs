using Recd.BoardIo;
using Recd.Tests.Support;
using static Recd.Tests.BoardIo.BoardIoFixture;

namespace Recd.Tests.BoardIo;

/// <summary>
/// The board thread's wakes that change nothing cost a line read or a file read and nothing more: no
/// allocation (measured on the board thread itself, GC.GetAllocatedBytesForCurrentThread around each
/// pass), no frame to the panel, no new snapshot. A change still shows at once.
/// </summary>
public class BoardIdlePassTests
{
    [Fact]
    public void WakesThatChangeNothingAllocateNothingAndSendNoFrame()
    {
        using var dir = new TempDir("/tmp");
        string zone = Path.Combine(dir.Path, "temp");
        File.WriteAllText(zone, "47200\n");
        using var f = new BoardIoFixture(thermalZone: zone);
        // Every 20 ms a button poll and a temperature read, both finding what they found before.
        f.Board.TemperatureInterval = TimeSpan.FromMilliseconds(20);
        f.Board.Start();
        WaitFor(() => f.Board.Snapshot.TemperatureC == 47.2 && f.Board.PassesForTesting >= 20, "the first passes");

        var snapshot = f.Board.Snapshot;
        int frames = f.Driver.Writes().Count;
        long passes = f.Board.PassesForTesting, bytes = f.Board.PassAllocatedBytesForTesting;
        WaitFor(() => f.Board.PassesForTesting >= passes + 50, "50 more passes");
        long more = f.Board.PassesForTesting - passes;
        Assert.Equal(0, f.Board.PassAllocatedBytesForTesting - bytes);
        Assert.Equal(frames, f.Driver.Writes().Count);
        Assert.Same(snapshot, f.Board.Snapshot);
        Assert.True(more >= 50, $"{more} passes");

        // A new reading is a change: the snapshot shows it.
        File.WriteAllText(zone, "52000\n");
        WaitFor(() => f.Board.Snapshot.TemperatureC == 52.0, "the new temperature in the snapshot");
        Assert.NotSame(snapshot, f.Board.Snapshot);
    }

    [Theory]
    [InlineData(0, "r  0")]
    [InlineData(12, "r 12")]
    [InlineData(1234, "r999")]
    public void RecordingsTextInASpanIsTheStringForm(int active, string expected)
    {
        Assert.Equal(expected, PanelText.Recordings(active));
        Assert.Equal(expected, new string(PanelText.Recordings(active, stackalloc char[PanelText.MaxLength])));
    }

    [Theory]
    [InlineData(null, "---C")]
    [InlineData(47.2, "47°C")]
    [InlineData(5.0, " 5°C")]
    [InlineData(-12.4, "-12C")]
    [InlineData(104.6, "105C")]
    [InlineData(-300.0, "-99C")]
    public void TemperatureTexts(double? celsius, string expected) => Assert.Equal(expected, PanelText.Temperature(celsius));

    [Theory]
    [InlineData("47200\n", 47.2)]
    [InlineData("  -5000 \n", -5.0)]
    [InlineData("abc\n", null)]
    [InlineData("", null)]
    public void ThermalZoneParsesMillidegrees(string text, double? expected)
    {
        using var dir = new TempDir("/tmp");
        string zone = Path.Combine(dir.Path, "temp");
        File.WriteAllText(zone, text);
        using var z = new ThermalZone(zone);
        Assert.Equal(expected, z.TryReadCelsius());
    }

    [Fact]
    public void AZoneIsReadFromItsOpenFdAndAMissingOneIsLookedForAgainAtEachRead()
    {
        using var dir = new TempDir("/tmp");
        string zone = Path.Combine(dir.Path, "temp");
        using var z = new ThermalZone(zone);
        Assert.Null(z.TryReadCelsius());           // not there (yet): a driver not loaded
        File.WriteAllText(zone, "41000\n");
        Assert.Equal(41.0, z.TryReadCelsius());    // there now: opened
        File.WriteAllText(zone, "43500\n");       // sysfs rewrites in place: the kept fd reads the new value
        Assert.Equal(43.5, z.TryReadCelsius());
    }
}
