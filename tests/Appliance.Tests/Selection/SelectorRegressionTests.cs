using System.Runtime.CompilerServices;
using System.Text;

namespace Recd.Tests.Selection;

/// <summary>
/// The regression table: every scenario of <see cref="SelectorScenarios"/>, run through the daemon's
/// protocol, records per window the path it was on and the kind of the selector's latest decision
/// (run-length lines), and per recording its end state. The table (SelectorRegression.table) was
/// frozen from the rule-block selector before its rewrite as a state machine; a difference must be
/// listed in docs/selector.md §9 with why the new behaviour is right, and the table regenerated:
/// RECD_FREEZE_SELECTOR_TABLE=1 dotnet test ... --filter SelectorRegressionTests.
/// </summary>
public class SelectorRegressionTests
{
    private static string TablePath([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "SelectorRegression.table");

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var s in SelectorScenarios.All()) data.Add(s.Name);
        return data;
    }

    private static string Run(string name)
    {
        var sb = new StringBuilder();
        SelectorScenarios.All().Single(s => s.Name == name).Run(sb);
        return sb.ToString();
    }

    /// <summary>The table's sections by scenario name.</summary>
    private static Dictionary<string, string> Frozen()
    {
        var sections = new Dictionary<string, string>();
        string? name = null;
        var sb = new StringBuilder();
        foreach (var line in File.ReadLines(TablePath()))
        {
            if (line.StartsWith("== "))
            {
                if (name is not null) sections[name] = sb.ToString();
                name = line[3..];
                sb.Clear();
            }
            else if (name is not null) sb.Append(line).Append('\n');
        }
        if (name is not null) sections[name] = sb.ToString();
        return sections;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesTheFrozenTable(string name)
    {
        if (Environment.GetEnvironmentVariable("RECD_FREEZE_SELECTOR_TABLE") == "1") return; // FreezeTable writes it
        var frozen = Frozen();
        Assert.True(frozen.TryGetValue(name, out var want), $"scenario {name} is not in the table: freeze it");
        string got = Run(name).Replace("\r", "");
        if (got == want) return;
        var a = want.Split('\n');
        var b = got.Split('\n');
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        Assert.Fail($"{name} differs at line {i + 1}:\n  frozen: {(i < a.Length ? a[i] : "(end)")}\n  now:    {(i < b.Length ? b[i] : "(end)")}");
    }

    [Fact]
    public void TableNamesEveryScenario()
    {
        if (Environment.GetEnvironmentVariable("RECD_FREEZE_SELECTOR_TABLE") == "1")
        {
            var sb = new StringBuilder("# Frozen by SelectorRegressionTests: per window range, the path and the selector's latest decision; per recording its end.\n");
            foreach (var s in SelectorScenarios.All())
            {
                sb.Append("== ").Append(s.Name).Append('\n');
                var one = new StringBuilder();
                s.Run(one);
                sb.Append(one.ToString().Replace("\r", ""));
            }
            File.WriteAllText(TablePath(), sb.ToString());
        }
        Assert.Equal(SelectorScenarios.All().Select(s => s.Name).Order(), Frozen().Keys.Order());
    }
}
