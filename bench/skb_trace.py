"""Tracepoint counts of what the kernel hands a receiver, per run (bench/live_net.py's conditions).

On the receiving device: packets into GRO (net:napi_gro_receive_entry), skbs out of it to the stack
(net:netif_receive_skb) and NAPI polls (napi:napi_poll). In the receiving processes (set_event_pid
with event-fork, so recd's per-connection threads are included): skbs copied to user space
(skb:skb_copy_datagram_iovec, one per skb a read takes bytes from, so TCP's receive-queue coalescing
shows too) and receive calls (recvfrom, recvmsg, splice socket -> pipe). Two tracefs instances of the
invocation's own, so nothing else's tracing is touched.

`python3 bench/skb_trace.py --root .` is the GRO on/off check of docs/measurements/2026-12-02-live.md:
one batched C receiver at 10 Mbit/s for 10 s per line, 1316-byte and 64 KiB sends, over loopback and
the veth pair with GRO on and off.
"""
import argparse, os, re, subprocess, sys, time
import bench
import veth

TRACEFS = "/sys/kernel/tracing"


def tids(pid):
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


class SkbTrace:
    """One run's tracepoint counts (see the module's comment). ok is False where tracefs is missing;
    then every count is None and the run is measured as usual."""
    PROC_EVENTS = {"skb/skb_copy_datagram_iovec": None, "syscalls/sys_enter_recvfrom": None,
                   "syscalls/sys_enter_recvmsg": None,
                   # both offsets NULL: socket -> pipe; pipe -> file carries the file offset
                   "syscalls/sys_enter_splice": "off_in == 0 && off_out == 0"}
    DEV_EVENTS = {"net/napi_gro_receive_entry": "name", "net/netif_receive_skb": "name", "napi/napi_poll": "dev_name"}
    # "... 123.456789: skb_copy_datagram_iovec: skbaddr=... len=1316"; syscalls print "sys_recvfrom(fd: 5, ...)"
    LINE = re.compile(r"\s\d+\.\d+: (\w+)[:(](.*)$")

    def __init__(self):
        if not os.path.isdir(os.path.join(TRACEFS, "instances")):
            subprocess.run(["mount", "-t", "tracefs", "nodev", TRACEFS], capture_output=True)
        self.proc = os.path.join(TRACEFS, "instances", f"recd-live-net-proc-{os.getpid()}")
        self.net = os.path.join(TRACEFS, "instances", f"recd-live-net-dev-{os.getpid()}")
        try:
            for d, kb in ((self.proc, "8192"), (self.net, "65536")):   # per CPU: x4-veth's 20 s is ~230k device events
                os.makedirs(d, exist_ok=True)
                self._w(d, "buffer_size_kb", kb)
            self.ok = True
        except OSError:
            self.ok = False
        self.dev = None

    @staticmethod
    def _w(inst, name, value):
        with open(os.path.join(inst, name), "w") as f:
            f.write(value + "\n")

    def start(self, pids, dev):
        if not self.ok:
            return
        self.dev = dev
        for d in (self.proc, self.net):
            self._w(d, "tracing_on", "0")
            self._w(d, "trace", "")
        self._w(self.proc, "set_event_pid", " ".join(str(t) for p in pids for t in tids(p)))
        self._w(self.proc, "options/event-fork", "1")   # recd's connection threads start after this
        for e, flt in self.PROC_EVENTS.items():
            self._w(self.proc, f"events/{e}/filter", flt or "0")
            self._w(self.proc, f"events/{e}/enable", "1")
        if dev:
            for e, field in self.DEV_EVENTS.items():
                self._w(self.net, f"events/{e}/filter", f'{field} == "{dev}"')
                self._w(self.net, f"events/{e}/enable", "1")
        self._w(self.proc, "tracing_on", "1")
        self._w(self.net, "tracing_on", "1" if dev else "0")

    def stop(self):
        """Counts since start: copies, copy_bytes, recv_calls, and on a traced device gro_in, stack_skbs,
        polls, poll_work; lost is True when a buffer overflowed (then the counts are low)."""
        if not self.ok:
            return None
        for d in (self.proc, self.net):
            self._w(d, "tracing_on", "0")
        out = dict(copies=0, copy_bytes=0, recv_calls=0, gro_in=None, stack_skbs=None, polls=None, lost=False)
        if self.dev:
            out.update(gro_in=0, stack_skbs=0, polls=0)
        for d in (self.proc, self.net):
            with open(os.path.join(d, "trace")) as f:
                for line in f:
                    if line.startswith("#"):
                        m = re.search(r"entries-in-buffer/entries-written: (\d+)/(\d+)", line)
                        if m and m.group(1) != m.group(2):
                            out["lost"] = True
                        continue
                    m = self.LINE.search(line)
                    if not m:
                        continue
                    ev, rest = m.groups()
                    if ev == "skb_copy_datagram_iovec":
                        out["copies"] += 1
                        out["copy_bytes"] += int(rest.rsplit("len=", 1)[1])
                    elif ev.startswith("sys_"):
                        out["recv_calls"] += 1
                    elif ev == "napi_gro_receive_entry":
                        out["gro_in"] += 1
                    elif ev == "netif_receive_skb":
                        out["stack_skbs"] += 1
                    elif ev == "napi_poll":
                        out["polls"] += 1
            self._w(d, "events/enable", "0")
            self._w(d, "trace", "")
        self._w(self.proc, "set_event_pid", "")
        return out

    def close(self):
        for d in (self.proc, self.net):
            try:
                self._w(d, "events/enable", "0")
                os.rmdir(d)
            except OSError:
                pass


