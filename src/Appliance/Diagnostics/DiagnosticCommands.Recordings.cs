using System.Diagnostics;
using System.Text;
using Recd.Diagnostics.Shell;
using Recd.Interop;
using Recd.Recordings;

namespace Recd.Diagnostics;

public sealed partial class DiagnosticCommands
{
    private int Rec(CommandContext ctx, string[] args)
    {
        string sub = args.Length == 0 ? "list" : args[0];
        switch (sub)
        {
            case "list":
                var all = _store.List();
                if (all.Count == 0) { ctx.Line("no recordings"); return CommandTable.Ok; }
                var sb = new StringBuilder();
                foreach (var m in all)
                    sb.AppendLine($"{Trim(m.Name, 32),-32} {m.CommittedLength,14} {m.State,-11} {m.WritePath}");
                ctx.Out.Write(sb.ToString());
                return CommandTable.Ok;
            case "show" when args.Length == 2:
                if (_store.Find(args[1]) is not { } found) { ctx.Line($"no recording '{args[1]}'"); return CommandTable.Failed; }
                Show(ctx, found);
                return CommandTable.Ok;
            case "stop" when args.Length == 2:
                // Checked here, not by the table: "rec list" and "rec show" are reads anyone may run.
                if (!ctx.Privileged) { ctx.Line("rec stop: refused: changing state needs root or the service user"); return CommandTable.Refused; }
                if (!_store.TryRequestStop(args[1])) { ctx.Line($"'{args[1]}' is not being recorded"); return CommandTable.Failed; }
                ctx.Line($"{args[1]}: stop requested; it ends at its next span with its manifest finished");
                Logging.Log.Info($"{args[1]}: stop requested from the console");
                return CommandTable.Ok;
            default:
                ctx.Line("usage: rec list|show NAME|stop NAME");
                return CommandTable.Usage;
        }
    }

    private static void Show(CommandContext ctx, Manifest m)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"name       {m.Name}");
        sb.AppendLine($"state      {m.State}{(m.Protected ? ", protected" : "")}");
        sb.AppendLine($"committed  {m.CommittedLength} bytes ({Bytes(m.CommittedLength)})");
        sb.AppendLine($"created    {m.Created:u}, updated {m.Updated:u}");
        sb.AppendLine($"client     {m.Client ?? "-"}");
        sb.AppendLine($"path       {m.WritePath ?? "-"} (policy {m.Policy ?? "-"}, view {m.CostView ?? "-"})");
        if (m.Decision is not null) sb.AppendLine($"decision   {Trim(m.Decision, 68)}");
        if (m.Reason is not null) sb.AppendLine($"reason     {Trim(m.Reason, 68)}");
        sb.AppendLine($"slow       {m.SlowWrites} writes, slowest {m.MaxWriteMs} ms");
        if (m.BytesByPath is { Count: > 0 } by)
            foreach (var (label, n) in by) sb.AppendLine($"  {Trim(label, 20),-20} {n,14} bytes");
        if (m.Costs is { Count: > 0 } costs)
            foreach (var (label, c) in costs) sb.AppendLine($"  {Trim(label, 20),-20} {c.NsPerByte,8:F2} ns/B {c.BytesPerSecond / 1e6,8:F1} MB/s {c.Windows,5} windows");
        ctx.Out.Write(sb.ToString());
    }

    private int Verify(CommandContext ctx, string[] args)
    {
        if (args.Length != 1) { ctx.Line("usage: verify NAME"); return CommandTable.Usage; }
        var outcome = _store.TryOpenForRead(args[0], out var manifest, out int fd, out int errno);
        if (outcome == RecordingStore.OpenOutcome.NotFound) { ctx.Line($"no recording '{args[0]}'"); return CommandTable.Failed; }
        if (outcome == RecordingStore.OpenOutcome.StorageFailed) { ctx.Line($"verify {args[0]}: open: {Libc.ErrnoName(errno)}"); return CommandTable.Failed; }
        try { return Sha256.Verify(ctx, fd, manifest!); }
        finally { Libc.Close(fd); }
    }

    /// <summary>
    /// Kept apart so nothing touches System.Security.Cryptography until verify runs: .NET's hashing
    /// loads OpenSSL (libssl, libcrypto: ~4 MiB of RSS here), which the daemon otherwise never needs,
    /// and a board image without libssl still runs everything else.
    /// </summary>
    private static class Sha256
    {
        public static unsafe int Verify(CommandContext ctx, int fd, Manifest m)
        {
            System.Security.Cryptography.IncrementalHash hash;
            try { hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256); }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or DllNotFoundException or TypeInitializationException or PlatformNotSupportedException)
            {
                ctx.Line("verify: SHA-256 unavailable (OpenSSL not found): " + e.Message);
                return CommandTable.Failed;
            }
            using (hash)
            {
                long total = m.CommittedLength, done = 0;
                byte[] buffer = new byte[1 << 20];
                var clock = Stopwatch.StartNew();
                long lastDraw = -1000;
                fixed (byte* p = buffer)
                    while (done < total)
                    {
                        ctx.Cancel.ThrowIfCancellationRequested();
                        nint n = Libc.PRead(fd, p, (nuint)Math.Min(buffer.Length, total - done), done);
                        if (n < 0 && Libc.LastErrno == Libc.EINTR) continue;
                        if (n < 0) { ctx.Line($"\rverify {m.Name}: read at {done}: {Libc.ErrnoName(Libc.LastErrno)}"); return CommandTable.Failed; }
                        if (n == 0) { ctx.Line($"\rverify {m.Name}: file ends at {done}, {total} committed"); return CommandTable.Failed; }
                        hash.AppendData(buffer, 0, (int)n);
                        done += n;
                        if (ctx.Interactive && clock.ElapsedMilliseconds - lastDraw >= 500)
                        {
                            lastDraw = clock.ElapsedMilliseconds;
                            ctx.Out.Write($"\rverifying {m.Name}: {done * 100 / Math.Max(total, 1),3}% of {Bytes(total)}");
                        }
                    }
                string hex = Convert.ToHexStringLower(hash.GetHashAndReset());
                double mbs = total / 1e6 / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                ctx.Out.Write(ctx.Interactive ? "\r\e[K" : "");
                ctx.Line($"{hex}  {m.Name}");
                ctx.Line($"{total} committed bytes ({m.State}), {mbs:F1} MB/s");
                return CommandTable.Ok;
            }
        }
    }
}
