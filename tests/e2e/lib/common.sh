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
