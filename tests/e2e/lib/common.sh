# Sourced by the end-to-end scripts (kept out of tests/e2e/*.sh so run-all does not run it).
# Defines ROOT, BIN, ok/notok counters and finish, which prints the summary line run-all reads.
[ -x /usr/bin/python3 ] && PATH="/usr/bin:$PATH"  # a pyenv shim costs ~0.4 s per python start
ROOT="${RECD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
BIN="${RECD_BIN:-$ROOT/out/linux-x64/recd}"
pass=0 fail=0 skip=0

# Every process this script starts inherits the marker, so kill_started finds it even after its
# parent subshell exited and it was re-parented to init (how write_paths.sh leaked two daemons).
export RECD_E2E_ID="$$-$(date +%s%N)"
# An interrupted script leaves through exit, so its EXIT trap's cleanup runs whatever the bash
# version does on a signal's default action. The cleanup is the only thing that stops background
# daemons on Ctrl-C: bash starts async jobs of a script with SIGINT ignored.
trap 'exit 130' INT
trap 'exit 143' TERM
# kill_started: TERM (KILL after 5 s) every process still carrying this script's marker, then reap.
# Called by each script's cleanup after its own orderly stop, before unmounting anything.
kill_started() {
  # Not piped into sed: that sed would carry the marker too and be killed mid-line.
  local left
  left="$(python3 "$(dirname "${BASH_SOURCE[0]}")/procs.py" kill RECD_E2E_ID "$RECD_E2E_ID")"
  [ -n "$left" ] && sed 's/^/# killed leftover /' <<<"$left"
  wait 2>/dev/null
  return 0
}
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
# skipped: a check whose premise this run did not meet (say which); run-all adds ", N skipped" up.
skipped() { echo "skip - $*"; skip=$((skip + 1)); }
finish() {
  if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
  [ "$fail" -eq 0 ]
}

# start_daemon DIR STORE [recd options...]: runs the daemon on port 0 with storage STORE, logging to
# DIR/daemon.log, and waits for its port. Sets pid, port and base (the /recordings URL).
start_daemon() {
  local dir="$1" store="$2"
  shift 2
  rm -f "$dir/port"
  "$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$dir/port" --storage "$store" "$@" >>"$dir/daemon.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
  port="$(cat "$dir/port" 2>/dev/null)"
  base="http://127.0.0.1:$port/recordings"
}

# stop_daemon [SIGNAL]: stops the daemon started last (SIGTERM by default) and waits for it; a
# daemon still there after 15 s is killed, so a hung one cannot hang the script's cleanup too.
stop_daemon() {
  [ -n "${pid:-}" ] || return 0
  kill "-${1:-TERM}" "$pid" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
}
