#!/usr/bin/env bash
# Limits under abuse: 200 idle or slow-header connections (slowloris) must not lock out real
# clients; the header timeout closes a dribbling head with 408; a hostile client is answered, and
# the next good client is served exactly. Then "nothing a client does can lock recordings out":
# slow readers, trickling senders and idle connections in every slot of an 8-connection daemon,
# a new recording still served exactly, the slow ones closed at the rate bound, a healthy reader not.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

tmp="$(mktemp -d /tmp/recd-limits.XXXXXX)"
pid="" loris="" abuser="" reader=""
# Everything this script starts is stopped on success, failure and interrupt.
cleanup() {
  local p
  for p in $loris $abuser $reader; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$BIN" run --board-dir "$ROOT/board" --port 0 --port-file "$tmp/port" --storage "$tmp/store" \
  --Http:MaxConnections 32 --Http:HeaderTimeoutMs 3000 >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port="$(cat "$tmp/port")"
base="http://127.0.0.1:$port/recordings"
head -c 1048583 /dev/urandom >"$tmp/src"
# What the upload costs on this machine now, without the flood: the bound below is the header timeout
# on top of the fastest of these (the first on a fresh daemon is the slowest), not a wall-clock
# figure that holds only on an idle machine.
base_ms=""
for i in 1 2 3; do
  t0=$(date +%s%N)
  curl -sS -m 10 -o /dev/null -T "$tmp/src" "$base/base$i.ts"
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ -z "$base_ms" ] || [ "$ms" -lt "$base_ms" ] && base_ms=$ms
done
bound_ms=$((3000 + base_ms))

# 200 slowloris connections: each sends a partial head and then one byte a second, reconnecting
# whenever the daemon closes it, for 12 s.
python3 "$(dirname "${BASH_SOURCE[0]}")/lib/slowloris.py" "$port" >"$tmp/loris.out" 2>&1 &
loris=$!
sleep 2

served=0 exact=0 slow=0 times=""
for i in 1 2 3 4 5; do
  t0=$(date +%s%N)
  code="$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -T "$tmp/src" "$base/real$i.ts")"
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$code" = 201 ] && served=$((served + 1))
  cmp -s "$tmp/src" "$tmp/store/real$i.ts" && exact=$((exact + 1))
  [ "$ms" -gt "$bound_ms" ] && slow=$((slow + 1))
  times+="$ms "
  sleep 1
done
if [ "$served" = 5 ] && [ "$exact" = 5 ] && [ "$slow" = 0 ]; then
  ok "200 slowloris connections against a 32-connection daemon: 5 of 5 real uploads served, exact, each under $bound_ms ms (3 s header timeout + ${base_ms} ms, the fastest without the flood): ${times}ms"
else
  notok "real clients under slowloris: served $served, exact $exact, $slow over $bound_ms ms (3 s + ${base_ms} ms without the flood): ${times}ms"
fi
wait "$loris"
loris=""
reconnects="$(sed -n 's/reconnects=//p' "$tmp/loris.out")"
if [ "${reconnects:-0}" -gt 0 ]; then ok "idle connections were evicted or timed out ($reconnects reconnects)"; else notok "no slow connection was ever closed: $(cat "$tmp/loris.out")"; fi

# A head dribbled slower than the header timeout gets 408 and the connection closes.
got="$(python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /recordings HTTP/1.1\r\n")
s.settimeout(6)
t0 = time.time()
data = b""
try:
    while True:
        s.sendall(b"X")
        time.sleep(0.5)
        if time.time() - t0 > 5:
            break
except OSError:
    pass
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except OSError:
    pass
print(data.split(b"\r\n", 1)[0].decode(errors="replace"))
PY
)"
case "$got" in
  "HTTP/1.1 408"*) ok "head not complete within the header timeout: $got" ;;
  *) notok "slow head: got '$got'" ;;
esac

if kill -0 "$pid" 2>/dev/null && [ "$(curl -sS -o /dev/null -w '%{http_code}' "$base")" = 200 ]; then
  ok "daemon alive and serving after the abuse"
