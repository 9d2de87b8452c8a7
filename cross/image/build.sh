#!/usr/bin/env bash
# cross/image/build.sh BOARD TARGET OUT: the device image of a board profile, without mounting anything.
# Called by `./build.sh image` after publishing the target's NativeAOT binary. Produces in OUT:
#   rootfs-overlay.tar.gz  recd's files to lay over a vendor BusyBox root filesystem (overlay.list)
#   system.squashfs        a bootable system image: the overlay + base.sh (busybox-static, glibc, rcS)
#   data.ext4              the recordings disk (LABEL=recd-data): recordings/ and state/ for the service user
#   recd-BOARD.raucb       RAUC bundle (verity) of system.squashfs, signed with keys/ (a test key)
#   MANIFEST               every artifact with size and sha256, and every file in it with mode, owner, size
# docs/image.md says what each is for.
set -euo pipefail
BOARD="$1" TARGET="$2" OUT="$3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/cross/image"
source "$ROOT/cross/$TARGET.sh"
source "$HERE/fetch.sh"
source "$HERE/layout.sh"
BIN="$ROOT/out/$CROSS_RID/recd"
[ -x "$BIN" ] || { echo "image: $BIN missing (./build.sh publish --target $CROSS_RID)" >&2; exit 1; }
T0=$(date +%s)

rm -rf "$OUT/stage" && mkdir -p "$OUT/stage"
overlay="$OUT/stage/overlay" system="$OUT/stage/system" data="$OUT/stage/data"
stage_overlay "$overlay"          # layout.sh
stage_data "$data"                # layout.sh
mkdir -p "$system" && cp -a "$overlay/." "$system/"
source "$HERE/base.sh"
stage_base "$system"              # base.sh: busybox, libraries, rcS, mount points

# Archives and disk images. Everything in the system image is owned by root (-all-root); the
# recordings disk keeps the service user's numeric ids from the stage.
tar --numeric-owner --owner=0 --group=0 -C "$overlay" -czf "$OUT/rootfs-overlay.tar.gz" .
rm -f "$OUT/system.squashfs"
mksquashfs "$system" "$OUT/system.squashfs" -comp xz -all-root -noappend -quiet -no-progress >/dev/null
rm -f "$OUT/data.ext4"
mke2fs -q -F -t ext4 -L recd-data -d "$data" "$OUT/data.ext4" "${RECD_DATA_SIZE:-256M}"

source "$HERE/rauc.sh"
make_bundle "$OUT" "$BOARD"       # rauc.sh

write_manifest "$OUT"             # layout.sh
echo "image: $OUT ($(( $(date +%s) - T0 )) s)" >&2
