using Recd.WritePaths;

namespace Recd.Selection;

public sealed partial class Selector
{
    /// <summary>
    /// Phase Reprobe (R14, R15, R13): the probe window was read beside the chosen path by the estimate
    /// (R4), and when the mount paid for it, its answer went to the mount (<see cref="Observe"/>, R16).
    /// Then the Steady rules decide on the same window: usually back to the chosen path (R7), or a
    /// confirmation when the probe showed a cheaper path (R9).
    /// </summary>
    private PathChoice OnReprobe() => SteadyRules();
}
