using Recd.Recordings;

namespace Recd.Tests.Recordings;

/// <summary>Heartbeat ages as the systemd watchdog reads them (HeartbeatRegistry.FindStale).</summary>
public sealed class HeartbeatTests
{
    [Fact]
    public void A_parked_heartbeat_is_fresh_however_old_and_ages_again_from_the_beat_that_unparks_it()
    {
        var beat = new Heartbeat("accept loop");
        var beats = new HeartbeatRegistry();
        beats.Add(beat);
        beat.Park();
        long now = Environment.TickCount64;
        Assert.Equal(0, beat.AgeMs(now + 3_600_000));
        Assert.Null(beats.FindStale(0, out _));

        beat.Beat();
        Assert.InRange(beat.AgeMs(Environment.TickCount64 + 1000), 1000, 2000);
        Thread.Sleep(120);
        Assert.Same(beat, beats.FindStale(100, out long age));
        Assert.True(age > 100);
    }

    [Fact]
    public void A_wedged_heartbeat_is_stale_even_while_parked()
    {
        var beat = new Heartbeat("accept loop");
        beat.Park();
        beat.WedgedForTesting = true;
        long now = Environment.TickCount64;
        Assert.InRange(beat.AgeMs(now + 5000), 5000, 6000);
        beat.Park();   // ignored while wedged, like a beat
        Assert.InRange(beat.AgeMs(now + 5000), 5000, 6000);
        beat.WedgedForTesting = false;
        Assert.Equal(0, beat.AgeMs(now + 5000));
    }
}
