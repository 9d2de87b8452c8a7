#!/usr/bin/env bash
# Runs every suite: xunit (tests/Appliance.Tests) and the end-to-end scripts (tests/e2e/*.sh) against
# the published NativeAOT binary. Each e2e script prints "ok - ..." / "not ok - ..." lines and ends with
# "N passed, N failed"; a script that dies without that line counts as one failure.
# The last line of this script is the sum of all suites, alone on a line. Every process a suite
# starts inherits RECD_SUITE_ID; any still running at the end is listed, killed and counted as a
# failure ("leftover processes: N"): a test must stop what it starts.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian's python3 first: a pyenv shim costs ~0.4 s per start, which scripts pay hundreds of times.
export PATH="/usr/bin:$PATH"
export RECD_ROOT="$ROOT"
export RECD_BIN="${RECD_BIN:-$ROOT/out/linux-x64/recd}"
export RECD_NATIVE="${RECD_NATIVE:-$ROOT/native/build}"
export RECD_SUITE_ID="$(date +%s%N)-$$-$RANDOM"
PROCS="$ROOT/tests/e2e/lib/procs.py"
# --image (./build.sh test --image): the emulated board's power-cut and EIO rounds too (board_qemu.sh).
for a in "$@"; do [ "$a" = --image ] && export RECD_TEST_IMAGE=1; done
passed=0 failed=0 skipped=0
results="$(mktemp -d)"
# Interrupted: stop what the suites started before leaving (an early exit prints no summary).
trap 'python3 "$PROCS" kill RECD_SUITE_ID "$RECD_SUITE_ID" >&2; rm -rf "$results"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== xunit"
# No build servers: the compiler server and MSBuild nodes outlive the build by minutes and carry the marker.
dotnet test "$ROOT/tests/Appliance.Tests/Appliance.Tests.csproj" -c Release -nologo --disable-build-servers \
  --logger "trx;LogFileName=xunit.trx" --results-directory "$results" \
  --logger "console;verbosity=normal" 2>&1 | grep -vE '^\s*$' | grep -vE '^\s+Passed ' || true
trx="$results/xunit.trx"
if [ -f "$trx" ]; then
  read -r xt xp xf <<<"$(python3 - "$trx" <<'PY'
import re,sys
s=open(sys.argv[1],encoding='utf-8').read()
m=re.search(r'<Counters[^>]*>',s)
g=lambda k:int(re.search(k+r'="(\d+)"',m.group(0)).group(1))
print(g('total'),g('passed'),g('failed')+g('error')+g('timeout')+g('aborted'))
PY
)"
  xs=$((xt - xp - xf))
  echo "xunit: $xp passed, $xf failed, $xs skipped"
  passed=$((passed + xp)); failed=$((failed + xf)); skipped=$((skipped + xs))
else
  echo "xunit: no results (build or run failed)"
  failed=$((failed + 1))
fi

for script in "$ROOT"/tests/e2e/*.sh; do
  name="$(basename "$script")"
  echo "== e2e $name"
  out="$results/$name.out"
  start=$(date +%s)
  # Not a pipe into tee: a process the script leaked would hold the pipe open and stall the suite here.
  : >"$out"
  timeout 1200 bash "$script" >>"$out" 2>&1 &
  spid=$!
  tail -n +1 -f --pid="$spid" "$out" &
  tpid=$!
  wait "$spid"   # in the background both, so a SIGTERM to this script is handled at once
  wait "$tpid"
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1 || true)"
  if [ -z "$line" ]; then
    echo "$name: no summary line (script died): 1 failed"
    failed=$((failed + 1))
    continue
  fi
  p="$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')"
  f="$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')"
  s="$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')"
  echo "$name: $p passed, $f failed${s:+, $s skipped} ($(( $(date +%s) - start )) s)"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
done

echo "== leftover processes"
leftovers="$(python3 "$PROCS" kill RECD_SUITE_ID "$RECD_SUITE_ID")"
[ -n "$leftovers" ] && sed 's/^/leftover: /' <<<"$leftovers"
n_left="$(grep -c . <<<"$leftovers")"
echo "leftover processes: $n_left"
[ "$n_left" -gt 0 ] && failed=$((failed + 1))

echo
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
