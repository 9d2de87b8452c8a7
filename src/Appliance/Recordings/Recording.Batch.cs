using Recd.WritePaths;

namespace Recd.Recordings;

/// <summary>
/// A recording's batch follows its write-path choice: a candidate's "@batch" (or the profile's
/// WritePaths:BatchBytes) is applied on the first choice and at every switch, between spans. The
/// SocketBatch is one per recording, so its latency clocks survive a switch; its size changes, and the
/// socket's SO_RCVLOWAT with it at the next read (never above what that read expects).
/// </summary>
public sealed partial class Recording
{
    private SocketBatch _batch = null!;
    private bool _batching;           // the current choice batches (else reads block, as with BatchBytes 0)
    private int _receivingFd = -1;    // the socket while a body is being received, else -1
    private string _labelBase = "", _label = "";

    private void CreateBatch(PathChoice start)
    {
        var wp = _factory.Options;
        _batch = new SocketBatch(wp.BatchBytes, wp.BatchLatencyMs, wp.ReceiveBufferBytes);
        ApplyBatch(start);
    }

    /// <summary>The SocketBatch the current path reads through, or null when its batch is off.</summary>
    private SocketBatch? ActiveBatch => _batching ? _batch : null;

    /// <summary>
    /// Sets the batch <paramref name="choice"/> names. Inside a body, turning batching on or off
    /// changes the socket's mode as a body span's start and end do (non-blocking with SO_RCVLOWAT, or
    /// blocking with SO_RCVLOWAT 1): the path switched to gets the socket it expects.
    /// </summary>
    private void ApplyBatch(PathChoice choice)
    {
        int bytes = choice.Batch.Resolve(_factory.Options);
        bool on = bytes > 0;
        if (on) _batch.UseBatch(bytes);
        if (on != _batching && _receivingFd >= 0)
        {
            if (on) _batch.Begin(_receivingFd);
            else _batch.Release(_receivingFd);
        }
        _batching = on;
        _labelBase = "";
    }

    /// <summary>
    /// The current path's label with its batch part ("splice/1M@64K"; the path's own label, which
    /// says the pipe size the kernel granted, when the batch is the profile's): what bytes by path,
    /// costs and the manifest are keyed by. Made again only when the path's label changes.
    /// </summary>
    private string CurrentLabel()
    {
        string b = _path.Label;
        if (!ReferenceEquals(b, _labelBase)) { _labelBase = b; _label = b + _choice.Batch.Suffix; }
        return _label;
    }
}
