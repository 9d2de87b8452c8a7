using System.Net.Sockets;
using Recd.Ingest;
using Recd.Interop;
using Recd.Tests.Support;

namespace Recd.Tests.Ingest;

/// <summary>A socket fd is never shut down after its number could have been reused.</summary>
public sealed class ClientSocketHandleTests
{
    /// <summary>A second fd for the pair's server end, which the ClientSocket then owns and closes.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "dup")]
    private static extern int Dup(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "dup2")]
    private static extern int Dup2(int fd, int to);

    [Fact]
    public void Abort_after_the_owner_closed_does_not_touch_the_socket_that_reused_the_number()
    {
        using var first = new LoopbackPair();
        int fd = Dup(first.ServerFd);
        var old = new ClientSocket(fd, "old");
        old.Dispose();

        // What accept(2) does with the lowest free number, made certain while other tests open fds.
        using var second = new LoopbackPair();
        int reused = Dup2(second.ServerFd, fd);
        try
        {
            Assert.Equal(fd, reused);
            Assert.False(old.Abort(reset: true));
            second.Client.Send("ping"u8.ToArray());
            var buf = new byte[4];
            unsafe { fixed (byte* p = buf) Assert.Equal(4, (int)Libc.Recv(reused, p, 4, 0)); }
        }
        finally { Libc.Close(reused); }
    }

    [Fact]
    public void Abort_unblocks_the_owner_and_the_fd_closes_once_with_the_last_reference()
    {
        using var pair = new LoopbackPair(receiveTimeoutMs: 10_000);
        var socket = new ClientSocket(Dup(pair.ServerFd), "t");
        var owner = Task.Run(() =>
        {
            var buf = new byte[16];
            unsafe { fixed (byte* p = buf) return (long)Libc.Recv(socket.Fd, p, 16, 0); }
        });
        Thread.Sleep(200);
        Assert.True(socket.Abort());
        Assert.True(owner.Wait(2000), "recv was not unblocked");
        Assert.Equal(0, owner.Result);
        socket.Dispose();
        Assert.False(socket.Abort());
        Assert.Equal(ClientSocket.ProgressRead.Closed, socket.TryReadProgress(out _));
    }

    [Fact]
    public void Tcp_info_counts_bytes_received_and_acked()
    {
        using var pair = new LoopbackPair();
        using var socket = new ClientSocket(Dup(pair.ServerFd), "t");
        Assert.Equal(ClientSocket.ProgressRead.Ok, socket.TryReadProgress(out var before));
        pair.Client.Send(new byte[1000]);
        var data = new byte[3000];
        Assert.True(socket.SendAll(data));
        int got = 0;
        while (got < 3000) got += pair.Client.Receive(new byte[4096]);
        Thread.Sleep(100);
        Assert.Equal(ClientSocket.ProgressRead.Ok, socket.TryReadProgress(out var after));
        Assert.Equal(1000UL, after.Received - before.Received);
        Assert.Equal(3000UL, after.Acked - before.Acked);
        Assert.Equal(1000, after.ReceiveQueued);
        Assert.Equal(0, after.SendQueued);
    }
}
