#!/usr/bin/env bash
# Run by tests/e2e/systemd_unit.sh as PID 1 of new pid, mount, cgroup, net, uts and ipc namespaces:
# builds a throwaway root and execs systemd in it, as a container manager would.
#   systemd_root.sh WORKDIR BIN ROOT
# The root is an overlay of the host's / with its upper layer on a tmpfs, so nothing a boot unit
# writes (tmpfiles' `D /tmp` empties /tmp at boot) reaches the host's files; /proc/sys and /sys are
# read-only. Units that act on the one kernel all namespaces share (modules, sysctl, binfmt_misc,
# the clock, disks: repart, fstrim, e2scrub, udev) are masked and systemd gets no CAP_SYS_MODULE,
# CAP_SYS_TIME or CAP_SYS_RAWIO: the host is not ours to change.
set -euo pipefail
W="$1" BIN="$2" ROOT="$3"
R="$W/ovl/root"
mount --make-rprivate /
mkdir -p "$W/ovl" && mount -t tmpfs tmpfs "$W/ovl"
mkdir -p "$W/ovl/upper" "$W/ovl/work" "$R"
mount -t overlay overlay -o "lowerdir=/,upperdir=$W/ovl/upper,workdir=$W/ovl/work" "$R"
mount -t proc proc "$R/proc"
mount --bind "$R/proc/sys" "$R/proc/sys" && mount -o remount,bind,ro "$R/proc/sys"
mount -t sysfs -o ro sysfs "$R/sys"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup"   # the cgroup namespace's root: the test's own cgroup
mount -t tmpfs -o mode=0755 tmpfs "$R/run"
mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$R/dev"
for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<<"$n"; mknod -m 666 "$R/dev/$name" c "$major" "$minor"
done
[ -c /dev/fuse ] && mknod -m 666 "$R/dev/fuse" c 10 229   # for faultfs in systemd_unit.sh
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts" && ln -s pts/ptmx "$R/dev/ptmx"
touch "$R/dev/console" && mount --bind "$W/console.log" "$R/dev/console"

# What the unit's header says to install: the binary, the profiles, the user, the unit unchanged.
cp "$BIN" "$R/usr/bin/recd"
mkdir -p "$R/etc/recd" && cp -r "$ROOT/board" "$R/etc/recd/board"
echo 'recd:x:990:990::/nonexistent:/usr/sbin/nologin' >>"$R/etc/passwd"
echo 'recd:x:990:' >>"$R/etc/group"
cp "$ROOT/init/recd.service" "$R/etc/systemd/system/recd.service"
# The test's only change: a 2 s watchdog, so its pings can be seen within the test's time.
mkdir -p "$R/etc/systemd/system/recd.service.d"
printf '[Service]\nWatchdogSec=2s\n' >"$R/etc/systemd/system/recd.service.d/test.conf"
printf '[Unit]\nDescription=recd test boot\n' >"$R/etc/systemd/system/recd-test.target"

# Mask every unit the boot targets pull in but the journal.
for d in /lib/systemd/system /etc/systemd/system; do
  for t in sysinit basic sockets timers paths local-fs remote-fs swap cryptsetup getty multi-user; do
    for u in "$d/$t.target.wants"/*; do
      [ -e "$u" ] || [ -L "$u" ] || continue
      u="$(basename "$u")"
      case "$u" in systemd-journald.service|systemd-journald.socket|systemd-journald-dev-log.socket) continue ;; esac
      ln -sf /dev/null "$R/etc/systemd/system/$u"
    done
  done
done
for u in proc-sys-fs-binfmt_misc.mount systemd-binfmt.service systemd-modules-load.service systemd-sysctl.service \
         systemd-timesyncd.service systemd-udevd.service systemd-udev-trigger.service systemd-repart.service \
         systemd-remount-fs.service fstrim.service e2scrub_all.service timers.target; do
  ln -sf /dev/null "$R/etc/systemd/system/$u"
done

cd "$R" && mkdir -p .oldroot && pivot_root . .oldroot && umount -l /.oldroot && rmdir /.oldroot
ip link set lo up
export container=recd-test
exec setpriv --bounding-set -sys_module,-sys_time,-sys_rawio,-wake_alarm -- \
  /lib/systemd/systemd --system --unit=recd-test.target --log-level=info
