#!/usr/bin/env python3
"""recd benchmark: each write path of recd beside the C reference receiver, in one run.

Per target (tmpfs, ext4) and path, rounds alternate recd and C (A B A B). Both receive the same
bytes from the same native sender over loopback; both fdatasync before the clock stops (recd commits
once at the end: the commit interval is set beyond the size so periodic commits do not blur the
comparison; production commits are a separate cost, stated in README).

Measured, never estimated:
- receiver CPU: utime+stime of the receiver process (/proc/PID/stat for the recd daemon, getrusage
  for the C receiver), in CPU-seconds per GiB;
- wall: from the sender's start to its exit (recd answers only after fdatasync; C fsyncs before exit);
- system: busy time of the whole machine from /proc/stat (includes the sender and softirq work).
"""
import argparse, csv, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request

GiB = 1 << 30
TICK = os.sysconf("SC_CLK_TCK")


def settle():
    """Each run starts from the same state: dirty pages written back, clean cache dropped (when root).
    Without this, whichever run follows a buffered GiB on ext4 pays for its writeback and reclaim."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")
    except OSError:
        pass


def proc_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def system_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy / TICK


class Daemon:
    def __init__(self, root, storage, extra=()):
        self.dir = tempfile.mkdtemp(prefix="recd-bench-")
        port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "daemon.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(root, "out/linux-x64/recd"), "run", "--board-dir", os.path.join(root, "board"),
             "--port", "0", "--port-file", port_file, "--storage", storage,
             "--Storage:CommitIntervalBytes", str(1 << 40), "--Storage:CommitIntervalMs", "3600000",
             "--LogLevel", "warn", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(port_file).read())

    def manifest(self, storage, name):
        with open(os.path.join(storage, "." + name + ".manifest")) as f:
            return json.load(f)

    def delete(self, name):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/recordings/{name}", method="DELETE")
        try:
            urllib.request.urlopen(req).read()
        except Exception:
            pass

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_sender(native, args):
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(native, "recd-send-load"), *args], capture_output=True, text=True)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError(f"sender failed ({r.returncode}): {r.stderr.strip()}")
    return wall


def bench_recd(daemon, native, storage, path, size, seq):
    name = f"bench-{seq}.ts"
    settle()
    cpu0, sys0 = proc_cpu(daemon.proc.pid), system_busy()
    wall = run_sender(native, ["--connect", f"127.0.0.1:{daemon.port}", "--bytes", str(size),
                               "--http-put", f"/recordings/{name}?path={path}"])
    cpu, sysb = proc_cpu(daemon.proc.pid) - cpu0, system_busy() - sys0
    m = daemon.manifest(storage, name)
    if m["committedLength"] != size or m["state"] != "complete":
        raise RuntimeError(f"recd stored {m['committedLength']} of {size} ({m['state']})")
    daemon.delete(name)
    return dict(wall=wall, cpu=cpu, sys=sysb, label=m.get("writePath", path))


def bench_c(native, storage, path, size, seq, opts):
    out = os.path.join(storage, f"ref-{seq}.ts")
    ready = os.path.join(storage, f"ref-{seq}.port")
    mode_args = {"buffered": ["--buf", str(opts.buffer)], "splice": ["--pipe", str(opts.pipe)],
                 "direct": ["--buf", str(opts.direct)]}[path]
    recv = subprocess.Popen([os.path.join(native, "recd-recv-ref"), "--listen", "127.0.0.1:0", "--mode", path,
                             *mode_args, "--out", out, "--fsync", "--ready-file", ready],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if os.path.exists(ready):
            break
        time.sleep(0.01)
    port = open(ready).read().strip()
    settle()
    sys0 = system_busy()
    wall = run_sender(native, ["--connect", f"127.0.0.1:{port}", "--bytes", str(size)])
    stdout, stderr = recv.communicate(timeout=120)
    sysb = system_busy() - sys0
    kv = dict(x.split("=", 1) for x in stdout.split())
    if recv.returncode != 0 or int(kv["bytes"]) != size:
        raise RuntimeError(f"C receiver failed: {stderr.strip()} {stdout.strip()}")
    os.unlink(out)
    os.unlink(ready)
    # user+sys from getrusage: process CPU, the same view as the daemon's /proc/PID/stat.
    return dict(wall=wall, cpu=float(kv["user_s"]) + float(kv["sys_s"]), sys=sysb, label=f"{path} ({kv.get('fallback', 'none')})")


def med(xs):
    return statistics.median(xs)


def fmt(xs, scale=1.0, digits=2):
    xs = [x * scale for x in xs]
    return f"{med(xs):.{digits}f} ({min(xs):.{digits}f}-{max(xs):.{digits}f})"


def svg_chart(rows, path):
    """Grouped bars of median CPU-s/GiB, recd beside C, per target/path."""
    w, h, left, top, bar = 760, 60 + 36 * len(rows), 170, 40, 14
    vmax = max(max(r["recd_cpu"], r["c_cpu"]) for r in rows) * 1.15 or 1
    scale = (w - left - 40) / vmax
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<text x="{left}" y="20" font-size="14">CPU-seconds per GiB (median; lower is better)</text>',
           f'<rect x="{w - 190}" y="8" width="12" height="12" fill="#1f77b4"/><text x="{w - 172}" y="18">recd</text>',
           f'<rect x="{w - 120}" y="8" width="12" height="12" fill="#ff7f0e"/><text x="{w - 102}" y="18">C reference</text>']
    for i, r in enumerate(rows):
        y = top + i * 36
        out.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{r["target"]} {r["path"]}</text>')
        for j, (key, color) in enumerate((("recd_cpu", "#1f77b4"), ("c_cpu", "#ff7f0e"))):
            bw = r[key] * scale
            out.append(f'<rect x="{left}" y="{y + j * bar}" width="{bw:.1f}" height="{bar - 2}" fill="{color}"/>')
            out.append(f'<text x="{left + bw + 4:.1f}" y="{y + j * bar + 11}">{r[key]:.3f}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def meter_overhead(root):
    r = subprocess.run([os.path.join(root, "out/linux-x64/recd"), "meter-overhead"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else f"(meter-overhead failed: {r.stderr.strip()})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--size", type=int, default=GiB)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--paths", default="buffered,splice,direct")
    ap.add_argument("--targets", default="tmpfs,ext4")
    ap.add_argument("--buffer", type=int, default=256 * 1024)
    ap.add_argument("--pipe", type=int, default=1 << 20)
    ap.add_argument("--direct", type=int, default=4 << 20)
    ap.add_argument("--selector", action="store_true", help="static paths vs auto under several conditions")
    opts = ap.parse_args()
    if opts.selector:
        import selector_bench
        return selector_bench.main(opts)

    native = os.path.join(opts.root, "native/build")
    outdir = os.path.join(opts.root, "bench/out")
    os.makedirs(outdir, exist_ok=True)
    targets = {"tmpfs": "/dev/shm", "ext4": "/tmp"}
    paths = opts.paths.split(",")
    raw, rows = [], []
    print(f"recd benchmark: {opts.size / GiB:.2f} GiB per run, {opts.rounds} rounds, alternating recd and C; "
          f"buffers: buffered {opts.buffer}, splice pipe {opts.pipe}, direct {opts.direct}")
    print(f"cost meter overhead: {meter_overhead(opts.root)}")
    for tname in opts.targets.split(","):
        base = tempfile.mkdtemp(prefix="recd-bench-", dir=targets[tname])
        storage = os.path.join(base, "store")
        cstore = os.path.join(base, "c")
        os.makedirs(cstore)
        daemon = Daemon(opts.root, storage, ["--WritePaths:BufferBytes", str(opts.buffer),
                                             "--WritePaths:PipeBytes", str(opts.pipe),
                                             "--WritePaths:DirectBufferBytes", str(opts.direct)])
        try:
            res = {p: {"recd": [], "c": []} for p in paths}
            seq = 0
            for rnd in range(opts.rounds):
                for p in paths:
                    for who in ("recd", "c"):
                        seq += 1
                        r = bench_recd(daemon, native, storage, p, opts.size, seq) if who == "recd" \
                            else bench_c(native, cstore, p, opts.size, seq, opts)
                        res[p][who].append(r)
                        raw.append(dict(target=tname, path=p, receiver=who, round=rnd + 1, bytes=opts.size,
                                        wall_s=round(r["wall"], 4), cpu_s=round(r["cpu"], 4), system_s=round(r["sys"], 4),
                                        mb_per_s=round(opts.size / r["wall"] / 1e6, 1),
                                        cpu_s_per_gib=round(r["cpu"] / (opts.size / GiB), 4), label=r["label"]))
                sys.stderr.write(f"  {tname}: round {rnd + 1}/{opts.rounds} done\n")
        finally:
            daemon.stop()
            shutil.rmtree(base, ignore_errors=True)

        gib = opts.size / GiB
        print(f"\n== {tname} ({targets[tname]}), fdatasync inside the timing")
        print(f"{'path':9} {'recd MB/s':>22} {'C MB/s':>22} {'recd CPU-s/GiB':>20} {'C CPU-s/GiB':>20} {'CPU recd/C*':>11} {'MB/s recd/C*':>12} {'sys CPU-s/GiB recd | C':>24}")
        for p in paths:
            a, b = res[p]["recd"], res[p]["c"]
            ra = [opts.size / x["wall"] / 1e6 for x in a]
            rb = [opts.size / x["wall"] / 1e6 for x in b]
            ca = [x["cpu"] / gib for x in a]
            cb = [x["cpu"] / gib for x in b]
            sa = [x["sys"] / gib for x in a]
            sb = [x["sys"] / gib for x in b]
            # Paired: each round's recd run against the C run right after it, then the median of those
            # ratios. Machine-wide drift (the VM re-backing memory, other tenants) cancels within a pair.
            cpu_ratio = med([x / y for x, y in zip(ca, cb) if y > 0])
            thr_ratio = med([x / y for x, y in zip(ra, rb)])
            print(f"{p:9} {fmt(ra, digits=0):>22} {fmt(rb, digits=0):>22} {fmt(ca, digits=3):>20} {fmt(cb, digits=3):>20} "
                  f"{cpu_ratio:>11.2f} {thr_ratio:>12.2f} {med(sa):>11.3f} | {med(sb):.3f}")
            rows.append(dict(target=tname, path=p, recd_cpu=med(ca), c_cpu=med(cb), recd_mbs=med(ra), c_mbs=med(rb),
                             cpu_ratio=cpu_ratio, thr_ratio=thr_ratio))

    with open(os.path.join(outdir, "runs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(raw[0].keys()))
        w.writeheader()
        w.writerows(raw)
    with open(os.path.join(outdir, "summary.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    svg_chart(rows, os.path.join(outdir, "cpu.svg"))
    print("* median of per-round ratios (each recd run paired with the C run that follows it)")
    print(f"\nwritten: {outdir}/runs.csv, summary.csv, cpu.svg")
    worst = max(rows, key=lambda r: r["cpu_ratio"])
    print(f"targets: CPU ratio <= 1.05 and throughput ratio >= 0.95 per path; "
          f"worst CPU ratio {worst['cpu_ratio']:.2f} ({worst['target']} {worst['path']}), "
          f"worst throughput ratio {min(r['thr_ratio'] for r in rows):.2f}")


if __name__ == "__main__":
    sys.exit(main())
