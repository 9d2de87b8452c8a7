#!/usr/bin/env bash
# ./build.sh bench [--size BYTES] [--rounds N] [--paths buffered,splice,direct] [--targets tmpfs,ext4] [--selector]
# Runs recd (the published NativeAOT binary) and the C reference receiver (native/) side by side,
# alternating A B A B, and prints throughput and CPU-seconds per GiB with ratios. Results: bench/out/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
exec "$PY" "$ROOT/bench/bench.py" --root "$ROOT" "$@"
