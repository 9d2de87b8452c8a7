#!/usr/bin/env bash
# Damaged metadata never hides a recording, against the published daemon. While it is stopped: one
# manifest is cut in half, one promises more bytes than its file holds, a data file is dropped in
# without a manifest, and files recd never writes are left beside them. After a restart each of the
# three is listed as damaged at its data file's length, GET returns exactly the data (sha256), the
# bad manifest is kept as .NAME.manifest.corrupt, the strays are untouched and not listed, and the
# log names each finding. DELETE removes a damaged recording (204) and leaves the .corrupt file; a
# damaged recording stays damaged across the next restart.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-damaged.XXXXXX)"
store="$tmp/store"
pid=""
cleanup() { stop_daemon KILL; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM # through the EXIT trap, so an interrupted run stops its daemon too

sha() { sha256sum <"$1" | cut -d' ' -f1; }
code() { curl -sS -m 30 -o /dev/null -w '%{http_code}' "$@"; }
# listed NAME -> "state size" from GET /recordings, or "absent"
listed() {
  curl -sS -m 10 "$base" | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["name"] == sys.argv[1]:
        print(r["state"], r["size"]); break
else:
    print("absent")' "$1"
}
check() { # description, then a command that must succeed
  local what="$1"; shift
  if "$@"; then ok "$what"; else notok "$what"; fi
}

head -c $((3 << 20)) /dev/urandom >"$tmp/a.bin"
head -c 777777 /dev/urandom >"$tmp/b.bin"
head -c 123456 /dev/urandom >"$tmp/c.bin"

start_daemon "$tmp" "$store"
[ -n "$port" ] || { notok "daemon did not start"; sed 's/^/#   /' "$tmp/daemon.log"; finish; exit 1; }
check "PUT cut.ts 201" test "$(code -T "$tmp/a.bin" "$base/cut.ts")" = 201
check "PUT long.ts 201" test "$(code -T "$tmp/b.bin" "$base/long.ts")" = 201
stop_daemon

# The damage, done while the daemon is stopped.
manifest="$store/.cut.ts.manifest"
head -c "$(($(stat -c %s "$manifest") / 2))" "$manifest" >"$tmp/half" && cp "$tmp/half" "$manifest"
python3 - "$store/.long.ts.manifest" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["committedLength"] += 5000
open(sys.argv[1], "w").write(json.dumps(m))
PY
cp "$tmp/c.bin" "$store/orphan.ts"
printf 'x%.0s' $(seq 41) >"$store/not a name.ts"
printf 'y%.0s' $(seq 17) >"$store/.junk.tmp"
stray_sha="$(cat "$store/not a name.ts" "$store/.junk.tmp" | sha256sum)"

start_daemon "$tmp" "$store"
[ -n "$port" ] || { notok "daemon did not restart"; sed 's/^/#   /' "$tmp/daemon.log"; finish; exit 1; }
for pair in "cut.ts a.bin" "long.ts b.bin" "orphan.ts c.bin"; do
  read -r name src <<<"$pair"
  len="$(stat -c %s "$tmp/$src")"
  check "$name listed as damaged at its data file's length ($len)" test "$(listed "$name")" = "damaged $len"
  curl -sS -m 30 -o "$tmp/got" "$base/$name"
  check "$name: GET returns exactly the data bytes" test "$(sha "$tmp/got")" = "$(sha "$tmp/$src")"
  check "$name: HEAD says Recd-State: damaged" grep -qi '^Recd-State: damaged' <(curl -sS -m 10 -I "$base/$name" | tr -d '\r')
done
check ".cut.ts.manifest.corrupt holds the bad manifest as it was" cmp -s "$tmp/half" "$store/.cut.ts.manifest.corrupt"
check "strays untouched" test "$(cat "$store/not a name.ts" "$store/.junk.tmp" | sha256sum)" = "$stray_sha"
check "strays not listed" test "$(curl -sS -m 10 "$base" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 3
check "log: cut.ts manifest unreadable, kept as .corrupt" grep -q 'recovery: cut.ts: manifest unreadable (kept as .cut.ts.manifest.corrupt)' "$tmp/daemon.log"
check "log: long.ts both lengths" grep -q "recovery: long.ts: data file holds 777777 bytes, the manifest committed 782777" "$tmp/daemon.log"
check "log: orphan.ts data without a manifest" grep -q 'recovery: orphan.ts: data without a manifest, 123456 bytes' "$tmp/daemon.log"
check "log: each stray with its size, left alone" \
  bash -c 'grep -q "recovery: not a name.ts (41 bytes): not a valid recording name; left alone" "$1" &&
           grep -q "recovery: .junk.tmp (17 bytes): a temp file recd does not write; left alone" "$1"' _ "$tmp/daemon.log"

check "DELETE cut.ts 204" test "$(code -X DELETE "$base/cut.ts")" = 204
check "cut.ts gone: GET 404" test "$(code "$base/cut.ts")" = 404
check "cut.ts: data and manifest removed, .corrupt kept for diagnosis" \
  test ! -e "$store/cut.ts" -a ! -e "$store/.cut.ts.manifest" -a -f "$store/.cut.ts.manifest.corrupt"
stop_daemon

start_daemon "$tmp" "$store"
check "after another restart: cut.ts still gone" test "$(listed cut.ts)" = absent
check "after another restart: long.ts still damaged at 777777" test "$(listed long.ts)" = "damaged 777777"
check "after another restart: orphan.ts still damaged at 123456" test "$(listed orphan.ts)" = "damaged 123456"
stop_daemon

[ "$fail" -gt 0 ] && tail -n 30 "$tmp/daemon.log" | sed 's/^/#   /'
finish
