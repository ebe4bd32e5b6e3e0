//! The quantizer: scales by each scheme's rule, element codes by one correctly rounded step.
//!
//! # Why one `f64` division rounds correctly
//!
//! Every element code is the value `x / d` rounded to the element format (nearest-even,
//! saturating), where `x` is the `f32` input and `d` the block's whole scale. `d` is exact in
//! `f64`: it is an `f32` (24 significant bits), or a product of an `f32` and a block scale of at
//! most 11 significant bits (f16, bf16, E4M3, an 8-bit integer): at most 35 bits. The quotient is
//! computed as one `f64` division, rounded once to 53 bits, and then rounded to the element
//! format. That second rounding gives the same code as rounding the exact quotient, because
//! the exact quotient is either exactly a rounding boundary (a midpoint `m` between two adjacent
//! element values, `m` of at most 9 significant bits, or the saturation threshold) — and then
//! the division is exact and so is the `f64` — or it is far from every boundary: if
//! `x / d ≠ m`, then `x − m·d ≠ 0` where `x` and `m·d` (≤ 35 + 9 = 44 bits) are multiples of a
//! common unit `u` with `|m·d| < 2^44 u`, so `|x/d − m| ≥ u/d > 2^−45 |m|`, while the `f64` error
//! is below `2^−53 |x/d|`. Rounding to nearest is monotone, so a quotient that stays on one side
//! of every boundary rounds the same way.
//!
//! The block scale is found the same way (`amax / (q_max · outer)`: divisor ≤ 7 + 24 bits,
//! boundaries of at most 12 bits in f16, so the gap `2^−44` again exceeds `2^−53`), and the
//! `f32` scales by an `f32` division of two `f32`s, which IEEE 754 rounds correctly by itself.
//!
//! MX blocks divide by a power of two: `x · 2^−e` in `f32` is exact unless the product falls
//! below `2^−126`, and such a product is far below half the smallest element subnormal (at
//! least `2^−16 · 2^−1`), so it rounds to zero either way.

use super::scheme::{int_code, Element, NonFinite, Outer, ScaleEncoding, ScaleRule, Scheme};
use super::storage::{pack_codes, set_scale};
use crate::bulk::encode_lane;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::minifloat::{E2M1FN, E2M3FN, E3M2FN, E4M3FN, E5M2};

/// `|x|` as bits, for comparing magnitudes (NaN and ∞ compare above every finite value).
#[inline(always)]
fn abs_bits(x: f32) -> u32 {
    x.to_bits() & 0x7fff_ffff
}

crate::arch::multiversion! {
    /// One pass over data: the largest finite magnitude (0 when there is none) and the index
    /// of the first non-finite value, if any ([`scan_body`], on a chosen backend).
    fn scan(x: &[f32]) -> (f32, Option<usize>) = scan_body;
}

/// The body of [`scan`], inlined into each backend's variant. Unsigned integer maxima of the
/// magnitude bits (finite magnitudes order as their bits do; NaN and ∞ are above
/// `0x7f80_0000 − 1`): integer reductions vectorise, where an `f32` max reduction would not
/// (the compiler may not reassociate floating-point operations).
#[inline(always)]
pub(crate) fn scan_body(x: &[f32]) -> (f32, Option<usize>) {
    // Sixteen lanes of partial maxima, so the loop maps onto vector registers.
    let mut f = [0u32; 16];
    let mut a = [0u32; 16];
    let chunks = x.chunks_exact(16);
    let tail = chunks.remainder();
    for c in chunks {
        for k in 0..16 {
            let b = abs_bits(c[k]);
            f[k] = f[k].max(if b < 0x7f80_0000 { b } else { 0 });
            a[k] = a[k].max(b);
        }
    }
    for (k, &v) in tail.iter().enumerate() {
        let b = abs_bits(v);
        f[k] = f[k].max(if b < 0x7f80_0000 { b } else { 0 });
        a[k] = a[k].max(b);
    }
    let fin = f.iter().copied().max().unwrap_or(0);
    let all = a.iter().copied().max().unwrap_or(0);
    let pos = if all >= 0x7f80_0000 { x.iter().position(|v| !v.is_finite()) } else { None };
    (f32::from_bits(fin), pos)
}

