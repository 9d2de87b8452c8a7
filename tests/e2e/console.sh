#!/usr/bin/env bash
# The diagnostics shell as an operator meets it: a tmux pane is the terminal, "recd console --tty"
# attaches it to the running daemon through the control socket; keys are sent with send-keys and the
# screen read back with capture-pane. Then recd ctl's exit statuses, "rec stop" of a live upload, and
# the shell the daemon opens itself on a tty named by --Console:Tty (another pane's).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
command -v tmux >/dev/null || { echo "not ok - tmux missing (./build.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
tmp="$(mktemp -d /tmp/recd-console.XXXXXX)"
pid=""
up=""
# A tmux server of our own (its socket under tmp): a developer's tmux is never touched.
export TMUX_TMPDIR="$tmp"
cleanup() {
  tmux kill-server 2>/dev/null
  [ -n "$up" ] && kill "$up" 2>/dev/null
  stop_daemon
  kill_started
  rm -rf "$tmp"
}
trap cleanup EXIT
start_daemon "$tmp" "$tmp/store"
ctl() { "$BIN" ctl --board-dir "$ROOT/board" --storage "$tmp/store" "$@"; }

screen() { tmux capture-pane -p -J -t "$1" -S -500; }
# wait_for PANE PATTERN [N]: until PATTERN (grep -E) is on the pane's screen at least N times (5 s).
wait_for() {
  local n="${3:-1}"
  for _ in $(seq 100); do
    [ "$(screen "$1" | grep -cE -- "$2")" -ge "$n" ] && return 0
    sleep 0.05
  done
  return 1
}

tmux new-session -d -s shell -x 100 -y 50 \
  "'$BIN' console --tty /dev/tty --board-dir '$ROOT/board' --storage '$tmp/store'; echo console-exit=\$?; sleep 60"
wait_for shell '^recd> ' && ok "recd console: banner and prompt" || notok "no prompt: $(screen shell)"

tmux send-keys -t shell status Enter
wait_for shell '^recd up' && ok "status typed in the pane: $(screen shell | grep '^recd up')" || notok "status: $(screen shell)"
tmux send-keys -t shell help Enter
wait_for shell '^verify NAME' && wait_for shell '^rec list.show NAME.stop NAME' && ok "help lists the table" || notok "help: $(screen shell)"
tmux send-keys -t shell 'help verify' Enter
wait_for shell '^usage: verify NAME' && ok "help verify: per-command help" || notok "help verify: $(screen shell)"
# Up three times: help verify, help, status.
tmux send-keys -t shell Up Up Up Enter
wait_for shell '^recd up' 2 && ok "up arrow recalls status from the history" || notok "history: $(screen shell)"
tmux send-keys -t shell Enter
wait_for shell '^recd up' 3 && ok "Enter on an empty line repeats it" || notok "repeat: $(screen shell)"
tmux send-keys -t shell 'statsu' BSpace BSpace 'us' Left Left Left Left Left Left C-k 'version' Enter
wait_for shell '^recd [0-9]+\.' && ok "backspace, left, Ctrl-K edit the line: version" || notok "editing: $(screen shell)"
tmux send-keys -t shell 'frobnicate' C-c
wait_for shell 'frobnicate\^C' && ! screen shell | grep -q "unknown command 'frobnicate'" && ok "Ctrl-C drops the line" || notok "Ctrl-C: $(screen shell)"
tmux send-keys -t shell 'path set direct' Enter
wait_for shell 'default write path auto -> direct' && ok "path set from the console (the same user: allowed)" || notok "path set: $(screen shell)"

# recd ctl: one command, the status says whether it worked.
ctl status >/dev/null; rc=$?
ctl frobnicate >/dev/null; rc2=$?
[ "$rc" = 0 ] && [ "$rc2" != 0 ] && ok "recd ctl: status 0, unknown command $rc2" || notok "ctl statuses $rc, $rc2"
grep -q "default path direct" <<<"$(ctl status)" && ok "ctl sees what the console changed" || notok "ctl status: $(ctl status)"
ctl path set buffered >/dev/null

# rec stop: a live upload at 256 KiB/s, stopped from the pane; it ends with its manifest finished.
head -c 100000000 /dev/zero | curl -sS -o "$tmp/put.out" --limit-rate 256k -T - "$base/live.ts" &
up=$!
for _ in $(seq 50); do ctl rec list | grep -q '^live.ts .*recording' && break; sleep 0.1; done
tmux send-keys -t shell 'rec stop live.ts' Enter
wait_for shell 'live.ts: stop requested' && ok "rec stop from the console" || notok "rec stop: $(screen shell)"
for _ in $(seq 50); do kill -0 "$up" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$up" 2>/dev/null && ok "the upload ended ($(tr -d '\n' <"$tmp/put.out"))" || notok "upload still running"
up=""
state="$(curl -sSI "$base/live.ts" | tr -d '\r' | awk -F': ' '/^Recd-State/ {print $2}')"
committed="$(curl -sSI "$base/live.ts" | tr -d '\r' | awk -F': ' '/^Recd-Committed-Length/ {print $2}')"
[ "$state" = interrupted ] && [ "${committed:-0}" -gt 0 ] && ok "stopped recording: $state, $committed bytes committed" || notok "after stop: state '$state' committed '$committed'"
ctl rec show live.ts | grep -q 'stopped by the operator' && ok "its manifest says why" || notok "rec show: $(ctl rec show live.ts)"
tmux send-keys -t shell 'verify live.ts' Enter
wait_for shell '^[0-9a-f]{64}  live.ts' && ok "verify: $(screen shell | grep -E '^[0-9a-f]{64}' | cut -c1-16)..." || notok "verify: $(screen shell)"
want="$(head -c "$committed" /dev/zero | sha256sum | cut -d' ' -f1)"
screen shell | grep -q "^$want  live.ts" && ok "verify's sha256 is the committed bytes'" || notok "verify hash, want $want"

tmux send-keys -t shell C-d
wait_for shell '^console-exit=0' && ok "Ctrl-D ends the session, the console exits 0" || notok "Ctrl-D: $(screen shell)"

# The daemon's own console on a tty: another pane's (its sleep never reads, so the daemon gets the keys).
stop_daemon
tmux new-window -d -t shell -n ttyS "tty > '$tmp/tty'; exec sleep 600"
for _ in $(seq 50); do [ -s "$tmp/tty" ] && break; sleep 0.1; done
start_daemon "$tmp" "$tmp/store" --Console:Tty "$(cat "$tmp/tty")" --Console:Baud 115200
wait_for shell:ttyS '^recd> ' && ok "--Console:Tty $(cat "$tmp/tty"): the daemon's shell prompts there" || notok "daemon tty: $(screen shell:ttyS)"
tmux send-keys -t shell:ttyS 'rec list' Enter
wait_for shell:ttyS '^live.ts +[0-9]+ interrupted' && ok "rec list on the daemon's tty" || notok "daemon tty rec list: $(screen shell:ttyS)"
tmux send-keys -t shell:ttyS 'sensors' Enter 'gpio' Enter
wait_for shell:ttyS '^no GPIO: Gpio:Driver is none' && ok "gpio and sensors answer (host profile: no GPIO, and why)" || notok "gpio: $(screen shell:ttyS)"
grep -q "console shell on $(cat "$tmp/tty")" "$tmp/daemon.log" && ok "the daemon logs its console" || notok "log: $(tail -5 "$tmp/daemon.log")"
stop_daemon
finish
