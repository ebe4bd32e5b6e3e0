//! Speed of the quantized GEMV/GEMM kernels (`lowp::kernels`) on 4096 × 4096 weights, one
//! thread: cache-hot (the same matrix back to back) and cache-cold (rotating through copies
//! whose total exceeds a 32 MiB last-level cache by 3×), plus GEMM with M = 64.
//!
//! ```text
//! cargo bench --bench gemv_speed -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Throughput is in bytes of the packed weights (codes, block scales, row scales), so
//! criterion's GB/s compare with the single-core read bandwidth. The `f32` line is a plain
//! row-by-row `f32` GEMV (16 lanes, FMA) over the unquantized weights, the yardstick for the
//! "FP8 ≥ 2× f32" goal. The side-by-side with candle and the `gemm` crate lives in the peer
//! bench workspace member.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::block::{BlockMatrix, Scheme};
use lowp::kernels::{MinifloatMatrix, QuantizedActivations, RowScale};
use lowp::minifloat::E4M3FN;

const N: usize = 4096;
const SEED: u64 = 0x6e3f_5eed_0dd5_0001;
/// Bytes the cold rotation must exceed.
const COLD_BYTES: usize = 96 << 20;
const SCHEMES: [&str; 6] = ["vsq-int4-v64", "vsq-int4-v64-s6", "mxfp4", "nvfp4", "int8-per-row", "mxfp8-e4m3"];

#[path = "common/samples.rs"]
mod samples;
use samples::normals;

fn bytes_of(w: &BlockMatrix) -> usize {
    w.codes().len() + w.scales().len() + 4 * w.row_scales().len()
}

/// A plain f32 GEMV in the float path's order (the yardstick).
fn f32_gemv(w: &[f32], x: &[f32], y: &mut [f32]) {
    for (row, o) in w.chunks_exact(x.len()).zip(y.iter_mut()) {
        let mut acc = [0f32; 16];
        for (wc, xc) in row.chunks_exact(16).zip(x.chunks_exact(16)) {
            for j in 0..16 {
                acc[j] = wc[j].mul_add(xc[j], acc[j]);
            }
        }
        *o = acc.iter().sum();
    }
}

fn gemv(c: &mut Criterion) {
    let wf = normals(N * N, SEED);
    let x = normals(N, SEED + 1);
    let mut y = vec![0f32; N];
    let mut g = c.benchmark_group("gemv_4096");
    for name in SCHEMES {
        let s: Scheme = name.parse().expect("scheme");
        let w = BlockMatrix::quantize(&s, &wf, N, N).expect("finite");
        let bytes = bytes_of(&w);
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(BenchmarkId::new("hot", name), |b| b.iter(|| w.gemv_into(black_box(&x), &mut y).unwrap()));
        let copies = COLD_BYTES.div_ceil(bytes).max(2);
        let ws: Vec<BlockMatrix> = (0..copies).map(|_| w.clone()).collect();
        let mut i = 0;
        g.bench_function(BenchmarkId::new("cold", name), |b| {
            b.iter(|| {
                i = (i + 1) % copies;
                ws[i].gemv_into(black_box(&x), &mut y).unwrap()
            })
        });
        // The kernel alone, activations prepared once.
        let qa = QuantizedActivations::for_matrix(&w, &x, 1).unwrap();
        g.bench_function(BenchmarkId::new("hot-prepared", name), |b| {
            b.iter(|| w.gemm_prepared(black_box(&qa), &mut y).unwrap())
        });
    }
    let e4 = MinifloatMatrix::<E4M3FN>::quantize(&wf, N, N, RowScale::PerRow).expect("finite");
    g.throughput(Throughput::Bytes((N * N + 4 * N) as u64));
    g.bench_function(BenchmarkId::new("hot", "e4m3-dense"), |b| {
        b.iter(|| e4.gemv_into(black_box(&x), &mut y).unwrap())
    });
    let copies = COLD_BYTES.div_ceil(N * N).max(2);
    let es: Vec<_> = (0..copies).map(|_| e4.clone()).collect();
    let mut i = 0;
    g.bench_function(BenchmarkId::new("cold", "e4m3-dense"), |b| {
        b.iter(|| {
            i = (i + 1) % copies;
            es[i].gemv_into(black_box(&x), &mut y).unwrap()
        })
    });
    g.throughput(Throughput::Bytes((4 * N * N) as u64));
    g.bench_function(BenchmarkId::new("hot", "f32"), |b| b.iter(|| f32_gemv(black_box(&wf), &x, &mut y)));
    let wf2 = wf.clone();
    let mut flip = false;
    g.bench_function(BenchmarkId::new("cold", "f32"), |b| {
        b.iter(|| {
            flip = !flip;
            f32_gemv(black_box(if flip { &wf } else { &wf2 }), &x, &mut y)
        })
    });
    g.finish();
}

fn gemm(c: &mut Criterion) {
    const M: usize = 64;
    let wf = normals(N * N, SEED);
    let x = normals(M * N, SEED + 2);
    let mut y = vec![0f32; M * N];
    let mut g = c.benchmark_group("gemm_4096_m64");
    g.sample_size(10);
    for name in SCHEMES {
        let s: Scheme = name.parse().expect("scheme");
        let w = BlockMatrix::quantize(&s, &wf, N, N).expect("finite");
        g.throughput(Throughput::Bytes(bytes_of(&w) as u64));
        g.bench_function(BenchmarkId::new("lowp", name), |b| b.iter(|| w.gemm_into(black_box(&x), M, &mut y).unwrap()));
    }
    let e4 = MinifloatMatrix::<E4M3FN>::quantize(&wf, N, N, RowScale::PerRow).expect("finite");
    g.bench_function(BenchmarkId::new("lowp", "e4m3-dense"), |b| {
        b.iter(|| e4.gemm_into(black_box(&x), M, &mut y).unwrap())
    });
    g.finish();
}

criterion_group!(benches, gemv, gemm);
criterion_main!(benches);