/// Whether non-finite input makes NaN blocks (rather than an error) under this scheme.
pub(crate) fn nan_blocks(s: &Scheme) -> bool {
    s.non_finite() == NonFinite::NanBlock && s.scale().has_nan()
}

/// The row or tensor scale for data of largest magnitude `amax`:
/// `amax / (q_max · S_max)` in `f32` (one correctly rounded division; the divisor is an exact
/// integer or `6 · 448`), where `S_max` is the block scale's largest value (`2^M − 1` for
/// two-level VSQ, 448 for NVFP4's E4M3, 1 without block scales). 0 for `amax = 0`; the smallest
/// positive `f32` when the quotient underflows to 0.
pub(crate) fn outer_scale(s: &Scheme, amax: f32) -> f32 {
    if s.outer() == Outer::None {
        return 1.0;
    }
    let smax = match s.scale() {
        ScaleEncoding::UInt(m) => ((1u32 << m) - 1) as f32,
        ScaleEncoding::E4M3 => 448.0,
        _ => 1.0,
    };
    let g = amax / (s.element().max() as f32 * smax);
    if g == 0.0 && amax > 0.0 {
        f32::from_bits(1)
    } else {
        g
    }
}

/// A block scale: its stored code and the block's whole divisor `d` (exact in `f64`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockScale {
    /// The scale's code in its encoding.
    pub(crate) code: u32,
    /// The divisor it stands for (times the outer scale), exact in `f64`.
    pub(crate) d: f64,
}

/// The scale code `target` (> 0) rounds to in `enc` (nearest-even, saturating at the largest
/// finite value, at least the smallest positive value).
fn encode_scale(enc: ScaleEncoding, target: f64) -> u32 {
    let (code, min_pos) = match enc {
        ScaleEncoding::F16 => {
            (half::f16::from_f64_with(target, Rounding::NearestEven, Overflow::Saturating).to_bits() as u32, 1)
        }
        ScaleEncoding::BF16 => {
            (half::bf16::from_f64_with(target, Rounding::NearestEven, Overflow::Saturating).to_bits() as u32, 1)
        }
        ScaleEncoding::E4M3 => (encode_lane::<E4M3FN, true>(to_f32_odd(target).to_bits()) as u32, 1),
        ScaleEncoding::F32 => (f32::from_f64_with(target, Rounding::NearestEven, Overflow::Saturating).to_bits(), 1),
        ScaleEncoding::UInt(m) => {
            let max = ((1u32 << m) - 1) as f64;
            (int_code(target, max, 0xff) as u32, 1) // target > 0
        }
        ScaleEncoding::None | ScaleEncoding::E8M0 => unreachable!("not a searched scale"),
    };
    if code == 0 {
        min_pos
    } else {
        code
    }
}

/// The next scale code above `code` (itself at the top).
fn next_scale_code(enc: ScaleEncoding, code: u32) -> u32 {
    let up = code + 1;
    let ok = match enc {
        ScaleEncoding::UInt(m) => up < (1 << m),
        ScaleEncoding::E4M3 => up <= 0x7e,
        ScaleEncoding::F16 => up < 0x7c00,
        ScaleEncoding::BF16 => up < 0x7f80,
        ScaleEncoding::F32 => up < 0x7f80_0000,
        _ => false,
    };
    if ok {
        up
    } else {
        code
    }
}

