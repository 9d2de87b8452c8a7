using Recd.Platform;

namespace Recd.BoardIo;

// What the board shows, rendered on the board thread without allocating when nothing it shows
// changed: a panel page whose text is the same as its last one reuses that string (and
// PanelDisplay sends no frame for it), and the diagnostics snapshot is rebuilt only when one of
// its fields moved. Before, every wake allocated a list of the active recordings' manifests, the
// page's string and a snapshot with its line list; the NativeAOT GC then committed and released
// heap chunks (mprotect, madvise seen under strace) on a thread that otherwise sleeps.
public sealed partial class BoardIoService
{
    // The last text of each page (recordings, free space, temperature).
    private readonly string?[] _pageTexts = new string?[3];
    private long _passes, _passBytes;

    private void Render()
    {
        int active = _store.WritingCount();
        _recordingLed?.Set(active > 0);
        _errorLed?.Set(_error);
        _display?.Show(PageText(active));
        if (SnapshotStale(active)) _snapshot = TakeSnapshot(active);
    }

    private string PageText(int active)
    {
        int page = Math.Min(_page, 2);
        Span<char> buffer = stackalloc char[PanelText.MaxLength];
        ReadOnlySpan<char> text = page switch
        {
            0 => PanelText.Recordings(active, buffer),
            1 => PanelText.Free(FreeSpace.Of(_store.Paths.Root)?.AvailableBytes, buffer),
            _ => PanelText.Temperature(_temperature, buffer),
        };
        ref string? last = ref _pageTexts[page];
        if (last is null || !text.SequenceEqual(last)) last = new string(text);
        return last;
    }

    /// <summary>Whether any field of the published snapshot differs from the board thread's state now.</summary>
    private bool SnapshotStale(int active)
    {
        var s = _snapshot;
        return s.ActiveRecordings != active
            || s.RecordingLed != _recordingLed?.State || s.ErrorLed != _errorLed?.State
            || s.DisplayText != _display?.Text || s.TemperatureC != _temperature
            || s.ShortPresses != _shortPresses || s.LongPresses != _longPresses
            || s.WriteFailures != (_recordingLed?.Failures ?? 0) + (_errorLed?.Failures ?? 0) + (_display?.Failures ?? 0)
            || s.ButtonPressed != (_buttonLine >= 0 ? _buttonSteady : null);
    }

    // For tests: bytes the board thread allocated in its passes (GC.GetAllocatedBytesForCurrentThread
    // around each pass after a wake), and how many passes there were.
    private void CountPass(long bytes)
    {
        Interlocked.Add(ref _passBytes, bytes);
        Interlocked.Increment(ref _passes);
    }

    internal long PassesForTesting => Interlocked.Read(ref _passes);
    internal long PassAllocatedBytesForTesting => Interlocked.Read(ref _passBytes);
}
