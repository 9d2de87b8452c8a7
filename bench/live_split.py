#!/usr/bin/env python3
"""recd's fixed cost per stream-second against the batched C receiver at live rates (issue 18 §3,
docs/measurements/2026-12-02-live.md): one recd daemon and the batched C receiver (one
recd-recv-ref --batch 256k --batch-ms 1000 per stream) take the same paced streams in turn, the
order reversing every round, on loopback or over a veth pair with GRO (bench/live_net.py). Per run,
over its steady state (from 4 s after the sender's start to 4 s before its planned end: no
connection set-up, first window, final commit or process start inside, which a live stream of hours
pays once, not per second):
- each receiver's cgroup CPU (all threads), in us per stream-second (one stream-second = 1.25 MB
  at 10 Mbit/s, counted from the files' growth over the window) and in CPU-s/GiB;
- recd per thread name: /proc/PID/task/*/schedstat run time at both ends of the window;
- recd's commits from its manifests: syncCpuNs (the fdatasyncs on the transfer thread), as of the
  last commit before each end of the window.
The summary gives medians (min-max) over the counted rounds, and recd - C per stream-second.

    python3 bench/live_split.py --path buffered --streams 4 --rounds 3 --seconds 20 [--link veth]
"""
import argparse, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench   # noqa: E402
import live_bench   # noqa: E402
import live_net   # noqa: E402
from bench import CpuGroup, Daemon, GiB, settle   # noqa: E402
from live_where import threads   # noqa: E402

STREAM_SECOND = live_bench.RATE // 8


def size(path):
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def steady(sender, seconds, sample):
    """sample() at 4 s after the sender's start and 4 s before its planned end (the steady state:
    no connection set-up, first window or final commit inside), then waits for the sender."""
    t0 = time.monotonic()
    marks = []
    for at in (4, seconds - 4):
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        marks.append(sample())
    _, err = sender.communicate()
    if sender.returncode != 0:
        raise RuntimeError(f"sender failed: {err.strip()}")
    return marks


def run_recd(d, g, native, storage, link, path, streams, write, per, seconds, seq):
    names = [f"s{seq}-{i}.ts" for i in range(streams)]
    files = [os.path.join(storage, n) for n in names]
    settle()
    cmd = link.wrap(live_bench.sender_cmd(native, [f"{link.host}:{d.port}"], streams, write, per,
                                          f"/recordings/s{seq}-{{i}}.ts?path={path}"))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=bench.sender_preexec())

    def sample():
        syncs = 0
        for n in names:
            try:
                syncs += d.manifest(storage, n).get("syncCpuNs", 0)
            except (OSError, ValueError):
                pass
        return g.seconds(), threads(d.proc.pid), sum(map(size, files)), syncs

    (c0, t0, b0, y0), (c1, t1, b1, y1) = steady(p, seconds, sample)
    time.sleep(0.3)
    ms = [d.manifest(storage, n) for n in names]
    if sum(m["committedLength"] for m in ms) != per * streams:
        raise RuntimeError(f"recd committed {sum(m['committedLength'] for m in ms)} of {per * streams}")
    by = {}
    for t, (comm, ns) in t1.items():
        by[comm] = by.get(comm, 0) + ns - t0.get(t, (comm, 0))[1]
    for n in names:
        d.delete(n)
    # syncCpuNs moves only at a commit: the manifests' figures at the marks bracket whole commits.
    return dict(cpu=c1 - c0, bytes=b1 - b0, threads=by, sync=(y1 - y0) / 1e9)


