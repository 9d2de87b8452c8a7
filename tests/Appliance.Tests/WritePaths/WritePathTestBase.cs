using Recd.Interop;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.WritePaths;

public abstract class WritePathTestBase
{
    protected static readonly WritePathOptions Options = new()
    {
        BufferBytes = 256 * 1024,
        PipeBytes = 1024 * 1024,
        DirectBufferBytes = 4 * 1024 * 1024,
    };

    protected static IWritePath Create(WritePathKind kind) => new WritePathFactory(Options).Create(kind);

    protected static RecordingFile OpenFile(string path, int extraFlags = 0)
    {
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC | extraFlags, 0x1A4);
        Assert.True(fd >= 0, $"open {path}: {Libc.ErrnoName(Libc.LastErrno)}");
        return new RecordingFile(path, fd);
    }

    /// <summary>Reads exactly n bytes from the receiving fd (what the next chunk or request would see).</summary>
    protected static unsafe byte[] ReadRaw(int fd, int n)
    {
        var b = new byte[n];
        int got = 0;
        fixed (byte* p = b)
            while (got < n)
            {
                nint r = Libc.Recv(fd, p + got, (nuint)(n - got), 0);
                Assert.True(r > 0, "socket ended early");
                got += (int)r;
            }
        return b;
    }

    public static readonly WritePathKind[] AllKinds = [WritePathKind.Buffered, WritePathKind.Splice, WritePathKind.Direct];
    public static readonly string[] Filesystems = ["/tmp", "/dev/shm"]; // ext4 and tmpfs on this machine
}
