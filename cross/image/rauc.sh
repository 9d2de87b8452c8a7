# Sourced by cross/image/build.sh: the OTA bundle. RAUC (Debian `rauc` 1.8) installs a bundle into
# an A/B slot pair of class "rootfs" on a board whose system.conf has the same `compatible`.
# The signing key and certificate are generated once per out/ tree for tests (keys/): a real build
# signs with the vendor's key, and the board's keyring holds only its certificate.
make_bundle() {
  local out="$1" board="$2" keys="$1/keys" dir="$1/stage/bundle"
  mkdir -p "$keys"
  if [ ! -s "$keys/key.pem" ] || [ ! -s "$keys/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/O=recd/CN=recd test signing key" \
      -keyout "$keys/key.pem" -out "$keys/cert.pem" 2>/dev/null
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$out/system.squashfs" "$dir/system.squashfs"
  cat >"$dir/manifest.raucm" <<MF
[update]
compatible=recd-$board
version=$("$CROSS_QEMU" -L "$CROSS_SYSROOT" "$BIN" version 2>/dev/null | awk 'NR == 1 {print $2}' || true)$(git -C "$ROOT" describe --always --dirty 2>/dev/null | sed 's/^/+/')
description=recd system image for board $board

[bundle]
format=verity

[image.rootfs]
filename=system.squashfs
MF
  rm -f "$out/recd-$board.raucb"
  rauc bundle --cert="$keys/cert.pem" --key="$keys/key.pem" "$dir" "$out/recd-$board.raucb" >/dev/null
  rauc info --keyring="$keys/cert.pem" "$out/recd-$board.raucb" >"$out/rauc-info.txt" 2>&1 \
    || { cat "$out/rauc-info.txt" >&2; echo "image: rauc info rejected the bundle" >&2; return 1; }
}
