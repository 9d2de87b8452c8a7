#!/usr/bin/env bash
# A really slow disk: an ext4 filesystem on a loop device whose writes the blkio controller throttles
# to 4 MB/s for the daemon's cgroup. Recordings stay exact, slow writes are logged and counted in the
# manifest, memory stays bounded (the sender is back-pressured through TCP), and the HTTP side stays
# responsive (listing answers while a recording waits on the disk).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

skip() { echo "# $*: slow-disk tests skipped"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root"
BLKIO=/sys/fs/cgroup/blkio
[ -f "$BLKIO/blkio.throttle.write_bps_device" ] || skip "no cgroup v1 blkio throttling here"

tmp="$(mktemp -d /tmp/recd-slow.XXXXXX)"
cg="$BLKIO/recd-slow-$$"
loop="" pid=""
cleanup() {
  stop_daemon
  kill_started   # the curl uploads too: nothing may keep the mount busy
  umount "$tmp/mnt" 2>/dev/null || umount -l "$tmp/mnt" 2>/dev/null
  [ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
  rmdir "$cg" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

truncate -s 256M "$tmp/disk.img"
loop="$(losetup -f --show "$tmp/disk.img" 2>/dev/null)" || skip "no loop device"
mkfs.ext4 -q "$loop" && mkdir -p "$tmp/mnt" && mount "$loop" "$tmp/mnt" || skip "cannot mount a loop ext4"
mkdir -p "$cg" && echo "$(lsblk -no MAJ:MIN "$loop" | tr -d ' ') 4194304" >"$cg/blkio.throttle.write_bps_device" || skip "cannot throttle"

"$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$tmp/port" --storage "$tmp/mnt/store" \
  --Storage:SlowWriteMs 300 --Storage:CommitIntervalBytes 4194304 --Storage:ReserveBytes 0 >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$tmp/port")/recordings"
echo "$pid" >"$cg/cgroup.procs"   # every thread of the daemon: its writes now go at 4 MB/s
head -c $((12 << 20)) /dev/urandom >"$tmp/src"
rss_before="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"

for path in direct buffered; do
  curl -sS -o "$tmp/out-$path" -w '%{http_code}' -T "$tmp/src" "$base/$path.ts?path=$path" >"$tmp/code-$path" &
  up=$!
  worst=0
  while kill -0 "$up" 2>/dev/null; do
    t0=$(date +%s%N)
    curl -sS -m 5 -o /dev/null "$base" || worst=99999
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ "$ms" -gt "$worst" ] && worst=$ms
    sleep 0.3
  done
  wait "$up"
  m="$tmp/mnt/store/.$path.ts.manifest"
  read -r slow maxms < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m.get("slowWrites",0), m.get("maxWriteMs",0))' "$m")
  if [ "$(cat "$tmp/code-$path")" = 201 ] && cmp -s "$tmp/src" "$tmp/mnt/store/$path.ts" && [ "$slow" -gt 0 ] && [ "$maxms" -ge 300 ]; then
    ok "$path on a 4 MB/s disk: exact; $slow slow writes counted, slowest $maxms ms"
  else
    notok "$path on a slow disk: code $(cat "$tmp/code-$path") slowWrites $slow maxWriteMs $maxms"
  fi
  [ "$worst" -lt 1000 ] && ok "$path: listing answered within ${worst} ms at worst while the disk was slow" || notok "$path: listing took ${worst} ms"
done
grep -q "slow write" "$tmp/daemon.log" && ok "slow-write events logged: $(grep -o 'slow write.*' "$tmp/daemon.log" | head -n 1)" || notok "no slow-write event in the log"
rss_after="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
[ $((rss_after - rss_before)) -lt 32768 ] && ok "memory bounded: RSS ${rss_before} -> ${rss_after} KiB while 24 MiB queued behind a slow disk" ||
  notok "RSS grew ${rss_before} -> ${rss_after} KiB"
[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
finish
