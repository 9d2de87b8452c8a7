#!/usr/bin/env bash
# Durability under real storage faults: the daemon's storage is a FUSE passthrough (native/faultfs.c)
# that fails chosen calls. For every write path (buffered, splice, direct) and every page-cache
# policy of buffered and splice (keep, dontneed, sync):
#   (a) EIO on every WRITE request of the data file from the Nth on (media gone bad mid-recording),
#   (b) EIO on the 3rd fsync/fdatasync of the data file, once, then success (fsyncgate: Linux reports
#       a writeback error to one fsync only), 64 MiB PUT with an 8 MiB commit interval,
#   (c) ENOSPC on writes past N bytes of the data file (a short write, then ENOSPC),
# and after each: the client's status and body, the manifest's state and reason, and the committed
# prefix: byte-exact against the source and never past what was durable before the fault (the last
# fsync faultfs let pass, from its log). Then a fault-free PUT must still be 201 and exact.
#   (d) while one recording's fdatasync, or its manifest temp file's fsync, is stalled 5 s: the
#       listing, HEAD of another recording and `recd ctl status` each answer within 200 ms.
# Specification (issue "Durability under faults"): an I/O error (EIO on a write or fdatasync) leaves
# the manifest `damaged` with a reason naming the errno and the offset, committedLength never past
# the last good commit, the client gets 500 naming the errno; ENOSPC gives 507 and `interrupted`.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

if [ ! -e /dev/fuse ]; then
  echo "# /dev/fuse absent: durability fault tests skipped"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi

NATIVE="${RECD_NATIVE:-$ROOT/native/build}"
FAULTFS="$NATIVE/recd-faultfs"
[ -x "$FAULTFS" ] || make -s -C "$ROOT/native" "$(basename "$NATIVE")/recd-faultfs" >&2 || true

tmp="$(mktemp -d /tmp/recd-durability.XXXXXX)"
back="$tmp/back" mnt="$tmp/mnt" rules="$tmp/rules" ffslog="$tmp/faultfs.log"
store="$mnt/store"     # the daemon's view, through faultfs
bstore="$back/store"   # the same files on the backing ext4: what really reached storage
mkdir -p "$back" "$mnt"
pid="" ffs_pid="" bg_pids=()

