//! Properties of block-scaled vectors (`lowp::block`): error bounds, the packed byte layout
//! (decoded here by an independent unpacker), reassembly from parts, shapes and lengths at the
//! edges, storage cost, and `ErrorStats` on known inputs.
//!
//! Error bound, precisely. Let `d` be the block's whole scale (`block_scale(k)`: block scale ×
//! row scale), `q = x / d` the exact quotient and `y = get_exact(i)` the dequantized value.
//! * An element *saturates* when `|x| > q_max · d` (`q_max` = the element's largest magnitude:
//!   `2^(b−1) − 1` for INTb, `127/64` for MXINT8, the format's max for floats). Then
//!   `y = sign(x) · q_max · d` and the error is exactly `|x| − q_max · d`.
//! * Otherwise the error is at most half a *step* times `d`: `|x − y| ≤ step/2 · d`, where the
//!   step is the spacing of the element grid around `q`: 1 for INTb, `2^−6` for MXINT8, and for a
//!   float element with `m` mantissa bits and minimum normal exponent `emin` it is
//!   `2^(max(⌊log2 |q|⌋, emin) − m)` (the ulp of `q`'s binade; subnormals share `emin`'s ulp).
//!   For `q = 0` the error is 0.
//!
//! All of it is checked in exact rational arithmetic (`rug`).

mod common;

use lowp::block::{
    BlockMatrix, BlockScaled, BlockVector, Element, ErrorStats, NonFinite, Outer, QuantizeError, ScaleEncoding,
    ScaleRule, Scheme,
};
use proptest::prelude::*;
use rug::Rational;

fn parse(n: &str) -> Scheme {
    n.parse().unwrap_or_else(|e| panic!("{n}: {e}"))
}

