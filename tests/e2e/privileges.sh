#!/usr/bin/env bash
# Started as root with RunAs, the daemon binds, recovers its storage, hands the tree to the service
# user and drops root: every uid of the process is the user's, recordings made before and after the
# drop are readable, writable and deletable, new files belong to the user.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
USER_NAME=recd-e2e

if [ "$(id -u)" -ne 0 ]; then
  echo "# not root: privilege drop not testable here"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
if ! id "$USER_NAME" >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin "$USER_NAME" 2>/dev/null ||
    { echo "# cannot create user $USER_NAME"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
fi
uid="$(id -u "$USER_NAME")"

tmp="$(mktemp -d /tmp/recd-priv.XXXXXX)"
chmod 755 "$tmp"
pid=""
cleanup() { stop_daemon; kill_started; rm -rf "$tmp"; }
trap cleanup EXIT
start() { start_daemon "$tmp" "$tmp/store" "$@"; }
stop() { stop_daemon; }
head -c 300007 /dev/urandom >"$tmp/src"

start   # as root: a recording owned by root
curl -sS -o /dev/null -T "$tmp/src" "$base/before.ts"
stop

start --run-as "$USER_NAME"
sleep 0.2
uids="$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")"
gids="$(awk '/^Groups:/ {print $2}' "/proc/$pid/status")"
[ "$uids" = "$uid $uid $uid $uid" ] && [ -z "$gids" ] &&
  ok "real, effective, saved and fs uid are $USER_NAME's ($uid), no supplementary groups" || notok "uids '$uids' groups '$gids'"
sock="$tmp/store.run/control.sock"
[ "$(stat -c '%U %a' "$sock" 2>/dev/null)" = "$USER_NAME 600" ] &&
  ok "control socket owned by $USER_NAME, mode 0600" || notok "control socket: $(stat -c '%U %a' "$sock" 2>&1)"
c="$(curl -sS -o /dev/null -w '%{http_code}' -T "$tmp/src" "$base/after.ts")"
owner="$(stat -c %U "$tmp/store/after.ts" 2>/dev/null)"
[ "$c" = 201 ] && [ "$owner" = "$USER_NAME" ] && cmp -s "$tmp/src" "$tmp/store/after.ts" &&
  ok "recording after the drop: 201, exact, owned by $owner" || notok "after the drop: $c owner $owner"
g="$(curl -sS "$base/before.ts" | sha256sum | cut -d' ' -f1)"
d="$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$base/before.ts")"
[ "$g" = "$(sha256sum <"$tmp/src" | cut -d' ' -f1)" ] && [ "$d" = 204 ] &&
  ok "a recording made as root before is served exact and deletable after the drop" || notok "root-made recording: delete $d"
stop

if "$BIN" run --board-dir "$ROOT/board" --port 0 --storage "$tmp/store2" --run-as no-such-user-recd >"$tmp/bad.log" 2>&1; then
  notok "an unknown RunAs user was accepted"
else
  ok "unknown RunAs user: refused to start ($(tail -n 1 "$tmp/bad.log"))"
fi
[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
finish
