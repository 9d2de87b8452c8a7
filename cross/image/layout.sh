# Sourced by cross/image/build.sh: what recd puts on a board (the overlay), the recordings disk's
# layout, and the manifest. Uses BOARD, BIN, HERE, ROOT.
RECD_UID=990 RECD_GID=990   # a system id (Debian: 100-999), fixed so the recordings disk matches the image

stage_overlay() {
  local o="$1"
  install -D -m 0755 "$BIN" "$o/usr/bin/recd"
  mkdir -p "$o/etc/recd/board"
  local name="$BOARD"   # the profile and its Base chain, nothing else
  while [ -n "$name" ]; do
    cp "$ROOT/board/$name.json" "$o/etc/recd/board/"
    name="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("Base") or "")' "$ROOT/board/$name.json")"
  done
  echo "$BOARD" >"$o/etc/recd/board-name"        # read by the init script
  # The project's BusyBox script, set for this board: it logs through syslog, which this minimal
  # image does not run, so the lines go to the console instead (where the emulated board's test
  # reads "recd listening"). The systemd unit and the procd script ride along for other images.
  install -D -m 0755 "$ROOT/init/busybox/recd" "$o/etc/init.d/recd"
  mkdir -p "$o/etc/default"
  printf 'BOARD=%s\nEXTRA_ARGS="--board-dir /etc/recd/board"\nCONSOLE_LOG=1\nPIDFILE=/run/recd.pid\n' "$BOARD" >"$o/etc/default/recd"
  install -D -m 0644 "$ROOT/init/recd.service" "$o/usr/share/recd/init/recd.service"
  install -D -m 0755 "$ROOT/init/openwrt/recd" "$o/usr/share/recd/init/openwrt-recd"
  install -D -m 0644 "$HERE/inittab" "$o/etc/inittab"
  # The service user: no login, no home. A vendor rootfs merges these lines into its own files.
  printf 'root:x:0:0:root:/root:/bin/sh\nrecd:x:%d:%d:recd recording storage:/nonexistent:/bin/false\n' \
    "$RECD_UID" "$RECD_GID" >"$o/etc/passwd"
  printf 'root:x:0:\nrecd:x:%d:\n' "$RECD_GID" >"$o/etc/group"
  # Mount points of the profile's folders: /data (the recordings disk), /run (tmpfs, RuntimeDir).
  mkdir -p "$o/data" "$o/run"
}

stage_data() {
  local d="$1" root state
  root="$(profile_key Storage:Root)" state="$(profile_key Storage:StateDir)"
  mkdir -p "$d/${root#/data/}" "$d/${state#/data/}"
  chown "$RECD_UID:$RECD_GID" "$d/${root#/data/}" "$d/${state#/data/}" 2>/dev/null || true
  chmod 0750 "$d/${root#/data/}" "$d/${state#/data/}"
}

# profile_key Section:Key: the board profile's value, following Base (the daemon's own rule).
profile_key() {
  python3 - "$ROOT/board" "$BOARD" "$1" <<'PY'
import json, sys, os
d, name, key = sys.argv[1:]
chain = []
while name and len(chain) < 8:
    p = json.load(open(os.path.join(d, name + ".json"))); chain.append(p); name = p.get("Base")
for p in chain:
    v = p
    for k in key.split(":"):
        v = v.get(k) if isinstance(v, dict) else None
    if v is not None:
        print(v); break
PY
}

write_manifest() {
  local out="$1" f
  {
    echo "# recd device image, board $BOARD, target $TARGET, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# recd $(stat -c %s "$BIN") bytes, git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "## artifacts: bytes (apparent) sha256 name"
    for f in rootfs-overlay.tar.gz system.squashfs data.ext4 "recd-$BOARD.raucb" keys/cert.pem; do
      [ -f "$out/$f" ] && echo "$(stat -c %s "$out/$f") $(sha256sum "$out/$f" | cut -d' ' -f1) $f"
    done
    for part in overlay system data; do
      echo "## $part: mode uid:gid bytes path"
      (cd "$out/stage/$part" && find . -mindepth 1 \( -type l -printf '%M %U:%G %s /%P -> %l\n' \) -o -printf '%M %U:%G %s /%P\n' | sort -k4)
    done
  } >"$out/MANIFEST"
}