/// The catalog plus variants: every integer width, vector length, scale encoding, two-level
/// M, MX `-ceil`, `-mse`, other block lengths.
fn schemes() -> Vec<Scheme> {
    let mut v = Scheme::catalog();
    let mut names = vec![];
    for b in 2..=8 {
        names.push(format!("vsq-int{b}-v{}", [16, 32, 64, 128][b % 4]));
        names.push(format!("vsq-int{b}-v32-f16"));
        names.push(format!("vsq-int{b}-v16-bf16"));
        names.push(format!("vsq-int{b}-v128-e4m3"));
        names.push(format!("vsq-int{b}-v{}-s{}", [16, 32, 64, 128][(b + 1) % 4], 4 + b % 5));
        names.push(format!("int{b}-per-row"));
        names.push(format!("int{b}-per-tensor"));
    }
    for e in ["mxfp8-e4m3", "mxfp8-e5m2", "mxfp6-e2m3", "mxfp6-e3m2", "mxint8"] {
        names.push(format!("{e}-ceil"));
    }
    names.extend(
        ["mxfp4-b64", "nvfp4-b32", "nvfp4-mse", "vsq-int8-v16-e4m3-mse", "vsq-int3-v32-s8-mse"].map(String::from),
    );
    for n in names {
        let s = parse(&n);
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

/// Element facts by hand: (q_max, mantissa bits, emin) for floats; `None` for integers.
fn float_facts(e: Element) -> Option<(f64, i32, i32)> {
    match e {
        Element::E4M3 => Some((448.0, 3, -6)),
        Element::E5M2 => Some((57344.0, 2, -14)),
        Element::E2M3 => Some((7.5, 3, 0)),
        Element::E3M2 => Some((28.0, 2, -2)),
        Element::E2M1 => Some((6.0, 1, 0)),
        _ => None,
    }
}

fn qmax(e: Element) -> Rational {
    match e {
        Element::Int(b) => Rational::from((1i64 << (b - 1)) - 1),
        Element::MxInt8 => Rational::from((127, 64)),
        _ => Rational::from_f64(float_facts(e).unwrap().0).unwrap(),
    }
}

fn pow2(k: i32) -> Rational {
    Rational::from(1) << k
}

fn floor_log2(a: &Rational) -> i32 {
    let mut k = a.numer().significant_bits() as i32 - a.denom().significant_bits() as i32;
    while pow2(k) > *a {
        k -= 1;
    }
    while pow2(k + 1) <= *a {
        k += 1;
    }
    k
}

/// The step of the element grid around the exact quotient `q` (see the module docs).
fn step(e: Element, q: &Rational) -> Rational {
    match e {
        Element::Int(_) => Rational::from(1),
        Element::MxInt8 => pow2(-6),
        _ => {
            let (_, m, emin) = float_facts(e).unwrap();
            let k = if *q == 0 { emin } else { floor_log2(&Rational::from(q.abs_ref())).max(emin) };
            pow2(k - m)
        }
    }
}

/// Block-scale bits by hand (what `bits_per_element` counts) and bytes (what is stored).
fn scale_bits_bytes(s: ScaleEncoding) -> (usize, usize) {
    match s {
        ScaleEncoding::None => (0, 0),
        ScaleEncoding::F32 => (32, 4),
        ScaleEncoding::F16 | ScaleEncoding::BF16 => (16, 2),
        ScaleEncoding::E4M3 | ScaleEncoding::E8M0 => (8, 1),
        ScaleEncoding::UInt(m) => (m as usize, 1),
    }
}

fn elem_bits(e: Element) -> usize {
    match e {
        Element::Int(b) => b as usize,
        Element::MxInt8 | Element::E4M3 | Element::E5M2 => 8,
        Element::E2M3 | Element::E3M2 => 6,
        Element::E2M1 => 4,
    }
}

/// Independent unpacker of the documented layout: element `i` is stream bits `i·w .. i·w + w`,
/// stream bit `j` is bit `j % 8` of byte `j / 8`.
fn unpack_code(codes: &[u8], w: usize, i: usize) -> u8 {
    let mut c = 0u32;
    for j in 0..w {
        let bit = i * w + j;
        c |= (((codes[bit / 8] >> (bit % 8)) & 1) as u32) << j;
    }
    c as u8
}

/// Independent reader of block scale `k`: `n` little-endian bytes.
fn unpack_scale(scales: &[u8], n: usize, k: usize) -> u32 {
    (0..n).map(|j| (scales[k * n + j] as u32) << (8 * j)).sum()
}

/// The documented geometry: (blocks, block length, code bytes, scale bytes) of a row of `n`.
fn geometry(s: &Scheme, n: usize) -> (usize, usize, usize, usize) {
    let w = elem_bits(s.element());
    let (_, sb) = scale_bits_bytes(s.scale());
    if s.block_len() == 0 {
        (usize::from(n > 0), n, (n * w).div_ceil(8), 0)
    } else {
        let b = s.block_len();
        let k = n.div_ceil(b);
        (k, b, k * b * w / 8, k * sb)
    }
}

/// Everything about one quantized row that does not need a reference: layout, padding, error
/// bound, get/get_exact/dequantize consistency.
fn check_row_props<R: BlockScaled>(s: &Scheme, x: &[f32], q: &R) -> Result<(), TestCaseError> {
    let n = x.len();
    let (blocks, b, cb, sbytes) = geometry(s, n);
    let w = elem_bits(s.element());
    prop_assert_eq!(q.len(), n);
    prop_assert_eq!(q.num_blocks(), blocks, "{}", s);
    prop_assert_eq!(q.codes().len(), cb, "{} code bytes", s);
    prop_assert_eq!(q.scales().len(), sbytes, "{} scale bytes", s);
    // Layout: the independent unpacker agrees with code(i) / scale_code(k); padding is zero.
    for i in 0..n {
        prop_assert_eq!(unpack_code(q.codes(), w, i), q.code(i), "{} code {}", s, i);
    }
    for bit in n * w..cb * 8 {
        prop_assert_eq!((q.codes()[bit / 8] >> (bit % 8)) & 1, 0, "{} padding bit {} (len {})", s, bit, n);
    }
    let (_, nb) = scale_bits_bytes(s.scale());
    for k in 0..blocks {
        let want = if nb == 0 { 0 } else { unpack_scale(q.scales(), nb, k) };
        prop_assert_eq!(q.scale_code(k), want, "{} scale {}", s, k);
    }
    // Error bound.
    let deq = q.dequantize();
    let qm = qmax(s.element());
    for i in 0..n {
        let k = i / b.max(1);
        let d = q.block_scale(k);
        let ge = q.get_exact(i);
        if d.is_nan() {
            prop_assert!(ge.is_nan() && q.get(i).is_nan() && deq[i].is_nan(), "{} NaN block {}", s, k);
            continue;
        }
        prop_assert!(ge.is_finite(), "{} get_exact({}) = {}", s, i, ge);
        // get(i) is get_exact(i) rounded to f32 (f64 → f32 `as` rounds to nearest-even).
        prop_assert_eq!(q.get(i).to_bits(), (ge as f32).to_bits(), "{} get({}) vs get_exact", s, i);
        prop_assert_eq!(deq[i].to_bits(), q.get(i).to_bits(), "{} dequantize[{}]", s, i);
        let xr = Rational::from_f32(x[i]).unwrap();
        let y = Rational::from_f64(ge).unwrap();
        let err = Rational::from(&xr - &y).abs();
        let dr = Rational::from_f64(d).unwrap();
        if dr == 0 {
            prop_assert!(x[i] == 0.0 && ge == 0.0, "{} scale 0 with x[{}] = {:e}", s, i, x[i]);
            continue;
        }
        let lim = Rational::from(&qm * &dr);
        let ax = Rational::from(xr.abs_ref());
        if ax > lim {
            // Saturated: the error is exactly |x| − q_max · d.
            prop_assert_eq!(
                &err,
                &Rational::from(&ax - &lim),
                "{}: x[{}] = {:e} ({:#010x}) saturates, d = {:e}, got {:e}",
                s,
                i,
                x[i],
                x[i].to_bits(),
                d,
                ge
            );
        } else {
            let qv = Rational::from(&xr / &dr);
            let bound = step(s.element(), &qv) * &dr / 2u32;
            prop_assert!(
                err <= bound,
                "{}: x[{}] = {:e} ({:#010x}), d = {:e}, got {:e}: error {} > half a step {}",
                s,
                i,
                x[i],
                x[i].to_bits(),
                d,
                ge,
                err.to_f64(),
                bound.to_f64()
            );
        }
    }
    // Storage cost from the byte counts.
    let (scale_bits, _) = scale_bits_bytes(s.scale());
    let outer = if s.outer() == Outer::None { 0 } else { 32 };
    let bpe = (cb * 8 + blocks * scale_bits + outer) as f64 / n.max(1) as f64;
    prop_assert_eq!(q.bits_per_element(), bpe, "{} bits_per_element, len {}", s, n);
    Ok(())
}

/// A finite `f32` from a mixture: any finite value (every binade, subnormals), small multiples
/// of 1/8, uniform in ±1, ±0.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO,
        3 => (-2000i32..2000).prop_map(|i| i as f32 / 8.0),
        3 => -1.0f32..1.0,
        1 => (0u32..0x0080_0000).prop_map(|m| f32::from_bits(0x7f00_0000 | m)),
        1 => Just(-0.0f32),
    ]
}

