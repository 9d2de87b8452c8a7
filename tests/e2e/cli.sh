#!/usr/bin/env bash
# The command line: help in every form exits 0 and starts nothing, unknown commands exit 2 with the
# usage, "recd version" names version, commit, target and build date; "recd ctl" finds the daemon of
# a profile with a relative Storage:Root from another folder; 411 and 409 leave one log line each.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tmp="$(mktemp -d /tmp/recd-cli.XXXXXX)"
pid=""
cleanup() { stop_daemon; kill_started; rm -rf "$tmp"; }
trap cleanup EXIT

for form in "--help" "-h" "help" "run --help" "ctl --help" "profile -h" "version --help"; do
  # shellcheck disable=SC2086
  out="$(cd "$tmp" && timeout 5 "$BIN" $form 2>&1)"; rc=$?
  [ "$rc" = 0 ] && grep -q "^usage: recd" <<<"$out" && ! grep -q "listening" <<<"$out" \
    && ok "recd $form: usage, exit 0, no daemon" || notok "recd $form: rc $rc: $(head -n 2 <<<"$out")"
done
out="$("$BIN" frobnicate 2>&1)"; rc=$?
[ "$rc" = 2 ] && grep -q "unknown command 'frobnicate'" <<<"$out" && grep -q "^usage: recd" <<<"$out" \
  && ok "unknown command: exit 2 with usage" || notok "unknown command: rc $rc: $out"

out="$("$BIN" version)"; rc=$?
commit="$(sed -n 's/^commit //p' <<<"$out")"
[ "$rc" = 0 ] && grep -qE '^recd [0-9]+\.[0-9]+' <<<"$out" && grep -qE '^target linux-(x64|arm64)$' <<<"$out" \
  && grep -qE '^built  ([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z|unknown)$' <<<"$out" && [ -n "$commit" ] \
  && ok "recd version: $(tr '\n' ' ' <<<"$out")" || notok "version: rc $rc: $out"
# A binary built by build.sh from this checkout names a commit of it (unknown only without git).
if [ "$commit" != unknown ] && git -C "$ROOT" cat-file -e "${commit%-dirty}^{commit}" 2>/dev/null; then
  ok "the commit $commit is one of this repository"
else
  [ "$commit" = unknown ] && ok "commit unknown (built without git)" || notok "commit $commit is not in $ROOT"
fi

# An installation folder with a board whose Storage:Root is relative; the daemon starts in / and
# ctl runs from another folder: both must land on INSTALL/rec.
inst="$tmp/inst"; mkdir -p "$inst/board" "$tmp/elsewhere"
cp "$ROOT/board/host-x86_64.json" "$inst/board/"
cat >"$inst/board/reltest.json" <<'JSON'
{ "Base": "host-x86_64", "Storage": { "Root": "rec" } }
JSON
(cd / && exec "$BIN" run --board-dir "$inst/board" --board reltest --port 0 --port-file "$tmp/port" >>"$tmp/daemon.log" 2>&1) &
pid=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port="$(cat "$tmp/port" 2>/dev/null)"; base="http://127.0.0.1:$port/recordings"
grep -q "storage $inst/rec," "$tmp/daemon.log" && ok "a relative Storage:Root is resolved against the installation folder ($inst/rec), not the daemon's /" \
  || notok "daemon root: $(grep listening "$tmp/daemon.log")"
out="$(cd "$tmp/elsewhere" && "$BIN" ctl --board-dir "$inst/board" --board reltest status 2>&1)"
grep -q "storage $inst/rec:" <<<"$out" && ok "recd ctl from another folder reaches the daemon: $(head -n 1 <<<"$out")" || notok "ctl elsewhere: $out"

# Refusals: one line each, with the client address and the reason.
curl -s -o /dev/null -X PUT "$base/nolength.ts"
curl -s -o /dev/null -T /etc/hostname "$base/dup.ts"
curl -s -o /dev/null -T /etc/hostname "$base/dup.ts"
sleep 0.3
n411="$(grep -c '127.0.0.1:[0-9]*: PUT /recordings/nolength.ts: 411 Content-Length or chunked' "$tmp/daemon.log")"
n409="$(grep -c '127.0.0.1:[0-9]*: PUT /recordings/dup.ts: 409 recording exists' "$tmp/daemon.log")"
[ "$n411" = 1 ] && ok "411 logged once: $(grep ': 411 ' "$tmp/daemon.log" | cut -c 26-)" || notok "411 lines: $n411"
[ "$n409" = 1 ] && ok "409 logged once: $(grep ': 409 ' "$tmp/daemon.log" | cut -c 26-)" || notok "409 lines: $n409"
stop_daemon
finish
