//! The quantized GEMV/GEMM kernels (`lowp::kernels`) on arbitrary schemes, shapes and data:
//! every backend equals the portable one bit for bit, GEMM row j equals GEMV of activation row
//! j, and each output is within the documented error bound of the exact (f64) dot product of
//! the exact weights and the kernels' own dequantized activations; bad inputs give typed errors,
//! never a panic.
//!
//! Input bytes: `0`: scheme (`% catalog length`, or a dense E4M3/E5M2 matrix past it);
//! `1`: rows (`% 9`); `2`: m, activation rows (`% 6`); `3..`: little-endian `f32`s, the weights
//! (`rows · k`) then the activations (`m · k`), with `k` the largest that fits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowp::block::{BlockMatrix, BlockScaled, Scheme};
use lowp::bulk::Backend;
use lowp::kernels::{effective_backend, ActivationFormat, MinifloatMatrix, QuantizedActivations, RowScale};
use lowp::minifloat::{E4M3FN, E5M2};

fn backends() -> Vec<Backend> {
    [Backend::Portable, Backend::Avx2, Backend::Avx512].into_iter().filter(|&b| effective_backend(b) == b).collect()
}

/// A GEMM on a backend.
type Run<'a> = &'a dyn Fn(Backend, &[f32], usize) -> Result<Vec<f32>, lowp::kernels::KernelError>;

/// All backends equal; GEMM rows equal GEMV.
fn check_equal(name: &str, m: usize, k: usize, rows: usize, run: Run<'_>, x: &[f32]) -> Option<Vec<f32>> {
    let p = run(Backend::Portable, x, m);
    for b in backends() {
        let q = run(b, x, m);
        match (&p, &q) {
            (Ok(p), Ok(q)) => {
                for (i, (a, c)) in p.iter().zip(q).enumerate() {
                    assert!(a.to_bits() == c.to_bits(), "{name}: output {i} {a} portable vs {c} on {}", b.name());
                }
            }
            (Err(e), Err(f)) => assert_eq!(format!("{e:?}"), format!("{f:?}"), "{name}: errors differ"),
            _ => panic!("{name}: one backend failed: {p:?} vs {q:?}"),
        }
    }
    let y = p.ok()?;
    for j in 0..m {
        let g = run(Backend::best(), &x[j * k..(j + 1) * k], 1).expect("gemv of a gemm row");
        for i in 0..rows {
            assert_eq!(y[j * rows + i].to_bits(), g[i].to_bits(), "{name}: gemm ({j},{i}) vs gemv");
        }
    }
    Some(y)
}

fuzz_target!(|bytes: &[u8]| {
    if bytes.len() < 3 {
        return;
    }
    let cat = Scheme::catalog();
    let sel = bytes[0] as usize % (cat.len() + 2);
    let rows = bytes[1] as usize % 9;
    let m = 1 + bytes[2] as usize % 6;
    let vals: Vec<f32> = bytes[3..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let k = (vals.len() / (rows + m)).min(2048);
    let (w, x) = vals.split_at(rows * k);
    let x = &x[..m * k];
    // Shape errors are typed.
    if k > 0 && rows > 0 {
        if let Ok(wm) = BlockMatrix::quantize(&cat[sel % cat.len()], w, rows, k) {
            assert!(wm.gemv(&x[..k - 1]).is_err());
            assert!(wm.gemm(x, m + 1).is_err());
        }
    }
    if sel >= cat.len() {
        let sc = if k.is_multiple_of(2) { RowScale::PerRow } else { RowScale::None };
        if sel == cat.len() {
            let Ok(wm) = MinifloatMatrix::<E4M3FN>::quantize(w, rows, k, sc) else { return };
            check_equal("e4m3", m, k, rows, &|b, x, m| wm.gemm_on(b, x, m), x);
        } else {
            let Ok(wm) = MinifloatMatrix::<E5M2>::quantize(w, rows, k, sc) else { return };
            check_equal("e5m2", m, k, rows, &|b, x, m| wm.gemm_on(b, x, m), x);
        }
        return;
    }
    let s = cat[sel];
    let Ok(wm) = BlockMatrix::quantize(&s, w, rows, k) else { return };
    let name = s.to_string();
    let Some(y) = check_equal(&name, m, k, rows, &|b, x, m| wm.gemm_on(b, x, m), x) else {
        assert!(
            x.iter().any(|v| !v.is_finite()) || s.block_len() > lowp::kernels::MAX_VECTOR_LEN,
            "{name}: unexpected error"
        );
        return;
    };
    // The bound of tests/kernels_simd.rs against the exact dot product with the exact weights.
    let qa = QuantizedActivations::for_matrix(&wm, x, m).expect("finite");
    let u = 1.0 / (1u64 << 24) as f64;
    let n = match wm.activation_format() {
        ActivationFormat::F32 => k,
        _ => k.div_ceil(if s.block_len() == 0 { 64 } else { s.block_len() }),
    };
    for j in 0..m {
        let xh = qa.dequantize(j);
        let xr = &x[j * k..(j + 1) * k];
        for i in 0..rows {
            let row = wm.row(i);
            let (mut exact, mut qerr, mut mag) = (0f64, 0f64, 0f64);
            for t in 0..k {
                let wi = row.get_exact(t);
                exact += wi * xr[t] as f64;
                qerr +=
                    wi.abs() * ((xr[t] - xh[t]) as f64).abs() * (1.0 + 4.0 * u) + wi.abs() * (xr[t].abs() as f64) * u;
                mag += (wi * xh[t] as f64).abs();
            }
            let got = y[j * rows + i] as f64;
            if !exact.is_finite() || !got.is_finite() || mag > 1e37 {
                continue; // NaN blocks, overflow: nothing to bound
            }
            let bound = qerr
                + (n as f64 / 16.0 + 8.0) * 2.0 * u * mag
                + f32::from_bits(1) as f64
                    * (128.0 * 127.0 * k as f64 + n as f64 + 32.0)
                    * (row.row_scale().abs() as f64).max(1.0);
            if !bound.is_finite() {
                continue; // an activation near f32::MAX dequantized to ∞ (met by zero weights): no bound
            }
            assert!((got - exact).abs() <= bound, "{name} ({j},{i}): {got} vs exact {exact}, bound {bound:e}");
        }
    }
});