/// A row: values times a per-row power of two (so rows of tiny or huge values come up).
fn row(max_len: usize) -> impl Strategy<Value = Vec<f32>> {
    (prop::collection::vec(value(), 0..max_len), -40i32..40).prop_map(|(v, e)| {
        let f = 2f32.powi(e);
        v.into_iter().map(|x| if (x * f).is_finite() { x * f } else { x }).collect()
    })
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop::sample::select(schemes())
}

proptest! {
    #![proptest_config(common::proptest_config("block_props", 400))]

    #[test]
    fn vector_properties(s in scheme(), x in row(300)) {
        let q = BlockVector::quantize(&s, &x).unwrap();
        check_row_props(&s, &x, &q)?;
        // Reassembly from the parts, bit-exact.
        let r = BlockVector::from_parts(s, q.len(), q.codes().to_vec(), q.scales().to_vec(), q.row_scale()).unwrap();
        prop_assert_eq!(&r, &q);
        let (c, sc, rsc) = r.clone().into_parts();
        prop_assert_eq!((&c[..], &sc[..], rsc.to_bits()), (q.codes(), q.scales(), q.row_scale().to_bits()));
    }

    #[test]
    fn nan_block_properties(s in scheme(), x in row(200), at in prop::collection::vec(0usize..1000, 1..4)) {
        let s = s.with_non_finite(NonFinite::NanBlock);
        let mut x = x;
        if x.is_empty() { x.push(1.0); }
        let n = x.len();
        for (j, &i) in at.iter().enumerate() {
            x[i % n] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][j % 3];
        }
        let r = BlockVector::quantize(&s, &x);
        let nan_ok = matches!(s.scale(), ScaleEncoding::F32 | ScaleEncoding::F16 | ScaleEncoding::BF16 | ScaleEncoding::E4M3 | ScaleEncoding::E8M0);
        let first = x.iter().position(|v| !v.is_finite()).unwrap();
        match r {
            Ok(q) => {
                prop_assert!(nan_ok, "{} should refuse non-finite input", s);
                let b = s.block_len();
                for i in 0..n {
                    let blk = &x[i / b * b..((i / b + 1) * b).min(n)];
                    let bad = blk.iter().any(|v| !v.is_finite());
                    prop_assert_eq!(q.get(i).is_nan(), bad, "{} element {}", s, i);
                    if bad { prop_assert_eq!(q.code(i), 0, "{} NaN block codes are 0", s); }
                }
                // The finite blocks obey the same properties (with the non-finite inputs
                // replaced by 0, which leaves those blocks NaN).
                let y: Vec<f32> = x.iter().map(|v| if v.is_finite() { *v } else { 0.0 }).collect();
                check_row_props(&s, &y, &q)?;
            }
            Err(e) => {
                prop_assert!(!nan_ok, "{}: {:?}", s, e);
                match e {
                    QuantizeError::NonFinite { index, value } => {
                        prop_assert_eq!((index, value.to_bits()), (first, x[first].to_bits()), "{}", s);
                    }
                    other => prop_assert!(false, "{}: {:?}", s, other),
                }
            }
        }
    }

    #[test]
    fn from_parts_checks_sizes(s in scheme(), n in 0usize..300, bytes in prop::collection::vec(any::<u8>(), 600), rsc in any::<f32>()) {
        let (_, _, cb, sb) = geometry(&s, n);
        let codes = bytes[..cb].to_vec();
        let scales = bytes[cb..cb + sb].to_vec();
        // Any bytes of the right sizes are accepted and read back through the documented layout.
        let q = BlockVector::from_parts(s, n, codes.clone(), scales.clone(), rsc).unwrap();
        prop_assert_eq!(q.codes(), &codes[..]);
        prop_assert_eq!(q.scales(), &scales[..]);
        prop_assert_eq!(q.row_scale().to_bits(), rsc.to_bits());
        let w = elem_bits(s.element());
        for i in 0..n {
            prop_assert_eq!(q.code(i), unpack_code(&codes, w, i));
        }
        let (_, nb) = scale_bits_bytes(s.scale());
        for k in 0..q.num_blocks() {
            prop_assert_eq!(q.scale_code(k), if nb == 0 { 0 } else { unpack_scale(&scales, nb, k) });
        }
        // Wrong sizes: Layout errors naming the part.
        for bad in [cb + 1, cb.wrapping_sub(1)] {
            if bad > 600 { continue; }
            let r = BlockVector::from_parts(s, n, bytes[..bad].to_vec(), scales.clone(), rsc);
            prop_assert_eq!(r, Err(QuantizeError::Layout { part: "codes", expected: cb, got: bad }));
        }
        for bad in [sb + 1, sb.wrapping_sub(1)] {
            if bad > 600 { continue; }
            let r = BlockVector::from_parts(s, n, codes.clone(), bytes[..bad].to_vec(), rsc);
            prop_assert_eq!(r, Err(QuantizeError::Layout { part: "scales", expected: sb, got: bad }));
        }
    }

    #[test]
    fn matrix_properties(s in scheme(), rows in 0usize..5, cols in 0usize..140, seed in any::<u64>()) {
        let mut rng = common::SplitMix::new(seed);
        let e = (rng.next_u32() % 60) as i32 - 30;
        let data: Vec<f32> = (0..rows * cols)
            .map(|i| {
                let v = ((rng.next_f64() * 2.0 - 1.0) as f32) * 2f32.powi(e + (i / cols.max(1)) as i32 * 5);
                if rng.next_u32().is_multiple_of(10) { 0.0 } else { v }
            })
            .collect();
        let m = BlockMatrix::quantize(&s, &data, rows, cols).unwrap();
        prop_assert_eq!((m.rows(), m.cols()), (rows, cols));
        prop_assert_eq!(m.row_scales().len(), rows);
        let (blocks, _, cb, sb) = geometry(&s, cols);
        prop_assert_eq!(m.codes().len(), rows * cb);
        prop_assert_eq!(m.scales().len(), rows * sb);
        let deq = m.dequantize();
        prop_assert_eq!(deq.len(), rows * cols);
        let whole = BlockVector::quantize(&s, &data).unwrap();
        for r in 0..rows {
            let x = &data[r * cols..(r + 1) * cols];
            let row = m.row(r);
            prop_assert_eq!(row.codes(), &m.codes()[r * cb..(r + 1) * cb]);
            prop_assert_eq!(row.scales(), &m.scales()[r * sb..(r + 1) * sb]);
            prop_assert_eq!(row.row_scale().to_bits(), m.row_scales()[r].to_bits());
            check_row_props(&s, x, &row)?;
            for i in 0..cols {
                prop_assert_eq!(deq[r * cols + i].to_bits(), row.get(i).to_bits());
            }
            match s.outer() {
                // Row-local schemes: the row is the BlockVector quantization of that row.
                Outer::None | Outer::Row => {
                    let v = BlockVector::quantize(&s, x).unwrap();
                    prop_assert_eq!(row.codes(), v.codes(), "{} row {} codes", s, r);
                    prop_assert_eq!(row.scales(), v.scales(), "{} row {} scales", s, r);
                    // (cols = 0 is zero_columns_and_rows' business.)
                    if cols > 0 {
                        prop_assert_eq!(row.row_scale().to_bits(), v.row_scale().to_bits(), "{} row {} row scale ({} x {})", s, r, rows, cols);
                    }
                }
                // NVFP4 and per-tensor: every row carries the tensor scale, which is the scale
                // of the whole data quantized as one vector.
                Outer::Tensor => {
                    prop_assert_eq!(row.row_scale().to_bits(), whole.row_scale().to_bits(), "{} row {} tensor scale", s, r);
                    // Element codes depend only on x and the whole scale: where the rows cut
                    // the flat data at block boundaries, row and flat vector agree code for
                    // code and scale for scale.
                    let b = s.block_len();
                    if b == 0 || cols % b == 0 {
                        for i in 0..cols {
                            prop_assert_eq!(row.code(i), whole.code(r * cols + i), "{} row {} code {}", s, r, i);
                        }
                        if let Some(blocks) = cols.checked_div(b) {
                            for k in 0..blocks {
                                prop_assert_eq!(row.scale_code(k), whole.scale_code(r * cols / b + k), "{} row {} scale {}", s, r, k);
                            }
                        }
                    }
                }
            }
        }
        // Storage cost: codes, block scales, and one f32 per row (Row) or per tensor (Tensor).
        let (scale_bits, _) = scale_bits_bytes(s.scale());
        let outer = match s.outer() { Outer::None => 0, Outer::Row => 32 * rows, Outer::Tensor => 32 };
        let bpe = (rows * cb * 8 + rows * blocks * scale_bits + outer) as f64 / (rows * cols).max(1) as f64;
        prop_assert_eq!(m.bits_per_element(), bpe, "{} {} x {}", s, rows, cols);
    }

    #[test]
    fn matrix_shape_mismatch(s in scheme(), rows in 0usize..6, cols in 0usize..70, extra in 1usize..5) {
        let data = vec![1.0f32; rows * cols + extra];
        prop_assert_eq!(
            BlockMatrix::quantize(&s, &data, rows, cols),
            Err(QuantizeError::Shape { rows, cols, len: rows * cols + extra })
        );
        if rows * cols >= 1 {
            let data = vec![1.0f32; rows * cols - 1];
            prop_assert_eq!(
                BlockMatrix::quantize(&s, &data, rows, cols),
                Err(QuantizeError::Shape { rows, cols, len: rows * cols - 1 })
            );
        }
    }
}

