//! The row-tile integer kernels (`lowp::kernels::RowTileMatrix`, used by `lowp::nn` for
//! convolutions and small layers) equal `BlockMatrix::gemm_prepared` bit for bit, for dynamic
//! per-vector and static per-tensor activations, random shapes (ragged K, more than 16
//! vectors per row, partial weight groups, activation-row tails), on every backend.

use lowp::block::{BlockMatrix, Scheme};
use lowp::bulk::Backend;
use lowp::kernels::{QuantizedActivations, RowTileMatrix};
use lowp::rng::SplitMix64;

fn vals(r: &mut SplitMix64, n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let u = (r.next_u64() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
            // Some exact zeros and some wide values.
            match r.next_u64() % 16 {
                0 => 0.0,
                1 => u * scale * 1e3,
                _ => u * scale * (1 + i % 3) as f32,
            }
        })
        .collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

const SCHEMES: [&str; 9] = [
    "int8-per-row",
    "int4-per-row",
    "vsq-int4-v64",
    "vsq-int4-v32",
    "vsq-int4-v16",
    "mxfp4",
    "nvfp4",
    "mxint8",
    "vsq-int4-v64-e4m3",
];

#[test]
fn equals_gemm_prepared_on_every_backend() {
    let mut r = SplitMix64::new(3);
    let backends = [Backend::Portable, Backend::Avx2, Backend::Avx512];
    for name in SCHEMES {
        let s: Scheme = name.parse().unwrap();
        for &(n, k, m) in &[
            (16, 9, 37),
            (32, 144, 21),
            (5, 3, 9),
            (17, 63, 8),
            (40, 65, 13),
            (10, 64, 3),
            (64, 1568, 9),
            (3, 1100, 5),
            (16, 1, 2),
            (1, 200, 1),
        ] {
            let w = BlockMatrix::quantize(&s, &vals(&mut r, n * k, 0.3), n, k).unwrap();
            let rt = RowTileMatrix::new(&w).unwrap_or_else(|| panic!("{name} packs"));
            assert_eq!((rt.rows(), rt.cols()), (n, k));
            let mut x = vals(&mut r, m * k, 1.0);
            // An all-zero activation row (scale 0) and a row of one tiny value.
            x[..k].fill(0.0);
            if m > 1 {
                x[k..2 * k].fill(0.0);
                x[k] = 1e-30;
            }
            // Ties: with a largest |x| of 127 the scale is 1, so halves are exact midpoints
            // (nearest-even); and a vector whose scale amax / 127 underflows f32.
            if m > 3 {
                for (i, v) in x[2 * k..3 * k].iter_mut().enumerate() {
                    *v = if i % 64 == 0 { 127.0 } else { (i % 9) as f32 - 4.5 };
                }
                x[3 * k..4 * k].fill(0.0);
                x[3 * k + k / 2] = -1e-44;
            }
            for scale in [None, Some(0.011f32), Some(3e-3)] {
                let qa = match scale {
                    None => QuantizedActivations::for_matrix(&w, &x, m).unwrap(),
                    Some(sc) => QuantizedActivations::with_scale(w.activation_format(), &x, m, sc).unwrap(),
                };
                let mut want = vec![0.0; m * n];
                w.gemm_prepared_on(Backend::Portable, &qa, &mut want).unwrap();
                for b in backends {
                    let mut y = vec![f32::NAN; m * n];
                    rt.gemm_on(b, &x, m, scale, &mut y).unwrap();
                    assert_eq!(bits(&y), bits(&want), "{name} n={n} k={k} m={m} scale={scale:?} {b:?}");
                }
            }
        }
    }
}

#[test]
fn two_level_and_odd_widths_are_not_packed() {
    for name in ["vsq-int4-v64-s6", "mxfp8-e4m3"] {
        let s: Scheme = name.parse().unwrap();
        let w = BlockMatrix::quantize(&s, &[0.5; 128], 2, 64).unwrap();
        assert!(RowTileMatrix::new(&w).is_none(), "{name}");
    }
}

#[test]
fn errors_match_the_activation_constructors() {
    let s: Scheme = "vsq-int4-v64".parse().unwrap();
    let w = BlockMatrix::quantize(&s, &[0.5; 2 * 9], 2, 9).unwrap();
    let rt = RowTileMatrix::new(&w).unwrap();
    let mut y = vec![0.0; 4];
    let mut x = vec![1.0f32; 18];
    x[11] = f32::NAN;
    let want = QuantizedActivations::for_matrix(&w, &x, 2).unwrap_err();
    // NaN != NaN: compare the messages (index and value).
    assert_eq!(rt.gemm(&x, 2, None, &mut y).unwrap_err().to_string(), want.to_string());
    let want = QuantizedActivations::with_scale(w.activation_format(), &x, 2, 0.1).unwrap_err();
    assert_eq!(rt.gemm(&x, 2, Some(0.1), &mut y).unwrap_err().to_string(), want.to_string());
    assert!(rt.gemm(&[1.0; 18], 2, Some(0.0), &mut y).is_err());
    assert!(rt.gemm(&[1.0; 17], 2, None, &mut y).is_err());
    assert!(rt.gemm(&[1.0; 18], 2, None, &mut y[..3]).is_err());
}
