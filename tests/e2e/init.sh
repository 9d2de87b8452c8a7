#!/usr/bin/env bash
# Init integration: the published daemon under a fake systemd (NOTIFY_SOCKET at a python receiver,
# bound before the daemon starts) sends READY=1, STATUS=, WATCHDOG=1 at half of WATCHDOG_USEC and
# STOPPING=1; with Log:Syslog its lines reach a fake /dev/log as RFC 3164 datagrams. SIGTERM during 4
# paced uploads: the daemon exits 0 within its bound, and after a restart every manifest is
# consistent (interrupted or complete, data length == committedLength, prefix sha256-exact).
# SIGTERM while the storage (native/faultfs) stalls an upload's commit fsync past the stop bound: exit
# status 1 within the bound, the reason logged; a restart lists it interrupted, prefix exact.
# The unit passes systemd-analyze verify; the BusyBox and procd scripts pass sh -n.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
SEND="${RECD_NATIVE:-$ROOT/native/build}/recd-send-load"
STOP_BOUND_S=12   # Daemon.StopTimeout (10 s) + the bounded log flush (2 s)
SIZE=$((64 << 20))

tmp="$(mktemp -d /tmp/recd-init.XXXXXX)"
pid="" receiver="" ffs_pid=""
ffs_mnt="$tmp/ffs/mnt"
ffs_mounted() { grep -q " $ffs_mnt fuse" /proc/mounts; }
# faultfs_stop: faultfs first: a daemon blocked in a stalled call cannot die before it is answered.
faultfs_stop() {
  [ -n "$ffs_pid" ] || return 0
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  kill "$ffs_pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$ffs_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$ffs_pid" 2>/dev/null
  wait "$ffs_pid" 2>/dev/null
  ffs_pid=""
  if ffs_mounted; then fusermount3 -u "$ffs_mnt" 2>/dev/null || fusermount3 -uz "$ffs_mnt" 2>/dev/null; fi
}
cleanup() {
  faultfs_stop
  stop_daemon KILL
  [ -n "$receiver" ] && kill "$receiver" 2>/dev/null
  kill_started
  # Never rm through a mount that is still there.
  ffs_mounted || rm -rf "$tmp"
}
trap cleanup EXIT

# --- the unit and the scripts -------------------------------------------------------------------
# verify wants ExecStart's binary to exist: a copy of the unit pointing at the one under test.
sed "s|^ExecStart=/usr/bin/recd |ExecStart=$BIN |" "$ROOT/init/recd.service" >"$tmp/recd.service"
out="$(systemd-analyze verify "$tmp/recd.service" 2>&1)"
rc=$?
# verify exits 0 on unknown keys and bad values and only prints them: both must be clean.
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify init/recd.service: clean"
else notok "systemd-analyze verify init/recd.service (rc $rc): $out"; fi
for key in Type=notify NotifyAccess=main WatchdogSec= Restart=on-failure TimeoutStopSec= ProtectSystem=strict; do
  grep -q "^$key" "$ROOT/init/recd.service" || notok "recd.service lacks $key"
done
for s in busybox/recd openwrt/recd; do
  if out="$(sh -n "$ROOT/init/$s" 2>&1)"; then ok "sh -n init/$s"; else notok "sh -n init/$s: $out"; fi
done
grep -q '^USE_PROCD=1' "$ROOT/init/openwrt/recd" && grep -q 'procd_set_param respawn' "$ROOT/init/openwrt/recd" \
  || notok "init/openwrt/recd is not a procd script with respawn"

# --- notify and syslog --------------------------------------------------------------------------
python3 "$ROOT/tests/e2e/lib/notify_receiver.py" "$tmp/receiver.ready" "$tmp/notify=$tmp/notify.log" "$tmp/devlog=$tmp/syslog.log" &
receiver=$!
for _ in $(seq 100); do [ -s "$tmp/receiver.ready" ] && break; sleep 0.05; done
[ -s "$tmp/receiver.ready" ] || notok "notify receiver did not bind"

export NOTIFY_SOCKET="$tmp/notify" WATCHDOG_USEC=400000
start_daemon "$tmp" "$tmp/store" --Storage:CommitIntervalBytes 4194304 --Storage:CommitIntervalMs 200 \
  --Log:Syslog true --Log:SyslogSocket "$tmp/devlog"