stop() { # stops the daemon; a daemon stuck in a stalled call gets 10 s, then SIGKILL
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
}
mounted() { grep -q " $mnt fuse" /proc/mounts; }
cleanup() {
  for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
  stop
  if mounted; then fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt" 2>/dev/null; fi
  if [ -n "$ffs_pid" ]; then kill "$ffs_pid" 2>/dev/null; wait "$ffs_pid" 2>/dev/null; fi
  # Never rm through a mount that is still there.
  mounted || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$FAULTFS" ]; then
  notok "recd-faultfs not built (make -C native; needs libfuse3-dev)"
  finish; exit
fi
: >"$rules"
"$FAULTFS" --rules "$rules" "$back" "$mnt" -f 2>"$ffslog" &
ffs_pid=$!
for _ in $(seq 100); do mounted && break; sleep 0.05; done
if ! mounted; then
  notok "faultfs did not mount: $(tail -n 3 "$ffslog" | tr '\n' ' ')"
  finish; exit
fi

set_rules() { # RULE-LINES...: replaces the rules file atomically (faultfs reloads it, counters reset)
  printf '%s\n' "$@" >"$rules.new" && mv "$rules.new" "$rules"
}

start() { # recd options...: common.sh's start_daemon with this script's store and commit interval
  start_daemon "$tmp" "$store" --Storage:CommitIntervalBytes 8388608 "$@"
}

put() { # name-with-query file -> http code; body in $tmp/body
  curl -sS -m 60 -o "$tmp/body" -w '%{http_code}' -T "$2" "$base/$1" 2>"$tmp/curl.err"
}

# judge NAME SOURCE: one line of key=value facts about NAME from its manifest (on the backing store),
# its data file, the source, and faultfs's log of NAME's calls:
#   state len reason prefix (sha256 of the first len bytes equal: 1/0) size (data file)
#   fault (first faulted call: op@offset-or-size, or none) faultoff durable (size at the last fsync
#   that passed before the first faulted call; 0 if none) reasonnums (integers in the reason)
#   direct (bytes moved by a direct path) paths (bytesByPath)
cat >"$tmp/judge.py" <<'PY'
import hashlib, json, re, sys
store, name, src, log = sys.argv[1:5]
try:
    m = json.load(open(f"{store}/.{name}.manifest"))
except Exception as e:
    m = {"state": f"no-manifest({type(e).__name__})", "committedLength": -1}
n = m.get("committedLength", -1)
reason = m.get("reason") or ""
def head(path, k):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while k > 0:
            b = f.read(min(k, 1 << 20))
            if not b: break
            h.update(b); k -= len(b)
    return h.hexdigest()
try:
    import os
    size = os.path.getsize(f"{store}/{name}")
    prefix = int(n >= 0 and size >= n and head(src, n) == head(f"{store}/{name}", n))
except OSError:
    size, prefix = -1, int(n == 0)
fault, faultoff, durable, last_ok = "none", -1, 0, 0
pat = re.compile(r"faultfs: rule=\d+ n=\d+ (\w+) /store/(\S+)(?: off=(\d+) len=\d+)? size=(-?\d+) -> (.*)$")
for line in open(log, errors="replace"):
    g = pat.match(line.strip())
    if not g or g.group(2) != name: continue
    op, off, fsize, res = g.group(1), g.group(3), int(g.group(4)), g.group(5)
    if res == "pass" or res.startswith("short") or res.startswith("stall"):
        if op in ("fsync", "fdatasync"): last_ok = fsize
        continue
    at = int(off) if off is not None else fsize
    fault, faultoff, durable = f"{op}:{res}@{at}", at, last_ok
    break
nums = ",".join(re.findall(r"\d+", reason)) or "-"
paths = m.get("bytesByPath") or {}
direct = sum(v for k, v in paths.items() if k.startswith("direct"))
print(f"state={m.get('state')} len={n} prefix={prefix} size={size} fault={fault} faultoff={faultoff} "
      f"durable={durable} reasonnums={nums} direct={direct} "
      f"paths={','.join(f'{k}:{v}' for k, v in paths.items()) or '-'}")
print("reason=" + reason.replace("\n", " "))
PY
judge() { # NAME SOURCE -> sets j_* variables
  local facts r
  facts="$(python3 "$tmp/judge.py" "$bstore" "$1" "$2" "$ffslog")"
  j_reason="$(sed -n 's/^reason=//p' <<<"$facts")"
  for r in $(head -n 1 <<<"$facts"); do printf -v "j_${r%%=*}" '%s' "${r#*=}"; done
}
# has_num_in LO HI: the reason names an integer in [LO, HI] (the offset of the fault)
has_num_in() {
  local x
  for x in ${j_reasonnums//,/ }; do [ "$x" != - ] && [ "$x" -ge "$1" ] && [ "$x" -le "$2" ] && return 0; done
  return 1
}
writes_of() { grep -c "write /store/$1 " "$ffslog"; }

head -c $((32 << 20)) /dev/urandom >"$tmp/src32"
head -c $((64 << 20)) /dev/urandom >"$tmp/src64"
head -c $(((4 << 20) + 13)) /dev/urandom >"$tmp/src4"

afterwards() { # LABEL: a fault-free PUT right after a fault is 201 and exact
  local name="after-$1.ts" c
  c="$(put "$name" "$tmp/src4")"
  if [ "$c" = 201 ] && cmp -s "$tmp/src4" "$bstore/$name"; then
    ok "$1: the daemon keeps serving: next PUT 201, 4 MiB+13 exact"
  else
    notok "$1: next PUT after the fault: code $c, $(cmp "$tmp/src4" "$bstore/$name" 2>&1 | head -c 120)"
  fi
}

# 1..3: one daemon per page-cache policy; direct is not under a page-cache policy, so it runs once.
for pc in keep dontneed sync; do
  start --WritePaths:PageCache "$pc"
  paths="buffered splice"
  [ "$pc" = keep ] && paths="buffered splice direct"
  for path in $paths; do
    tag="$path-$pc"

    # Calibration, fault-free: how many WRITE requests a 32 MiB recording makes on this path.
    cal="cal-$tag.ts"
    set_rules "write $cal log" "fsync $cal log"
    c="$(put "$cal?path=$path" "$tmp/src32")"
    judge "$cal" "$tmp/src32"
    nw="$(writes_of "$cal")"
    how=""
    if [ "$path" = direct ]; then
      if [ "$j_direct" -gt 0 ]; then how=", O_DIRECT passed through FUSE (direct moved $j_direct bytes)"
      else how=", O_DIRECT refused, fell back ($j_paths; $j_reason)"; fi
    fi
    if [ "$c" = 201 ] && [ "$j_state" = complete ] && [ "$j_len" = $((32 << 20)) ] && [ "$j_prefix" = 1 ]; then
      ok "$tag: fault-free 32 MiB through faultfs: 201, complete, exact, $nw WRITE requests$how"
    else
      notok "$tag: fault-free 32 MiB: code $c state $j_state len $j_len prefix $j_prefix$how"
    fi
    [ "$nw" -gt 8 ] || nw=8

    # (a) EIO on the data file's WRITE requests from about 20 MiB on (5/8 of the requests). How many
    # WRITE requests FUSE makes of the same bytes moves with writeback timing (splice-sync: 95 in one
    # calibration, under 59 in the next run): a run that made too few to meet the fault is repeated
    # with the count halved, at most twice; the fault must still be met and handled.
    nth=$((nw * 5 / 8))
    for attempt in 1 2 3; do
      name="eio-write-$tag-$attempt.ts"
      set_rules "write $name error EIO after $nth" "fsync $name log"
      c="$(put "$name?path=$path" "$tmp/src32")"
      body="$(head -c 200 "$tmp/body" 2>/dev/null | tr '\n' ' ')"
      judge "$name" "$tmp/src32"
      [ "$j_fault" = none ] && [ "$attempt" -lt 3 ] && [ "$nth" -gt 8 ] || break
      nth=$((nth / 2))
    done
    facts="code $c body '$body', state $j_state, committed $j_len (durable before the fault $j_durable, first fault $j_fault), prefix exact $j_prefix, reason '$j_reason', paths $j_paths"
    if [ "$j_fault" = none ]; then
      notok "(a) $tag: EIO from WRITE #$nth never injected: $facts"
    elif [ "$c" = 500 ] && grep -q EIO <<<"$body" && [ "$j_state" = damaged ] && grep -q EIO <<<"$j_reason" &&
         has_num_in $((j_faultoff - (4 << 20))) "$j_faultoff" && [ "$j_len" -le "$j_durable" ] && [ "$j_prefix" = 1 ]; then
      ok "(a) $tag: EIO on WRITE #$nth+: $facts"
    else
      notok "(a) $tag: EIO on WRITE #$nth+ (want 500 naming EIO, damaged, reason EIO + offset in [fault-4MiB, fault], committed <= durable, exact): $facts"
    fi
    afterwards "a-$tag"

    # (b) fsyncgate: the 3rd fsync/fdatasync of the data file fails once, later ones succeed.
    name="fsyncgate-$tag.ts"
    set_rules "fsync $name error EIO nth 3"
    c="$(put "$name?path=$path" "$tmp/src64")"
    body="$(head -c 200 "$tmp/body" 2>/dev/null | tr '\n' ' ')"
    judge "$name" "$tmp/src64"
    facts="code $c body '$body', state $j_state, committed $j_len (last fsync passed at $j_durable, failed fsync $j_fault), prefix exact $j_prefix, reason '$j_reason'"
    if [ "$j_fault" = none ]; then
      notok "(b) $tag: the 3rd fsync was never made: $facts"
    elif [ "$c" = 500 ] && grep -q EIO <<<"$body" && [ "$j_state" = damaged ] && grep -q EIO <<<"$j_reason" &&
         has_num_in "$j_durable" "$j_faultoff" && [ "$j_len" -le "$j_durable" ] && [ "$j_prefix" = 1 ]; then
      ok "(b) $tag: fsync #3 EIO once: $facts"
    else
      notok "(b) $tag: fsync #3 EIO once (want 500 naming EIO, damaged, reason EIO + offset in [last good fsync, failed fsync], committed <= last good fsync, exact): $facts"
    fi
    afterwards "b-$tag"

    # (c) ENOSPC past 20 MiB + 12345 bytes of the data file (faultfs writes what fits, then refuses).
    name="enospc-$tag.ts"
    limit=$(((20 << 20) + 12345))
    set_rules "write $name enospc-file $limit" "fsync $name log"
    c="$(put "$name?path=$path" "$tmp/src32")"
    body="$(head -c 200 "$tmp/body" 2>/dev/null | tr '\n' ' ')"
    judge "$name" "$tmp/src32"
    facts="code $c body '$body', state $j_state, committed $j_len (limit $limit, first refusal $j_fault), prefix exact $j_prefix, reason '$j_reason', paths $j_paths"
    if [ "$c" = 507 ] && [ "$j_state" = interrupted ] && [ "$j_len" -le "$limit" ] && [ "$j_len" -ge 0 ] && [ "$j_prefix" = 1 ]; then
      ok "(c) $tag: ENOSPC past $limit bytes: $facts"
    else
      notok "(c) $tag: ENOSPC past $limit bytes (want 507, interrupted, committed <= limit, exact): $facts"
    fi
    afterwards "c-$tag"
  done
  stop
done

# (d) Stalls: a recording's data fdatasync, then its manifest temp file's fsync, stalled 5 s.
start --WritePaths:PageCache keep
sock="$(sed -n 's/.* control socket \(.*\) (0600).*/\1/p' "$tmp/daemon.log" | tail -n 1)"
# The socket the daemon says it bound (it may leave the storage tree); else ctl's own lookup.
if [ -n "$sock" ]; then ctl=("$BIN" ctl --socket "$sock" status)
else ctl=("$BIN" ctl --storage "$store" --board-dir "$ROOT/board" status); fi
set_rules ""
c="$(put other.ts "$tmp/src4")"
[ "$c" = 201 ] && ok "(d) setup: other.ts complete (control socket ${sock:-not in the log})" || notok "(d) setup: other.ts code $c"
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
stall_case() { # LABEL NAME RULE
  local label="$1" name="$2" rule="$3" code_file="$tmp/code-$2" t0 tl th tc out seen=0 from
  from=$(($(wc -l <"$ffslog") + 1))
  set_rules "$rule"
  (curl -sS -m 60 -o /dev/null -w '%{http_code}' -T "$tmp/src32" "$base/$name" >"$code_file" 2>/dev/null) &
  bg_pids+=($!)
  local bg=$!
  for _ in $(seq 500); do tail -n "+$from" "$ffslog" | grep -q -- '-> stall' && { seen=1; break; }; sleep 0.02; done
  if [ "$seen" = 0 ]; then notok "(d) $label: the stall never happened"; wait "$bg"; return; fi
  sleep 0.2  # well inside the 5 s stall: the daemon is blocked in the call now
  t0="$(date +%s%N)"; lc="$(curl -sS -m 10 -o "$tmp/list" -w '%{http_code}' "$base")"; tl="$(ms "$t0")"
  t0="$(date +%s%N)"; hc="$(curl -sS -m 10 -o /dev/null -I -w '%{http_code}' "$base/other.ts")"; th="$(ms "$t0")"
  t0="$(date +%s%N)"; out="$(timeout 10 "${ctl[@]}" 2>&1)"; tc="$(ms "$t0")"
  local still=0; kill -0 "$bg" 2>/dev/null && still=1
  if [ "$lc" = 200 ] && [ "$tl" -lt 200 ]; then ok "(d) $label: GET /recordings answered 200 in $tl ms"
  else notok "(d) $label: GET /recordings: code $lc in $tl ms (want 200 within 200 ms)"; fi
  if [ "$hc" = 200 ] && [ "$th" -lt 200 ]; then ok "(d) $label: HEAD other.ts answered 200 in $th ms"
  else notok "(d) $label: HEAD other.ts: code $hc in $th ms (want 200 within 200 ms)"; fi
  if grep -q "^recd up" <<<"$out" && [ "$tc" -lt 200 ]; then ok "(d) $label: recd ctl status answered in $tc ms"
  else notok "(d) $label: recd ctl status in $tc ms (want an answer within 200 ms): $(head -c 160 <<<"$out" | tr '\n' ' ')"; fi
  [ "$still" = 1 ] || echo "# (d) $label: note: the stalled PUT had already ended when the probes were done"
  wait "$bg"
  local code; code="$(cat "$code_file")"
  judge "$name" "$tmp/src32"
  if [ "$code" = 201 ] && [ "$j_state" = complete ] && [ "$j_len" = $((32 << 20)) ] && [ "$j_prefix" = 1 ]; then
    ok "(d) $label: the stalled recording still ends 201, complete, exact"
  else
    notok "(d) $label: the stalled recording: code $code state $j_state len $j_len prefix $j_prefix"
  fi
}
stall_case "data fdatasync stalled 5 s" stall-data.ts "fsync stall-data.ts stall 5 nth 2"
stall_case "manifest fsync stalled 5 s" stall-manifest.ts "fsync .stall-manifest.ts.manifest.tmp stall 5 nth 2"
stop

if [ "$fail" -gt 0 ]; then
  echo "# daemon log (last 20 lines):"; tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
  echo "# faultfs: $(grep -c -- '-> [A-Z]' "$ffslog") faulted calls; bad rules: $(grep -c 'bad rule' "$ffslog")"
fi
finish
