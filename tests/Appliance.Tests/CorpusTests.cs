using System.Text.RegularExpressions;
using Recd.Ingest;
using Xunit;

namespace Recd.Tests;

/// <summary>
/// The hostile-request corpus (tests/corpus, written by generate.py; format in its README) run through
/// the pure parsers. tests/e2e/hostile.sh sends the same files to the running daemon; here each file's
/// stage says which part of recd must decide its status:
///   head  - HttpHeadParser rejects it with exactly that status;
///   route - the head is valid: routing or the endpoint decides before any body byte is read;
///   body  - the head is a valid chunked PUT: the chunked decoder rejects the body (400);
///   ok    - a valid request: head complete, and its body (if any) is framed correctly.
/// </summary>
public partial class CorpusTests
{
    private static readonly HttpLimits Limits = new();

    [GeneratedRegex(@"^(?<status>[1-5][0-9]{2})-(?<stage>head|route|body|ok)-[A-Za-z0-9_-]+\.http$")]
    private static partial Regex FileName();

    internal static string CorpusDirectory()
    {
        // Walk up from the test assembly to the repository root (the folder holding build.sh).
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "build.sh")))
                return Path.Combine(dir.FullName, "tests", "corpus");
        }
        throw new DirectoryNotFoundException($"no build.sh above {AppContext.BaseDirectory}");
    }

    private static string[] AllFiles() =>
        Directory.GetFiles(CorpusDirectory(), "*.http").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public static TheoryData<string> Files => new(AllFiles());

    private static (int Status, string Stage, byte[] Bytes) Load(string file)
    {
        var m = FileName().Match(file);
        Assert.True(m.Success, $"{file}: name is not NNN-(head|route|body|ok)-description.http");
        return (int.Parse(m.Groups["status"].Value), m.Groups["stage"].Value, File.ReadAllBytes(Path.Combine(CorpusDirectory(), file)));
    }

    [Fact]
    public void Corpus_HasAtLeast200WellNamedFiles_InEveryStage()
    {
        var files = AllFiles();
        Assert.True(files.Length >= 200, $"only {files.Length} corpus files");
        foreach (var f in files) Assert.Matches(FileName(), f);
        foreach (var stage in new[] { "head", "route", "body", "ok" })
            Assert.Contains(files, f => f.Contains($"-{stage}-"));
        Assert.True(File.Exists(Path.Combine(CorpusDirectory(), "generate.py")));
        Assert.True(File.Exists(Path.Combine(CorpusDirectory(), "README.md")));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void CorpusFile_ParsesAsItsStageSays(string file)
    {
        var (status, stage, bytes) = Load(file);
        var head = new RequestHead();
        var result = HttpHeadParser.TryParse(bytes, Limits, head, out int consumed, out var error);

        if (stage == "head")
        {
            Assert.True(result == ParseStatus.Invalid, $"{file}: parser said {result}, expected Invalid {status}");
            Assert.Equal(status, error.Status);
            Assert.Equal(0, consumed);
            return;
        }

        // Every other stage needs a complete, valid head (so the e2e run never waits for a timeout).
        Assert.True(result == ParseStatus.Complete, $"{file}: parser said {result} {error.Status} {error.Reason}");
        var body = bytes.AsSpan(consumed);
        switch (stage)
        {
            case "body":
                Assert.Equal(400, status);
                Assert.Equal(RequestMethod.Put, head.Kind);
                Assert.True(head.Chunked, $"{file}: body-stage files are chunked PUTs");
                Assert.True(RecordingName.IsValid(head.Path["/recordings/".Length..], Limits.MaxNameLength), $"{file}: name must be valid to reach the body");
                var walk = ChunkedDecoderTests.Walk(body, Limits.MaxChunkLineBytes, Limits.MaxHeaderBytes, out _, out var bodyError);
                Assert.True(walk == ParseStatus.Invalid, $"{file}: chunked body is {walk}, expected Invalid");
                Assert.Equal(status, bodyError.Status);
                break;
            case "ok":
                Assert.InRange(status, 200, 299);
                if (head.Chunked)
                    Assert.Equal(ParseStatus.Complete, ChunkedDecoderTests.Walk(body, Limits.MaxChunkLineBytes, Limits.MaxHeaderBytes, out _, out _));
                else
                    Assert.Equal(Math.Max(head.ContentLength, 0), body.Length);
                break;
            case "route":
                // A status chosen before the body is read: the body, if any, is never decoded. The
                // file must still be well framed so the status cannot come from the framing instead.
                if (head.Chunked)
                    Assert.Equal(ParseStatus.Complete, ChunkedDecoderTests.Walk(body, Limits.MaxChunkLineBytes, Limits.MaxHeaderBytes, out _, out _));
                else
                    Assert.Equal(Math.Max(head.ContentLength, 0), body.Length);
                break;
        }
    }

    /// <summary>Same files, one byte at a time: a head-stage file is never Complete at any prefix.</summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void CorpusFile_HeadStage_NoPrefixIsComplete(string file)
    {
        var (status, stage, bytes) = Load(file);
        if (stage != "head") return;
        // Prefixes past the limits are all the same answer; stop a little beyond the header allowance.
        int end = Math.Min(bytes.Length, Limits.MaxHeaderBytes + 16);
        var head = new RequestHead();
        // Every byte for the first 4 KiB; past that every 61st byte and the last (the scan is quadratic).
        for (int i = 1; i <= end; i = i < 4096 || i == end ? i + 1 : Math.Min(end, i + 61))
        {
            var r = HttpHeadParser.TryParse(bytes.AsSpan(0, i), Limits, head, out _, out var error);
            Assert.NotEqual(ParseStatus.Complete, r);
            if (r == ParseStatus.Invalid)
            {
                Assert.Equal(status, error.Status);
                return;
            }
        }
        Assert.Fail($"{file}: no rejection within {end} bytes");
    }
}
