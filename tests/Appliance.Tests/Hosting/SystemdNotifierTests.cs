using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Recd.Hosting;
using Recd.Ingest;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.Tests.Support;

namespace Recd.Tests.Hosting;

/// <summary>A real AF_UNIX datagram socket bound by the test plays systemd; the bytes are asserted exactly.</summary>
public sealed class SystemdNotifierTests
{
    private const long WatchdogUsec = 400_000; // pings every 200 ms

    /// <summary>The manager's end: a bound datagram socket and the messages it received, with their arrival time.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        private readonly TempDir? _dir;

        public Receiver(bool @abstract = false)
        {
            if (@abstract)
            {
                Name = "@recd-test-" + Guid.NewGuid().ToString("N")[..12];
                _socket.Bind(new UnixDomainSocketEndPoint("\0" + Name[1..]));
            }
            else
            {
                _dir = new TempDir();
                Name = _dir.File("notify");
                _socket.Bind(new UnixDomainSocketEndPoint(Name));
            }
        }

        public string Name { get; }

        /// <summary>The next message, or null if none arrives within <paramref name="ms"/>.</summary>
        public string? Next(int ms = 3000)
        {
            if (!_socket.Poll(ms * 1000, SelectMode.SelectRead)) return null;
            var buf = new byte[4096];
            int n = _socket.Receive(buf);
            return Encoding.UTF8.GetString(buf, 0, n);
        }