else
  notok "daemon not serving after the abuse"
fi
[ "$fail" -gt 0 ] && tail -n 20 "$tmp/daemon.log" | sed 's/^/#   /'
stop_daemon

# --- Slots and minimum rates. 8 connections, 2 reserved for recordings, the rates' default 240 B/s
# with a 2 s grace instead of 5 (xunit holds the defaults) to keep the suite fast.
grace_ms=2000
mkdir -p "$tmp/rates"
start_daemon "$tmp/rates" "$tmp/rates/store" --Http:MaxConnections 8 --Http:RecordingReserve 2 \
  --Http:MinRequestBodyGraceMs "$grace_ms" --Http:MinResponseGraceMs "$grace_ms"
head -c 33554439 /dev/urandom >"$tmp/movie"
head -c 4194311 /dev/urandom >"$tmp/new"
code="$(curl -sS -o /dev/null -w '%{http_code}' -T "$tmp/movie" "$base/movie.ts")"
[ "$code" = 201 ] || notok "setup: movie upload got $code"

# The abuser: 6 GETs that never read (4 KiB SO_RCVBUF), 2 PUTs trickling 1 byte every 1.5 s, 4
# connections that send nothing. It prints, per connection, when the daemon closed it (seconds
# after it was opened; poll's RDHUP/HUP/ERR, since a stalled reader's data is still queued).
python3 "$(dirname "${BASH_SOURCE[0]}")/lib/rate_abuser.py" "$port" >"$tmp/abuser.out" 2>&1 &
abuser=$!
for _ in $(seq 100); do grep -q opened "$tmp/abuser.out" 2>/dev/null && break; sleep 0.05; done
sleep 0.3

# A healthy reader beside them: the movie paced at 4 MiB/s as a player reads it (8 s, past the grace
# many times over). Not curl --limit-rate: that reads in bursts and then sleeps ~2 s, the grace itself
# (lib/paced_reader.py says how it was measured), so under load it was closed, rightly, as stalled.
python3 "$(dirname "${BASH_SOURCE[0]}")/lib/paced_reader.py" "$port" /recordings/movie.ts 4194304 60 >"$tmp/reader.out" 2>&1 &
reader=$!
# The PUT comes last: a newcomer at the limit closes the stalest connection without a head, and a PUT
# whose head the loaded daemon has not read yet is one (seen: curl "Empty reply" after 109 ms).
for _ in $(seq 200); do grep -q '^head' "$tmp/reader.out" && break; sleep 0.05; done

t0=$(date +%s%N)
code="$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -T "$tmp/new" "$base/new.ts")"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
if [ "$code" = 201 ] && [ "$(sha256sum <"$tmp/new")" = "$(sha256sum <"$tmp/rates/store/new.ts")" ] \
  && [ "$(curl -sS "$base/new.ts" | sha256sum)" = "$(sha256sum <"$tmp/new")" ]; then
  ok "every slot held by slow readers, tricklers and idle connections: a new PUT got 201 in $ms ms, sha256 exact on disk and by GET"
else
  notok "new PUT among the abusers: $code after $ms ms"
fi