/// The scale of a nonzero block of largest magnitude `amax` under the AbsMax rule, and the
/// `α`-scaled candidates of the MSE rule (`α = num / 64`).
#[inline]
pub(crate) fn abs_max_scale(s: &Scheme, amax: f32, outer: f32, num: u32) -> BlockScale {
    let enc = s.scale();
    let qmax = s.element().max();
    let code = if enc == ScaleEncoding::F32 && num == 64 {
        // One IEEE division of two f32s: correctly rounded by itself.
        let g = amax / qmax as f32;
        if g == 0.0 {
            1
        } else {
            g.to_bits()
        }
    } else {
        encode_scale(enc, amax as f64 * (num as f64 * (1.0 / 64.0)) / (qmax * outer as f64))
    };
    scale_of(enc, code, outer)
}

#[inline]
fn scale_of(enc: ScaleEncoding, code: u32, outer: f32) -> BlockScale {
    let v = match enc {
        ScaleEncoding::E4M3 => f32::from_bits(<E4M3FN as crate::bulk::FastSpec>::TABLE[code as usize]) as f64,
        ScaleEncoding::UInt(_) => code as f64,
        _ => enc.decode(code),
    };
    BlockScale { code, d: v * outer as f64 }
}

/// `x` rounded to `f32` by round-to-odd: truncated toward zero, with the last bit set when
/// anything was cut. Rounding that result to nearest in any format of at most 22 significant
/// bits whose grid `f32` holds (E4M3 here) gives what rounding `x` itself would (Boldo and
/// Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding
/// to odd", 2008): an odd last bit keeps a value that was above or below a midpoint strictly
/// on that side, and a value exactly on a midpoint is exact here. Finite positive `x` below
/// `f32::MAX` only.
#[inline]
pub(crate) fn to_f32_odd(x: f64) -> f32 {
    let r = x as f32; // nearest
    let back = r as f64;
    if back == x {
        return r;
    }
    let t = if back > x { f32::from_bits(r.to_bits() - 1) } else { r }; // toward zero (x > 0)
    f32::from_bits(t.to_bits() | 1)
}

/// MX: the E8M0 exponent of a block of largest magnitude `amax` by the floor or round-up rule.
pub(crate) fn mx_exponent(rule: ScaleRule, element: Element, amax: f32) -> i32 {
    if amax == 0.0 {
        return -127;
    }
    let bits = amax.to_bits();
    let biased = (bits >> 23) as i32;
    // ⌊log2 amax⌋, subnormals included.
    let fl = if biased == 0 { -149 + (31 - bits.leading_zeros() as i32) } else { biased - 127 };
    let emax = element.mx_emax().expect("MX element");
    let e = match rule {
        ScaleRule::MxRoundUp => {
            // The least e with amax ≤ max_elem · 2^e: e0 = fl − ⌊log2 max_elem⌋ or e0 + 1.
            let max = element.max();
            let e0 = fl - emax;
            if (amax as f64) <= max * pow2(e0) {
                e0
            } else {
                e0 + 1
            }
        }
        _ => fl - emax,
    };
    e.clamp(-127, 127)
}

/// `2^e` in `f64` (|e| < 1000).
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `2^e` in `f32` for −149 ≤ e ≤ 127 (subnormal powers included).
pub(crate) fn pow2_f32(e: i32) -> f32 {
    if e >= -126 {
        f32::from_bits(((e + 127) as u32) << 23)
    } else {
        f32::from_bits(1 << (e + 149))
    }
}

crate::arch::multiversion! {
    /// Quantize one row `x` of a scheme into `codes` (packed, `row_code_bytes`) and `scales`
    /// (packed block scales), given the row's outer scale (1 when there is none), on `backend`
    /// (the same bits on each: the SIMD variants compile this same code for wider registers).
    /// `Err(i)`: `x[i]` is the first non-finite value and the scheme makes no NaN blocks.
    fn quantize_row(s: &Scheme, x: &[f32], outer: f32, codes: &mut [u8], scales: &mut [u8]) -> Result<(), usize>
        = quantize_row_body;
}

