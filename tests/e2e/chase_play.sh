#!/usr/bin/env bash
# Chase play (GET /recordings/NAME?follow=1) against the published daemon, with its default 5 s
# commit interval:
#  - a live chunked push paced at ~4 Mbit/s (13160-byte pieces, ten TS packets, every 26 ms) and a
#    `curl -N ...?follow=1` started 1.5 s into it: the follower has bytes 2 s later while nothing is
#    committed yet, ends by itself after the push, and its bytes equal the recording's (sha256);
#  - a push cut off by a reset: the follower of the interrupted recording ends with the last chunk
#    (curl exit 0) holding exactly the committed bytes;
#  - HEAD with follow answers chunked headers only; a closed range with follow is 416;
#  - a follower of a stalled push leaves when the daemon stops (SIGTERM): the daemon exits in time
#    and curl sees an incomplete body (exit 18).
# Needs native/build/recd-send-load (make -C native). Stops everything it starts on success,
# failure and INT/TERM.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
if [ ! -x "$SEND" ]; then make -C "$ROOT/native" >/dev/null 2>&1 || true; fi
if [ ! -x "$SEND" ] || [ ! -x "$BIN" ]; then notok "recd-send-load and $BIN are built"; finish; exit 1; fi

tmp="$(mktemp -d /tmp/recd-chase.XXXXXX)"
pid=""
cleanup() {
  local p
  for p in $(jobs -p); do kill -KILL "$p" 2>/dev/null; done
  stop_daemon KILL
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

store="$tmp/store"
start_daemon "$tmp" "$store"
[ -n "$port" ] || { notok "daemon started"; finish; exit 1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1" 2>/dev/null || echo 0; }
header() { tr -d '\r' <"$1" | awk -v k="$(echo "$2" | tr 'A-Z' 'a-z')" -F': ' 'tolower($1) == k { v = $2 } END { print v }'; }
# push NAME BYTES [extra recd-send-load options]: paced chunked PUT in the background (sets spid)
push() {
  local name=$1 bytes=$2
  shift 2
  "$SEND" --connect "127.0.0.1:$port" --bytes "$bytes" --write 13160 --delay-us 26000 \
    --http-put "/recordings/$name" --chunked 13160 "$@" >"$tmp/$name.send" 2>&1 &
  spid=$!
}

# 1. live push, follower joins 1.5 s in
total=$((3500 * 1000))
push live.ts "$total"
sleep 1.5
curl -sS -N -D "$tmp/live.hdr" -o "$tmp/live.got" "$base/live.ts?follow=1" 2>"$tmp/live.curl" &
cpid=$!
sleep 2
early=$(size "$tmp/live.got")
committed_early=$(curl -sS -I "$base/live.ts" | tr -d '\r' | awk -F': ' 'tolower($1) == "recd-committed-length" { print $2 }')
wait "$spid"; send_rc=$?
cwait_start=$(date +%s%N)
wait "$cpid"; curl_rc=$?
lag_ms=$(( ($(date +%s%N) - cwait_start) / 1000000 ))
want="$("$SEND" --emit "$total" | sha256sum | cut -d' ' -f1)"
why=""
[ "$send_rc" = 0 ] || why+=" push-exit=$send_rc"
[ "$curl_rc" = 0 ] || why+=" curl-exit=$curl_rc($(cat "$tmp/live.curl"))"
[ "$early" -gt 0 ] || why+=" no-bytes-2s-after-joining"
[ "$committed_early" = 0 ] || why+=" committed-at-2s=$committed_early(expected 0: before the first commit)"
[ "$(header "$tmp/live.hdr" transfer-encoding)" = chunked ] || why+=" not-chunked"
[ "$(header "$tmp/live.hdr" recd-state)" = recording ] || why+=" state=$(header "$tmp/live.hdr" recd-state)"
[ "$(size "$tmp/live.got")" = "$total" ] || why+=" follower-got=$(size "$tmp/live.got")"
[ "$(sha "$tmp/live.got")" = "$want" ] || why+=" follower-sha"
[ "$(sha "$store/live.ts")" = "$want" ] || why+=" recording-sha"
[ "$lag_ms" -lt 2000 ] || why+=" follower-ended-${lag_ms}ms-after-the-push"
if [ -z "$why" ]; then ok "follower joining a 4 Mbit/s push 1.5 s in: $early bytes 2 s later with 0 committed, all $total bytes sha-exact, ended ${lag_ms} ms after the push"
else notok "follower of a live push:$why"; tail -5 "$tmp/daemon.log" | sed 's/^/#   /'; fi

# 2. a push reset mid-way: the follower ends with the recording, at its committed bytes
push cut.ts $((3000 * 1000)) --abort-after $((1200 * 1000))
sleep 1
curl -sS -N -o "$tmp/cut.got" "$base/cut.ts?follow=1" 2>"$tmp/cut.curl" &
cpid=$!
wait "$spid"
wait "$cpid"; curl_rc=$?
state=$(curl -sS -I "$base/cut.ts" | tr -d '\r' | awk -F': ' 'tolower($1) == "recd-state" { print $2 }')
why=""
[ "$state" = interrupted ] || why+=" state=$state"
[ "$curl_rc" = 0 ] || why+=" curl-exit=$curl_rc($(cat "$tmp/cut.curl"))"
[ "$(size "$tmp/cut.got")" -gt 0 ] || why+=" follower-got-nothing"
[ "$(size "$tmp/cut.got")" = "$(size "$store/cut.ts")" ] || why+=" follower-got=$(size "$tmp/cut.got")-file=$(size "$store/cut.ts")"
[ "$(sha "$tmp/cut.got")" = "$(sha "$store/cut.ts")" ] || why+=" sha"
[ "$("$SEND" --emit "$(size "$store/cut.ts")" | sha256sum | cut -d' ' -f1)" = "$(sha "$store/cut.ts")" ] || why+=" recording-not-the-sent-prefix"
if [ -z "$why" ]; then ok "follower of a push reset at 1.2 MB: ends with the last chunk, holding the $(size "$store/cut.ts") committed bytes of the interrupted recording"
else notok "follower of an interrupted recording:$why"; tail -5 "$tmp/daemon.log" | sed 's/^/#   /'; fi

# 3. HEAD and ranges
h=$(curl -sS -I "$base/live.ts?follow=1" | tr -d '\r')
r416=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Range: bytes=0-99' "$base/live.ts?follow=1")
from=$(curl -sS -H 'Range: bytes=1000000-' "$base/live.ts?follow=1" | sha256sum | cut -d' ' -f1)
want_from=$(tail -c +1000001 "$store/live.ts" | sha256sum | cut -d' ' -f1)
if grep -qi '^transfer-encoding: chunked' <<<"$h" && [ "$r416" = 416 ] && [ "$from" = "$want_from" ]; then
  ok "HEAD with follow: chunked headers only; bytes=0-99 with follow: 416; bytes=1000000- serves from there"
else notok "HEAD/ranges with follow: head=[$(tr '\n' ' ' <<<"$h")] closed-range=$r416 from-sha-match=$([ "$from" = "$want_from" ] && echo yes || echo no)"; fi

# 4. a follower of a stalled push when the daemon stops
"$SEND" --connect "127.0.0.1:$port" --bytes 1000000 --write 13160 --delay-us 3000000 \
  --http-put /recordings/stall.ts --chunked 13160 >/dev/null 2>&1 &
spid=$!
sleep 0.5
curl -sS -N -o "$tmp/stall.got" "$base/stall.ts?follow=1" 2>/dev/null &
cpid=$!
sleep 1
t0=$(date +%s%N)
stop_daemon TERM
wait "$cpid"; curl_rc=$?
stop_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
if [ "$curl_rc" = 18 ] && [ "$stop_ms" -lt 5000 ] && [ "$(size "$tmp/stall.got")" -gt 0 ]; then
  ok "SIGTERM with a follower waiting on a stalled push: daemon gone in $stop_ms ms, curl sees an incomplete body (exit 18) after $(size "$tmp/stall.got") bytes"
else notok "follower at daemon stop: curl exit $curl_rc (want 18), stop took $stop_ms ms, follower got $(size "$tmp/stall.got") bytes"; fi

finish
