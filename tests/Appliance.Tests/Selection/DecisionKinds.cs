using Recd.Selection;

namespace Recd.Tests.Selection;

/// <summary>
/// The kind of the selector's latest decision, as the regression table names it: the decision value's
/// kind. <see cref="Classify"/> reads it from the sentence, as the table was frozen from the rule-block
/// selector, which had no decision values; a test holds the two to agree.
/// </summary>
internal static class DecisionKinds
{
    public static string Of(Selector s) => s.Decision.Kind.ToString();

    public static string Classify(string reason)
    {
        if (reason.StartsWith("start on"))
            return reason.Contains("other recordings on the mount") ? "StartShared"
                : reason.Contains("another condition") ? "StartBorrowed"
                : reason.Contains("not learned yet") ? "StartSeeded"
                : reason.Contains("of the paths not crowded") ? "StartLearnedCrowded"
                : reason.Contains("cheapest learned") ? "StartLearned" : "StartPrior";
        if (reason.StartsWith("band widened")) return "StartWidened";
        if (reason.StartsWith("probing ")) return "Probe";
        if (reason.StartsWith("settled on")) return "Settle";
        if (reason.StartsWith("confirming")) return "Confirm";
        if (reason.StartsWith("checking")) return "Check";
        if (reason.StartsWith("switched")) return "Switch";
        if (reason.StartsWith("stayed on")) return reason.Contains(" beside its ") ? "ConfirmRefuted" : "CheckRefuted";
        if (reason.StartsWith("re-probing")) return "Reprobe";
        if (reason.StartsWith("measuring")) return "ProbeForMount";
        if (reason.StartsWith("on ")) return "Return";
        string rest = reason[(reason.IndexOf(' ') + 1)..];
        if (rest.StartsWith("takes over:")) return "TakeOver";
        if (rest.StartsWith("fell behind")) return "StarvationCheck";
        if (rest.StartsWith("dropped:")) return "Starved";
        if (rest.StartsWith("not starved")) return "NotStarved";
        if (rest.StartsWith("unavailable here")) return "Unavailable";
        throw new InvalidOperationException("unclassified decision: " + reason);
    }
}