        /// <summary>Every message arriving within <paramref name="ms"/>, each with its arrival time.</summary>
        public List<(string Text, long AtMs)> During(int ms)
        {
            var got = new List<(string, long)>();
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < ms)
            {
                if (Next((int)Math.Max(1, ms - watch.ElapsedMilliseconds)) is { } m) got.Add((m, watch.ElapsedMilliseconds));
            }
            return got;
        }

        public void Dispose()
        {
            _socket.Dispose();
            _dir?.Dispose();
        }
    }

    /// <summary>A thread that keeps a heartbeat fresh, as a healthy transfer would.</summary>
    private sealed class Beater : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        public Beater(Heartbeat beat)
        {
            _thread = new Thread(() => { while (!_stop.Token.WaitHandle.WaitOne(20)) beat.Beat(); }) { IsBackground = true };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
        }
    }

    [Fact]
    public void Systemd_ready_status_watchdog_at_half_the_interval_and_stopping_are_sent_as_exact_datagrams()
    {
        using var receiver = new Receiver();
        var beats = new HeartbeatRegistry();
        string status = "recording 0, 512 MiB free";
        using var notifier = new SystemdNotifier(receiver.Name, WatchdogUsec, beats, staleMs: 5000);
        Assert.True(notifier.Enabled);

        Assert.True(notifier.Ready(() => status));
        Assert.Equal("READY=1\nSTATUS=recording 0, 512 MiB free", receiver.Next());

        var got = receiver.During(1300);
        Assert.All(got, m => Assert.Equal("WATCHDOG=1", m.Text));
        // 200 ms apart: 6 in 1.3 s; a loaded 2-core machine may delay a tick, never add one.
        Assert.InRange(got.Count, 4, 7);
        var gaps = got.Zip(got.Skip(1), (a, b) => b.AtMs - a.AtMs).ToList();
        Assert.All(gaps, g => Assert.InRange(g, 120, 600));

        status = "recording 1, 500 MiB free";
        var next = receiver.During(500).Select(m => m.Text).ToList();
        Assert.Contains("STATUS=recording 1, 500 MiB free", next);
        Assert.Single(next, m => m.StartsWith("STATUS="));   // sent once, when it changed

        Assert.True(notifier.Stopping("stopping, finishing 1 recording(s)"));
        string? stopping;
        do stopping = receiver.Next(); while (stopping == "WATCHDOG=1");
        Assert.Equal("STOPPING=1\nSTATUS=stopping, finishing 1 recording(s)", stopping);
    }

    [Fact]
    public void Systemd_watchdog_stops_while_a_heartbeat_is_wedged_and_resumes_when_it_turns_again()
    {
        using var receiver = new Receiver();
        var beats = new HeartbeatRegistry();
        var transfer = new Heartbeat("transfer test.ts");
        beats.Add(transfer);
        using var beater = new Beater(transfer);
        using var notifier = new SystemdNotifier(receiver.Name, WatchdogUsec, beats, staleMs: 300);
        notifier.Ready(() => "recording 1");
        Assert.StartsWith("READY=1", receiver.Next());
        Assert.Contains(receiver.During(700), m => m.Text == "WATCHDOG=1");

        transfer.WedgedForTesting = true;
        receiver.During(600);   // the beat goes stale within 300 ms; a ping may already be under way
        long before = notifier.WatchdogPings;
        Assert.DoesNotContain(receiver.During(1000), m => m.Text == "WATCHDOG=1");
        Assert.Equal(before, notifier.WatchdogPings);

        transfer.WedgedForTesting = false;
        Assert.Contains(receiver.During(1000), m => m.Text == "WATCHDOG=1");

        // A transfer that ends leaves the set: its silence no longer counts.
        transfer.WedgedForTesting = true;
        beats.Remove(transfer);
        Assert.Contains(receiver.During(1000), m => m.Text == "WATCHDOG=1");
    }

    [Fact]
    public void Systemd_watchdog_follows_a_real_listeners_accept_loop_and_transfers()
    {
        using var store = new StoreFixture(commitInterval: 64 << 10);
        using var listener = new IngestListener(new ListenOptions { Address = "127.0.0.1", Port = 0 }, new HttpLimits(),
            new RecordingsEndpoint(store.Store)) { Heartbeats = store.Store.Heartbeats };
        listener.Start();
        using var receiver = new Receiver();
        using var notifier = new SystemdNotifier(receiver.Name, WatchdogUsec, store.Store.Heartbeats, staleMs: 500);
        notifier.Ready(() => "recording 0");
        Assert.StartsWith("READY=1", receiver.Next());

        // A paced upload: while its body arrives the transfer beats beside the accept loop.
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(System.Net.IPAddress.Loopback, listener.Port);
        client.Send(Encoding.ASCII.GetBytes("PUT /recordings/beat.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n"));
        bool sawTransfer = false;
        var pings = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            client.Send(new byte[4096]);
            sawTransfer |= store.Store.Heartbeats.Count == 2;
            if (receiver.Next(60) is { } m) pings.Add(m);
        }
        Assert.True(sawTransfer, "the transfer's heartbeat joined the accept loop's while it received");
        Assert.Contains("WATCHDOG=1", pings);
        // The client goes away: the transfer ends interrupted and leaves the set.
        client.Close();
        for (int i = 0; i < 200 && store.Store.Heartbeats.Count != 1; i++) Thread.Sleep(20);
        Assert.Equal(1, store.Store.Heartbeats.Count);

        listener.AcceptHeartbeat.WedgedForTesting = true;
        receiver.During(900);
        Assert.DoesNotContain(receiver.During(1000), m => m.Text == "WATCHDOG=1");
        listener.AcceptHeartbeat.WedgedForTesting = false;
        Assert.Contains(receiver.During(1000), m => m.Text == "WATCHDOG=1");
    }

    [Fact]
    public void Systemd_abstract_namespace_socket_receives_ready()
    {
        using var receiver = new Receiver(@abstract: true);
        using var notifier = new SystemdNotifier(receiver.Name, 0, new HeartbeatRegistry(), staleMs: 1000);
        Assert.True(notifier.Ready(() => "recording 0, 1 MiB free"));
        Assert.Equal("READY=1\nSTATUS=recording 0, 1 MiB free", receiver.Next());
        Assert.True(notifier.Notify("STATUS=abstract"));
        Assert.Equal("STATUS=abstract", receiver.Next());
        Assert.Null(receiver.Next(700));   // no watchdog asked for: no pings
    }

    [Fact]
    public void Systemd_notify_without_a_socket_or_with_nobody_listening_returns_false_and_never_throws()
    {
        using var off = new SystemdNotifier(null, WatchdogUsec, new HeartbeatRegistry(), 1000);
        Assert.False(off.Enabled);
        Assert.False(off.Ready(() => "x"));
        Assert.False(off.Notify("READY=1"));

        using var dir = new TempDir();
        using var nobody = new SystemdNotifier(dir.File("absent"), 0, new HeartbeatRegistry(), 1000);
        Assert.False(nobody.Notify("READY=1"));
        using var tooLong = new SystemdNotifier("/" + new string('x', 200), 0, new HeartbeatRegistry(), 1000);
        Assert.False(tooLong.Enabled);
        Assert.False(tooLong.Notify("READY=1"));
    }

    [Fact]
    public void Systemd_watchdog_env_is_honoured_only_for_this_process()
    {
        string? oldUsec = Environment.GetEnvironmentVariable("WATCHDOG_USEC"), oldPid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        try
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", "400000");
            Environment.SetEnvironmentVariable("WATCHDOG_PID", null);
            using (var n = SystemdNotifier.FromEnvironment(new HeartbeatRegistry(), 1000)) Assert.Equal(400, n.WatchdogIntervalMs);
            Environment.SetEnvironmentVariable("WATCHDOG_PID", Environment.ProcessId.ToString());
            using (var n = SystemdNotifier.FromEnvironment(new HeartbeatRegistry(), 1000)) Assert.Equal(400, n.WatchdogIntervalMs);
            Environment.SetEnvironmentVariable("WATCHDOG_PID", "1");
            using (var n = SystemdNotifier.FromEnvironment(new HeartbeatRegistry(), 1000)) Assert.Equal(0, n.WatchdogIntervalMs);
        }
        finally
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", oldUsec);
            Environment.SetEnvironmentVariable("WATCHDOG_PID", oldPid);
        }
    }
}
