using System.Runtime.InteropServices;

namespace Recd.Interop;

internal static partial class Libc
{
    internal const int CLOCK_MONOTONIC = 1, CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;      // time_t: 64-bit on the 64-bit targets .NET supports
        public long Nanoseconds;
    }

    [LibraryImport(Name, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static unsafe partial int ClockGetTime(int clockId, TimeSpec* ts);

    /// <summary>CPU time of the calling thread. Real under qemu-user, unlike /proc/self/stat.</summary>
    internal static unsafe long ThreadCpuNanoseconds()
    {
        TimeSpec ts;
        return ClockGetTime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? ts.Seconds * 1_000_000_000 + ts.Nanoseconds : 0;
    }
}
