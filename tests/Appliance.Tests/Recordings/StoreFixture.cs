using Recd.Recordings;
using Recd.Tests.Support;
using Recd.WritePaths;

namespace Recd.Tests.Recordings;

public sealed class StoreFixture : IDisposable
{
    public StoreFixture(string fs = "/tmp", long commitInterval = 64L << 20, WritePathOptions? paths = null)
    {
        Dir = new TempDir(fs);
        Options = new StorageOptions { Root = Dir.Path, CommitIntervalBytes = commitInterval, CommitIntervalMs = 60_000 };
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
