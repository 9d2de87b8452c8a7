"""Live duets (./build.sh bench --live --live-duet-rounds N): recd's "auto" beside the condition's
cheapest static path, at live rates, both at once (bench/duet.py: two daemons on CPU 1, senders on
CPU 0, roles swapped every round). Sequential live runs on this VM ranged up to 1.5x within one
receiver over 3 rounds (docs/measurements/2026-12-01-live.md), too wide to resolve a 5% target; a
duet's ratio is taken from two runs that saw the same machine.

Each daemon gets the condition's streams from its own paced sender (recd-send-load --rate, as the
sequential runs), so the machine carries twice the condition's load. Both daemons are fresh,
default profile with its own commit interval (as the sequential runs); two first rounds are run and
not counted, so each daemon's auto has learned once on its mount before the measured rounds (with one,
the daemon that ran the static path in it began the first measured round cold: 1.456 of direct in a
run where the next seven rounds gave 0.82-1.37).

Which role carries which policy swaps every four rounds (the daemons swap every round and the start
order every two, duet.Sides): an A/A run of this harness with the policy tied to its role found the
first role 9% cheaper (0.910 [0.841-0.975] over 6 rounds, cause not found), larger than the 5% it is
asked to resolve; swapped, that bias lands on both policies alike. Eight rounds cover every
combination once.
"""
import argparse, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench   # noqa: E402
import duet   # noqa: E402
import live_bench   # noqa: E402
from bench import GiB   # noqa: E402

# What both sides' manifests said in the last run() (measured rounds): per recording its judged windows
# per path and its CPU by part (in calls, writeback booked, syncs), to see where one side pays more.
last_details = []
WARMUP = 2   # rounds run first and not counted: one auto round on each daemon
# A round is measured up to this long before the recordings' end, while every stream of both sides
# still runs: neither side's ends (last write, final commit, learned costs) are in it (duet.measure).
END_MARGIN_S = 3
# Each sender's streams start spread over this span (recd-send-load --spread-ms): started in step,
# a side's four streams filled their batches within a millisecond of each other, so each burst of
# wakeups began from an idle CPU and its first stream paid about 2x per byte; with both sides in
# step, the side whose senders started first paid it more often.
SPREAD_MS = 1000
# Per measured round of the last run(): whether the first policy's senders started first.
first_started = []


def run(root, native, base, cond, best, rounds, seconds, first="auto"):
    """Per measured round [first's CPU-s/GiB, best's CPU-s/GiB], and the bytes first's recordings
    moved per path. first: auto, or a static path for an A/A run (the harness's own bias)."""
    streams, write = live_bench.parse_condition(cond)
    per = live_bench.RATE // 8 * seconds
    sides = duet.Sides(root, base, f"liveduet-{cond}", commit_at_end=False)
    policies = [first, best]
    out, auto_paths = [], {}
    last_details.clear()
    first_started.clear()
    try:
        for rnd in range(rounds + WARMUP):
            pair, role0_first = sides.for_round(rnd)
            counted = rnd >= WARMUP
            # role k runs policies[role_policy[k]]
            role_policy = (1, 0) if rnd // 4 % 2 == 1 else (0, 1)
            names = [[f"ld{rnd}-{k}-{i}.ts" for i in range(streams)] for k in (0, 1)]

            def start(k):
                cmd = live_bench.sender_cmd(native, [f"127.0.0.1:{pair[k][0].port}"], streams, write, per,
                                            f"/recordings/ld{rnd}-{k}-{{i}}.ts?path={policies[role_policy[k]]}",
                                            spread_ms=SPREAD_MS)
                return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        preexec_fn=duet.sender_pin())

            def received(k):
                return sum(duet.size_of(os.path.join(pair[k][2], n)) for n in names[k])

            res, procs = duet.measure(pair, start, received, role0_first, until=max(1, seconds - END_MARGIN_S))
            for k in (0, 1):
                _, err = procs[k].communicate(timeout=300)
                if procs[k].returncode != 0:
                    raise RuntimeError(f"live duet sender failed ({procs[k].returncode}): {err.strip()}")
            for k in (0, 1):
                daemon, _, storage = pair[k]
                for n in names[k]:
                    m = daemon.manifest(storage, n)
                    if m["committedLength"] != per or m["state"] != "complete":
                        raise RuntimeError(f"live duet: {n} stored {m['committedLength']} of {per} ({m['state']})")
                    if counted:
                        if role_policy[k] == 0:
                            for p, b in (m.get("bytesByPath") or {}).items():
                                auto_paths[p.split("/")[0]] = auto_paths.get(p.split("/")[0], 0) + b
                        last_details.append(dict(round=rnd, name=n, policy=policies[role_policy[k]], paths=m.get("bytesByPath"),
                                                 decision=m.get("decision"),
                                                 windows={c: v.get("windows") for c, v in (m.get("costs") or {}).items()},
                                                 writeback_ns=m.get("writebackCpuNs", 0), sync_ns=m.get("syncCpuNs", 0),
                                                 metered=m.get("meteredBytes", 0), thread_ns=m.get("threadCpuNs", 0),
                                                 exploring_ns=m.get("exploringNs") or 0))
                    daemon.delete(n)
            if counted:
                per_role = [cpu / (got / GiB) if got else float("nan") for cpu, got in res]
                out.append([per_role[role_policy.index(j)] for j in (0, 1)])
                first_started.append(role0_first == (role_policy[0] == 0))
    finally:
        sides.close()
    return out, auto_paths


