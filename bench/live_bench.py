"""./build.sh bench --live: recd's write paths and the C reference receiver at live rates.

A set-top box mostly receives live streams, a few Mbit/s each in small sends, and a receiver then
pays per wakeup, not per byte. Conditions: 1, 4 and 16 streams of 10 Mbit/s in 1316-byte sends
(7 TS packets), and 4 streams in 64 KiB sends, paced by recd-send-load --rate from one thread (the
streams spread over one send interval). Storage on ext4 under /tmp; recd runs the board's default
profile (its own commit interval: commit latency is measured, so it is not pushed to the end as
bench.py does). Receivers: recd ?path=buffered|splice|direct|auto, and the C reference receiver's
three paths without and with --batch 256k --batch-ms 1000 (one recd-recv-ref process per stream,
all in one cgroup; it fdatasyncs at the end, recd at its commits and the end).

Per run (--seconds, default 30), in an order that reverses every round:
- receiver CPU-s/GiB: cgroup cpuacct, all threads (bench.CpuGroup), from the sender's start to its
  exit (which is after every response, i.e. after recd's last commit / C's fdatasync);
- wakeups: context switches per MiB (voluntary + involuntary) of the receiver: for C from its own
  getrusage, for recd summed over /proc/PID/task/*/status sampled every 0.1 s (its per-connection
  threads exit with their connection), and for C also its exact socket receive calls per MiB (--counters).
  recd's receive calls come from a separate run per path under strace (below): strace slows every
  syscall, so those runs are not timed;
- latency to commit (recd): the manifests' committedLength polled from the files every 0.1 s (no
  request to the daemon, so the sampling costs it nothing; HEAD's Recd-Committed-Length is the same
  number), each byte's latency = when a committedLength covering it was first seen - when the sender
  sent it (the sender's schedule: start_mono + (i/N + k) * interval, checked by its max_late_s).
  The last commit (at the end of the body) is left out: a live stream has no end. Resolution 0.1 s.
  For C, the same against the output files' sizes: bytes in the file, not durable;
- peak RSS: recd's VmHWM, reset before each run (clear_refs 5); C's VmHWM sampled while it runs,
  summed over its processes (one per stream, so shared pages count once per process).
Then recd's bulk cost per path on the same daemon (--bulk-size per path and round, bench.bench_recd)
so live/bulk is visible, and a strace -c style count per recd path (--strace-seconds, 4 streams).
Ratios: medians of per-round ratios with a bootstrap 90% interval (bench.paired_ratio).
"""
import bisect, csv, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

import bench
import live_duet
import live_net
from bench import CpuGroup, Daemon, GiB, paired_ratio, settle

MiB = 1 << 20
RATE = 10_000_000          # bit/s per stream
TS_SEND = 1316             # 7 TS packets
BATCH, BATCH_MS = 256 << 10, 1000
RECD_PATHS = ["buffered", "splice", "direct", "auto"]
STATIC = ["buffered", "splice", "direct"]
C_PATHS = ["buffered", "splice", "direct"]
POLL_S = 0.1


def all_receivers():
    return [f"recd:{p}" for p in RECD_PATHS] + [f"c:{p}" for p in C_PATHS] + [f"c:{p}+batch" for p in C_PATHS]


def parse_condition(c):
    streams, _, size = live_net.base_condition(c).lstrip("x").partition("-")
    return int(streams), (64 << 10) if size == "64k" else TS_SEND


def kv(line):
    return dict(x.split("=", 1) for x in line.split())


def sender_cmd(native, targets, streams, write, per, http_put=None, spread_ms=0):
    cmd = [os.path.join(native, "recd-send-load")]
    for t in targets:
        cmd += ["--connect", t]
    cmd += ["--streams", str(streams), "--rate", str(RATE), "--write", str(write), "--bytes", str(per)]
    if spread_ms:
        cmd += ["--spread-ms", str(spread_ms)]
    if http_put:
        cmd += ["--http-put", http_put]
    return cmd