#[test]
fn shape_overflow() {
    let s = Scheme::mxfp4();
    assert_eq!(
        BlockMatrix::quantize(&s, &[1.0; 4], usize::MAX, 2),
        Err(QuantizeError::Shape { rows: usize::MAX, cols: 2, len: 4 })
    );
}

/// Empty rows and matrices with no columns: a matrix row equals the BlockVector of that (empty)
/// row for every row-local scheme, and NVFP4 / per-tensor rows carry the tensor scale.
#[test]
fn zero_columns_and_rows() {
    let mut bad = vec![];
    for s in schemes() {
        let v = BlockVector::quantize(&s, &[]).unwrap();
        assert_eq!(v.len(), 0);
        assert_eq!(v.num_blocks(), 0, "{s}");
        assert!(v.codes().is_empty() && v.scales().is_empty(), "{s}");
        assert!(v.dequantize().is_empty());
        assert_eq!(v.bits_per_element(), if s.outer() == Outer::None { 0.0 } else { 32.0 }, "{s}");
        let m = BlockMatrix::quantize(&s, &[], 3, 0).unwrap();
        assert_eq!((m.rows(), m.cols()), (3, 0));
        assert!(m.dequantize().is_empty());
        for r in 0..3 {
            let row = m.row(r);
            assert_eq!(row.len(), 0);
            if row.row_scale().to_bits() != v.row_scale().to_bits() {
                bad.push(format!(
                    "{s}: 3 x 0 matrix row scale {} vs BlockVector of [] {}",
                    row.row_scale(),
                    v.row_scale()
                ));
                break;
            }
        }
        let m = BlockMatrix::quantize(&s, &[], 0, 17).unwrap();
        assert_eq!((m.rows(), m.cols(), m.codes().len(), m.row_scales().len()), (0, 17, 0, 0));
        assert!(m.dequantize().is_empty());
    }
    assert!(bad.is_empty(), "empty rows disagree:\n{}", bad.join("\n"));
}

