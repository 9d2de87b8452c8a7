using Recd.WritePaths;

namespace Recd.Tests.Selection;

/// <summary>The three default candidates of "auto", as the selector tests name them.</summary>
internal static class Candidates
{
    public static readonly WritePathOptions Sizes = new();
    public static PathChoice P(string s) { Assert.True(PathChoice.TryParse(s, Sizes, out var c)); return c; }
    public static readonly PathChoice Buffered = P("buffered/256K"), Splice = P("splice/1M"), Direct = P("direct/4M");
}
