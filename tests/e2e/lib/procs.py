#!/usr/bin/env python3
"""Finds the processes a test run started, by a marker in their environment, and stops them.

    procs.py list NAME VALUE    print "pid: command line" of each process whose environment holds NAME=VALUE
    procs.py kill NAME VALUE    the same, then SIGTERM them, SIGKILL after 5 s what is left

The process itself and its ancestors are never listed: the shell that exported the marker carries
it too. A marker finds what a PID list misses: a daemon whose parent subshell already exited was
re-parented to init (write_paths.sh's $(start_daemon) left two that way). Exit status: 0 if none
was found, 1 otherwise. Processes of other users are skipped: their environ is not readable.
"""
import os
import signal
import sys
import time


def ancestors():
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                # the command name (field 2) may hold spaces and parentheses: split after the last ')'
                pid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def marked(entry):
    skip = ancestors()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in skip:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if entry not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, a kernel thread, or not ours
            continue
        # A zombie has no command line and holds nothing but its PID: its parent reaps it.
        if cmd:
            found.append((int(name), cmd))
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("list", "kill"):
        sys.exit(__doc__)
    found = marked(f"{sys.argv[2]}={sys.argv[3]}".encode())
    for pid, cmd in found:
        print(f"{pid}: {cmd}")
    if sys.argv[1] == "kill" and found:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid, _ in found:
                if not alive(pid):
                    continue  # its PID may already be someone else's
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(alive(p) for p, _ in found):
                time.sleep(0.05)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
