#!/usr/bin/env bash
# Instructions (Ir) per call of each path, from callgrind totals at two call counts:
# per call = (Ir(N2) - Ir(N1)) / (N2 - N1). Setup and warm-up cancel out.
# Usage: benchmarks/scripts/callgrind.sh [N1] [N2]   (from the repo root or benchmarks/)
set -euo pipefail
cd "$(dirname "$0")/.."
N1=${1:-20}
N2=${2:-120}
cargo build --release --bin callgrind_driver >&2
BIN=target/release/callgrind_driver
export BENCH_DIRECT=1   # no relay: count only client + stand-in work
OUT=target/callgrind
mkdir -p "$OUT"
total() { # path n
  valgrind --tool=callgrind --callgrind-out-file="$OUT/$1.$2.out" "$BIN" "$1" "$2" >/dev/null 2>"$OUT/$1.$2.log"
  grep -E '^(summary|totals):' "$OUT/$1.$2.out" | head -1 | awk '{print $2}'
}
printf '| path | Ir per call | calls measured |\n|---|---:|---:|\n'
for p in ${PATHS:-raw_sdk framework rig stream_raw stream_framework tool_raw tool_framework}; do
  a=$(total "$p" "$N1"); b=$(total "$p" "$N2")
  per=$(( (b - a) / (N2 - N1) ))
  printf '| %s | %d | %d |\n' "$p" "$per" "$((N2 - N1))"
done