def main():
    """One condition's live duet alone, e.g. with recordings longer than the bench's --seconds:
    python3 bench/live_duet.py --condition x1 --best direct --rounds 3 --seconds 90"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--condition", default="x1")
    ap.add_argument("--best", default="direct", help="the static path auto runs beside")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=90)
    ap.add_argument("--first", default="auto",
                    help="the policy on auto's side: a static path (--first direct --best direct) is an A/A run, the duet's own bias")
    o = ap.parse_args()
    base = __import__("tempfile").mkdtemp(prefix="recd-live-duet-", dir="/tmp")
    try:
        with bench.PageReportingPaused():   # as ./build.sh bench does: the host's re-faults land in whichever run comes next
            per_round, auto_paths = run(o.root, os.path.join(o.root, "native/build"), base, o.condition, o.best, o.rounds, o.seconds, o.first)
    finally:
        __import__("shutil").rmtree(base, ignore_errors=True)
    a, b = [r[0] for r in per_round], [r[1] for r in per_round]
    q = bench.paired_ratio(a, b)
    total = sum(auto_paths.values()) or 1
    print(f"{o.condition}, {o.seconds} s per recording, {o.rounds} rounds after {WARMUP} not counted (machine shared: noisy):")
    print(f"  {o.first} {bench.fmt(a, digits=3)}, {o.best} {bench.fmt(b, digits=3)}; {o.first}/{o.best} {q[0]:.3f} [{q[1]:.3f}-{q[2]:.3f}]; "
          "per round " + ", ".join(f"{x / y:.3f}" + ("" if f else "*") for (x, y), f in zip(per_round, first_started))
          + f" (*: {o.first}'s senders started second)")
    print("  auto's bytes: " + ", ".join(f"{p} {v / total:.0%}" for p, v in sorted(auto_paths.items(), key=lambda kv: -kv[1])))
    for d in last_details:
        m = max(d["metered"], 1)
        print(f"  round {d['round']} {d['name']} ({d['policy']}, {d['paths']}): windows {d['windows']}; in calls {d['thread_ns'] / m:.3f} ns/B, "
              f"writeback booked {d['writeback_ns'] / m:.3f} ns/B, syncs {d['sync_ns'] / m:.3f} ns/B, "
              f"exploring {d['exploring_ns'] / max(d['thread_ns'] + d['writeback_ns'], 1):.1%} of the metered cost; {d['decision']}")


if __name__ == "__main__":
    main()
