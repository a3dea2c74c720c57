#!/usr/bin/env bash
# Criterion: generation (sequential, 64 concurrent), streamed turn, 3-step tool loop;
# framework vs raw SDK (vs rig) in one process against one in-process stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench overhead -- "$@" 2>&1 | tee target/overhead.txt | grep -E '^[a-z_0-9]+/|time:|thrpt:'
