using System.Diagnostics;
using Recd.Interop;

namespace Recd.Calibration;

/// <summary>How a trial's bytes arrive.</summary>
/// <param name="SendBytes">Bytes per send(2): 1316 is 7 TS packets, one UDP/RTP payload of a live multiplex.</param>
/// <param name="BitsPerSecond">Paced rate; 0 = as fast as the loopback takes it (a bulk upload, a copy from another box).</param>
public readonly record struct SenderShape(string Name, int SendBytes, long BitsPerSecond)
{
    public static readonly SenderShape Bulk = new("bulk", 256 * 1024, 0);

    /// <summary>A live stream: 1316-byte sends at ~10 Mbit/s (an HD broadcast service), what batching is for.</summary>
    public static readonly SenderShape Live = new("live", 1316, 10_000_000);

    public bool Paced => BitsPerSecond > 0;
}

/// <summary>
/// The sending side of a trial, on its own thread (its CPU is not the receiver's: the cost meter
/// reads the receiving thread's clock only). Sends until the deadline or the byte cap, then shuts
/// the connection down for writing so the receiver sees the end. Paced sends go out in bursts
/// every 2 ms, as they leave a NIC's interrupt moderation.
/// </summary>
public sealed unsafe class TrialSender
{
    private readonly Thread _thread;
    private readonly int _fd;
    private readonly SenderShape _shape;
    private readonly long _deadline, _cap;
    private readonly CancellationToken _cancel;

    public long Sent { get; private set; }
    public int Errno { get; private set; }

    public TrialSender(int fd, SenderShape shape, TimeSpan duration, long byteCap, CancellationToken cancel)
    {
        _fd = fd;
        _shape = shape;
        _cap = byteCap;
        _cancel = cancel;
        _deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { Name = "calibrate-sender", IsBackground = true };
    }

    public void Start() => _thread.Start();

    public void Join() => _thread.Join();

    private void Run()
    {
        var buffer = new byte[_shape.SendBytes];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)(i * 31 + 7); // TS-like noise, not zeros
        long start = Stopwatch.GetTimestamp();
        fixed (byte* p = buffer)
        {
            while (Sent < _cap && !_cancel.IsCancellationRequested)
            {
                long now = Stopwatch.GetTimestamp();
                if (now >= _deadline) break;
                if (_shape.Paced)
                {
                    long due = (long)((double)(now - start) / Stopwatch.Frequency * _shape.BitsPerSecond / 8);
                    if (Sent + _shape.SendBytes > due) { Thread.Sleep(2); continue; }
                }
                int want = (int)Math.Min(_shape.SendBytes, _cap - Sent);
                nint n = Libc.Send(_fd, p, (nuint)want, Libc.MSG_NOSIGNAL);
                if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                if (n <= 0) { Errno = n < 0 ? Libc.LastErrno : Libc.EPIPE; break; }
                Sent += n;
            }
        }
        Libc.Shutdown(_fd, Libc.SHUT_WR);
    }
}
