#!/usr/bin/env bash
# Live-rate ingest through the published daemon: a trickling sender (1316-byte sends, 7 TS packets,
# every 50 ms) must see its bytes reach the file within the batch latency bound and the committed
# length within the bound plus the commit interval, although a batch (256 KiB) is never filled;
# and a paced live stream is stored sha256-exact on every path.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-live.XXXXXX)"
pid=""
cleanup() { stop_daemon; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

LATENCY_MS=500 COMMIT_MS=1000
start_daemon "$tmp" "$tmp/store" --WritePaths:BatchLatencyMs "$LATENCY_MS" --Storage:CommitIntervalMs "$COMMIT_MS"
[ -n "$port" ] || { notok "daemon did not start: $(tail -n 3 "$tmp/daemon.log")"; finish; exit 1; }

# A python sender: PUT with Content-Length, SIZE bytes in PIECE-byte sends every GAP seconds. While
# it runs, a second thread asks HEAD every 100 ms and records (time, bytes sent by then, committed).
# Prints the worst lag: how long after being sent a byte was first seen committed.
trickle() { # name size piece gap path
  python3 - "$port" "$@" "$tmp" <<'PY'
import hashlib, os, socket, sys, threading, time
port, name, size, piece, gap, path, tmp = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7]
data = os.urandom(size)
open(os.path.join(tmp, name + ".src"), "wb").write(data)
sent_at = []  # (time, bytes sent so far)
done = threading.Event()
def head():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"HEAD /recordings/{name} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    r = b""
    while b"\r\n\r\n" not in r:
        c = s.recv(4096)
        if not c: break
        r += c
    s.close()
    for line in r.decode().split("\r\n"):
        if line.lower().startswith("recd-committed-length:"): return int(line.split(":")[1])
    return -1
lags = []
def watch():
    while not done.is_set():
        now, c = time.monotonic(), head()
        # the oldest send whose bytes are not yet all committed: its age is the current lag
        for t, n in sent_at:
            if n > c:
                lags.append(now - t); break
        time.sleep(0.1)
s = socket.create_connection(("127.0.0.1", port))
s.sendall(f"PUT /recordings/{name}?path={path} HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n".encode())
time.sleep(0.2)
w = threading.Thread(target=watch); w.start()
off = 0
while off < size:
    s.sendall(data[off:off + piece]); off += min(piece, size - off)
    sent_at.append((time.monotonic(), off))
    time.sleep(gap)
done.set(); w.join()
resp = s.recv(4096).decode(errors="replace").split("\r\n")[0]
print(resp.split(" ")[1] if " " in resp else "none", f"{max(lags) if lags else 0:.2f}", hashlib.sha256(data).hexdigest())
PY
}

# 1. Trickle: 1316 bytes every 50 ms (26 KB/s) for ~4 s, never a full batch.
bound=$(python3 -c "print(($LATENCY_MS + $COMMIT_MS) / 1000 + 0.6)")  # + HEAD polling and scheduling slack
for path in buffered splice direct; do
  read -r code lag sum < <(trickle "trickle-$path.ts" 105280 1316 0.05 "$path")
  stored="$(sha256sum <"$tmp/store/trickle-$path.ts" | cut -d' ' -f1)"
  if [ "$code" = 201 ] && [ "$stored" = "$sum" ] && python3 -c "import sys; sys.exit(0 if $lag <= $bound else 1)"; then
    ok "$path: a 26 KB/s trickle is committed at most ${lag} s after it was sent (bound ${bound} s = batch latency ${LATENCY_MS} ms + commit interval ${COMMIT_MS} ms + slack), exact"
  else
    notok "$path: trickle code $code, worst commit lag ${lag} s (bound ${bound} s), sha ${stored:0:12} vs ${sum:0:12}"
  fi
done

