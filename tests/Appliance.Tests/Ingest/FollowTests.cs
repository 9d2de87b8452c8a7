using Recd.Ingest;
using Recd.Recordings;
using Recd.Tests.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Ingest;

/// <summary>
/// Chase play against a real IngestListener on 127.0.0.1, a real store on /tmp (ext4 here) and a
/// recording fed from a real loopback socket. Commits are 60 s apart unless a test says otherwise,
/// so every byte a follower gets before the end was written and not yet committed.
/// </summary>
public sealed class FollowTests : IDisposable
{
    private readonly StoreFixture _f;
    private readonly IngestListener _listener;

    public FollowTests()
    {
        _f = new StoreFixture();
        _listener = new IngestListener(new ListenOptions { Address = "127.0.0.1", Port = 0 }, new HttpLimits(), new RecordingsEndpoint(_f.Store));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Stop(TimeSpan.FromSeconds(5));
        _listener.Dispose();
        _f.Dispose();
    }

    private FollowClient Follow(string name, string? headers = null, string method = "GET", string query = "?follow=1") =>
        new(_listener.Port, $"/recordings/{name}{query}", headers, method);

    private const int Piece = 1316 * 10;

    /// <summary>
    /// Receives [at, at+length) of the pattern from the sender into the recording, one Receive per
    /// 13160-byte piece, as RequestBody does for a chunked PUT (ffmpeg, curl -T -): the written
    /// length is published after each Receive's write-path call, and a single call for a whole
    /// Content-Length body publishes it once per 4 MiB span.
    /// </summary>
    private static void Feed(Recording rec, LoopbackPair pair, long at, long length, int delayMs = 0)
    {
        var send = pair.SendPatternAsync(at, length, [Piece], delayMs: delayMs);
        for (long done = 0; done < length; done += Piece)
        {
            var result = rec.Receive(pair.ServerFd, Math.Min(Piece, length - done));
            Assert.True(result.IsCompleted, $"receive at {at + done}: {result.Status}");
        }
        send.Wait();
    }

