using Recd.Interop;

namespace Recd.Platform;

/// <summary>
/// Busy time of the whole machine from the first line of /proc/stat (user+nice+system+irq+softirq+steal),
/// in nanoseconds. Read with pread into a fixed buffer: no allocation, cheap enough per window.
/// /proc/stat is in USER_HZ ticks (100 Hz on every Linux ABI), so the resolution is 10 ms per CPU.
/// </summary>
public static unsafe class SystemCpu
{
    private const long NsPerTick = 10_000_000;
    private static readonly ProcFile Stat = new("/proc/stat", 511);

    /// <summary>Busy nanoseconds since boot, or -1 if /proc/stat is unreadable.</summary>
    public static long BusyNanoseconds()
    {
        long ticks = Stat.Read(&ParseBusyTicks);
        return ticks < 0 ? -1 : ticks * NsPerTick;
    }

    /// <summary>"cpu  user nice system idle iowait irq softirq steal ..." -> busy ticks.</summary>
    internal static long ParseBusyTicks(ReadOnlySpan<byte> text)
    {
        if (!text.StartsWith("cpu "u8)) return -1;
        int field = 0;
        long busy = 0, value = 0;
        bool inNumber = false;
        for (int i = 4; i < text.Length && text[i] != '\n'; i++)
        {
            byte b = text[i];
            if (b >= '0' && b <= '9') { value = value * 10 + (b - '0'); inNumber = true; continue; }
            if (!inNumber) continue;
            // fields: 0 user, 1 nice, 2 system, 3 idle, 4 iowait, 5 irq, 6 softirq, 7 steal
            if (field is 0 or 1 or 2 or 5 or 6 or 7) busy += value;
            field++;
            value = 0;
            inNumber = false;
        }
        if (inNumber && field is 0 or 1 or 2 or 5 or 6 or 7) busy += value;
        return busy;
    }
}
