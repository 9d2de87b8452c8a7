"""Duet benchmarking (Bulej et al., 2020) for recd: two daemons receive at the same time, on one CPU,
so a phase of this shared VM (the same work costs up to 1.6x for a quarter of a second) lands on both
alike, and each round yields a ratio of two runs that saw the same machine. Used by live_bench.py
(--live-duet-rounds); selector_bench.py's duets follow the same design with their own bulk senders
(started interleaved across the sides) and take the CPU split and size_of from here.

A side is (daemon, cpu group, storage). Per round the two sides swap roles (which policy each runs),
and the starting order alternates every two rounds, so each side runs each policy, first and second,
equally often. A round is measured while both sides still receive: up to the moment the first
sender exits (a daemon finishing alone would run its tail on a quiet core), or up to a time before
the recordings' end (measure's until: live duets).
"""
import os, shutil, time

import bench
from bench import CpuGroup, Daemon, settle

# Both daemons on CPU 1, every sender on CPU 0: a duet shares phases only where it shares a core.
SENDER_CPUS, RECEIVER_CPUS = ({0}, {1}) if (os.cpu_count() or 1) >= 2 else (None, None)


def sender_pin():
    """preexec_fn for a duet's sender processes."""
    return (lambda: os.sched_setaffinity(0, SENDER_CPUS)) if SENDER_CPUS else None


def size_of(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


class Sides:
    """Two daemons with their own storage under base, each in a cpuacct group, both on RECEIVER_CPUS."""

    def __init__(self, root, base, name, extra=(), commit_at_end=True):
        self.sides = []
        for k in (0, 1):
            storage = os.path.join(base, f"{name}-{k}")
            daemon = Daemon(root, storage, extra, commit_at_end=commit_at_end)
            group = CpuGroup(f"recd-{name}-{k}")
            group.add(daemon.proc.pid)
            bench.pin(daemon.proc.pid, RECEIVER_CPUS)
            self.sides.append((daemon, group, storage))

    def for_round(self, rnd):
        """The sides in role order for round rnd (role 0 first), and whether role 0's senders start first."""
        pair = self.sides if rnd % 2 == 0 else self.sides[::-1]
        return pair, rnd // 2 % 2 == 0

    def close(self):
        for d, g, st in self.sides:
            d.stop()
            g.remove()
            shutil.rmtree(st, ignore_errors=True)
            shutil.rmtree(st + ".state", ignore_errors=True)


def measure(pair, start, bytes_of, role0_first=True, until=None):
    """One duet round. start(k) starts role k's sender processes and returns them; bytes_of(k) is the
    bytes role k's daemon has received so far. Returns per role (CPU-s, bytes) up to the first
    sender's exit, or with until (seconds) up to that long after the start if no sender exited
    before, and per role the sender processes (still to be waited for).

    until is for senders that exit only once their recordings have ended (HTTP: after the response):
    up to the first exit, the first side's ends (the last write, the final commit, the learned costs)
    fall inside the measurement and the second side's do not; a box's recordings run for an hour,
    where an end is noise. (That was not what made the side started first dearer in live duets: its
    streams ran in step, see live_duet.SPREAD_MS.)"""
    settle()
    clocks = [g.clock_for(d.proc.pid) for d, g, _ in pair]
    cpu0 = [c() for c in clocks]
    b0 = [bytes_of(k) for k in (0, 1)]
    procs = [None, None]
    t0 = time.monotonic()
    for k in ((0, 1) if role0_first else (1, 0)):
        procs[k] = start(k)
    if until is None:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)   # the first child to exit (left for Popen to reap)
    else:
        while time.monotonic() - t0 < until and not any(p.poll() is not None for p in procs):
            time.sleep(0.05)
    cpu = [clocks[k]() - cpu0[k] for k in (0, 1)]
    got = [bytes_of(k) - b0[k] for k in (0, 1)]
    return list(zip(cpu, got)), procs
