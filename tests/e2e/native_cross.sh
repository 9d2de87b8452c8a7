#!/usr/bin/env bash
# native/ cross-built for every target in cross/ (aarch64, armhf, mipsel) and run under qemu-user:
# recd-recv-ref receives a pattern stream from the host's recd-send-load over 127.0.0.1 through each
# of its paths (buffered, splice, direct with an unaligned tail; each plain and with --batch, i.e.
# poll + non-blocking recv/splice) on ext4 and tmpfs, plus --count 2 with --fsync and a small
# --pipe/--buf; every file is sha256-compared with `recd-send-load --emit N`, and the output line must
# name the mode and report no fallback (a copied x86_64 O_DIRECT constant would fall back here).
# recd-calib-probe runs once per target: its JSON must parse and hold every primitive's keys.
# Not covered: the EINVAL fallbacks (O_DIRECT or splice refused by the filesystem): ext4 and tmpfs
# (Linux >= 6.6) accept both; native_ref.sh has no such filesystem either.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
T0=$(date +%s)
SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
work_ext4="$(mktemp -d /tmp/recd-ncross.XXXXXX)"
work_tmpfs="$(mktemp -d /dev/shm/recd-ncross.XXXXXX)"
rpid=""
cleanup() { [ -n "$rpid" ] && kill "$rpid" 2>/dev/null; kill_started; rm -rf "$work_ext4" "$work_tmpfs"; }
trap cleanup EXIT

[ -x "$SEND" ] || make -s -C "$ROOT/native" refs >/dev/null 2>&1
[ -x "$SEND" ] || { notok "host recd-send-load could not be built"; finish; exit 1; }
N=$((5 * 1048576 + 7))   # odd: direct mode's unaligned tail goes through the normal fd
want="$("$SEND" --emit "$N" | sha256sum | cut -d' ' -f1)"

# recv TARGETDIR NAME ARGS...: one receive under qemu-user, the sender on the host. Sets line, got.
recv() {
  local dir="$1" name="$2"; shift 2
  local out="$dir/$name.out"
  rm -f "$dir/ready"
  timeout 120 "$CROSS_QEMU" -L "$CROSS_SYSROOT" "$RECV" --listen 127.0.0.1:0 --ready-file "$dir/ready" \
    --out "$dir/$name" "$@" >"$out" 2>"$dir/$name.err" &
  rpid=$!
  for _ in $(seq 200); do [ -s "$dir/ready" ] && break; sleep 0.05; done
  local port; port="$(cat "$dir/ready" 2>/dev/null)"
  [ -n "$port" ] && "$SEND" --connect "127.0.0.1:$port" --bytes "$N" >/dev/null 2>>"$dir/$name.err"
  [ -n "$port" ] && [ "${count:-1}" = 2 ] && "$SEND" --connect "127.0.0.1:$port" --bytes "$N" --seed 2 >/dev/null 2>>"$dir/$name.err"
  wait "$rpid"; rpid=""
  line="$(head -n 1 "$out")"
  got="$(sha256sum <"$dir/$name" 2>/dev/null | cut -d' ' -f1)"
}