    [Fact]
    public void AFollowerGetsBytesBeforeTheFirstCommitEveryByteAtTheEndAndEndsOnlyAfterTheRecording()
    {
        const long total = 3_000_000;
        using var pair = new LoopbackPair();
        var rec = _f.Begin("live.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 200_000);

        using var client = Follow("live.ts");
        Assert.Equal(200, client.Status);
        Assert.Equal("recording", client.Headers["Recd-State"]);
        Assert.Equal("0", client.Headers["Recd-Committed-Length"]);
        Assert.False(client.Headers.ContainsKey("Content-Length"));
        Assert.True(client.WaitForBytes(200_000, 5000), $"follower has {client.BodyBytes} of the 200000 bytes written");
        Assert.Equal(0, _f.Store.Find("live.ts")!.CommittedLength);

        // The rest arrives paced (~13 KB every 10 ms, ~2 s); the follower keeps up with it while it is written.
        var feeding = Task.Run(() => Feed(rec, pair, 200_000, total - 200_000, delayMs: 10));
        Assert.True(client.WaitForBytes(1_000_000, 10_000));
        Assert.False(feeding.IsCompleted, "the follower should have had 1 MB while the recording was still being written");
        Assert.Equal(0, _f.Store.Find("live.ts")!.CommittedLength);
        feeding.Wait();
        Thread.Sleep(3 * FollowSender.PollIntervalMs);
        Assert.False(client.Done.IsSet, "the recording has not ended: the follower must still be waiting");
        Assert.Equal(total, client.BodyBytes);

        Assert.Equal(0, rec.Finish(RecordingStates.Complete, null));
        rec.Dispose();
        Assert.True(client.Done.Wait(5000), "the follower should end once the recording has");
        Assert.Null(client.FramingError);
        Assert.True(client.Terminated);
        Assert.Equal(Pattern.Sha256(total), client.BodySha256());
    }

    [Fact]
    public void AFollowerThatWasSentBytesPastTheFinalCommittedLengthIsClosedWithoutTheLastChunk()
    {
        using var pair = new LoopbackPair();
        var rec = _f.Begin("cut.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 300_000);
        Assert.Equal(0, rec.Finish(RecordingStates.Interrupted, "test"));
        rec.Dispose();
        // Resume: a live transfer on top of 300000 committed bytes.
        rec = _f.Begin("cut.ts", WritePathKind.Buffered, BeginMode.Resume, 300_000);
        Feed(rec, pair, 300_000, 200_000);
        using var client = Follow("cut.ts");
        Assert.Equal("300000", client.Headers["Recd-Committed-Length"]);
        Assert.True(client.WaitForBytes(500_000, 5000));

        // The final manifest cannot be written (a directory where its temp file goes: EISDIR), so
        // the recording ends damaged at its last good commit, 300000, below what the follower holds.
        Directory.CreateDirectory(_f.Store.Paths.ManifestTemp("cut.ts"));
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        Assert.Equal(300_000, _f.Store.Find("cut.ts")!.CommittedLength);
        Assert.True(client.Done.Wait(5000));
        Assert.False(client.Terminated, "a body holding uncommitted bytes must not end as complete");
        Assert.True(client.ClosedByServer);
        Assert.Equal(Pattern.Sha256(500_000), client.BodySha256());
    }

    [Fact]
    public void AnInterruptedRecordingEndsTheFollowerWithTheLastChunkWhenEveryByteServedWasCommitted()
    {
        using var pair = new LoopbackPair();
        var rec = _f.Begin("int.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 400_000);
        using var client = Follow("int.ts");
        Assert.True(client.WaitForBytes(400_000, 5000));
        pair.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        var result = rec.Receive(pair.ServerFd, 100_000);
        Assert.Equal(MoveStatus.PeerClosed, result.Status);
        Assert.Equal(0, rec.Finish(RecordingStates.Interrupted, "client went away"));
        rec.Dispose();
        Assert.True(client.Done.Wait(5000));
        Assert.True(client.Terminated);
        Assert.Equal("interrupted", _f.Store.Find("int.ts")!.State);
        Assert.Equal(Pattern.Sha256(400_000), client.BodySha256());
    }

    [Fact]
    public void AFollowerOfAFinishedRecordingGetsItsCommittedBytesAndTheLastChunk()
    {
        using var pair = new LoopbackPair();
        var rec = _f.Begin("done.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 123_457);
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        using var client = Follow("done.ts");
        Assert.True(client.Done.Wait(5000));
        Assert.True(client.Terminated);
        Assert.Equal("complete", client.Headers["Recd-State"]);
        Assert.Equal(Pattern.Sha256(123_457), client.BodySha256());
    }

    [Fact]
    public void RangesOnAFollowerOpenEndedOnesStartTheBodyClosedOnesAndStartsPastTheWrittenBytesAre416()
    {
        using var pair = new LoopbackPair();
        var rec = _f.Begin("r.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 100_000);

        using (var closed = Follow("r.ts", "Range: bytes=0-99\r\n")) Assert.Equal(416, closed.Status);
        using (var past = Follow("r.ts", "Range: bytes=100001-\r\n"))
        {
            Assert.Equal(416, past.Status);
            Assert.Equal("bytes */100000", past.Headers["Content-Range"]);
        }
        using (var head = Follow("r.ts", method: "HEAD"))
        {
            Assert.Equal(200, head.Status);
            Assert.Equal("chunked", head.Headers["Transfer-Encoding"]);
        }
        using var from = Follow("r.ts", "Range: bytes=60000-\r\n");
        using var tail = Follow("r.ts", "Range: bytes=-1000\r\n");
        using var edge = Follow("r.ts", "Range: bytes=100000-\r\n");
        Assert.Equal(206, from.Status);
        Assert.Equal("60000", from.Headers["Recd-Follow-Start"]);
        Assert.Equal("99000", tail.Headers["Recd-Follow-Start"]);
        Assert.Equal(206, edge.Status);
        Feed(rec, pair, 100_000, 50_000);
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
        foreach (var c in new[] { from, tail, edge }) Assert.True(c.Done.Wait(5000) && c.Terminated);
        var all = Pattern.Bytes(150_000);
        Assert.Equal(all[60_000..], from.Body());
        Assert.Equal(all[99_000..], tail.Body());
        Assert.Equal(all[100_000..], edge.Body());
    }

    [Fact]
    public void AFollowerOfAStalledRecordingLeavesWhenItsClientDoesAndWhenTheListenerStops()
    {
        using var pair = new LoopbackPair();
        var rec = _f.Begin("stall.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 50_000);
        var gone = Follow("stall.ts");
        using var stays = Follow("stall.ts");
        Assert.True(gone.WaitForBytes(50_000, 5000) && stays.WaitForBytes(50_000, 5000));
        Assert.Equal(2, _listener.ConnectionCount);
        gone.Dispose();
        Assert.True(SpinWait.SpinUntil(() => _listener.ConnectionCount == 1, 3000), "the follower whose client closed should end within a poll interval or so");

        // Daemon shutdown: the follower is waiting for a byte that never comes; Stop must not wait for the recording.
        Assert.True(_listener.Stop(TimeSpan.FromSeconds(3)), "a waiting follower must notice the shutdown");
        Assert.True(stays.Done.Wait(3000));
        Assert.False(stays.Terminated);
        rec.Finish(RecordingStates.Interrupted, "test over");
        rec.Dispose();
    }

    [Fact]
    public void APlainGetOfARecordingInProgressStillEndsAtItsLastCommit()
    {
        using var pair = new LoopbackPair();
        var rec = _f.Begin("plain.ts", WritePathKind.Buffered);
        Feed(rec, pair, 0, 70_000);
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        s.Connect(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, _listener.Port));
        s.Send("GET /recordings/plain.ts HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buf = new byte[4096];
        int n = s.Receive(buf);
        string head = System.Text.Encoding.ASCII.GetString(buf, 0, n);
        Assert.Contains("Content-Length: 0\r\n", head);
        rec.Finish(RecordingStates.Complete, null);
        rec.Dispose();
    }
}
