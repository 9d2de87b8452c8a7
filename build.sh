#!/usr/bin/env bash
# recd: the one entry point.
#   ./build.sh run [recd options]   install what is missing, publish NativeAOT, run the daemon (host profile)
#   ./build.sh test                 install, publish, run xunit + end-to-end suites; last line "N passed, N failed"
#   ./build.sh bench [options]      throughput and CPU-s/GiB of each write path beside the C reference
#   ./build.sh publish [--target RID]   NativeAOT binary into out/RID/ (default: the host's RID; cross/RID.sh for others)
#   ./build.sh native [--target T]      C reference receiver, load sender and faultfs into native/build/ (T: cross/T.sh,
#                                       the two reference tools into native/build-TRIPLE/)
#   ./build.sh image [--board NAME]     device image + RAUC bundle for a linux-arm64 board into out/image/NAME/ (docs/image.md)
#   ./build.sh test [--image]           --image adds the emulated board's power-cut and EIO rounds
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

host_rid() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64) echo linux-arm64 ;;
    *) echo "unsupported host architecture $(uname -m)" >&2; exit 1 ;;
  esac
}

# cross_load T: reads cross/T.sh (CROSS_TRIPLE, CROSS_RID, CROSS_SYSROOT, CROSS_QEMU, CROSS_CC, CROSS_NEEDS...).
# Nothing target-specific lives in this file; cross_targets lists them.
cross_targets() { local f; for f in "$ROOT"/cross/*.sh; do basename "$f" .sh; done; }
cross_load() {
  [ -f "$ROOT/cross/$1.sh" ] || { echo "build.sh: unknown target '$1' (known: $(cross_targets | tr '\n' ' '))" >&2; exit 2; }
  CROSS_TRIPLE= CROSS_RID= CROSS_DEB_ARCH= CROSS_SYSROOT= CROSS_QEMU= CROSS_CC= CROSS_NEEDS=() CROSS_BOARD_NEEDS=()
  # shellcheck source=/dev/null
  source "$ROOT/cross/$1.sh"
}

# image_target BOARD: the cross target of a board profile (its "Arch" is the target's triple's first
# part) and it must have a .NET RID: a device image carries the daemon.
image_target() {
  local arch t
  # The profile's Arch, or its Base's (the daemon's own inheritance rule).
  arch="$(python3 -c '
import json,sys
d,n=sys.argv[1:]; a=""
for _ in range(8):
    p=json.load(open(d+"/"+n+".json")); a=p.get("Arch") or ""; n=p.get("Base")
    if a or not n: break
print(a)' "$ROOT/board" "$1")"
  for t in $(cross_targets); do
    cross_load "$t"
    if [ "${CROSS_TRIPLE%%-*}" = "$arch" ] && [ -n "$CROSS_RID" ]; then echo "$t"; return 0; fi
  done
  echo "build.sh: board $1 (Arch '$arch') has no target with a .NET runtime in cross/ (docs/cross.md)" >&2
  exit 2
}

# Debian packages the build and the tests use. Installed only when something is missing.
deps() {
  local missing=()
  command -v clang >/dev/null || missing+=(clang)
  command -v ld.lld >/dev/null || missing+=(lld)
  command -v gcc >/dev/null || missing+=(gcc)
  command -v make >/dev/null || missing+=(make)
  command -v curl >/dev/null || missing+=(curl)
  command -v sha256sum >/dev/null || missing+=(coreutils)
  [ -x /usr/bin/python3 ] || missing+=(python3)
  command -v fincore >/dev/null || missing+=(util-linux)
  command -v useradd >/dev/null || missing+=(passwd)
  command -v ip >/dev/null || missing+=(iproute2)
  command -v mount >/dev/null || missing+=(mount)
  [ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
  # tests/e2e/init.sh checks init/recd.service with systemd-analyze verify (no systemd needs to run).
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  # native/faultfs.c (the fault-injecting FUSE filesystem of tests/e2e/durability_faults.sh).
  command -v fusermount3 >/dev/null || missing+=(fuse3)
  command -v pkg-config >/dev/null || missing+=(pkg-config)
  [ -e /usr/include/fuse3/fuse.h ] || missing+=(libfuse3-dev)
  # tests/e2e/usb_formats.sh: the USB disk formats boxes record to, FUSE-mounted on loop devices
  # (the kernel here has no vfat/exfat/ntfs3). exfat-fuse mounts, exfatprogs has mkfs.exfat.
  command -v mount.exfat-fuse >/dev/null || missing+=(exfat-fuse)
  command -v mkfs.exfat >/dev/null || missing+=(exfatprogs)
  command -v mkntfs >/dev/null || missing+=(ntfs-3g)
  # tests/e2e/metrics.sh: promtool checks the /metrics text, a real Prometheus server scrapes it.
  command -v promtool >/dev/null || missing+=(prometheus)
  # tests/e2e/console.sh types into the diagnostics shell through a tmux pane.
  command -v tmux >/dev/null || missing+=(tmux)
  # The selector benchmark's veth condition switches GRO/TSO/GSO off with ethtool (NIC-like segments).
  [ "${1:-}" = bench ] && { command -v ethtool >/dev/null || missing+=(ethtool); }
  # Image recipes (cross/image/) and the emulated board (tests/e2e/board_qemu.sh).
  if [ "${1:-}" = image ]; then
    command -v mksquashfs >/dev/null || missing+=(squashfs-tools)
    command -v mke2fs >/dev/null || missing+=(e2fsprogs)
    command -v rauc >/dev/null || missing+=(rauc)
    command -v openssl >/dev/null || missing+=(openssl)
    command -v cpio >/dev/null || missing+=(cpio)
    command -v socat >/dev/null || missing+=(socat)
  fi
  # Cross targets: each cross/T.sh names its packages as "command-or-path package" pairs.
  if [ "${1:-}" = cross ]; then
    shift
    local t entry
    for t in "$@"; do
      cross_load "$t"
      for entry in "${CROSS_NEEDS[@]}" "${CROSS_BOARD_NEEDS[@]}"; do
        set -- $entry
        if [ "${1:0:1}" = / ]; then [ -e "$1" ] || missing+=("$2"); else command -v "$1" >/dev/null || missing+=("$2"); fi
      done
    done
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if ! command -v dotnet >/dev/null; then
    echo "build.sh: the .NET SDK (10.0) is required: install the dotnet-sdk-10.0 package" >&2
    exit 1
  fi
}

publish() {
  local rid="${1:-$(host_rid)}"
  local out="$ROOT/out/$rid"
  # What "recd version" and recd_build_info report; "unknown" without git (a tarball). SOURCE_DATE_EPOCH,
  # if set, keeps the date reproducible.
  local commit date
  commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [ "$commit" != unknown ] && ! git -C "$ROOT" diff --quiet HEAD 2>/dev/null && commit="$commit-dirty"
  date="$(date -u ${SOURCE_DATE_EPOCH:+-d @$SOURCE_DATE_EPOCH} +%Y-%m-%dT%H:%M:%SZ)"
  # dotnet's own status (pipefail), not only "a recd is there": a failed build leaves the last one in place.
  local rc=0
  dotnet publish "$ROOT/src/Appliance/Appliance.csproj" -c Release -r "$rid" -o "$out" -nologo -v quiet \
    -p:DebugType=none -p:SourceRevisionId="$commit" -p:RecdBuildDate="$date" 2>&1 | { grep -vE '^\s*$' || true; } || rc=$?
  [ "$rc" -eq 0 ] && [ -x "$out/recd" ] || { echo "build.sh: publish failed (dotnet exit $rc); $out/recd, if any, is an older build" >&2; exit 1; }
  rm -rf "$out/board" && cp -r "$ROOT/board" "$out/board"
  echo "build.sh: $out/recd $(stat -c %s "$out/recd") bytes" >&2
}

native() {
  make -s -C "$ROOT/native" >&2
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  run)
    deps
    publish
    exec "$ROOT/out/$(host_rid)/recd" run --board-dir "$ROOT/board" "$@"
    ;;
  publish)
    deps
    rid=""
    if [ "${1:-}" = "--target" ]; then rid="$2"; fi
    if [ -n "$rid" ] && [ "$rid" != "$(host_rid)" ]; then
      cross_load "$rid"
      [ -n "$CROSS_RID" ] || { echo "build.sh: $rid has no .NET target (docs/cross.md); try ./build.sh native --target $rid" >&2; exit 2; }
      deps cross "$rid"
    fi
    publish "$rid"
    ;;
  native)
    deps
    if [ "${1:-}" = "--target" ]; then
      cross_load "$2"
      deps cross "$2"
      make -s -C "$ROOT/native" "cross-$CROSS_TRIPLE" >&2
      echo "build.sh: $ROOT/native/build-$CROSS_TRIPLE/" >&2
    else
      native
    fi
    ;;
  image)
    board=qemu-virt-arm64   # the emulated board's profile (tests/e2e/board_qemu.sh boots it)
    if [ "${1:-}" = "--board" ]; then board="$2"; fi
    [ -f "$ROOT/board/$board.json" ] || { echo "build.sh: no board/$board.json" >&2; exit 2; }
    target="$(image_target "$board")"
    cross_load "$target"
    deps image
    deps cross "$target"
    publish "$CROSS_RID"
    exec "$ROOT/cross/image/build.sh" "$board" "$target" "$ROOT/out/image/$board"
    ;;
  test)
    # shellcheck disable=SC2046
    deps cross $(cross_targets)
    deps image
    publish
    for t in $(cross_targets); do
      cross_load "$t"
      [ -n "$CROSS_RID" ] && [ "$CROSS_RID" != "$(host_rid)" ] && publish "$CROSS_RID"
    done
    native
    exec "$ROOT/tests/run-all.sh" "$@"
    ;;
  bench)
    deps bench
    publish
    native
    exec "$ROOT/bench/run.sh" "$@"
    ;;
  *)
    sed -n '2,11p' "$0"
    exit 2
    ;;
esac
