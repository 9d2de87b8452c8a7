using Recd.Interop;
using Recd.Platform;
using Recd.Selection;

namespace Recd.Tests.Selection;

[CollectionDefinition("dirty page cache", DisableParallelization = true)]
public sealed class DirtyPageCacheCollection;

/// <summary>The dirty page cache reading, on this machine's real /proc/meminfo and real ext4.</summary>
[Collection("dirty page cache")]
public class DirtyMemoryTests
{
    [Fact]
    public void ParsesTheDirtyLine()
    {
        var text = "MemTotal:       24576000 kB\nMemFree:        23994208 kB\nDirty:              1234 kB\nWriteback:        0 kB\n"u8;
        Assert.Equal(1234L * 1024, DirtyMemory.ParseDirtyBytes(text));
        Assert.Equal(5L * 1024, DirtyMemory.ParseDirtyBytes("Dirty: 5 kB\n"u8));
        Assert.Equal(-1, DirtyMemory.ParseDirtyBytes("MemTotal: 1 kB\n"u8));
        Assert.Equal(-1, DirtyMemory.ParseDirtyBytes("\nDirty: kB\n"u8));
    }

    [Fact]
    public unsafe void BufferedWritesIntoExt4AreAbsorbedByTheCache()
    {
        Assert.True(DirtyMemory.Bytes() >= 0);
        string path = Path.Combine("/tmp", $"recd-dirty-{Guid.NewGuid():N}");
        int fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        Assert.True(fd >= 0);
        var block = new byte[1 << 20];
        new Random(7).NextBytes(block);
        try
        {
            var meter = new CostMeter(32L << 20, 60_000);
            CostSample sample = default;
            bool done = false;
            for (int i = 0; i < 32 && !done; i++)
            {
                meter.Begin(watchDirty: true);
                fixed (byte* p = block) Assert.Equal(block.Length, (int)Libc.PWrite(fd, p, (nuint)block.Length, (long)i << 20));
                done = meter.End(block.Length, fd, out sample);
            }
            Assert.True(done);
            Assert.True(sample.Absorbed, "32 MiB written through the page cache of ext4 should stay dirty for now");
        }
        finally
        {
            Libc.Close(fd);
            File.Delete(path);
        }
    }
}
