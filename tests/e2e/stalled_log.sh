#!/usr/bin/env bash
# The daemon's stderr on a FIFO that is held open but never read, as a wedged journald or a
# serial console with flow control off would leave it: the 64 KiB pipe fills within ~360 PUTs (two
# lines each). Logging must not block the data path: 1000 small PUTs are all answered 201 within
# BOUND_S, "recd ctl status" counts the dropped lines, and SIGTERM still stops the daemon within
# 15 s (the shutdown flush of the log is bounded). Before the log had its own writer thread, every
# connection thread blocked in the log once the pipe was full and no answer came after that.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
PUTS=1000
BOUND_S=60   # measured ~10 s on the 2 shared cores; the blocked log never answers at all
BATCH=20     # PUTs per curl process, each on its own connection (the accept loop is under test too)

tmp="$(mktemp -d /tmp/recd-stalled-log.XXXXXX)"
fifo="$tmp/stderr.fifo"
pid="" holder=""
cleanup() {
  stop_daemon KILL
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
  kill_started
  rm -rf "$tmp"
}
trap cleanup EXIT

mkfifo "$fifo"
# Opened read-write, so the daemon's open for writing does not wait for a reader and its writes
# block once the pipe is full instead of failing with EPIPE; this process never reads.
sleep infinity <>"$fifo" &
holder=$!
sock="$tmp/ctl.sock"
"$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$tmp/port" --storage "$tmp/store" \
  --ControlSocket "$sock" >"$tmp/stdout.log" 2>"$fifo" &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port="$(cat "$tmp/port" 2>/dev/null)"
[ -n "$port" ] || { notok "daemon did not start"; finish; exit 1; }
base="http://127.0.0.1:$port/recordings"

head -c 300 /dev/urandom >"$tmp/src"
start_ns=$(date +%s%N)
: >"$tmp/codes"
for ((first = 0; first < PUTS; first += BATCH)); do
  args=()
  for ((i = first; i < first + BATCH && i < PUTS; i++)); do
    args+=(-T "$tmp/src" -o /dev/null "$base/small-$i.ts")
  done
  # -m: a daemon stuck in its log would otherwise hang this script; the failure must be a count.
  curl -sS -m 10 -H 'Connection: close' -w '%{http_code}\n' "${args[@]}" >>"$tmp/codes" 2>>"$tmp/curl.err"
done
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
answered="$(grep -c '^201$' "$tmp/codes")"
echo "# $PUTS PUTs of 300 bytes with stderr stalled: $answered answered 201 in $elapsed_ms ms"
if [ "$answered" -eq "$PUTS" ] && [ "$elapsed_ms" -le $((BOUND_S * 1000)) ]; then
  ok "$PUTS small PUTs with stderr on an unread FIFO: all 201 in $elapsed_ms ms (bound ${BOUND_S} s)"
else
  notok "stalled stderr: $answered of $PUTS answered 201 in $elapsed_ms ms; codes: $(sort "$tmp/codes" | uniq -c | tr '\n' ' ') $(head -n 2 "$tmp/curl.err")"
fi

status="$("$BIN" ctl --socket "$sock" status 2>&1)"
dropped="$(sed -nE 's/^log lines dropped ([0-9]+).*/\1/p' <<<"$status")"
if [ "${dropped:-0}" -gt 0 ]; then
  ok "recd ctl status counts the lines stderr did not take: $(grep '^log lines dropped' <<<"$status")"
else
  notok "status shows no dropped log lines: $status"
fi

t0=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  notok "SIGTERM with stderr still stalled: daemon still running after 15 s"
else
  wait "$pid"; rc=$?
  pid=""
  stop_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$rc" -eq 0 ] && ok "SIGTERM with stderr still stalled: exited 0 in $stop_ms ms (bound 15 s)" || notok "SIGTERM: exit code $rc after $stop_ms ms"
fi

# What reached the pipe before it filled is intact, line by line.
timeout 2 cat "$fifo" >"$tmp/stderr.out" 2>/dev/null
# The start-up lines come first (how the board was chosen, then the profile), each one whole.
first_line="$(head -n 1 "$tmp/stderr.out")"
if head -n 3 "$tmp/stderr.out" | grep -q ' info  profile ' &&
   ! grep -vqE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (debug|info |warn |error) ' "$tmp/stderr.out"; then
  ok "the lines the pipe took are intact ($(wc -l <"$tmp/stderr.out") lines, $(wc -c <"$tmp/stderr.out") bytes)"
else
  notok "pipe contents: $first_line"
fi
finish