/// A zero tensor gets row / tensor scale 0 and zero codes; zero blocks scale 0 (E8M0: 2^−127).
#[test]
fn zero_data() {
    for s in schemes() {
        for n in [1, 7, 16, 33, 200] {
            let q = BlockVector::quantize(&s, &vec![0.0; n]).unwrap();
            if s.outer() != Outer::None {
                assert_eq!(q.row_scale().to_bits(), 0, "{s}");
            }
            for k in 0..q.num_blocks() {
                let want = 0; // E8M0: code 0 is 2^-127 (checked below); others: the zero scale
                assert_eq!(q.scale_code(k), want, "{s} block {k}");
                if s.scale() == ScaleEncoding::E8M0 {
                    assert_eq!(q.block_scale(k), 2f64.powi(-127), "{s}");
                } else {
                    assert_eq!(q.block_scale(k), 0.0, "{s}");
                }
            }
            assert!(q.codes().iter().all(|&c| c == 0), "{s}");
            assert!(q.dequantize().iter().all(|&y| y.to_bits() == 0), "{s}");
        }
    }
}

#[test]
fn dequantize_into_length() {
    let q = BlockVector::quantize(&Scheme::nvfp4(), &[1.0, 2.0, 3.0]).unwrap();
    let mut out = [0f32; 4];
    assert_eq!(q.dequantize_into(&mut out), Err(QuantizeError::Length { expected: 3, got: 4 }));
    let mut out = [0f32; 3];
    q.dequantize_into(&mut out).unwrap();
    assert_eq!(out.to_vec(), q.dequantize());
}