# 2. A paced live stream (10 Mbit/s in 1316-byte sends, 2 s) on every path and auto: exact.
for path in buffered splice direct auto; do
  read -r code lag sum < <(trickle "live-$path.ts" 2500000 13160 0.01 "$path")
  stored="$(sha256sum <"$tmp/store/live-$path.ts" | cut -d' ' -f1)"
  [ "$code" = 201 ] && [ "$stored" = "$sum" ] && ok "$path: paced 10 Mbit/s stream exact (worst commit lag ${lag} s)" ||
    notok "$path: live code $code sha ${stored:0:12} vs ${sum:0:12}"
done

# 3. auto over candidates that differ only in batch ("@64K", "@1M", and the profile's 256K), a 10 Mbit/s
# stream in 1316-byte sends from recd-send-load: the probe round measures each, the manifest keys
# bytes and costs by the labels with their batch, and the file is sha256-exact. A 300 ms latency bound
# and window: a Move returns at the bound, so the nine windows of the probe round fit the 5 s stream.
SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
if [ -x "$SEND" ]; then
  stop_daemon
  start_daemon "$tmp" "$tmp/store" --WritePaths:BatchLatencyMs 300 --Selector:WindowMs 300 --Selector:Candidates:0 buffered/256K@64K \
    --Selector:Candidates:1 buffered/256K@1M --Selector:Candidates:2 buffered/256K
  total=$((6 * 1000 * 1000))
  out="$("$SEND" --connect "127.0.0.1:$port" --bytes "$total" --rate 10000000 --write 1316 --http-put "/recordings/batches.ts?path=auto" 2>&1)"; rc=$?
  want="$("$SEND" --emit "$total" | sha256sum | cut -d' ' -f1)"
  stored="$(sha256sum <"$tmp/store/batches.ts" | cut -d' ' -f1)"
  costs="$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(open(sys.argv[1])).get("costs") or {})))' "$tmp/store/.batches.ts.manifest" 2>/dev/null)"
  bytes="$(manifest_value "$tmp/store/.batches.ts.manifest" bytesByPath)"
  if [ "$rc" = 0 ] && [ "$stored" = "$want" ] && [ "$costs" = "buffered/256K buffered/256K@1M buffered/256K@64K" ] && grep -q "@64K=" <<<"$bytes" && grep -q "@1M=" <<<"$bytes"; then
    ok "auto over batches @64K, @1M and the profile's: 10 Mbit/s in 1316-byte sends exact, costs for $costs, bytes $bytes"
  else
    notok "auto over batches: send rc $rc ($out), sha ${stored:0:12} vs ${want:0:12}, costs '$costs', bytes '$bytes'"
  fi
else
  notok "$SEND is built (make -C native)"
fi

# 4. A fixed path with a batch of its own (?path=kind/size@batch): the paced stream exact, the bytes
# keyed by that label in the manifest; a malformed one refused with its reason, nothing stored.
for asked in "direct@64K:direct/4M@64K" "splice/512K@off:splice/512K@off"; do
  path="${asked%%:*}" label="${asked#*:}"
  name="fixed-${path//[\/@]/-}.ts"
  read -r code lag sum < <(trickle "$name" 2500000 13160 0.01 "$path")
  stored="$(sha256sum <"$tmp/store/$name" | cut -d' ' -f1)"
  bytes="$(manifest_value "$tmp/store/.$name.manifest" bytesByPath)"
  if [ "$code" = 201 ] && [ "$stored" = "$sum" ] && grep -q "$label=" <<<"$bytes"; then
    ok "?path=$path: paced 10 Mbit/s stream exact, bytes under $label ($bytes)"
  else
    notok "?path=$path: code $code, sha ${stored:0:12} vs ${sum:0:12}, bytes '$bytes'"
  fi
done
body="$(curl -sS -o - -w ' %{http_code}' -T /dev/null "http://127.0.0.1:$port/recordings/bad-batch.ts?path=direct@3Q")"
if [[ "$body" == *" 400" && "$body" == *"batch '3Q'"* ]] && [ ! -e "$tmp/store/bad-batch.ts" ]; then
  ok "?path=direct@3Q refused: $body"
else
  notok "?path=direct@3Q: $body"
fi
finish
