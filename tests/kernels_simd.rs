//! The quantized GEMV/GEMM kernels (`lowp::kernels`): every backend this CPU runs equals the
//! portable twin bit for bit, for every kernel scheme and every K in 0..=300; both equal a
//! reference written here from the documented steps (plain loops); GEMM row j equals GEMV of
//! activation row j; the error against an f64 product of the exact weights and the unquantized
//! activations stays within the bound derived below; bad inputs give typed errors.

mod common;

use lowp::block::{BlockMatrix, BlockScaled, BlockVector, Element, Outer, ScaleEncoding, Scheme};
use lowp::bulk::Backend;
use lowp::kernels::{
    dot_on, effective_backend, ActivationFormat, KernelError, MinifloatMatrix, QuantizedActivations, RowScale,
};
use lowp::minifloat::{E4M3FN, E5M2};

const U: f64 = 1.0 / (1u64 << 24) as f64; // f32 unit roundoff

fn schemes() -> Vec<Scheme> {
    [
        "vsq-int4-v16",
        "vsq-int4-v32",
        "vsq-int4-v64",
        "vsq-int4-v128",
        "vsq-int4-v64-f16",
        "vsq-int4-v64-bf16",
        "vsq-int4-v64-e4m3",
        "vsq-int4-v24",
        "vsq-int4-v256",
        "vsq-int4-v64-s4",
        "vsq-int4-v64-s6",
        "vsq-int4-v32-s8",
        "vsq-int8-v16",
        "vsq-int8-v64",
        "vsq-int8-v128-s6",
        "vsq-int8-v40",
        "vsq-int3-v64",
        "vsq-int6-v32",
        "int4-per-row",
        "int8-per-row",
        "int4-per-tensor",
        "int8-per-tensor",
        "int5-per-row",
        "mxfp4",
        "nvfp4",
        "mxint8",
        "mxfp8-e4m3",
        "mxfp8-e5m2",
        "mxfp6-e2m3",
    ]
    .iter()
    .map(|n| n.parse().unwrap_or_else(|e| panic!("{n}: {e}")))
    .collect()
}

