#!/usr/bin/env bash
# Memory within budget: 16 concurrent uploads on the host profile must keep the daemon's peak RSS
# (VmHWM) at or below 32 MiB on every path (before the buffer budget: 71 MiB, one 4 MiB O_DIRECT
# buffer per stream plus fresh buffers for probes), and every upload exact.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-mem.XXXXXX)"
pid=""
cleanup() { stop_daemon; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
LIMIT_KIB=$((32 * 1024))
head -c $((32 << 20)) /dev/urandom >"$tmp/src"
want="$(sha256sum <"$tmp/src" | cut -d' ' -f1)"
kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

for path in direct buffered splice auto; do
  start_daemon "$tmp" "$tmp/store-$path"
  [ -n "$port" ] || { notok "$path: daemon did not start"; continue; }
  idle="$(kib "$pid" VmRSS)"
  cpids=()
  for i in $(seq 16); do
    curl -sS -o /dev/null -w '%{http_code}\n' -T "$tmp/src" "$base/m$i.ts?path=$path" >"$tmp/code-$path-$i" &
    cpids+=($!)
  done
  wait "${cpids[@]}"
  peak="$(kib "$pid" VmHWM)"
  codes="$(cat "$tmp"/code-"$path"-* | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
  bad=0
  for i in $(seq 16); do [ "$(sha256sum <"$tmp/store-$path/m$i.ts" | cut -d' ' -f1)" = "$want" ] || bad=$((bad + 1)); done
  if [ "$peak" -le "$LIMIT_KIB" ] && [ "$bad" = 0 ] && [ "$codes" = " 16 201 " ]; then
    ok "$path: 16 concurrent 32 MiB uploads, peak RSS $((peak / 1024)) MiB (limit 32, idle $((idle / 1024)) MiB), all exact"
  else
    notok "$path: peak RSS $((peak / 1024)) MiB (limit 32, idle $((idle / 1024)) MiB), codes:$codes, $bad inexact"
  fi
  stop_daemon
  rm -rf "$tmp/store-$path"
done
finish
