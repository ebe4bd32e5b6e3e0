//! `lowp::kernels::DenseMatrix`: every backend this CPU runs gives, bit for bit, a plain scalar
//! replay of the documented order (`acc = b_r`, then `acc = fma(w_r,k, x_k, acc)` for
//! increasing `k`), on random shapes (rows 1..=70, K 0..=300, m 0..=20) with ordinary,
//! subnormal, huge and cancelling values and −0 biases, on the shapes of the CNN it serves
//! (im2col convolutions and linear layers, smaller batches), and on zero-size cases; bad
//! inputs give typed errors. With `--features rayon` the large cases run split across threads
//! (the same bits). Seeded (the seed is printed; replay with `LOWP_SEED`).

mod common;

use common::{rng_seed, simd_backends, SplitMix};
use lowp::bulk::Backend;
use lowp::kernels::{DenseMatrix, KernelError};

/// The documented chain, one output at a time.
fn replay(w: &[f32], b: &[f32], rows: usize, k: usize, x: &[f32], m: usize) -> Vec<f32> {
    let mut y = vec![0f32; m * rows];
    for j in 0..m {
        for r in 0..rows {
            let mut acc = b[r];
            for i in 0..k {
                acc = w[r * k + i].mul_add(x[j * k + i], acc);
            }
            y[j * rows + r] = acc;
        }
    }
    y
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Value classes: ordinary, subnormal-heavy, huge (overflowing chains), small integers
/// (exact sums, signed zeros).
fn value(r: &mut SplitMix, class: u64) -> f32 {
    let u = r.next_u64();
    let sign = if u & 1 == 0 { 1.0 } else { -1.0 };
    match class {
        0 => ((u >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * 4.0,
        1 => match (u >> 1) % 3 {
            0 => f32::from_bits(((u >> 8) as u32 & 0x007f_ffff) | (((u & 1) as u32) << 31)),
            1 => sign * f32::from_bits(0x0080_0000 + ((u >> 8) as u32 & 0x03ff_ffff)),
            _ => sign * (((u >> 40) as f32) / (1u64 << 24) as f32),
        },
        2 => sign * f32::from_bits((0x71u32 << 23) + ((u >> 8) as u32 % (0x0e << 23))),
        _ => sign * ((u >> 8) % 5) as f32,
    }
}

struct Case {
    w: Vec<f32>,
    b: Vec<f32>,
    x: Vec<f32>,
}

/// A random case; `cancel` makes the weights come in `(a, −a)` pairs against repeated
/// activations, so partial sums return to the bias (and to zeros of either sign).
fn case(r: &mut SplitMix, rows: usize, k: usize, m: usize) -> Case {
    let class = r.next_u64() % 4;
    let cancel = r.next_u64().is_multiple_of(3);
    let mut w: Vec<f32> = (0..rows * k).map(|_| value(r, class)).collect();
    let mut x: Vec<f32> = (0..m * k).map(|_| value(r, class)).collect();
    if cancel {
        for i in (1..rows * k).step_by(2) {
            if i % k != 0 {
                w[i] = -w[i - 1];
            }
        }
        for i in (1..m * k).step_by(2) {
            if i % k != 0 {
                x[i] = x[i - 1];
            }
        }
    }
    let b: Vec<f32> = (0..rows)
        .map(|i| match r.next_u64() % 4 {
            0 => -0.0,
            1 => 0.0,
            _ if i % 2 == 0 => value(r, class),
            _ => value(r, 0),
        })
        .collect();
    Case { w, b, x }
}

fn check(be: &[Backend], c: &Case, rows: usize, k: usize, m: usize, what: &str) {
    let dm = DenseMatrix::new(&c.w, rows, k, Some(&c.b)).unwrap();
    let want = replay(&c.w, &c.b, rows, k, &c.x, m);
    let mut y = vec![f32::NAN; m * rows];
    for &b in be {
        y.fill(f32::NAN);
        dm.gemm_into_on(b, &c.x, m, &mut y).unwrap();
        for (i, (&g, &t)) in y.iter().zip(&want).enumerate() {
            assert!(
                same(g, t),
                "{what} {b:?}: rows {rows} K {k} m {m}: y[{i}] (j {}, r {}) = {g:e} ({:#x}), chain {t:e} ({:#x})",
                i / rows.max(1),
                i % rows.max(1),
                g.to_bits(),
                t.to_bits()
            );
        }
    }
    let y2 = dm.gemm(&c.x, m).unwrap();
    assert!(y2.iter().zip(&want).all(|(&g, &t)| same(g, t)), "{what}: gemm (best backend) rows {rows} K {k} m {m}");
}

fn all_backends(test: &str) -> Vec<Backend> {
    std::iter::once(Backend::Portable).chain(simd_backends(test)).collect()
}

#[test]
fn random_shapes_equal_the_chain_on_every_backend() {
    let be = all_backends("random_shapes");
    let seed = rng_seed("kernels_dense_random_shapes");
    let mut r = SplitMix::new(seed);
    for n in 0..400 {
        let rows = 1 + (r.next_u64() % 70) as usize;
        let k = (r.next_u64() % 301) as usize;
        let m = (r.next_u64() % 21) as usize;
        let c = case(&mut r, rows, k, m);
        check(&be, &c, rows, k, m, &format!("case {n} (seed {seed:#x})"));
    }
}

#[test]
fn cnn_shapes_equal_the_chain_on_every_backend() {
    let be = all_backends("cnn_shapes");
    let seed = rng_seed("kernels_dense_cnn_shapes");
    let mut r = SplitMix::new(seed);
    // (rows = c_out, K, m): im2col convolutions and the linear layers, with tails in m; the
    // last two are large enough to be split across threads with the `rayon` feature.
    for (rows, k, m) in [
        (16, 9, 77),
        (32, 9, 61),
        (32, 144, 43),
        (64, 1568, 13),
        (10, 64, 64),
        (10, 1568, 5),
        (48, 25, 19),
        (32, 144, 461),
        (16, 9, 2011),
    ] {
        for _ in 0..2 {
            let c = case(&mut r, rows, k, m);
            check(&be, &c, rows, k, m, &format!("cnn (seed {seed:#x})"));
        }
    }
}

#[test]
fn zero_sizes_and_negative_zero_biases() {
    let be = all_backends("zero_sizes");
    // K = 0: every output is its bias, −0 kept.
    let b = [-0.0f32, 1.5, -0.0, 0.0, -2.0];
    let dm = DenseMatrix::new(&[], 5, 0, Some(&b)).unwrap();
    for &bk in &be {
        let mut y = vec![f32::NAN; 15];
        dm.gemm_into_on(bk, &[], 3, &mut y).unwrap();
        for j in 0..3 {
            for r in 0..5 {
                assert_eq!(y[j * 5 + r].to_bits(), b[r].to_bits(), "{bk:?} K = 0");
            }
        }
        // m = 0 and rows = 0.
        dm.gemm_into_on(bk, &[], 0, &mut []).unwrap();
        let e = DenseMatrix::new(&[], 0, 7, None).unwrap();
        e.gemm_into_on(bk, &[1.0; 21], 3, &mut []).unwrap();
        let e = DenseMatrix::new(&[], 0, 0, None).unwrap();
        e.gemm_into_on(bk, &[], 4, &mut []).unwrap();
    }
    assert!(DenseMatrix::new(&[], 0, 0, None).unwrap().gemm(&[], 9).unwrap().is_empty());
    // −0 biases with products of +0 and −0: fma(±0, x, −0) keeps the IEEE sign rules.
    for rows in [1, 15, 16, 17, 33] {
        for k in [1, 2, 9] {
            let w: Vec<f32> = (0..rows * k).map(|i| if i % 3 == 0 { -0.0 } else { 0.0 }).collect();
            let bias: Vec<f32> = (0..rows).map(|i| if i % 2 == 0 { -0.0 } else { 0.0 }).collect();
            let x: Vec<f32> = (0..11 * k).map(|i| if i % 2 == 0 { -1.0 } else { 2.0 }).collect();
            check(&be, &Case { w, b: bias, x }, rows, k, 11, "signed zeros");
        }
    }
    // No bias: +0.
    let dm = DenseMatrix::new(&[1.0, -1.0], 1, 2, None).unwrap();
    assert_eq!(dm.gemm(&[3.0, 3.0], 1).unwrap()[0].to_bits(), 0);
}

#[test]
fn bad_inputs_are_refused() {
    let w = [1.0f32; 6];
    assert_eq!(DenseMatrix::new(&w, 2, 2, None), Err(KernelError::Length { what: "w", expected: 4, got: 6 }));
    assert_eq!(
        DenseMatrix::new(&w, 2, 3, Some(&[1.0])),
        Err(KernelError::Length { what: "bias", expected: 2, got: 1 })
    );
    assert!(matches!(DenseMatrix::new(&[], usize::MAX, 2, None), Err(KernelError::Unsupported { .. })));
    for (i, bad) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY].into_iter().enumerate() {
        let mut wb = w;
        wb[4 - i] = bad;
        match DenseMatrix::new(&wb, 2, 3, None) {
            Err(KernelError::NonFinite { index, value }) => {
                assert_eq!(index, 4 - i);
                assert!(same(value, bad));
            }
            other => panic!("{other:?}"),
        }
        match DenseMatrix::new(&w, 2, 3, Some(&[0.0, bad])) {
            Err(KernelError::NonFinite { index, value }) => {
                assert_eq!(index, 7);
                assert!(same(value, bad));
            }
            other => panic!("{other:?}"),
        }
    }
    let dm = DenseMatrix::new(&w, 2, 3, Some(&[1.0, 2.0])).unwrap();
    for b in all_backends("bad_inputs") {
        let mut y = vec![0f32; 4];
        assert_eq!(dm.gemm_into_on(b, &[1.0; 5], 2, &mut y), Err(KernelError::Shape { m: 2, k: Some(3), len: 5 }));
        assert_eq!(
            dm.gemm_into_on(b, &[1.0; 6], 2, &mut y[..3]),
            Err(KernelError::Length { what: "y", expected: 4, got: 3 })
        );
        assert!(matches!(dm.gemm_into_on(b, &[1.0; 6], usize::MAX, &mut y), Err(KernelError::Shape { .. })));
        // The first non-finite activation, wherever it falls in the scan (long x too).
        for len in [6, 300] {
            let m = len / 3;
            for pos in [0, 1, len / 2, len - 1] {
                for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                    let mut x = vec![0.5f32; len];
                    x[pos] = bad;
                    if pos + 1 < len {
                        x[len - 1] = f32::NAN;
                    }
                    let mut y = vec![7f32; m * 2];
                    match dm.gemm_into_on(b, &x, m, &mut y) {
                        Err(KernelError::NonFinite { index, value }) => {
                            assert_eq!(index, pos, "{b:?}");
                            assert!(same(value, bad));
                        }
                        other => panic!("{b:?}: {other:?}"),
                    }
                    assert!(y.iter().all(|&v| v == 7.0), "y untouched on error");
                }
            }
        }
    }
    // Results that overflow are fine (finite inputs only are checked).
    let big = DenseMatrix::new(&[3e38, 3e38], 1, 2, None).unwrap();
    assert_eq!(big.gemm(&[2.0, 2.0], 1).unwrap(), vec![f32::INFINITY]);
}
