namespace Recd.Selection;

/// <summary>
/// R1: one recording's answer from its mount on whether it may run a probe round at its start
/// (<see cref="MountExploration.ClaimProbeRound"/>). A granted round is given back when the
/// recording settles or ends, whichever comes first, so the next recording in the band may probe.
/// </summary>
public sealed class ProbeRound
{
    private readonly MountExploration _mount;
    private readonly ConcurrencyBand _band;
    private bool _ended;

    internal ProbeRound(MountExploration mount, ConcurrencyBand band, bool granted)
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
        _mount.EndProbeRound(_band);
    }
}
