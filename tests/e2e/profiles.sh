#!/usr/bin/env bash
# Board profiles against the published binary: every shipped profile passes `recd profile check`; a
# broken one fails it naming the file and key; a mistyped key on the command line or in a RECD__
# variable stops `recd run` before it binds, with a message naming the key; `profile show --json`
# parses and names each value's source. Starts no daemon that stays up.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
if [ ! -x "$BIN" ]; then notok "$BIN is built"; finish; exit 1; fi
tmp="$(mktemp -d /tmp/recd-profiles.XXXXXX)"
trap 'kill_started; rm -rf "$tmp"' EXIT

if "$BIN" profile check "$ROOT"/board/*.json >"$tmp/check.out" 2>&1; then
  ok "profile check board/*.json passes ($(tail -n 1 "$tmp/check.out"))"
else
  notok "profile check board/*.json: $(grep -v '^ok ' "$tmp/check.out" | head -n 5)"
fi

cp "$ROOT/board/generic-arm64.json" "$tmp/"
printf '{ "Base": "generic-arm64", "Storage": { "Rooot": "/x" } }\n' >"$tmp/typo.json"
printf '{ "Base": "missing-base" }\n' >"$tmp/orphan.json"
if "$BIN" profile check "$tmp/typo.json" "$tmp/orphan.json" >"$tmp/bad.out" 2>&1; then
  notok "profile check of broken profiles exited 0"
elif grep -q "typo.json: unknown key 'Storage:Rooot'" "$tmp/bad.out" && grep -q "orphan.json: .*'missing-base' not found" "$tmp/bad.out"; then
  ok "profile check of a mistyped key and a missing base exits non-zero naming both"
else
  notok "profile check of broken profiles: $(cat "$tmp/bad.out")"
fi

# timeout: a daemon that ignored the key would start and keep running.
timeout 10 "$BIN" run --board-dir "$ROOT/board" --port 0 --storage "$tmp/store" --Storgae:Root /x >"$tmp/run.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "Storgae:Root" "$tmp/run.out"; then
  ok "run --Storgae:Root /x exits $rc: $(head -n 1 "$tmp/run.out")"
else
  notok "run --Storgae:Root /x: exit $rc, $(head -n 3 "$tmp/run.out")"
fi

RECD__Storgae__Root=/x timeout 10 "$BIN" run --board-dir "$ROOT/board" --port 0 --storage "$tmp/store" >"$tmp/env.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q "RECD__Storgae__Root" "$tmp/env.out"; then
  ok "RECD__Storgae__Root=/x run exits $rc naming the variable"
else
  notok "RECD__Storgae__Root=/x run: exit $rc, $(head -n 3 "$tmp/env.out")"
fi

if RECD__Storage__ReservePercent=7 "$BIN" profile show --board-dir "$ROOT/board" --board amlogic-s905x --port 9999 --json >"$tmp/show.json" 2>"$tmp/show.err" &&
  python3 - "$tmp/show.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v = d["values"]
want = {"Listen:Port": ("9999", "command line"), "Storage:ReservePercent": ("7", "environment"),
        "WritePaths:Default": ("auto", "amlogic-s905x.json"), "Storage:Root": ("/var/lib/recd/recordings", "generic-arm64.json"),
        "Http:MaxHeaderBytes": ("32768", "default")}
bad = [k for k, (val, src) in want.items() if (v[k]["value"], v[k]["source"]) != (val, src)]
need = ["Selector:Candidates", "Access:AllowedNetworks", "RunAs", "ControlSocket", "WritePaths:PageCache", "Console:Tty", "Gpio:Chip", "Display:Kind", "Sensors:ThermalZone"]
bad += [k for k in need if k not in v]
assert d["board"] == "amlogic-s905x" and not bad, bad
PY
then
  ok "profile show --json parses: every section, sources file/environment/command line/default"
else
  notok "profile show --json: $(head -c 400 "$tmp/show.err")"
fi

finish
