#!/usr/bin/env bash
# init/recd.service under a real systemd (252 here) as PID 1 of its own namespaces, in a throwaway
# overlay root (tests/e2e/lib/systemd_root.sh), installed as the unit's header says: the binary at
# /usr/bin/recd, the profiles in /etc/recd/board, a recd user, the unit unchanged but for a 2 s
# watchdog. Checks: `systemctl start` returns once recd sent READY=1 (Type=notify) with its STATUS=;
# the sandbox holds (user recd, no capabilities, NoNewPrivs); a push over the namespace's loopback
# is stored in StateDirectory sha256-exact; WATCHDOG=1 pings reach systemd; SIGKILL of the main
# process is restarted (Restart=on-failure); `systemctl stop` is a clean stop, exit status 0; with
# storage on faultfs stalling a commit past the stop bound, `systemctl stop` leaves the unit failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
T0=$(date +%s%N)
skip() { echo "# $*: systemd unit test skipped"; echo "$pass passed, $fail failed, 1 skipped"; exit 0; }
[ "$(id -u)" = 0 ] || skip "not root"
[ -x /lib/systemd/systemd ] || skip "no /lib/systemd/systemd (package systemd)"
grep -qw overlay /proc/filesystems || skip "no overlayfs"
unshare --help 2>&1 | grep -q -- --kill-child || skip "unshare has no --kill-child"
cgroot="$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)"
[ -n "$cgroot" ] || skip "no cgroup2 mount"

work="$(mktemp -d /tmp/recd-systemd.XXXXXX)"
cg="$cgroot/recd-systemd-$$"
upid="" init=""
cleanup() {
  if [ -n "$upid" ]; then
    # unshare --kill-child: its death SIGKILLs the namespace's PID 1, and with it everything inside.
    kill -KILL "$upid" 2>/dev/null; wait "$upid" 2>/dev/null
  fi
  kill_started
  # Leaf cgroups first; they empty once the namespace is gone.
  [ -d "$cg" ] && for _ in $(seq 50); do find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null; [ -d "$cg" ] || break; sleep 0.1; done
  [ -d "$cg" ] && echo "# cgroup $cg not removed"
  # The overlay and tmpfs mounts lived in the namespace's own mount table: nothing to unmount here.
  grep -q " $work" /proc/mounts || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$cg" || skip "cannot create a cgroup under $cgroot"
: >"$work/console.log"
(
  echo "$BASHPID" >"$cg/cgroup.procs"
  exec unshare --kill-child --pid --mount --cgroup --net --uts --ipc \
    bash "$ROOT/tests/e2e/lib/systemd_root.sh" "$work" "$BIN" "$ROOT"
) >"$work/unshare.log" 2>&1 &
upid=$!
for _ in $(seq 100); do
  init="$(cat "/proc/$upid/task/$upid/children" 2>/dev/null | awk '{ print $1 }')"
  [ -n "$init" ] && [ "$(cat "/proc/$init/comm" 2>/dev/null)" = systemd ] && break
  sleep 0.05
done
ns() { nsenter -t "$init" -m -p -n -u -i "$@"; }
state=""
for _ in $(seq 200); do
  state="$(ns systemctl is-system-running 2>/dev/null)"
  case "$state" in running|degraded) break ;; esac
  sleep 0.1
done
case "$state" in
  running|degraded) ok "systemd $(ns systemctl --version | head -n 1 | cut -d' ' -f2) is PID 1 of the namespace: $state in $(( ($(date +%s%N) - T0) / 1000000 )) ms" ;;
  *) notok "systemd did not come up (state '$state'): $(tail -n 3 "$work/unshare.log" "$work/console.log" | tr '\n' ' ')"; finish; exit 1 ;;
esac
show() { ns systemctl show -p "$1" --value recd.service; }

t=$(date +%s%N)
ns systemctl start recd.service 2>"$work/start.err"; rc=$?
ms=$(( ($(date +%s%N) - t) / 1000000 ))
status="$(show StatusText)"
if [ "$rc" = 0 ] && [ "$(ns systemctl is-active recd.service)" = active ] && [[ "$status" =~ ^recording\ 0,\ [0-9]+\ MiB\ free$ ]]; then
  ok "systemctl start recd: active after READY=1 in $ms ms, StatusText '$status'"
else
  notok "systemctl start recd: rc $rc, $(ns systemctl is-active recd.service), status '$status': $(cat "$work/start.err") $(ns journalctl -u recd -n 5 --no-pager 2>&1 | tr '\n' '|')"
  finish; exit 1
fi