/// `nominal_bits_per_element` by hand, and equal to the measured cost of long rows without an
/// outer scale.
#[test]
fn nominal_bits() {
    let cases: &[(&str, f64)] = &[
        ("vsq-int4-v16", 4.0 + 32.0 / 16.0),
        ("vsq-int4-v64", 4.5),
        ("vsq-int4-v64-f16", 4.25),
        ("vsq-int4-v64-bf16", 4.25),
        ("vsq-int4-v64-e4m3", 4.125),
        ("vsq-int4-v64-s4", 4.0625),
        ("vsq-int4-v64-s6", 4.09375),
        ("vsq-int4-v64-s8", 4.125),
        ("vsq-int3-v64", 3.5),
        ("vsq-int8-v64", 8.5),
        ("mxfp8-e4m3", 8.25),
        ("mxfp6-e2m3", 6.25),
        ("mxfp4", 4.25),
        ("mxint8", 8.25),
        ("nvfp4", 4.5),
        ("int4-per-row", 4.0),
        ("int8-per-tensor", 8.0),
    ];
    for &(n, bits) in cases {
        let s = parse(n);
        assert_eq!(s.nominal_bits_per_element(), bits, "{n}");
        if s.outer() == Outer::None {
            let x = vec![1.0f32; s.block_len() * 5];
            assert_eq!(BlockVector::quantize(&s, &x).unwrap().bits_per_element(), bits, "{n}");
        }
    }
    // NVFP4 counts its tensor scale once per row in a vector, once per tensor in a matrix.
    let x = vec![1.0f32; 160];
    assert_eq!(BlockVector::quantize(&Scheme::nvfp4(), &x).unwrap().bits_per_element(), 4.5 + 32.0 / 160.0);
    let m = BlockMatrix::quantize(&Scheme::nvfp4(), &x, 5, 32).unwrap();
    assert_eq!(m.bits_per_element(), 4.5 + 32.0 / 160.0);
    let m = BlockMatrix::quantize(&parse("vsq-int4-v16-s6"), &x, 5, 32).unwrap();
    assert_eq!(m.bits_per_element(), 4.0 + 6.0 / 16.0 + 32.0 * 5.0 / 160.0);
}

