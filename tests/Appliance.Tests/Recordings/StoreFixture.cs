using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

public sealed class StoreFixture : IDisposable
{
    public StoreFixture(string fs = "/tmp", long commitInterval = 64L << 20, WritePathOptions? paths = null)
    {
        Dir = new TempDir(fs);
        // State inside the temp folder (a directory recovery ignores), so the test leaves nothing behind.
        Options = new StorageOptions { Root = Dir.Path, StateDir = System.IO.Path.Combine(Dir.Path, ".state"), CommitIntervalBytes = commitInterval, CommitIntervalMs = 60_000 };
        Store = new RecordingStore(Options, new WritePathFactory(paths ?? new WritePathOptions()));
        Store.Recover();
    }

    public TempDir Dir { get; }
    public StorageOptions Options { get; }
    public RecordingStore Store { get; }

    public Recording Begin(string name, WritePathKind kind, BeginMode mode = BeginMode.Create, long resumeAt = 0)
    {
        var outcome = Store.TryBegin(name, mode, resumeAt, "test", kind, out var rec, out _, out int errno);
        Assert.True(rec is not null, $"begin {name}: {outcome} errno {errno}");
        return rec!;
    }

    /// <summary>A second store on the same folder: what the daemon sees after a restart.</summary>
    public RecordingStore Reopen()
    {
        var store = new RecordingStore(Options, new WritePathFactory(new WritePathOptions()));
        store.Recover();
        return store;
    }

    public void Dispose() => Dir.Dispose();
}
