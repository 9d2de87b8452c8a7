using System.Text;

namespace Recd.Selection;

/// <summary>
/// The human sentence of a <see cref="Decision"/>: the manifest's "decision", the debug log's line.
/// Made when read, from the decision's figures (the Settle sentence lists the costs as they stand
/// when it is read), and ended with the condition those figures belong to.
/// </summary>
internal static class DecisionText
{
    public static string Sentence(Selector s, in Decision d, in Decision cause)
    {
        var sb = new StringBuilder(Body(s, d));
        if (d.Kind == DecisionKind.TakeOver) sb.Append(Body(s, cause));
        sb.Append(" [").Append(s.ConditionText()).Append(']');
        return sb.ToString();
    }

    private static string Body(Selector s, in Decision d)
    {
        string p = d.Path >= 0 ? s.Choices[d.Path].Label : "-", o = d.Other >= 0 ? s.Choices[d.Other].Label : "-";
        return d.Kind switch
        {
            DecisionKind.StartPrior => $"start on {p}: the board's prior",
            DecisionKind.StartBorrowed => $"start on {p}: cheapest learned in another condition ({Figure(d.A, d.B)}), to probe each path in this one",
            DecisionKind.StartLearnedCrowded => $"start on {p}: cheapest learned ({Figure(d.A, d.B)}) of the paths not crowded; {o} (cheaper, {d.C:F3} ns/B) carries {d.D:F0} recordings already, measured with at most {d.E:F0}",
            DecisionKind.StartSeeded => $"start on {p}: cheapest learned here ({Figure(d.A, d.B)}), to probe the paths not learned yet",
            DecisionKind.StartShared => $"start on {p}: {(d.Note == nameof(DecisionKind.StartPrior) ? "the board's prior" : d.Note == nameof(DecisionKind.StartBorrowed) ? $"cheapest learned in another condition ({Figure(d.A, d.B)})" : $"cheapest learned here ({Figure(d.A, d.B)})")}; other recordings on the mount are probing this condition",
            DecisionKind.StartLearned => $"start on {p}: cheapest learned on this mount ({Figure(d.A, d.B)})",
            DecisionKind.StartWidened => $"band widened to {(s.Condition is { } c ? LearnedCondition.BandText(c.Band) : "?")} before the probe round ended: settled on {p}, cheapest learned there ({Figure(d.A, d.B)})"
                + (d.Other >= 0 ? $" of the paths not crowded; {o} (cheaper, {d.C:F3} ns/B) carries {d.D:F0} recordings already, measured with at most {d.E:F0}" : ""),
            DecisionKind.Probe => $"probing {p}",
            DecisionKind.Settle => $"settled on {p} after probing: {s.Summary()}",
            DecisionKind.Starved => d.Flag
                ? $"{p} dropped: {d.A / 1e6:F0} MB/s with data queued, while {o}, measured beside it, kept up at {d.B / 1e6:F0} MB/s"
                : $"{p} dropped: {d.A / 1e6:F0} MB/s with data queued, while {o} kept up at {d.B / 1e6:F0} MB/s",
            DecisionKind.StarvationCheck => $"{p} fell behind ({d.A / 1e6:F0} MB/s with data queued): measuring {o} beside it ({Age(d.Age)})",
            DecisionKind.NotStarved => $"{p} not starved: {o}, measured beside it, {(d.Flag ? "kept up" : "did not keep up either")} at {d.A / 1e6:F0} MB/s ({p} {d.B / 1e6:F0} MB/s)",
            DecisionKind.Return => $"on {p} ({Figure(d.A, d.B)}); {o} re-measured at {Figure(d.C, d.D)}",
            DecisionKind.TakeOver => $"{p} takes over: ",
            DecisionKind.Confirm => $"confirming {p} ({Figure(d.A, d.B)}, {Age(d.Age)}) against {o} ({Figure(d.C, d.D)}): "
                + (d.Flag ? "measured cheaper beside it" : $"{o} now dearer than {p} was when last measured ({d.E:F3} ns/B)"),
            DecisionKind.Check => $"checking {p} ({d.A:F3} ns/B after {d.B:F3} of {o}) against {o}'s next window",
            DecisionKind.ConfirmRefuted => $"stayed on {p}: {o} measured {d.A:F3} ns/B beside its {d.B:F3}",
            DecisionKind.Switch => $"switched {o} -> {p}: {d.A:F3} ns/B, cheaper than {o}'s windows on both sides of it (the one after: {d.B:F3}), after {d.Age} windows of {Figure(d.C, d.D)}",
            DecisionKind.CheckRefuted => $"stayed on {p}: {o} measured {d.A:F3} ns/B, {p} {d.B:F3} in the window after it",
            DecisionKind.ProbeForMount => $"measuring {p} for the mount ({Age(d.Age)}): too short to switch itself",
            DecisionKind.Reprobe => $"re-probing {p} ({Age(d.Age)})",
            DecisionKind.Unavailable => $"{p} unavailable here ({d.Note})",
            _ => d.Kind.ToString(),
        };
    }

    private static string Figure(double nsPerByte, double bytesPerSecond) => $"{nsPerByte:F3} ns/B at {bytesPerSecond / 1e6:F0} MB/s";

    private static string Age(int age) => age < 0 ? "not yet measured in this recording" : $"last measured {age} windows ago";
}