main="$(show MainPID)"
st="$(ns cat "/proc/$main/status")"
uid="$(awk '/^Uid:/ { print $2 }' <<<"$st")" nnp="$(awk '/^NoNewPrivs:/ { print $2 }' <<<"$st")" capeff="$(awk '/^CapEff:/ { print $2 }' <<<"$st")"
[ "$uid" = 990 ] && [ "$nnp" = 1 ] && [ "$capeff" = 0000000000000000 ] \
  && ok "the sandbox holds: recd runs as user recd (uid $uid), NoNewPrivs $nnp, CapEff $capeff" \
  || notok "sandbox: uid $uid NoNewPrivs $nnp CapEff $capeff"

head -c $((8 * 1048576 + 5)) /dev/urandom >"$work/push.ts"
base="http://127.0.0.1:8554/recordings"
# curl in the namespace's network only: it reads the file from the host's /tmp.
code="$(nsenter -t "$init" -n curl -sS -o /dev/null -w '%{http_code}' -T "$work/push.ts" "$base/push.ts")"
got="$(nsenter -t "$init" -n curl -sS "$base/push.ts" | sha256sum | cut -d' ' -f1)"
stored="$(ns sha256sum /var/lib/recd/recordings/push.ts 2>/dev/null | cut -d' ' -f1)"
want="$(sha256sum <"$work/push.ts" | cut -d' ' -f1)"
[ "$code" = 201 ] && [ "$got" = "$want" ] && [ "$stored" = "$want" ] \
  && ok "PUT 8 MiB through the unit's sandbox: 201, GET and /var/lib/recd/recordings/push.ts sha256-exact" \
  || notok "push: code $code GET ${got:0:12} stored ${stored:0:12} want ${want:0:12}"

w1="$(show WatchdogTimestampMonotonic)"; sleep 1.5; w2="$(show WatchdogTimestampMonotonic)"
[ -n "$w1" ] && [ "${w1:-0}" != 0 ] && [ "$w2" != "$w1" ] \
  && ok "WATCHDOG=1 reaches systemd: WatchdogTimestamp moved by $(( (w2 - w1) / 1000 )) ms between two reads 1.5 s apart (WatchdogSec=2s: a ping a second)" \
  || notok "watchdog pings not seen: WatchdogTimestampMonotonic $w1 then $w2"

ns kill -KILL "$main"
new="" t=$(date +%s%N)
for _ in $(seq 100); do
  new="$(show MainPID)"
  [ "$new" != 0 ] && [ "$new" != "$main" ] && [ "$(ns systemctl is-active recd.service)" = active ] && break
  sleep 0.1
done
ms=$(( ($(date +%s%N) - t) / 1000000 ))
[ "$(show NRestarts)" = 1 ] && [ "$(ns systemctl is-active recd.service)" = active ] \
  && ok "SIGKILL of recd: Restart=on-failure brought it back, active again after $ms ms (RestartSec=2s), NRestarts 1" \
  || notok "restart after SIGKILL: NRestarts $(show NRestarts), $(ns systemctl is-active recd.service), MainPID $new"
got="$(nsenter -t "$init" -n curl -sS "$base/push.ts" | sha256sum | cut -d' ' -f1)"
[ "$got" = "$want" ] && ok "after the restart push.ts is served sha256-exact" || notok "after the restart: GET ${got:0:12}"

t=$(date +%s%N)
ns systemctl stop recd.service; rc=$?
ms=$(( ($(date +%s%N) - t) / 1000000 ))
result="$(show Result)" status="$(show ExecMainStatus)"
[ "$rc" = 0 ] && [ "$result" = success ] && [ "$status" = 0 ] && ns journalctl -u recd --no-pager 2>/dev/null | grep -q 'info  stopped$' \
  && ok "systemctl stop: clean in $ms ms, Result $result, exit status $status, 'stopped' in the journal" \
  || notok "systemctl stop: rc $rc in $ms ms, Result $result, ExecMainStatus $status"

# --- a stop that cannot finish: the unit must end failed -----------------------------------------
# The unit's comment promises it: recd exits 1 when a transfer outlives its 10 s stop bound. Its
# storage moves onto native/faultfs (mounted in the namespace, allow_other: recd is not root), whose
# stall-intr holds a commit fsync 60 s; `systemctl stop` mid-upload must take ~10 s and leave
# Result exit-code, status 1, the unit failed and not restarted (a stop is not a crash).
FAULTFS="${RECD_NATIVE:-$ROOT/native/build}/recd-faultfs"
if [ ! -x "$FAULTFS" ] || [ ! -c /dev/fuse ]; then
  echo "# skipped the stalled stop under systemd: no /dev/fuse or $FAULTFS (make -C native)"
