"""Live ingest over a NIC-like link (issue 18 §3): conditions `xN-veth` / `xN-64k-veth` of
./build.sh bench --live (bench/live_bench.py calls into this file).

Loopback hands the receiver the sender's own skbs; a box's NIC driver builds skbs in NAPI and
passes them through GRO (napi_gro_receive). The closest thing this machine has: a veth pair, the
senders (recd-send-load) in a network namespace of their own, the receivers (a second recd daemon
listening on the pair's host address, and recd-recv-ref) in the host namespace, so their CPU is
counted by the same cgroup cpuacct groups as the loopback runs. MTU 1500 on both ends, TSO and GSO
off on the sending end (else a 64 KiB write crosses the pair as one skb, as on loopback), GRO on
at the receiving end (a veth with GRO on receives through its NAPI path, kernel 5.13+).
The namespace, the pair and the addresses are this file's own (not bench/selector_bench.py's, so
both can run at once); the few setup lines are copied from its setup_veth.

Whether GRO coalesced is not assumed: every live and bulk run is traced with tracepoints in two
tracefs instances of our own: on the receiving device, packets into GRO (net:napi_gro_receive_entry),
skbs out of it to the stack (net:netif_receive_skb) and NAPI polls (napi:napi_poll); in the
receiving processes (set_event_pid with event-fork, so recd's per-connection threads are included),
skbs copied to user space (skb:skb_copy_datagram_iovec, one per skb a read takes bytes from: the
TCP receive queue's own coalescing shows there too) and receive calls (recvfrom, recvmsg, splice
socket -> pipe). Loopback runs get the per-process half only (the lo device carries other work).
The per-process events fire at a rate of tens per MiB in the receiver; the device events fire in
the sender's softirq, whose CPU no receiver's group counts.

Then, per round of a veth condition, bulk over the same link (one stream, --bulk-size, no pacing)
for every receiver of the run, so live/bulk pairs by round: median of per-round ratios with a
bootstrap 90% interval (bench.paired_ratio).
"""
import os, statistics, subprocess, sys, time

import bench
import veth
from skb_trace import SkbTrace
from bench import CpuGroup, Daemon, GiB, paired_ratio, settle

# Per invocation (RECD_BENCH_TAG, else this process's id): two helpers' benches on one machine must not
# share (or tear down) each other's namespace, pair or subnet. Interface names stay within IFNAMSIZ (15).
TAG = (os.environ.get("RECD_BENCH_TAG") or str(os.getpid()))[-8:]
NS, HOST_IF, NS_IF = f"recd-livenet-{TAG}", f"rl{TAG}a", f"rl{TAG}b"
_NET = 1 + sum(map(ord, TAG)) * 31 % 250
HOST_IP, NS_IP = f"10.213.{_NET}.1", f"10.213.{_NET}.2"   # inside a namespace pair this run creates and removes
SUFFIX = "-veth"
MiB = 1 << 20


def is_net(cond):
    return cond.endswith(SUFFIX)


def base_condition(cond):
    return cond[:-len(SUFFIX)] if is_net(cond) else cond


class Link:
    """Where a receiver listens and how a sender is started to reach it. dev: the receiving device to
    trace (None on loopback, whose device carries every other process's traffic too)."""

    def __init__(self, host, prefix, dev):
        self.host, self.prefix, self.dev = host, prefix, dev

    def wrap(self, cmd):
        return [*self.prefix, *cmd]


LOOPBACK = Link("127.0.0.1", [], None)


def setup():
    """The pair, or None and the reason it cannot be had."""
    teardown()
    try:
        veth.add_pair(NS, HOST_IF, NS_IF, HOST_IP, NS_IP)
        if not veth.set_offloads(NS, HOST_IF, NS_IF, gro=True):
            teardown()
            return None, "GRO on / TSO, GSO off did not take on the veth pair (ethtool -k)"
        return Link(HOST_IP, ["ip", "netns", "exec", NS], HOST_IF), None
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        teardown()
        return None, f"network namespace or ethtool not available: {getattr(e, 'stderr', '') or e}".strip()


def teardown():
    veth.remove_pair(NS, HOST_IF)