/// The body of [`quantize_row`], inlined into each backend's variant.
#[inline(always)]
pub(crate) fn quantize_row_body(
    s: &Scheme,
    x: &[f32],
    outer: f32,
    codes: &mut [u8],
    scales: &mut [u8],
) -> Result<(), usize> {
    let b = if s.block_len() == 0 { x.len().max(1) } else { s.block_len() };
    let bits = s.element().bits();
    // Unpacked codes of one block, padded to a multiple of 8 elements (on the stack for the
    // usual block lengths: activations are quantized row by row, many small rows).
    let mut stack = [0u8; 128];
    let mut heap;
    let qbuf: &mut [u8] = if b <= stack.len() {
        &mut stack[..b.next_multiple_of(8)]
    } else {
        heap = vec![0u8; b.next_multiple_of(8)];
        &mut heap
    };
    for (i, chunk) in x.chunks(b).enumerate() {
        let q = &mut qbuf[..chunk.len()];
        let code = quantize_block(s, chunk, outer, q).map_err(|p| i * b + p)?;
        if chunk.len() < b {
            qbuf[chunk.len()..].iter_mut().for_each(|c| *c = 0);
        }
        if s.scale() != ScaleEncoding::None {
            set_scale(scales, s.scale(), i, code);
        }
        // Each block starts at a byte boundary (b·bits is a multiple of 8 for b % 8 == 0;
        // whole-row blocks are the only block of their row).
        let start = i * b * bits as usize / 8;
        let n = (b * bits as usize).div_ceil(8);
        pack_codes(&qbuf[..n * 8 / bits as usize], bits, &mut codes[start..start + n]);
    }
    Ok(())
}

/// One block: writes the element codes into `q` (unpacked, one per byte) and returns the
/// block's scale code.
#[inline(always)]
fn quantize_block(s: &Scheme, x: &[f32], outer: f32, q: &mut [u8]) -> Result<u32, usize> {
    // Largest magnitude as bits: non-finite values compare above every finite one.
    let amax_bits = x.iter().fold(0u32, |m, &v| m.max(abs_bits(v)));
    if amax_bits >= 0x7f80_0000 {
        if !nan_blocks(s) {
            return Err(x.iter().position(|v| !v.is_finite()).unwrap_or(0));
        }
        q.iter_mut().for_each(|c| *c = 0);
        return Ok(nan_code(s.scale()));
    }
    let amax = f32::from_bits(amax_bits);
    Ok(match s.rule() {
        ScaleRule::MxFloor | ScaleRule::MxRoundUp => {
            let e = mx_exponent(s.rule(), s.element(), amax);
            mx_elements(s.element(), x, e, q);
            (e + 127) as u32
        }
        _ if s.scale() == ScaleEncoding::None => {
            int_or_float_elements(s.element(), x, outer as f64, q);
            0
        }
        _ if amax == 0.0 => {
            // A zero block: scale 0, codes 0, no division.
            q.iter_mut().for_each(|c| *c = 0);
            0
        }
        ScaleRule::AbsMax => {
            let sc = abs_max_scale(s, amax, outer, 64);
            int_or_float_elements(s.element(), x, sc.d, q);
            sc.code
        }
        ScaleRule::Mse => {
            let first = abs_max_scale(s, amax, outer, 64);
            let mut best = first;
            let mut best_err = block_sse(s.element(), x, first.d);
            let mut tried = [first.code; 34];
            let mut n = 1;
            // The order of the doc (ties keep the earlier): α = 63/64 … 32/64, then the code up.
            let mut cands = [0u32; 33];
            for (j, c) in cands[..32].iter_mut().enumerate() {
                *c = abs_max_scale(s, amax, outer, 63 - j as u32).code;
            }
            cands[32] = next_scale_code(s.scale(), first.code);
            for &c in &cands {
                if tried[..n].contains(&c) {
                    continue;
                }
                tried[n] = c;
                n += 1;
                let sc = scale_of(s.scale(), c, outer);
                let err = block_sse(s.element(), x, sc.d);
                if err < best_err {
                    best = sc;
                    best_err = err;
                }
            }
            int_or_float_elements(s.element(), x, best.d, q);
            best.code
        }
    })
}

