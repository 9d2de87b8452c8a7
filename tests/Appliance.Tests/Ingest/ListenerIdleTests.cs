using System.Net.Sockets;
using Recd.Ingest;
using Recd.Recordings;
using Recd.Tests.Recordings;

namespace Recd.Tests.Ingest;

/// <summary>
/// The accept loop waits in poll(2) with no timeout: idle, it stays fresh for the watchdog without
/// waking, and Dispose still ends it (shutdown(2) of the listening socket, POLLHUP).
/// </summary>
public sealed class ListenerIdleTests
{
    [Fact]
    public void An_idle_accept_loop_stays_fresh_without_waking_and_dispose_ends_it()
    {
        using var store = new StoreFixture(commitInterval: 64 << 10);
        var beats = new HeartbeatRegistry();
        var listener = new IngestListener(new ListenOptions { Address = "127.0.0.1", Port = 0 }, new HttpLimits(),
            new RecordingsEndpoint(store.Store)) { Heartbeats = beats };
        try
        {
            listener.Start();
            WaitFor(() => beats.Count == 1);
            Thread.Sleep(700);
            // Parked in poll for 700 ms: fresh at a 300 ms threshold, though it has not turned since.
            Assert.Null(beats.FindStale(300, out long age));
            Assert.Equal(0, age);

            // It still serves: a connection wakes it, and it parks again after.
            using (var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                c.Connect(System.Net.IPAddress.Loopback, listener.Port);
                c.Send("GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"u8.ToArray());
                c.ReceiveTimeout = 5000;
                var buffer = new byte[512];
                Assert.StartsWith("HTTP/1.1 ", System.Text.Encoding.ASCII.GetString(buffer, 0, c.Receive(buffer)));
            }
            WaitFor(() => listener.ConnectionCount == 0);
            Thread.Sleep(400);
            Assert.Null(beats.FindStale(300, out _));
        }
        finally { listener.Dispose(); }
        // The loop left its poll and removed its heartbeat (its finally block).
        WaitFor(() => beats.Count == 0);
        Assert.Equal(0, beats.Count);
    }

    private static void WaitFor(Func<bool> condition, int ms = 3000)
    {
        for (int waited = 0; waited < ms && !condition(); waited += 10) Thread.Sleep(10);
    }
}
