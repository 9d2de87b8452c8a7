#!/usr/bin/env bash
# Limits under abuse: 200 idle or slow-header connections (slowloris) must not lock out real
# clients; the header timeout closes a dribbling head with 408; a hostile client is answered, and
# the next good client is served exactly.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-limits.XXXXXX)"
pid="" loris=""
cleanup() {
  [ -n "$loris" ] && kill "$loris" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$tmp/port" --storage "$tmp/store" \
  --Http:MaxConnections 32 --Http:HeaderTimeoutMs 3000 >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port="$(cat "$tmp/port")"
base="http://127.0.0.1:$port/recordings"
head -c 1048583 /dev/urandom >"$tmp/src"

# 200 slowloris connections: each sends a partial head and then one byte a second, reconnecting
# whenever the daemon closes it, for 12 s.
python3 - "$port" >"$tmp/loris.out" 2>&1 <<'PY' &
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
PY
loris=$!
sleep 2

served=0 exact=0 slow=0
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  code="$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -T "$tmp/src" "$base/real$i.ts")"
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$code" = 201 ] && served=$((served + 1))
  cmp -s "$tmp/src" "$tmp/store/real$i.ts" && exact=$((exact + 1))
  [ "$ms" -gt 3000 ] && slow=$((slow + 1))
  sleep 1
done
if [ "$served" = 5 ] && [ "$exact" = 5 ] && [ "$slow" = 0 ]; then
  ok "200 slowloris connections against a 32-connection daemon: 5 of 5 real uploads served, exact, each under 3 s"
else
  notok "real clients under slowloris: served $served, exact $exact, slow $slow"
fi
wait "$loris"
loris=""
reconnects="$(sed -n 's/reconnects=//p' "$tmp/loris.out")"
if [ "${reconnects:-0}" -gt 0 ]; then ok "idle connections were evicted or timed out ($reconnects reconnects)"; else notok "no slow connection was ever closed: $(cat "$tmp/loris.out")"; fi

# A head dribbled slower than the header timeout gets 408 and the connection closes.
got="$(python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /recordings HTTP/1.1\r\n")
s.settimeout(6)
t0 = time.time()
data = b""
try:
    while True:
        s.sendall(b"X")
        time.sleep(0.5)
        if time.time() - t0 > 5:
            break
except OSError:
    pass
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
print(data.split(b"\r\n", 1)[0].decode(errors="replace"))
PY
)"
case "$got" in
  "HTTP/1.1 408"*) ok "head not complete within the header timeout: $got" ;;
  *) notok "slow head: got '$got'" ;;
esac

if kill -0 "$pid" 2>/dev/null && [ "$(curl -sS -o /dev/null -w '%{http_code}' "$base")" = 200 ]; then
  ok "daemon alive and serving after the abuse"
else
  notok "daemon not serving after the abuse"
fi
[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
finish
