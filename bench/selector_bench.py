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

Then, per condition, a duet (--duet-rounds, default 12): auto and the best static path receive at
the same time on two daemons (the condition's, and one started with a copy of what it learned), which
swap roles every round; both daemons on CPU 1 and every sender on CPU 0, so the phases of this VM
(the same work costs up to 1.6x from one quarter second to the next) land on both. Sequential runs
of two identical policies measured up to 8% apart between invocations, with per-round ratios from
0.66 to 1.48; in a duet 0.97 to 1.04, intervals within +-2%. The duet's regret is the one that can
resolve a 5% target here; the sequential regret is the condition as specified (one receiver alone
on the machine).

USB disk formats served by FUSE (exfat-fuse, ntfs-3g), 1 and 4 streams, each on a loop device over a
sparse image in /tmp: there most of a write's CPU is spent in the FUSE server, not in recd
(baseline.md, NTFS buffered: 2.75 CPU-s/GiB in recd, 8.8 in ntfs-3g). The server is put in a cpuacct
group of its own, and a run's cost is the daemon's CPU plus the server's over the run, so "best
static path" is what the machine pays; both parts are printed, with the share of the server's CPU
recd's manifests attributed to the recordings (fuseServerCpuNs, the selector's thread+fuse view).
Their duets give each daemon a disk of its own (a second loop device and server, its own cpuacct
group: two daemons on one mount would share one server, whose CPU cannot be told apart between
them); both daemons and both servers on the receiving CPU, a side's cost its daemon's CPU plus its
server's, and the second side starts from the first's learned costs under its own mount's key.

--change: the selector right after the conditions change. One daemon on one mount learns in one
condition (auto only, --change-learn runs of ext4 x1), then the condition changes (ext4 x16) and auto
runs --change-runs runs, then --change-steady more. After each auto run in the new condition one
static path runs (in turn), so the best static path is measured beside auto's runs, in the same
stretch of the machine. A run is every stream of the condition (x16: 16 recordings, which all begin
before any has finished, so they start from what the run before taught). Reported: each run's regret
against the best static path's median, the cumulative regret of the first 8 runs (the sum of their
regrets: the excess CPU in units of one best-static run), and the steady state (the median regret of
the runs after them).
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time
from types import SimpleNamespace

import bench
import veth
from bench import CpuGroup, Daemon, GiB, paired_ratio, settle, system_busy
# The duet's CPU split and file sizes are duet.py's (live_bench.py's duets use them too).
from duet import RECEIVER_CPUS as DUET_RECEIVER_CPUS, SENDER_CPUS as DUET_SENDER_CPUS, size_of

POLICIES = ["buffered", "splice", "direct", "auto"]
NS, HOST_IF, NS_IF = "recd-bench", "recdb0", "recdb1"
HOST_IP, NS_IP = "10.213.0.1", "10.213.0.2"   # inside a namespace pair this run creates and removes


def sh(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check)


# format -> (mkfs command, FUSE server that mounts DEV DIR, the Debian packages)
FUSE_FORMATS = {"exfat": (["mkfs.exfat"], "mount.exfat-fuse", "exfatprogs exfat-fuse"),
                "ntfs": (["mkntfs", "-Q", "-F"], "ntfs-3g", "ntfs-3g")}


