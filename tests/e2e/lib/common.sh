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

# need_tools TOOL...: each one on PATH and $BIN there (./build.sh publish if it is missing), or one
# failed check, the summary, and the script ends.
need_tools() {
  local tool
  for tool in "$@"; do command -v "$tool" >/dev/null || { notok "required tool $tool is installed"; finish; exit 1; }; done
  [ -x "$BIN" ] && return 0
  echo "# $BIN missing: building with ./build.sh publish"
  (cd "$ROOT" && ./build.sh publish) >/dev/null 2>&1 && [ -x "$BIN" ] || { notok "daemon binary $BIN can be built"; finish; exit 1; }
}

# start_daemon DIR STORE [recd options...]: runs the daemon on port 0 with storage STORE, logging to
# DIR/daemon.log, and waits for its port (not past the daemon's exit). Sets pid, port and base (the
# /recordings URL); port is empty if the daemon did not start.
start_daemon() {
  local dir="$1" store="$2"
  shift 2
  rm -f "$dir/port"
  "$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$dir/port" --storage "$store" "$@" >>"$dir/daemon.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -s "$dir/port" ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
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

# manifest_value FILE KEY: one field of a manifest; an object as "k=v,k=v", absent (or no manifest) empty.
manifest_value() {
  python3 -c 'import json,sys
v=json.load(open(sys.argv[1])).get(sys.argv[2])
if isinstance(v,dict): v=",".join(f"{p}={b}" for p,b in v.items())
print("" if v is None else v)' "$1" "$2" 2>/dev/null
}

# check_put_matrix LABEL STORE SRC FALLBACK SIZE...: the write-path matrix of write_paths.sh and
# usb_formats.sh. PUTs file SRC$n (each SIZE n) as PATH-$n-FRAMING.ts to $base (start_daemon's) with
# ?path=PATH for PATH in buffered splice direct, FRAMING length (Content-Length) and chunked (curl
# reading stdin), and checks each recording: 201, sha256 by GET and of STORE/NAME equal to the
# source's, manifest complete at committedLength n (one ok/notok); for bodies of 1 MiB+7 and more (more
# than arrives with the head) that PATH moved bytes by the manifest's bytesByPath (a second one).
# FALLBACK "none": the path must have moved bytes; "noted": a path that moved nothing, or fell back,
# passes if the manifest says why (reason), as on FUSE mounts. Appends each name to put_matrix_names.
check_put_matrix() {
  local label="$1" store="$2" src="$3" fallback="$4"
  shift 4
  local path n framing name code want back disk state len moved by reason at
  local -A want_sha
  for n in "$@"; do want_sha[$n]="$(sha256sum <"$src$n" | cut -d' ' -f1)"; done
  for path in buffered splice direct; do
    for n in "$@"; do
      for framing in length chunked; do
        name="$path-$n-$framing.ts"
        put_matrix_names+=("$name")
        if [ "$framing" = chunked ]; then
          code="$(curl -sS -m 300 -o /dev/null -w '%{http_code}' -T - -H 'Transfer-Encoding: chunked' "$base/$name?path=$path" <"$src$n")"
        else
          code="$(curl -sS -m 300 -o /dev/null -w '%{http_code}' -T "$src$n" "$base/$name?path=$path")"
        fi
        want="${want_sha[$n]}"
        back="$(curl -sS -m 300 "$base/$name" | sha256sum | cut -d' ' -f1)"
        disk="$(sha256sum <"$store/$name" 2>/dev/null | cut -d' ' -f1)"
        # One python for the manifest's fields, a line each (reason last: it may hold anything).
        { read -r state; read -r len; read -r moved; read -r by; read -r reason; } < <(python3 -c 'import json,sys
m=json.load(open(sys.argv[1])); b=m.get("bytesByPath") or {}
print(m.get("state") or ""); print(m.get("committedLength")); print(sum(v for p,v in b.items() if p.split("/")[0]==sys.argv[2]))
print(",".join(f"{p}={v}" for p,v in b.items())); print((m.get("reason") or "").replace("\n"," "))' "$store/.$name.manifest" "$path" 2>/dev/null)
        at="$label $path $n $framing"
        if [ "$code" = 201 ] && [ "$back" = "$want" ] && [ "$disk" = "$want" ] && [ "$state" = complete ] && [ "$len" = "$n" ]; then
          ok "$at: 201, sha256 exact by GET and on disk"
        else
          notok "$at: code=$code state=$state len=$len get=${back:0:12} disk=${disk:0:12} want=${want:0:12}"
        fi
        [ "$n" -ge 1048583 ] || continue
        if [ "${moved:-0}" -gt 0 ] && { [ "$fallback" = none ] || [ -z "$reason" ]; }; then
          ok "$at: $path moved $moved bytes"
        elif [ "$fallback" = noted ] && [ -n "$reason" ]; then
          ok "$at: fell back, said so: reason '$reason', bytesByPath $by"
        else
          notok "$at: $path moved nothing${reason:+ (reason '$reason')} (bytesByPath $by)"
        fi
      done
    done
  done
}
