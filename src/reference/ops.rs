//! Reference arithmetic: IEEE special cases written out explicitly, exact results in
//! `rug::Rational` (add, sub, mul, fused multiply-add) or in MPFR with a known error
//! direction (div, sqrt), then one rounding with `NearestEven` / `NonSaturating`.

use core::cmp::Ordering;

use rug::float::Round;
use rug::{Float, Rational};

use super::{RefFormat, RefValue};
use crate::{Overflow, Rounding};

/// Working precision of the MPFR operations. The operands have at most 24 significant bits
/// (float32; 4 for the minifloats) and the thresholds of every format here need at most
/// `man_bits + 35 <= 58` bits, so 256 bits is far more than enough for
/// [`RefFormat::round_float`]'s precondition.
const MPFR_PREC: u32 = 256;

/// Exact IEEE addition on values (no rounding). Exact zero sums are `+0`, except
/// `(-0) + (-0) = -0` (round-to-nearest rule); `inf + (-inf)` is NaN.
pub fn exact_add(a: &RefValue, b: &RefValue) -> RefValue {
    use RefValue::*;
    match (a, b) {
        (Nan, _) | (_, Nan) => Nan,
        (Inf { neg: x }, Inf { neg: y }) => {
            if x == y {
                Inf { neg: *x }
            } else {
                Nan
            }
        }
        (Inf { neg }, _) | (_, Inf { neg }) => Inf { neg: *neg },
        (Zero { neg: x }, Zero { neg: y }) => Zero { neg: *x && *y },
        (Zero { .. }, Num(q)) | (Num(q), Zero { .. }) => Num(q.clone()),
        (Num(p), Num(q)) => {
            let s = Rational::from(p + q);
            if s == 0 {
                // x + (-x) = +0 under round-to-nearest.
                Zero { neg: false }
            } else {
                Num(s)
            }
        }
    }
}

/// Exact IEEE subtraction: `a + (-b)` (so `x - x = +0`, `(-0) - (+0) = -0`).
pub fn exact_sub(a: &RefValue, b: &RefValue) -> RefValue {
    exact_add(a, &b.negated())
}

/// Exact IEEE multiplication on values: `0 * inf` is NaN, signs of zeros and infinities are
/// the xor of the operand signs.
pub fn exact_mul(a: &RefValue, b: &RefValue) -> RefValue {
    use RefValue::*;
    match (a, b) {
        (Nan, _) | (_, Nan) => Nan,
        (Inf { .. }, Zero { .. }) | (Zero { .. }, Inf { .. }) => Nan,
        (Inf { .. } | Num(_), Inf { .. }) | (Inf { .. }, Num(_)) => Inf { neg: a.is_neg() != b.is_neg() },
        (Zero { .. }, Zero { .. } | Num(_)) | (Num(_), Zero { .. }) => Zero { neg: a.is_neg() != b.is_neg() },
        (Num(p), Num(q)) => Num(Rational::from(p * q)),
    }
}

/// Exact fused multiply-add `a * b + c` on values, one IEEE operation: NaN in any operand or
/// `0 * inf` gives NaN; `(±inf) + (∓inf)` gives NaN; an exact zero result is `-0` only when
/// the product is a zero and `c` is a zero and both are negative, else `+0`.
pub fn exact_mul_add(a: &RefValue, b: &RefValue, c: &RefValue) -> RefValue {
    // The product is exact, so "multiply exactly, then add exactly" is the fused operation,
    // and exact_add's zero-sign rule is IEEE's rule for fma as well.
    if a.is_nan() || b.is_nan() || c.is_nan() {
        return RefValue::Nan;
    }
    exact_add(&exact_mul(a, b), c)
}

impl RefFormat {
    /// Decodes the operand and rounds the exact result of an operation on values.
    fn round_op(&self, v: &RefValue) -> u32 {
        self.round(v, Rounding::NearestEven, Overflow::NonSaturating)
    }

