#!/usr/bin/env bash
# The opt-in extensive runs: every `#[ignore]`d exhaustive test and the full random counts of
# the tests that scale with LOWP_EXTENSIVE, with a fresh seed (printed first; replay with
# LOWP_SEED=<hex> ./scripts/extensive.sh). Release build, both cores; about 25 minutes here.
# The README's "Checking" section says which figures come from this run.
set -euo pipefail
cd "$(dirname "$0")/.."

SEED="${LOWP_SEED:-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')}"
export LOWP_SEED="$SEED"
export LOWP_BULK_SEED="$((16#${SEED:0:15}))"
export LOWP_EXTENSIVE=1
echo "extensive run: LOWP_SEED=$LOWP_SEED LOWP_BULK_SEED=$LOWP_BULK_SEED (replay with these)"

run() {
    echo "== $*"
    local t0=$SECONDS
    cargo test --release --features reference "$@"
    echo "== done in $((SECONDS - t0)) s: $*"
}

# All 2^32 f32 bit patterns through the SIMD and portable bulk paths of every 8-bit format.
run --test bulk -- --ignored
# Every posit16 pair (ES 0, 1, 2) for + - * /, against the MPFR-checked f64 oracle.
run --test posit16_extensive -- --ignored --test-threads 1
# The seeded random suites at their full counts (LOWP_EXTENSIVE=1), fresh seed.
for t in fused_ref dot_ref minifloat_ref ieee_ref exact_core block_ref; do
    if [ -f "tests/$t.rs" ]; then
        run --test "$t"
    fi
done
