# Sourced by cross/image/build.sh: the base the overlay needs to boot on its own (the emulated board;
# a vendor rootfs brings its own): busybox-static of the target's Debian architecture (downloaded,
# not installed), the glibc the daemon links (from the cross sysroot), libgpiod v1 for board I/O
# (libgpiod2 of the target's Debian architecture, downloaded like busybox), rcS and the mount points.
stage_base() {
  local s="$1" bb lib applet
  bb="$(fetch_deb busybox-static "$CROSS_DEB_ARCH")" || { echo "image: busybox-static:$CROSS_DEB_ARCH unavailable" >&2; return 1; }
  install -D -m 0755 "$bb/bin/busybox" "$s/bin/busybox"
  # The applet list from the binary itself (static: qemu-user runs it without a sysroot).
  "$CROSS_QEMU" "$s/bin/busybox" --list-full | while read -r applet; do
    [ -e "$s/$applet" ] && continue
    mkdir -p "$s/$(dirname "$applet")"
    ln -s /bin/busybox "$s/$applet"
  done
  # The daemon's NEEDED libraries and its interpreter (readelf, not ldd: the binary is foreign).
  mkdir -p "$s/lib"
  for lib in $("$CROSS_TRIPLE-readelf" -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    cp -L "$CROSS_SYSROOT/lib/$lib" "$s/lib/$lib"
  done
  lib="$("$CROSS_TRIPLE-readelf" -l "$BIN" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')"
  cp -L "$CROSS_SYSROOT/lib/$(basename "$lib")" "$s$lib"
  # System.Device.Gpio's LibGpiodDriver dlopens libgpiod.so.2 (Gpio:Driver libgpiod); it needs only
  # libc. Without it the daemon runs with "no GPIO". /lib is in the loader's default search path.
  local gpiod
  gpiod="$(fetch_deb libgpiod2 "$CROSS_DEB_ARCH")" || { echo "image: libgpiod2:$CROSS_DEB_ARCH unavailable" >&2; return 1; }
  cp -L "$gpiod/usr/lib/$CROSS_TRIPLE/libgpiod.so.2" "$s/lib/libgpiod.so.2"
  install -D -m 0755 "$HERE/rcS" "$s/etc/init.d/rcS"
  mkdir -p "$s/proc" "$s/sys" "$s/dev" "$s/tmp" "$s/root" "$s/var"
  ln -sfn /run "$s/var/run"
}
