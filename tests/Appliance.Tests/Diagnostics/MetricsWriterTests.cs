using Recd.Diagnostics;

namespace Recd.Tests.Diagnostics;

public class MetricsWriterTests
{
    private static string[] Lines(MetricsWriter w) => w.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void HelpAndTypeOncePerFamilyWithItsSamplesTogether()
    {
        var w = new MetricsWriter()
            .Counter("recd_a_total", "A.", 1, ("path", "x"))
            .Gauge("recd_b", "B.", 2)
            .Counter("recd_a_total", "A.", 3, ("path", "y"));
        Assert.Equal(
            ["# HELP recd_a_total A.", "# TYPE recd_a_total counter", "recd_a_total{path=\"x\"} 1", "recd_a_total{path=\"y\"} 3",
             "# HELP recd_b B.", "# TYPE recd_b gauge", "recd_b 2"],
            Lines(w));
    }

    [Fact]
    public void DeclaredFamilyWithoutSamplesIsListed()
    {
        var w = new MetricsWriter().Declare(MetricsWriter.Kind.Counter, "recd_errors_total", "None yet.");
        Assert.Equal(["# HELP recd_errors_total None yet.", "# TYPE recd_errors_total counter"], Lines(w));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("two\nlines", "two\\nlines")]
    [InlineData("ext4:/dev/sda1:/ thread+fuse", "ext4:/dev/sda1:/ thread+fuse")]
    [InlineData("tab\tand {braces}, = ünïcode", "tab\tand {braces}, = ünïcode")]
    public void LabelValuesEscapeBackslashQuoteAndNewlineOnly(string value, string escaped)
    {
        var w = new MetricsWriter().Gauge("recd_g", "G.", 1, ("mount", value));
        Assert.Equal($"recd_g{{mount=\"{escaped}\"}} 1", Lines(w)[2]);
    }

    [Fact]
    public void HelpEscapesBackslashAndNewlineButNotQuotes()
    {
        var w = new MetricsWriter().Gauge("recd_g", "say \"hi\"\\\nthere", 1);
        Assert.Equal("# HELP recd_g say \"hi\"\\\\\\nthere", Lines(w)[0]);
    }

    [Fact]
    public void DuplicateSeriesIsRefusedWhateverTheLabelOrder()
    {
        var w = new MetricsWriter().Gauge("recd_g", "G.", 1, ("a", "1"), ("b", "2"));
        Assert.Throws<ArgumentException>(() => w.Gauge("recd_g", "G.", 2, ("b", "2"), ("a", "1")));
        Assert.Throws<ArgumentException>(() => new MetricsWriter().Gauge("recd_h", "H.", 1).Gauge("recd_h", "H.", 2));
        w.Gauge("recd_g", "G.", 3, ("a", "1"), ("b", "3")); // another value of a label is another series
        Assert.Equal(4, Lines(w).Length);
    }

    [Fact]
    public void FamilyRedeclaredDifferentlyIsRefused()
    {
        var w = new MetricsWriter().Gauge("recd_g", "G.", 1);
        Assert.Throws<ArgumentException>(() => w.Gauge("recd_g", "Other help.", 1, ("a", "1")));
    }

    [Theory]
    [InlineData(MetricsWriter.Kind.Counter, "recd_bytes")]        // a counter without _total
    [InlineData(MetricsWriter.Kind.Gauge, "recd_bytes_total")]    // _total on a gauge
    [InlineData(MetricsWriter.Kind.Gauge, "recd-bytes")]
    [InlineData(MetricsWriter.Kind.Gauge, "9recd")]
    [InlineData(MetricsWriter.Kind.Gauge, "")]
    public void BadNamesAreRefused(MetricsWriter.Kind kind, string name) =>
        Assert.Throws<ArgumentException>(() => new MetricsWriter().Declare(kind, name, "x"));

    [Theory]
    [InlineData("__reserved")]
    [InlineData("1st")]
    [InlineData("with-dash")]
    [InlineData("")]
    public void BadLabelNamesAreRefused(string label) =>
        Assert.Throws<ArgumentException>(() => new MetricsWriter().Gauge("recd_g", "G.", 1, (label, "v")));

    [Fact]
    public void SameLabelTwiceInOneSampleIsRefused() =>
        Assert.Throws<ArgumentException>(() => new MetricsWriter().Gauge("recd_g", "G.", 1, ("a", "1"), ("a", "2")));

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(1.5e-9, "1.5E-09")]
    [InlineData(0.0, "0")]
    public void ValuesUseTheFormatsSpellings(double value, string text)
    {
        Assert.Equal(text, MetricsWriter.FormatValue(value));
        // Whatever the spelling, Go's ParseFloat (the server's) and ours read it back alike.
        if (double.IsFinite(value)) Assert.Equal(value, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void LongCountersAreExactBeyondDoublePrecision()
    {
        var w = new MetricsWriter().Counter("recd_bytes_total", "B.", (1L << 53) + 1);
        Assert.Equal("recd_bytes_total 9007199254740993", Lines(w)[2]);
    }

    [Fact]
    public void OutputEndsWithANewline() =>
        Assert.EndsWith("\n", new MetricsWriter().Gauge("recd_g", "G.", 1).Render());
}
