using Recd.Ingest;
using Xunit;

namespace Recd.Tests;

/// <summary>
/// Content-Range on a resuming PUT ("bytes START-END/TOTAL|*") and Range on GET (one range of
/// "bytes=A-B | A- | -N"; anything else ignored, which RFC 9110 14.2 allows).
/// </summary>
public class ContentRangeHeaderTests
{
    // ---------------------------------------------------------------- Content-Range (upload)

    [Theory]
    [InlineData("bytes 0-9/*", 0L, 9L)]
    [InlineData("bytes 10-19/20", 10L, 19L)]
    [InlineData("bytes 0-0/1", 0L, 0L)]
    [InlineData("bytes 5-5/*", 5L, 5L)]
    [InlineData("bytes 1073741824-2147483647/*", 1073741824L, 2147483647L)]
    [InlineData("bytes 0-999999999999999999/*", 0L, 999999999999999999L)]
    public void Upload_Valid(string value, long start, long end)
    {
        Assert.True(ContentRangeHeader.TryParseUpload(value, out long s, out long e));
        Assert.Equal(start, s);
        Assert.Equal(end, e);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bytes")]
    [InlineData("bytes ")]
    [InlineData("bytes 0-9")]            // no complete-length
    [InlineData("bytes 0-9/")]
    [InlineData("bytes 0-9/x")]
    [InlineData("bytes 0-9/-1")]
    [InlineData("bytes 0-9/*/*")]
    [InlineData("bytes */20")]           // unsatisfied-range: only a response sends that
    [InlineData("bytes 9-0/*")]          // last < first (RFC 9110 14.4)
    [InlineData("bytes -5/*")]
    [InlineData("bytes 0-/*")]
    [InlineData("bytes -/*")]
    [InlineData("bytes +0-9/*")]
    [InlineData("bytes 0-+9/*")]
    [InlineData("bytes 0x0-0x9/*")]
    [InlineData("bytes 0 - 9/*")]
    [InlineData("bytes 0-9,10-19/*")]
    [InlineData("bytes 0-99999999999999999999/*")] // overflow
    [InlineData("bytes=0-9/*")]          // a Range value, not a Content-Range
    [InlineData("items 0-9/*")]
    [InlineData("0-9/*")]
    public void Upload_Invalid(string value)
    {
        Assert.False(ContentRangeHeader.TryParseUpload(value, out _, out _));
    }

    /// <summary>
    /// RFC 9110 14.4: "A Content-Range field value is invalid if it contains a range-resp that has ...
    /// a complete-length value less than or equal to its last-pos value." TryParseUpload parses TOTAL
    /// and then ignores it, so a PUT can declare a range that runs past its own complete length.
    /// </summary>
    [Theory]
    [InlineData("bytes 10-19/15")]
    [InlineData("bytes 0-9/9")]
    [InlineData("bytes 0-9/0")]
    public void Upload_CompleteLengthNotBeyondLastPos_IsInvalid(string value)
    {
        Assert.False(ContentRangeHeader.TryParseUpload(value, out _, out _));
    }

    // ---------------------------------------------------------------- Range (download)

    [Theory]
    [InlineData("bytes=0-9", 100L, 0L, 9L)]
    [InlineData("bytes=5-", 10L, 5L, 9L)]
    [InlineData("bytes=-3", 10L, 7L, 9L)]
    [InlineData("bytes=-20", 10L, 0L, 9L)]     // suffix longer than the resource: all of it (RFC 9110 14.1.3)
    [InlineData("bytes=0-99", 10L, 0L, 9L)]    // last clamped to the end
    [InlineData("bytes=9-9", 10L, 9L, 9L)]
    [InlineData("bytes=9-", 10L, 9L, 9L)]
    [InlineData("bytes=0-0", 1L, 0L, 0L)]
    [InlineData("bytes=0-", 1L, 0L, 0L)]
    [InlineData("bytes= 2-4 ", 10L, 2L, 4L)]
    public void Resolve_Satisfiable(string value, long length, long first, long last)
    {
        Assert.True(ContentRangeHeader.TryResolve(value, length, out long f, out long l, out bool satisfiable));
        Assert.True(satisfiable);
        Assert.Equal(first, f);
        Assert.Equal(last, l);
    }

    [Theory]
    [InlineData("bytes=-0", 10L)]       // a zero-length suffix selects nothing
    [InlineData("bytes=10-", 10L)]      // first beyond the end
    [InlineData("bytes=10-20", 10L)]
    [InlineData("bytes=100-200", 10L)]
    [InlineData("bytes=0-", 0L)]        // zero-length resource: nothing to select
    [InlineData("bytes=0-0", 0L)]
    [InlineData("bytes=-5", 0L)]
    public void Resolve_Unsatisfiable_Is416(string value, long length)
    {
        Assert.True(ContentRangeHeader.TryResolve(value, length, out _, out _, out bool satisfiable));
        Assert.False(satisfiable);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes=0-1,5-6")]       // several ranges: ignored, the whole resource is served
    [InlineData("bytes=0-1, 5-6")]
    [InlineData("bytes=-1,-2")]
    [InlineData("bytes=9-5")]           // last < first: invalid, ignored
    [InlineData("bytes=")]
    [InlineData("bytes=-")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=0x0-0x9")]
    [InlineData("bytes=--5")]
    [InlineData("bytes=+1-2")]
    [InlineData("bytes=0-9x")]
    [InlineData("bytes=5")]
    [InlineData("bytes 0-9")]
    [InlineData("items=0-9")]
    [InlineData("bytes=0-99999999999999999999")]
    [InlineData("bytes=-99999999999999999999")]
    public void Resolve_IgnoredHeaders(string? value)
    {
        Assert.False(ContentRangeHeader.TryResolve(value, 10, out _, out _, out bool satisfiable));
        Assert.True(satisfiable); // ignoring is not a 416
    }

    [Fact]
    public void Resolve_ZeroLengthResource_IgnoredHeaderStaysIgnored()
    {
        Assert.False(ContentRangeHeader.TryResolve("bytes=0-1,2-3", 0, out _, out _, out _));
        Assert.False(ContentRangeHeader.TryResolve(null, 0, out _, out _, out _));
    }

    [Fact]
    public void Resolve_LargeResource_NoOverflow()
    {
        const long length = 999_999_999_999_999_999L;
        Assert.True(ContentRangeHeader.TryResolve("bytes=-999999999999999999", length, out long f, out long l, out bool ok));
        Assert.True(ok);
        Assert.Equal(0, f);
        Assert.Equal(length - 1, l);
        Assert.True(ContentRangeHeader.TryResolve("bytes=999999999999999998-", length, out f, out l, out ok));
        Assert.True(ok);
        Assert.Equal(length - 1, f);
        Assert.Equal(length - 1, l);
    }
}
