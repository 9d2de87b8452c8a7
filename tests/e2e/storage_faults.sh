#!/usr/bin/env bash
# Storage faults on a real, small filesystem (a 64 MiB tmpfs mounted for this test): the free-space
# reserve refuses and retention frees space; a full disk stops only the recordings that hit it, with
# their committed prefix exact; ENOSPC without a reserve; storage not on the expected mount.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-faults.XXXXXX)"
mnt="$tmp/mnt"
mkdir -p "$mnt"
pid=""
cleanup() {
  stop_daemon
  kill_started   # the upload subshells too: nothing may keep the mount busy
  # Lazily if still busy: a tmpfs left mounted would hold its 64 MiB of RAM until reboot.
  umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

if ! mount -t tmpfs -o size=64m recd-faults "$mnt" 2>"$tmp/mount.err"; then
  echo "# cannot mount a tmpfs here ($(cat "$tmp/mount.err")): storage fault tests skipped"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
fi

start() { # extra args...: common.sh's start_daemon on the small tmpfs, committing every MiB
  start_daemon "$tmp" "$mnt/store" --Storage:CommitIntervalBytes 1048576 "$@"
}
stop() { stop_daemon; }
put() { # name file [curl args...] -> http code
  local name="$1" file="$2"; shift 2
  curl -sS -m 60 -o /dev/null -w '%{http_code}' -T "$file" "$@" "$base/$name"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$mnt/store/.$1.manifest" "$2"; }
prefix_ok() { # name source -> 0 if the stored bytes equal the source's first committedLength bytes
  local len; len="$(field "$1" committedLength)"
  [ "$(head -c "$len" "$2" | sha256sum | cut -d' ' -f1)" = "$(head -c "$len" "$mnt/store/$1" | sha256sum | cut -d' ' -f1)" ] &&
    [ "$(stat -c %s "$mnt/store/$1")" = "$len" ]
}

for n in 20 24 30; do head -c $((n << 20)) /dev/urandom >"$tmp/src$n"; done

# 1. Reserve 8 MiB (ReservePercent 100 makes the byte value the one that counts).
start --Storage:ReserveBytes 8388608 --Storage:ReservePercent 100
c1="$(put a.ts "$tmp/src20")"; c2="$(put 'b.ts?protect=1' "$tmp/src20")"
[ "$c1$c2" = 201201 ] && ok "two 20 MiB recordings fit (a.ts, protected b.ts)" || notok "setup uploads: $c1 $c2"

# 2. A chunked 24 MiB upload cannot be checked up front; retention deletes a.ts (oldest, unprotected) mid-way.
c="$(put c.ts - -H 'Transfer-Encoding: chunked' <"$tmp/src24")"
if [ "$c" = 201 ] && [ ! -e "$mnt/store/a.ts" ] && [ -e "$mnt/store/b.ts" ] &&
   cmp -s "$tmp/src24" "$mnt/store/c.ts" && grep -q "retention: deleted a.ts" "$tmp/daemon.log"; then
  ok "retention deleted the oldest unprotected recording to keep the reserve; c.ts complete and exact, protected b.ts kept"
else
  notok "retention: code $c, a.ts $( [ -e "$mnt/store/a.ts" ] && echo present || echo gone), b.ts $( [ -e "$mnt/store/b.ts" ] && echo present || echo gone)"
fi

# 3. An announced Content-Length that cannot fit is refused at once, and nothing is deleted for it.
c="$(put huge.ts "$tmp/src30" -H 'Content-Length: 104857600' 2>/dev/null)"
if [ "$c" = 507 ] && [ -e "$mnt/store/c.ts" ] && [ ! -e "$mnt/store/huge.ts" ]; then
  ok "100 MiB announced on a 64 MiB disk: 507 before the body, no recording deleted for it"
else
  notok "oversized announce: code $c, c.ts $( [ -e "$mnt/store/c.ts" ] && echo present || echo gone)"
fi

# 3b. A client that keeps sending the body it announced, reading nothing until it is done (curl did
#     this on the disk-full path below, and once got a reset before the 507): recd drains what keeps
#     arriving for a while after answering, so the client can send it all and then read the answer.
got="$(python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"PUT /recordings/blind.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n")
try:
    chunk = b"\x47" * 65536
    for _ in range(256):   # 16 MiB of the announced body, without reading
        s.sendall(chunk)
    data = b""
    while b"\r\n\r\n" not in data:
        more = s.recv(4096)
        if not more:
            break
        data += more
    print("sent " + data.split(b"\r\n", 1)[0].decode(errors="replace"))
except OSError as e:
    print("failed " + type(e).__name__)
PY
)"
if [ "$got" = "sent HTTP/1.1 507 Insufficient Storage" ] && [ ! -e "$mnt/store/blind.ts" ]; then
  ok "a client sending 16 MiB of an oversized body before reading: all of it accepted, then the 507"
else
  notok "blind sender after a 507: $got"
fi

# 4. Everything protected, three concurrent chunked uploads: the ones that hit the reserve stop with
#    507 "truncated: no space", their committed prefix exact; the daemon keeps serving.
curl -sS -o /dev/null -X DELETE "$base/c.ts"
uploads=()
for i in 1 2 3; do (put "p$i.ts?protect=1" - -H 'Transfer-Encoding: chunked' <"$tmp/src20" >"$tmp/code$i") & uploads+=($!); done
wait "${uploads[@]}"  # not a bare wait: the daemon is a background job of this shell too
codes="$(cat "$tmp/code1" "$tmp/code2" "$tmp/code3" | tr '\n' ' ')"
good=1 stopped=0
for i in 1 2 3; do
  code="$(cat "$tmp/code$i")"
  state="$(field "p$i.ts" state)"
  if [ "$code" = 201 ]; then
    [ "$state" = complete ] && cmp -s "$tmp/src20" "$mnt/store/p$i.ts" || good=0
  elif [ "$code" = 507 ]; then
    stopped=$((stopped + 1))
    [ "$state" = interrupted ] && [ "$(field "p$i.ts" reason)" = "truncated: no space" ] && prefix_ok "p$i.ts" "$tmp/src20" || good=0
  else
    good=0
  fi
done
if [ "$good" = 1 ] && [ "$stopped" -ge 1 ]; then
  ok "full disk under 3 concurrent uploads: codes $codes; stopped ones interrupted 'truncated: no space' with exact committed prefix"
else
  notok "full disk under concurrent uploads: codes $codes, stopped $stopped"
fi
c="$(put late.ts "$tmp/src20")"
[ "$c" = 507 ] && ok "below the reserve a new recording is refused with 507" || notok "new recording below reserve: $c"
stop

# 5. No reserve configured (recd still keeps 1 MiB for manifests): the disk filled by someone else
#    mid-body ends the recording cleanly, whichever notices first (the guard or the kernel's ENOSPC).
rm -rf "$mnt/store"
start --Storage:ReserveBytes 0
for path in buffered splice direct; do
  head -c $((50 << 20)) /dev/urandom >"$mnt/filler"
  c="$(put "enospc-$path.ts?path=$path" - -H 'Transfer-Encoding: chunked' <"$tmp/src20")"
  state="$(field "enospc-$path.ts" state)"
  if [ "$c" = 507 ] && [ "$state" = interrupted ] && prefix_ok "enospc-$path.ts" "$tmp/src20"; then
    ok "disk full mid-body on $path: 507, interrupted, committed $(field "enospc-$path.ts" committedLength) bytes exact"
  else
    notok "disk full on $path: code $c state $state"
  fi
  rm -f "$mnt/filler"
  curl -sS -o /dev/null -X DELETE "$base/enospc-$path.ts"
done
c="$(put after.ts "$tmp/src20")"
[ "$c" = 201 ] && cmp -s "$tmp/src20" "$mnt/store/after.ts" && ok "after space returns the daemon records again" || notok "after ENOSPC: $c"
stop

# 6. Storage not on the mount the profile expects (an unplugged USB disk).
start --Storage:ExpectMount /recd-no-such-mount
c="$(put usb.ts "$tmp/src20")"
if [ "$c" = 503 ] && [ ! -e "$mnt/store/usb.ts" ]; then ok "root not on the expected mount: 503, nothing written"; else notok "expect mount: $c"; fi
stop
start --Storage:ExpectMount "$mnt"
c="$(put usb2.ts "$tmp/src20")"
[ "$c" = 201 ] && ok "root on the expected mount: recording accepted" || notok "expected mount present: $c"
stop

# 7. EFBIG: a file over the size limit (RLIMIT_FSIZE here; FAT32's 4 GiB on a USB stick) ends that
#    recording with 507 on every path; SIGXFSZ does not kill the daemon.
mkdir -p "$tmp/efbig"
(ulimit -f 10240; exec "$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$tmp/efbig/port" --storage "$tmp/efbig/store" >"$tmp/efbig/log" 2>&1) &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/efbig/port" ] && break; sleep 0.05; done
base="http://127.0.0.1:$(cat "$tmp/efbig/port")/recordings"
for path in buffered splice direct; do
  c="$(curl -sS -m 60 -o /dev/null -w '%{http_code}' -T "$tmp/src20" "$base/big-$path.ts?path=$path")"
  m="$tmp/efbig/store/.big-$path.ts.manifest"
  read -r state len reason < <(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["state"], m["committedLength"], m.get("reason"))' "$m")
  if [ "$c" = 507 ] && [ "$state" = interrupted ] && [ "$len" -le 10485760 ] && [ "$len" -gt 0 ] &&
     [ "$(head -c "$len" "$tmp/src20" | sha256sum)" = "$(sha256sum <"$tmp/efbig/store/big-$path.ts")" ]; then
    ok "EFBIG on $path (RLIMIT_FSIZE 10 MiB): 507, interrupted at $len bytes, exact ($reason)"
  else
    notok "EFBIG on $path: code $c state $state len $len reason $reason"
  fi
done
kill -0 "$pid" 2>/dev/null && [ "$(curl -sS -o /dev/null -w '%{http_code}' "$base")" = 200 ] &&
  ok "SIGXFSZ did not kill the daemon; it still serves" || notok "daemon gone after EFBIG"
stop

if [ "$fail" -gt 0 ]; then echo "# daemon log:"; tail -n 30 "$tmp/daemon.log" | sed 's/^/#   /'; fi
finish
