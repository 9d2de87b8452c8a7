using Recd.Ingest;
using Recd.Recordings;

namespace Recd.Tests.Recordings;

/// <summary>
/// Recovery adopts a data file only if its name is one a PUT could have created: StoragePaths
/// repeats Ingest's rule (Recordings does not depend on Ingest), and this keeps the two equal.
/// </summary>
public class RecordingNameRuleTests
{
    [Theory]
    [InlineData("show.ts")]
    [InlineData("a..b")]
    [InlineData("a.")]
    [InlineData("-")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData(".x.manifest")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("%2e%2e")]
    [InlineData("caf\u00e9")]
    [InlineData("\uff0e\uff0e")]
    public void RecoveryAndIngestAgree(string name)
    {
        Assert.Equal(RecordingName.IsValid(name, StoragePaths.MaxNameLength), StoragePaths.IsRecordingName(name));
    }

    [Fact]
    public void EveryCharacterOfTheFirstPlaneAndEveryLength()
    {
        for (int c = 0; c < 0x10000; c++)
        {
            string name = "a" + (char)c + "b";
            Assert.Equal(RecordingName.IsValid(name, StoragePaths.MaxNameLength), StoragePaths.IsRecordingName(name));
        }
        for (int n = 0; n <= StoragePaths.MaxNameLength + 1; n++)
            Assert.Equal(RecordingName.IsValid(new string('x', n), StoragePaths.MaxNameLength), StoragePaths.IsRecordingName(new string('x', n)));
    }
}
