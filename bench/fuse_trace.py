"""Traces the selector on a FUSE disk: one daemon (debug log) on a fresh exFAT or NTFS loop mount runs
the given policies one after another, as selector_bench.py's FUSE conditions do, and prints per run
what the machine paid (the daemon's cpuacct group plus the FUSE server's), what recd attributed of
the server (fuseServerCpuNs) and what the manifests' thread+fuse figures say; then the policies'
medians over the runs after --skip, the learned costs after each run, and the per-window FUSE server
share from the debug log (median, p99, max). Used for docs/measurements/2026-12-02-fuse.md.

  python3 bench/fuse_trace.py exfat 4 buffered,splice,auto,direct,... [--skip 4] [--root DIR]

--root: a checkout whose out/linux-x64/recd runs (default: this one), to trace another build.
Needs root (loop devices), mkfs.exfat/mount.exfat-fuse or mkntfs/ntfs-3g.
"""
import argparse, json, os, re, shutil, statistics, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import selector_bench as sb
from bench import CpuGroup, Daemon, GiB


def manifests(daemon, storage, names):
    """Each recording's decision, paths and final thread+fuse figures (the manifest's costs)."""
    figures = []
    for n in names:
        m = daemon.manifest(storage, n)
        costs = m.get("costs") or {}
        figures += [c["nsPerByte"] for c in costs.values() if c.get("windows")]
        print(f"  {n}: {m.get('decision') or 'fixed'} | {m.get('bytesByPath')} | "
              + " ".join(f"{k} {c['nsPerByte']:.3f} ns/B ({c['windows']} windows)" for k, c in costs.items()))
    return statistics.median(figures) if figures else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fmt", choices=sorted(sb.FUSE_FORMATS))
    ap.add_argument("streams", type=int)
    ap.add_argument("policies")
    ap.add_argument("--skip", type=int, default=4, help="runs left out of the medians (the bench's warm-up round)")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--log", default="/tmp/fuse_trace.log", help="where the daemon's debug log is copied")
    opts = ap.parse_args()
    native = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "native/build")
    disk = sb.FuseDisk(opts.fmt, 2 * GiB)
    base = tempfile.mkdtemp(prefix="recd-trace-", dir=disk.mnt)
    storage = os.path.join(base, "store")
    daemon = Daemon(opts.root, storage, ["--LogLevel", "debug", "--Storage:StateDir", disk.state_dir])
    group = CpuGroup("recd-fuse-trace")
    group.add(daemon.proc.pid)
    print(f"{opts.fmt} served by pid {disk.pid}; daemon pid {daemon.proc.pid}")
    runs = []
    collect = sb.collect
    try:
        for i, p in enumerate(opts.policies.split(",")):
            column = []
            sb.collect = lambda d, st, names, per: (column.append(manifests(d, st, names)), collect(d, st, names, per))[1]
            r = sb.run_streams(daemon, group, native, storage, p, GiB, opts.streams, i + 1, False, disk)
            r.update(policy=p, column=column[0])
            runs.append(r)
            learned = os.path.join(disk.state_dir, "learned-costs.json")
            table = ""
            if os.path.exists(learned):
                for cond, t in next(iter(json.load(open(learned))["mounts"].values())).items():
                    table += f" {cond}: " + " ".join(f"{k} {v['nsPerByte']:.2f}" for k, v in t["paths"].items())
            print(f"RUN {i + 1} {p}: machine {r['cpu_gib']:.3f} CPU-s/GiB = daemon {r['daemon_gib']:.3f} + server {r['fuse_gib']:.3f}; "
                  f"recd attributed {r['fuse_attr_gib']:.3f}; thread {r['thread_gib']:.3f}; manifests' thread+fuse {r['column']:.3f} ns/B; "
                  f"{r['choices']} off main {r['off_main']:.3f} | learned{table or ' nothing'}", flush=True)
    finally:
        sb.collect = collect
        daemon.proc.send_signal(15)
        daemon.proc.wait(timeout=20)
        daemon.log.close()
        shutil.copy(os.path.join(daemon.dir, "daemon.log"), opts.log)
        shutil.rmtree(daemon.dir, ignore_errors=True)
        group.remove()
        shutil.rmtree(base, ignore_errors=True)
        disk.close()
    print(f"medians of runs {opts.skip + 1}-{len(runs)} (CPU-s/GiB; the column in ns/B):")
    for p in dict.fromkeys(r["policy"] for r in runs):
        rs = [r for r in runs[opts.skip:] if r["policy"] == p]
        if rs:
            med = lambda k: statistics.median(x[k] for x in rs)
            print(f"  {p:9} machine {med('cpu_gib'):.3f} = daemon {med('daemon_gib'):.3f} + server {med('fuse_gib'):.3f}; "
                  f"recd attributed {med('fuse_attr_gib'):.3f}; thread+attributed {med('thread_gib') + med('fuse_attr_gib'):.3f}; "
                  f"manifests' thread+fuse {med('column'):.3f} (n={len(rs)})")
    shares = sorted(float(m.group(1)) for line in open(opts.log) for m in [re.search(r"([\d.]+) ns/B FUSE server", line)] if m)
    if shares:
        print(f"per-window FUSE server share: {len(shares)} windows, median {statistics.median(shares):.3f}, "
              f"p99 {shares[int(len(shares) * 0.99)]:.3f}, max {shares[-1]:.3f} ns/B, over 3 ns/B: {sum(x > 3 for x in shares)}")
    print(f"probes for the mount (R13): {sum('for the mount' in line for line in open(opts.log))}; debug log: {opts.log}")


if __name__ == "__main__":
    main()
