#!/usr/bin/env bash
# Compile time of 50 generation routes + 50 tools: ai-routes macros vs hand-written SDK code.
# Crates are generated into benchmarks/target/compile-bench (not in git); dependencies are
# built once (warm), then each crate is rebuilt RUNS times after touching src/lib.rs.
# Usage: benchmarks/scripts/compile_time.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
OUT=$PWD/target/compile-bench
python3 scripts/gen_compile_crates.py "$OUT" ../ai-routes >/dev/null
export CARGO_TARGET_DIR=$OUT/target
for c in handwritten framework; do
  (cd "$OUT/$c" && cargo build -q 2>&1 | tail -3)   # warm deps
done
printf '| crate | incremental | lines | cargo build (touch lib.rs), each run | median |\n|---|---|---:|---|---:|\n'
for inc in 1 0; do
export CARGO_INCREMENTAL=$inc
for c in handwritten framework; do
  times=()
  for _ in $(seq "$RUNS"); do
    touch "$OUT/$c/src/lib.rs"
    s=$(date +%s.%N); (cd "$OUT/$c" && cargo build -q); e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc)")
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  printf '| %s | %s | %s | %s | %.2f s |\n' "$c" "$inc" "$(wc -l < "$OUT/$c/src/lib.rs")" "${times[*]}" "$med"
done
done
unset CARGO_INCREMENTAL
# Where the time goes (nightly-only flag, allowed on stable through RUSTC_BOOTSTRAP for this
# measurement only): macro expansion vs the rest.
if [ "${TIME_PASSES:-1}" = 1 ]; then
  for c in handwritten framework; do
    touch "$OUT/$c/src/lib.rs"
    echo "== $c: -Z time-passes (top-level passes)"
    (cd "$OUT/$c" && RUSTC_BOOTSTRAP=1 cargo rustc -q --lib -- -Z time-passes 2>&1 \
      | grep -E 'time: +[0-9.]+; .*(macro_expand_crate|type_check_crate|MIR_borrow_checking|codegen_crate|LLVM_passes|link|total)$' || true)
  done
fi
