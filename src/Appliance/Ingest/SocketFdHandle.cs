using System.Runtime.InteropServices;
using Recd.Interop;

namespace Recd.Ingest;

/// <summary>
/// Owns an accepted socket's fd and closes it only when the last reference is gone, the way the
/// runtime's SafeHandle does for its sockets: another thread (the listener evicting, the rate
/// monitor reading counters, shutdown) takes DangerousAddRef around its call, so the number it uses
/// cannot be closed under it and handed to the next accept(2) or open(2). The owning thread keeps
/// using the raw int on the data path: it is the one that disposes, so its own uses cannot race.
/// </summary>
internal sealed class SocketFdHandle : SafeHandle
{
    public SocketFdHandle(int fd) : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>
    /// close(2) is never retried: after EINTR the fd is gone on Linux (close(2) NOTES), and an error
    /// from closing a socket leaves nothing to do.
    /// </summary>
    protected override bool ReleaseHandle()
    {
        Libc.Close((int)handle);
        return true;
    }
}
