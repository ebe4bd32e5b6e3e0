#!/usr/bin/env bash
# Run the whole test suite on a fresh machine of this image (Debian, Rust toolchain present).
# The MPFR reference (feature `reference`) links the system GMP and MPFR through `rug`, so their
# development packages are installed first when missing (with the Fashion-MNIST data set).
set -euo pipefail
cd "$(dirname "$0")/.."

# The MNIST-style data tests (tests/nn_idx.rs, `lowp infer --data fashion-mnist`) read
# Fashion-MNIST from /usr/share/datasets/fashion-mnist, which the Debian package
# dataset-fashion-mnist installs. Everything missing goes into one apt call.
MISSING=()
for pkg in libgmp-dev libmpfr-dev dataset-fashion-mnist; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then MISSING+=("$pkg"); fi
done
if [ "${#MISSING[@]}" -gt 0 ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    echo "installing ${MISSING[*]} (MPFR reference, Fashion-MNIST)..."
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${MISSING[@]}" >/dev/null
fi

# Library, CLI, reference self-test, exhaustive and seeded tests, doc examples.
cargo test --features reference "$@"
# The library builds without std (no_std users) and without the CLI.
cargo build --lib --no-default-features
# ... and links into a `#![no_std]`, `#![no_main]` binary with no allocator (.ci/no_alloc):
# rustc refuses to link if anything there needs `alloc`.
cargo build --release --quiet --manifest-path .ci/no_alloc/Cargo.toml --target-dir target/no_alloc
echo "no_std, no allocator: links"
