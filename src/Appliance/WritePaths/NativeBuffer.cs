using Recd.Interop;

namespace Recd.WritePaths;

/// <summary>
/// Page-aligned unmanaged memory: usable by O_DIRECT as is, invisible to the GC, so a transfer
/// moves gigabytes without allocating per chunk. Mapped, not malloc'ed: a buffer given back leaves
/// the process's RSS at once (Libc.Mman.cs says why that matters), and is zero pages until touched.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public const int Alignment = 4096;

    public NativeBuffer(int size)
    {
        if (size <= 0 || size % Alignment != 0) throw new ArgumentOutOfRangeException(nameof(size), "multiple of 4096 expected");
        Size = size;
        nint p = Libc.Mmap(0, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS, -1, 0);
        if (p == Libc.MAP_FAILED) throw new OutOfMemoryException($"mmap of a {size}-byte buffer: {Libc.ErrnoName(Libc.LastErrno)}");
        Pointer = (byte*)p;
    }

    public int Size { get; }
    public byte* Pointer { get; private set; }

    public Span<byte> Span => new(Pointer, Size);

    public void Dispose()
    {
        if (Pointer != null) { Libc.Munmap((nint)Pointer, (nuint)Size); Pointer = null; }
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() { if (Pointer != null) Libc.Munmap((nint)Pointer, (nuint)Size); }
}