targets=0
for f in "$ROOT"/cross/*.sh; do
  t="$(basename "$f" .sh)"
  CROSS_TRIPLE= CROSS_QEMU= CROSS_SYSROOT=
  source "$f"
  if ! command -v "$CROSS_CC" >/dev/null || ! command -v "$CROSS_QEMU" >/dev/null || [ ! -e "$CROSS_SYSROOT/lib/crti.o" ]; then
    echo "# $t: $CROSS_CC, $CROSS_QEMU or $CROSS_SYSROOT missing (./build.sh native --target $t installs them): skipped"
    continue
  fi
  targets=$((targets + 1))
  if ! make -s -C "$ROOT/native" "cross-$CROSS_TRIPLE" >"$work_ext4/make-$t.log" 2>&1; then
    notok "$t: make -C native cross-$CROSS_TRIPLE: $(tail -n 3 "$work_ext4/make-$t.log")"; continue
  fi
  RECV="$ROOT/native/build-$CROSS_TRIPLE/recd-recv-ref"
  file -b "$RECV" | grep -q "$(case "$t" in linux-arm64) echo aarch64;; armhf) echo 'ARM, EABI5';; mipsel) echo 'MIPS';; esac)" \
    && ok "$t: recd-recv-ref is a $(file -b "$RECV" | cut -d, -f1-2) binary" || notok "$t: $(file -b "$RECV")"
  # recd-calib-probe: the copy primitives of "recd calibrate" on a board recd cannot run on; its JSON
  # must parse and carry every primitive with the keys recd writes under Calibration:Primitives.
  PROBE="$ROOT/native/build-$CROSS_TRIPLE/recd-calib-probe"
  timeout 60 "$CROSS_QEMU" -L "$CROSS_SYSROOT" "$PROBE" --dir "$work_ext4" --seconds 1 --cap 8M >"$work_ext4/probe-$t.json" 2>"$work_ext4/probe-$t.err"
  probe="$(python3 - "$work_ext4/probe-$t.json" <<'PY' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
names = ["Memcpy", "CopyToUser", "CopyFromUser", "SpliceToFile", "PageCacheWrite", "DirectWrite"]
p = d["Primitives"]
assert list(p) == names, list(p)
for n in names:
    assert {"MiBps", "CpuNsPerByte", "Bytes"} <= set(p[n]), (n, p[n])
    assert "Error" in p[n] or (p[n]["Bytes"] > 0 and p[n]["MiBps"] > 0), (n, p[n])
print(d["Arch"], "memcpy", p["Memcpy"]["MiBps"], "MiB/s, copy_to_user", p["CopyToUser"]["MiBps"], "errors", [n for n in names if "Error" in p[n]])
PY
)"
  [ $? = 0 ] && [ -z "$(ls -A "$work_ext4" | grep recd-calib)" ] && ok "$t recd-calib-probe: JSON parses with every primitive's keys (under qemu-user: $probe)" \
    || notok "$t recd-calib-probe: $probe $(tail -n 2 "$work_ext4/probe-$t.err")"
  ts=$(date +%s)
  for fs in ext4 tmpfs; do
    dir="$work_ext4"; [ "$fs" = tmpfs ] && dir="$work_tmpfs"
    for mode in buffered splice direct; do
      for batch in off on; do
        args=(--mode "$mode"); [ "$batch" = on ] && args+=(--batch 256k --batch-ms 200)
        name="$t-$fs-$mode-$batch"
        count=1 recv "$dir" "$name" "${args[@]}"
        if [ "$got" = "$want" ] && grep -q "^mode=$mode bytes=$N .*fallback=none" <<<"$line"; then
          ok "$t $fs $mode batch=$batch: sha256-exact, no fallback"
        else
          notok "$t $fs $mode batch=$batch: sha ${got:0:12} line '$line' $(tail -n 2 "$dir/$name.err")"
        fi
        rm -f "$dir/$name"
      done
    done
  done
  # Two connections one after the other (the second to FILE.1), fdatasync, small pipe and buffer.
  count=2 recv "$work_ext4" "$t-count" --mode splice --count 2 --fsync --pipe 64k --buf 64k
  want2="$("$SEND" --emit "$N" --seed 2 | sha256sum | cut -d' ' -f1)"
  got2="$(sha256sum <"$work_ext4/$t-count.1" 2>/dev/null | cut -d' ' -f1)"
  lines="$(grep -c "^mode=splice bytes=$N .*fallback=none" "$work_ext4/$t-count.out")"
  if [ "$got" = "$want" ] && [ "$got2" = "$want2" ] && [ "$lines" = 2 ]; then
    ok "$t splice --count 2 --fsync --pipe 64k: both files sha256-exact"
  else
    notok "$t --count 2: sha ${got:0:12}/${got2:0:12} lines $lines"
  fi
  rm -f "$work_ext4/$t-count" "$work_ext4/$t-count.1"
  echo "# $t: $(( $(date +%s) - ts )) s"
done
[ "$targets" -gt 0 ] || { echo "# no cross toolchain: skipped"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
echo "# took $(( $(date +%s) - T0 )) s"
finish
