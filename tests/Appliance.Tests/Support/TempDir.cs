namespace Recd.Tests.Support;

/// <summary>A fresh folder on a chosen filesystem: "/tmp" is ext4 here, "/dev/shm" is tmpfs.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string parent = "/tmp")
    {
        Path = System.IO.Path.Combine(parent, "recd-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
