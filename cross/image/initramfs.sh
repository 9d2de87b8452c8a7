# Sourced: make_initramfs KERNEL_TREE BUSYBOX_TREE OUT.gz MODULE... : a gzip newc initramfs with
# busybox-static, the named modules and everything they depend on, in an order computed from each
# module's `depends=` (the .deb has no modules.dep; a fixed order hung a guest when a new kernel
# changed a dependency: ../../shared boards.md), and /init, which loads them, mounts the squashfs
# system image (root=) and switches to its BusyBox init.
# ko_depends KO: the module's depends= (modinfo if kmod is installed, else the .modinfo strings).
ko_depends() {
  if command -v modinfo >/dev/null; then modinfo -F depends "$1"; return; fi
  case "$1" in *.xz) xz -dc "$1" ;; *) cat "$1" ;; esac | strings -a | sed -n 's/^depends=//p' | head -n 1
}

make_initramfs() {
  local ktree="$1" bb="$2" out="$3"; shift 3
  local mdir; mdir="$(ls -d "$ktree"/lib/modules/*/ | head -n 1)"
  local tmp; tmp="$(mktemp -d)"
  mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/newroot" "$tmp/lib/modules"
  cp "$bb/bin/busybox" "$tmp/bin/busybox"
  declare -A path=() done=()
  local ko n
  while read -r ko; do n="$(basename "$ko")"; n="${n%%.ko*}"; path[${n//-/_}]="$ko"; done \
    < <(find "$mdir" -name '*.ko' -o -name '*.ko.xz')
  order=()
  visit() {   # depth first: a module after everything in its depends=
    local m="${1//-/_}" d
    [ -n "${done[$m]:-}" ] && return 0
    [ -n "${path[$m]:-}" ] || { echo "initramfs: no module $m" >&2; return 1; }
    done[$m]=1
    for d in $(ko_depends "${path[$m]}" | tr ',' ' '); do visit "$d" || return 1; done
    order+=("$m")
  }
  for n in "$@"; do visit "$n" || { rm -rf "$tmp"; return 1; }; done
  for n in "${order[@]}"; do
    case "${path[$n]}" in *.xz) xz -dc "${path[$n]}" >"$tmp/lib/modules/$n.ko" ;; *) cp "${path[$n]}" "$tmp/lib/modules/$n.ko" ;; esac
  done
  printf '%s\n' "${order[@]}" >"$tmp/modules.order"
  cat >"$tmp/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/lib/modules/$m.ko" || echo "initramfs: insmod $m failed"; done
root=/dev/vda
for a in $(cat /proc/cmdline); do case "$a" in root=*) root="${a#root=}" ;; esac; done
for _ in $(seq 50); do [ -b "$root" ] && break; sleep 0.1; done
mount -t squashfs -o ro "$root" /newroot || { echo "initramfs: cannot mount $root"; exec sh; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
  chmod +x "$tmp/init"
  (cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out"
  echo "initramfs: modules ${order[*]}" >&2
  rm -rf "$tmp"
}
