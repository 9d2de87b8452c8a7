using System.Net;
using System.Net.Sockets;
using Recd.Calibration;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Calibration;

/// <summary>--sender: a bulk trial reads a connection from the named host, which it ends itself at its deadline; other peers are turned away.</summary>
public sealed class RemoteSenderTests
{
    /// <summary>A sender that connects from <paramref name="from"/> and streams until the receiver ends the connection.</summary>
    private static Task Stream(IPAddress from, int port, CancellationToken stop) => Task.Factory.StartNew(() =>
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(from, 0));
        s.Connect(IPAddress.Loopback, port);
        var buf = new byte[256 * 1024];
        try { while (!stop.IsCancellationRequested) s.Send(buf); }
        catch (SocketException) { } // the trial closed it: what a remote sender sees at every trial's end
        return;
    }, TaskCreationOptions.LongRunning);

    [Fact]
    public void ABulkTrialMeasuresTheNamedSendersConnectionAndEndsItAtItsDeadline()
    {
        using var dir = new TempDir();
        using var remote = new RemoteSender("127.0.0.1", "127.0.0.1", 0);
        using var stop = new CancellationTokenSource();
        var sending = Stream(IPAddress.Loopback, remote.Port, stop.Token);
        var started = DateTime.UtcNow;
        var r = PathTrial.Run(new PathChoice(WritePathKind.Buffered, 256 << 10), SenderShape.Bulk, 0, new WritePathOptions(), dir.File("t.ts"),
            TimeSpan.FromMilliseconds(400), 1L << 40, windowBytes: 1 << 20, windowMs: 100, CancellationToken.None, remote);
        Assert.True(r.Ok, r.Summary);
        Assert.Equal("127.0.0.1", r.Sender);
        Assert.True(r.Windows >= 2 && r.Bytes > 0, r.Summary);
        Assert.True(sending.Wait(TimeSpan.FromSeconds(10)), "the trial did not end the sender's connection");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.False(File.Exists(dir.File("t.ts")));
    }

    [Fact]
    public void AConnectionFromAnotherHostIsNotMeasured()
    {
        using var remote = new RemoteSender("127.0.0.1", "127.0.0.1", 0);
        using var stop = new CancellationTokenSource();
        // 127.0.0.2 is loopback too, but not the host named: its stream would measure someone else's sender.
        var other = Stream(IPAddress.Parse("127.0.0.2"), remote.Port, stop.Token);
        int fd = remote.Accept(TimeSpan.FromMilliseconds(600), 1000, CancellationToken.None);
        Assert.Equal(-1, fd);
        Assert.True(other.Wait(TimeSpan.FromSeconds(10)), "the other host's connection was not closed");
    }
}
