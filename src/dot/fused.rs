//! The fused expanding operations: `S` inputs, a `D` accumulator, exact arithmetic, one
//! rounding to `D`.
//!
//! # Contract (every function here)
//!
//! 1. **NaN**: a NaN (or posit NaR) among the inputs gives `D`'s NaN (`D::round_exact(Exact::Nan)`:
//!    the canonical NaN, NaR for posits, `+0` for the NaN-free FP6/FP4).
//! 2. **Invalid**: `0 · ∞` and a sum of opposite infinities give NaN, as in IEEE 754.
//! 3. **Infinities**: otherwise an infinite term makes the result that infinity, converted to
//!    `D` by `D::round_exact` (so under [`Overflow::Saturating`] it clamps to ± max).
//! 4. **Finite**: the products and the sum are computed **exactly** (no intermediate rounding,
//!    however far apart the terms), then rounded **once** to `D` under the given [`Rounding`]
//!    and [`Overflow`] (overflow decided after rounding).
//! 5. **Sign of zero** (IEEE 754 §6.3): an exact zero result whose addends are all zeros of
//!    one sign has that sign (a product's zero has the xor of its factors' signs), in every
//!    mode — `(+0) + (+0)` is `+0` even rounding down; any other exact zero sum (zeros of
//!    both signs, or nonzero addends that cancel) is `+0`, and `−0` under
//!    [`Rounding::Down`]. A nonzero sum that rounds to zero keeps its sign.

use super::kulisch::{sum_terms, Specials, Term, Value};
use crate::format::{LowpFloat, Overflow, Rounding};

/// Round the exact sum of `addends` once to `D` (the module's contract).
#[inline(always)]
fn fused_sum<D: LowpFloat>(addends: &[Value], rounding: Rounding, overflow: Overflow) -> D {
    let mut specials = Specials::NONE;
    let mut terms = [Term { neg: false, sig: 1, exp: 0 }; 3];
    let mut n = 0;
    for &v in addends {
        if let Some(t) = specials.record(v) {
            terms[n] = t;
            n += 1;
        }
    }
    let x = match specials.special() {
        Some(s) => s,
        None => sum_terms(&terms[..n]).unwrap_or_else(|| specials.zero(rounding)),
    };
    D::round_exact(x, rounding, overflow)
}

/// `c + a·b` with `a`, `b` in `S` and `c` in `D`: exact, rounded once to `D` (nearest-even,
/// `D`'s default overflow rule) — the expanding FMA. See the module's contract.
///
/// ```
/// use lowp::dot::exfma;
/// use lowp::{Float8E4M3FN, LowpFloat};
/// use half::f16;
/// let a = Float8E4M3FN::from_f64(448.0);
/// let y = exfma(a, a, -200703.0f32); // 448² = 200704, exactly
/// assert_eq!(y, 1.0);
/// let z = exfma(a, a, f16::from_f64(-60000.0)); // 140704 rounds once, to f16's +∞
/// assert!(z.is_infinite());
/// ```
#[inline]
pub fn exfma<S: LowpFloat, D: LowpFloat>(a: S, b: S, c: D) -> D {
    exfma_with(a, b, c, Rounding::NearestEven, D::DEFAULT_OVERFLOW)
}

/// [`exfma`] under a chosen rounding and overflow rule.
///
/// ```
/// use lowp::dot::exfma_with;
/// use lowp::{Float8E5M2, LowpFloat, Overflow, Rounding};
/// use half::f16;
/// let a = Float8E5M2::from_f64(0.25);
/// let c = f16::from_f64(1.0);
/// // 1 + 2^-10 · 2^-2 is not an f16: toward zero gives 1, up gives 1 + 2^-10.
/// let tiny = Float8E5M2::from_f64(1.0 / 1024.0);
/// assert_eq!(exfma_with(tiny, a, c, Rounding::TowardZero, Overflow::NonSaturating).to_f64(), 1.0);
/// assert_eq!(exfma_with(tiny, a, c, Rounding::Up, Overflow::NonSaturating).to_f64(), 1.0 + 1.0 / 1024.0);
/// ```
pub fn exfma_with<S: LowpFloat, D: LowpFloat>(a: S, b: S, c: D, rounding: Rounding, overflow: Overflow) -> D {
    fused_sum(&[Value::of(c), Value::of(a).mul(Value::of(b))], rounding, overflow)
}

