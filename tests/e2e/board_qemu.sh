#!/usr/bin/env bash
# The emulated board: the device image (./build.sh image: system.squashfs + data.ext4) booted under
# qemu-system-aarch64 -machine virt -cpu cortex-a53 -smp 2 -m 512 with Debian's cloud arm64 kernel and
# an initramfs of busybox-static:arm64 (both `apt-get download`ed, cached in out/cache/), both disks
# on virtio-blk, user-mode networking forwarding 127.0.0.1:PORT to the guest's 8554.
# Always: the image's init starts recd, it listens, a curl push is stored and read back sha256-exact.
# Always too: on the second serial line (virtconsole: /dev/hvc0, Console:Tty) the diagnostics shell
# answers `status`, naming a paced push in progress, and `help` (shell_check).
# With RECD_TEST_IMAGE=1 (./build.sh test --image) also:
#   power cut: qemu killed during 3 concurrent recordings, the same disk booted again: every
#              recording listed interrupted, its committed prefix exact, nothing orphaned (debugfs);
#   EIO:       blkdebug fails writes at one sector of the recordings disk during a recording: it ends
#              damaged with an exact committed prefix; other recordings are served, a new one stored.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
T0=$(date +%s)
source "$ROOT/cross/linux-arm64.sh"
source "$ROOT/cross/image/fetch.sh"
source "$ROOT/cross/image/initramfs.sh"
BOARD=qemu-virt-arm64
IMG="$ROOT/out/image/$BOARD"
ARM_BIN="${RECD_ARM64_BIN:-$ROOT/out/$CROSS_RID/recd}"
CACHE="$ROOT/out/cache/board"
skip() { echo "# $*: emulated board skipped"; echo "$pass passed, $fail failed, 1 skipped"; exit 0; }
for c in qemu-system-aarch64 cpio curl debugfs mksquashfs mke2fs rauc strings; do
  command -v "$c" >/dev/null || skip "$c missing (./build.sh image installs it)"
done
[ -x "$ARM_BIN" ] || skip "$ARM_BIN missing (./build.sh publish --target linux-arm64)"

