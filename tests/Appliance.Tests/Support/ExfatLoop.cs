using System.Diagnostics;

namespace Recd.Tests.Support;

/// <summary>
/// A real exFAT filesystem served by exfat-fuse (the FUSE server of many boxes' USB disks), on a loop
/// device over a sparse image in /tmp: mkfs.exfat, losetup, mount.exfat-fuse (the kernel's own exfat
/// driver would be no FUSE at all). Unmounted and detached on dispose.
/// </summary>
public sealed class ExfatLoop : IDisposable
{
    /// <summary>Why the tests that need this cannot run here, or null. Checked when tests are discovered.</summary>
    public static readonly string? Unavailable = Check();

    private readonly string _dir, _image;
    private readonly string? _loop;

    public ExfatLoop()
    {
        if (Unavailable is not null) throw new InvalidOperationException(Unavailable);
        _dir = Path.Combine("/tmp", "recd-exfat-" + Guid.NewGuid().ToString("N")[..10]);
        _image = Path.Combine(_dir, "usb.img");
        MountPoint = Path.Combine(_dir, "mnt");
        Directory.CreateDirectory(MountPoint);
        try
        {
            using (var f = File.Create(_image)) f.SetLength(ImageBytes);
            Run("mkfs.exfat", _image);
            _loop = Run("losetup", "--find", "--show", _image).Trim();
            // Not captured: the server it leaves running would hold the pipes open.
            var (rc, _) = Exec("mount.exfat-fuse", [_loop, MountPoint], capture: false);
            if (rc != 0) throw new InvalidOperationException($"mount.exfat-fuse {_loop} {MountPoint}: exit {rc}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public const long ImageBytes = 512L << 20;

    public string MountPoint { get; }

    public string Device => _loop!;

    public void Dispose()
    {
        for (int i = 0; i < 50 && TryRun("umount", MountPoint) != 0; i++) Thread.Sleep(100); // busy for a moment after the last close
        if (_loop is not null) TryRun("losetup", "-d", _loop);
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static string? Check()
    {
        if (!File.Exists("/dev/fuse")) return "no /dev/fuse";
        if (!File.Exists("/dev/loop-control")) return "no loop devices (/dev/loop-control)";
        if (Environment.UserName != "root") return "loop devices and mounts need root";
        foreach (var tool in new[] { "mkfs.exfat", "mount.exfat-fuse", "losetup" })
            if (!new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(d => File.Exists(Path.Combine(d, tool))))
                return $"{tool} missing (apt-get install exfatprogs exfat-fuse)";
        return null;
    }

    private static string Run(string file, params string[] args)
    {
        var (rc, output) = Exec(file, args);
        if (rc != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {rc}: {output}");
        return output;
    }

    private static int TryRun(string file, params string[] args) => Exec(file, args).Rc;

    private static (int Rc, string Output) Exec(string file, string[] args, bool capture = true)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = capture, RedirectStandardError = capture };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string text = capture ? p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd() : "";
        p.WaitForExit();
        return (p.ExitCode, text);
    }
}

/// <summary>A fact that needs <see cref="ExfatLoop"/>: skipped, with the reason, where FUSE or loop devices are unavailable.</summary>
public sealed class ExfatFactAttribute : FactAttribute
{
    public ExfatFactAttribute()
    {
        if (ExfatLoop.Unavailable is { } why) Skip = why;
    }
}
