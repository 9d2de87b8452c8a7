# Sourced by the end-to-end scripts (kept out of tests/e2e/*.sh so run-all does not run it).
# Defines ROOT, BIN, ok/notok counters and finish, which prints the summary line run-all reads.
[ -x /usr/bin/python3 ] && PATH="/usr/bin:$PATH"  # a pyenv shim costs ~0.4 s per python start
ROOT="${RECD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
BIN="${RECD_BIN:-$ROOT/out/linux-x64/recd}"
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
finish() {
  echo "$pass passed, $fail failed"
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

# stop_daemon [SIGNAL]: stops the daemon started last (SIGTERM by default) and waits for it.
stop_daemon() {
  [ -n "${pid:-}" ] || return 0
  kill "-${1:-TERM}" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
}