work="$(mktemp -d /tmp/recd-board.XXXXXX)"
qpid=""
stop_qemu() { [ -n "$qpid" ] && { kill -KILL "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; }; qpid=""; }
cleanup() { stop_qemu; kill_started; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

# The image, rebuilt only when the binary or a recipe is newer than it (a rebuild is ~30 s).
if [ ! -f "$IMG/MANIFEST" ] || [ -n "$(find "$ARM_BIN" "$ROOT/cross" "$ROOT/board" -newer "$IMG/MANIFEST" -type f | head -n 1)" ]; then
  "$ROOT/cross/image/build.sh" "$BOARD" linux-arm64 "$IMG" >"$work/image.log" 2>&1 \
    || { notok "image build: $(tail -n 3 "$work/image.log")"; finish; exit 1; }
fi
[ -s "$IMG/system.squashfs" ] && [ -s "$IMG/data.ext4" ] && ok "image: system.squashfs $(stat -c %s "$IMG/system.squashfs") B, recd $(stat -c %s "$ARM_BIN") B" \
  || { notok "image incomplete in $IMG"; finish; exit 1; }
rauc info --keyring "$IMG/keys/cert.pem" "$IMG/recd-$BOARD.raucb" >"$work/rauc.txt" 2>&1 \
  && ok "RAUC bundle verifies against the test certificate ($(grep -o "Compatible:.*" "$work/rauc.txt" | tr -d '\t'))" \
  || notok "rauc info: $(tail -n 2 "$work/rauc.txt")"

# Kernel and initramfs, cached: downloads happen once.
kpkg="$(newest_pkg "$CROSS_KERNEL_GLOB" "$CROSS_DEB_ARCH")"
[ -n "$kpkg" ] || { dpkg --print-foreign-architectures | grep -qx "$CROSS_DEB_ARCH" || skip "apt does not know $CROSS_DEB_ARCH"; skip "no $CROSS_KERNEL_GLOB package"; }
ktree="$(fetch_deb "$kpkg" "$CROSS_DEB_ARCH")" || skip "cannot download $kpkg"
bbtree="$(fetch_deb busybox-static "$CROSS_DEB_ARCH")" || skip "cannot download busybox-static:$CROSS_DEB_ARCH"
KERNEL="$(ls "$ktree"/boot/vmlinuz-* | head -n 1)"
INITRD="$CACHE/initrd-$kpkg.gz"
mkdir -p "$CACHE"
if [ ! -s "$INITRD" ] || [ "$ROOT/cross/image/initramfs.sh" -nt "$INITRD" ]; then
  make_initramfs "$ktree" "$bbtree" "$INITRD.tmp" virtio_pci virtio_blk virtio_net virtio_console squashfs 2>"$work/initrd.log" \
    && mv "$INITRD.tmp" "$INITRD" || { notok "initramfs: $(cat "$work/initrd.log")"; finish; exit 1; }
fi

# boot DISK [DRIVE-PREFIX]: starts the board (qpid, hport), waits for recd's "listening" line.
boot() {
  local disk="$1" prefix="${2:-}" log="$work/console.$((++boots)).log"
  hport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  console="$log"
  shell_sock="$work/shell.$boots.sock"   # the diagnostics shell's line: /dev/hvc0 in the guest
  local t=$(date +%s%N)
  qemu-system-aarch64 "${CROSS_QEMU_MACHINE[@]}" -display none -monitor none -no-reboot \
    -serial "file:$log" -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyAMA0 root=/dev/vda panic=-1 recd.gpiowatch" \
    -drive "if=none,id=sys,format=raw,readonly=on,file=$IMG/system.squashfs" -device virtio-blk-pci,drive=sys \
    -drive "if=none,id=data,format=raw,file=$prefix$disk" -device virtio-blk-pci,drive=data \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$hport-:8554" -device virtio-net-pci,netdev=n0,romfile= \
    -device virtio-serial-pci -chardev "socket,id=c1,path=$shell_sock,server=on,wait=off" -device virtconsole,chardev=c1 \
    >"$work/qemu.$boots.err" 2>&1 &
  qpid=$!
  base="http://127.0.0.1:$hport/recordings"
  for _ in $(seq 600); do
    grep -q "recd listening on" "$log" 2>/dev/null && break
    kill -0 "$qpid" 2>/dev/null || break
    sleep 0.1
  done
  boot_ms=$(( ($(date +%s%N) - t) / 1000000 ))
  grep -q "recd listening on 0.0.0.0:8554" "$log" 2>/dev/null
}
boots=0
diag() { echo "# console: $(tail -n 8 "$console" | tr -d '\r' | tr '\n' '|')"; echo "# qemu: $(tail -n 3 "$work/qemu.$boots.err" | tr '\n' '|')"; }
pattern() { head -c "$2" /dev/urandom >"$work/$1"; }
sha() { sha256sum | cut -d' ' -f1; }
prefix_sha() { head -c "$2" "$work/$1" | sha; }
state_of() { curl -sS -I "$base/$1" | tr -d '\r' | sed -n "s/^Recd-$2: //Ip"; }

# ---- recording LED (board I/O; helper ha's block) -------------------------------------------------
# Gpio:RecordingLed is line 0 of gpiochip0 (board/qemu-virt-arm64.json). The guest's rcS prints
# /sys/kernel/debug/gpio to the console on every change when booted with recd.gpiowatch: the kernel's
# own view of the line (direction and level), not the daemon's word for it.
# led_states FROM: the LED line's state ("out-hi", "out-lo", "free": not requested) in each gpiowatch
# line of the console after line FROM, oldest first.
led_states() {
  tail -n +"$(( $1 + 1 ))" "$console" | tr -d '\r' | python3 -c '
import re, sys
for text in sys.stdin:
    if not text.startswith("gpiowatch: "): continue
    m = re.search(r"gpiochip0: GPIOs (\d+)-", text)
    if not m: continue
    e = re.search(r"gpio-%d \(.*?\) (out|in) (hi|lo)" % int(m.group(1)), text)
    print(e.group(1) + "-" + e.group(2) if e else "free")'
}
check_recording_led() {
  local n0 states pcurl code got i last=""
  # recd requests the line before it reports listening; the watcher prints within 0.1 s of a change.
  for i in $(seq 50); do last="$(led_states 0 | tail -n 1)"; [ "$last" = out-lo ] && break; sleep 0.1; done
  if [ "$last" != out-lo ]; then
    notok "recording LED: before any recording, line 0 is '${last:-no gpiowatch line}' (want out-lo: requested by recd, off)"; diag
    return
  fi
  n0="$(wc -l <"$console")"
  pattern led.ts $((3 * 1048576 + 7))
  curl -sS -o /dev/null -w '%{http_code}' --limit-rate 1M -T "$work/led.ts" "$base/led.ts" >"$work/led.code" 2>/dev/null & pcurl=$!
  # On within the upload (3 s at 1 MiB/s): the board thread sets it at the recording's begin event.
  for i in $(seq 60); do led_states "$n0" | grep -qx out-hi && break; sleep 0.1; done
  local on_while="$(kill -0 "$pcurl" 2>/dev/null && echo yes || echo no)"
  wait "$pcurl"; code="$(cat "$work/led.code")"
  for i in $(seq 50); do [ "$(led_states "$n0" | tail -n 1)" = out-lo ] && break; sleep 0.1; done
  states="$(led_states "$n0" | tr '\n' ' ')"
  got="$(curl -sS "$base/led.ts" | sha)"
  if [[ " $states" == *" out-hi "*"out-lo " ]] && [ "$on_while" = yes ] && [ "$code" = 201 ] && [ "$got" = "$(sha <"$work/led.ts")" ]; then
    ok "recording LED: /sys/kernel/debug/gpio showed line 0 out-lo, out-hi while led.ts was recording, out-lo after (201, sha256-exact)"
  else
    notok "recording LED: states after the PUT began: '$states' (on while uploading: $on_while), PUT $code, sha ${got:0:12}"; diag
  fi
}
# ---- end of the recording LED block ---------------------------------------------------------------

# ---- reduced round: one boot, one push
disk="$work/data.img"; cp --sparse=always "$IMG/data.ext4" "$disk"
booted=no
if boot "$disk"; then
  booted=yes
  ok "boot: the image's init started recd, listening on 0.0.0.0:8554 ($boot_ms ms from qemu start)"
  pattern push.ts $((4 * 1048576 + 3))
  t=$(date +%s%N)
  code="$(curl -sS -o /dev/null -w '%{http_code}' -T "$work/push.ts" "$base/push.ts")"
  ms=$(( ($(date +%s%N) - t) / 1000000 ))
  got="$(curl -sS "$base/push.ts" | sha)"
  [ "$code" = 201 ] && [ "$got" = "$(sha <"$work/push.ts")" ] && ok "push 4 MiB from the host: 201 in $ms ms, GET sha256-exact" \
    || { notok "push: code $code sha ${got:0:12}"; diag; }
else
  notok "boot: recd did not report listening on 0.0.0.0:8554 within 60 s"; diag
fi
# ---- serial shell on the second line (helper he; issue 22) ----------------------------------
# The profile's Console:Tty is /dev/hvc0, the virtconsole on $shell_sock. While a paced push
# records, the host types `status` and `help` there as an operator at the console port would.
# hvc0 refuses baud changes: the daemon's termios setup keeps raw mode and only warns.
shell_check() {
  [ -n "$qpid" ] && [ -S "$shell_sock" ] || { notok "serial shell: no board or no socket $shell_sock"; return; }
  local t=$(date +%s%N) code got st=""
  pattern shell.ts $((1536 * 1024 + 11))   # ~3 s at 512 KiB/s: the shell answers in < 1 s
  curl -sS -o /dev/null -w '%{http_code}' --limit-rate 512K -T "$work/shell.ts" "$base/shell.ts" >"$work/shell.code" 2>/dev/null &
  local cpid=$!
  for _ in $(seq 50); do st="$(state_of shell.ts State)"; [ "$st" = recording ] && break; sleep 0.1; done
  python3 - "$shell_sock" shell.ts >"$work/shell.out" 2>&1 <<'PY'
import socket, sys, time
# Types like an operator: a CR, then a command; the answer is everything up to the next prompt.
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(0.1)
buf = b""
def answer(keys, limit=10.0):
    global buf
    s.sendall(keys); end = time.time() + limit; t = time.time()
    while time.time() < end:
        i = buf.find(b"recd> ")
        if i >= 0:
            out, buf = buf[:i], buf[i + 6:]
            return out.decode(errors="replace"), time.time() - t
        try: d = s.recv(4096)
        except socket.timeout: continue
        if not d: break
        buf += d
    sys.exit(f"no prompt within {limit} s after {keys!r}: {buf[-200:]!r}")
answer(b"\r")            # a fresh prompt: what the shell printed before we connected was dropped
time.sleep(0.3); buf = b""
try:
    while s.recv(4096): pass
except socket.timeout: pass
status, ts = answer(b"status\r")
helptext, th = answer(b"help\r")
ok = sys.argv[2] in status and "rec list" in helptext and "status" in helptext
print(f"status {ts*1000:.0f} ms, help {th*1000:.0f} ms")
print(status.replace("\r", "").strip()); print("--"); print(helptext.replace("\r", "").strip())
sys.exit(0 if ok else 1)
PY
  local prc=$? ms=$(( ($(date +%s%N) - t) / 1000000 ))
  if [ "$prc" = 0 ]; then ok "serial shell on hvc0: 'status' names the recording (state $st) and 'help' answers ($(head -n 1 "$work/shell.out"))"
  else notok "serial shell (state $st): $(tr '\n' '|' <"$work/shell.out" | head -c 600)"; diag; fi
  wait "$cpid"; code="$(cat "$work/shell.code")"
  got="$(curl -sS "$base/shell.ts" | sha)"
  [ "$code" = 201 ] && [ "$got" = "$(sha <"$work/shell.ts")" ] && ok "serial shell: the paced push it watched ended 201, sha256-exact" \
    || notok "serial shell: paced push code $code sha ${got:0:12}"
  grep -q 'console shell on /dev/hvc0' "$console" || echo "# note: no 'console shell on /dev/hvc0' line on the kernel console"
  echo "# serial shell check: $(( ($(date +%s%N) - t) / 1000000 )) ms in all, $ms ms until both answers"
}
[ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null && shell_check
# ---- end of serial shell block -----------------------------------------------------------------
[ "$booted" = yes ] && check_recording_led
stop_qemu
echo "# reduced round: $(( $(date +%s) - T0 )) s"

if [ "${RECD_TEST_IMAGE:-0}" != 1 ]; then
  echo "# power-cut and EIO rounds: ./build.sh test --image (RECD_TEST_IMAGE=1)"
  finish; exit
fi

# ---- power cut: 3 recordings at 1 MiB/s each, qemu killed after the first commits, same disk again
T1=$(date +%s)
disk="$work/data-cut.img"; cp --sparse=always "$IMG/data.ext4" "$disk"
names=(cut0.ts cut1.ts cut2.ts)
if boot "$disk"; then
  cpids=()
  for n in "${names[@]}"; do
    pattern "$n" $((24 * 1048576))
    curl -sS -o /dev/null --limit-rate 1M -T "$work/$n" "$base/$n" 2>/dev/null & cpids+=($!)
  done
  sleep 9   # past the 5 s commit interval: every recording has a committed prefix
  kill -KILL "$qpid"; wait "$qpid" 2>/dev/null; qpid=""
  for c in "${cpids[@]}"; do wait "$c" 2>/dev/null; done
  if boot "$disk"; then
    curl -sS "$base" >"$work/list.json"
    for n in "${names[@]}"; do
      read -r st size < <(python3 -c 'import json,sys; r=[x for x in json.load(open(sys.argv[1])) if x["name"]==sys.argv[2]]; print(r[0]["state"], r[0]["size"]) if r else print("missing 0")' "$work/list.json" "$n")
      got="$(curl -sS "$base/$n" | sha)"
      if [ "$st" = interrupted ] && [ "$size" -gt 0 ] && [ "$got" = "$(prefix_sha "$n" "$size")" ]; then
        ok "power cut: $n listed interrupted, committed prefix of $size bytes exact"
      else
        notok "power cut: $n state $st size $size sha ${got:0:12}"
      fi
    done
    stop_qemu
    # Nothing orphaned: the recordings folder holds each recording and its manifest, nothing else.
    debugfs -R 'ls -p /recordings' "$disk" 2>/dev/null | cut -d/ -f6 | grep -vxE '|\.|\.\.' | sort >"$work/files"
    printf '%s\n' "${names[@]}" $(printf '.%s.manifest\n' "${names[@]}") | sort >"$work/want"
    diff -q "$work/files" "$work/want" >/dev/null && ok "power cut: the recordings folder holds exactly 3 recordings and their manifests (debugfs)" \
      || notok "power cut: recordings folder: $(tr '\n' ' ' <"$work/files")"
  else
    notok "power cut: the second boot did not reach listening"; diag
  fi
else
  notok "power cut: first boot failed"; diag
fi
echo "# power-cut round: $(( $(date +%s) - T1 )) s"

# ---- EIO: blkdebug fails every write touching one of 4 sectors, one per MiB from 40 MiB past the
# image's first free block. The data disk has 1 KiB blocks (mke2fs's choice below 512 MiB); ext4
# (delalloc, flex_bg) put other.ts (first, 1 MiB) at ~18 MiB and the 48 MiB eio.ts after it up to
# ~76 MiB in one run, from ~30 MiB in another: the window (4 MiB: one backup-superblock gap of
# a 1 KiB-block ext4 is at most 2 MiB) starts past that, inside eio.ts, which crosses it and after.ts (after the damage) lands beyond it. If the
# allocator ever moves, the check fails naming the extents rather than passing vacuously.
T2=$(date +%s)
disk="$work/data-eio.img"; cp --sparse=always "$IMG/data.ext4" "$disk"
bs="$(dumpe2fs -h "$disk" 2>/dev/null | sed -n 's/^Block size: *//p')"
free1="$(debugfs -R 'ffb 1' "$disk" 2>&1 | sed -n 's/^Free blocks found: *\([0-9]*\).*/\1/p')"
first=$(( (free1 * bs + 40 * 1048576) / 512 ))
: >"$work/blkdebug.conf"
for k in 0 1 2 3; do
  printf '[inject-error]\nevent = "pwritev"\niotype = "write"\nerrno = "5"\nsector = "%d"\nonce = "off"\nimmediately = "off"\n\n' \
    $(( first + k * 2048 )) >>"$work/blkdebug.conf"
done
sector="$first+k*2048 (k<4)"
if boot "$disk" "blkdebug:$work/blkdebug.conf:"; then
  pattern other.ts $((1048576 + 5))
  code1="$(curl -sS -o /dev/null -w '%{http_code}' -T "$work/other.ts" "$base/other.ts")"
  pattern eio.ts $((48 * 1048576))
  # 2 MiB/s: the 5 s commit lands (~10 MiB) before the data reaches the window (~12 MiB into the file).
  code="$(curl -sS -o /dev/null -w '%{http_code}' --limit-rate 2M -T "$work/eio.ts" "$base/eio.ts" 2>/dev/null)"
  st="$(state_of eio.ts State)"; len="$(state_of eio.ts Committed-Length)"
  got="$(curl -sS "$base/eio.ts" | sha)"
  if [ "$st" = damaged ] && [ "${len:-0}" -gt 0 ] && [ "$got" = "$(prefix_sha eio.ts "$len")" ]; then
    ok "EIO at sector $sector: eio.ts answered $code, damaged, committed prefix of $len bytes exact ($(grep -o 'EIO at offset [0-9]*[^,]*' "$console" | head -n 1))"
  else
    notok "EIO: code $code state '$st' committed '$len' sha ${got:0:12}"; diag
    stop_qemu; echo "# eio.ts extents: $(debugfs -R 'stat /recordings/eio.ts' "$disk" 2>/dev/null | sed -n '/EXTENTS/{n;p}')"
  fi
  got="$(curl -sS "$base/other.ts" | sha)"
  pattern after.ts $((1048576 + 9))
  code2="$(curl -sS -o /dev/null -w '%{http_code}' -T "$work/after.ts" "$base/after.ts")"
  got2="$(curl -sS "$base/after.ts" | sha)"
  # The new recording may be allocated onto the failing sectors as well (ext4 places it next to
  # eio.ts): then it must end damaged with an exact prefix like eio.ts; else it is stored exact.
  after_ok=no
  if [ "$code2" = 201 ] && [ "$got2" = "$(sha <"$work/after.ts")" ]; then after_ok="stored exact"
  elif [ "$code2" = 500 ] && [ "$(state_of after.ts State)" = damaged ] &&
       [ "$got2" = "$(prefix_sha after.ts "$(state_of after.ts Committed-Length)")" ]; then
    after_ok="on the failing sectors too: damaged, prefix exact"
  fi
  [ "$code1" = 201 ] && [ "$got" = "$(sha <"$work/other.ts")" ] && [ "$after_ok" != no ] \
    && ok "EIO: the daemon keeps serving: other.ts read back exact, a new recording answered ($after_ok)" \
    || { notok "EIO: other $code1 ${got:0:12}, after $code2 ${got2:0:12}, qemu $(kill -0 "$qpid" 2>/dev/null && echo alive || echo gone)"; diag; }
  stop_qemu
else
  notok "EIO: boot with blkdebug failed"; diag
fi
echo "# EIO round: $(( $(date +%s) - T2 )) s; total $(( $(date +%s) - T0 )) s"
finish
