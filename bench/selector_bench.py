"""./build.sh bench --selector: each static write path and "auto" over the same conditions.

Conditions: tmpfs and ext4 targets x 1, 4, 16 concurrent streams over loopback, plus (where this
machine allows network namespaces) one stream over a veth pair with MTU 1500 and GRO off on the
receiving side, so segments look like a real set-top-box NIC's. Per condition and round, policies run
one after another on one daemon (auto keeps what it learned on the mount, as it would on a box);
one unmeasured warm-up pass per condition precedes the rounds, and the order of the policies follows
a balanced Latin square (a run's cost depends on what ran before it). auto's regret is the median of
per-round ratios to the best static path, with a bootstrap 90% interval. Metric: receiver (daemon)
CPU-s per GiB, all threads, from a cgroup cpuacct group (else /proc/PID/stat); senders on CPU 0 and
the daemon on CPU 1 with --pin. auto's regret = auto / best static - 1. Beside it, the
selector's own signal: each static path's in-call thread cost (ns/B, from the manifests), so a
ranking that differs from the process view shows.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

import bench
from bench import CpuGroup, Daemon, GiB, paired_ratio, settle, system_busy

POLICIES = ["buffered", "splice", "direct", "auto"]
NS, HOST_IF, NS_IF = "recd-bench", "recdb0", "recdb1"
HOST_IP, NS_IP = "10.213.0.1", "10.213.0.2"   # inside a namespace pair this run creates and removes


def sh(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check)


def setup_veth():
    """Returns None when ready, else the reason the condition is skipped."""
    teardown_veth()
    try:
        sh("ip", "netns", "add", NS)
        sh("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF)
        sh("ip", "link", "set", NS_IF, "netns", NS)
        sh("ip", "addr", "add", f"{HOST_IP}/30", "dev", HOST_IF)
        sh("ip", "link", "set", HOST_IF, "mtu", "1500", "up")
        sh("ip", "netns", "exec", NS, "ip", "addr", "add", f"{NS_IP}/30", "dev", NS_IF)
        sh("ip", "netns", "exec", NS, "ip", "link", "set", NS_IF, "mtu", "1500", "up")
        sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up")
        # Without this the sender's TSO/GSO pushes 64 KB super-frames through the pair, and the
        # receiver sees loopback-sized skbs whatever the MTU: not a NIC's 1448-byte segments.
        if not shutil.which("ethtool"):
            teardown_veth()
            return "ethtool is missing: GRO/TSO/GSO cannot be switched off, segments would not be NIC-like"
        sh("ethtool", "-K", HOST_IF, "gro", "off")
        sh("ip", "netns", "exec", NS, "ethtool", "-K", NS_IF, "tso", "off", "gso", "off")
        host = sh("ethtool", "-k", HOST_IF).stdout
        peer = sh("ip", "netns", "exec", NS, "ethtool", "-k", NS_IF).stdout
        if "generic-receive-offload: off" not in host or "tcp-segmentation-offload: off" not in peer \
                or "generic-segmentation-offload: off" not in peer:
            teardown_veth()
            return "GRO/TSO/GSO did not switch off on the veth pair"
        return None
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        teardown_veth()
        return f"network namespace not available: {getattr(e, 'stderr', '') or e}".strip()


def teardown_veth():
    sh("ip", "link", "del", HOST_IF, check=False)
    sh("ip", "netns", "del", NS, check=False)


def run_streams(daemon, group, native, storage, policy, total, streams, seq, via_ns):
    per = total // streams
    names = [f"s{seq}-{i}.ts" for i in range(streams)]
    host = HOST_IP if via_ns else "127.0.0.1"
    cmd_prefix = ["ip", "netns", "exec", NS] if via_ns else []
    settle()
    cpu_now, pin = group.clock_for(daemon.proc.pid), bench.sender_preexec()
    cpu0, sys0, t0 = cpu_now(), system_busy(), time.monotonic()
    procs = [subprocess.Popen([*cmd_prefix, os.path.join(native, "recd-send-load"), "--connect", f"{host}:{daemon.port}",
                               "--bytes", str(per), "--seed", str(i + 1), "--http-put", f"/recordings/{n}?path={policy}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=pin)
             for i, n in enumerate(names)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"sender failed: {err.strip()}")
    wall = time.monotonic() - t0
    cpu, sysb = cpu_now() - cpu0, system_busy() - sys0
    choices, thread_costs, window_rates, backlog = {}, [], [], []
    metered = thread_ns = exploring_ns = 0
    for n in names:
        m = daemon.manifest(storage, n)
        if m["committedLength"] != per or m["state"] != "complete":
            raise RuntimeError(f"{n}: {m['committedLength']} of {per} bytes, {m['state']}")
        metered += m.get("meteredBytes", 0)
        thread_ns += m.get("threadCpuNs", 0)
        exploring_ns += m.get("exploringNs") or 0
        byp = m.get("bytesByPath") or {}
        top = max(byp, key=byp.get) if byp else "?"
        choices[top.split("/")[0]] = choices.get(top.split("/")[0], 0) + 1
        for c in (m.get("costs") or {}).values():
            if c.get("windows"):
                thread_costs.append(c["nsPerByte"])
                window_rates.append(c["bytesPerSecond"])
                backlog.append(c.get("backlogShare", 0.0))
        daemon.delete(n)
    return dict(cpu_gib=cpu / (per * streams / GiB), mbs=per * streams / wall / 1e6, sys_gib=sysb / (per * streams / GiB),
                choices=choices, thread_ns=statistics.median(thread_costs) if thread_costs else float("nan"),
                window_rate=statistics.median(window_rates) if window_rates else 0.0,
                # the selector's own view: transfer-thread CPU over the metered windows, all paths of the run
                thread_gib=thread_ns / 1e9 / (metered / GiB) if metered else float("nan"),
                exploring=exploring_ns / thread_ns if thread_ns else 0.0,
                backlog=statistics.median(backlog) if backlog else 0.0)


def williams_order(items, rnd):
    """Round rnd of a balanced Latin square (Williams design): over len(items) rounds every item runs
    in every place once and follows every other item exactly once. A plain rotation put auto right
    after direct in 3 rounds of 4, and a run right after one of its own kind measured dearer."""
    n = len(items)
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:
        first.append(lo)
        lo += 1
        if len(first) < n:
            first.append(hi)
            hi -= 1
    return [items[(k + rnd) % n] for k in first]


def starving(rate, backlog, sustained, fraction=0.7):
    """The selector's own rule (Selector.Record), applied to static runs: a path whose windows mostly
    ended with data queued, moving less than `fraction` of the rate of a path whose windows mostly
    ended drained, cannot keep up with this sender. When no path kept the socket drained (the sender
    is faster than all of them), none is starving. A window's rate of a page-cache path is the speed
    of memory, not of the disk (ext4 x1: buffered 2.8 GB/s "drained" in its windows, 1.0 GB/s end to
    end with the fdatasync), so the path must also fall short end to end: its sustained throughput
    below `fraction` of the fastest static path's."""
    drained = [rate[p] for p in rate if backlog[p] < 0.5]
    if not drained:
        return set()
    return {p for p in rate if backlog[p] >= 0.5 and rate[p] < fraction * max(drained)
            and sustained[p] < fraction * max(sustained.values())}


