#!/usr/bin/env python3
"""Where one daemon's CPU goes at live rates, per write path (docs/measurements/2026-12-02-live.md,
"where the daemon's CPU goes"). One daemon (the board's default profile, its own commit interval)
on CPU 1, one paced sender on CPU 0, one recording per path in turn; per recording:
- cgroup: the daemon's cpuacct (all threads, dead ones included: what a duet charges it);
- threads: /proc/PID/task/*/schedstat (run time) per thread name, last value seen every 0.05 s
  (a connection thread exits with its connection: its last <= 50 ms, the final commit, are missed);
- in calls / syncs / writeback booked: the manifest's threadCpuNs (the meter's in-call CPU over its
  closed windows), syncCpuNs (the commits' fdatasync on the transfer thread) and writebackCpuNs;
- machine: every kworker/flush/jbd2/ksoftirqd thread's schedstat delta (machine-wide: other work lands here).

    python3 bench/live_where.py --paths direct,splice,buffered --seconds 20 [--streams 1] [--write 1316]
"""
import argparse, glob, os, subprocess, sys, tempfile, time, shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench   # noqa: E402
import live_bench   # noqa: E402
from bench import CpuGroup, Daemon   # noqa: E402


def threads(pid):
    out = {}
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            out[t] = (open(f"/proc/{pid}/task/{t}/comm").read().strip(),
                      int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0]))
        except OSError:
            pass
    return out


def kernel_threads():
    out = {}
    for p in glob.glob("/proc/[0-9]*/task/[0-9]*"):
        try:
            comm = open(p + "/comm").read().strip()
            if comm.startswith(("kworker", "flush", "jbd2", "ksoftirqd")):
                out[p] = (comm, int(open(p + "/schedstat").read().split()[0]))
        except OSError:
            pass
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--paths", default="direct,splice,buffered")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--streams", type=int, default=1)
    ap.add_argument("--write", type=int, default=live_bench.TS_SEND)
    o = ap.parse_args()
    native = os.path.join(o.root, "native/build")
    base = tempfile.mkdtemp(prefix="recd-live-where-", dir="/tmp")
    storage = os.path.join(base, "store")
    d = Daemon(o.root, storage, commit_at_end=False)
    g = CpuGroup(f"recd-live-where-{os.getpid()}")
    g.add(d.proc.pid)
    bench.pin(d.proc.pid, {1} if (os.cpu_count() or 1) >= 2 else None)
    print(f"daemon pid {d.proc.pid}; {o.streams} stream(s) x 10 Mbit/s in {o.write}-byte sends, {o.seconds} s; "
          "ns per received byte (machine shared: noisy)", flush=True)
    try:
        per = live_bench.RATE // 8 * o.seconds
        for n, path in enumerate(o.paths.split(",")):
            names = [f"w{n}-{i}.ts" for i in range(o.streams)]
            time.sleep(1)
            t0, k0, c0 = threads(d.proc.pid), kernel_threads(), g.seconds()
            cmd = live_bench.sender_cmd(native, [f"127.0.0.1:{d.port}"], o.streams, o.write, per,
                                        f"/recordings/w{n}-{{i}}.ts?path={path}")
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if (os.cpu_count() or 1) >= 2 else None)
            last = {}
            while p.poll() is None:
                last.update(threads(d.proc.pid))
                time.sleep(0.05)
            p.communicate()
            time.sleep(0.3)
            last.update(threads(d.proc.pid))
            c1, k1 = g.seconds(), kernel_threads()
            ms = [d.manifest(storage, x) for x in names]
            B = sum(m["committedLength"] for m in ms)
            metered = sum(m["meteredBytes"] for m in ms) or 1
            by = {}
            for t, (comm, ns) in last.items():
                by[comm] = by.get(comm, 0) + ns - t0.get(t, (comm, 0))[1]
            kw = {}
            for t, (comm, ns) in k1.items():
                key = "kworker" if comm.startswith("kworker") else comm.split("/")[0]
                kw[key] = kw.get(key, 0) + ns - k0.get(t, (comm, ns))[1]
            print(f"{path}: {B} B; cgroup {(c1 - c0) * 1e9 / B:.3f}; threads " +
                  ", ".join(f"{k} {v / B:.3f}" for k, v in sorted(by.items()) if v > 0) +
                  f"; in calls {sum(m['threadCpuNs'] for m in ms) / metered:.3f} (per metered byte, {metered} metered)"
                  f", syncs {sum(m.get('syncCpuNs', 0) for m in ms) / B:.3f}"
                  f", writeback booked {sum(m.get('writebackCpuNs', 0) for m in ms) / metered:.3f}"
                  "; machine " + ", ".join(f"{k} {v / B:.3f}" for k, v in sorted(kw.items()) if v > 0), flush=True)
            for m in ms:
                if m.get("policy") == "auto":
                    print(f"  {m['name']}: bytes by path {m.get('bytesByPath')}; {m.get('decision')}", flush=True)
            for x in names:
                d.delete(x)
    finally:
        d.stop()
        g.remove()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
