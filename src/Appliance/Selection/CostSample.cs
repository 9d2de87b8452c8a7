using Recd.Platform;

namespace Recd.Selection;

/// <summary>
/// One measured window of one recording: bytes moved, the CPU the transfer thread spent
/// (CLOCK_THREAD_CPUTIME_ID: exactly this recording's syscalls and copies), wall time, and the
/// whole machine's busy time over the same span (/proc/stat: receive softirq work often runs on
/// another CPU or in interrupt context and never shows in the thread's clock).
/// </summary>
/// <param name="Absorbed">The machine's dirty page cache grew by at least half of what the window wrote:
/// it moved at memory speed, which says nothing about the rate the storage sustains.</param>
/// <param name="FuseServerNs">This window's share of the CPU of the FUSE server behind the mount (see
/// <see cref="FuseServer.Share"/>): 0 off FUSE.</param>
/// <param name="WritebackNs">The writeback the window's page-cache bytes leave to the next sync, priced as
/// the transfer thread's syncs measured it (<see cref="CostMeter.EndSync"/>): the same thread pays it
/// later, outside the calls. 0 for O_DIRECT windows and before any sync was measured.</param>
public readonly record struct CostSample(long Bytes, long ThreadCpuNs, long WallNs, long SystemBusyNs, bool Backlogged, bool Absorbed = false,
    long FuseServerNs = 0, long WritebackNs = 0)
{
    /// <summary>The window's cost in the given view (<see cref="CostViews"/>). The thread views carry the
    /// window's writeback: at live rates it is what separates the page-cache paths from O_DIRECT
    /// (docs/measurements/2026-12-02-live.md, "where the daemon's CPU goes").</summary>
    public long CostNs(string view) => view switch
    {
        CostViews.System => SystemBusyNs,
        CostViews.ThreadFuse => ThreadCpuNs + WritebackNs + FuseServerNs,
        _ => ThreadCpuNs + WritebackNs,
    };

    public double NsPerByte(string view) => Bytes > 0 ? (double)CostNs(view) / Bytes : double.NaN;

    public double ThreadNsPerByte => Bytes > 0 ? (double)ThreadCpuNs / Bytes : double.NaN;
    public double SystemNsPerByte => Bytes > 0 ? (double)SystemBusyNs / Bytes : double.NaN;
    public double BytesPerSecond => WallNs > 0 ? Bytes * 1e9 / WallNs : 0;
}