else
  ns mkdir -p /var/lib/recd/ffs-back /var/lib/recd/ffs && ns sh -c ': >/run/ffs.rules'
  # Into the namespace's root: its /tmp is a fresh tmpfs, so a checkout under /tmp is not seen there.
  ns sh -c 'cat >/usr/local/bin/recd-faultfs && chmod 755 /usr/local/bin/recd-faultfs' <"$FAULTFS"
  ns /usr/local/bin/recd-faultfs --rules /run/ffs.rules /var/lib/recd/ffs-back /var/lib/recd/ffs -f -o allow_other 2>"$work/faultfs.log" &
  ffs=$!
  for _ in $(seq 100); do ns grep -q ' /var/lib/recd/ffs fuse' /proc/mounts && break; sleep 0.05; done
  ns sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/bin/recd run --board generic-arm64 --board-dir /etc/recd/board --storage /var/lib/recd/ffs/store --Storage:CommitIntervalMs 200\n" >/etc/systemd/system/recd.service.d/stall.conf'
  ns systemctl daemon-reload && ns systemctl start recd.service
  head -c $((32 * 1048576)) /dev/urandom >"$work/stalled.ts"
  nsenter -t "$init" -n curl -sS -o /dev/null --limit-rate 4M -T "$work/stalled.ts" "$base/stalled.ts" 2>/dev/null &
  cpid=$!
  sleep 1
  ns sh -c 'echo "fsync stalled.ts stall-intr 60 nth 1" >/run/ffs.rules.new && mv /run/ffs.rules.new /run/ffs.rules'
  for _ in $(seq 100); do grep -q 'stalled.ts.*-> stall' "$work/faultfs.log" && break; sleep 0.05; done
  if ! grep -q 'stalled.ts.*-> stall' "$work/faultfs.log"; then
    notok "stalled stop: faultfs never stalled stalled.ts ($(ns systemctl is-active recd.service)): $(tail -n 2 "$work/faultfs.log" | tr '\n' ' ')"
  else
    sleep 0.3
    n0="$(show NRestarts)"   # a manual start reset it
    t=$(date +%s%N)
    ns systemctl stop recd.service
    ms=$(( ($(date +%s%N) - t) / 1000000 ))
    result="$(show Result)" status="$(show ExecMainStatus)" active="$(ns systemctl is-active recd.service)"
    why="$(ns journalctl -u recd --no-pager 2>/dev/null | grep -o 'stopped with [0-9]* transfer(s) still running.*' | tail -n 1)"
    if [ "$result" = exit-code ] && [ "$status" = 1 ] && [ "$active" = failed ] && [ -n "$why" ] && [ "$ms" -ge 9000 ] && [ "$ms" -le 13000 ]; then
      ok "systemctl stop under a commit fsync stalled 60 s: $ms ms, Result $result, exit status $status, unit $active, journal: $why"
    else
      notok "stalled stop under systemd: $ms ms, Result $result, ExecMainStatus $status, unit $active, journal: ${why:-none}"
    fi
    sleep 2.5   # past RestartSec: a stop must not be restarted
    intr="$(grep -o 'stall interrupted after [0-9.]* s' "$work/faultfs.log" | head -n 1)"
    [ "$(ns systemctl is-active recd.service)" = failed ] && [ "$(show NRestarts)" = "$n0" ] && [ -n "$intr" ] \
      && ok "the failed stop was not restarted (NRestarts still $n0 after RestartSec); faultfs: $intr when recd exited" \
      || notok "after the failed stop: $(ns systemctl is-active recd.service), NRestarts $(show NRestarts) (was $n0), faultfs '${intr:-not interrupted}'"
  fi
  wait "$cpid" 2>/dev/null
  ns umount /var/lib/recd/ffs 2>/dev/null
  for _ in $(seq 50); do kill -0 "$ffs" 2>/dev/null || break; sleep 0.1; done
  kill "$ffs" 2>/dev/null; wait "$ffs" 2>/dev/null
fi

ns systemctl poweroff 2>/dev/null
for _ in $(seq 100); do kill -0 "$upid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$upid" 2>/dev/null; then notok "systemd did not power off within 10 s"
else wait "$upid" 2>/dev/null; upid=""; ok "systemctl poweroff: the namespace ended; total $(( ($(date +%s%N) - T0) / 1000000 )) ms"; fi
[ "$fail" -gt 0 ] && sed 's/^/#   console: /' "$work/console.log" | tail -n 10
finish