/// Names parse back from their Display form.
#[test]
fn names_round_trip() {
    for s in schemes() {
        assert_eq!(s.to_string().parse::<Scheme>().unwrap(), s, "{s}");
        assert_eq!(s.to_string().to_uppercase().parse::<Scheme>().unwrap(), s, "{s} (case)");
    }
    assert_eq!(parse("mxfp4-ceil").rule(), ScaleRule::MxRoundUp);
    assert_eq!(parse("vsq-int4-v64-mse").rule(), ScaleRule::Mse);
    for bad in [
        "vsq-int1-v64",
        "vsq-int9-v64",
        "vsq-int4-v12",
        "vsq-int4-v64-s3",
        "vsq-int4-v64-s9",
        "mxfp4-mse",
        "nvfp4-ceil",
        "int4-per-row-mse",
        "mxint4",
    ] {
        assert!(bad.parse::<Scheme>().is_err(), "{bad} should not parse");
    }
}

#[test]
fn error_stats_known() {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    // The documented example.
    let s = ErrorStats::measure(&[1.0, -2.0, 4.0], &[1.0, -2.5, 4.0]).unwrap();
    assert_eq!(s.n, 3);
    assert_eq!(s.max_abs, 0.5);
    assert!(close(s.sqnr_db, 10.0 * (21.0f64 / 0.25).log10()));
    assert!(close(s.rel_rms, (0.25f64 / 21.0).sqrt()));
    assert!(close(s.mse, 0.25 / 3.0));
    // Exact: SQNR ∞, all errors 0.
    let s = ErrorStats::measure(&[1.0, 2.0], &[1.0, 2.0]).unwrap();
    assert_eq!((s.sqnr_db, s.max_abs, s.rel_rms, s.mse), (f64::INFINITY, 0.0, 0.0, 0.0));
    // Everything lost: 0 dB, relative RMS 1.
    let s = ErrorStats::measure(&[3.0, -4.0], &[0.0, 0.0]).unwrap();
    assert_eq!((s.sqnr_db, s.max_abs, s.rel_rms, s.mse), (0.0, 4.0, 1.0, 12.5));
    // 10× the signal's RMS in error: −20 dB.
    let s = ErrorStats::measure(&[1.0, 1.0], &[11.0, -9.0]).unwrap();
    assert!(close(s.sqnr_db, -20.0));
    assert_eq!((s.max_abs, s.rel_rms, s.mse), (10.0, 10.0, 100.0));
    // Sums in f64: errors far below f32's resolution still count.
    let s = ErrorStats::measure(&[1.0], &[1.0 + f32::EPSILON]).unwrap();
    assert_eq!(s.max_abs, f32::EPSILON as f64);
    // Empty input and a length mismatch.
    let s = ErrorStats::measure(&[], &[]).unwrap();
    assert_eq!((s.n, s.mse, s.max_abs, s.rel_rms), (0, 0.0, 0.0, 0.0));
    assert_eq!(ErrorStats::measure(&[1.0], &[]), Err(QuantizeError::Length { expected: 1, got: 0 }));
    // A real quantization: int8 per-tensor of a ramp has SQNR above 40 dB.
    let x: Vec<f32> = (0..1000).map(|i| (i as f32 - 500.0) / 37.0).collect();
    let q = BlockVector::quantize(&parse("int8-per-tensor"), &x).unwrap();
    let s = ErrorStats::measure(&x, &q.dequantize()).unwrap();
    assert!(s.sqnr_db > 40.0 && s.max_abs <= (500.0 / 37.0) / 127.0 / 2.0 + 1e-6, "{s:?}");
}
