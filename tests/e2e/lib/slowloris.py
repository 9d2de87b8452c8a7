#!/usr/bin/env python3
"""limits.sh's slowloris: 200 connections to 127.0.0.1:PORT each send a partial request head and then
one byte a second, reconnecting whenever the daemon closes one, for 12 s; prints reconnects=N."""
import socket, sys, time
port = int(sys.argv[1])
def dial():
    s = socket.socket()
    s.setblocking(True)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /recordings HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    s.setblocking(False)
    return s
socks = []
for _ in range(200):
    try:
        socks.append(dial())
    except OSError:
        pass
end, reconnects = time.time() + 12, 0
while time.time() < end:
    for i, s in enumerate(socks):
        try:
            s.send(b"a")
        except OSError:
            s.close()
            try:
                socks[i] = dial()
                reconnects += 1
            except OSError:
                pass
    time.sleep(1)
print(f"reconnects={reconnects}")
