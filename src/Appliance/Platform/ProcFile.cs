using Recd.Interop;

namespace Recd.Platform;

/// <summary>
/// A procfs file read many times a second by the cost meter: opened once, read with pread into a
/// fixed native buffer (no allocation per read), the parse done under the same lock.
/// </summary>
internal sealed unsafe class ProcFile(string path, int size)
{
    private readonly object _gate = new();
    private readonly byte* _buffer = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)size);
    private int _fd = -2;

    /// <summary>Parses the file's current text (its first <c>size</c> bytes), or returns -1 if it cannot be read.</summary>
    public long Read(delegate*<ReadOnlySpan<byte>, long> parse)
    {
        lock (_gate)
        {
            if (_fd == -2) _fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            if (_fd < 0) return -1;
            nint n = Libc.PRead(_fd, _buffer, (nuint)size, 0);
            return n <= 0 ? -1 : parse(new ReadOnlySpan<byte>(_buffer, (int)n));
        }
    }
}
