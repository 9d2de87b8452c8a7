using Recd.Interop;

namespace Recd.Ingest;

/// <summary>
/// The bytes a connection has read but not yet consumed: the request head, then whatever followed it.
/// Bytes read past the head belong to the body (or the next request) and are handed on, never dropped.
/// One per connection, allocated once.
/// </summary>
public sealed unsafe class ConnectionBuffer
{
    private readonly byte[] _buffer;

    public ConnectionBuffer(int size) => _buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);

    public int Start { get; private set; }
    public int End { get; private set; }
    public int Count => End - Start;
    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> Data => _buffer.AsSpan(Start, End - Start);

    public void Consume(int n)
    {
        Start += n;
        if (Start == End) Start = End = 0;
    }

    public enum FillResult { Read, Eof, TimedOut, Failed, Full }

    /// <summary>
    /// Reads what the socket has (at least one byte, at most <paramref name="maxBytes"/>), waiting at
    /// most <paramref name="timeoutMs"/>. Chunk framing is read with a small maxBytes, so chunk data
    /// stays in the socket for the write path instead of being copied through this buffer.
    /// </summary>
    public FillResult Fill(ClientSocket socket, int timeoutMs, int maxBytes = int.MaxValue)
    {
        if (Start > 0 && (End == _buffer.Length || Start > _buffer.Length / 2))
        {
            Buffer.BlockCopy(_buffer, Start, _buffer, 0, End - Start);
            End -= Start;
            Start = 0;
        }
        if (End == _buffer.Length) return FillResult.Full;

        int ready = socket.WaitReadable(timeoutMs);
        if (ready == 0) return FillResult.TimedOut;
        if (ready < 0) return FillResult.Failed;
        fixed (byte* p = &_buffer[End])
        {
            while (true)
            {
                nint n = Libc.Recv(socket.Fd, p, (nuint)Math.Min(_buffer.Length - End, maxBytes), Libc.MSG_DONTWAIT);
                if (n > 0) { End += (int)n; return FillResult.Read; }
                if (n == 0) return FillResult.Eof;
                int errno = Libc.LastErrno;
                if (errno == Libc.EINTR) continue;
                return errno == Libc.EAGAIN ? FillResult.TimedOut : FillResult.Failed;
            }
        }
    }
}