/// The stored NaN of a scale encoding.
fn nan_code(enc: ScaleEncoding) -> u32 {
    match enc {
        ScaleEncoding::F32 => 0x7fc0_0000,
        ScaleEncoding::F16 => 0x7e00,
        ScaleEncoding::BF16 => 0x7fc0,
        ScaleEncoding::E4M3 => 0x7f,
        ScaleEncoding::E8M0 => 0xff,
        _ => unreachable!("checked by the caller"),
    }
}

/// Squared error of quantizing `x` with divisor `d` (in `f64`; only compares candidates).
fn block_sse(e: Element, x: &[f32], d: f64) -> f64 {
    x.iter()
        .map(|&v| {
            let c = e.encode(v as f64 / d);
            let err = v as f64 - e.decode(c) * d;
            err * err
        })
        .sum()
}

/// Codes of `x / d` (integer elements, or E2M1 for NVFP4), one `f64` division each (see the
/// module docs); all zero when `d = 0` (an all-zero block or tensor).
#[inline(always)]
fn int_or_float_elements(e: Element, x: &[f32], d: f64, q: &mut [u8]) {
    if d == 0.0 {
        q.iter_mut().for_each(|c| *c = 0);
        return;
    }
    match e {
        Element::Int(b) => int_codes(x, d, ((1u32 << (b - 1)) - 1) as f64, e.mask(), q),
        Element::E2M1 => e2m1_codes(x, d, q),
        _ => {
            for (c, &v) in q.iter_mut().zip(x) {
                *c = e.encode(v as f64 / d);
            }
        }
    }
}

/// Integer codes of `x / d` ([`int_code`]: clamped to `±m`, nearest-even).
#[inline(always)]
fn int_codes(x: &[f32], d: f64, m: f64, mask: u8, q: &mut [u8]) {
    for (c, &v) in q.iter_mut().zip(x) {
        *c = int_code(v as f64 / d, m, mask);
    }
}

/// E2M1 codes of `x / d` (nearest-even, saturating at ±6; negative values that round to zero
/// give −0, code 0x8), without dividing. E2M1's magnitudes 0, 0.5, 1, 1.5, 2, 3, 4, 6 are codes
/// 0..=7, so the magnitude code counts the rounding boundaries `|x / d|` passes: the midpoints
/// 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5, where a tie goes to the even code (strictly above 0.25,
/// 1.25, 2.5 and 5, from 0.75, 1.75 and 3.5 on). And `|x / d| > m ⇔ |x| > m·d` for `d > 0`,
/// where `m·d` (`m` of at most 3 significant bits, `d` of at most 35) is exact in `f64`: each
/// comparison is exact, so the code is the exact quotient's. Checked against the rounding core
/// in the tests below.
#[inline(always)]
fn e2m1_codes(x: &[f32], d: f64, q: &mut [u8]) {
    let t = [0.25 * d, 0.75 * d, 1.25 * d, 1.75 * d, 2.5 * d, 3.5 * d, 5.0 * d];
    for (c, &v) in q.iter_mut().zip(x) {
        let a = (v as f64).abs();
        let mag = (a > t[0]) as u8
            + (a >= t[1]) as u8
            + (a > t[2]) as u8
            + (a >= t[3]) as u8
            + (a > t[4]) as u8
            + (a >= t[5]) as u8
            + (a > t[6]) as u8;
        *c = mag | (((v.to_bits() >> 31) as u8) << 3);
    }
}

