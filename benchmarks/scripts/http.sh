#!/usr/bin/env bash
# HTTP API under load from a second process on loopback: the server (with an in-process
# stand-in answering instantly) and the load generator are separate processes.
# Usage: benchmarks/scripts/http.sh [SECONDS] [CONCURRENCY...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}; shift || true
CONC=${*:-16 64}
cargo build --release --bin http_server --bin loadgen >&2
for store in memory sqlite; do
  args=(); [ "$store" = sqlite ] && args=(--sqlite "$(mktemp -d)/bench.db")
  target/release/http_server ${args[@]+"${args[@]}"} > target/http_server.out &
  pid=$!
  for _ in $(seq 50); do grep -q listening target/http_server.out 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/listening on //p' target/http_server.out)
  echo "## store: $store ($url)"
  echo "| endpoint | concurrent connections | requests/s | requests | p50 | p99 | first body byte p50 | first body byte p99 | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for c in $CONC; do
    for mode in generation sse; do
      target/release/loadgen "$url" "$mode" "$c" "$SECS"
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
