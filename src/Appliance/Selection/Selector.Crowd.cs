namespace Recd.Selection;

/// <summary>R1b, the crowd limit: which path's crowd a recording joins at its start, and leaving it at the end.</summary>
public sealed partial class Selector
{
    /// <summary>The recording ended: a probe round it was still running is given back to the mount, a check it claimed is dropped (R14), and it leaves its path's crowd (R1).</summary>
    public void Finish()
    {
        _round?.End();
        AnswerCheck(beside: false, rankingHeld: false); // a check in flight will not be judged
        if (_leftCrowd) return;
        _leftCrowd = true;
        if (_settled >= 0) _budget.Mount?.MoveCrowd(_choices[_settled].Label, null);
    }

    /// <summary>The most recordings of the mount on path <paramref name="i"/> at once while this one was settled there (R1's crowd).</summary>
    public int CrowdSeen(int i) => _crowdSeen[i];

    /// <summary>
    /// The most of the mount's other recordings settled on path <paramref name="i"/> at once while this
    /// one was settled on another (§6: then both figures were measured side by side, in one phase).
    /// </summary>
    public int CrowdBeside(int i) => _crowdBeside[i];

    /// <summary>At a judged window on the chosen path: the crowds on it and beside it.</summary>
    private void NoteCrowds()
    {
        if (_current != _settled || _settled < 0 || _budget.Mount is not { } m) return;
        for (int i = 0; i < _choices.Length; i++)
        {
            int n = m.CrowdOn(_choices[i].Label);
            if (i == _settled) _crowdSeen[i] = Math.Max(_crowdSeen[i], n);
            else _crowdBeside[i] = Math.Max(_crowdBeside[i], n);
        }
    }

    /// <summary>R1b: what path <paramref name="i"/> may carry, twice the crowd it was measured with (at least ProbeRoundsPerBand).</summary>
    private int CrowdLimit(int i) => Math.Max(_o.ProbeRoundsPerBand, 2 * _e.Costs[i].Crowd);

    /// <summary>
    /// R1's crowd limit: the cheapest learned path that carries fewer of the mount's recordings now
    /// than twice the crowd it was measured with (at least ProbeRoundsPerBand), else
    /// <paramref name="best"/>; joined to its crowd. A figure measured beside others says little of a
    /// crowd: on ext4 at x16 a buffered window beside direct or splice measured 0.25-0.45 ns/B and
    /// 0.65-0.95 once most of the run's recordings were on buffered. The crowd a path may take
    /// doubles with what it was seen carry, as a congestion window does.
    /// </summary>
    private int JoinCheapestUncrowded(int best)
    {
        if (_budget.Mount is not { } mount) return best;
        // Held back only for a path it could stand in for: one dearer than twice the crowded figure
        // stays dearer even if that figure is off by the 2.2x measured above (ntfs-3g: buffered and
        // splice cost 10-18x direct, so a recording held off direct there could only lose).
        double bar = 2 * _e.Costs[best].NsPerByte;
        Span<int> order = stackalloc int[_e.Count];
        int n = 0;
        for (int i = 0; i < _e.Count; i++)
        {
            var c = _e.Costs[i];
            if (c.Windows == 0 || c.Excluded || double.IsNaN(c.NsPerByte) || c.NsPerByte > bar) continue;
            int at = n++;
            for (; at > 0 && _e.Costs[order[at - 1]].NsPerByte > c.NsPerByte; at--) order[at] = order[at - 1];
            order[at] = i;
        }
        // Checked and joined under the mount's lock: sixteen recordings begin on sixteen threads at once.
        foreach (int i in order[..n])
            if (mount.TryJoinCrowd(_choices[i].Label, CrowdLimit(i))) return i;
        mount.MoveCrowd(null, _choices[best].Label);
        return best;
    }
}
