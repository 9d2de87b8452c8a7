#!/usr/bin/env bash
# ./build.sh bench [--size BYTES] [--rounds N] [--paths buffered,splice,direct] [--targets tmpfs,ext4] [--selector]
#        ./build.sh bench --live [--rounds N] [--seconds S] [--live-conditions x1,x4,x16,x4-64k] [--live-receivers ...]
#   (--live: paced live-rate streams, bench/live_bench.py: CPU-s/GiB, wakeups per MiB, commit latency, peak RSS)
# ./build.sh bench --wear [--seconds S] [--streams 1,4] [--policies keep,dontneed,sync] [--profiles host,arm64]
# Runs recd (the published NativeAOT binary) and the C reference receiver (native/) side by side,
# alternating A B A B, and prints throughput and CPU-seconds per GiB with ratios. Results: bench/out/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
# --wear: device bytes written per byte recorded, on ext4 over a loop device (bench/wear.py, docs/measurements/2026-12-01-wear.md).
for a in "$@"; do [ "$a" = --wear ] && exec "$PY" "$ROOT/bench/wear.py" --root "$ROOT" "$@"; done
exec "$PY" "$ROOT/bench/bench.py" --root "$ROOT" "$@"
