using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    /// <summary>SO_PEERCRED (asm-generic 17): the credentials the peer had at connect(2) time, set by the kernel.</summary>
    internal const int SO_PEERCRED = 17;

    [StructLayout(LayoutKind.Sequential)]
    internal struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    internal static unsafe bool TryGetPeerCred(int fd, out UCred cred)
    {
        UCred c;
        uint len = (uint)sizeof(UCred);
        bool ok = GetSockOpt(fd, SOL_SOCKET, SO_PEERCRED, &c, &len) == 0 && len == sizeof(UCred);
        cred = ok ? c : default;
        return ok;
    }
}
