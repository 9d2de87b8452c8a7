#!/usr/bin/env bash
# End-to-end check of the C reference tools in native/ (recd-recv-ref, recd-send-load):
# for every write path (buffered, splice, direct) x target (tmpfs under /dev/shm, ext4 under /tmp)
# x size, receive a pattern stream over 127.0.0.1 and compare sha256 of the file with
# `recd-send-load --emit N | sha256sum`. Also checks both tools' output lines, the --count, --file
# (sendfile), small pipe/buffer and bad-option paths, and that the pattern is not page-periodic.
# Prints "ok - ..." / "not ok - ..." per case and ends with exactly one "N passed, N failed" line.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NATIVE="$ROOT/native"
BIN="$NATIVE/build"
RECV="$BIN/recd-recv-ref"
SEND="$BIN/recd-send-load"
T_START=$(date +%s%N)

passed=0
failed=0
RPID=""
DIR_TMP=""
DIR_SHM=""

# Every process started from here carries the marker; cleanup stops any that escaped RPID
# (tests/e2e/lib/procs.py), so none outlives the script on success, failure or interrupt.
export RECD_E2E_ID="$$-$(date +%s%N)"
cleanup() {
  if [ -n "$RPID" ] && kill -0 "$RPID" 2>/dev/null; then kill "$RPID" 2>/dev/null || true; fi
  local left  # captured, not piped: a sed in the pipe would carry the marker and be killed
  left="$(python3 "$ROOT/tests/e2e/lib/procs.py" kill RECD_E2E_ID "$RECD_E2E_ID")" || true
  [ -n "$left" ] && sed 's/^/# killed leftover /' <<<"$left" || true
  wait 2>/dev/null || true
  [ -n "$DIR_TMP" ] && rm -rf "$DIR_TMP"
  [ -n "$DIR_SHM" ] && rm -rf "$DIR_SHM"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
summary() {
  echo "# took $(( ($(date +%s%N) - T_START) / 1000000 )) ms"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
# Prints a file's lines as "#   " diagnostics.
diag() { [ -s "$1" ] && sed 's/^/#   /' "$1" || true; }

if ! make -C "$NATIVE" >"${TMPDIR:-/tmp}/recd-native-build.$$.log" 2>&1; then
  notok "build (make -C native)"
  sed 's/^/#   /' "${TMPDIR:-/tmp}/recd-native-build.$$.log"
  rm -f "${TMPDIR:-/tmp}/recd-native-build.$$.log"
  summary
  exit 1
fi
rm -f "${TMPDIR:-/tmp}/recd-native-build.$$.log"
ok "build (make -C native)"

DIR_TMP="$(mktemp -d /tmp/recd-native-ref.XXXXXX)"
DIR_SHM="$(mktemp -d /dev/shm/recd-native-ref.XXXXXX)"
echo "# ext4 dir $DIR_TMP ($(stat -f -c %T "$DIR_TMP")), tmpfs dir $DIR_SHM ($(stat -f -c %T "$DIR_SHM"))"

F6='[0-9]+\.[0-9]{6}'
declare -A EXPECT
expect_sha() { # size -> sha256 of the seed-1 pattern (cached)
  if [ -z "${EXPECT[$1]:-}" ]; then
    EXPECT[$1]="$("$SEND" --emit "$1" | sha256sum | cut -d' ' -f1)"
  fi
  echo "${EXPECT[$1]}"
}

# start_recv CASEDIR ARGS... : starts the receiver in the background (RPID), waits for the ready file
# and sets PORT. Returns non-zero if the receiver died or never became ready.
start_recv() {
  local cdir="$1"; shift
  PORT=""
  timeout 60 "$RECV" --listen 127.0.0.1:0 --ready-file "$cdir/ready" "$@" \
    >"$cdir/recv.out" 2>"$cdir/recv.err" &
  RPID=$!
  local i
  for i in $(seq 400); do
    if [ -s "$cdir/ready" ]; then PORT="$(cat "$cdir/ready")"; return 0; fi
    kill -0 "$RPID" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}

# check_file NAME FILE SIZE : sha256 and size of a received file against the pattern.
check_file() {
  local got want
  if [ ! -f "$2" ]; then echo "#   $1: $2 missing"; return 1; fi
  got="$(sha256sum <"$2" | cut -d' ' -f1)"
  want="$(expect_sha "$3")"
  if [ "$got" != "$want" ]; then
    echo "#   $1: sha256 $got, want $want (size $(stat -c %s "$2"), want $3)"
    return 1
  fi
  return 0
}

# run_case LABEL MODE DIR SIZE SEND_EXTRA RECV_EXTRA...
run_case() {
  local label="$1" mode="$2" dir="$3" size="$4" sendx="$5"; shift 5
  local cdir rrc=0 src=0 why=""
  cdir="$(mktemp -d "$dir/case.XXXXXX")"
  if ! start_recv "$cdir" --mode "$mode" --out "$cdir/out.ts" "$@"; then
    notok "$label (receiver not ready)"; diag "$cdir/recv.err"
    wait "$RPID" 2>/dev/null || true; RPID=""; rm -rf "$cdir"; return 0
  fi
  # shellcheck disable=SC2086
  timeout 60 "$SEND" --connect "127.0.0.1:$PORT" --bytes "$size" $sendx >"$cdir/send.out" 2>"$cdir/send.err" || src=$?
  wait "$RPID" || rrc=$?
  RPID=""
  [ "$src" -eq 0 ] || why="$why sender rc=$src;"
  [ "$rrc" -eq 0 ] || why="$why receiver rc=$rrc;"
  if ! grep -qxE "mode=$mode bytes=$size wall_s=$F6 user_s=$F6 sys_s=$F6 cpu_s=$F6 cpu_s_per_gib=$F6 mb_per_s=$F6 pipe=[0-9]+ buf=[0-9]+ fallback=(none|buffered)" "$cdir/recv.out" \
     || [ "$(wc -l <"$cdir/recv.out")" -ne 1 ]; then
    why="$why receiver output;"
  fi
  if [ "$mode" = splice ] && ! grep -qE ' pipe=[1-9][0-9]* ' "$cdir/recv.out"; then why="$why no pipe size;"; fi
  if ! grep -qxE "bytes=$size wall_s=$F6 mb_per_s=$F6" "$cdir/send.out"; then why="$why sender output;"; fi
  check_file "$label" "$cdir/out.ts" "$size" || why="$why content;"
  local fb
  fb="$(sed -nE 's/.*fallback=([a-z]+).*/\1/p' "$cdir/recv.out")"
  if [ -z "$why" ]; then
    ok "$label${fb:+ (fallback=$fb)}"
  else
    notok "$label:$why"
    diag "$cdir/recv.out"; diag "$cdir/recv.err"; diag "$cdir/send.out"; diag "$cdir/send.err"
  fi
  rm -rf "$cdir"
}

# --- pattern sanity --------------------------------------------------------------------------------
p1="$("$SEND" --emit 4096 | sha256sum)"
p2="$("$SEND" --emit 8192 | tail -c 4096 | sha256sum)"
if [ "$p1" != "$p2" ]; then ok "pattern: page 0 != page 1"; else notok "pattern: page 0 == page 1"; fi
if cmp -s <("$SEND" --emit 65537) <("$SEND" --emit 1048583 2>/dev/null | head -c 65537); then
  ok "pattern: --emit 65537 is a prefix of --emit 1048583"
else
  notok "pattern: --emit 65537 is not a prefix of --emit 1048583"
fi
if [ "$("$SEND" --emit 4096 --seed 2 | sha256sum)" != "$("$SEND" --emit 4096 | sha256sum)" ]; then
  ok "pattern: seed 2 differs from seed 1"
else
  notok "pattern: seed 2 equals seed 1"
fi
if [ "$("$SEND" --emit 0 | wc -c)" -eq 0 ] && [ "$("$SEND" --emit 1048583 | wc -c)" -eq 1048583 ]; then
  ok "pattern: --emit gives exact lengths"
else
  notok "pattern: --emit lengths"
fi

# --- the matrix ------------------------------------------------------------------------------------
for mode in buffered splice direct; do
  for target in tmpfs ext4; do
    if [ "$target" = tmpfs ]; then dir="$DIR_SHM"; rx=(); else dir="$DIR_TMP"; rx=(--fsync); fi
    for size in 0 1 4095 4096 65537 1048583 16777229; do
      run_case "$mode $target $size" "$mode" "$dir" "$size" "" "${rx[@]}"
      if [ "$size" = 65537 ] || [ "$size" = 1048583 ]; then
        run_case "$mode $target $size write=1000" "$mode" "$dir" "$size" "--write 1000" "${rx[@]}"
      fi
    done
  done
done

# --- extra paths -----------------------------------------------------------------------------------
run_case "splice ext4 1048583 pipe=4096" splice "$DIR_TMP" 1048583 "" --pipe 4096
run_case "direct ext4 1048583 buf=4096 write=4093" direct "$DIR_TMP" 1048583 "--write 4093" --buf 4096
run_case "buffered tmpfs 65537 buf=1000 write=1" buffered "$DIR_SHM" 65537 "--write 1" --buf 1000
run_case "direct tmpfs 1048583 seed-1 write=65535 delay" direct "$DIR_SHM" 1048583 "--write 65535 --delay-us 100"

# --count 2: two sequential connections into FILE and FILE.1
cdir="$(mktemp -d "$DIR_TMP/case.XXXXXX")"
why=""
if start_recv "$cdir" --mode splice --out "$cdir/out.ts" --count 2; then
  s1=0; s2=0; rrc=0
  timeout 60 "$SEND" --connect "127.0.0.1:$PORT" --bytes 65537 >/dev/null 2>>"$cdir/send.err" || s1=$?
  timeout 60 "$SEND" --connect "127.0.0.1:$PORT" --bytes 4095 >/dev/null 2>>"$cdir/send.err" || s2=$?
  wait "$RPID" || rrc=$?
  RPID=""
  [ "$s1$s2$rrc" = 000 ] || why="$why rc sender1=$s1 sender2=$s2 receiver=$rrc;"
  [ "$(grep -c '^mode=splice ' "$cdir/recv.out")" -eq 2 ] || why="$why want 2 output lines;"
  check_file "count=2 first" "$cdir/out.ts" 65537 || why="$why FILE content;"
  check_file "count=2 second" "$cdir/out.ts.1" 4095 || why="$why FILE.1 content;"
else
  why=" receiver not ready;"
  wait "$RPID" 2>/dev/null || true; RPID=""
fi
if [ -z "$why" ]; then ok "splice ext4 --count 2 (FILE, FILE.1)"; else notok "splice ext4 --count 2:$why"; diag "$cdir/recv.err"; diag "$cdir/send.err"; fi
rm -rf "$cdir"

# --file: sendfile(2) of a pattern file
"$SEND" --emit 1048583 >"$DIR_SHM/src.bin"
cdir="$(mktemp -d "$DIR_SHM/case.XXXXXX")"
why=""
if start_recv "$cdir" --mode buffered --out "$cdir/out.ts"; then
  src=0; rrc=0
  timeout 60 "$SEND" --connect "127.0.0.1:$PORT" --file "$DIR_SHM/src.bin" --write 100000 >"$cdir/send.out" 2>"$cdir/send.err" || src=$?
  wait "$RPID" || rrc=$?
  RPID=""
  [ "$src$rrc" = 00 ] || why="$why rc sender=$src receiver=$rrc;"
  grep -qxE "bytes=1048583 wall_s=$F6 mb_per_s=$F6" "$cdir/send.out" || why="$why sender output;"
  check_file "--file" "$cdir/out.ts" 1048583 || why="$why content;"
else
  why=" receiver not ready;"
  wait "$RPID" 2>/dev/null || true; RPID=""
fi
if [ -z "$why" ]; then ok "send-load --file (sendfile) 1048583"; else notok "send-load --file:$why"; diag "$cdir/recv.err"; diag "$cdir/send.err"; fi
rm -rf "$cdir" "$DIR_SHM/src.bin"

# --spread-ms: paced streams start spread over the span (stream i at i / N of it), not in step
cdir="$(mktemp -d "$DIR_SHM/case.XXXXXX")"
why=""
python3 - "$cdir" <<'PY' &
import socket, sys, time, os
d = sys.argv[1]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(4)
open(os.path.join(d, "port.tmp"), "w").write(str(ls.getsockname()[1])); os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
ls.settimeout(30)
conns = [ls.accept()[0] for _ in range(2)]
first, got = [None, None], [0, 0]
for c in conns: c.setblocking(False)
deadline = time.monotonic() + 30
while sum(got) < 2 * 13160 and time.monotonic() < deadline:
    for i, c in enumerate(conns):
        try:
            b = c.recv(65536)
        except BlockingIOError:
            continue
        if b and first[i] is None: first[i] = time.monotonic()
        got[i] += len(b)
    time.sleep(0.001)
open(os.path.join(d, "result"), "w").write(f"{got[0]} {got[1]} {(first[1] - first[0]) * 1000 if None not in first else -1:.0f}\n")
PY
LPID=$!
for _ in $(seq 100); do [ -s "$cdir/port" ] && break; sleep 0.05; done
src=0
timeout 60 "$SEND" --connect "127.0.0.1:$(cat "$cdir/port" 2>/dev/null || echo 1)" --streams 2 --rate 10000000 --write 1316 --bytes 13160 --spread-ms 600 >"$cdir/send.out" 2>"$cdir/send.err" || src=$?
wait "$LPID" || why="$why listener rc $?;"
[ "$src" = 0 ] || why="$why sender rc $src;"
read -r g0 g1 gap <"$cdir/result" 2>/dev/null || why="$why no result;"
[ "${g0:-0} ${g1:-0}" = "13160 13160" ] || why="$why received ${g0:-?} ${g1:-?} of 13160 each;"
# stream 1 is due 300 ms after stream 0 (600 * 1 / 2); in step it is one half-interval (0.5 ms) later
[ "${gap:--1}" -ge 250 ] 2>/dev/null || why="$why stream 1 began ${gap:-?} ms after stream 0, want >= 250;"
if [ -z "$why" ]; then ok "send-load --spread-ms 600: stream 1 began $gap ms after stream 0"; else notok "send-load --spread-ms:$why"; diag "$cdir/send.err"; fi
rm -rf "$cdir"
if "$SEND" --connect 127.0.0.1:1 --bytes 10 --spread-ms 100 2>/dev/null; then
  notok "send-load refuses --spread-ms without --rate"
else
  ok "send-load refuses --spread-ms without --rate"
fi

# bad options are refused
if "$RECV" --listen 127.0.0.1:0 --mode direct --buf 4097 --out "$DIR_TMP/never" 2>/dev/null; then
  notok "recv-ref refuses --mode direct --buf 4097"
else
  ok "recv-ref refuses --mode direct --buf 4097"
fi
if "$SEND" --connect 127.0.0.1:1 2>/dev/null; then
  notok "send-load refuses --connect without --bytes"
else
  ok "send-load refuses --connect without --bytes"
fi

summary
