//! Throughput of block-scaled quantization and dequantization (issue 4), with `half`'s
//! `f32 ↔ f16` slice conversion (F16C where the CPU has it) beside it as the yardstick.
//!
//! ```text
//! cargo bench --bench block_speed -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Input: 2^20 `f32` drawn from N(0,1) (Box–Muller on a seeded SplitMix64). Throughput is in
//! bytes of `f32` input (quantize) or output (dequantize), `4 · n`, so criterion's GB/s are
//! GB of `f32` per second and ns per element is `4 / (GB/s)`.
//!
//! - **quantize**: [`BlockVector::quantize`], the whole vector as one row (row and tensor scales
//!   from it), allocation of the packed codes and scales included; **requantize**:
//!   [`BlockVector::requantize`] into the buffers of an existing vector (no allocation).
//! - **dequantize**: [`BlockScaled::dequantize_into`] into a preallocated `f32` slice.
//! - **half**: `convert_from_f32_slice` (f32 → f16) and `convert_to_f32_slice` (f16 → f32)
//!   between preallocated slices.
//!
//! The goal of the issue: quantize ≥ 2 GB/s and dequantize ≥ 4 GB/s of `f32` on one core.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use half::f16;
use half::slice::HalfFloatSliceExt;
use lowp::block::{BlockScaled, BlockVector, Scheme};

/// Elements per vector.
const N: usize = 1 << 20;
const SEED: u64 = 0x0b10_c5ca_1ed0_5eed;

const SCHEMES: [&str; 4] = ["vsq-int4-v64", "mxfp4", "nvfp4", "vsq-int4-v64-s6"];

#[path = "common/samples.rs"]
mod samples;
use samples::normals;

fn quantize(c: &mut Criterion) {
    let x = normals(N, SEED);
    let mut g = c.benchmark_group("block_quantize");
    g.throughput(Throughput::Bytes(4 * N as u64));
    for name in SCHEMES {
        let s: Scheme = name.parse().expect("scheme name");
        g.bench_function(BenchmarkId::new("lowp", name), |b| {
            b.iter(|| BlockVector::quantize(&s, black_box(&x)).expect("finite input"))
        });
        let mut q = BlockVector::quantize(&s, &x).expect("finite input");
        g.bench_function(BenchmarkId::new("lowp-requantize", name), |b| {
            b.iter(|| q.requantize(&s, black_box(&x)).expect("finite input"))
        });
    }
    let mut h = vec![f16::ZERO; N];
    g.bench_function("half/f32_to_f16", |b| b.iter(|| h.convert_from_f32_slice(black_box(&x))));
    g.finish();
}

fn dequantize(c: &mut Criterion) {
    let x = normals(N, SEED);
    let mut out = vec![0f32; N];
    let mut g = c.benchmark_group("block_dequantize");
    g.throughput(Throughput::Bytes(4 * N as u64));
    for name in SCHEMES {
        let s: Scheme = name.parse().expect("scheme name");
        let q = BlockVector::quantize(&s, &x).expect("finite input");
        g.bench_function(BenchmarkId::new("lowp", name), |b| {
            b.iter(|| black_box(&q).dequantize_into(&mut out).expect("same length"))
        });
    }
    let mut h = vec![f16::ZERO; N];
    h.convert_from_f32_slice(&x);
    g.bench_function("half/f16_to_f32", |b| b.iter(|| black_box(&h).convert_to_f32_slice(&mut out)));
    g.finish();
}

criterion_group!(benches, quantize, dequantize);
criterion_main!(benches);
