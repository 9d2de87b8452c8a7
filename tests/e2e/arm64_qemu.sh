#!/usr/bin/env bash
# The linux-arm64 NativeAOT binary (cross-built by build.sh) under qemu-user: every write path on
# ext4 and tmpfs, Content-Length and chunked, sha256-exact, and the manifest shows the chosen path
# moved the bytes with no fallback. O_DIRECT is 0x10000 on arm64 (0x4000 there is O_DIRECTORY): a
# constant copied from x86_64 would make the direct path fall back, and this test fail.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
ARM_BIN="${RECD_ARM64_BIN:-$ROOT/out/linux-arm64/recd}"
SYSROOT="${RECD_ARM64_SYSROOT:-/usr/aarch64-linux-gnu}"
if ! command -v qemu-aarch64 >/dev/null || [ ! -x "$ARM_BIN" ] || [ ! -d "$SYSROOT/lib" ]; then
  echo "# qemu-aarch64, the arm64 binary or its sysroot is missing: arm64 tests skipped"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi
file "$ARM_BIN" | grep -q aarch64 || { notok "$ARM_BIN is not an aarch64 binary"; finish; exit 1; }

work_ext4="$(mktemp -d /tmp/recd-arm64.XXXXXX)"
work_tmpfs="$(mktemp -d /dev/shm/recd-arm64.XXXXXX)"
pid=""
cleanup() { stop_daemon; kill_started; rm -rf "$work_ext4" "$work_tmpfs"; }
trap cleanup EXIT
head -c 8388613 /dev/urandom >"$work_ext4/src"
want="$(sha256sum <"$work_ext4/src" | cut -d' ' -f1)"

# start_daemon runs "$BIN": point it at a wrapper that runs the arm64 binary under qemu-user.
wrapper="$work_ext4/recd-arm64"
printf '#!/bin/sh\nexec qemu-aarch64 -L %s %s "$@"\n' "$SYSROOT" "$ARM_BIN" >"$wrapper"
chmod +x "$wrapper"
BIN="$wrapper"

for fs in ext4 tmpfs; do
  dir="$work_ext4"; [ "$fs" = tmpfs ] && dir="$work_tmpfs"
  # The generic-arm64 profile keeps runtime state in /run/recd and /var/lib/recd, as a board does: here beside the store.
  start_daemon "$dir" "$dir/store" --RuntimeDir "$dir/run" --Storage:StateDir "$dir/state"
  [ -n "$port" ] || { notok "$fs: arm64 daemon did not start: $(tail -n 3 "$dir/daemon.log")"; continue; }
  for path in buffered splice direct; do
    for framing in length chunked; do
      name="$path-$framing.ts"
      if [ "$framing" = chunked ]; then
        code="$(curl -sS -o /dev/null -w '%{http_code}' -T - -H 'Transfer-Encoding: chunked' "$base/$name?path=$path" <"$work_ext4/src")"
      else
        code="$(curl -sS -o /dev/null -w '%{http_code}' -T "$work_ext4/src" "$base/$name?path=$path")"
      fi
      got="$(sha256sum <"$dir/store/$name" | cut -d' ' -f1)"
      read -r moved reason < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(sum(v for k,v in (m.get("bytesByPath") or {}).items() if k.startswith(sys.argv[2])), m.get("reason") or "-")' "$dir/store/.$name.manifest" "$path/")
      if [ "$code" = 201 ] && [ "$got" = "$want" ] && [ "$moved" -gt 0 ] && [ "$reason" = "-" ]; then
        ok "arm64 $fs $path $framing: exact, $path moved $moved bytes, no fallback"
      else
        notok "arm64 $fs $path $framing: code $code sha ${got:0:12} moved $moved reason $reason"
      fi
    done
  done
  grep -q "O_DIRECT unavailable" "$dir/daemon.log" && notok "arm64 $fs: O_DIRECT probe failed: $(grep -o 'O_DIRECT unavailable.*' "$dir/daemon.log" | head -n 1)" || ok "arm64 $fs: O_DIRECT probe passed"
  stop_daemon
done
finish
