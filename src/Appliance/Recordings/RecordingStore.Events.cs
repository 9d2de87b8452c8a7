using Recd.WritePaths;

namespace Recd.Recordings;

public sealed partial class RecordingStore
{
    /// <summary>
    /// Raised on the transfer's own thread, outside the store's lock, at a begin, a storage refusal
    /// and an end. Handlers must only hand the event on (a queue post): the recording waits for them.
    /// </summary>
    public event Action<RecordingEvent>? Changed;

    /// <summary>Starts (or resumes) writing a recording. On success the caller owns the Recording.</summary>
    /// <param name="policy">Write path policy for this recording; null takes the profile's default.</param>
    public BeginOutcome TryBegin(string name, BeginMode mode, long resumeOffset, string client, PathPolicy? policy,
        out Recording? recording, out long committed, out int errno, long expectedBytes = 0, bool protect = false)
    {
        var outcome = BeginCore(name, mode, resumeOffset, client, policy, out recording, out committed, out errno, expectedBytes, protect);
        if (recording is not null) Changed?.Invoke(new RecordingEvent(RecordingEventKind.Began, name));
        else if (outcome is BeginOutcome.NoSpace or BeginOutcome.NotMounted or BeginOutcome.StorageFailed)
            Changed?.Invoke(new RecordingEvent(RecordingEventKind.Refused, name, Outcome: outcome));
        return outcome;
    }
}
