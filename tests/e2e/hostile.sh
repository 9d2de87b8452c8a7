#!/usr/bin/env bash
# Hostile requests against the published daemon: every file of tests/corpus (raw bytes, one fresh
# TCP connection each) must get exactly the status its name starts with (tests/corpus/README.md).
# Afterwards the daemon must still be alive and serving, a normal curl upload must still store the
# exact bytes, and no file may have appeared outside the storage root.
#
#   RECD_ROOT  repository root (default: found from this script's path)
#   RECD_BIN   daemon binary   (default: $RECD_ROOT/out/linux-x64/recd; built with ./build.sh publish if missing)
#
# Prints "ok - ..." / "not ok - ..." per case and ends with exactly one line "N passed, N failed";
# exits non-zero if any case failed.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
RECD_ROOT="$ROOT" RECD_BIN="$BIN"
CORPUS="$RECD_ROOT/tests/corpus"
RAWHTTP="$RECD_ROOT/tests/e2e/rawhttp.py"
started=$(date +%s)

need_tools curl python3 sha256sum

tmp="$(mktemp -d /tmp/recd-e2e-hostile.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  kill_started  # whatever escaped the PID kept above (common.sh's marker), so none outlives the script
  rm -rf "$tmp"
}
trap cleanup EXIT

# Places a traversal would land in if a name escaped the storage root ($tmp/store): they must not
# exist afterwards unless they already existed before.
parent="$(dirname "$tmp")"
escape_paths=("$tmp/x" "$tmp/passwd" "$tmp/etc" "$tmp/b" "$tmp/recd-evil" "$parent/x" "$parent/etc/passwd"
  "$parent/recd-evil" "/tmp/recd-evil" "/recd-evil" "$tmp/cwd/x")
preexisting=()
for p in "${escape_paths[@]}"; do [ -e "$p" ] && preexisting+=("$p"); done
passwd_before="$(sha256sum /etc/passwd 2>/dev/null | cut -d' ' -f1)"

# The daemon runs in an empty working directory that must stay empty.
mkdir "$tmp/cwd"
(cd "$tmp/cwd" && exec "$RECD_BIN" run --board-dir "$RECD_ROOT/board" --port 0 --port-file "$tmp/port" \
  --storage "$tmp/store") >"$tmp/recd.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$tmp/port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
port="$(cat "$tmp/port" 2>/dev/null)"
if [ -z "$port" ]; then
  notok "daemon started within 10 s"
  sed 's/^/# /' "$tmp/recd.log" | tail -n 20
  finish; exit 1
fi
ok "daemon started on port $port"

# The corpus on disk is what generate.py writes.
if check="$(python3 "$CORPUS/generate.py" --check 2>&1)"; then
  ok "corpus matches generate.py"
else
  notok "corpus matches generate.py"; echo "$check" | tail -n 5 | sed 's/^/# /'
fi

