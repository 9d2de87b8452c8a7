#!/usr/bin/env bash
# Access control and admission limits through the daemon: bearer token from a file (401 without it,
# the same answer whether or not the recording exists), the token for reads when configured, the
# client-network allowlist (403), the limit on recordings in progress (503 + Retry-After), and the
# disk spin-up probe.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-access.XXXXXX)"
pid=""
cleanup() { stop_daemon; kill_started; rm -rf "$tmp"; }
trap cleanup EXIT
start() { start_daemon "$tmp" "$tmp/store" "$@"; }
stop() { stop_daemon; }
code() { curl -sS -o /dev/null -w '%{http_code}' "$@"; }

echo "correct-horse-battery-staple" >"$tmp/token"
chmod 600 "$tmp/token"
head -c 100003 /dev/urandom >"$tmp/src"
auth=(-H "Authorization: Bearer correct-horse-battery-staple")

start --token-file "$tmp/token"
c1="$(code -T "$tmp/src" "$base/a.ts")"
c2="$(code -T "$tmp/src" -H 'Authorization: Bearer nope' "$base/a.ts")"
c3="$(code -T "$tmp/src" "${auth[@]}" "$base/a.ts")"
[ "$c1$c2$c3" = 401401201 ] && cmp -s "$tmp/src" "$tmp/store/a.ts" &&
  ok "PUT: no token 401, wrong token 401, right token 201 and exact" || notok "PUT with token: $c1 $c2 $c3"
d1="$(code -X DELETE "$base/a.ts")"; d2="$(code -X DELETE "$base/missing.ts")"
[ "$d1$d2" = 401401 ] && [ -e "$tmp/store/a.ts" ] &&
  ok "DELETE without token: 401 for an existing and a missing name alike, nothing deleted" || notok "DELETE without token: $d1 $d2"
www="$(curl -sS -D - -o /dev/null -X DELETE "$base/a.ts" | tr -d '\r' | grep -i '^WWW-Authenticate:')"
[ -n "$www" ] && ok "401 carries $www" || notok "401 without WWW-Authenticate"
g="$(code "$base/a.ts")"
[ "$g" = 200 ] && ok "GET stays open unless Access:TokenForReads" || notok "GET without token: $g"
stop

start --token-file "$tmp/token" --Access:TokenForReads true
g1="$(code "$base/a.ts")"; g2="$(code "$base")"; g3="$(code "${auth[@]}" "$base/a.ts")"
[ "$g1$g2$g3" = 401401200 ] && ok "TokenForReads: GET and listing need the token" || notok "TokenForReads: $g1 $g2 $g3"
stop

start --Access:AllowedNetworks:0 10.0.0.0/8
c="$(code -T "$tmp/src" "$base/b.ts")"; g="$(code "$base")"
[ "$c$g" = 403403 ] && [ ! -e "$tmp/store/b.ts" ] && ok "client outside Access:AllowedNetworks: 403, nothing written" || notok "allowlist deny: $c $g"
stop
start --Access:AllowedNetworks:0 10.0.0.0/8 --Access:AllowedNetworks:1 127.0.0.0/8
c="$(code -T "$tmp/src" "$base/b.ts")"
[ "$c" = 201 ] && ok "client inside Access:AllowedNetworks: served" || notok "allowlist allow: $c"
stop

printf 'short' >"$tmp/badtoken"
if "$BIN" run --board-dir "$ROOT/board" --port 0 --storage "$tmp/store2" --token-file "$tmp/badtoken" >"$tmp/bad.log" 2>&1; then
  notok "a daemon with a too-short token started"
else
  grep -q "at least 16" "$tmp/bad.log" && ok "a too-short token is refused at start: $(tail -n 1 "$tmp/bad.log")" || notok "bad token: $(cat "$tmp/bad.log")"
fi

# At most 2 recordings at once: a third slow upload is turned away with 503 and Retry-After.
start --Storage:MaxActiveRecordings 2 --Storage:SpinUpProbe true
SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
slow=()
for i in 1 2; do
  "$SEND" --connect "127.0.0.1:$port" --bytes 3000000 --write 100000 --delay-us 100000 --http-put "/recordings/slow$i.ts" >/dev/null 2>&1 &
  slow+=($!)
done
sleep 0.7
third="$(curl -sS -D - -o /dev/null -T "$tmp/src" "$base/third.ts" | tr -d '\r')"
wait "${slow[@]}"
if grep -q '^HTTP/1.1 503' <<<"$third" && grep -qi '^Retry-After:' <<<"$third" && [ ! -e "$tmp/store/third.ts" ]; then
  ok "third concurrent recording over Storage:MaxActiveRecordings 2: 503 with Retry-After"
else
  notok "max active recordings: $(head -n 1 <<<"$third")"
fi
c="$(code -T "$tmp/src" "$base/fourth.ts")"
[ "$c" = 201 ] && ok "once they finish, a new recording is accepted" || notok "after the slow ones: $c"
grep -q "spin-up probe" "$tmp/daemon.log" && ok "spin-up probe ran before the first recording: $(grep -o 'spin-up probe.*' "$tmp/daemon.log" | head -n 1)" || notok "no spin-up probe logged"
stop

[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
finish
