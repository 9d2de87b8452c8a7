namespace Recd.WritePaths;

/// <summary>
/// Empty splice pipes kept for the next splice path of the same requested size, so a probe of
/// splice and the switch back do not pay pipe2 + F_SETPIPE_SZ each time. An empty pipe holds no
/// pages, only its ring; a few are kept, the rest closed. Only pipes that hold no byte come back
/// (the write path's contract); thread-safe.
/// </summary>
public sealed class SplicePipePool(int maxKept = 8)
{
    private readonly object _gate = new();
    private readonly List<SplicePipe> _kept = [];

    public int Kept { get { lock (_gate) return _kept.Count; } }

    public SplicePipe? TryTake(int requestedBytes)
    {
        lock (_gate)
            for (int i = _kept.Count - 1; i >= 0; i--)
                if (_kept[i].RequestedBytes == requestedBytes)
                {
                    var pipe = _kept[i];
                    _kept.RemoveAt(i);
                    return pipe;
                }
        return null;
    }

    public void Give(SplicePipe pipe)
    {
        if (pipe.Held != 0) { pipe.Dispose(); return; }
        lock (_gate)
            if (_kept.Count < maxKept) { _kept.Add(pipe); return; }
        pipe.Dispose();
    }
}