fn normal(r: &mut common::SplitMix) -> f32 {
    let u1 = ((r.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    ((-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()) as f32
}

/// Mostly N(0,1), with zeros, exact ties, blocks of a different magnitude and outliers.
fn data(r: &mut common::SplitMix, n: usize) -> Vec<f32> {
    let mag = [1.0f32, 1e-3, 40.0, 1e-30][(r.next_u64() % 4) as usize];
    (0..n)
        .map(|_| match r.next_u64() % 20 {
            0 => 0.0,
            1 => ((r.next_u64() % 15) as f32 - 7.0) * 0.5,
            2 => normal(r) * 100.0,
            _ => normal(r) * mag,
        })
        .collect()
}

fn backends() -> Vec<Backend> {
    let mut v = vec![];
    for b in [Backend::Avx2, Backend::Avx512] {
        if effective_backend(b) == b {
            v.push(b);
        }
    }
    v
}

/// The documented fold.
fn fold(mut acc: [f32; 16]) -> f32 {
    for h in [8, 4, 2, 1] {
        for j in 0..h {
            acc[j] += acc[j + h];
        }
    }
    acc[0]
}

/// The integer a weight code stands for, and the element factor (module docs, step 1–2).
fn weight_int(e: Element, code: u8) -> (i32, f32) {
    match e {
        Element::Int(_) => (e.decode(code) as i32, 1.0),
        Element::MxInt8 => (code as i8 as i32, 1.0 / 64.0),
        Element::E2M1 => ((2.0 * e.decode(code)) as i32, 0.5),
        _ => unreachable!(),
    }
}

/// The reference: plain loops over the documented steps.
fn reference(w: &BlockMatrix, x: &[f32]) -> Vec<f32> {
    let s = *w.scheme();
    let k = w.cols();
    let v = if s.block_len() == 0 { 64 } else { s.block_len() };
    let nb = k.div_ceil(v);
    let float = !matches!(s.element(), Element::Int(_) | Element::MxInt8 | Element::E2M1);
    let two = matches!(s.scale(), ScaleEncoding::UInt(_));
    let xq = if float {
        None
    } else if two {
        Some(BlockVector::quantize(&Scheme::vsq_two_level(8, v, 8).unwrap(), x).unwrap())
    } else {
        Some(BlockVector::quantize(&Scheme::vsq(8, v, ScaleEncoding::F32).unwrap(), x).unwrap())
    };
    (0..w.rows())
        .map(|r| {
            let row = w.row(r);
            if float {
                let mut acc = [0f32; 16];
                for i in 0..k {
                    acc[i % 16] = row.get(i).mul_add(x[i], acc[i % 16]);
                }
                let t = fold(acc);
                return if s.outer() == Outer::None { t } else { t * row.row_scale() };
            }
            let xq = xq.as_ref().unwrap();
            let d: Vec<i64> = (0..nb)
                .map(|b| {
                    (b * v..((b + 1) * v).min(k))
                        .map(|i| weight_int(s.element(), row.code(i)).0 as i64 * xq.code(i) as i8 as i64)
                        .sum()
                })
                .collect();
            if two {
                let big: i64 = (0..nb).map(|b| row.scale_code(b) as i64 * xq.scale_code(b) as i64 * d[b]).sum();
                return (big as f64 * (row.row_scale() as f64 * xq.row_scale() as f64)) as f32;
            }
            let factor = weight_int(s.element(), 0).1;
            let mut acc = [0f32; 16];
            for b in 0..nb {
                let sw = if s.scale() == ScaleEncoding::None {
                    factor
                } else {
                    s.scale().decode(row.scale_code(b)) as f32 * factor
                };
                let sx = f32::from_bits(xq.scale_code(b));
                acc[b % 16] += d[b] as f32 * (sw * sx);
            }
            let t = fold(acc);
            if s.outer() == Outer::None {
                t
            } else {
                t * row.row_scale()
            }
        })
        .collect()
}

/// The error bound against `Σ w_i · x_i` in f64 with the exact weights `w_i` and the
/// unquantized `x_i`: `|y − Σ w x| ≤ Σ |w_i| |x_i − x̂_i| + (n/16 + 8) · 2u · Σ |w_i x̂_i|`
/// — the activation quantization error exactly as made (x̂ from the prepared activations),
/// plus the f32 rounding: each term rounded at most three times (conversion of d_v, the scale
/// product, the term), at most n/16 additions per accumulator, four fold levels and the row
/// scale (n = blocks, or K on the float path), each a relative error ≤ u, doubled for the
/// second-order terms and the rounding of x̂ itself; plus, for results near the `f32`
/// underflow threshold, the absolute error of subnormal roundings: a subnormal scale product
/// is off by up to 2^−150 and the term multiplies that by `|d_v| ≤ 128 · 127 · V`, so at most
/// `(128 · 127 · K + n + 32) · 2^−149` over the row, times the row scale applied after.
#[allow(clippy::needless_range_loop)]
fn check_bound(w: &BlockMatrix, x: &[f32], y: &[f32], what: &str) {
    let qa = QuantizedActivations::for_matrix(w, x, 1).unwrap();
    let xh = qa.dequantize(0);
    let s = w.scheme();
    let n = match ActivationFormat::for_scheme(s) {
        ActivationFormat::F32 => x.len(),
        _ => x.len().div_ceil(if s.block_len() == 0 { 64 } else { s.block_len() }),
    };
    for r in 0..w.rows() {
        let row = w.row(r);
        let mut exact = 0f64;
        let mut qerr = 0f64;
        let mut mag = 0f64;
        for i in 0..x.len() {
            let wi = row.get_exact(i);
            exact += wi * x[i] as f64;
            qerr += wi.abs() * ((x[i] - xh[i]) as f64).abs() * (1.0 + 4.0 * U) + wi.abs() * (x[i].abs() as f64) * U;
            mag += (wi * xh[i] as f64).abs();
        }
        let bound = qerr
            + (n as f64 / 16.0 + 8.0) * 2.0 * U * mag
            + f32::from_bits(1) as f64
                * (128.0 * 127.0 * x.len() as f64 + n as f64 + 32.0)
                * (row.row_scale().abs() as f64).max(1.0);
        let err = (y[r] as f64 - exact).abs();
        assert!(err <= bound, "{what} row {r}: y = {} exact = {exact} err {err:e} > bound {bound:e}", y[r]);
    }
}

#[test]
fn backends_equal_portable_and_reference() {
    let seed = common::rng_seed("kernels_simd");
    let mut r = common::SplitMix::new(seed);
    let bs = backends();
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        assert!(bs.contains(&Backend::Avx2), "AVX2 is here but the AVX2 kernels did not run");
    }
    if bs.is_empty() {
        eprintln!("SKIP: no SIMD backend on this CPU; only portable vs reference is compared");
    } else {
        eprintln!("comparing {:?} with portable", bs.iter().map(|b| b.name()).collect::<Vec<_>>());
    }
    for s in schemes() {
        // 0..=300 for every tail; 1024 and 4096 for whole chunks of 16 blocks per row (where
        // `f32` block scales are read in place).
        for k in (0..=300usize).chain([1024, 4096]) {
            let rows = [1, 2, 3, 17][k % 4];
            let wdata = data(&mut r, rows * k);
            let w = BlockMatrix::quantize(&s, &wdata, rows, k).unwrap();
            let x = data(&mut r, k);
            let want = w.gemv_on(Backend::Portable, &x).unwrap();
            let refy = reference(&w, &x);
            for i in 0..rows {
                assert_eq!(
                    want[i].to_bits(),
                    refy[i].to_bits(),
                    "{s} k={k} row {i}: portable {} vs reference {} (seed {seed:#x})",
                    want[i],
                    refy[i]
                );
            }
            if k % 7 == 0 {
                check_bound(&w, &x, &want, &format!("{s} k={k} (seed {seed:#x})"));
            }
            for &b in &bs {
                let got = w.gemv_on(b, &x).unwrap();
                for i in 0..rows {
                    assert_eq!(
                        got[i].to_bits(),
                        want[i].to_bits(),
                        "{s} k={k} row {i} on {}: {} vs portable {} (seed {seed:#x})",
                        b.name(),
                        got[i],
                        want[i]
                    );
                }
            }
            // The row-level dot function agrees.
            if k % 37 == 1 {
                let qa = QuantizedActivations::for_matrix(&w, &x, 1).unwrap();
                for b in std::iter::once(Backend::Portable).chain(bs.iter().copied()) {
                    assert_eq!(dot_on(b, &w.row(0), &qa, 0).unwrap().to_bits(), want[0].to_bits(), "{s} dot");
                }
            }
        }
    }
}

#[test]
fn gemm_rows_equal_gemv() {
    let seed = common::rng_seed("kernels_gemm");
    let mut r = common::SplitMix::new(seed);
    for s in schemes() {
        for &(rows, k) in &[(5usize, 64usize), (19, 200), (9, 1024 + 40), (1, 0)] {
            let w = BlockMatrix::quantize(&s, &data(&mut r, rows * k), rows, k).unwrap();
            for m in [1usize, 2, 3, 5, 17] {
                let x = data(&mut r, m * k);
                for b in std::iter::once(Backend::Portable).chain(backends()) {
                    let y = w.gemm_on(b, &x, m).unwrap();
                    for j in 0..m {
                        let g = w.gemv_on(b, &x[j * k..(j + 1) * k]).unwrap();
                        for i in 0..rows {
                            assert_eq!(
                                y[j * rows + i].to_bits(),
                                g[i].to_bits(),
                                "{s} {rows}x{k} m={m} ({j},{i}) on {} (seed {seed:#x})",
                                b.name()
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn minifloat_matrices() {
    let seed = common::rng_seed("kernels_minifloat");
    let mut r = common::SplitMix::new(seed);
    fn check<S: lowp::Spec>(r: &mut common::SplitMix, k: usize, rows: usize, scale: RowScale, seed: u64) {
        let w = MinifloatMatrix::<S>::quantize(&data(r, rows * k), rows, k, scale).unwrap();
        let x = data(r, 3 * k);
        let want = w.gemm_on(Backend::Portable, &x, 3).unwrap();
        let wv: Vec<f32> = w.codes().iter().map(|&c| lowp::Minifloat::<S>::from_bits(c).to_f32()).collect();
        for j in 0..3 {
            for i in 0..rows {
                let mut acc = [0f32; 16];
                for t in 0..k {
                    acc[t % 16] = wv[i * k + t].mul_add(x[j * k + t], acc[t % 16]);
                }
                let mut y = fold(acc);
                if let Some(s) = w.row_scales() {
                    y *= s[i];
                }
                assert_eq!(want[j * rows + i].to_bits(), y.to_bits(), "{} k={k} ({j},{i}) seed {seed:#x}", S::NAME);
            }
        }
        for b in backends() {
            let got = w.gemm_on(b, &x, 3).unwrap();
            for (g, e) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), e.to_bits(), "{} k={k} on {} seed {seed:#x}", S::NAME, b.name());
            }
        }
    }
    for k in 0..=300 {
        let rows = [1, 4, 5, 9][k % 4];
        let sc = if k % 2 == 0 { RowScale::PerRow } else { RowScale::None };
        check::<E4M3FN>(&mut r, k, rows, sc, seed);
        check::<E5M2>(&mut r, k, rows, sc, seed);
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let s: Scheme = "vsq-int4-v64".parse().unwrap();
    let w = BlockMatrix::quantize(&s, &[0.5; 3 * 100], 3, 100).unwrap();
    assert_eq!(w.gemv(&[1.0; 99]).unwrap_err(), KernelError::Length { what: "x", expected: 100, got: 99 });
    assert!(matches!(w.gemm(&[1.0; 201], 2), Err(KernelError::Shape { m: 2, .. })));
    assert!(matches!(w.gemm(&[1.0; 100], 0), Err(KernelError::Shape { .. })));
    assert!(matches!(w.gemv_into(&[1.0; 100], &mut [0.0; 2]), Err(KernelError::Length { what: "y", .. })));
    let mut x = vec![1.0f32; 200];
    x[150] = f32::NAN;
    assert!(matches!(w.gemm(&x, 2), Err(KernelError::NonFinite { index: 150, .. })));
    x[150] = f32::INFINITY;
    assert!(matches!(w.gemm(&x, 2), Err(KernelError::NonFinite { index: 150, .. })));
    x[150] = f32::NEG_INFINITY;
    let f: MinifloatMatrix<E4M3FN> = MinifloatMatrix::quantize(&[1.0; 300], 3, 100, RowScale::None).unwrap();
    assert!(matches!(f.gemm(&x, 2), Err(KernelError::NonFinite { index: 150, .. })));
    assert!(matches!(f.gemv(&[1.0; 3]), Err(KernelError::Length { .. })));
    let mx = BlockMatrix::quantize(&"mxfp8-e4m3".parse().unwrap(), &[1.0; 64], 1, 64).unwrap();
    assert!(matches!(mx.gemv(&[f32::NAN; 64]), Err(KernelError::NonFinite { index: 0, .. })));
    let qa = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 32 }, &[1.0; 100], 1).unwrap();
    assert!(matches!(w.gemm_prepared(&qa, &mut [0.0; 3]), Err(KernelError::Activations { .. })));
    let big = Scheme::vsq(8, 65536 + 8, ScaleEncoding::F32).unwrap();
    let wb = BlockMatrix::quantize(&big, &[1.0; 16], 1, 16).unwrap();
    assert!(matches!(wb.gemv(&[1.0; 16]), Err(KernelError::Unsupported { .. })));
    for e in [w.gemv(&[1.0; 3]).unwrap_err(), w.gemm(&x, 2).unwrap_err()] {
        assert!(!e.to_string().is_empty());
        let _: &dyn std::error::Error = &e;
    }
}

/// NaN block scales (OCP MX NaN blocks) make the outputs that meet them NaN on every backend.
#[test]
fn nan_blocks_propagate() {
    let s = Scheme::mxfp4().with_non_finite(lowp::block::NonFinite::NanBlock);
    let mut d = vec![1.0f32; 2 * 64];
    d[70] = f32::NAN;
    let w = BlockMatrix::quantize(&s, &d, 2, 64).unwrap();
    for b in std::iter::once(Backend::Portable).chain(backends()) {
        let y = w.gemv_on(b, &[1.0; 64]).unwrap();
        assert_eq!(y[0], 64.0);
        assert!(y[1].is_nan());
    }
}

/// Dense FP8 matrices holding every code (NaN and ±∞ included, which take the decode-then-FMA
/// path of the fused kernels): every backend equals the portable twin (NaN for NaN), for GEMV
/// and GEMM, at lengths with and without a ragged tail.
#[test]
fn fp8_special_codes() {
    let mut r = common::SplitMix::new(0x005e_edf8);
    fn check<S: lowp::Spec>(r: &mut common::SplitMix, k: usize, rows: usize, special_row: Option<usize>) {
        let mut codes: Vec<u8> = (0..rows * k).map(|i| (i * 37 % 256) as u8).collect();
        // Keep the other rows finite so the fused path runs for them.
        for (i, c) in codes.iter_mut().enumerate() {
            let v = lowp::Minifloat::<S>::from_bits(*c).to_f32();
            if Some(i / k) != special_row && !v.is_finite() {
                *c = 0x31;
            }
        }
        let w = MinifloatMatrix::<S>::from_codes(codes, rows, k, Some((0..rows).map(|i| 0.5 + i as f32).collect()))
            .unwrap();
        for m in [1usize, 2, 5] {
            let x = data(r, m * k);
            let want = w.gemm_on(Backend::Portable, &x, m).unwrap();
            for b in backends() {
                let got = w.gemm_on(b, &x, m).unwrap();
                for (g, e) in got.iter().zip(&want) {
                    assert!(
                        g.to_bits() == e.to_bits() || (g.is_nan() && e.is_nan()),
                        "{} k={k} m={m} on {}: {g} vs {e}",
                        S::NAME,
                        b.name()
                    );
                }
            }
        }
    }
    for &(k, rows) in &[(256usize, 3usize), (100, 5), (64, 4), (7, 2)] {
        for sp in [None, Some(1)] {
            check::<E4M3FN>(&mut r, k, rows, sp);
            check::<E5M2>(&mut r, k, rows, sp);
        }
    }
}