/// MX element codes of `x · 2^−e` (exact in `f32` where it matters; see the module docs).
#[inline(always)]
fn mx_elements(e: Element, x: &[f32], exp: i32, q: &mut [u8]) {
    let inv = pow2_f32(-exp);
    match e {
        Element::MxInt8 => {
            // `x · 2^−e · 64` is exact (powers of two), then the integer code of MXINT8.
            for (c, &v) in q.iter_mut().zip(x) {
                *c = int_code((v * inv) as f64 * 64.0, 127.0, 0xff);
            }
        }
        Element::E4M3 => lanes::<E4M3FN>(x, inv, q),
        Element::E5M2 => lanes::<E5M2>(x, inv, q),
        Element::E2M3 => lanes::<E2M3FN>(x, inv, q),
        Element::E3M2 => lanes::<E3M2FN>(x, inv, q),
        Element::E2M1 => lanes::<E2M1FN>(x, inv, q),
        Element::Int(_) => unreachable!("not an MX element"),
    }
}

#[inline(always)]
fn lanes<S: crate::Spec>(x: &[f32], inv: f32, q: &mut [u8]) {
    for (c, &v) in q.iter_mut().zip(x) {
        *c = encode_lane::<S, true>((v * inv).to_bits());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The E4M3 scale encoder (round-to-odd f32, then the bulk kernel) against the rounding core
    /// from f64: around every E4M3 value and midpoint (±64 ulps of f64) and on random values
    /// spread over E4M3's range and beyond, including f32-subnormal magnitudes.
    #[test]
    fn e4m3_scale_encoder_matches_core() {
        let mut xs = vec![];
        for c in 1..0x7fu8 {
            let v = crate::Float8E4M3FN::from_bits(c).to_f64();
            let n = crate::Float8E4M3FN::from_bits(c + 1).to_f64();
            for t in [v, (v + n) / 2.0] {
                let b = t.to_bits();
                for k in 0..=128u64 {
                    xs.push(f64::from_bits(b + k - 64));
                }
            }
        }
        xs.extend([448.0, 464.0, 480.0, 1e6, 1e-45, 2.0f64.powi(-10), 2.0f64.powi(-11), 1e-300]);
        let mut r = crate::rng::SplitMix64::new(11);
        for _ in 0..200_000 {
            let u = r.next_u64();
            xs.push(f64::from_bits((u >> 12) | ((1023 - 160 + (u % 180)) << 52)));
        }
        for x in xs {
            let want = crate::Float8E4M3FN::from_f64_saturating(x).to_bits() as u32;
            let got = encode_scale(ScaleEncoding::E4M3, x);
            assert_eq!(got, want.max(1), "{x:e}");
        }
    }

    /// The E2M1 element path against the rounding core: for several divisors (powers of two,
    /// where `x / d` is exact, and 28-bit ones, where the f64 quotient is innocuous), every f32
    /// within 64 ulps of every boundary `m·d` and of every grid value, both signs, and ±0.
    #[test]
    fn e2m1_codes_match_core() {
        for d in [1.0f64, 0.125, 96.0, 2f64.powi(-120), 1.0 + 2f64.powi(-27), 0x0abc_def1 as f64 * 2f64.powi(-30)] {
            let mut xs = vec![0.0f32, -0.0];
            for m in [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0] {
                let c = (m * d) as f32;
                for k in 0..=128u32 {
                    let b = c.to_bits() + k;
                    if b >= 64 {
                        xs.push(f32::from_bits(b - 64));
                    }
                }
            }
            let neg: Vec<f32> = xs.iter().map(|v| -v).collect();
            xs.extend(neg);
            let mut got = vec![0u8; xs.len()];
            e2m1_codes(&xs, d, &mut got);
            for (&x, &g) in xs.iter().zip(&got) {
                let want = crate::Float4E2M1FN::from_f64_saturating(x as f64 / d).to_bits();
                assert_eq!(g, want, "x = {x:e}, d = {d:e}");
            }
        }
    }
}