    /// An operand as an exact MPFR number (every finite value of these formats fits).
    fn to_mpfr(&self, q: &Rational) -> Float {
        let (f, dir) = Float::with_val_round(MPFR_PREC, q, Round::Nearest);
        assert_eq!(dir, Ordering::Equal, "{}: operand not exact in MPFR", self.name());
        f
    }

    /// `a + b`, correctly rounded (NearestEven, NonSaturating).
    pub fn add(&self, a: u32, b: u32) -> u32 {
        self.round_op(&exact_add(&self.decode(a), &self.decode(b)))
    }

    /// `a - b`, correctly rounded (NearestEven, NonSaturating).
    pub fn sub(&self, a: u32, b: u32) -> u32 {
        self.round_op(&exact_sub(&self.decode(a), &self.decode(b)))
    }

    /// `a * b`, correctly rounded (NearestEven, NonSaturating).
    pub fn mul(&self, a: u32, b: u32) -> u32 {
        self.round_op(&exact_mul(&self.decode(a), &self.decode(b)))
    }

    /// `a * b + c` with a single rounding (NearestEven, NonSaturating).
    pub fn mul_add(&self, a: u32, b: u32, c: u32) -> u32 {
        self.round_op(&exact_mul_add(&self.decode(a), &self.decode(b), &self.decode(c)))
    }

    /// `a / b`, correctly rounded (NearestEven, NonSaturating). Specials per IEEE:
    /// `0/0` and `inf/inf` are NaN, `x/±0` (x != 0) is an infinity with the xor sign (then the
    /// format's rule for an infinite input), `x/±inf` is a zero with the xor sign. The
    /// quotient of two numbers is computed by MPFR at 256 bits and rounded with
    /// [`RefFormat::round_float`] using MPFR's ternary value.
    pub fn div(&self, a: u32, b: u32) -> u32 {
        use RefValue::*;
        let (x, y) = (self.decode(a), self.decode(b));
        let neg = x.is_neg() != y.is_neg();
        let v = match (&x, &y) {
            (Nan, _) | (_, Nan) => Nan,
            (Inf { .. }, Inf { .. }) | (Zero { .. }, Zero { .. }) => Nan,
            (Inf { .. }, Zero { .. } | Num(_)) => Inf { neg },
            (Zero { .. } | Num(_), Inf { .. }) => Zero { neg },
            (Num(_), Zero { .. }) => Inf { neg },
            (Zero { .. }, Num(_)) => Zero { neg },
            (Num(p), Num(q)) => {
                let (fp, fq) = (self.to_mpfr(p), self.to_mpfr(q));
                let (quot, ternary) = Float::with_val_round(MPFR_PREC, &fp / &fq, Round::Nearest);
                // MPFR's ternary is sign(quot - exact); round_float wants sign(exact - quot).
                return self.round_float(&quot, ternary.reverse(), Rounding::NearestEven, Overflow::NonSaturating);
            }
        };
        self.round_op(&v)
    }

    /// `sqrt(a)`, correctly rounded (NearestEven, NonSaturating): NaN and negative numbers
    /// (and `-inf`) give NaN, `sqrt(±0) = ±0`, `sqrt(+inf) = +inf`; positive numbers go through
    /// MPFR at 256 bits and [`RefFormat::round_float`] with MPFR's ternary value.
    pub fn sqrt(&self, a: u32) -> u32 {
        let v = match self.decode(a) {
            RefValue::Nan => RefValue::Nan,
            RefValue::Inf { neg: true } => RefValue::Nan,
            RefValue::Inf { neg: false } => RefValue::Inf { neg: false },
            RefValue::Zero { neg } => RefValue::Zero { neg },
            RefValue::Num(q) if q < 0 => RefValue::Nan,
            RefValue::Num(q) => {
                let mut f = self.to_mpfr(&q);
                let ternary = f.sqrt_round(Round::Nearest);
                // MPFR's ternary is sign(f - exact); round_float wants sign(exact - f).
                return self.round_float(&f, ternary.reverse(), Rounding::NearestEven, Overflow::NonSaturating);
            }
        };
        self.round_op(&v)
    }
}