unset NOTIFY_SOCKET WATCHDOG_USEC
for _ in $(seq 100); do grep -q '^READY=1' "$tmp/notify.log" 2>/dev/null && break; sleep 0.05; done
if grep -qE '^READY=1\|STATUS=recording 0, [0-9]+ MiB free$' "$tmp/notify.log"; then ok "READY=1 with STATUS after recovery and bind: $(head -1 "$tmp/notify.log")"
else notok "no READY=1|STATUS=recording 0, N MiB free: $(head -3 "$tmp/notify.log" 2>/dev/null)"; fi
[ -n "$port" ] && curl -sf "$base" >/dev/null || notok "daemon not answering after READY"
before="$(grep -c '^WATCHDOG=1$' "$tmp/notify.log")"
sleep 2
pings=$(($(grep -c '^WATCHDOG=1$' "$tmp/notify.log") - before))
# Every 200 ms: 10 in 2 s; a loaded machine may delay ticks.
if [ "$pings" -ge 6 ] && [ "$pings" -le 11 ]; then ok "WATCHDOG=1 every WATCHDOG_USEC/2: $pings in 2 s"
else notok "WATCHDOG=1: $pings in 2 s, want ~10"; fi
if grep -qE "^<30>recd\[$pid\]: recd listening on 127\.0\.0\.1:$port" "$tmp/syslog.log"; then ok "Log:Syslog: RFC 3164 lines on the syslog socket"
else notok "syslog: $(head -3 "$tmp/syslog.log" 2>/dev/null)"; fi

# SIGTERM to the daemon and wait for it: rc its exit status, ms how long it took to go.
term_timed() {
  local t0=$(date +%s%N)
  kill -TERM "$pid"; wait "$pid"; rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000)); pid=""
}

# --- SIGTERM during 4 paced uploads -------------------------------------------------------------
senders=()
for i in 1 2 3 4; do
  # 64 KiB every 5 ms: ~5 s per upload, so all four are mid-body at the signal.
  "$SEND" --connect "127.0.0.1:$port" --bytes "$SIZE" --seed "$((40 + i))" --write 65536 --delay-us 5000 \
    --http-put "/recordings/term-$i.ts" >/dev/null 2>&1 &
  senders+=($!)
done
sleep 1.5
for _ in $(seq 50); do grep -q '^STATUS=recording 4,' "$tmp/notify.log" && break; sleep 0.1; done
grep -q '^STATUS=recording 4,' "$tmp/notify.log" && ok "STATUS follows the active recordings: $(grep '^STATUS=recording 4,' "$tmp/notify.log" | head -1)" \
  || notok "no STATUS=recording 4 while 4 uploads ran: $(tail -3 "$tmp/notify.log")"
term_timed
wait "${senders[@]}" 2>/dev/null
if [ "$rc" -eq 0 ] && [ "$ms" -le $((STOP_BOUND_S * 1000)) ]; then ok "SIGTERM mid-upload: exit status 0 after $ms ms (bound ${STOP_BOUND_S} s)"
else notok "SIGTERM mid-upload: exit status $rc after $ms ms (bound ${STOP_BOUND_S} s)"; fi
grep -qE '^STOPPING=1\|STATUS=stopping, finishing 4 recording' "$tmp/notify.log" && ok "STOPPING=1 on SIGTERM" \
  || notok "no STOPPING=1: $(tail -3 "$tmp/notify.log")"

start_daemon "$tmp" "$tmp/store"
listing="$(curl -sS "$base")"
bad="" total=0
for i in 1 2 3 4; do
  name="term-$i.ts" m="$tmp/store/.term-$i.ts.manifest"
  [ -f "$m" ] || { bad+=" $name:no-manifest"; continue; }
  read -r state len < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["state"], m["committedLength"])' "$m")
  [ "$state" = interrupted ] || [ "$state" = complete ] || bad+=" $name:state=$state"
  [ "$(stat -c %s "$tmp/store/$name")" = "$len" ] || bad+=" $name:length$(stat -c %s "$tmp/store/$name")!=$len"
  [ "$len" -gt 0 ] || bad+=" $name:empty"
  want="$("$SEND" --emit "$len" --seed "$((40 + i))" | sha256sum | cut -d' ' -f1)"
  got="$(sha256sum <"$tmp/store/$name" | cut -d' ' -f1)"
  [ "$want" = "$got" ] || bad+=" $name:content"
  grep -q "\"$name\"" <<<"$listing" || bad+=" $name:not-listed"
  total=$((total + len))
