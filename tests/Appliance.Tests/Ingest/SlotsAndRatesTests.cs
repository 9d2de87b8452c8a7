using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Recd.Ingest;
using Recd.Recordings;

namespace Recd.Tests.Ingest;

/// <summary>
/// "Nothing a client does can lock recordings out", against a real listener on 127.0.0.1 with the
/// default rates (240 B/s after 5 s): slow readers, tricklers and idle connections holding every
/// slot, and what the monitor closes and when.
/// </summary>
public sealed class SlotsAndRatesTests
{
    private static HttpLimits Limits(int max = 6, int reserve = 2) => new() { MaxConnections = max, RecordingReserve = reserve };

    [Fact]
    public void Defaults_are_kestrels_minimum_rates()
    {
        var l = new HttpLimits();
        Assert.Equal(240, l.MinRequestBodyBytesPerSecond);
        Assert.Equal(5_000, l.MinRequestBodyGraceMs);
        Assert.Equal(240, l.MinResponseBytesPerSecond);
        Assert.Equal(5_000, l.MinResponseGraceMs);
        Assert.Equal(30_000, l.SendTimeoutMs);
        Assert.Equal(4, l.RecordingReserve);
        Assert.Equal(60, new ConnectionTable(l).ReaderSlots);
        Assert.Equal(1, new ConnectionTable(new HttpLimits { MaxConnections = 2, RecordingReserve = 9 }).ReaderSlots);
    }

    private static byte[] Random(int n)
    {
        var b = new byte[n];
        System.Random.Shared.NextBytes(b);
        return b;
    }

    /// <summary>GETs whose clients never read, each with a tiny receive buffer: they stall at once.</summary>
    private static List<Socket> SlowReaders(ListenerFixture f, string name, int count)
    {
        var readers = new List<Socket>();
        for (int i = 0; i < count; i++)
            readers.Add(f.Request($"GET /recordings/{name} HTTP/1.1\r\nHost: t\r\n\r\n", receiveBuffer: 4096));
        return readers;
    }

    private static void WaitFor(Func<bool> condition, int ms)
    {
        var w = Stopwatch.StartNew();
        while (!condition() && w.ElapsedMilliseconds < ms) Thread.Sleep(20);
    }

