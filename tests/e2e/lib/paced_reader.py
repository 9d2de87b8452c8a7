#!/usr/bin/env python3
"""A player-paced HTTP GET: reads at RATE bytes/s in small reads on a schedule, as a set-top box
player drains its buffer, and says how long it itself went without reading.

    paced_reader.py PORT PATH RATE [TIMEOUT]   prints "head" once the response head is in, then:
        status=200 bytes=N sha256=HEX end=complete|eof|reset|timeout longest_gap=S reads=N

longest_gap is the longest time between two reads that returned bytes, measured here with the
monotonic clock: a reader the machine did not run for a while (CPU starvation) shows it, so a test
can tell "the server closed a reader that kept reading" from "the reader really stopped reading".

Why not curl --limit-rate: curl averages its limit over 3 s windows with a receive buffer the kernel
autotunes up to tcp_rmem's maximum (32 MiB here), so it reads a burst and then sleeps ~2 s (measured:
three gaps of 2.0-2.1 s in a 32 MiB GET at 4M on an idle machine), which is a stall by the server's
minimum-rate rule, not a player. SO_RCVBUF bounds what the kernel holds for us, as a player's small
buffer does: the server sees the reader's pace, not the kernel's.
"""
import hashlib
import socket
import sys
import time

CHUNK = 64 << 10
RCVBUF = 256 << 10


def main():
    port, path, rate = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)  # before connect: sets the window scale
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
    head, body = b"", b""
    sha, got, reads, end, status, length = hashlib.sha256(), 0, 0, "eof", "-", None
    start = last = time.monotonic()
    longest = 0.0
    deadline = start + timeout
    try:
        while True:
            if length is not None:
                if got >= length:
                    end = "complete"
                    break
                # On schedule: the n-th byte is due at start + n / rate; behind schedule, read at once.
                due = start + got / rate
                now = time.monotonic()
                if due > now:
                    time.sleep(due - now)
            if time.monotonic() > deadline:
                end = "timeout"
                break
            data = s.recv(CHUNK)
            now = time.monotonic()
            if not data:
                break
            longest, last, reads = max(longest, now - last), now, reads + 1
            if length is None:
                head += data
                if b"\r\n\r\n" not in head:
                    continue
                head, body = head.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                status = lines[0].split(" ")[1]
                lengths = [int(l.split(":", 1)[1]) for l in lines[1:] if l.lower().startswith("content-length:")]
                if status != "200" or not lengths:
                    end = "not-200"
                    break
                length = lengths[0]
                print("head", flush=True)  # the response has begun: a caller may go on from here
                start = now  # the pace starts with the body
                data = body
            sha.update(data)
            got += len(data)
    except (ConnectionResetError, BrokenPipeError):
        end = "reset"
    except socket.timeout:
        end = "timeout"
    print(f"status={status} bytes={got} sha256={sha.hexdigest()} end={end} longest_gap={longest:.2f} reads={reads}")


if __name__ == "__main__":
    main()
