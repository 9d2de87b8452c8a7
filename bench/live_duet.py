"""Live duets (./build.sh bench --live --live-duet-rounds N): recd's "auto" beside the condition's
cheapest static path, at live rates, both at once (bench/duet.py: two daemons on CPU 1, senders on
CPU 0, roles swapped every round). Sequential live runs on this VM ranged up to 1.5x within one
receiver over 3 rounds (docs/measurements/2026-12-01-live.md), too wide to resolve a 5% target; a
duet's ratio is taken from two runs that saw the same machine.

Each daemon gets the condition's streams from its own paced sender (recd-send-load --rate, as the
sequential runs), so the machine carries twice the condition's load. Both daemons are fresh,
default profile with its own commit interval (as the sequential runs); a first round is run and not
counted, so each side's auto has learned once on its mount before the measured rounds.
"""
import os, subprocess

import duet
import live_bench
from bench import GiB


def run(root, native, base, cond, best, rounds, seconds):
    """Per measured round [auto CPU-s/GiB, best CPU-s/GiB], and what the manifests said auto ran on."""
    streams, write = live_bench.parse_condition(cond)
    per = live_bench.RATE // 8 * seconds
    sides = duet.Sides(root, base, f"liveduet-{cond}", commit_at_end=False)
    policies = ["auto", best]
    out, auto_paths = [], {}
    try:
        for rnd in range(rounds + 1):
            pair, auto_first = sides.for_round(rnd)
            names = [[f"ld{rnd}-{k}-{i}.ts" for i in range(streams)] for k in (0, 1)]

            def start(k):
                cmd = live_bench.sender_cmd(native, [f"127.0.0.1:{pair[k][0].port}"], streams, write, per,
                                            f"/recordings/ld{rnd}-{k}-{{i}}.ts?path={policies[k]}")
                return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        preexec_fn=duet.sender_pin())

            def received(k):
                return sum(duet.size_of(os.path.join(pair[k][2], n)) for n in names[k])

            res, procs = duet.measure(pair, start, received, auto_first)
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
                    if k == 0 and rnd > 0:
                        for p, b in (m.get("bytesByPath") or {}).items():
                            auto_paths[p.split("/")[0]] = auto_paths.get(p.split("/")[0], 0) + b
                    daemon.delete(n)
            if rnd > 0:
                out.append([cpu / (got / GiB) if got else float("nan") for cpu, got in res])
    finally:
        sides.close()
    return out, auto_paths