/// `c + a0·b0 + a1·b1` with the `a`/`b` in `S` and `c` in `D`: both products and the sum
/// exact, rounded **once** to `D` (nearest-even, `D`'s default overflow rule) — the ExSdotp
/// unit of MiniFloat-NN, computed exactly (the hardware keeps the smallest addend as sticky
/// bits, which gives the same result). See the module's contract.
///
/// ```
/// use lowp::dot::{exsdotp, exfma};
/// use lowp::{Float8E5M2, LowpFloat};
/// use half::f16;
/// let big = Float8E5M2::from_f64(4096.0);
/// // 1 + 2^24 − 2^24 in f32: one rounding keeps the 1; rounding after each product loses it.
/// assert_eq!(exsdotp(big, big, -big, big, 1.0f32), 1.0);
/// assert_eq!(exfma(-big, big, exfma(big, big, 1.0f32)), 0.0);
/// // Into f16, 2^24 alone would overflow; the exact sum does not.
/// assert_eq!(exsdotp(big, big, -big, big, f16::from_f64(1.0)).to_f64(), 1.0);
/// ```
#[inline]
pub fn exsdotp<S: LowpFloat, D: LowpFloat>(a0: S, b0: S, a1: S, b1: S, c: D) -> D {
    exsdotp_with(a0, b0, a1, b1, c, Rounding::NearestEven, D::DEFAULT_OVERFLOW)
}

/// [`exsdotp`] under a chosen rounding and overflow rule.
///
/// ```
/// use lowp::dot::exsdotp_with;
/// use lowp::{Float8E4M3FN, LowpFloat, Overflow, Rounding};
/// let x = Float8E4M3FN::from_f64(448.0);
/// let y: half::f16 = exsdotp_with(x, x, x, x, half::f16::from_f64(0.0), Rounding::NearestEven, Overflow::Saturating);
/// assert_eq!(y.to_f64(), 65504.0); // 401408 saturates to f16's max
/// ```
pub fn exsdotp_with<S: LowpFloat, D: LowpFloat>(
    a0: S,
    b0: S,
    a1: S,
    b1: S,
    c: D,
    rounding: Rounding,
    overflow: Overflow,
) -> D {
    let p0 = Value::of(a0).mul(Value::of(b0));
    let p1 = Value::of(a1).mul(Value::of(b1));
    fused_sum(&[Value::of(c), p0, p1], rounding, overflow)
}

/// `c + a0 + a1` with `a0`, `a1` in `S` and `c` in `D`: exact, rounded once to `D`
/// (nearest-even, `D`'s default overflow rule) — the ExVsum companion of ExSdotp. See the
/// module's contract.
///
/// ```
/// use lowp::dot::exvsum;
/// use lowp::{Float4E2M1FN, LowpFloat};
/// let y: f32 = exvsum(Float4E2M1FN::from_f64(6.0), Float4E2M1FN::from_f64(-0.5), 1e-3f32);
/// assert_eq!(y, 5.501);
/// ```
#[inline]
pub fn exvsum<S: LowpFloat, D: LowpFloat>(a0: S, a1: S, c: D) -> D {
    exvsum_with(a0, a1, c, Rounding::NearestEven, D::DEFAULT_OVERFLOW)
}

/// [`exvsum`] under a chosen rounding and overflow rule.
///
/// ```
/// use lowp::dot::exvsum_with;
/// use lowp::{Float8E5M2, LowpFloat, Overflow, Rounding};
/// let z = Float8E5M2::from_f64(0.5);
/// let y: f32 = exvsum_with(z, -z, 0.0f32, Rounding::Down, Overflow::NonSaturating);
/// assert!(y == 0.0 && y.is_sign_negative()); // an exact zero sum is −0 when rounding down
/// ```
pub fn exvsum_with<S: LowpFloat, D: LowpFloat>(a0: S, a1: S, c: D, rounding: Rounding, overflow: Overflow) -> D {
    fused_sum(&[Value::of(c), Value::of(a0), Value::of(a1)], rounding, overflow)
}