wait "$abuser"
abuser=""
sed 's/^/#   /' "$tmp/abuser.out"
# Stalled outright, a client falls the grace's worth (2 s x 240 B/s) behind at once: closed on the
# first monitor tick past the grace, within a second or so. With all 8 slots taken, each newcomer
# (idle connection, the new PUT, the healthy reader) closed the stalest reader or idle one at once.
lo=$(awk -v g="$grace_ms" 'BEGIN { print g / 1000 - 0.2 }')
hi=$(awk -v g="$grace_ms" 'BEGIN { print g / 1000 + 2.5 }')
for kind in reader trickler; do
  times="$(awk -v k="$kind" '$1 == k { print $3 }' "$tmp/abuser.out" | tr '\n' ' ')"
  rated="$(awk -v k="$kind" -v lo="$lo" -v hi="$hi" '$1 == k && $2 == "closed" && $3 >= lo && $3 <= hi' "$tmp/abuser.out" | wc -l)"
  early="$(awk -v k="$kind" -v lo="$lo" '$1 == k && $2 == "closed" && $3 < lo' "$tmp/abuser.out" | wc -l)"
  if [ "$kind" = reader ] && [ "$rated" -ge 3 ] && [ $((rated + early)) = 6 ]; then
    ok "6 slow readers closed: $rated at the rate bound between $lo and $hi s (grace ${grace_ms} ms, 240 B/s), $early earlier to make room: $times"
  elif [ "$kind" = trickler ] && [ "$rated" = 2 ]; then
    ok "2 tricklers (1 B every 1.5 s) closed between $lo and $hi s: $times"
  else
    notok "${kind}s: $rated closed in [$lo, $hi] s, $early earlier ($times)"
  fi
done
body_closes="$(grep -c 'closed: request body' "$tmp/rates/daemon.log")"
resp_closes="$(grep -c 'closed: response taken' "$tmp/rates/daemon.log")"
evicted="$(grep -c 'closed to make room' "$tmp/rates/daemon.log")"
if [ "$body_closes" -ge 2 ] && [ "$resp_closes" -ge 1 ]; then
  ok "the daemon logged each close with the client and the reason ($body_closes body, $resp_closes response below the rate, $evicted readers made room)"
  grep -m 2 -E 'closed: (request body|response taken)' "$tmp/rates/daemon.log" | sed 's/^/#   /'
else
  notok "rate closes in the log: $body_closes body, $resp_closes response"
fi

# The tricklers' recordings end interrupted with every byte they got committed.
exact=0
for i in 0 1; do
  sent="$(awk '$1 == "trickler"' "$tmp/abuser.out" | sed -n "$((i + 1))p" | awk '{ print $4 }')"
  hdr="$(curl -sSI "$base/trickle$i.ts" | tr -d '\r')"
  state="$(sed -n 's/^Recd-State: //p' <<<"$hdr")"
  committed="$(sed -n 's/^Recd-Committed-Length: //p' <<<"$hdr")"
  [ "$state" = interrupted ] && [ "$committed" = "$sent" ] && [ "$(head -c "$committed" "$tmp/rates/store/trickle$i.ts" | tr -d t)" = "" ] \
    && exact=$((exact + 1))
  echo "#   trickle$i.ts: $state, $committed of $sent bytes committed"
done
[ "$exact" = 2 ] && ok "both trickled recordings ended interrupted, committed bytes exact" || notok "trickled recordings: $exact of 2 exact"

# What the check claims is "a reader that keeps reading is not closed": the reader measures its own
# longest time without a read. Longer than the grace (the machine did not run it), closing it was the
# rule working, so the run says nothing about the claim: skipped, not passed, not failed.
wait "$reader"
reader=""
got="$(cat "$tmp/reader.out")"
field() { sed -nE "s/.*(^| )$1=([^ ]*).*/\2/p" <<<"$got"; }
gap="$(field longest_gap)"
if [ "$(field end)" = complete ] && [ "$(field sha256)" = "$(sha256sum <"$tmp/movie" | cut -d' ' -f1)" ]; then
  ok "a player-paced 32 MiB GET at 4 MiB/s beside them was not closed, sha256 exact (its longest gap between reads ${gap} s, grace ${grace_ms} ms)"
elif awk -v g="${gap:-0}" -v grace="$grace_ms" 'BEGIN { exit !(g * 1000 >= grace) }'; then
  skipped "healthy reader: the machine kept it from reading for ${gap} s, over the ${grace_ms} ms grace, so its close proves nothing: $got"
else
  notok "healthy reader closed although it never went ${grace_ms} ms without reading: $got"
fi
[ "$fail" -gt 0 ] && tail -n 30 "$tmp/rates/daemon.log" | sed 's/^/#   /'
stop_daemon
finish