def main(opts):
    native = os.path.join(opts.root, "native/build")
    outdir = os.path.join(opts.root, "bench/out")
    os.makedirs(outdir, exist_ok=True)
    rounds = opts.selector_rounds
    total = opts.size
    conditions = [(t, s, False) for t in ("tmpfs", "ext4") for s in (1, 4, 16)]
    wanted = set(opts.conditions.split(",")) if opts.conditions else None
    if wanted:
        conditions = [c for c in conditions if f"{c[0]}-x{c[1]}" in wanted]
    veth_reason = setup_veth() if not wanted or "veth" in wanted else "not asked for"
    if veth_reason is None:
        conditions.append(("tmpfs", 1, True))
    targets = {"tmpfs": "/dev/shm", "ext4": "/tmp"}
    if opts.aa:
        print(f"A/A check: the auto slot runs static {opts.aa}; its regret below is the benchmark's own noise, not the selector's")
    print(f"selector benchmark: {total / GiB:.2f} GiB per run split over the streams, {rounds} rounds + 1 warm-up, "
          f"receiver CPU-s/GiB (median)")
    if veth_reason:
        print(f"veth MTU 1500 condition skipped: {veth_reason}")
    else:
        print("veth pair: MTU 1500, GRO off on the receiving side, TSO/GSO off on the sending side (checked with ethtool -k)")
    rows, runs = [], []
    try:
        for target, streams, via_ns in conditions:
            base = tempfile.mkdtemp(prefix="recd-selbench-", dir=targets[target])
            storage = os.path.join(base, "store")
            extra = ["--address", HOST_IP] if via_ns else []
            daemon = Daemon(opts.root, storage, extra)
            group = CpuGroup("recd-selbench")
            group.add(daemon.proc.pid)
            res = {p: [] for p in POLICIES}
            try:
                seq = 0
                for rnd in range(rounds + 1):
                    for p in williams_order(POLICIES, rnd):
                        seq += 1
                        # --aa: the auto slot runs a static path, so its "regret" is the design's own noise.
                        asked = opts.aa if p == "auto" and opts.aa else p
                        r = run_streams(daemon, group, native, storage, asked, total, streams, seq, via_ns)
                        if rnd > 0:
                            res[p].append(r)
                            runs.append(dict(condition=f"{target} x{streams}{' veth-1500' if via_ns else ''}", round=rnd, policy=p,
                                             cpu_s_per_gib=round(r["cpu_gib"], 4), mb_s=round(r["mbs"], 1),
                                             thread_s_per_gib=round(r["thread_gib"], 4),
                                             recordings_by_path=" ".join(f"{k}:{v}" for k, v in sorted(r["choices"].items()))))
            finally:
                daemon.stop()
                group.remove()
                shutil.rmtree(base, ignore_errors=True)
            thread = {p: statistics.median(x["thread_ns"] for x in res[p]) for p in POLICIES if p != "auto"}
            med = {p: statistics.median(x["cpu_gib"] for x in res[p]) for p in POLICIES}
            spread = {p: (max(x["cpu_gib"] for x in res[p]) - min(x["cpu_gib"] for x in res[p])) / med[p] for p in POLICIES}
            mbs = {p: statistics.median(x["mbs"] for x in res[p]) for p in POLICIES}
            # The selector must never starve a stream: it drops a path that leaves data queued while
            # moving less than 0.7x the rate of a path that kept the socket drained. auto is therefore
            # held to the cheapest static path that the same rule keeps, judged on the static runs' own
            # windows (rate and backlog share from their manifests). The CPU-only best is printed too.
            static_all = [p for p in POLICIES if p != "auto"]
            wrate = {p: statistics.median(x["window_rate"] for x in res[p]) for p in static_all}
            wback = {p: statistics.median(x["backlog"] for x in res[p]) for p in static_all}
            starved = starving(wrate, wback, {p: mbs[p] for p in static_all})
            static = [p for p in static_all if p not in starved] or static_all
            cpu_best = min(static_all, key=lambda p: med[p])
            best = min(static, key=lambda p: med[p])
            second = min((p for p in static if p != best), key=lambda p: med[p], default=best)
            # Paired by round (the policies of a round ran back to back, in rotating order), so drift
            # of the machine between rounds cancels; bootstrap 90% interval over rounds.
            ratio, lo, hi = paired_ratio([x["cpu_gib"] for x in res["auto"]], [x["cpu_gib"] for x in res[best]])
            regret, regret_lo, regret_hi = ratio - 1, lo - 1, hi - 1
            regret_of_medians = med["auto"] / med[best] - 1
            # The same comparison in the selector's own view (transfer-thread CPU of the metered windows):
            # it leaves out softirq and writeback, which every policy pays alike or the thread cannot see.
            t_ratio, t_lo, t_hi = paired_ratio([x["thread_gib"] for x in res["auto"]], [x["thread_gib"] for x in res[best]])
            exploring = statistics.median(x["exploring"] for x in res["auto"])
            noise = max(spread[best], spread[second], 0.05)
            clear = med[second] / med[best] - 1 > noise
            auto_choice = {}
            for x in res["auto"]:
                for k, v in x["choices"].items():
                    auto_choice[k] = auto_choice.get(k, 0) + v
            top = max(auto_choice, key=auto_choice.get)
            name = f"{target} x{streams}{' veth-1500' if via_ns else ''}"
            rows.append(dict(condition=name, **{f"{p}_cpu_s_per_gib": round(med[p], 4) for p in POLICIES},
                             **{f"{p}_thread_ns_per_byte": round(thread[p], 4) for p in thread},
                             **{f"{p}_window_mb_s": round(wrate[p] / 1e6, 1) for p in static_all},
                             **{f"{p}_backlog_share": round(wback[p], 3) for p in static_all},
                             best_static=best, cpu_only_best=cpu_best, keeps_up=" ".join(static), auto_regret=round(regret, 4),
                             auto_regret_lo=round(regret_lo, 4), auto_regret_hi=round(regret_hi, 4),
                             auto_regret_of_medians=round(regret_of_medians, 4), auto_mostly=top,
                             auto_thread_regret=round(t_ratio - 1, 4), auto_thread_regret_lo=round(t_lo - 1, 4), auto_thread_regret_hi=round(t_hi - 1, 4),
                             auto_exploring_share=round(exploring, 4),
                             best_clear_of_noise=clear, choice_matches=(top == best) if clear else None,
                             **{f"{p}_mb_s": round(statistics.median(x["mbs"] for x in res[p]), 1) for p in POLICIES}))
            print(f"{name:22} " + " ".join(f"{p} {med[p]:.3f} ({mbs[p]:.0f} MB/s)" for p in POLICIES) +
                  " | thread view ns/B " + " ".join(f"{p} {thread[p]:.3f}" for p in thread) +
                  f" | best {best}" + (f" (cheapest {cpu_best} cannot keep up: {wrate[cpu_best] / 1e6:.0f} MB/s with data queued"
                                       f" in {wback[cpu_best]:.0%} of windows, vs {max(wrate[p] for p in static) / 1e6:.0f} MB/s drained;"
                                       f" regret vs it {med['auto'] / med[cpu_best] - 1:+.1%})" if cpu_best != best else "") +
                  f", auto regret {regret:+.1%} [{regret_lo:+.1%} {regret_hi:+.1%}] (of medians {regret_of_medians:+.1%}), auto mostly on {top}" +
                  ("" if not clear else (" (matches)" if top == best else " (DIFFERS from best)")) +
                  f" | thread view: auto regret {t_ratio - 1:+.1%} [{t_lo - 1:+.1%} {t_hi - 1:+.1%}], exploring {exploring:.1%} of auto's thread CPU")
            sys.stdout.flush()
    finally:
        teardown_veth()
    import csv
    with open(os.path.join(outdir, "selector.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(outdir, "selector_runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(runs[0].keys()))
        w.writeheader()
        w.writerows(runs)
    worst = max(rows, key=lambda r: r["auto_regret"])
    print(f"\nwritten: {outdir}/selector.csv, selector_runs.csv; target: regret <= 5% everywhere; worst {worst['auto_regret']:+.1%} ({worst['condition']})")
    return 0