def bulk_recd(daemon, group, native, storage, link, path, size, seq, trace):
    name = f"netbulk-{seq}.ts"
    settle()
    clock = group.clock_for(daemon.proc.pid)
    trace.start([daemon.proc.pid], link.dev)
    cpu0 = clock()
    r = subprocess.run(link.wrap([os.path.join(native, "recd-send-load"), "--connect", f"{link.host}:{daemon.port}",
                                  "--bytes", str(size), "--http-put", f"/recordings/{name}?path={path}"]),
                       capture_output=True, text=True, preexec_fn=bench.sender_preexec())
    cpu = clock() - cpu0
    skb = trace.stop()
    if r.returncode != 0:
        raise RuntimeError(f"bulk sender failed ({r.returncode}): {r.stderr.strip()}")
    m = daemon.manifest(storage, name)
    if m["committedLength"] != size or m["state"] != "complete":
        raise RuntimeError(f"recd stored {m['committedLength']} of {size} ({m['state']})")
    daemon.delete(name)
    return dict(cpu=cpu, skb=skb)


def bulk_c(group, native, cstore, link, mode, c_args, size, seq, trace):
    out, ready = os.path.join(cstore, f"netbulk-{seq}.ts"), os.path.join(cstore, f"netbulk-{seq}.port")
    path = mode.partition("+")[0]
    recv = bench.start_c_receiver(native, link.host, path, [*c_args(mode), "--fsync", "--counters"], out, ready)
    group.add(recv.pid)
    port = bench.c_receiver_port(ready)
    settle()
    trace.start([recv.pid], link.dev)
    g0 = group.seconds() if group.ok else 0.0
    r = subprocess.run(link.wrap([os.path.join(native, "recd-send-load"), "--connect", f"{link.host}:{port}",
                                  "--bytes", str(size)]), capture_output=True, text=True, preexec_fn=bench.sender_preexec())
    stdout, stderr = recv.communicate(timeout=120)
    gcpu = group.seconds() - g0 if group.ok else None
    skb = trace.stop()
    kv = dict(x.split("=", 1) for x in stdout.split())
    if r.returncode != 0 or recv.returncode != 0 or int(kv["bytes"]) != size:
        raise RuntimeError(f"C bulk failed: {r.stderr.strip()} {stderr.strip()} {stdout.strip()}")
    os.unlink(out)
    os.unlink(ready)
    if skb is not None:
        skb["recv_calls"] = int(kv["recv_calls"])   # its own count: read(2) on the socket is not traced
    return dict(cpu=gcpu if gcpu is not None else float(kv["user_s"]) + float(kv["sys_s"]), skb=skb)


class Net:
    """The veth pair, a recd daemon listening on its host end, and the bulk runs over it."""

    def __init__(self, root, base, native, c_args):
        self.link, self.reason = setup()
        self.trace = SkbTrace()
        self.native, self.c_args = native, c_args
        self.daemon = self.group = None
        self.bulk = {}       # cond -> receiver -> [CPU-s/GiB per round]
        self.bulk_skb = {}   # cond -> receiver -> [trace counts per round]
        if self.link is None:
            return
        self.storage, self.cstore = os.path.join(base, "net-store"), os.path.join(base, "net-c")
        os.makedirs(self.cstore, exist_ok=True)
        self.daemon = Daemon(root, self.storage, ["--address", HOST_IP], commit_at_end=False)
        self.group = CpuGroup(f"recd-live-net-recd-{os.getpid()}")
        self.group.add(self.daemon.proc.pid)

    def link_for(self, cond):
        return self.link if is_net(cond) else LOOPBACK

    def bulk_round(self, cond, rnd, receivers, c_group, size, seq):
        """Bulk over the pair for each receiver, in an order that reverses every round."""
        order = receivers if rnd % 2 == 0 else receivers[::-1]
        for who in order:
            seq += 1
            kind, path = who.split(":")
            r = bulk_recd(self.daemon, self.group, self.native, self.storage, self.link, path, size, seq, self.trace) \
                if kind == "recd" else bulk_c(c_group, self.native, self.cstore, self.link, path, self.c_args, size, seq, self.trace)
            self.bulk.setdefault(cond, {}).setdefault(who, []).append(r["cpu"] / (size / GiB))
            self.bulk_skb.setdefault(cond, {}).setdefault(who, []).append(r["skb"])
        sys.stderr.write(f"  {cond}: round {rnd + 1} bulk over the pair done\n")
        return seq

    def close(self):
        if self.daemon:
            self.daemon.stop()
            self.group.remove()
        self.trace.close()
        teardown()


def per_mib(skbs, key, mib):
    xs = [s[key] / mib for s in skbs if s and s.get(key) is not None]
    return statistics.median(xs) if xs else None


def mean_copy(skbs):
    xs = [s["copy_bytes"] / s["copies"] for s in skbs if s and s["copies"]]
    return statistics.median(xs) if xs else None


