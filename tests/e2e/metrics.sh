#!/usr/bin/env bash
# GET /metrics: promtool accepts the text, and a real Prometheus server scraping recd every second
# sees the received-bytes counter rise while a paced upload (~12 s at 1 MB/s) runs, through PromQL.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
tmp="$(mktemp -d /tmp/recd-metrics.XXXXXX)"
pid="" prom="" up=""
cleanup() {
  [ -n "$up" ] && kill "$up" 2>/dev/null
  [ -n "$prom" ] && { kill "$prom" 2>/dev/null; wait "$prom" 2>/dev/null; }
  stop_daemon; kill_started; rm -rf "$tmp"
}
trap cleanup EXIT
for tool in promtool prometheus; do
  command -v "$tool" >/dev/null || { notok "$tool missing (./build.sh installs the prometheus package)"; finish; exit; }
done

start_daemon "$tmp" "$tmp/store"
metrics="http://127.0.0.1:$port/metrics"
curl -s -o /dev/null -X PUT "$base/nolength.ts"   # a 411: a refusal series to check too
head="$(curl -sI "$metrics")"
grep -qi '^content-type: text/plain; version=0.0.4' <<<"$head" && ok "content type of the 0.0.4 text format" || notok "head: $head"
curl -s "$metrics" >"$tmp/m1"
out="$(promtool check metrics <"$tmp/m1" 2>&1)" && ok "promtool check metrics: clean (${out:-no findings})" || notok "promtool: $out"
grep -q '^recd_http_refusals_total{code="411"} 1$' "$tmp/m1" && ok "the 411 is counted by code" || notok "refusals: $(grep refusals "$tmp/m1")"
code="$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$metrics")"
[ "$code" = 405 ] && ok "DELETE /metrics -> 405" || notok "DELETE /metrics -> $code"

pport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$tmp/prometheus.yml" <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: recd
    static_configs: [ { targets: ["127.0.0.1:$port"] } ]
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$tmp/prometheus.log" 2>&1 &
prom=$!
api="http://127.0.0.1:$pport/api/v1"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$pport/-/ready" >/dev/null && ok "prometheus ready on 127.0.0.1:$pport" || notok "prometheus not ready: $(tail -n 3 "$tmp/prometheus.log")"

# 12 MB at 100 KB per 100 ms: long enough for several scrapes while the recording runs.
python3 - "$port" >"$tmp/upload.log" 2>&1 <<'PY' &
import socket, sys, time
total, step = 12_000_000, 100_000
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"PUT /recordings/paced.ts?path=buffered HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % total)
chunk = bytes(range(256)) * (step // 256) + bytes(step % 256)
for _ in range(total // step):
    s.sendall(chunk)
    time.sleep(0.1)
print(s.recv(200).split(b"\r\n")[0].decode())
PY
up=$!

# query PROMQL: the result's JSON on stdout ("" if the API did not answer).
query() { curl -s --get "$api/query" --data-urlencode "query=$1"; }
sleep 7
active="$(query 'recd_active_recordings')"
grep -q '"value":\[[0-9.]*,"1"\]' <<<"$active" && ok "prometheus sees 1 active recording" || notok "active: $active"
# Two samples of the counter, scraped while the recording ran: the later one must be larger.
# One fixed path: under auto the bytes move between series as the selector switches.
series="$(query 'recd_received_bytes_total{path=~"buffered.*"}[6s]')"
verdict="$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])["data"]["result"]
v = [float(x[1]) for x in r[0]["values"]] if r else []  # the raw samples the server scraped
print(("rising" if len(v) >= 2 and v[-1] > v[0] > 0 else "flat") + " %s" % v[:1] + " -> %s" % v[-1:])
' "$series" 2>&1)"
[[ "$verdict" == rising* ]] && ok "PromQL: recd_received_bytes_total rising during the upload ($verdict)" || notok "counter not rising: $verdict / $series / $(curl -s "$api/targets")"
wait "$up"; up=""
grep -q "201" "$tmp/upload.log" && ok "the paced upload completed: $(cat "$tmp/upload.log")" || notok "upload: $(cat "$tmp/upload.log")"
sleep 1.5
final="$(query 'sum(recd_received_bytes_total)')"
grep -q '"12000000"' <<<"$final" && ok "after the upload the counter holds exactly its 12000000 bytes" || notok "final: $final"
curl -s "$metrics" | promtool check metrics >/dev/null 2>&1 && ok "promtool still clean after the recording" || notok "promtool after: $(curl -s "$metrics" | promtool check metrics 2>&1)"
finish
