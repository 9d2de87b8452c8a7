#!/usr/bin/env python3
"""limits.sh's abusers of an 8-slot daemon on 127.0.0.1:PORT: 2 PUTs trickling 1 byte every 1.5 s, 6
GETs of movie.ts that never read (4 KiB SO_RCVBUF), then 4 connections that send nothing. Prints
"opened" once all are connected, then per connection: KIND closed|open SECONDS BYTES_SENT, SECONDS
after it was opened that the daemon closed it (poll's RDHUP/HUP/ERR: a stalled reader's data is
still queued, so a read would not see the close)."""
import select, socket, sys, time
port = int(sys.argv[1])
conns = []  # (kind, socket, opened, bytes sent)
def dial(kind, head=b"", rcvbuf=0):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    if head:
        s.sendall(head)
    conns.append([kind, s, time.time(), 0, None])
for i in range(2):
    dial("trickler", b"PUT /recordings/trickle%d.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" % i)
for _ in range(6):
    dial("reader", b"GET /recordings/movie.ts HTTP/1.1\r\nHost: x\r\n\r\n", rcvbuf=4096)
time.sleep(0.5)  # the readers' heads are in: each newcomer from now on finds the 8 slots full
for _ in range(4):
    dial("idle")
print("opened", flush=True)
end, last_trickle = time.time() + 9, 0
hup = select.POLLRDHUP | select.POLLHUP | select.POLLERR
while time.time() < end and any(c[4] is None for c in conns):
    now = time.time()
    for c in conns:
        if c[4] is not None:
            continue
        p = select.poll()
        p.register(c[1], select.POLLIN | select.POLLRDHUP)
        ev = p.poll(0)
        if ev and ev[0][1] & hup:
            c[4] = now - c[2]
            continue
        if c[0] == "trickler" and now - last_trickle >= 1.5:
            try:
                c[1].send(b"t")
                c[3] += 1
            except OSError:
                c[4] = now - c[2]
    if time.time() - last_trickle >= 1.5:
        last_trickle = time.time()
    time.sleep(0.05)
for kind, s, opened, sent, closed in conns:
    print(kind, "closed" if closed is not None else "open", "%.2f" % (closed if closed is not None else -1), sent)