# ---------------------------------------------------------------- every corpus file
files=("$CORPUS"/*.http)
python3 "$RAWHTTP" "$port" "${files[@]}" >"$tmp/results.tsv" 2>"$tmp/rawhttp.err"
if [ "$(wc -l <"$tmp/results.tsv")" -ne "${#files[@]}" ]; then
  notok "rawhttp.py answered for all ${#files[@]} files"; sed 's/^/# /' "$tmp/rawhttp.err" | tail -n 5
fi
# head- and body-stage rejections must also end the connection after that one response (RFC 9112
# 6.3, 9.6: after a framing error the rest of the stream cannot be trusted, so a smuggled second
# request in the same bytes is never answered): rawhttp.py reports "closed:1" for those.
while IFS=$'\t' read -r got after file; do
  label="${file%.http}"
  want="${label%%-*}"
  if [ "$got" = "$want" ] && { [ "$after" = "-" ] || [ "$after" = "closed:1" ]; }; then ok "$label"
  elif [ "$got" = "$want" ]; then notok "$label (got $got, then $after)"
  else notok "$label (got $got)"; fi
done <"$tmp/results.tsv"

# The stage in each name is checked against the store: a "body" file's 400 came after its recording
# began (it is there, interrupted); a "route" refusal created nothing; an "ok" PUT is complete.
python3 - "$CORPUS" "$tmp/store" >"$tmp/stages.txt" 2>&1 <<'PY'
import json, os, re, sys
corpus, store = sys.argv[1], sys.argv[2]
bad = {"body": [], "route": [], "ok": []}
seen = {"body": 0, "route": 0, "ok": 0}
for f in sorted(os.listdir(corpus)):
    m = re.match(r"^(\d{3})-(route|body|ok)-", f)
    if not m:
        continue
    status, stage = m.group(1), m.group(2)
    data = open(os.path.join(corpus, f), "rb").read().lstrip(b"\r\n")
    method, target = data.split(b" ", 2)[:2]
    if not target.startswith(b"/recordings/"):
        continue
    name = target[len(b"/recordings/"):].split(b"?")[0].decode("latin-1")
    if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}", name):
        continue
    path = os.path.join(store, "." + name + ".manifest")
    state = json.load(open(path)).get("state") if os.path.exists(path) else None
    if stage != "ok" or (method == b"PUT" and status == "201"):
        seen[stage] += 1
    if stage == "body" and state != "interrupted":
        bad["body"].append(f"{f}: {state}")
    elif stage == "route" and state is not None:
        bad["route"].append(f"{f}: {state}")
    elif stage == "ok" and method == b"PUT" and status == "201" and state != "complete":
        bad["ok"].append(f"{f}: {state}")
for stage, items in bad.items():
    print(f"{stage}\t{seen[stage]}\t" + "; ".join(items[:3]))
PY
while IFS=$'\t' read -r stage count problems; do
  case "$stage" in
    body) what="$count bad chunked bodies each left an interrupted recording (the 400 came after the recording began)" ;;
    route) what="$count route-stage refusals with a valid name created no recording" ;;
    ok) what="$count corpus PUTs answered 201 each left a complete recording" ;;
    *) notok "stage check: $stage $problems"; continue ;;
  esac
  if [ -z "$problems" ] && [ "${count:-0}" -gt 0 ]; then ok "$what"; else notok "$what: $problems"; fi
done <"$tmp/stages.txt"

# ---------------------------------------------------------------- the daemon survived
if kill -0 "$pid" 2>/dev/null; then ok "daemon alive after the corpus"; else notok "daemon alive after the corpus"; fi
code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/recordings" 2>/dev/null)"
if [ "$code" = 200 ]; then ok "GET /recordings still 200"; else notok "GET /recordings still 200 (got $code)"; fi

head -c $((1048576 + 7)) /dev/urandom >"$tmp/upload.bin"
want="$(sha256sum <"$tmp/upload.bin" | cut -d' ' -f1)"
code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -T "$tmp/upload.bin" "http://127.0.0.1:$port/recordings/upload-check.ts" 2>/dev/null)"
stored="$(sha256sum <"$tmp/store/upload-check.ts" 2>/dev/null | cut -d' ' -f1)"
if [ "$code" = 201 ] && [ "$stored" = "$want" ]; then
  ok "curl upload of 1 MiB + 7 bytes: 201, stored sha256 exact"
else
  notok "curl upload of 1 MiB + 7 bytes: 201, stored sha256 exact (got $code, ${stored:0:12} vs ${want:0:12})"
fi
back="$(curl -sS --max-time 20 "http://127.0.0.1:$port/recordings/upload-check.ts" 2>/dev/null | sha256sum | cut -d' ' -f1)"
if [ "$back" = "$want" ]; then ok "GET of the upload: sha256 exact"; else notok "GET of the upload: sha256 exact (${back:0:12} vs ${want:0:12})"; fi

# ---------------------------------------------------------------- nothing escaped the storage root
if [ -z "$(ls -A "$tmp/cwd")" ]; then ok "daemon working directory still empty"
else notok "daemon working directory still empty: $(ls -A "$tmp/cwd" | head -n 5 | tr '\n' ' ')"; fi

# store.state and store.run are the daemon's own state and runtime folders beside the root, by design.
unexpected="$(ls -A "$tmp" | grep -vxE 'cwd|store|store\.state|store\.run|port|recd\.log|results\.tsv|rawhttp\.err|stages\.txt|upload\.bin' || true)"
if [ -z "$unexpected" ]; then ok "nothing but the storage folder (and its state and runtime folders) appeared beside it"
else notok "nothing but the storage folder (and its state and runtime folders) appeared beside it: $(echo "$unexpected" | tr '\n' ' ')"; fi

# The daemon's own state folder (StorageOptions.StateDir, ".state" by default) is the only folder.
subdirs="$(find "$tmp/store" -mindepth 1 -path "$tmp/store/.state" -prune -o -type d -print 2>/dev/null)"
if [ -z "$subdirs" ]; then ok "no folder inside the storage root but .state"
else notok "no folder inside the storage root but .state: $(echo "$subdirs" | head -n 5 | tr '\n' ' ')"; fi

# Data files: only the names the corpus and the upload above may create (c-*, the 128-char name,
# upload-check.ts); dot-files: only manifests of those, and .state.
bad_names="$(ls -A "$tmp/store" | grep -vxE '(c-[a-z0-9-]+|c{128}|upload-check\.ts)|\.(c-[a-z0-9-]+|c{128}|upload-check\.ts)\.manifest|\.state' || true)"
if [ -z "$bad_names" ]; then ok "storage holds only the expected recordings and manifests"
else notok "storage holds only the expected recordings and manifests: $(echo "$bad_names" | head -n 5 | tr '\n' ' ')"; fi

escaped=()
for p in "${escape_paths[@]}"; do
  if [ -e "$p" ] && [[ ! " ${preexisting[*]-} " == *" $p "* ]]; then escaped+=("$p"); fi
done
if [ ${#escaped[@]} -eq 0 ]; then ok "no traversal target exists (x, passwd, etc/passwd, recd-evil)"
else notok "no traversal target exists: ${escaped[*]}"; fi
if [ "$(sha256sum /etc/passwd 2>/dev/null | cut -d' ' -f1)" = "$passwd_before" ]; then ok "/etc/passwd unchanged"
else notok "/etc/passwd unchanged"; fi

if [ "$fail" -gt 0 ]; then
  echo "# daemon log (last 20 lines):"
  tail -n 20 "$tmp/recd.log" | sed 's/^/# /'
fi
echo "# hostile.sh: $(( $(date +%s) - started )) s"
finish
