namespace Recd.Selection;

/// <summary>
/// R1: one recording's answer from its mount on whether it runs the probe round of its borrowed seed
/// (<see cref="MountExploration.ClaimBorrowedRound"/>). A granted round is given back when the
/// recording settles or ends, whichever comes first, so the next recording in the band may probe.
/// </summary>
public sealed class BorrowedRound
{
    private readonly MountExploration _mount;
    private readonly ConcurrencyBand _band;
    private bool _ended;

    internal BorrowedRound(MountExploration mount, ConcurrencyBand band, bool granted)
    {
        _mount = mount;
        _band = band;
        Granted = granted;
    }

    public bool Granted { get; }

    public void End()
    {
        if (!Granted || _ended) return;
        _ended = true;
        _mount.EndBorrowedRound(_band);
    }
}
