namespace Recd.Recordings;

public enum BeginOutcome
{
    Created,
    Replaced,
    Resumed,
    /// <summary>A recording of that name exists and overwrite was not asked for.</summary>
    Exists,
    /// <summary>The recording is being written by another transfer right now.</summary>
    Busy,
    /// <summary>A resume did not start at the committed length.</summary>
    OffsetMismatch,
    StorageFailed,
    /// <summary>Free space is below the reserve and retention could not free enough.</summary>
    NoSpace,
    /// <summary>The storage root is not on the mount the profile expects.</summary>
    NotMounted,
    /// <summary>MaxActiveRecordings are being written already.</summary>
    TooMany,
    /// <summary>
    /// The storage does not tell names apart by case (exFAT, FAT) and a recording whose name differs
    /// only in case exists: the two would share one file.
    /// </summary>
    CaseCollision,
}

public enum BeginMode { Create, Overwrite, Resume }
