#!/usr/bin/env bash
# End-to-end test of recd's HTTP API (/recordings) against the published binary.
#
#   RECD_ROOT  repository root (default: found from this script's path)
#   RECD_BIN   daemon binary   (default: $RECD_ROOT/out/linux-x64/recd; built with ./build.sh publish if missing)
#
# Prints "ok - ..." / "not ok - ..." per test (diagnostics start with "#"), and ends with exactly one
# line "N passed, N failed"; exits non-zero if any test failed. All traffic is on 127.0.0.1; all files
# live in one mktemp -d folder under /tmp, removed at exit. Uploads cut off by a reset use
# $RECD_NATIVE/recd-send-load --abort-after when it is built, python3 otherwise; every other raw-socket
# client is python3. Counters, summary and the leftover-process marker are lib/common.sh's (lib/ is
# not run as a suite).
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
RECD_ROOT="$ROOT" RECD_BIN="$BIN"
# The C load sender (make -C native) cuts uploads off for real; python3 stands in when it is not built.
SEND_LOAD="${RECD_NATIVE:-$RECD_ROOT/native/build}/recd-send-load"
[ -x "$SEND_LOAD" ] || SEND_LOAD=""
T_START=$(date +%s)

need_tools curl python3 sha256sum cmp dd awk

TMP_X_BEFORE="$( [ -e /tmp/x ] && echo present)"
TMP="$(mktemp -d /tmp/recd-e2e-http.XXXXXX)"
SRC="$TMP/src"      # source files, generated once
STORE="$TMP/store"  # the daemon's storage root
RUN="$TMP/cwd"      # the daemon's working directory: must stay empty
LOGS="$TMP/logs"
WORK="$TMP/work"    # downloads, header dumps, client outputs
mkdir -p "$SRC" "$RUN" "$LOGS" "$WORK"
DPID="" PORT="" LOG="" DAEMON_N=0

