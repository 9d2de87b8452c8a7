namespace Recd.Selection;

/// <summary>
/// The exploration the recordings of one mount share. A recording too short to earn back a switch
/// (16 streams of 64 MiB are 8 windows each) never probes for itself, so a learned ranking that is
/// wrong would stay wrong for every short recording after it. Such a recording may still measure one
/// other path for one window, for the mount, while all the mount's recordings together have spent no
/// more than the budgets on exploring: the window goes into the learned costs the next ones start from.
/// </summary>
public sealed class MountExploration
{
    private readonly object _gate = new();
    private long _total, _explored;
    private double _spentNs, _extraNs;
    private int _turn;

    /// <summary>One window of some recording on this mount: its bytes, CPU, and what exploring cost beyond the chosen path.</summary>
    public void Account(long bytes, bool explored, double spentNs, double extraNs)
    {
        lock (_gate)
        {
            _total += bytes;
            if (explored) _explored += bytes;
            _spentNs += spentNs;
            _extraNs += extraNs;
        }
    }

    /// <summary>
    /// Takes one probe window for the mount if it fits both budgets (<paramref name="extraNs"/>: what
    /// the window is expected to cost beyond the chosen path). <paramref name="turn"/> rotates, so
    /// short recordings take the other paths in turn.
    /// </summary>
    public bool TryTake(long windowBytes, double byteBudget, double extraNs, double costBudget, double windowNs, out int turn)
    {
        lock (_gate)
        {
            turn = 0;
            if (_explored + windowBytes > byteBudget * (_total + windowBytes)) return false;
            if (_extraNs + extraNs > costBudget * (_spentNs + windowNs)) return false;
            _explored += windowBytes; // reserved now: concurrent recordings must not all take the same room
            turn = _turn++;
            return true;
        }
    }
}