def gro_check(root):
    import live_net   # here, not at the top: live_net imports this file
    native = os.path.join(root, "native/build")
    trace = SkbTrace()
    mib = 12_500_000 / (1 << 20)

    def run(link, write):
        tmp = f"/tmp/recd-gro-check-{os.getpid()}"
        out, ready = tmp + ".ts", tmp + ".port"
        r = bench.start_c_receiver(native, link.host, "buffered", ["--buf", "262144", "--batch", "262144", "--batch-ms", "1000",
                                                                   "--counters"], out, ready, stderr=None)
        port = bench.c_receiver_port(ready)
        trace.start([r.pid], link.dev)
        subprocess.run(link.wrap([os.path.join(native, "recd-send-load"), "--connect", f"{link.host}:{port}",
                                  "--bytes", "12500000", "--rate", "10000000", "--write", str(write)]),
                       capture_output=True, check=True)
        kv = dict(x.split("=", 1) for x in r.communicate(timeout=60)[0].split())
        s = trace.stop()
        os.unlink(out)
        os.unlink(ready)
        f = lambda k: "-" if s[k] is None else f"{s[k] / mib:.1f}"
        return (f"recv/MiB {int(kv['recv_calls']) / mib:.1f}  skb copies/MiB {f('copies')}  bytes/copy "
                f"{s['copy_bytes'] / max(1, s['copies']):.0f}  GRO in/MiB {f('gro_in')}  to TCP/MiB {f('stack_skbs')}"
                f"  polls/MiB {f('polls')}")
    try:
        for write in (1316, 65536):
            print(f"{write}-byte sends, loopback:    ", run(live_net.LOOPBACK, write))
            link, why = live_net.setup()
            if link is None:
                print(f"veth pair not available: {why}")
                continue
            print(f"{write}-byte sends, veth GRO on: ", run(link, write))
            veth.sh("ethtool", "-K", live_net.HOST_IF, "gro", "off")
            gro = [l for l in veth.sh("ethtool", "-k", live_net.HOST_IF).stdout.splitlines() if "generic-receive" in l]
            print(f"{write}-byte sends, veth GRO off:", run(link, write), f"({gro[0].strip()})")
            live_net.teardown()
    finally:
        trace.close()
        live_net.teardown()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    gro_check(os.path.abspath(ap.parse_args().root))
