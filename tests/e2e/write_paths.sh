#!/usr/bin/env bash
# Every write path x {ext4, tmpfs} x odd sizes x {Content-Length, chunked}, through the published
# NativeAOT daemon with curl as the client: sha256 of the stored file and of a GET must equal the
# source, and the manifest must show the chosen path really moved bytes (a test that cannot tell
# which path ran proves little).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

work_ext4="$(mktemp -d /tmp/recd-wp.XXXXXX)"
work_tmpfs="$(mktemp -d /dev/shm/recd-wp.XXXXXX)"
pid=""
cleanup() {
  stop_daemon
  kill_started
  rm -rf "$work_ext4" "$work_tmpfs"
}
trap cleanup EXIT

src="$work_ext4/src"
mkdir -p "$src"
sizes=(1 4095 4096 65537 1048583 67108877)
for n in "${sizes[@]}"; do head -c "$n" /dev/urandom >"$src/$n"; done

for fs in ext4 tmpfs; do
  dir="$work_ext4"; [ "$fs" = tmpfs ] && dir="$work_tmpfs"
  # Not in $(...): a daemon started in that subshell is out of reach of stop_daemon (its PID never
  # came back), which left two daemons running after every run.
  start_daemon "$dir" "$dir/store" --Storage:CommitIntervalBytes 16777216
  [ -n "$port" ] || { notok "$fs: daemon did not start"; cat "$dir/daemon.log"; stop_daemon; continue; }
  # Every path x odd size x framing; a path must move the bytes itself (no fallback on ext4 or tmpfs).
  check_put_matrix "$fs" "$dir/store" "$src/" none "${sizes[@]}"
  # auto: the selector must visit more than one path (probing) and the recording stay exact.
  head -c 268435459 /dev/urandom >"$dir/auto-src"
  for framing in length chunked; do
    name="auto-$framing.ts"
    if [ "$framing" = chunked ]; then
      code="$(curl -sS -o /dev/null -w '%{http_code}' -T - -H 'Transfer-Encoding: chunked' "$base/$name?path=auto" <"$dir/auto-src")"
    else
      code="$(curl -sS -o /dev/null -w '%{http_code}' -T "$dir/auto-src" "$base/$name?path=auto")"
    fi
    m="$dir/store/.$name.manifest"
    visited="$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join(sorted(k for k,v in (m.get("bytesByPath") or {}).items() if k!="memory" and v>0)))' "$m")"
    policy="$(manifest_value "$m" policy)"
    decision="$(manifest_value "$m" decision)"
    # The first auto recording on a mount has no learned costs and must probe (visit 2+ paths); the
    # second starts from what the first learned and may stay on one path.
    want_paths=2; [ "$framing" = chunked ] && want_paths=1
    if [ "$code" = 201 ] && cmp -s "$dir/auto-src" "$dir/store/$name" && [ "$policy" = auto ] && [ "$(wc -w <<<"$visited")" -ge "$want_paths" ]; then
      ok "$fs auto $framing 256 MiB+3: exact; visited $visited; decision: $decision"
    else
      notok "$fs auto $framing: code=$code policy=$policy visited='$visited'"
    fi
  done
  rm -f "$dir/auto-src"
  stop_daemon
done

finish