def run_c(cg, native, cstore, link, streams, write, per, seconds, seq):
    outs = [os.path.join(cstore, f"ref-{seq}-{i}.ts") for i in range(streams)]
    procs = []
    for out in outs:
        r = bench.start_c_receiver(native, link.host, "buffered", [*live_bench.c_args("buffered+batch"), "--fsync"],
                                   out, out + ".port")
        cg.add(r.pid)
        procs.append(r)
    ports = [bench.c_receiver_port(o + ".port") for o in outs]
    settle()
    p = subprocess.Popen(link.wrap(live_bench.sender_cmd(native, [f"{link.host}:{x}" for x in ports], streams, write, per)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=bench.sender_preexec())
    (c0, b0), (c1, b1) = steady(p, seconds, lambda: (cg.seconds(), sum(map(size, outs))))
    for r in procs:
        r.communicate(timeout=60)
        if r.returncode != 0:
            raise RuntimeError("C receiver failed")
    for o in outs:
        os.unlink(o)
        os.unlink(o + ".port")
    return dict(cpu=c1 - c0, bytes=b1 - b0)


def med(xs):
    return f"{bench.med(xs):8.1f} ({min(xs):.1f}-{max(xs):.1f})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--path", default="buffered")
    ap.add_argument("--streams", type=int, default=4)
    ap.add_argument("--write", type=int, default=live_bench.TS_SEND)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--link", choices=["loopback", "veth"], default="loopback")
    o = ap.parse_args()
    native = os.path.join(o.root, "native/build")
    per = STREAM_SECOND * o.seconds
    base = tempfile.mkdtemp(prefix="recd-live-split-", dir="/tmp")
    storage, cstore = os.path.join(base, "store"), os.path.join(base, "c")
    os.makedirs(cstore)
    link = live_net.LOOPBACK
    if o.link == "veth":
        link, why = live_net.setup()
        if link is None:
            sys.exit(f"veth: {why}")
    tag = os.getpid()
    d = Daemon(o.root, storage, ["--address", link.host], commit_at_end=False)
    g, cg = CpuGroup(f"recd-live-split-recd-{tag}"), CpuGroup(f"recd-live-split-c-{tag}")
    g.add(d.proc.pid)
    print(f"{o.link}: {o.streams} x 10 Mbit/s in {o.write}-byte sends, {o.seconds} s, recd ?path={o.path} vs C "
          f"buffered+batch; {o.rounds} rounds after 1 not counted; us of CPU per stream-second (machine shared: noisy)", flush=True)
    rows = {"recd": [], "c": [], "sync": []}
    thr = {}
    try:
        for rnd in range(o.rounds + 1):
            order = ["recd", "c"] if rnd % 2 == 0 else ["c", "recd"]
            out = {}
            for who in order:
                if who == "recd":
                    out[who] = run_recd(d, g, native, storage, link, o.path, o.streams, o.write, per, o.seconds, rnd)
                else:
                    out[who] = run_c(cg, native, cstore, link, o.streams, o.write, per, o.seconds, rnd)
            r, c = out["recd"], out["c"]
            ss, cs = r["bytes"] / STREAM_SECOND, c["bytes"] / STREAM_SECOND
            line = (f"round {rnd}{' (not counted)' if rnd == 0 else ''}: recd {r['cpu'] * 1e6 / ss:.1f} "
                    f"({r['cpu'] / (r['bytes'] / GiB):.3f} CPU-s/GiB), C {c['cpu'] * 1e6 / cs:.1f} "
                    f"({c['cpu'] / (c['bytes'] / GiB):.3f}); recd threads " +
                    ", ".join(f"{k} {v / 1e3 / ss:.1f}" for k, v in sorted(r["threads"].items()) if v > 0) +
                    f"; fdatasync on the transfer {r['sync'] * 1e6 / ss:.1f}")
            print(line, flush=True)
            if rnd == 0:
                continue
            rows["recd"].append(r["cpu"] * 1e6 / ss)
            rows["c"].append(c["cpu"] * 1e6 / cs)
            rows["sync"].append(r["sync"] * 1e6 / ss)
            for k, v in r["threads"].items():
                thr.setdefault(k, []).append(v / 1e3 / ss)
        diff = [a - b for a, b in zip(rows["recd"], rows["c"])]
        print(f"median (min-max), us per stream-second: recd {med(rows['recd'])}, C {med(rows['c'])}, "
              f"recd - C {med(diff)}; fdatasync {med(rows['sync'])}")
        for k in sorted(thr, key=lambda k: -bench.med(thr[k])):
            if len(thr[k]) == len(diff):
                print(f"  thread {k:14} {med(thr[k])}")
    finally:
        d.stop()
        g.remove()
        cg.remove()
        if o.link == "veth":
            live_net.teardown()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
