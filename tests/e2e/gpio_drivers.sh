#!/usr/bin/env bash
# Every Gpio:Driver value on a machine without GPIO (no /dev/gpiochip*, no /sys/class/gpio, no
# libgpiod): the NativeAOT daemon starts with a button line configured, logs "board: no GPIO (<reason>)"
# exactly once, names the driver in the reason, and stores a curl upload sha256-exact.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
if [ ! -x "$BIN" ]; then notok "$BIN is built"; finish; exit 1; fi
tmp="$(mktemp -d /tmp/recd-gpio.XXXXXX)"
pid=""
trap 'stop_daemon; kill_started; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
if ls /dev/gpiochip* >/dev/null 2>&1 || [ -d /sys/class/gpio ]; then
  ok "# skip: this machine has GPIO (the emulated board, board_qemu.sh, covers that case)"
  finish; exit
fi

head -c 1048576 /dev/urandom >"$tmp/src"
want="$(sha256sum <"$tmp/src" | cut -d' ' -f1)"
for driver in libgpiod libgpiodv2 sysfs none; do
  dir="$tmp/$driver"
  mkdir -p "$dir"
  start_daemon "$dir" "$dir/store" --Gpio:Driver "$driver" --Gpio:Button:Line 3
  if [ -z "$port" ]; then notok "$driver: daemon did not listen: $(tail -n 3 "$dir/daemon.log")"; stop_daemon; continue; fi
  code="$(curl -sS -o /dev/null -w '%{http_code}' -T "$tmp/src" "$base/$driver.ts")"
  got="$(curl -sS "$base/$driver.ts" | sha256sum | cut -d' ' -f1)"
  stop_daemon
  lines="$(grep -c 'board: no GPIO (' "$dir/daemon.log")"
  reason="$(sed -n 's/.*board: no GPIO (\(.*\)): no LEDs.*/\1/p' "$dir/daemon.log" | head -n 1)"
  if [ "$driver" = none ]; then prefix="Gpio:Driver is none"; else prefix="$driver on chip 0: "; fi
  # The reason on the line itself: a library's probe list must not spill into more log lines.
  if [ "$lines" -eq 1 ] && [ "${reason#"$prefix"}" != "$reason" ] && [ "$code" = 201 ] && [ "$got" = "$want" ]; then
    ok "$driver: runs, logs 'board: no GPIO ($reason)' once, 1 MiB upload sha256-exact"
  else
    notok "$driver: $lines no-GPIO lines, reason '$reason', PUT $code, sha256 $got (want $want)"
  fi
done
finish