cleanup() {
  if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
    kill -TERM "$DPID" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DPID" 2>/dev/null
  fi
  # background clients still running (jobs -p lists only unreaped children of this shell)
  local p
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
  kill_started  # whatever escaped the PID kept above (common.sh's marker), so none outlives the script
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------------
# helpers

# A test collects failed expectations; t_end prints one ok/not ok line, and on failure the reasons
# and the tail of the daemon log.
T_ERR=()
t_begin() { T_ERR=(); }
fail_why() { T_ERR+=("$*"); }
want() { # want WHAT ACTUAL EXPECTED
  [ "$2" == "$3" ] || T_ERR+=("$1: got '$2', want '$3'")
}
t_end() {
  if [ ${#T_ERR[@]} -eq 0 ]; then ok "$1"; return 0; fi
  notok "$1"
  local e
  for e in "${T_ERR[@]}"; do echo "#   $e"; done
  if [ -n "$LOG" ] && [ -f "$LOG" ]; then
    echo "#   daemon log tail ($LOG):"
    tail -n 12 "$LOG" | sed 's/^/#     /'
  fi
  return 1
}

start_daemon() {
  DAEMON_N=$((DAEMON_N + 1))
  LOG="$LOGS/daemon$DAEMON_N.log"
  rm -f "$TMP/port"
  (cd "$RUN" && exec "$RECD_BIN" run --board-dir "$RECD_ROOT/board" --port 0 --port-file "$TMP/port" --storage "$STORE") \
    >>"$LOG" 2>&1 </dev/null &
  DPID=$!
  local i
  for i in $(seq 1 200); do
    if [ -s "$TMP/port" ]; then PORT="$(tr -dc 0-9 <"$TMP/port")"; [ -n "$PORT" ] && return 0; fi
    kill -0 "$DPID" 2>/dev/null || break
    sleep 0.05
  done
  echo "# daemon did not write its port file within 10 s; log:"
  tail -n 20 "$LOG" | sed 's/^/#   /'
  return 1
}

# stop_daemon SIGNAL: sends it, waits up to 15 s; sets DAEMON_RC (exit status, or "timeout").
stop_daemon() {
  local sig=${1:-TERM}
  DAEMON_RC=""
  [ -n "$DPID" ] || return 0
  kill -"$sig" "$DPID" 2>/dev/null
  local i
  for i in $(seq 1 150); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$DPID" 2>/dev/null; then
    DAEMON_RC=timeout
    kill -KILL "$DPID" 2>/dev/null
  fi
  wait "$DPID" 2>/dev/null
  local rc=$?
  [ -n "$DAEMON_RC" ] || DAEMON_RC=$rc
  DPID=""
} 2>/dev/null  # also silences bash's "Killed" job notice

section() { echo "# == $1 (t+$(( $(date +%s) - T_START ))s)"; }
alive() { [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; }
url() { echo "http://127.0.0.1:$PORT$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
fsize() { if [ -e "$1" ]; then stat -c %s "$1"; else echo missing; fi; }
# status code of a curl request (curl prints 000 if it got no response)
code() { curl -sS --max-time 120 -o /dev/null -w '%{http_code}' "$@" 2>>"$WORK/curl.err"; }
# put FILE NAME [curl args]: PUT /recordings/NAME, prints the status code
put() { local f=$1 n=$2; shift 2; code -T "$f" "$@" "$(url "/recordings/$n")"; }
# sha256 of GET /recordings/NAME
get_sha() { curl -sS --max-time 120 "$(url "/recordings/$1")" 2>>"$WORK/curl.err" | sha256sum | cut -d' ' -f1; }
# headers of HEAD /recordings/NAME (CRs removed; first line is the status line)
head_of() { curl -sS --max-time 10 -I -o /dev/null -D - "$(url "/recordings/$1")" 2>>"$WORK/curl.err" | tr -d '\r'; }
# header VALUE from a header dump on stdin (last occurrence, case-insensitive name)
header() { awk -v k="$(echo "$1" | tr 'A-Z' 'a-z')" 'index($0, ":") { n = tolower(substr($0, 1, index($0, ":") - 1)); if (n == k) { v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v); r = v } } END { print r }'; }
status_of() { head -n1 | awk '{print $2}'; }
# manifest field: state | committedLength | ... ("MISSING" if the manifest is absent or unreadable)
mf() {
  python3 - "$STORE/.$1.manifest" "$2" <<'PY'
import json, sys
try:
    v = json.load(open(sys.argv[1])).get(sys.argv[2])
    print("null" if v is None else v)
except Exception:
    print("MISSING")
PY
}
# poll HEAD until Recd-State is $2 (max $3 s, default 5); prints the headers it last saw
wait_state() {
  local n=$1 st=$2 max=${3:-5} h i
  for i in $(seq 1 $((max * 10))); do
    h="$(head_of "$n")"
    [ "$(echo "$h" | header Recd-State)" == "$st" ] && break
    sleep 0.1
  done
  echo "$h"
}
# wait until FILE contains a line matching REGEX (max SECONDS)
wait_line() {
  local f=$1 re=$2 max=$3 i
  for i in $(seq 1 $((max * 20))); do grep -qE "$re" "$f" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}

# Raw HTTP client for what curl normalises or cannot do: exact request bytes, a body cut off at an
# exact byte count with an abortive close (RST) or a clean close (FIN), a stalled body.
PYCLIENT="$WORK/client.py"
cat >"$PYCLIENT" <<'PY'
import fcntl, re, socket, struct, sys, termios, time

def connect(port):
    return socket.create_connection(("127.0.0.1", int(port)), timeout=30)

def read_all(s, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except (socket.timeout, ConnectionResetError):
        pass
    return data

def codes(data):
    return [c.decode() for c in re.findall(rb"HTTP/1\.[01] (\d{3}) ", data)] or ["000"]

def drain(s, timeout=10.0):
    # Wait until the kernel has sent, and the peer acknowledged, everything we wrote: the bytes
    # counted as sent have reached the daemon's socket before we close or stall.
    end = time.time() + timeout
    while time.time() < end:
        if struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0] == 0:
            return
        time.sleep(0.01)

cmd = sys.argv[1]
if cmd == "raw":
    # raw PORT REQUEST: send the bytes (latin-1), print the status codes of the responses
    s = connect(sys.argv[2])
    s.sendall(sys.argv[3].encode("latin-1"))
    print(" ".join(codes(read_all(s, 5))))
elif cmd == "upload":
    # upload PORT PATH FILE DECLARED SEND END [PAUSE_AT PAUSE_S [SEND2]]
    #   Content-Length: DECLARED, then SEND body bytes of FILE (pausing PAUSE_S seconds after PAUSE_AT),
    #   then END: rst (abortive close) | fin (close) | hold (stay connected) | response (print status)
    port, path, file, declared, send, end = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
    pause_at = int(sys.argv[8]) if len(sys.argv) > 8 else -1
    pause_s = float(sys.argv[9]) if len(sys.argv) > 9 else 0
    s = connect(port)
    close = "Connection: close\r\n" if end == "response" else ""  # so the response is read to EOF
    s.sendall(f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {declared}\r\n{close}\r\n".encode())
    sent = 0
    with open(file, "rb") as f:
        while sent < send:
            if sent == pause_at:
                drain(s)
                print(f"paused {sent}", flush=True)
                time.sleep(pause_s)
            n = min(65536, send - sent)
            if pause_at > sent:
                n = min(n, pause_at - sent)
            buf = f.read(n)
            if not buf:
                break
            s.sendall(buf)
            sent += len(buf)
    if end in ("rst", "hold", "fin"):
        drain(s)
    print(f"sent {sent}", flush=True)
    if end == "rst":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    elif end == "fin":
        s.close()
    elif end == "hold":
        time.sleep(3600)
    else:
        print("status " + " ".join(codes(read_all(s, 30))), flush=True)
PY
# abort_upload NAME FILE K: PUT /recordings/NAME declaring the whole FILE, reset the connection after
# K body bytes (recd-send-load --abort-after, or python3 with SO_LINGER 0). Prints "sent K".
abort_upload() {
  if [ -n "$SEND_LOAD" ]; then
    "$SEND_LOAD" --connect "127.0.0.1:$PORT" --file "$2" --http-put "/recordings/$1" --abort-after "$3" 2>>"$WORK/send-load.err" \
      | sed -nE 's/^bytes=([0-9]+) .*/sent \1/p'
  else
    python3 "$PYCLIENT" upload "$PORT" "/recordings/$1" "$2" "$(stat -c %s "$2")" "$3" rst 2>&1
  fi
}
raw() { python3 "$PYCLIENT" raw "$PORT" "$1" 2>>"$WORK/py.err"; }
# first status code of a raw request
raw1() { raw "$1" | awk '{print $1}'; }

# ---------------------------------------------------------------------------------------------------
echo "# recd: $RECD_BIN"
echo "# temp: $TMP"
echo "# abortive sender: ${SEND_LOAD:-python3 (recd-send-load not built)}"
MiB=1048576
head -c 0 /dev/zero >"$SRC/s0"
head -c 1 /dev/urandom >"$SRC/s1"
head -c 1048583 /dev/urandom >"$SRC/s1m7"
head -c 268435456 /dev/urandom >"$SRC/s256m"
head -c $((2 * MiB + 5)) /dev/urandom >"$SRC/s2m"           # overwrite contents
head -c $((2 * MiB)) /dev/urandom >"$SRC/expect2m"          # Expect: 100-continue
head -c $((16 * MiB + 3)) /dev/urandom >"$SRC/resume"        # resume
head -c $((20 * MiB)) /dev/urandom >"$SRC/s20m"              # disconnect / recovery
head -c 4096 /dev/urandom >"$SRC/small"
for i in $(seq 0 7); do head -c $((32 * MiB + i)) /dev/urandom >"$SRC/c$i"; done
declare -A SUM
for f in "$SRC"/*; do SUM[$(basename "$f")]="$(sha "$f")"; done

if ! start_daemon; then
  notok "daemon starts and writes its port file within 10 s"
  finish; exit 1
fi
echo "# daemon pid $DPID, port $PORT"

declare -A EXPECT_SIZE EXPECT_STATE   # for the listing test

# --- 1. uploads with Content-Length and chunked ---------------------------------------------------
section "1. uploads with Content-Length and chunked"
for spec in s0:0 s1:1 s1m7:1048583 s256m:268435456; do
  src=${spec%%:*} size=${spec#*:}
  for mode in cl chunked; do
    name="up-$size-$mode"
    t_begin
    # Chunked bodies come from stdin: with -T FILE, curl 7.88 never sends the last-chunk of an empty
    # file (the daemon then rightly times the body out after 30 s with 408).
    if [ $mode = chunked ]; then c="$(put - "$name" -H 'Transfer-Encoding: chunked' <"$SRC/$src")"
    else c="$(put "$SRC/$src" "$name")"; fi
    want "status" "$c" 201
    want "stored sha256" "$(sha "$STORE/$name" 2>/dev/null)" "${SUM[$src]}"
    want "GET sha256" "$(get_sha "$name")" "${SUM[$src]}"
    want "manifest state" "$(mf "$name" state)" complete
    want "manifest committedLength" "$(mf "$name" committedLength)" "$size"
    h="$(head_of "$name")"
    want "HEAD" "$(echo "$h" | status_of) $(echo "$h" | header Content-Length) $(echo "$h" | header Recd-State) $(echo "$h" | header Recd-Committed-Length)" "200 $size complete $size"
    t_end "PUT $size bytes ($( [ $mode = chunked ] && echo chunked || echo Content-Length )) -> 201, stored file and GET sha256 exact, manifest and HEAD complete/$size"
    EXPECT_SIZE[$name]=$size EXPECT_STATE[$name]=complete
  done
done

# --- 2. overwrite ---------------------------------------------------------------------------------
section "2. overwrite"
name=up-1048583-cl
t_begin
want "status" "$(put "$SRC/s2m" "$name")" 409
want "stored sha256" "$(sha "$STORE/$name")" "${SUM[s1m7]}"
want "manifest state" "$(mf "$name" state)" complete
want "manifest committedLength" "$(mf "$name" committedLength)" 1048583
t_end "PUT to an existing name -> 409, file and manifest unchanged"

name=up-1-cl
t_begin
want "status" "$(code -T "$SRC/s2m" "$(url "/recordings/$name?overwrite=1")")" 204
want "stored sha256" "$(sha "$STORE/$name")" "${SUM[s2m]}"
want "GET sha256" "$(get_sha "$name")" "${SUM[s2m]}"
want "manifest state" "$(mf "$name" state)" complete
want "manifest committedLength" "$(mf "$name" committedLength)" $((2 * MiB + 5))
t_end "PUT ?overwrite=1 -> 204, new contents exact (1 byte replaced by 2 MiB + 5)"
EXPECT_SIZE[$name]=$((2 * MiB + 5))

# --- 3. resume ------------------------------------------------------------------------------------
section "3. resume"
name=resume-16m3
size=$((16 * MiB + 3)) half=$(((16 * MiB + 3) / 2))
t_begin
out="$(abort_upload "$name" "$SRC/resume" "$half")"
want "client" "$out" "sent $half"
h="$(wait_state "$name" interrupted 5)"
want "HEAD status" "$(echo "$h" | status_of)" 200
want "Recd-State" "$(echo "$h" | header Recd-State)" interrupted
L="$(echo "$h" | header Recd-Committed-Length)"
want "HEAD Content-Length" "$(echo "$h" | header Content-Length)" "$L"
if ! [[ "$L" =~ ^[0-9]+$ ]] || [ "$L" -le 0 ] || [ "$L" -gt "$half" ]; then fail_why "committed length '$L' not in 1..$half"; L=0; fi
[ "$L" -gt 0 ] && ! cmp -s -n "$L" "$SRC/resume" "$STORE/$name" && fail_why "stored prefix differs from the source"
echo "# interrupted after $half of $size bytes sent: committed $L"
t_end "upload cut off after half its body -> HEAD 200, Recd-State interrupted, 0 < Recd-Committed-Length = Content-Length <= half, prefix exact"

if [ "$L" -gt 1 ]; then
  t_begin
  tail -c +"$L" "$SRC/resume" >"$WORK/resume-wrong"   # starts one byte early
  c="$(curl -sS --max-time 60 -T "$WORK/resume-wrong" -H "Content-Range: bytes $((L - 1))-$((size - 1))/*" \
        -o /dev/null -D "$WORK/h416" -w '%{http_code}' "$(url "/recordings/$name")" 2>>"$WORK/curl.err")"
  want "status" "$c" 416
  want "Recd-Committed-Length" "$(tr -d '\r' <"$WORK/h416" | header Recd-Committed-Length)" "$L"
  want "Content-Range" "$(tr -d '\r' <"$WORK/h416" | header Content-Range)" "bytes */$L"
  h="$(head_of "$name")"
  want "Recd-State after refusal" "$(echo "$h" | header Recd-State)" interrupted
  want "Recd-Committed-Length after refusal" "$(echo "$h" | header Recd-Committed-Length)" "$L"
  t_end "resume at a wrong offset (committed - 1) -> 416 with Recd-Committed-Length and Content-Range: bytes */L, recording untouched"

  t_begin
  tail -c +$((L + 1)) "$SRC/resume" >"$WORK/resume-tail"
  c="$(code -T "$WORK/resume-tail" -H "Content-Range: bytes $L-$((size - 1))/*" "$(url "/recordings/$name")")"
  want "status" "$c" 204
  want "stored sha256" "$(sha "$STORE/$name")" "${SUM[resume]}"
  want "GET sha256" "$(get_sha "$name")" "${SUM[resume]}"
  want "manifest state" "$(mf "$name" state)" complete
  want "manifest committedLength" "$(mf "$name" committedLength)" "$size"
  t_end "resume at the committed length (Content-Range: bytes L-END/*) -> 204, whole file sha256 exact, complete"
else
  notok "resume at a wrong offset -> 416 (skipped: no usable committed length)"
  notok "resume at the committed length -> 204 (skipped: no usable committed length)"
fi
EXPECT_SIZE[$name]=$size EXPECT_STATE[$name]=complete

# the same with a chunked resume body (no Content-Length to check the range against)
name=resume-chunked size=$((20 * MiB))
t_begin
out="$(python3 "$PYCLIENT" upload "$PORT" "/recordings/$name" "$SRC/s20m" "$size" $((3 * MiB + 1)) fin 2>&1)"
want "client" "$out" "sent $((3 * MiB + 1))"
h="$(wait_state "$name" interrupted 5)"
want "Recd-State" "$(echo "$h" | header Recd-State)" interrupted
L="$(echo "$h" | header Recd-Committed-Length)"
want "Recd-Committed-Length" "$L" $((3 * MiB + 1))
if [[ "$L" =~ ^[0-9]+$ ]]; then
  c="$(tail -c +$((L + 1)) "$SRC/s20m" | code -T - -H 'Transfer-Encoding: chunked' -H "Content-Range: bytes $L-$((size - 1))/*" "$(url "/recordings/$name")")"
  want "resume status" "$c" 204
fi
want "stored sha256" "$(sha "$STORE/$name")" "${SUM[s20m]}"
want "manifest state" "$(mf "$name" state)" complete
want "manifest committedLength" "$(mf "$name" committedLength)" "$size"
t_end "clean close after 3 MiB + 1, then resume with a chunked body at the committed length -> 204, whole 20 MiB exact"
EXPECT_SIZE[$name]=$size EXPECT_STATE[$name]=complete

# --- 4. concurrent uploads ------------------------------------------------------------------------
section "4. concurrent uploads"
pids=()
for i in $(seq 0 7); do
  code -T "$SRC/c$i" "$(url "/recordings/conc-$i")" >"$WORK/conc-$i.code" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for i in $(seq 0 7); do
  t_begin
  want "status" "$(cat "$WORK/conc-$i.code")" 201
  want "stored sha256" "$(sha "$STORE/conc-$i" 2>/dev/null)" "${SUM[c$i]}"
  want "manifest state" "$(mf "conc-$i" state)" complete
  want "manifest committedLength" "$(mf "conc-$i" committedLength)" $((32 * MiB + i))
  t_end "concurrent upload $((i + 1))/8 ($((32 * MiB + i)) bytes) -> 201, sha256 exact"
  EXPECT_SIZE[conc-$i]=$((32 * MiB + i)) EXPECT_STATE[conc-$i]=complete
done

# --- 5. keep-alive and Expect: 100-continue -------------------------------------------------------
section "5. keep-alive and Expect: 100-continue"
t_begin
out="$(curl -sS --max-time 30 -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
        "$(url /recordings/up-1048583-cl)" "$(url /recordings)" 2>>"$WORK/curl.err" | tr '\n' ' ')"
want "two GETs in one curl (status connects)" "$out" "200 1 200 0 "
t_end "keep-alive: two GETs in one curl invocation reuse one connection"

t_begin
out="$(curl -sS --max-time 30 -T "$SRC/small" -o /dev/null -w '%{http_code} %{num_connects}\n' "$(url /recordings/keepalive-put)" \
        --next -sS --max-time 30 -o "$WORK/ka-get" -w '%{http_code} %{num_connects}\n' "$(url /recordings/keepalive-put)" \
        2>>"$WORK/curl.err" | tr '\n' ' ')"
want "PUT then GET (status connects)" "$out" "201 1 200 0 "
want "GET sha256" "$(sha "$WORK/ka-get")" "${SUM[small]}"
t_end "keep-alive: PUT then GET on the same connection, body exact"
EXPECT_SIZE[keepalive-put]=4096 EXPECT_STATE[keepalive-put]=complete

t_begin
out="$(raw $'HEAD /recordings/up-1-chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /recordings/up-0-cl HTTP/1.1\r\nHost: x\r\n\r\nGET /recordings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')"
want "statuses of three pipelined requests" "$out" "200 200 200"
t_end "keep-alive: three pipelined requests on one raw connection -> three 200 responses"

t_begin
c="$(curl -sS -v --max-time 30 -T "$SRC/expect2m" -H 'Expect: 100-continue' -o /dev/null -w '%{http_code}' \
      "$(url /recordings/expect-2m)" 2>"$WORK/expect.err")"
want "status" "$c" 201
grep -q '^< HTTP/1.1 100 Continue' "$WORK/expect.err" || fail_why "no '100 Continue' interim response seen by curl"
want "stored sha256" "$(sha "$STORE/expect-2m")" "${SUM[expect2m]}"
want "GET sha256" "$(get_sha expect-2m)" "${SUM[expect2m]}"
t_end "Expect: 100-continue on a 2 MiB upload -> 100 Continue, then 201, exact"
EXPECT_SIZE[expect-2m]=$((2 * MiB)) EXPECT_STATE[expect-2m]=complete

# --- 6. range GETs --------------------------------------------------------------------------------
section "6. range GETs"
name=up-1048583-chunked size=1048583
range_test() { # range_test RANGE STATUS CONTENT-RANGE EXPECTED-BODY-FILE
  t_begin
  local c
  c="$(curl -sS --max-time 30 -H "Range: $1" -o "$WORK/range.out" -D "$WORK/range.h" -w '%{http_code}' \
        "$(url "/recordings/$name")" 2>>"$WORK/curl.err")"
  want "status" "$c" "$2"
  want "Content-Range" "$(tr -d '\r' <"$WORK/range.h" | header Content-Range)" "$3"
  if [ -n "$4" ]; then
    cmp -s "$WORK/range.out" "$4" || fail_why "body ($(fsize "$WORK/range.out") bytes) differs from the source slice ($(fsize "$4") bytes)"
  fi
  t_end "GET Range: $1 -> $2, Content-Range: $3${4:+, body equals the source slice}"
}
head -c 10 "$SRC/s1m7" >"$WORK/slice-a"
tail -c +101 "$SRC/s1m7" >"$WORK/slice-b"
tail -c 5 "$SRC/s1m7" >"$WORK/slice-c"
dd if="$SRC/s1m7" of="$WORK/slice-d" bs=1 skip=500000 count=1000 status=none
tail -c 3 "$SRC/s1m7" >"$WORK/slice-e"
range_test "bytes=0-9" 206 "bytes 0-9/$size" "$WORK/slice-a"
range_test "bytes=100-" 206 "bytes 100-$((size - 1))/$size" "$WORK/slice-b"
range_test "bytes=-5" 206 "bytes $((size - 5))-$((size - 1))/$size" "$WORK/slice-c"
range_test "bytes=500000-500999" 206 "bytes 500000-500999/$size" "$WORK/slice-d"
range_test "bytes=$((size - 3))-99999999" 206 "bytes $((size - 3))-$((size - 1))/$size" "$WORK/slice-e"
range_test "bytes=$size-" 416 "bytes */$size" ""
range_test "bytes=$((size + 1000))-$((size + 2000))" 416 "bytes */$size" ""

# --- 7. listing -----------------------------------------------------------------------------------
section "7. listing"
list_check() { # list_check: compares GET /recordings with EXPECT_SIZE/EXPECT_STATE; prints problems
  curl -sS --max-time 30 -o "$WORK/list.json" -D "$WORK/list.h" "$(url /recordings)" 2>>"$WORK/curl.err"
  local args=() n
  for n in "${!EXPECT_SIZE[@]}"; do args+=("$n=${EXPECT_SIZE[$n]}=${EXPECT_STATE[$n]:-complete}"); done
  python3 - "$WORK/list.json" "${args[@]}" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"listing is not JSON: {e}"); sys.exit()
if not isinstance(data, list):
    print("listing is not a JSON array"); sys.exit()
by = {}
for e in data:
    for k in ("name", "size", "state", "created", "updated"):
        if k not in e: print(f"entry {e.get('name')} lacks '{k}'")
    extra = set(e) - {"name", "size", "state", "created", "updated", "writePath", "client", "reason"}
    if extra: print(f"entry {e.get('name')} has unexpected keys {sorted(extra)}")
    if e.get("name") in by: print(f"{e.get('name')} listed twice")
    by[e.get("name")] = e
for a in sys.argv[2:]:
    name, size, state = a.split("=")
    e = by.get(name)
    if e is None: print(f"{name} not listed"); continue
    if e.get("size") != int(size): print(f"{name}: size {e.get('size')}, want {size}")
    if e.get("state") != state: print(f"{name}: state {e.get('state')}, want {state}")
PY
}
t_begin
problems="$(list_check)"
want "Content-Type" "$(tr -d '\r' <"$WORK/list.h" | header Content-Type)" application/json
[ -z "$problems" ] || while IFS= read -r l; do fail_why "$l"; done <<<"$problems"
t_end "GET /recordings -> JSON array listing all ${#EXPECT_SIZE[@]} recordings with the right size and state"

# --- 8. DELETE ------------------------------------------------------------------------------------
section "8. DELETE"
name=up-1-chunked
t_begin
want "DELETE status" "$(code -X DELETE "$(url "/recordings/$name")")" 204
want "HEAD status after delete" "$(code -I "$(url "/recordings/$name")")" 404
want "GET status after delete" "$(code "$(url "/recordings/$name")")" 404
[ -e "$STORE/$name" ] && fail_why "data file still exists"
[ -e "$STORE/.$name.manifest" ] && fail_why "manifest still exists"
[ -n "$(find "$STORE" -name "*$name*" -print -quit)" ] && fail_why "leftover: $(find "$STORE" -name "*$name*" | tr '\n' ' ')"
t_end "DELETE -> 204, then HEAD/GET 404, data file and manifest gone"
unset "EXPECT_SIZE[$name]" "EXPECT_STATE[$name]"

t_begin
want "DELETE again" "$(code -X DELETE "$(url "/recordings/$name")")" 404
want "DELETE never-existing" "$(code -X DELETE "$(url /recordings/no-such-recording)")" 404
t_end "DELETE of a missing recording -> 404"

name=busy-delete
t_begin
python3 "$PYCLIENT" upload "$PORT" "/recordings/$name" "$SRC/s2m" $((2 * MiB + 5)) $((2 * MiB + 5)) response 65536 2 \
  >"$WORK/busy.out" 2>&1 &
bp=$!
wait_line "$WORK/busy.out" '^paused' 10 || fail_why "slow client did not start"
want "Recd-State while writing" "$(head_of "$name" | header Recd-State)" recording
want "DELETE while being written" "$(code -X DELETE "$(url "/recordings/$name")")" 409
wait "$bp"
want "upload status" "$(grep '^status' "$WORK/busy.out" | awk '{print $2}')" 201
want "stored sha256" "$(sha "$STORE/$name" 2>/dev/null)" "${SUM[s2m]}"
want "manifest state" "$(mf "$name" state)" complete
t_end "DELETE while the recording is being written -> 409, the upload still completes exact"
EXPECT_SIZE[$name]=$((2 * MiB + 5)) EXPECT_STATE[$name]=complete

# --- 9. bad input ---------------------------------------------------------------------------------
section "9. bad input"
bad() { # bad DESCRIPTION EXPECTED ACTUAL
  t_begin; want "status" "$3" "$2"; t_end "$1 -> $2"
}
long="$(printf 'n%.0s' $(seq 1 200))"
bad "curl PUT /recordings/..%2fx" 400 "$(code -T "$SRC/small" "$(url '/recordings/..%2fx')")"
bad "curl GET /recordings/..%2fx" 400 "$(code "$(url '/recordings/..%2fx')")"
bad "curl PUT /recordings/%2e%2e" 400 "$(code -T "$SRC/small" "$(url '/recordings/%2e%2e')")"
bad "raw GET /recordings/%2e%2e" 400 "$(raw1 $'GET /recordings/%2e%2e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')"
bad "curl PUT /recordings/ + 200-character name" 400 "$(code -T "$SRC/small" "$(url "/recordings/$long")")"
bad "curl PUT /recordings/a%20b" 400 "$(code -T "$SRC/small" "$(url '/recordings/a%20b')")"
bad "curl --path-as-is PUT /recordings/../x" 400 "$(code --path-as-is -T "$SRC/small" "$(url '/recordings/../x')")"
bad "raw PUT /recordings/../x" 400 "$(raw1 $'PUT /recordings/../x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc')"
bad "raw PUT /recordings/.hidden" 400 "$(raw1 $'PUT /recordings/.hidden HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc')"
bad "raw PUT /recordings/a/b" 400 "$(raw1 $'PUT /recordings/a/b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc')"
bad "curl -X BREW /recordings/x" 501 "$(code -X BREW "$(url /recordings/x)")"
bad "curl -X POST /recordings/x" 405 "$(code -X POST "$(url /recordings/x)")"
bad "raw PUT with Content-Length: -5" 400 "$(raw1 $'PUT /recordings/neg HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nabc')"
bad "raw PUT with Content-Length: 99999999999999999999" 400 \
  "$(raw1 $'PUT /recordings/huge HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\nabc')"
bad "raw PUT chunked with chunk size 'zz'" 400 \
  "$(raw1 $'PUT /recordings/badchunk HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n')"

t_begin
want "daemon alive" "$(alive && echo yes || echo no)" yes
want "status" "$(put "$SRC/s1m7" after-bad-input)" 201
want "stored sha256" "$(sha "$STORE/after-bad-input" 2>/dev/null)" "${SUM[s1m7]}"
want "GET sha256" "$(get_sha after-bad-input)" "${SUM[s1m7]}"
t_end "after the bad requests the daemon still serves: a 1 MiB + 7 upload is exact"
EXPECT_SIZE[after-bad-input]=1048583 EXPECT_STATE[after-bad-input]=complete

outside_check() { # prints every file the daemon may have made outside STORE, or a bad name inside it
  find "$RUN" -mindepth 1 -printf 'in the daemon cwd: %P\n'
  # store.state (learned costs) and store.run (control socket) are the daemon's own folders beside the root, by design
  find "$TMP" -mindepth 1 -maxdepth 1 ! -name src ! -name store ! -name store.state ! -name store.run ! -name cwd ! -name logs ! -name work ! -name port \
    -printf 'next to the store: %P\n'
  # /tmp/x is what "/recordings/../../x" would reach from a store in /tmp. It may pre-exist as a
  # folder (a clean clone lives there by habit): only a file that was not there at the start counts.
  [ -z "$TMP_X_BEFORE" ] && [ -f /tmp/x ] && echo "/tmp/x appeared"
  find "$STORE" -mindepth 1 \( -type d -o ! -regex '.*/\([A-Za-z0-9_-][A-Za-z0-9._-]*\|\.[A-Za-z0-9_-][A-Za-z0-9._-]*\.manifest\)' \) \
    -printf 'odd entry in the store: %P\n'
  for n in neg huge x ..x; do [ -e "$STORE/$n" ] && echo "store holds '$n'"; done
}
t_begin
problems="$(outside_check)"
[ -z "$problems" ] || while IFS= read -r l; do fail_why "$l"; done <<<"$problems"
t_end "nothing appears outside STORE (daemon cwd still empty, no traversal target), store holds only NAME and .NAME.manifest"

# --- 10. client disconnect mid-body ---------------------------------------------------------------
section "10. client disconnect mid-body"
disconnect_test() { # disconnect_test NAME END(rst|fin) SEND
  local name=$1 end=$2 send=$3 out h c
  if [ "$end" = rst ]; then out="$(abort_upload "$name" "$SRC/s20m" "$send")"
  else out="$(python3 "$PYCLIENT" upload "$PORT" "/recordings/$name" "$SRC/s20m" $((20 * MiB)) "$send" "$end" 2>&1)"; fi
  want "client" "$out" "sent $send"
  h="$(wait_state "$name" interrupted 5)"
  want "Recd-State" "$(echo "$h" | header Recd-State)" interrupted
  want "manifest state" "$(mf "$name" state)" interrupted
  c="$(mf "$name" committedLength)"
  want "HEAD Recd-Committed-Length" "$(echo "$h" | header Recd-Committed-Length)" "$c"
  echo "# $end after $send of $((20 * MiB)) bytes: committed $c"
  C_LEN=$c
}
name=disc-rst send=$((5 * MiB + 17))
t_begin
disconnect_test "$name" rst "$send"
if [[ "$C_LEN" =~ ^[0-9]+$ ]] && [ "$C_LEN" -le "$send" ]; then
  [ "$C_LEN" -eq "$send" ] || echo "# note: the reset lost $((send - C_LEN)) in-flight bytes"
  cmp -s -n "$C_LEN" "$SRC/s20m" "$STORE/$name" || fail_why "stored prefix differs from the source's first $C_LEN bytes"
  [ "$(fsize "$STORE/$name")" -ge "$C_LEN" ] || fail_why "data file shorter ($(fsize "$STORE/$name")) than committed $C_LEN"
else
  fail_why "committedLength '$C_LEN' is not <= $send"
fi
t_end "abortive close (RST) after 5 MiB + 17 of a declared 20 MiB -> interrupted, committedLength <= sent, committed prefix exact"
EXPECT_SIZE[$name]=$C_LEN EXPECT_STATE[$name]=interrupted

name=disc-rst-acked send=$((5 * MiB + 17))
t_begin
out="$(python3 "$PYCLIENT" upload "$PORT" "/recordings/$name" "$SRC/s20m" $((20 * MiB)) "$send" rst 2>&1)"
want "client" "$out" "sent $send"
h="$(wait_state "$name" interrupted 5)"
want "Recd-State" "$(echo "$h" | header Recd-State)" interrupted
want "manifest state" "$(mf "$name" state)" interrupted
want "manifest committedLength" "$(mf "$name" committedLength)" "$send"
cmp -s -n "$send" "$SRC/s20m" "$STORE/$name" || fail_why "stored prefix differs from the source"
t_end "abortive close (RST) once the daemon's kernel acknowledged all 5 MiB + 17 bytes -> interrupted, committedLength = 5 MiB + 17 exactly, prefix exact"
EXPECT_SIZE[$name]=$send EXPECT_STATE[$name]=interrupted

name=disc-fin send=$((5 * MiB + 17))
t_begin
disconnect_test "$name" fin "$send"
want "manifest committedLength" "$C_LEN" "$send"
cmp -s -n "$send" "$SRC/s20m" "$STORE/$name" || fail_why "stored prefix differs from the source"
t_end "clean close (FIN) after 5 MiB + 17 of a declared 20 MiB -> interrupted, committedLength = 5 MiB + 17 exactly, prefix exact"
EXPECT_SIZE[$name]=$C_LEN EXPECT_STATE[$name]=interrupted

t_begin
want "daemon alive" "$(alive && echo yes || echo no)" yes
want "status" "$(put "$SRC/s2m" after-disconnect)" 201
want "GET sha256" "$(get_sha after-disconnect)" "${SUM[s2m]}"
problems="$(list_check)"
[ -z "$problems" ] || while IFS= read -r l; do fail_why "$l"; done <<<"$problems"
t_end "after the disconnects the daemon still serves (upload exact) and lists them as interrupted with their committed size"
EXPECT_SIZE[after-disconnect]=$((2 * MiB + 5)) EXPECT_STATE[after-disconnect]=complete

# --- 11. restart recovery -------------------------------------------------------------------------
section "11. restart recovery"
# SIGKILL mid-body. The writer sends 1 MiB, pauses past the 5 s commit interval, sends 4 MiB more
# (so the daemon commits at a 4 MiB span boundary), then stalls: the data file then holds more than
# the manifest promises, and recovery must cut it back.
name=crash-kill
t_begin
python3 "$PYCLIENT" upload "$PORT" "/recordings/$name" "$SRC/s20m" $((20 * MiB)) $((5 * MiB)) hold $MiB 5.5 \
  >"$WORK/kill.out" 2>&1 &
kp=$!
wait_line "$WORK/kill.out" '^sent' 20 || fail_why "slow client did not send its 5 MiB"
sleep 0.3
want "Recd-State before the kill" "$(head_of "$name" | header Recd-State)" recording
echo "# before SIGKILL: data file $(fsize "$STORE/$name") bytes, manifest committed $(mf "$name" committedLength)"
stop_daemon KILL
kill "$kp" 2>/dev/null; wait "$kp" 2>/dev/null
want "manifest state on disk after SIGKILL" "$(mf "$name" state)" recording
if start_daemon; then
  echo "# restarted: pid $DPID, port $PORT"
  h="$(head_of "$name")"
  c="$(mf "$name" committedLength)"
  want "HEAD status" "$(echo "$h" | status_of)" 200
  want "Recd-State" "$(echo "$h" | header Recd-State)" interrupted
  want "manifest state" "$(mf "$name" state)" interrupted
  want "data file length" "$(fsize "$STORE/$name")" "$c"
  want "HEAD Recd-Committed-Length" "$(echo "$h" | header Recd-Committed-Length)" "$c"
  cmp -s -n "$c" "$SRC/s20m" "$STORE/$name" || fail_why "stored bytes differ from the source's first $c"
  [ "$c" -le $((5 * MiB)) ] 2>/dev/null || fail_why "committed $c > 5 MiB sent"
  echo "# after recovery: data file $(fsize "$STORE/$name") bytes, committed $c"
  EXPECT_SIZE[$name]=$c EXPECT_STATE[$name]=interrupted
else
  fail_why "daemon did not restart on the same storage"
fi
t_end "SIGKILL mid-body, restart on the same storage -> listed interrupted, data file length = committedLength, bytes = source prefix"

t_begin
if alive; then
  problems="$(list_check)"
  [ -z "$problems" ] || while IFS= read -r l; do fail_why "$l"; done <<<"$problems"
  want "GET sha256 of the 256 MiB recording" "$(get_sha up-268435456-cl)" "${SUM[s256m]}"
  want "GET sha256 of the resumed recording" "$(get_sha resume-16m3)" "${SUM[resume]}"
else
  fail_why "no daemon"
fi
t_end "after the restart every earlier recording is listed with its size and state, contents exact"

name=crash-term
t_begin
if alive; then
  python3 "$PYCLIENT" upload "$PORT" "/recordings/$name" "$SRC/s20m" $((20 * MiB)) $MiB hold >"$WORK/term.out" 2>&1 &
  tp=$!
  wait_line "$WORK/term.out" '^sent' 10 || fail_why "slow client did not send its 1 MiB"
  sleep 0.3
  want "Recd-State before SIGTERM" "$(head_of "$name" | header Recd-State)" recording
  stop_daemon TERM
  want "daemon exit status after SIGTERM" "$DAEMON_RC" 0
  kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
  c="$(mf "$name" committedLength)"
  want "manifest state after SIGTERM" "$(mf "$name" state)" interrupted
  want "manifest committedLength" "$c" $MiB
  want "data file length" "$(fsize "$STORE/$name")" "$c"
  [[ "$c" =~ ^[0-9]+$ ]] && { cmp -s -n "$c" "$SRC/s20m" "$STORE/$name" || fail_why "stored bytes differ from the source prefix"; }
else
  fail_why "no daemon"
fi
t_end "SIGTERM during an active upload -> daemon exits 0, manifest interrupted (not recording), committedLength = 1 MiB received, prefix exact"

t_begin
problems="$(outside_check)"
[ -z "$problems" ] || while IFS= read -r l; do fail_why "$l"; done <<<"$problems"
t_end "at the end nothing exists outside STORE and the daemon cwd is still empty"

echo "# runtime $(( $(date +%s) - T_START )) s"
finish
