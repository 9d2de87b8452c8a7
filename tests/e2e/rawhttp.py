#!/usr/bin/env python3
"""Sends raw request files to a server, one fresh TCP connection each, and reports the status.

    rawhttp.py PORT FILE...          prints "STATUS<TAB>AFTER<TAB>FILE" per file. STATUS is 3 digits,
                                     or timeout / reset / eof / refused when no final response came.
                                     AFTER is "-" except for files named NNN-head-* and NNN-body-*,
                                     which recd must answer once and then close: for those the
                                     connection is read to its end and AFTER is "closed:N" (N final
                                     responses before EOF) or "open:N" (no EOF within the timeout).
    rawhttp.py --show PORT FILE      prints the whole response to one file (for debugging)

The bytes are sent exactly as stored; the write side is never shut down, because an EOF inside a
body means "client gone" to recd, which then answers nothing. A 1xx interim response (100 Continue)
is skipped: the status is the first final response. A reset after the response arrived is normal
(recd closes after rejecting); whatever arrived before it counts.
"""
import os
import re
import socket
import sys
import time

TIMEOUT = 5.0


def final_status(buf):
    """Status of the first non-1xx response head in buf, or None if it has not fully arrived."""
    pos = 0
    while True:
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            return None
        line = buf[pos:buf.find(b"\r\n", pos)]
        parts = line.split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            return "garbage"
        code = int(parts[1])
        if code >= 200:
            return "%03d" % code
        pos = end + 4  # interim response: no body, the final one follows


def count_finals(buf):
    """Number of complete final (non-1xx) responses in buf, bodies skipped by Content-Length."""
    pos = n = 0
    while True:
        end = buf.find(b"\r\n\r\n", pos)
        if end < 0:
            return n
        head = buf[pos:end].split(b"\r\n")
        parts = head[0].split(b" ", 2)
        if len(parts) < 2 or not parts[1].isdigit():
            return n
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and value.strip().isdigit():
                length = int(value.strip())
        code = int(parts[1])
        pos = end + 4
        if code >= 200:
            n += 1
            pos += length


def read_to_end(s, buf, deadline):
    """Reads until EOF or reset (True) or the deadline (False)."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return buf, False
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return buf, False
        except ConnectionResetError:
            return buf, True
        if not chunk:
            return buf, True
        buf += chunk


def exchange(port, data, timeout=TIMEOUT, to_end=False):
    """Returns (status, response bytes, closed); closed is None unless to_end."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except OSError:
        return "refused", b"", None
    buf = b""
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # the server may answer and close before taking everything
        deadline = time.monotonic() + timeout
        while True:
            status = final_status(buf)
            if status is not None:
                if not to_end:
                    return status, buf, None
                buf, closed = read_to_end(s, buf, deadline)
                return status, buf, closed
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout", buf, False
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return "timeout", buf, False
            except ConnectionResetError:
                return final_status(buf) or "reset", buf, True
            if not chunk:
                return final_status(buf) or "eof", buf, True
            buf += chunk
    finally:
        s.close()


def main(argv):
    if len(argv) >= 3 and argv[0] == "--show":
        with open(argv[2], "rb") as f:
            status, response, closed = exchange(int(argv[1]), f.read(), to_end=True)
        sys.stdout.write(f"status: {status}, closed: {closed}, final responses: {count_finals(response)}\n")
        sys.stdout.buffer.write(response[:4096] + b"\n")
        return 0
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    port = int(argv[0])
    for path in argv[1:]:
        name = os.path.basename(path)
        to_end = re.match(r"^\d{3}-(head|body)-", name) is not None
        with open(path, "rb") as f:
            status, response, closed = exchange(port, f.read(), to_end=to_end)
        after = "-" if not to_end else f"{'closed' if closed else 'open'}:{count_finals(response)}"
        print(f"{status}\t{after}\t{name}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
