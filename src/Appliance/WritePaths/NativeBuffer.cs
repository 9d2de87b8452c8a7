using System.Runtime.InteropServices;

namespace Recd.WritePaths;

/// <summary>
/// Page-aligned unmanaged memory: usable by O_DIRECT as is, invisible to the GC, so a transfer
/// moves gigabytes without allocating per chunk.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public const int Alignment = 4096;

    public NativeBuffer(int size)
    {
        if (size <= 0 || size % Alignment != 0) throw new ArgumentOutOfRangeException(nameof(size), "multiple of 4096 expected");
        Size = size;
        Pointer = (byte*)NativeMemory.AlignedAlloc((nuint)size, Alignment);
    }

    public int Size { get; }
    public byte* Pointer { get; private set; }

    public Span<byte> Span => new(Pointer, Size);

    public void Dispose()
    {
        if (Pointer != null) { NativeMemory.AlignedFree(Pointer); Pointer = null; }
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() { if (Pointer != null) NativeMemory.AlignedFree(Pointer); }
}
