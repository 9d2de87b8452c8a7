using Recd.Ingest;
using Xunit;

namespace Recd.Tests;

/// <summary>
/// A recording name is one path segment of [A-Za-z0-9._-] not starting with '.': it can never
/// name a file outside the storage root, a manifest, "." or "..". Percent-encoding is refused, not decoded.
/// </summary>
public class RecordingNameTests
{
    private static readonly int Max = new HttpLimits().MaxNameLength;

    [Theory]
    [InlineData("a")]
    [InlineData("Z")]
    [InlineData("0")]
    [InlineData("show.ts")]
    [InlineData("2025-11-25_20.15_Tagesschau.ts")]
    [InlineData("a..b")]              // dots inside are harmless: still one segment
    [InlineData("a.")]
    [InlineData("-")]
    [InlineData("_")]
    [InlineData("a-b_c.d")]
    [InlineData("ABCxyz0123456789")]
    public void Valid(string name)
    {
        Assert.True(RecordingName.IsValid(name, Max));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData(".x.manifest")]
    [InlineData("a/b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData("../x")]
    [InlineData("..%2fx")]
    [InlineData("a\\b")]
    [InlineData("..\\x")]
    [InlineData("%2e%2e")]
    [InlineData("%2E%2E%2F")]
    [InlineData("%252e%252e")]
    [InlineData("%c0%ae%c0%ae")]
    [InlineData("a b")]
    [InlineData("a\tb")]
    [InlineData("a\0b")]
    [InlineData("a\0")]
    [InlineData("\0")]
    [InlineData("a\nb")]
    [InlineData("a:b")]
    [InlineData("a*")]
    [InlineData("a?b")]
    [InlineData("a#b")]
    [InlineData("~root")]
    [InlineData("caf\u00e9")]
    [InlineData("\u0430")]            // Cyrillic a, looks like 'a'
    [InlineData("a\u2024b")]          // ONE DOT LEADER
    [InlineData("\uff0e\uff0e")]      // FULLWIDTH FULL STOP x2
    [InlineData("a\u2215b")]          // DIVISION SLASH
    [InlineData("\ud83d\udcfa")]      // emoji (surrogate pair)
    public void Invalid(string name)
    {
        Assert.False(RecordingName.IsValid(name, Max));
    }

    [Fact]
    public void Length_ExactlyMaxIsValid_OneMoreIsNot()
    {
        Assert.Equal(128, Max);
        Assert.True(RecordingName.IsValid(new string('a', Max), Max));
        Assert.False(RecordingName.IsValid(new string('a', Max + 1), Max));
        Assert.True(RecordingName.IsValid("x", 1));
        Assert.False(RecordingName.IsValid("xy", 1));
    }

    [Fact]
    public void EveryAsciiCharacter_OnlyTheDocumentedSetIsAllowed()
    {
        for (int c = 0; c < 128; c++)
        {
            bool expected = char.IsAsciiLetterOrDigit((char)c) || c is '.' or '_' or '-';
            // In the middle, so the leading-dot rule does not interfere.
            Assert.Equal(expected, RecordingName.IsValid("a" + (char)c + "b", Max));
        }
    }
}