done
if [ -z "$bad" ]; then ok "after SIGTERM and restart: 4 manifests consistent, $total committed bytes sha256-exact"
else notok "after SIGTERM and restart:$bad"; fi
stop_daemon

# --- SIGTERM while the storage stalls a commit past the stop bound ------------------------------
# The store is on native/faultfs. 1 s into a paced upload, its next fsync/fdatasync (the commit)
# stalls 60 s. stall-intr: faultfs answers EINTR once the kernel sends it an INTERRUPT, which it
# does when the blocked process exits. Not a WRITE: the write path auto picks may be direct, and
# FUSE's async O_DIRECT requests are background ones, never interrupted (fs/fuse/file.c waits
# for them uninterruptibly): a dying recd then stays in D state until the stall ends, as any
# process does on a hung disk. SIGTERM: the transfer cannot finish its manifest, so recd must
# give up after Daemon.StopTimeout, say so, and exit 1 within the bound.
FAULTFS="${RECD_NATIVE:-$ROOT/native/build}/recd-faultfs"
if [ ! -e /dev/fuse ] || [ ! -x "$FAULTFS" ] || ! command -v fusermount3 >/dev/null; then
  echo "# skipped SIGTERM under a stalled fsync: no /dev/fuse, fusermount3 or $FAULTFS (make -C native)"
else
  fdir="$tmp/ffs" && mkdir -p "$fdir/back" "$ffs_mnt"
  : >"$fdir/rules"
  "$FAULTFS" --rules "$fdir/rules" "$fdir/back" "$ffs_mnt" -f 2>"$fdir/faultfs.log" &
  ffs_pid=$!
  for _ in $(seq 100); do ffs_mounted && break; sleep 0.05; done
  fstore="$ffs_mnt/store"
  start_daemon "$fdir" "$fstore" --Storage:CommitIntervalBytes 4194304 --Storage:CommitIntervalMs 200
  "$SEND" --connect "127.0.0.1:$port" --bytes "$SIZE" --seed 77 --write 65536 --delay-us 5000 \
    --http-put /recordings/stalled.ts >/dev/null 2>&1 &
  sender=$!
  sleep 1
  printf 'fsync stalled.ts stall-intr 60 nth 1\n' >"$fdir/rules.new" && mv "$fdir/rules.new" "$fdir/rules"
  for _ in $(seq 100); do grep -q 'stalled.ts.*-> stall' "$fdir/faultfs.log" && break; sleep 0.05; done
  if ! grep -q 'stalled.ts.*-> stall' "$fdir/faultfs.log"; then
    notok "stalled fsync: faultfs never stalled stalled.ts: $(tail -n 2 "$fdir/faultfs.log" | tr '\n' ' ')"
  else
    sleep 0.3   # the daemon's thread is inside the write now
    term_timed
    why="$(grep -o 'stopped with [0-9]* transfer(s) still running.*' "$fdir/daemon.log" | head -n 1)"
    if [ "$rc" -ne 0 ] && [ "$ms" -le $(((STOP_BOUND_S + 1) * 1000)) ] && [ -n "$why" ]; then
      ok "SIGTERM under a commit fsync stalled 60 s: exit status $rc after $ms ms (bound ${STOP_BOUND_S} s + 1 s), logged: $why"
    else
      notok "SIGTERM under a stalled fsync: exit status $rc after $ms ms (want non-zero within $((STOP_BOUND_S + 1)) s), log: ${why:-$(tail -n 2 "$fdir/daemon.log" | tr '\n' ' ')}"
    fi
    intr="$(grep -o 'stall interrupted after [0-9.]* s' "$fdir/faultfs.log" | head -n 1)"
    [ -n "$intr" ] && ok "the stalled fsync was released when recd exited (faultfs: $intr -> EINTR)" \
      || notok "faultfs did not see the stalled fsync interrupted: $(tail -n 2 "$fdir/faultfs.log" | tr '\n' ' ')"
  fi
  wait "$sender" 2>/dev/null
  : >"$fdir/rules.new" && mv "$fdir/rules.new" "$fdir/rules"
  start_daemon "$fdir" "$fstore"
  m="$fdir/back/store/.stalled.ts.manifest"
  read -r state len < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["state"], m["committedLength"])' "$m" 2>/dev/null || echo "none -1")
  size="$(stat -c %s "$fdir/back/store/stalled.ts" 2>/dev/null || echo -1)"
  got="$(curl -sS "$base/stalled.ts" | sha256sum | cut -d' ' -f1)"
  want="$("$SEND" --emit "$len" --seed 77 | sha256sum | cut -d' ' -f1)"
  listed="$(curl -sS "$base" | python3 -c 'import json,sys; print(*[r["state"] for r in json.load(sys.stdin) if r["name"]=="stalled.ts"])')"
  if [ "$state" = interrupted ] && [ "$listed" = interrupted ] && [ "$len" -gt 0 ] && [ "$size" = "$len" ] && [ "$got" = "$want" ]; then
    ok "after the stalled stop and a restart: stalled.ts listed interrupted, $len committed bytes sha256-exact, data length == committedLength"
  else
    notok "after the stalled stop: manifest $state, listed '$listed', committed $len, data $size bytes, GET ${got:0:12} want ${want:0:12}"
  fi
  stop_daemon
  fusermount3 -u "$ffs_mnt" 2>"$fdir/umount.err"
  for _ in $(seq 50); do kill -0 "$ffs_pid" 2>/dev/null || break; sleep 0.1; done
  if ! ffs_mounted && ! kill -0 "$ffs_pid" 2>/dev/null; then ok "faultfs unmounted and exited: no stuck mount, no process left"
  else notok "faultfs: mounted $(ffs_mounted && echo yes || echo no), process $(kill -0 "$ffs_pid" 2>/dev/null && echo alive || echo gone): $(cat "$fdir/umount.err")"; fi
  faultfs_stop
  [ "$fail" -gt 0 ] && tail -n 6 "$fdir/daemon.log" | sed 's/^/#   stalled: /'
