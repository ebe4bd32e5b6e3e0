#!/usr/bin/env bash
# The SIMD kernels' tests under AddressSanitizer (issue 10 item 20), with the installed nightly
# toolchain (`-Zsanitizer` is nightly-only): the bulk conversions, posit slices, block
# quantizer, quantized GEMV/GEMM kernels, and the guard-page test. Own target directory, so the
# stable build is untouched. About 10 minutes on 2 cores from cold.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "no nightly toolchain installed: AddressSanitizer needs one (rustup toolchain install nightly)" >&2
    exit 2
fi
export RUSTFLAGS="-Zsanitizer=address"
export RUSTDOCFLAGS="-Zsanitizer=address"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
target="$(rustc -vV | sed -n 's/^host: //p')"
cargo +nightly test --target "$target" --target-dir target/asan --features reference \
    --test bulk --test posit_bulk --test block_simd --test kernels_simd --test guard_pages "$@"
echo "AddressSanitizer: no report"
