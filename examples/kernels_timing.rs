//! Quick min-of-N timings of the quantized GEMV/GEMM kernels on 4096 × 4096 weights (one
//! thread), robust on a shared machine (the minimum ignores preemption):
//! `cargo run --release --example kernels_timing [scheme…]`; `… kernels_timing fp8-dense` times
//! only the dense FP8 matrices on N(0, 1) weights (E4M3 with no row scale, per-row, ×64; E5M2).
use std::time::Instant;

use lowp::block::{BlockMatrix, Scheme};
use lowp::kernels::{MinifloatMatrix, RowScale};
use lowp::minifloat::{E4M3FN, E5M2};
use lowp::rng::SplitMix64;

const N: usize = 4096;

fn min_time(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    best * 1e6
}

fn main() {
    let mut r = SplitMix64::new(7);
    let mut g = move || (r.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
    let wf: Vec<f32> = (0..N * N).map(|_| g()).collect();
    let x: Vec<f32> = (0..64 * N).map(|_| g()).collect();
    let mut y = vec![0f32; 64 * N];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "fp8-dense") {
        return fp8_dense(&x, &mut y);
    }
    let names: Vec<String> = if args.is_empty() {
        ["vsq-int4-v64", "vsq-int4-v64-s6", "mxfp4", "nvfp4", "int8-per-row", "mxfp8-e4m3"].map(String::from).to_vec()
    } else {
        args
    };
    println!("| weights | MiB | GEMV hot µs | GEMV cold µs | cold GB/s | GEMM M=64 ms |");
    println!("|---|---|---|---|---|---|");
    for name in &names {
        let s: Scheme = name.parse().expect("scheme");
        let w = BlockMatrix::quantize(&s, &wf, N, N).expect("finite");
        let bytes = w.codes().len() + w.scales().len() + 4 * w.row_scales().len();
        let copies = (96usize << 20).div_ceil(bytes).max(2);
        let ws: Vec<BlockMatrix> = (0..copies).map(|_| w.clone()).collect();
        let hot = min_time(200, || w.gemv_into(&x[..N], &mut y[..N]).unwrap());
        let mut i = 0;
        let cold = min_time(200, || {
            i = (i + 1) % copies;
            ws[i].gemv_into(&x[..N], &mut y[..N]).unwrap()
        });
        let gemm = min_time(5, || w.gemm_into(&x, 64, &mut y).unwrap()) / 1e3;
        println!(
            "| {name} | {:.2} | {hot:.0} | {cold:.0} | {:.1} | {gemm:.2} |",
            bytes as f64 / (1 << 20) as f64,
            bytes as f64 / cold / 1e3
        );
    }
    let e4 = MinifloatMatrix::<E4M3FN>::quantize(&wf, N, N, RowScale::PerRow).unwrap();
    let es: Vec<_> = (0..6).map(|_| e4.clone()).collect();
    let hot = min_time(100, || e4.gemv_into(&x[..N], &mut y[..N]).unwrap());
    let mut i = 0;
    let cold = min_time(100, || {
        i = (i + 1) % 6;
        es[i].gemv_into(&x[..N], &mut y[..N]).unwrap()
    });
    let gemm = min_time(3, || e4.gemm_into(&x, 64, &mut y).unwrap()) / 1e3;
    println!(
        "| e4m3 dense (per-row scale) | 16.02 | {hot:.0} | {cold:.0} | {:.1} | {gemm:.2} |",
        16.02 * 1.048576 / cold * 1e3
    );
    // f32 yardstick: a row-by-row GEMV (16 lanes, vectorised by the compiler).
    let wf2 = wf.clone();
    let f32gemv = |w: &[f32], y: &mut [f32]| {
        for (row, o) in w.chunks_exact(N).zip(y.iter_mut()) {
            let mut acc = [0f32; 16];
            for (wc, xc) in row.chunks_exact(16).zip(x[..N].chunks_exact(16)) {
                for j in 0..16 {
                    acc[j] += wc[j] * xc[j];
                }
            }
            *o = acc.iter().sum();
        }
    };
    let hot = min_time(50, || f32gemv(&wf, &mut y[..N]));
    let mut flip = false;
    let cold = min_time(50, || {
        flip = !flip;
        f32gemv(if flip { &wf } else { &wf2 }, &mut y[..N])
    });
    println!("| f32 (plain 16-lane loop) | 64 | {hot:.0} | {cold:.0} | {:.1} | – |", 64.0 * 1.048576 / cold * 1e3);
}

/// Dense FP8 GEMV on N(0, 1) weights: many E4M3 codes are subnormal without a row scale.
fn fp8_dense(x: &[f32], y: &mut [f32]) {
    let mut r = SplitMix64::new(11);
    let wn: Vec<f32> = (0..N * N / 2)
        .flat_map(|_| {
            let (u, v) = (1.0 - r.next_f64(), r.next_f64());
            let m = (-2.0 * u.ln()).sqrt();
            let t = 2.0 * std::f64::consts::PI * v;
            [(m * t.cos()) as f32, (m * t.sin()) as f32]
        })
        .collect();
    let w64: Vec<f32> = wn.iter().map(|v| v * 64.0).collect();
    println!("| dense FP8, N(0,1) | GEMV hot µs | GEMV cold µs |");
    println!("|---|---|---|");
    let e4 = |w: &[f32], s| MinifloatMatrix::<E4M3FN>::quantize(w, N, N, s).unwrap();
    let e5 = |w: &[f32], s| MinifloatMatrix::<E5M2>::quantize(w, N, N, s).unwrap();
    for (name, m) in [
        ("e4m3 none", e4(&wn, RowScale::None)),
        ("e4m3 per-row", e4(&wn, RowScale::PerRow)),
        ("e4m3 none, weights ×64", e4(&w64, RowScale::None)),
    ] {
        time_one(name, &m, |m, x, y| m.gemv_into(x, y).unwrap(), x, y);
    }
    for (name, m) in [("e5m2 none", e5(&wn, RowScale::None)), ("e5m2 per-row", e5(&wn, RowScale::PerRow))] {
        time_one(name, &m, |m, x, y| m.gemv_into(x, y).unwrap(), x, y);
    }
}

/// Hot (one matrix) and cold (6 copies in turn, 96 MiB) GEMV minima of one matrix.
fn time_one<M: Clone>(name: &str, m: &M, gemv: impl Fn(&M, &[f32], &mut [f32]), x: &[f32], y: &mut [f32]) {
    let ms: Vec<M> = (0..6).map(|_| m.clone()).collect();
    let hot = min_time(200, || gemv(m, &x[..N], &mut y[..N]));
    let mut i = 0;
    let cold = min_time(200, || {
        i = (i + 1) % ms.len();
        gemv(&ms[i], &x[..N], &mut y[..N])
    });
    println!("| {name} | {hot:.0} | {cold:.0} |");
}
