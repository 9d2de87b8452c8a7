using Recd.Interop;

namespace Recd.Recordings;

/// <summary>
/// The first storage failure that may have lost bytes of a recording, latched for the rest of it.
/// Linux reports a writeback error once: after fdatasync fails with EIO, the next fdatasync on the
/// same file can return 0 although the pages are gone (PostgreSQL's 2018 "fsyncgate"). So once one
/// write or sync fails, nothing of this recording is synced or committed again; it ends damaged at
/// its last good committed length.
/// </summary>
public readonly record struct StorageFault(string Operation, int Errno, long Offset)
{
    /// <summary>"EIO at offset 25165824 (fdatasync)".</summary>
    public override string ToString() => $"{Libc.ErrnoName(Errno)} at offset {Offset} ({Operation})";

    /// <summary>
    /// A refused write that lost nothing already accepted: the disk is full or the file at its size
    /// limit. Every byte before it is still ours to commit. Anything else (EIO, EROFS, ...) may have lost data.
    /// </summary>
    public static bool IsOutOfSpace(int errno) => errno is Libc.ENOSPC or Libc.EDQUOT or Libc.EFBIG;
}
