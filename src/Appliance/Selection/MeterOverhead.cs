using System.Diagnostics;
using Recd.Interop;
using Recd.Platform;

namespace Recd.Selection;

/// <summary>"recd meter-overhead": what leaving the cost meter on costs, measured on this box.</summary>
public static class MeterOverhead
{
    public static int Run()
    {
        const int N = 200_000;
        var meter = new CostMeter(long.MaxValue, int.MaxValue);
        for (int i = 0; i < 1000; i++) { meter.Begin(); meter.End(1, -1, out _); }
        long cpu0 = Libc.ThreadCpuNanoseconds();
        for (int i = 0; i < N; i++) { meter.Begin(); meter.End(1, -1, out _); }
        double perSpan = (double)(Libc.ThreadCpuNanoseconds() - cpu0) / N;

        // A window's close asks the socket's queue; under the system view it also reads /proc/stat,
        // at its open and at its close (the thread views leave that out: CostMeter's systemView).
        const int W = 20_000;
        cpu0 = Libc.ThreadCpuNanoseconds();
        for (int i = 0; i < W; i++) Libc.QueuedBytes(0);
        double perWindow = (double)(Libc.ThreadCpuNanoseconds() - cpu0) / W;
        cpu0 = Libc.ThreadCpuNanoseconds();
        for (int i = 0; i < W; i++) SystemCpu.BusyNanoseconds();
        double perSystemRead = (double)(Libc.ThreadCpuNanoseconds() - cpu0) / W;

        // A GiB at recd's defaults: 4 MiB spans, 8 MiB windows.
        double perGibUs = (256 * perSpan + 128 * perWindow) / 1000;
        double systemGibUs = perGibUs + 128 * 2 * perSystemRead / 1000;
        Console.WriteLine($"{perSpan:F0} ns per span, {perWindow:F0} ns per window close; {perGibUs:F1} us per GiB " +
                          $"({perGibUs / 1e6 / 0.5 * 100:F4}% of a 0.5 CPU-s/GiB path); under the system cost view " +
                          $"+{2 * perSystemRead:F0} ns per window (/proc/stat at open and close): {systemGibUs:F1} us per GiB");
        return 0;
    }
}
