#!/usr/bin/env bash
# recd: the one entry point.
#   ./build.sh run [recd options]   install what is missing, publish NativeAOT, run the daemon (host profile)
#   ./build.sh test                 install, publish, run xunit + end-to-end suites; last line "N passed, N failed"
#   ./build.sh bench [options]      throughput and CPU-s/GiB of each write path beside the C reference
#   ./build.sh publish [--target RID]   NativeAOT binary into out/RID/ (default: the host's RID)
#   ./build.sh native               C reference receiver, load sender and faultfs into native/build/
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
  if [ "${1:-}" = cross ]; then
    # The arm64 suite: clang cross-links against this sysroot; qemu-user runs the result (../shared/cross.md).
    command -v aarch64-linux-gnu-gcc >/dev/null || missing+=(gcc-aarch64-linux-gnu)
    # Only a Recommends of the cross gcc, so --no-install-recommends leaves it out: crt files, libc, libm.
    [ -e /usr/aarch64-linux-gnu/lib/crti.o ] || missing+=(libc6-dev-arm64-cross)
    command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
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
  dotnet publish "$ROOT/src/Appliance/Appliance.csproj" -c Release -r "$rid" -o "$out" -nologo -v quiet \
    -p:DebugType=none -p:SourceRevisionId="$commit" -p:RecdBuildDate="$date" 2>&1 | grep -vE '^\s*$' || true
  [ -x "$out/recd" ] || { echo "build.sh: publish failed" >&2; exit 1; }
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
    [ "$rid" = linux-arm64 ] && deps cross
    publish "$rid"
    ;;
  native)
    deps
    native
    ;;
  test)
    deps cross
    publish
    [ "$(host_rid)" = linux-arm64 ] || publish linux-arm64
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
    sed -n '2,7p' "$0"
    exit 2
    ;;
esac
