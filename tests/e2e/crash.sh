#!/usr/bin/env bash
# Power-loss shape: kill -9 the daemon at a random moment during 8 concurrent uploads, restart it,
# and check every recording: listed, state interrupted (or complete), data length == committed
# length, the committed bytes equal exactly what was sent (sha256 of the sender's pattern prefix),
# and no orphans (data without manifest, manifest without data, temp manifests). Repeated.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
ROUNDS="${RECD_CRASH_ROUNDS:-6}"
SIZE=$((48 << 20))

tmp="$(mktemp -d /tmp/recd-crash.XXXXXX)"
pid=""
cleanup() { stop_daemon KILL; kill_started; rm -rf "$tmp"; }
trap cleanup EXIT

start() { start_daemon "$tmp" "$tmp/store" --Storage:CommitIntervalBytes 4194304 --Storage:CommitIntervalMs 200; }

declare -A seed_of
for round in $(seq "$ROUNDS"); do
  start
  senders=()
  for i in $(seq 8); do
    name="r$round-$i.ts"
    seed=$((round * 100 + i))
    seed_of[$name]=$seed
    # --write 65536 with a small delay spreads each upload over about a second.
    "$SEND" --connect "127.0.0.1:$port" --bytes "$SIZE" --seed "$seed" --write 65536 --delay-us 1200 \
      --http-put "/recordings/$name" >/dev/null 2>&1 &
    senders+=($!)
  done
  sleep "0.$((RANDOM % 9 + 1))"
  stop_daemon KILL
  wait "${senders[@]}" 2>/dev/null
  start
  listing="$(curl -sS "http://127.0.0.1:$port/recordings")"
  bad=""
  committed_total=0
  for i in $(seq 8); do
    name="r$round-$i.ts"
    m="$tmp/store/.$name.manifest"
    if [ ! -f "$m" ]; then
      # Killed before the recording began (the manifest comes first): then there must be no data either.
      [ -e "$tmp/store/$name" ] && bad+=" $name:data-without-manifest"
      continue
    fi
    read -r state len < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["state"], m["committedLength"])' "$m")
    [ "$state" = interrupted ] || [ "$state" = complete ] || bad+=" $name:state=$state"
    [ "$(stat -c %s "$tmp/store/$name")" = "$len" ] || bad+=" $name:length$(stat -c %s "$tmp/store/$name")!=$len"
    want="$("$SEND" --emit "$len" --seed "${seed_of[$name]}" | sha256sum | cut -d' ' -f1)"
    got="$(sha256sum <"$tmp/store/$name" | cut -d' ' -f1)"
    [ "$want" = "$got" ] || bad+=" $name:content"
    grep -q "\"$name\"" <<<"$listing" || bad+=" $name:not-listed"
    committed_total=$((committed_total + len))
  done
  orphans="$(cd "$tmp/store" && for f in *; do [ -f "$f" ] && [ ! -f ".$f.manifest" ] && echo "$f"; done; ls -a | grep -E '\.tmp$|\.deleting$')"
  [ -n "$orphans" ] && bad+=" orphans:$orphans"
  if [ -z "$bad" ]; then
    ok "round $round: kill -9 mid-upload, restart: 8 recordings consistent, $committed_total committed bytes exact"
  else
    notok "round $round:$bad"
  fi
  stop_daemon
done
[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
finish
