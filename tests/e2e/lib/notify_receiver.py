#!/usr/bin/env python3
"""Plays systemd's notify socket and /dev/log for tests/e2e/init.sh.

    notify_receiver.py READY_FILE SOCKET=LOG [SOCKET=LOG...]

Binds each SOCKET (a path, or @name for the abstract namespace) as an AF_UNIX datagram socket,
then creates READY_FILE, so the test starts the daemon only once every socket is bound. Each
datagram is appended to its LOG as one line, newlines inside it written as '|'.
"""
import os
import select
import socket
import sys

def main():
    ready, pairs = sys.argv[1], [a.split("=", 1) for a in sys.argv[2:]]
    socks = {}
    for name, log in pairs:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind("\0" + name[1:] if name.startswith("@") else name)
        socks[s.fileno()] = (s, open(log, "a", buffering=1))
    with open(ready, "w") as f:
        f.write(str(os.getpid()) + "\n")
    while True:
        readable, _, _ = select.select(list(socks), [], [])
        for fd in readable:
            s, log = socks[fd]
            data = s.recv(65536).decode("utf-8", "replace")
            log.write(data.replace("\n", "|") + "\n")

if __name__ == "__main__":
    main()