class FuseDisk:
    """A USB disk format on a loop device over a sparse image in /tmp, mounted by its FUSE server,
    which is moved into a cpuacct group of its own (all its threads, exited ones included: libfuse's
    multithreaded loop starts and ends workers)."""

    def __init__(self, fmt, image_bytes, tag=""):
        mkfs, server, _ = FUSE_FORMATS[fmt]
        self.fmt, self.loop = fmt, None
        self.dir = tempfile.mkdtemp(prefix=f"recd-selbench-{fmt}-", dir="/tmp")
        self.mnt = os.path.join(self.dir, "mnt")
        os.mkdir(self.mnt)
        try:
            image = os.path.join(self.dir, "usb.img")
            with open(image, "wb") as f:
                f.truncate(image_bytes)
            self.loop = sh("losetup", "--find", "--show", image).stdout.strip()
            sh(*mkfs, self.loop)
            # Not captured: the server daemonizes and would hold the pipes open.
            subprocess.run([server, self.loop, self.mnt], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pid = fuse_server_pid(self.mnt)
            if not self.pid:
                raise RuntimeError(f"no process serves {self.mnt}")
            self.group = CpuGroup(f"recd-selbench-fuse-{fmt}{tag}")
            self.group.add(self.pid)
            self.seconds = self.group.clock_for(self.pid)
        except BaseException:
            self.close()
            raise

    def close(self):
        for _ in range(50):
            if not os.path.ismount(self.mnt) or sh("umount", self.mnt, check=False).returncode == 0:
                break
            time.sleep(0.1)
        if self.loop:
            sh("losetup", "-d", self.loop, check=False)
        if getattr(self, "group", None):
            self.group.remove()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def state_dir(self):
        """The daemon's state folder, off the medium (recd would move it there itself; named, so a duet can copy it)."""
        return os.path.join(self.dir, "state")

    def mount_key(self):
        """What recd's MountInfo.Key holds of this mount: its learned costs are kept under it."""
        return f"{self.loop}:{self.mnt}"


def copy_learned(src_dir, dst_dir, key_from=None, key_to=None):
    """A daemon's learned costs into another's state folder; on another mount, under that mount's key."""
    learned = os.path.join(src_dir, "learned-costs.json")
    if not os.path.exists(learned):
        return
    os.makedirs(dst_dir, exist_ok=True)
    text = open(learned).read()
    if key_from:
        if key_from not in text:
            raise RuntimeError(f"{learned} holds nothing learned on {key_from}")
        text = text.replace(key_from, key_to)
    with open(os.path.join(dst_dir, "learned-costs.json"), "w") as f:
        f.write(text)


def fuse_server_pid(mnt):
    """The process holding /dev/fuse whose argv names the mount point (what recd's FuseServer does)."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            argv = open(f"/proc/{d}/cmdline", "rb").read().split(b"\0")
            if mnt.encode() in argv and any(os.readlink(f"/proc/{d}/fd/{fd}") == "/dev/fuse" for fd in os.listdir(f"/proc/{d}/fd")):
                return int(d)
        except OSError:
            continue
    return None


def fuse_unavailable(fmt):
    mkfs, server, packages = FUSE_FORMATS[fmt]
    if not os.path.exists("/dev/fuse") or not os.path.exists("/dev/loop-control"):
        return "no /dev/fuse or loop devices"
    if os.geteuid() != 0:
        return "loop devices need root"
    missing = [t for t in (mkfs[0], server, "losetup") if not shutil.which(t)]
    return f"{', '.join(missing)} missing (apt-get install {packages})" if missing else None


def setup_veth():
    """Returns None when ready, else the reason the condition is skipped."""
    teardown_veth()
    try:
        veth.add_pair(NS, HOST_IF, NS_IF, HOST_IP, NS_IP)
        # Without this the sender's TSO/GSO pushes 64 KB super-frames through the pair, and the
        # receiver sees loopback-sized skbs whatever the MTU: not a NIC's 1448-byte segments.
        if not shutil.which("ethtool"):
            teardown_veth()
            return "ethtool is missing: GRO/TSO/GSO cannot be switched off, segments would not be NIC-like"
        if not veth.set_offloads(NS, HOST_IF, NS_IF, gro=False):
            teardown_veth()
            return "GRO/TSO/GSO did not switch off on the veth pair"
        return None
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        teardown_veth()
        return f"network namespace not available: {getattr(e, 'stderr', '') or e}".strip()


def teardown_veth():
    veth.remove_pair(NS, HOST_IF)


def sender(native, daemon, policy, name, seed, per, via_ns, cpus=None):
    host = HOST_IP if via_ns else "127.0.0.1"
    cmd_prefix = ["ip", "netns", "exec", NS] if via_ns else []
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else bench.sender_preexec()
    return subprocess.Popen([*cmd_prefix, os.path.join(native, "recd-send-load"), "--connect", f"{host}:{daemon.port}",
                             "--bytes", str(per), "--seed", str(seed), "--http-put", f"/recordings/{name}?path={policy}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=pin)


def start_senders(native, daemon, policy, names, per, via_ns):
    return [sender(native, daemon, policy, n, i + 1, per, via_ns) for i, n in enumerate(names)]


def wait_senders(procs):
    for p in procs:
        _, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError(f"sender failed: {err.strip()}")


def collect(daemon, storage, names, per):
    """Checks every recording is complete and whole, reads what its manifest measured, deletes it."""
    choices, thread_costs, window_rates, backlog = {}, [], [], []
    metered = thread_ns = exploring_ns = off_main = moved = fuse_ns = 0
    views = set()
    for n in names:
        m = daemon.manifest(storage, n)
        if m["committedLength"] != per or m["state"] != "complete":
            raise RuntimeError(f"{n}: {m['committedLength']} of {per} bytes, {m['state']}")
        metered += m.get("meteredBytes", 0)
        thread_ns += m.get("threadCpuNs", 0)
        fuse_ns += m.get("fuseServerCpuNs") or 0
        views.add(m.get("costView", "thread"))
        exploring_ns += m.get("exploringNs") or 0
        byp = m.get("bytesByPath") or {}
        top = max(byp, key=byp.get) if byp else "?"
        # "memory": body bytes that came in with the request head, written before any path ran
        on_paths = {k: v for k, v in byp.items() if k != "memory"}
        moved += sum(on_paths.values())
        off_main += sum(on_paths.values()) - max(on_paths.values(), default=0)
        choices[top.split("/")[0]] = choices.get(top.split("/")[0], 0) + 1
        for c in (m.get("costs") or {}).values():
            if c.get("windows"):
                thread_costs.append(c["nsPerByte"])
                window_rates.append(c["bytesPerSecond"])
                backlog.append(c.get("backlogShare", 0.0))
        daemon.delete(n)
    return dict(choices=choices, thread_ns=statistics.median(thread_costs) if thread_costs else float("nan"),
                window_rate=statistics.median(window_rates) if window_rates else 0.0,
                # the selector's own view: transfer-thread CPU over the metered windows, all paths of the run
                thread_gib=thread_ns / 1e9 / (metered / GiB) if metered else float("nan"),
                exploring=exploring_ns / thread_ns if thread_ns else 0.0,
                # what recd attributed to its recordings of the FUSE server's CPU (the thread+fuse view's addition)
                fuse_attr_gib=fuse_ns / 1e9 / (metered / GiB) if metered else 0.0, cost_view="/".join(sorted(views)),
                # bytes that went anywhere but each recording's main path: probes and switches
                off_main=off_main / moved if moved else 0.0,
                backlog=statistics.median(backlog) if backlog else 0.0)


def run_streams(daemon, group, native, storage, policy, total, streams, seq, via_ns, fuse=None):
    """With fuse (a FuseDisk), cpu_gib is what the machine paid: the daemon's CPU plus its FUSE server's."""
    per = total // streams
    names = [f"s{seq}-{i}.ts" for i in range(streams)]
    settle()
    cpu_now = group.clock_for(daemon.proc.pid)
    fuse_now = fuse.seconds if fuse else (lambda: 0.0)
    cpu0, fuse0, sys0, t0 = cpu_now(), fuse_now(), system_busy(), time.monotonic()
    wait_senders(start_senders(native, daemon, policy, names, per, via_ns))
    wall = time.monotonic() - t0
    cpu, fcpu, sysb = cpu_now() - cpu0, fuse_now() - fuse0, system_busy() - sys0
    gib = per * streams / GiB
    return dict(cpu_gib=(cpu + fcpu) / gib, daemon_gib=cpu / gib, fuse_gib=fcpu / gib, mbs=per * streams / wall / 1e6,
                sys_gib=sysb / gib, **collect(daemon, storage, names, per))


def run_duet(pair, native, policies, total, streams, seq, via_ns, auto_first, servers=None):
    """Duet benchmarking (Bulej et al., 2020): both daemons receive at once, on the same CPU, so a
    phase of the machine (on this VM the same work costs up to 1.6x for a quarter of a second, and
    whole seconds at 2x) lands on both alike. Measured while every stream of both is still running,
    up to the moment the first sender exits (CPU from each daemon's group, bytes from the sizes of
    its files then): a daemon finishing alone would run its tail on a quiet core. Returns each
    daemon's CPU-s/GiB, auto's first, and what each side's manifests measured. servers: daemon pid ->
    its FuseDisk, whose server's CPU is added to that side's."""
    per = total // streams
    names = [f"d{seq}-{i}.ts" for i in range(streams)]
    settle()
    clocks = [with_server(g.clock_for(d.proc.pid), (servers or {}).get(d.proc.pid)) for d, g, _ in pair]
    cpu0 = [c() for c in clocks]
    order = [0, 1] if auto_first else [1, 0]
    procs = [[], []]
    for i, n in enumerate(names):   # interleaved, so neither side's streams all start first
        for k in order:
            procs[k].append(sender(native, pair[k][0], policies[k], n, i + 1, per, via_ns, DUET_SENDER_CPUS))
    os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)   # the first child to exit (left for Popen to reap)
    cpu = [clocks[k]() - cpu0[k] for k in (0, 1)]
    moved = [sum(size_of(os.path.join(st, n)) for n in names) for _, _, st in pair]
    for k in (0, 1):
        wait_senders(procs[k])
    got = [collect(d, st, names, per) for d, _, st in pair]
    return [c / (b / GiB) if b else float("nan") for c, b in zip(cpu, moved)], got


def with_server(clock, fuse):
    """A side's clock: its daemon's CPU, plus its FUSE server's on a FUSE disk (what the machine pays)."""
    return clock if fuse is None else (lambda: clock() + fuse.seconds())


def run_columns(r):
    """The per-run columns taken from the manifests (see collect). A duet's runs have no daemon/FUSE split
    of their own (run_duet measures each daemon's CPU as the run's cost): those columns stay empty."""
    def fig(key):
        return round(r[key], 4) if key in r else ""
    return dict(thread_s_per_gib=fig("thread_gib"), daemon_s_per_gib=fig("daemon_gib"),
                fuse_server_s_per_gib=fig("fuse_gib"), fuse_attributed_s_per_gib=fig("fuse_attr_gib"),
                recordings_by_path=" ".join(f"{k}:{v}" for k, v in sorted(r["choices"].items())),
                exploring=round(r["exploring"], 4), off_main=round(r["off_main"], 4))


def mostly_on(runs):
    """The path most of these runs' recordings ended up on (see collect's choices)."""
    total = {}
    for r in runs:
        for k, v in r["choices"].items():
            total[k] = total.get(k, 0) + v
    return max(total, key=total.get)


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


def best_static(res):
    """The static path auto is held to, and the figures that chose it."""
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
    best = min(static, key=lambda p: med[p])
    return SimpleNamespace(thread=thread, med=med, spread=spread, mbs=mbs, static_all=static_all, static=static,
                           wrate=wrate, wback=wback, best=best, cpu_best=min(static_all, key=lambda p: med[p]),
                           second=min((p for p in static if p != best), key=lambda p: med[p], default=best))


def duets(opts, native, base, extra, first, best, total, streams, via_ns, fuse=None):
    """auto beside the best static path, duet_rounds + 1 warm-up, on two daemons with their own
    storage on the same target: the condition's daemon (with all it learned there) and a second one
    started with a copy of its learned costs. The two swap roles every round, and the starting order
    alternates every two, so each side runs each policy, first and second, equally often: on ext4 the
    condition's daemon measured ~2% dearer than a fresh one running the same (A/A duets of direct
    beside direct: +0.9%, +3.6%; auto's rounds without a probe: +2.2%). Returns per-round (auto, best)
    CPU-s/GiB and what the manifests of each side measured per round. With fuse (the first side's
    FuseDisk) the second side gets a FUSE disk of its own, and each side's cost includes its server's."""
    disk2, servers = None, None
    if fuse:
        disk2 = FuseDisk(fuse.fmt, max(2 * total, 1 << 30), tag="-duet")
        storage2 = os.path.join(disk2.mnt, "duet")
        copy_learned(fuse.state_dir, disk2.state_dir, fuse.mount_key(), disk2.mount_key())
        extra2 = [*extra, "--Storage:StateDir", disk2.state_dir]
    else:
        # The state folder sits beside each daemon's storage root (ROOT.state).
        storage2 = os.path.join(base, "duet")
        copy_learned(first[2] + ".state", os.path.join(base, "duet.state"))
        extra2 = extra
    second = Daemon(opts.root, storage2, extra2)
    group = CpuGroup("recd-selbench-duet")
    group.add(second.proc.pid)
    # Both daemons on one CPU, the senders on the other, whatever --pin says: a duet shares phases
    # only where it shares a core (unpinned, one side ran up to 20% ahead of the other). Their FUSE
    # servers too: they do most of the work there.
    for d in (first[0], second):
        bench.pin(d.proc.pid, DUET_RECEIVER_CPUS)
    if fuse:
        servers = {first[0].proc.pid: fuse, second.proc.pid: disk2}
        for disk in (fuse, disk2):
            bench.pin(disk.pid, DUET_RECEIVER_CPUS)
    sides = [first, (second, group, storage2)]
    asked = opts.aa or "auto"
    out, seen = [], []
    try:
        for rnd in range(opts.duet_rounds + 1):
            pair = sides if rnd % 2 == 0 else sides[::-1]   # auto's side first
            cpu, got = run_duet(pair, native, [asked, best], total, streams, rnd, via_ns, auto_first=rnd // 2 % 2 == 0, servers=servers)
            if rnd > 0:
                out.append(cpu)
                seen.append(got)
    finally:
        second.stop()
        group.remove()
        if disk2:
            disk2.close()
    return out, seen


def change(opts):
    """The --change scenario (see the module's docstring)."""
    native = os.path.join(opts.root, "native/build")
    outdir = os.path.join(opts.root, "bench/out")
    os.makedirs(outdir, exist_ok=True)
    targets = {"tmpfs": "/dev/shm", "ext4": "/tmp"}

    def parse(cond):
        target, _, streams = cond.partition("-x")
        return target, int(streams)
    (t_from, s_from), (t_to, s_to) = parse(opts.change_from), parse(opts.change_to)
    if targets[t_from] != targets[t_to]:
        raise SystemExit("--change: both conditions must be on one mount (what was learned is the mount's)")
    total = opts.size
    print(f"change scenario: learn {opts.change_from} ({opts.change_learn} auto runs), then {opts.change_to}: "
          f"{opts.change_runs} + {opts.change_steady} auto runs, a static run after each; {total / GiB:.2f} GiB per run, "
          f"receiver CPU-s/GiB")
    base = tempfile.mkdtemp(prefix="recd-selchange-", dir=targets[t_to])
    storage = os.path.join(base, "store")
    daemon = Daemon(opts.root, storage, extra=["--LogLevel", "debug"] if opts.change_log else [])
    group = CpuGroup("recd-selchange")
    group.add(daemon.proc.pid)
    rows, seq = [], 0
    statics = [p for p in POLICIES if p != "auto"]
    try:
        for k in range(opts.change_learn):
            seq += 1
            r = run_streams(daemon, group, native, storage, "auto", total, s_from, seq, False)
            rows.append(dict(phase="learn", condition=opts.change_from, run=k + 1, policy="auto",
                             cpu_s_per_gib=round(r["cpu_gib"], 4), **run_columns(r)))
            print(f"  learn {k + 1}: auto {r['cpu_gib']:.3f} CPU-s/GiB, recordings on {r['choices']}")
            sys.stdout.flush()
        auto, static = [], {p: [] for p in statics}
        for k in range(opts.change_runs + opts.change_steady):
            seq += 1
            a = run_streams(daemon, group, native, storage, "auto", total, s_to, seq, False)
            auto.append(a)
            p = statics[k % len(statics)]
            seq += 1
            b = run_streams(daemon, group, native, storage, p, total, s_to, seq, False)
            static[p].append(b)
            for policy, r in (("auto", a), (p, b)):
                rows.append(dict(phase="after change", condition=opts.change_to, run=k + 1, policy=policy,
                                 cpu_s_per_gib=round(r["cpu_gib"], 4), **run_columns(r)))
            print(f"  after change {k + 1}: auto {a['cpu_gib']:.3f} CPU-s/GiB (recordings on {a['choices']}), {p} {b['cpu_gib']:.3f}")
            sys.stdout.flush()
            if opts.change_log:   # what the mount learned by now, beside the log
                import glob
                with open(opts.change_log + ".learned", "a") as out:
                    for f in glob.glob(os.path.join(base, "*state*", "learned-costs.json")):
                        out.write(f"after change {k + 1}\n{open(f).read()}\n")
    finally:
        if opts.change_log:
            shutil.copyfile(daemon.log.name, opts.change_log)
        daemon.stop()
        group.remove()
        shutil.rmtree(base, ignore_errors=True)
    med = {p: statistics.median(x["cpu_gib"] for x in v) for p, v in static.items() if v}
    best = min(med, key=med.get)
    regret = [x["cpu_gib"] / med[best] - 1 for x in auto]
    first, steady = regret[:opts.change_runs], regret[opts.change_runs:]
    print(f"best static in {opts.change_to}: {best} ({', '.join(f'{p} {v:.3f}' for p, v in med.items())}; "
          f"{min(len(v) for v in static.values())}-{max(len(v) for v in static.values())} runs each)")
    print("auto regret per run after the change: " + " ".join(f"{x:+.1%}" for x in regret))
    print(f"cumulative regret over the first {len(first)} runs: {sum(first):+.2f} best-static runs "
          f"(mean {statistics.mean(first):+.1%}); steady state (median of the {len(steady)} after): "
          + (f"{statistics.median(steady):+.1%}" if steady else "not measured (--change-steady 0)"))
    import csv
    with open(os.path.join(outdir, "selector_change.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    print(f"written: {outdir}/selector_change.csv")
    return 0


def main(opts):
    if getattr(opts, "change", False):
        return change(opts)
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
    fuse_skipped = []
    for fmt in FUSE_FORMATS:
        for streams in (1, 4):
            if wanted and f"{fmt}-x{streams}" not in wanted:
                continue
            why = fuse_unavailable(fmt)
            if why:
                fuse_skipped.append(f"{fmt}-x{streams}: {why}")
            else:
                conditions.append((fmt, streams, False))
    targets = {"tmpfs": "/dev/shm", "ext4": "/tmp"}
    if opts.aa:
        print(f"A/A check: the auto slot runs static {opts.aa}; its regret below is the benchmark's own noise, not the selector's")
    print(f"selector benchmark: {total / GiB:.2f} GiB per run split over the streams, {rounds} rounds + 1 warm-up, "
          f"receiver CPU-s/GiB (median)")
    for why in fuse_skipped:
        print(f"FUSE condition skipped: {why}")
    if veth_reason:
        print(f"veth MTU 1500 condition skipped: {veth_reason}")
    else:
        print("veth pair: MTU 1500, GRO off on the receiving side, TSO/GSO off on the sending side (checked with ethtool -k)")
    rows, runs = [], []
    try:
        for target, streams, via_ns in conditions:
            # A fresh disk per condition, big enough for a run's bytes twice over (each run's recordings are deleted after it).
            fuse = FuseDisk(target, max(2 * total, 1 << 30)) if target in FUSE_FORMATS else None
            base = tempfile.mkdtemp(prefix="recd-selbench-", dir=fuse.mnt if fuse else targets[target])
            storage = os.path.join(base, "store")
            extra = ["--address", HOST_IP] if via_ns else []
            # On a FUSE disk recd keeps its state off the medium; named here so a duet can copy what it learned.
            daemon = Daemon(opts.root, storage, [*extra, "--Storage:StateDir", fuse.state_dir] if fuse else extra)
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
                        r = run_streams(daemon, group, native, storage, asked, total, streams, seq, via_ns, fuse)
                        if rnd > 0:
                            res[p].append(r)
                            runs.append(dict(condition=f"{target} x{streams}{' veth-1500' if via_ns else ''}", round=rnd, policy=p,
                                             cpu_s_per_gib=round(r["cpu_gib"], 4), mb_s=round(r["mbs"], 1),
                                             **run_columns(r)))
                pick = best_static(res)
                duet, duet_seen = duets(opts, native, base, extra, (daemon, group, storage), pick.best,
                                        total, streams, via_ns, fuse) if opts.duet_rounds else ([], [])
            finally:
                daemon.stop()
                group.remove()
                shutil.rmtree(base, ignore_errors=True)
                if fuse:
                    fuse.close()
            thread, med, spread, mbs = pick.thread, pick.med, pick.spread, pick.mbs
            static_all, static, wrate, wback = pick.static_all, pick.static, pick.wrate, pick.wback
            best, cpu_best, second = pick.best, pick.cpu_best, pick.second
            # Paired by round (the policies of a round ran back to back, in rotating order), so drift
            # of the machine between rounds cancels; bootstrap 90% interval over rounds.
            ratio, lo, hi = paired_ratio([x["cpu_gib"] for x in res["auto"]], [x["cpu_gib"] for x in res[best]])
            regret, regret_lo, regret_hi = ratio - 1, lo - 1, hi - 1
            regret_of_medians = med["auto"] / med[best] - 1
            # The same comparison in the selector's own view (transfer-thread CPU of the metered windows):
            # it leaves out softirq and writeback, which every policy pays alike or the thread cannot see.
            t_ratio, t_lo, t_hi = paired_ratio([x["thread_gib"] for x in res["auto"]], [x["thread_gib"] for x in res[best]])
            exploring = statistics.median(x["exploring"] for x in res["auto"])
            # The duet: auto and the best static path at once, paired within each round.
            d_ratio, d_lo, d_hi = paired_ratio([a for a, _ in duet], [b for _, b in duet]) if duet else (float("nan"),) * 3
            d_top = mostly_on(got_a for got_a, _ in duet_seen) if duet_seen else "-"
            # Rounds in which auto moved bytes off its main path (a probe, a confirmation) against the
            # rest: what exploring costs, seen beside the static path rather than by auto's own ledger.
            d_split = {k: [a / b for (a, b), (got, _) in zip(duet, duet_seen) if (got["off_main"] > 0) == k] for k in (True, False)}
            noise = max(spread[best], spread[second], 0.05)
            clear = med[second] / med[best] - 1 > noise
            top = mostly_on(res["auto"])
            name = f"{target} x{streams}{' veth-1500' if via_ns else ''}"
            for rnd, ((a, b), (got_a, got_b)) in enumerate(zip(duet, duet_seen), 1):
                runs.append(dict(condition=name, round=rnd, policy="duet auto", cpu_s_per_gib=round(a, 4), mb_s="", **run_columns(got_a)))
                runs.append(dict(condition=name, round=rnd, policy=f"duet {best}", cpu_s_per_gib=round(b, 4), mb_s="", **run_columns(got_b)))
            rows.append(dict(condition=name, **{f"{p}_cpu_s_per_gib": round(med[p], 4) for p in POLICIES},
                             **{f"{p}_thread_ns_per_byte": round(thread[p], 4) for p in thread},
                             **{f"{p}_{k}_s_per_gib": round(statistics.median(x[f"{k}_gib"] for x in res[p]), 4)
                                for p in POLICIES for k in ("daemon", "fuse", "fuse_attr")},
                             **{f"{p}_window_mb_s": round(wrate[p] / 1e6, 1) for p in static_all},
                             **{f"{p}_backlog_share": round(wback[p], 3) for p in static_all},
                             best_static=best, cpu_only_best=cpu_best, keeps_up=" ".join(static), auto_regret=round(regret, 4),
                             auto_regret_lo=round(regret_lo, 4), auto_regret_hi=round(regret_hi, 4),
                             auto_regret_of_medians=round(regret_of_medians, 4), auto_mostly=top,
                             auto_thread_regret=round(t_ratio - 1, 4), auto_thread_regret_lo=round(t_lo - 1, 4), auto_thread_regret_hi=round(t_hi - 1, 4),
                             auto_exploring_share=round(exploring, 4),
                             auto_duet_regret=round(d_ratio - 1, 4), auto_duet_regret_lo=round(d_lo - 1, 4),
                             auto_duet_regret_hi=round(d_hi - 1, 4), auto_duet_mostly=d_top,
                             auto_duet_rounds_probed=len(d_split[True]) if duet else "",
                             best_clear_of_noise=clear, choice_matches=(top == best) if clear else None,
                             **{f"{p}_mb_s": round(statistics.median(x["mbs"] for x in res[p]), 1) for p in POLICIES}))
            part = {p: {k: statistics.median(x[f"{k}_gib"] for x in res[p]) for k in ("daemon", "fuse", "fuse_attr")} for p in POLICIES}
            print(f"{name:22} " + " ".join(f"{p} {med[p]:.3f}" + (f" = {part[p]['daemon']:.3f} + fuse {part[p]['fuse']:.3f}"
                                                                   f" (recd attributed {part[p]['fuse_attr']:.3f})" if fuse else "") +
                                           f" ({mbs[p]:.0f} MB/s)" for p in POLICIES) +
                  f" | {'/'.join(sorted(set(x['cost_view'] for p in POLICIES for x in res[p])))} view ns/B " +
                  " ".join(f"{p} {thread[p]:.3f}" for p in thread) +
                  f" | best {best}" + (f" (cheapest {cpu_best} cannot keep up: {wrate[cpu_best] / 1e6:.0f} MB/s with data queued"
                                       f" in {wback[cpu_best]:.0%} of windows, vs {max(wrate[p] for p in static) / 1e6:.0f} MB/s drained;"
                                       f" regret vs it {med['auto'] / med[cpu_best] - 1:+.1%})" if cpu_best != best else "") +
                  f", auto regret {regret:+.1%} [{regret_lo:+.1%} {regret_hi:+.1%}] (of medians {regret_of_medians:+.1%}), auto mostly on {top}" +
                  ("" if not clear else (" (matches)" if top == best else " (DIFFERS from best)")) +
                  f" | thread view: auto regret {t_ratio - 1:+.1%} [{t_lo - 1:+.1%} {t_hi - 1:+.1%}], exploring {exploring:.1%} of auto's thread CPU" +
                  (f" | duet (auto beside {best}, at once, {len(duet)} rounds): auto regret {d_ratio - 1:+.1%} [{d_lo - 1:+.1%} {d_hi - 1:+.1%}],"
                   f" auto mostly on {d_top}; {len(d_split[True])} rounds with a probe at {statistics.median(d_split[True]) if d_split[True] else float('nan'):.3f}x,"
                   f" {len(d_split[False])} without at {statistics.median(d_split[False]) if d_split[False] else float('nan'):.3f}x" if duet else ""))
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
    line = f"\nwritten: {outdir}/selector.csv, selector_runs.csv; target: regret <= 5% everywhere; worst {worst['auto_regret']:+.1%} ({worst['condition']})"
    if opts.duet_rounds:
        dw = max(rows, key=lambda r: r["auto_duet_regret_hi"])
        line += (f"; in duets worst {max(r['auto_duet_regret'] for r in rows):+.1%}, highest upper bound"
                 f" {dw['auto_duet_regret_hi']:+.1%} ({dw['condition']})")
    print(line)
    return 0