    [Fact]
    public void A_recording_gets_a_slot_while_slow_readers_tricklers_and_idle_connections_hold_them_all()
    {
        using var f = new ListenerFixture(Limits());
        var movie = Random(8 << 20);
        Assert.Equal(201, f.Put("movie.ts", movie));

        var readers = SlowReaders(f, "movie.ts", 4); // the readers' slots: 6 - 2
        var trickler = f.Request("PUT /recordings/trickle.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
        trickler.Send("x"u8.ToArray());
        var idle = f.Connect();
        WaitFor(() => f.Listener.ConnectionCount == 6, 2000);
        Assert.Equal(6, f.Listener.ConnectionCount);

        // A fifth reader does not fit in the readers' slots: the stalest reader makes room or it is refused.
        var body = Random(3 << 20);
        var watch = Stopwatch.StartNew();
        Assert.Equal(201, f.Put("new.ts", body));
        Assert.True(watch.ElapsedMilliseconds < 2000, $"PUT took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(File.ReadAllBytes(f.Store.Dir.File("new.ts"))));
        Assert.True(f.Listener.Evictions >= 1);
        GC.KeepAlive(idle);
    }

    [Fact]
    public void Readers_and_idle_connections_never_take_the_reserve()
    {
        using var f = new ListenerFixture(Limits());
        Assert.Equal(201, f.Put("movie.ts", Random(8 << 20)));
        var readers = SlowReaders(f, "movie.ts", 6);
        Thread.Sleep(500);
        int ok = 0, busy = 0;
        foreach (var r in readers)
        {
            r.ReceiveTimeout = 2000;
            try { int code = ListenerFixture.StatusOf(r); if (code == 200) ok++; else if (code == 503) busy++; }
            catch (SocketException) { busy++; } // evicted before its head was even answered
        }
        // Readers beyond 4 closed a stalled reader or were told 503; either way 4 hold the readers' slots.
        WaitFor(() => f.Listener.ConnectionCount <= 4, 3000);
        Assert.True(f.Listener.ConnectionCount <= 4, $"ok {ok}, busy {busy}, connections {f.Listener.ConnectionCount}");
        Assert.Equal(6, ok + busy);
        // Two recordings start in the reserve without closing anyone.
        long evictions = f.Listener.Evictions;
        var a = f.Request("PUT /recordings/a.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n");
        var b = f.Request("PUT /recordings/b.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n");
        a.Send(Random(2000000));
        b.Send(Random(2000000));
        a.ReceiveTimeout = b.ReceiveTimeout = 10_000;
        Assert.Equal(201, ListenerFixture.StatusOf(a));
        Assert.Equal(201, ListenerFixture.StatusOf(b));
        Assert.Equal(evictions, f.Listener.Evictions);
    }

    [Fact]
    public void Slow_readers_are_closed_after_the_grace_at_the_rate_bound()
    {
        using var f = new ListenerFixture(Limits(max: 16, reserve: 4));
        Assert.Equal(201, f.Put("movie.ts", Random(16 << 20)));
        var watch = Stopwatch.StartNew();
        var readers = SlowReaders(f, "movie.ts", 3);
        foreach (var r in readers)
        {
            Assert.NotNull(ListenerFixture.WaitClosed(r, TimeSpan.FromSeconds(12)));
            // Stalled outright: the 5 s grace is 1200 B at 240 B/s; closed on the first tick past it.
            Assert.InRange(watch.Elapsed.TotalSeconds, 4.5, 8.5);
        }
        Assert.Equal(3, f.Listener.RateClosures);
    }

    [Fact]
    public void A_trickling_recording_is_closed_after_the_grace_and_ends_interrupted_with_its_bytes()
    {
        using var f = new ListenerFixture(Limits());
        var s = f.Request("PUT /recordings/trickle.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
        var watch = Stopwatch.StartNew();
        int sent = 0;
        try
        {
            while (watch.Elapsed < TimeSpan.FromSeconds(12))
            {
                s.Send(new[] { (byte)('a' + sent % 26) });
                sent++;
                if (ListenerFixture.WaitClosed(s, TimeSpan.FromMilliseconds(500)) is not null) break;
            }
        }
        catch (SocketException) { }
        double closedAt = watch.Elapsed.TotalSeconds;
        Assert.InRange(closedAt, 4.5, 8.5);
        Assert.Equal(1, f.Listener.RateClosures);
        WaitFor(() => f.Store.Store.Find("trickle.ts")?.State == RecordingStates.Interrupted, 3000);
        var m = f.Store.Store.Find("trickle.ts")!;
        Assert.Equal(RecordingStates.Interrupted, m.State);
        // Every byte that reached the daemon before the close is committed, in order.
        var data = File.ReadAllBytes(f.Store.Dir.File("trickle.ts"))[..(int)m.CommittedLength];
        Assert.InRange(m.CommittedLength, sent - 1, sent);
        for (int i = 0; i < data.Length; i++) Assert.Equal((byte)('a' + i % 26), data[i]);
    }

    [Fact]
    public void A_reader_at_a_normal_pace_is_not_closed()
    {
        using var f = new ListenerFixture(Limits());
        var movie = Random(24 << 20);
        Assert.Equal(201, f.Put("movie.ts", movie));
        var s = f.Request("GET /recordings/movie.ts HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", receiveBuffer: 65536);
        s.ReceiveTimeout = 10_000;
        // A player: 256 KiB every 100 ms (~2.6 MB/s) for ~9 s, far past the grace, with pauses of 300 ms.
        var buf = new byte[256 << 10];
        using var received = new MemoryStream();
        var watch = Stopwatch.StartNew();
        int reads = 0;
        while (true)
        {
            int n = s.Receive(buf);
            if (n == 0) break;
            received.Write(buf, 0, n);
            Thread.Sleep(++reads % 20 == 0 ? 300 : 100);
        }
        var all = received.ToArray();
        int headEnd = all.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.Equal(movie.Length, all.Length - headEnd);
        Assert.True(all.AsSpan(headEnd).SequenceEqual(movie));
        Assert.True(watch.Elapsed.TotalSeconds > 6, $"read in {watch.Elapsed.TotalSeconds:F1} s: not past the grace");
        Assert.Equal(0, f.Listener.RateClosures);
    }

    [Fact]
    public void A_body_that_paused_after_a_fast_start_keeps_its_credit()
    {
        using var f = new ListenerFixture(Limits());
        var body = Random(2 << 20);
        var s = f.Request($"PUT /recordings/pause.ts HTTP/1.1\r\nHost: t\r\nContent-Length: {body.Length}\r\n\r\n");
        // 1 MiB at once, then a pause past the grace: the average since the body began is what counts
        // (Kestrel), including the bytes that arrived before the monitor's first look.
        s.Send(body, 0, 1 << 20, SocketFlags.None);
        Thread.Sleep(7000);
        s.Send(body, 1 << 20, body.Length - (1 << 20), SocketFlags.None);
        s.ReceiveTimeout = 10_000;
        Assert.Equal(201, ListenerFixture.StatusOf(s));
        Assert.Equal(0, f.Listener.RateClosures);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(File.ReadAllBytes(f.Store.Dir.File("pause.ts"))));
    }
}
