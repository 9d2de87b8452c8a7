#!/usr/bin/env bash
# The control socket: mode 0600, "recd ctl" answers status and recordings from a running daemon,
# shows an active recording while it is being written, and keeps answering while one is in progress.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tmp="$(mktemp -d /tmp/recd-ctl.XXXXXX)"
pid=""
cleanup() { stop_daemon; kill_started; rm -rf "$tmp"; }
trap cleanup EXIT
start_daemon "$tmp" "$tmp/store"
sock="$tmp/store.run/control.sock"
ctl() { "$BIN" ctl --board-dir "$ROOT/board" --storage "$tmp/store" "$@"; }

[ -S "$sock" ] && [ "$(stat -c %a "$sock")" = 600 ] && ok "control socket $sock exists with mode 0600" || notok "control socket: $(stat -c '%F %a' "$sock" 2>&1)"
out="$(ctl status)"
grep -q "^recd up" <<<"$out" && grep -q "storage $tmp/store" <<<"$out" && ok "recd ctl status: $(head -n 1 <<<"$out")" || notok "status: $out"

SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
"$SEND" --connect "127.0.0.1:$port" --bytes 8000000 --write 200000 --delay-us 100000 --http-put "/recordings/live.ts" >/dev/null 2>&1 &
up=$!
sleep 1
out="$(ctl status)"
grep -q "active recordings 1" <<<"$out" && grep -q "live.ts" <<<"$out" && ok "status while recording shows live.ts as active" || notok "status during upload: $out"
wait "$up"
out="$(ctl recordings)"
grep -qE "^live.ts +8000000 complete" <<<"$out" && ok "recd ctl recordings: $(head -n 1 <<<"$out")" || notok "recordings: $out"
out="$(ctl frobnicate)"
grep -q "unknown command" <<<"$out" && ok "unknown command is answered, not dropped" || notok "unknown: $out"
out="$("$BIN" ctl --socket "$tmp/nope.sock" status 2>&1)"
grep -q "cannot reach the daemon" <<<"$out" && ok "no daemon: a clear error ($out)" || notok "no daemon: $out"
stop_daemon
[ ! -e "$sock" ] && ok "socket removed on clean shutdown" || notok "socket left behind"
finish