def report(net, res, conditions, receivers, live_mib, bulk_size, gib_of):
    """The per-path table of the link conditions; loopback conditions of the same invocation beside
    them for the receive calls and skbs per MiB. Returns rows for bench/out/live_net.csv."""
    if net.link is None:
        print(f"\nveth conditions skipped: {net.reason}")
        return []
    print("\nover veth+GRO (senders in namespace " + NS + ", MTU 1500, TSO/GSO off at the sender, GRO on at the receiver;"
          " ethtool -k checked), loopback conditions of this invocation beside them; the machine was shared (noisy)."
          "\nlive/bulk*: median of per-round ratios (each round's live run / the same receiver's bulk run over the"
          f" same link in that round, {bulk_size >> 20} MiB, 1 stream), bootstrap 90% interval; per MiB from tracepoints:")
    print(f"{'condition':14} {'receiver':18} {'live CPU-s/GiB':>20} {'bulk CPU-s/GiB':>20} {'live/bulk* [90%]':>19} {'<=2x':>5} "
          f"{'recv/MiB':>8} {'skb cp/MiB':>10} {'B/skb cp':>8} {'GRO in/MiB':>10} {'to TCP/MiB':>10} {'polls/MiB':>9} "
          f"{'bulk skb cp/MiB':>15}")
    rows = []
    for c in conditions:
        mib = live_mib(c)
        for w in receivers:
            xs = res[c][w]
            live = [x["cpu"] / gib_of(c) for x in xs]
            skbs = [x.get("skb") for x in xs]
            bulk = net.bulk.get(c, {}).get(w)
            bskb = net.bulk_skb.get(c, {}).get(w) or []
            ratio = paired_ratio(live, bulk) if bulk else None
            recv = [x["recv_calls"] / mib for x in xs if x.get("recv_calls") is not None]
            row = dict(condition=c, receiver=w, link="veth+gro" if is_net(c) else "loopback",
                       live_cpu_s_per_gib=round(statistics.median(live), 4),
                       bulk_cpu_s_per_gib=round(statistics.median(bulk), 4) if bulk else "",
                       live_over_bulk=round(ratio[0], 3) if ratio else "", live_over_bulk_lo=round(ratio[1], 3) if ratio else "",
                       live_over_bulk_hi=round(ratio[2], 3) if ratio else "",
                       recv_calls_per_mib=round(statistics.median(recv), 2) if recv else per_mib(skbs, "recv_calls", mib),
                       skb_copies_per_mib=per_mib(skbs, "copies", mib), bytes_per_skb_copy=mean_copy(skbs),
                       gro_in_per_mib=per_mib(skbs, "gro_in", mib), to_tcp_per_mib=per_mib(skbs, "stack_skbs", mib),
                       polls_per_mib=per_mib(skbs, "polls", mib),
                       bulk_skb_copies_per_mib=per_mib(bskb, "copies", bulk_size / MiB),
                       bulk_bytes_per_skb_copy=mean_copy(bskb), bulk_to_tcp_per_mib=per_mib(bskb, "stack_skbs", bulk_size / MiB),
                       trace_lost=any(s and s["lost"] for s in skbs + bskb))
            rows.append(row)
            f1 = lambda v, d=1: "" if v in (None, "") else f"{v:.{d}f}"
            print(f"{c:14} {w:18} {bench.fmt(live, digits=3):>20} {bench.fmt(bulk, digits=3) if bulk else '':>20} "
                  f"{(f'{ratio[0]:.2f} [{ratio[1]:.2f}-{ratio[2]:.2f}]') if ratio else '':>19} "
                  f"{('ok' if ratio[0] <= 2 else 'NO') if ratio else '':>5} {f1(row['recv_calls_per_mib']):>8} "
                  f"{f1(row['skb_copies_per_mib']):>10} {f1(row['bytes_per_skb_copy'], 0):>8} {f1(row['gro_in_per_mib']):>10} "
                  f"{f1(row['to_tcp_per_mib']):>10} {f1(row['polls_per_mib']):>9} {f1(row['bulk_skb_copies_per_mib']):>15}"
                  + ("  (trace buffer overflowed: counts low)" if row["trace_lost"] else ""))
    print("recv/MiB: C's own count (--counters), recd's traced recvfrom/recvmsg/splice socket->pipe; skb cp: skbs a read"
          " copied from (none for splice, which moves pages); GRO in / to TCP / polls: on the receiving veth only")
    return rows


def raw_fields(r, mib):
    """A live run's trace counts per MiB for bench/out/live_runs.csv (empty where it was not traced)."""
    s = r.get("skb")
    keys = ("copies", "gro_in", "stack_skbs", "polls")
    if not s:
        return {f"{k}_per_mib": "" for k in keys}
    return {f"{k}_per_mib": "" if s[k] is None else round(s[k] / mib, 2) for k in keys}
