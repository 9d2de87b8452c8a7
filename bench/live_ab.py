#!/usr/bin/env python3
"""Before/after duets at live rates: the recd binary of another checkout (--old-root, e.g. a git
worktree of the previous commit, published there) beside this checkout's, both at once on CPU 1
with their paced senders on CPU 0 (bench/duet.py), the two binaries swapping sides every round, one
round not counted. Per path: each binary's CPU-s/GiB up to the first sender's exit, the new/old
ratio per round (median, bootstrap 90% interval) and the daemons' context switches per MiB.

    git worktree add /tmp/old HEAD~1 && (cd /tmp/old && ./build.sh publish)
    python3 bench/live_ab.py --old-root /tmp/old --paths buffered,splice,direct --condition x4 --rounds 4
"""
import argparse, os, shutil, subprocess, sys, tempfile, threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench   # noqa: E402
import duet   # noqa: E402
import live_bench   # noqa: E402
from bench import CpuGroup, Daemon, GiB, paired_ratio   # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--old-root", required=True)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--paths", default="buffered,splice,direct")
    ap.add_argument("--condition", default="x4")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=20)
    o = ap.parse_args()
    native = os.path.join(o.root, "native/build")
    streams, write = live_bench.parse_condition(o.condition)
    per = live_bench.RATE // 8 * o.seconds
    base = tempfile.mkdtemp(prefix="recd-live-ab-", dir="/tmp")
    sides = []
    try:
        for k, root in enumerate((o.old_root, o.root)):
            storage = os.path.join(base, f"s{k}")
            d = Daemon(root, storage, commit_at_end=False)
            g = CpuGroup(f"recd-live-ab-{os.getpid()}-{k}")
            g.add(d.proc.pid)
            bench.pin(d.proc.pid, duet.RECEIVER_CPUS)
            sides.append((d, g, storage))
        print(f"live A/B duets, {o.condition} ({streams} x 10 Mbit/s in {write}-byte sends), {o.seconds} s, "
              f"{o.rounds} rounds after 1 not counted; old {o.old_root}, new {o.root}")
        for path in o.paths.split(","):
            cpu = {0: [], 1: []}
            cs = {0: [], 1: []}
            for rnd in range(o.rounds + 1):
                pair = sides if rnd % 2 == 0 else sides[::-1]    # role 0 = pair[0]
                names = [f"ab{path}{rnd}-{k}-{{i}}.ts" for k in (0, 1)]
                ctx = [live_bench.CtxSwitches(d.proc.pid) for d, _, _ in pair]

                def start(k):
                    return subprocess.Popen(live_bench.sender_cmd(native, [f"127.0.0.1:{pair[k][0].port}"], streams, write, per,
                                                                  f"/recordings/{names[k]}?path={path}"),
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=duet.sender_pin())

                def received(k):
                    return sum(duet.size_of(os.path.join(pair[k][2], names[k].format(i=i))) for i in range(streams))

                # Connection threads exit with their connection: sample their switches while they run.
                done = threading.Event()
                sampler = threading.Thread(target=lambda: [c.sample() for _ in iter(lambda: done.wait(0.1), True) for c in ctx])
                sampler.start()
                try:
                    res, procs = duet.measure(pair, start, received, rnd // 2 % 2 == 0)
                finally:
                    done.set()
                    sampler.join()
                for k in (0, 1):
                    _, err = procs[k].communicate(timeout=300)
                    if procs[k].returncode != 0:
                        raise RuntimeError(f"sender failed: {err.strip()}")
                switches = [c.total() for c in ctx]
                for k in (0, 1):
                    d, _, storage = pair[k]
                    for i in range(streams):
                        n = names[k].format(i=i)
                        m = d.manifest(storage, n)
                        if m["committedLength"] != per or m["state"] != "complete":
                            raise RuntimeError(f"{n}: {m['committedLength']} of {per} ({m['state']})")
                        d.delete(n)
                if rnd == 0:
                    continue
                for k in (0, 1):
                    who = 0 if pair[k] is sides[0] else 1   # 0 old, 1 new
                    c, b = res[k]
                    cpu[who].append(c / (b / GiB))
                    cs[who].append(switches[k] / (per * streams / (1 << 20)))
            q = paired_ratio(cpu[1], cpu[0])
            print(f"  {path:9} old {bench.fmt(cpu[0], digits=3)}  new {bench.fmt(cpu[1], digits=3)} CPU-s/GiB; "
                  f"new/old {q[0]:.3f} [{q[1]:.3f}-{q[2]:.3f}]; ctxsw/MiB old {bench.med(cs[0]):.1f} new {bench.med(cs[1]):.1f}")
    finally:
        for d, g, st in sides:
            d.stop()
            g.remove()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
