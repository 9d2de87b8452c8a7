namespace Recd.Recordings;

public enum RecordingEventKind
{
    /// <summary>A recording was created, replaced or resumed and is being written now.</summary>
    Began,
    /// <summary>A recording's transfer is over; <see cref="RecordingEvent.State"/> is what its final manifest says.</summary>
    Ended,
    /// <summary>A begin was refused by the storage (<see cref="RecordingEvent.Outcome"/>: no space, not mounted, a failed open or write).</summary>
    Refused,
}

/// <summary>What the store tells observers (board I/O, metrics) about recordings starting and ending.</summary>
public readonly record struct RecordingEvent(RecordingEventKind Kind, string Name, string? State = null, BeginOutcome Outcome = default);