def ctx_switches(pid):
    """Per thread of pid: voluntary + involuntary context switches so far."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                out[tid] = sum(int(line.split()[1]) for line in f
                               if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
        except OSError:
            pass   # a thread that exited meanwhile
    return out


class CtxSwitches:
    """Context switches of every thread of pid during a run, sampled with the commit polling: recd
    serves each connection on a thread that exits with it, so a count taken only at the ends misses
    exactly the receiving threads. What a thread does after the last sample (< 0.1 s) is lost."""

    def __init__(self, pid):
        self.pid, self.base = pid, ctx_switches(pid)
        self.last = dict(self.base)

    def sample(self):
        self.last.update(ctx_switches(self.pid))

    def total(self):
        self.sample()
        return sum(v - self.base.get(t, 0) for t, v in self.last.items())


def vm_hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def reset_hwm(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5\n")   # proc(5): reset the peak RSS to the current RSS
        return True
    except OSError:
        return False


def watch(sender, read_lengths, streams, per, on_poll=lambda: None):
    """Polls read_lengths() (one length per stream) until the sender exits; returns per stream the
    list of (time, length) whenever a length grew, and the sender's output line."""
    events = [[] for _ in range(streams)]
    last = [0] * streams
    while sender.poll() is None:
        t = time.monotonic()
        for i, n in enumerate(read_lengths()):
            if n > last[i]:
                events[i].append((t, n))
                last[i] = n
        on_poll()
        time.sleep(POLL_S)
    out, err = sender.communicate()
    if sender.returncode != 0:
        raise RuntimeError(f"sender failed ({sender.returncode}): {err.strip()}")
    return events, kv(out.strip().splitlines()[-1])


