"""Auto over candidates that differ only in batch, beside each of them as the fixed path, at live rates.

One condition (--streams paced 10 Mbit/s streams in 1316-byte sends, recd-send-load --rate), a fresh
daemon and store per run (so auto's probe round is in every auto run, learned nothing before), runs
in an order reversed every round. Arms: ?path=buffered with WritePaths:BatchBytes set to each batch
(what a candidate "buffered/SIZE@BATCH" runs as), and ?path=auto with Selector:Candidates the three
labels. Receiver CPU from a cpuacct cgroup (all daemon threads) from the sender's start to its exit.
Prints per arm the per-round CPU-s/GiB, median and bootstrap 90% interval of auto/arm, and what
auto's manifests put their bytes on.
With --warm, auto keeps one store (and so its learned costs) over the rounds, after one unmeasured
round to learn in: what a box that has recorded before runs.
  python3 bench/live_batch_arms.py --root . [--rounds 3] [--seconds 20] [--streams 1] [--tag ha] [--warm]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
import live_bench  # noqa: E402
from bench import GiB  # noqa: E402

BUFFER = 1 << 20                      # buffered reads of 1 MiB, so a 1 MiB batch is what SO_RCVLOWAT waits for
BATCHES = [64 << 10, 256 << 10, 1 << 20]  # 256K is the host profile's WritePaths:BatchBytes
LABELS = ["buffered/1M@64K", "buffered/1M", "buffered/1M@1M"]


def one_run(root, native, arm, streams, seconds, tag, seq, keep=None):
    storage = keep or tempfile.mkdtemp(prefix=f"recd-{tag}-batch-", dir="/tmp")
    extra = ["--WritePaths:BufferBytes", str(BUFFER)]
    if arm == "auto":
        for i, label in enumerate(LABELS):
            extra += [f"--Selector:Candidates:{i}", label]
    else:
        extra += ["--WritePaths:BatchBytes", str(arm)]
    daemon = bench.Daemon(root, storage, extra, commit_at_end=False)
    group = bench.CpuGroup(f"recd-{tag}-batch-{seq}")
    try:
        group.add(daemon.proc.pid)
        clock = group.clock_for(daemon.proc.pid)
        per = live_bench.RATE // 8 * seconds
        path = "auto" if arm == "auto" else "buffered"
        cmd = live_bench.sender_cmd(native, [f"127.0.0.1:{daemon.port}"], streams, 1316, per,
                                    f"/recordings/b{seq}-{{i}}.ts?path={path}")
        c0 = clock()
        r = subprocess.run(cmd, capture_output=True, text=True)
        cpu = clock() - c0
        if r.returncode != 0:
            raise RuntimeError(f"sender failed: {r.stderr.strip()}")
        on = {}
        for i in range(streams):
            m = daemon.manifest(storage, f"b{seq}-{i}.ts")
            if m["committedLength"] != per or m["state"] != "complete":
                raise RuntimeError(f"b{seq}-{i}.ts: {m['committedLength']} of {per} ({m['state']})")
            for p, b in (m.get("bytesByPath") or {}).items():
                on[p] = on.get(p, 0) + b
        return cpu / (per * streams / GiB), on
    finally:
        daemon.stop()
        group.remove()
        if keep is None:
            remove_store(storage)


def remove_store(storage):
    """The store and the daemon's state and runtime folders beside it (STORAGE.state, STORAGE.run)."""
    for d in (storage, storage + ".state", storage + ".run"):
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--streams", type=int, default=1)
    ap.add_argument("--tag", default="ha")
    ap.add_argument("--warm", action="store_true")
    o = ap.parse_args()
    root = os.path.abspath(o.root)
    native = os.path.join(root, "native/build")
    arms = BATCHES + ["auto"]
    name = {b: l for b, l in zip(BATCHES, LABELS)} | {"auto": "auto"}
    cost = {a: [] for a in arms}
    auto_on = {}
    seq = 0
    keep = tempfile.mkdtemp(prefix=f"recd-{o.tag}-batch-warm-", dir="/tmp") if o.warm else None
    if keep:
        seq += 1
        one_run(root, native, "auto", o.streams, o.seconds, o.tag, seq, keep)  # learns; not counted
    for rnd in range(o.rounds):
        for arm in (arms if rnd % 2 == 0 else arms[::-1]):
            seq += 1
            bench.settle()
            c, on = one_run(root, native, arm, o.streams, o.seconds, o.tag, seq, keep if arm == "auto" else None)
            cost[arm].append(c)
            if arm == "auto":
                for p, b in on.items():
                    auto_on[p] = auto_on.get(p, 0) + b
            shares = ""
            if arm == "auto":
                total = sum(on.values()) or 1
                shares = " (" + ", ".join(f"{p} {100 * n / total:.0f}%" for p, n in sorted(on.items(), key=lambda kv: -kv[1]) if n * 100 >= total) + ")"
            print(f"round {rnd + 1} {name[arm]}: {c:.3f} CPU-s/GiB{shares}", flush=True)
    if keep:
        remove_store(keep)
    print(f"{'warm' if o.warm else 'cold'} auto, x{o.streams} 10 Mbit/s 1316-byte sends, {o.seconds} s a run, {o.rounds} rounds (alternating order)")
    for a in arms:
        line = f"{name[a]:>16}: median {statistics.median(cost[a]):.3f} CPU-s/GiB (rounds {', '.join(f'{c:.3f}' for c in cost[a])})"
        if a != "auto":
            r, lo, hi = bench.paired_ratio(cost["auto"], cost[a])
            line += f"; auto/this {r:.3f} [{lo:.3f}-{hi:.3f}]"
        print(line)
    total = sum(auto_on.values()) or 1
    print("auto's bytes: " + ", ".join(f"{p} {100 * b / total:.1f}%" for p, b in sorted(auto_on.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