fi

# --- the BusyBox script, start and stop ---------------------------------------------------------
# A copy pointing at the binary under test and a temp settings file; start-stop-daemon here is
# Debian's, which takes the same -S -b -m -p -x options as BusyBox's.
if command -v start-stop-daemon >/dev/null; then
  bb="$tmp/init.d-recd"
  sed -e "s|^DAEMON=.*|DAEMON=$BIN|" -e "s|^PIDFILE=.*|PIDFILE=$tmp/bb.pid|" -e "s|^RUN_AS=.*|RUN_AS=|" \
    -e "s|^BOARD=.*|BOARD=host-x86_64|" -e "s|/etc/default/recd|$tmp/bb.default|g" "$ROOT/init/busybox/recd" >"$bb"
  echo "EXTRA_ARGS=\"--board-dir $ROOT/board --port 0 --port-file $tmp/bb.port --storage $tmp/bbstore\"" >"$tmp/bb.default"
  sh "$bb" start >"$tmp/bb.out" 2>&1
  for _ in $(seq 100); do [ -s "$tmp/bb.port" ] && break; sleep 0.05; done
  if [ -s "$tmp/bb.port" ] && curl -sf "http://127.0.0.1:$(cat "$tmp/bb.port")/recordings" >/dev/null && sh "$bb" status >/dev/null; then
    bbpid="$(cat "$tmp/bb.pid")"
    if sh "$bb" stop >>"$tmp/bb.out" 2>&1 && ! kill -0 "$bbpid" 2>/dev/null && [ ! -e "$tmp/bb.pid" ]; then ok "init/busybox/recd start, status, stop"
    else notok "init/busybox/recd stop: $(cat "$tmp/bb.out")"; fi
  else
    notok "init/busybox/recd start: $(cat "$tmp/bb.out")"
  fi
else
  echo "# skipped the BusyBox script's start/stop: no start-stop-daemon"
fi
[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
finish