def latencies(events, sent, streams, write, per):
    """Byte latencies (s) from send to first sight, on a grid of sends, the final length left out."""
    t0, interval = float(sent["start_mono"]), float(sent["interval_s"])
    lat = []
    for i, ev in enumerate(events):
        ev = [(t, n) for t, n in ev if n < per]
        if not ev:
            continue
        lengths = [n for _, n in ev]
        step = max(1, (ev[-1][1] // write) // 200)   # ~200 samples per stream
        for k in range(0, ev[-1][1] // write, step):
            end = (k + 1) * write                      # the k-th send's last byte
            j = bisect.bisect_left(lengths, end)
            lat.append(ev[j][0] - (t0 + (i / streams + k) * interval))
    return lat


def pct(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run_recd(daemon, group, native, storage, path, streams, write, per, seq, link=live_net.LOOPBACK, trace=None):
    names = [f"live-{seq}-{i}.ts" for i in range(streams)]
    manifests = [os.path.join(storage, "." + n + ".manifest") for n in names]
    seen = [(None, 0)] * streams

    def committed():
        out = []
        for i, m in enumerate(manifests):
            try:
                st = os.stat(m)
                key = (st.st_ino, st.st_mtime_ns, st.st_size)
                if key != seen[i][0]:
                    with open(m) as f:
                        seen[i] = (key, json.load(f)["committedLength"])
            except (OSError, ValueError, KeyError):
                pass   # not there yet, or replaced while being read: the next poll sees it
            out.append(seen[i][1])
        return out

    settle()
    pid = daemon.proc.pid
    hwm_reset = reset_hwm(pid)
    cpu_now = group.clock_for(pid)
    if trace:
        trace.start([pid], link.dev)
    cpu0, cs = cpu_now(), CtxSwitches(pid)
    sender = subprocess.Popen(link.wrap(sender_cmd(native, [f"{link.host}:{daemon.port}"], streams, write, per,
                                                   f"/recordings/live-{seq}-{{i}}.ts?path={path}")),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=bench.sender_preexec())
    events, sent = watch(sender, committed, streams, per, cs.sample)
    cpu, cs = cpu_now() - cpu0, cs.total()
    skb = trace.stop() if trace else None
    rss = vm_hwm_kb(pid)
    labels = set()
    for n in names:
        m = daemon.manifest(storage, n)
        if m["committedLength"] != per or m["state"] != "complete":
            raise RuntimeError(f"recd stored {m['committedLength']} of {per} ({m['state']})")
        labels.add(m.get("writePath", path))
        daemon.delete(n)
    return dict(cpu=cpu, ctxsw=cs, recv_calls=skb["recv_calls"] if skb else None, skb=skb,
                rss_kb=rss if hwm_reset else None, sent=sent,
                lat=latencies(events, sent, streams, write, per), label=" ".join(sorted(labels)))


def c_args(mode):
    """recd-recv-ref's arguments for a C receiver such as "buffered" or "direct+batch"."""
    path, _, batch = mode.partition("+")
    args = {"buffered": ["--buf", str(256 << 10)], "splice": ["--pipe", str(1 << 20)], "direct": ["--buf", str(4 << 20)]}[path]
    return args + (["--batch", str(BATCH), "--batch-ms", str(BATCH_MS)] if batch else [])


def run_c(group, native, cstore, mode, streams, write, per, seq, link=live_net.LOOPBACK, trace=None):
    path = mode.partition("+")[0]
    args = c_args(mode)
    outs = [os.path.join(cstore, f"ref-{seq}-{i}.ts") for i in range(streams)]
    readies = [o + ".port" for o in outs]
    procs = []
    for out, ready in zip(outs, readies):
        p = bench.start_c_receiver(native, link.host, path, [*args, "--fsync", "--counters"], out, ready)
        group.add(p.pid)
        procs.append(p)
    ports = [bench.c_receiver_port(r) for r in readies]

    def sizes():
        out = []
        for o in outs:
            try:
                out.append(os.stat(o).st_size)
            except OSError:
                out.append(0)
        return out

    settle()
    if trace:
        trace.start([p.pid for p in procs], link.dev)
    g0 = group.seconds() if group.ok else 0.0
    sender = subprocess.Popen(link.wrap(sender_cmd(native, [f"{link.host}:{p}" for p in ports], streams, write, per)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=bench.sender_preexec())
    hwm = {}

    def sample_hwm():
        # VmHWM while they run: ru_maxrss would be the forking parent's peak (exec keeps the old mm's
        # high-water mark in signal->maxrss), here this Python process's ~25 MiB.
        for p in procs:
            try:
                hwm[p.pid] = max(hwm.get(p.pid, 0), vm_hwm_kb(p.pid))
            except OSError:
                pass

    events, sent = watch(sender, sizes, streams, per, sample_hwm)
    res = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=60)
        r = kv(stdout)
        if p.returncode != 0 or int(r["bytes"]) != per:
            raise RuntimeError(f"C receiver failed: {stderr.strip()} {stdout.strip()}")
        res.append(r)
    cpu = group.seconds() - g0 if group.ok else sum(float(r["user_s"]) + float(r["sys_s"]) for r in res)
    skb = trace.stop() if trace else None
    for o, r in zip(outs, readies):
        os.unlink(o)
        os.unlink(r)
    return dict(cpu=cpu, ctxsw=sum(int(r["vcsw"]) + int(r["ivcsw"]) for r in res),
                recv_calls=sum(int(r["recv_calls"]) for r in res), skb=skb, rss_kb=sum(hwm.values()),
                sent=sent, lat=latencies(events, sent, streams, write, per),
                label=f"{mode} ({','.join(sorted({r['fallback'] for r in res}))}, lowat {res[0]['lowat']})")


SYSCALL = re.compile(r"^\d+\s+(\w+)\((.*)")


def strace_counts(daemon, native, storage, path, streams, write, seconds, seq):
    """Receive-side syscalls of recd per MiB in one paced run under strace -f (not timed: strace slows
    every call, which, if anything, lets more bytes queue per call). A splice whose offsets are both
    NULL is socket -> pipe (a receive); pipe -> file carries the file offset."""
    per = RATE // 8 * seconds
    trace = os.path.join(storage, f"strace-{seq}.txt")
    st = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, "-e",
                           "trace=recvfrom,recvmsg,read,splice,poll,ppoll,epoll_wait,epoll_pwait,io_uring_enter",
                           "-p", str(daemon.proc.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    names = [f"strace-{seq}-{i}.ts" for i in range(streams)]
    r = subprocess.run(sender_cmd(native, [f"127.0.0.1:{daemon.port}"], streams, write, per,
                                  f"/recordings/strace-{seq}-{{i}}.ts?path={path}"), capture_output=True, text=True)
    st.send_signal(signal.SIGINT)
    st.wait(timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"sender failed under strace: {r.stderr.strip()}")
    # Per thread, then only the threads that received body bytes: the accept loop and the control
    # socket poll 4 times a second each, which at x4 is 1.7 polls per MiB that no transfer makes.
    by_tid = {}
    with open(trace) as f:
        for line in f:
            m = SYSCALL.match(line)
            if not m or "resumed>" in line:
                continue
            name, args = m.group(1), m.group(2)
            if name == "splice":
                name = "splice sock->pipe" if re.match(r"\s*\d+, NULL, \d+, NULL", args) else "splice pipe->file"
            tid = line.split(None, 1)[0]
            c = by_tid.setdefault(tid, {})
            c[name] = c.get(name, 0) + 1
    counts = {}
    for c in by_tid.values():
        if any(k in c for k in ("recvfrom", "recvmsg", "splice sock->pipe")):
            for k, v in c.items():
                counts[k] = counts.get(k, 0) + v
    os.unlink(trace)
    for n in names:
        daemon.delete(n)
    mib = per * streams / MiB
    return {k: v / mib for k, v in sorted(counts.items())}


def main(opts):
    native = os.path.join(opts.root, "native/build")
    outdir = os.path.join(opts.root, "bench/out")
    os.makedirs(outdir, exist_ok=True)
    conditions = opts.live_conditions.split(",")
    receivers = opts.live_receivers.split(",") if opts.live_receivers else all_receivers()
    rounds, seconds = opts.rounds, opts.seconds
    print(f"live benchmark: {rounds} rounds x {seconds} s per run, streams of {RATE / 1e6:g} Mbit/s, ext4 (/tmp), "
          f"receivers in an order that reverses every round; C batching: --batch {BATCH} --batch-ms {BATCH_MS}")
    print("2 shared vCPUs: other developers' work lands in these runs; compare only within one invocation")
    base = tempfile.mkdtemp(prefix="recd-live-", dir="/tmp")
    storage, cstore = os.path.join(base, "store"), os.path.join(base, "c")
    os.makedirs(cstore)
    daemon = Daemon(opts.root, storage, commit_at_end=False)
    # Names of this invocation's own: two helpers' live benchmarks at once shared "recd-live-c", each
    # counted the other's receivers, and the first to finish removed the group under the other.
    groups = {"recd": CpuGroup(f"recd-live-recd-{os.getpid()}"), "c": CpuGroup(f"recd-live-c-{os.getpid()}")}
    groups["recd"].add(daemon.proc.pid)
    print("receiver CPU: " + ("cgroup cpuacct" if groups["recd"].ok else "/proc/PID/stat and getrusage (10 ms ticks)"))
    net = live_net.Net(opts.root, base, native, c_args) if any(map(live_net.is_net, conditions)) else None
    if net and net.link is None:
        conditions = [c for c in conditions if not live_net.is_net(c)]
    raw, rows, straces, bulk_raw, duets, duet_raw = [], [], {}, [], {}, []
    res = {}
    seq = 0
    try:
        for cond in conditions:
            streams, write = parse_condition(cond)
            per = RATE // 8 * seconds
            res[cond] = {r: [] for r in receivers}
            for rnd in range(rounds):
                order = receivers if rnd % 2 == 0 else receivers[::-1]
                on_net = net is not None and live_net.is_net(cond)
                d, g, st = (net.daemon, net.group, net.storage) if on_net else (daemon, groups["recd"], storage)
                link, trace = (net.link_for(cond), net.trace) if net else (live_net.LOOPBACK, None)
                for who in order:
                    seq += 1
                    kind, path = who.split(":")
                    r = run_recd(d, g, native, st, path, streams, write, per, seq, link, trace) if kind == "recd" \
                        else run_c(groups["c"], native, cstore, path, streams, write, per, seq, link, trace)
                    res[cond][who].append(r)
                    mib = per * streams / MiB
                    raw.append(dict(condition=cond, receiver=who, round=rnd + 1, bytes=per * streams, cpu_s=round(r["cpu"], 5),
                                    cpu_s_per_gib=round(r["cpu"] / (mib / 1024), 4), ctxsw_per_mib=round(r["ctxsw"] / mib, 2),
                                    recv_calls_per_mib="" if r["recv_calls"] is None else round(r["recv_calls"] / mib, 2),
                                    latency_p50_s=round(pct(r["lat"], 0.5), 3), latency_max_s=round(max(r["lat"], default=float("nan")), 3),
                                    peak_rss_kb=r["rss_kb"] if r["rss_kb"] is not None else "",
                                    sender_max_late_s=r["sent"]["max_late_s"], label=r["label"], **live_net.raw_fields(r, mib)))
                sys.stderr.write(f"  {cond}: round {rnd + 1}/{rounds} done\n")
                if on_net:
                    seq = net.bulk_round(cond, rnd, receivers, groups["c"], opts.bulk_size, seq)
        # recd's own bulk cost on the same daemon and profile, per path and round (bench.py's run).
        bulk = {p: [] for p in RECD_PATHS}
        for rnd in range(rounds if not all(map(live_net.is_net, conditions)) else 0):
            for p in (RECD_PATHS if rnd % 2 == 0 else RECD_PATHS[::-1]):
                seq += 1
                b = bench.bench_recd(daemon, groups["recd"], native, storage, p, opts.bulk_size, seq)
                bulk[p].append(b["cpu"] / (opts.bulk_size / GiB))
                bulk_raw.append(dict(path=p, round=rnd + 1, bytes=opts.bulk_size, cpu_s_per_gib=round(bulk[p][-1], 4),
                                     mb_per_s=round(opts.bulk_size / b["wall"] / 1e6, 1), label=b["label"]))
        # auto beside the condition's cheapest static path, both at once (bench/live_duet.py).
        if opts.live_duet_rounds > 0 and all(f"recd:{p}" in receivers for p in STATIC):
            for cond in [c for c in conditions if not live_net.is_net(c)]:
                best = min(STATIC, key=lambda p: statistics.median(x["cpu"] for x in res[cond][f"recd:{p}"]))
                sys.stderr.write(f"  {cond}: live duet, auto beside {best}\n")
                duets[cond] = (best, *live_duet.run(opts.root, native, base, cond, best, opts.live_duet_rounds, opts.seconds))
        if opts.strace_seconds > 0 and shutil.which("strace"):
            streams, write = parse_condition("x4")
            for p in RECD_PATHS:
                seq += 1
                straces[p] = strace_counts(daemon, native, storage, p, streams, write, opts.strace_seconds, seq)
    finally:
        daemon.stop()
        if net:
            net.close()
        for g in groups.values():
            g.remove()
        shutil.rmtree(base, ignore_errors=True)

    gib_of = lambda cond: RATE // 8 * seconds * parse_condition(cond)[0] / GiB
    cpu = {c: {w: [x["cpu"] / gib_of(c) for x in res[c][w]] for w in receivers} for c in conditions}
    bulk_med = {p: statistics.median(v) for p, v in bulk.items() if v}
    if bulk_med:
        print(f"\nrecd bulk on the same daemon (default profile, ext4, {opts.bulk_size >> 20} MiB per run, 1 stream), CPU-s/GiB: " +
              ", ".join(f"{p} {bench.fmt(v, digits=3)}" for p, v in bulk.items()))
    for c in conditions:
        streams, write = parse_condition(c)
        print(f"\n== {c}: {streams} stream(s) x {RATE / 1e6:g} Mbit/s in {write}-byte sends, {seconds} s")
        print(f"{'receiver':18} {'CPU-s/GiB':>20} {'ctxsw/MiB':>10} {'recv/MiB':>9} {'lat p50 s':>9} {'lat max s':>9} "
              f"{'peak RSS MiB':>12} {'late s':>7}  {'vs C same path* [90%]':>22} {'vs C+batch* [90%]':>20} {'live/bulk*':>16}")
        for w in receivers:
            xs = res[c][w]
            mib = RATE // 8 * seconds * streams / MiB
            kind, path = w.split(":")
            row = dict(condition=c, receiver=w, cpu_s_per_gib=statistics.median(cpu[c][w]),
                       ctxsw_per_mib=statistics.median(x["ctxsw"] / mib for x in xs),
                       recv_calls_per_mib=statistics.median(x["recv_calls"] / mib for x in xs) if kind == "c" else None,
                       latency_p50_s=statistics.median(pct(x["lat"], 0.5) for x in xs),
                       latency_max_s=max(max(x["lat"], default=float("nan")) for x in xs),
                       peak_rss_mib=statistics.median(x["rss_kb"] / 1024 for x in xs) if xs[0]["rss_kb"] is not None else None,
                       sender_max_late_s=max(float(x["sent"]["max_late_s"]) for x in xs))
            vs = {}
            if kind == "recd" and path in C_PATHS:
                for other in (f"c:{path}", f"c:{path}+batch"):
                    if other in receivers:
                        vs[other] = paired_ratio(cpu[c][w], cpu[c][other])
            if kind == "recd" and path in bulk_med and not live_net.is_net(c):   # veth: live_net.report
                vs["bulk"] = (statistics.median(cpu[c][w]) / bulk_med[path],) * 3   # medians: bulk runs are not paired
            if path == "auto" and all(f"recd:{p}" in receivers for p in ("buffered", "splice", "direct")):
                best = [min(cpu[c][f"recd:{p}"][k] for p in ("buffered", "splice", "direct")) for k in range(len(xs))]
                vs["best static"] = paired_ratio(cpu[c][w], best)
            for k, v in vs.items():
                row[f"ratio_{k.replace(':', '_').replace('+', '_').replace(' ', '_')}"] = round(v[0], 3)
                row[f"ratio_{k.replace(':', '_').replace('+', '_').replace(' ', '_')}_lo"] = round(v[1], 3)
                row[f"ratio_{k.replace(':', '_').replace('+', '_').replace(' ', '_')}_hi"] = round(v[2], 3)
            rows.append(row)
            f3 = lambda v: f"{v[0]:.2f} [{v[1]:.2f}-{v[2]:.2f}]"
            same = vs.get(f"c:{path}") or vs.get("best static")
            recv = "" if row["recv_calls_per_mib"] is None else f"{row['recv_calls_per_mib']:.1f}"
            rss = "" if row["peak_rss_mib"] is None else f"{row['peak_rss_mib']:.1f}"
            col_same = (("auto/best " if path == "auto" else "") + f3(same)) if same else ""
            col_batch = f3(vs[f"c:{path}+batch"]) if f"c:{path}+batch" in vs else ""
            col_bulk = f"{vs['bulk'][0]:.1f}" if "bulk" in vs else ""
            print(f"{w:18} {bench.fmt(cpu[c][w], digits=3):>20} {row['ctxsw_per_mib']:>10.1f} {recv:>9} "
                  f"{row['latency_p50_s']:>9.2f} {row['latency_max_s']:>9.2f} {rss:>12} {row['sender_max_late_s']:>7.3f}  "
                  f"{col_same:>22} {col_batch:>20} {col_bulk:>16}")
    if straces:
        print(f"\nrecd receive-side syscalls per MiB under strace -f, transfer threads only (x4, 1316-byte sends, {opts.strace_seconds} s, not timed):")
        for p, cnt in straces.items():
            print(f"  {p:9} " + ", ".join(f"{k} {v:.1f}" for k, v in cnt.items()))
    if duets:
        print(f"\nlive duets: auto beside the best static path at the same time ({opts.live_duet_rounds} rounds after {live_duet.WARMUP} not counted,"
              " daemons swapped every round, policies' roles every four, both daemons on CPU 1, senders on CPU 0), CPU-s/GiB up to 3 s before the recordings' end:")
        for cond, (best, per_round, auto_paths) in duets.items():
            a, b = [r[0] for r in per_round], [r[1] for r in per_round]
            q = paired_ratio(a, b)
            total = sum(auto_paths.values()) or 1
            on = ", ".join(f"{p} {v / total:.0%}" for p, v in sorted(auto_paths.items(), key=lambda kv: -kv[1]))
            print(f"  {cond}: auto {bench.fmt(a, digits=3)}, {best} {bench.fmt(b, digits=3)}; auto/{best} {q[0]:.3f} "
                  f"[{q[1]:.3f}-{q[2]:.3f}] ({'ok' if q[0] <= 1.05 else 'NOT met'}: target 1.05); auto's bytes: {on}")
            for k, (x, y) in enumerate(per_round):
                duet_raw.append(dict(condition=cond, round=k + 1, best=best, auto_cpu_s_per_gib=round(x, 4),
                                     best_cpu_s_per_gib=round(y, 4), ratio=round(x / y, 4) if y else ""))
    print("* median of per-round ratios (each recd run against the C run of the same round), bootstrap 90% interval;"
          " live/bulk = median live / median bulk (not paired)")
    print("latency: recd = send to committedLength (durable), C = send to file size (not durable); final commit left out; "
          f"{POLL_S} s polling")
    net_rows = live_net.report(net, res, conditions, receivers, lambda c: RATE // 8 * seconds * parse_condition(c)[0] / MiB,
                               opts.bulk_size, gib_of) if net else []
    targets(rows, conditions)
    for name, data in (("live_runs.csv", raw), ("live_summary.csv", rows), ("live_bulk.csv", bulk_raw),
                       ("live_strace.csv", [dict(path=p, **c) for p, c in straces.items()]), ("live_duet.csv", duet_raw),
                       ("live_net.csv", net_rows)):
        if data:
            keys = []
            for d in data:
                keys += [k for k in d if k not in keys]
            with open(os.path.join(outdir, name), "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=keys)
                w.writeheader()
                w.writerows(data)
    print(f"\nwritten: {outdir}/live_runs.csv, live_summary.csv, live_bulk.csv, live_strace.csv, live_duet.csv, live_net.csv")


def targets(rows, conditions):
    """The issue's targets: live <= 2x own bulk per path; >= 5x cheaper than C without batching; auto
    within 5% of the best static path."""
    print("\ntargets (from the issue, for the batching binary):")
    for c in conditions:
        got = {r["receiver"]: r for r in rows if r["condition"] == c}
        parts = []
        for p in RECD_PATHS:
            r = got.get(f"recd:{p}")
            if r is None:
                continue
            lb = r.get("ratio_bulk")
            s = f"{p}: live/bulk {lb:.1f} ({'ok' if lb <= 2 else 'NOT met'})" if lb else p
            vc = r.get(f"ratio_c_{p}")
            if vc:
                s += f", C/recd {1 / vc:.1f}x ({'ok' if vc <= 0.2 else 'NOT met'}; 90% [{1 / r[f'ratio_c_{p}_hi']:.1f}-{1 / r[f'ratio_c_{p}_lo']:.1f}])"
            ab = r.get("ratio_best_static")
            if ab:
                s += f", auto/best static {ab:.2f} [{r['ratio_best_static_lo']:.2f}-{r['ratio_best_static_hi']:.2f}] ({'ok' if ab <= 1.05 else 'NOT met'})"
            parts.append(s)
        print(f"  {c}: " + "; ".join(parts))
