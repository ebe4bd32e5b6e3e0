//! Exact values in decomposed form, the common currency between formats.
//!
//! Every conversion into a format goes through [`Exact`] and the one rounding core in
//! [`crate::round`]; the exact arithmetic here (used by fused operations) never rounds — it
//! only folds bits that cannot matter into a sticky flag.

use crate::format::{ConversionError, Overflow, Rounding};
use crate::round;

/// An exact (or sticky-bounded) real value: `(-1)^neg · (sig + δ) · 2^exp` with `δ = 0` when
/// `sticky` is false and `0 < δ < 1` when it is true.
///
/// ```
/// use lowp::Exact;
/// assert_eq!(Exact::from_f64(0.75), Exact::Finite { neg: false, sig: 3 << 51, exp: -53, sticky: false });
/// assert_eq!(Exact::from_i64(-12), Exact::Finite { neg: true, sig: 12, exp: 0, sticky: false });
/// assert_eq!(Exact::from_f64(0.75).to_f64(), 0.75);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exact {
    /// Not a number (or posit NaR).
    Nan,
    /// ±∞.
    Inf {
        /// Sign.
        neg: bool,
    },
    /// ±0.
    Zero {
        /// Sign.
        neg: bool,
    },
    /// A nonzero finite value; `sig >= 1`. Not normalised: `sig` may have trailing zeros.
    /// When `sticky` is set, `sig` must be full width (`sig >= 2^63`) so that every format's
    /// rounding position lies inside it; the crate's exact arithmetic always ensures that.
    Finite {
        /// Sign.
        neg: bool,
        /// Integer significand, at least 1.
        sig: u64,
        /// Binary exponent of the significand's unit bit.
        exp: i32,
        /// The true value lies strictly between `sig` and `sig + 1` units.
        sticky: bool,
    },
}

impl Exact {
    /// Decompose an `f64` exactly.
    #[inline]
    pub fn from_f64(x: f64) -> Exact {
        round::F64_LAYOUT.decode(x.to_bits())
    }

    /// Decompose an `f32` exactly.
    #[inline]
    pub fn from_f32(x: f32) -> Exact {
        round::F32_LAYOUT.decode(x.to_bits() as u64)
    }

    /// An integer, exactly.
    #[inline]
    pub fn from_i64(x: i64) -> Exact {
        let neg = x < 0;
        match x.unsigned_abs() {
            0 => Exact::Zero { neg: false },
            m => Exact::Finite { neg, sig: m, exp: 0, sticky: false },
        }
    }

    /// An unsigned integer, exactly.
    #[inline]
    pub fn from_u64(x: u64) -> Exact {
        match x {
            0 => Exact::Zero { neg: false },
            m => Exact::Finite { neg: false, sig: m, exp: 0, sticky: false },
        }
    }

    /// Round to `f64`, nearest-even (exact whenever the value fits).
    #[inline]
    pub fn to_f64(self) -> f64 {
        f64::from_bits(round::round_ieee(self, &round::F64_LAYOUT, Rounding::NearestEven, Overflow::NonSaturating))
    }

    /// Round to `f32`, nearest-even.
    #[inline]
    pub fn to_f32(self) -> f32 {
        f32::from_bits(
            round::round_ieee(self, &round::F32_LAYOUT, Rounding::NearestEven, Overflow::NonSaturating) as u32
        )
    }

    /// Round to an integer under `rounding`; NaN and values outside `i64` are errors.
    pub fn to_i64(self, rounding: Rounding) -> Result<i64, ConversionError> {
        match self {
            Exact::Nan => Err(ConversionError::NotANumber),
            Exact::Inf { .. } => Err(ConversionError::OutOfRange),
            Exact::Zero { .. } => Ok(0),
            Exact::Finite { neg, sig, exp, sticky } => {
                let mag =
                    round::round_to_integer(neg, sig, exp, sticky, rounding).ok_or(ConversionError::OutOfRange)?;
                if neg {
                    if mag <= 1u128 << 63 {
                        Ok((mag as i128).wrapping_neg() as i64)
                    } else {
                        Err(ConversionError::OutOfRange)
                    }
                } else if mag < 1u128 << 63 {
                    Ok(mag as i64)
                } else {
                    Err(ConversionError::OutOfRange)
                }
            }
        }
    }

    /// Is this a negative value (or −0, −∞)?
    #[inline]
    pub fn is_sign_negative(self) -> bool {
        match self {
            Exact::Nan => false,
            Exact::Inf { neg } | Exact::Zero { neg } | Exact::Finite { neg, .. } => neg,
        }
    }
}

impl core::ops::Neg for Exact {
    type Output = Exact;
    /// The negated value.
    #[inline]
    fn neg(self) -> Exact {
        match self {
            Exact::Nan => Exact::Nan,
            Exact::Inf { neg } => Exact::Inf { neg: !neg },
            Exact::Zero { neg } => Exact::Zero { neg: !neg },
            Exact::Finite { neg, sig, exp, sticky } => Exact::Finite { neg: !neg, sig, exp, sticky },
        }
    }
}

impl core::ops::Mul for Exact {
    type Output = Exact;
    /// Exact product with IEEE special-value rules. Inputs must not be sticky.
    fn mul(self, rhs: Exact) -> Exact {
        use Exact::*;
        match (self, rhs) {
            (Nan, _) | (_, Nan) => Nan,
            (Inf { .. }, Zero { .. }) | (Zero { .. }, Inf { .. }) => Nan,
            (Inf { neg: a }, b) | (b, Inf { neg: a }) => Inf { neg: a ^ b.is_sign_negative() },
            (Zero { neg: a }, b) | (b, Zero { neg: a }) => Zero { neg: a ^ b.is_sign_negative() },
            (Finite { neg: na, sig: sa, exp: ea, sticky: ka }, Finite { neg: nb, sig: sb, exp: eb, sticky: kb }) => {
                debug_assert!(!ka && !kb, "Exact::mul takes exact operands");
                let p = sa as u128 * sb as u128;
                compress(na ^ nb, p, ea + eb, false)
            }
        }
    }
}

impl core::ops::Add for Exact {
    type Output = Exact;
    /// Exact sum with IEEE special-value rules (an exact zero sum of nonzero terms is +0, as
    /// under round-to-nearest). Inputs must not be sticky.
    fn add(self, rhs: Exact) -> Exact {
        use Exact::*;
        match (self, rhs) {
            (Nan, _) | (_, Nan) => Nan,
            (Inf { neg: a }, Inf { neg: b }) => {
                if a == b {
                    Inf { neg: a }
                } else {
                    Nan
                }
            }
            (Inf { neg }, _) | (_, Inf { neg }) => Inf { neg },
            (Zero { neg: a }, Zero { neg: b }) => Zero { neg: a && b },
            (Zero { .. }, x) | (x, Zero { .. }) => x,
            (Finite { neg: na, sig: sa, exp: ea, sticky: ka }, Finite { neg: nb, sig: sb, exp: eb, sticky: kb }) => {
                debug_assert!(!ka && !kb, "Exact::add takes exact operands");
                add_finite(na, sa, ea, nb, sb, eb)
            }
        }
    }
}

impl Exact {
    /// `a · b + c` exactly (one rounding happens later, in the caller's format).
    ///
    /// ```
    /// use lowp::Exact;
    /// let x = Exact::fma(Exact::from_f64(3.0), Exact::from_f64(0.5), Exact::from_f64(-1.5));
    /// assert_eq!(x, Exact::Zero { neg: false });
    /// ```
    #[inline]
    pub fn fma(a: Exact, b: Exact, c: Exact) -> Exact {
        // IEEE: a·b + c with a·b = ±0 exactly and c = ±0 follows the zero-sum sign rule.
        a * b + c
    }
}

/// Bit length of a nonzero u128.
#[inline]
fn bitlen(x: u128) -> i32 {
    128 - x.leading_zeros() as i32
}

/// Narrow a 128-bit exact significand to 64 bits, folding lost bits into `sticky`.
#[inline]
pub(crate) fn compress(neg: bool, sig: u128, exp: i32, sticky: bool) -> Exact {
    debug_assert!(sig != 0);
    let len = bitlen(sig);
    if len <= 64 {
        return Exact::Finite { neg, sig: sig as u64, exp, sticky };
    }
    let sh = (len - 64) as u32;
    let lost = sig & ((1u128 << sh) - 1);
    Exact::Finite { neg, sig: (sig >> sh) as u64, exp: exp + sh as i32, sticky: sticky || lost != 0 }
}

fn add_finite(na: bool, sa: u64, ea: i32, nb: bool, sb: u64, eb: i32) -> Exact {
    let top_a = ea + bitlen(sa as u128);
    let top_b = eb + bitlen(sb as u128);
    let top = top_a.max(top_b);
    // Common unit exponent: as low as the lower operand, but keep the window within 126 bits
    // so the sum cannot overflow a u128.
    let unit = ea.min(eb).max(top - 126);
    let align = |s: u64, e: i32| -> (u128, bool) {
        if e >= unit {
            ((s as u128) << (e - unit), false)
        } else {
            let sh = (unit - e) as u32;
            if sh >= 64 {
                (0, true)
            } else {
                ((s as u128) >> sh, (s & ((1u64 << sh) - 1)) != 0)
            }
        }
    };
    let (xa, la) = align(sa, ea);
    let (xb, lb) = align(sb, eb);
    // At most one operand (the far smaller one) lost bits.
    let lost = la || lb;
    if na == nb {
        return compress(na, xa + xb, unit, lost);
    }
    // Opposite signs: subtract the smaller magnitude. When bits were lost from the smaller
    // operand the true difference is `big - small_trunc - δ`, i.e. `(big - small_trunc - 1) + (1 - δ)`.
    let (big, small, neg) = if xa > xb || (xa == xb && !lb) { (xa, xb, na) } else { (xb, xa, nb) };
    let diff = big - small;
    if lost {
        compress(neg, diff - 1, unit, true)
    } else if diff == 0 {
        Exact::Zero { neg: false }
    } else {
        compress(neg, diff, unit, false)
    }
}

impl core::ops::Div for Exact {
    type Output = Exact;
    /// Quotient with IEEE special-value rules: 64 or more correct bits with a sticky flag for the
    /// remainder (enough for a single correct rounding into any format of up to 62 bits).
    /// Inputs must not be sticky.
    fn div(self, rhs: Exact) -> Exact {
        use Exact::*;
        match (self, rhs) {
            (Nan, _) | (_, Nan) => Nan,
            (Inf { .. }, Inf { .. }) | (Zero { .. }, Zero { .. }) => Nan,
            (Inf { neg: a }, b) => Inf { neg: a ^ b.is_sign_negative() },
            (a, Inf { neg: b }) => Zero { neg: a.is_sign_negative() ^ b },
            (Zero { neg: a }, b) => Zero { neg: a ^ b.is_sign_negative() },
            (a, Zero { neg: b }) => Inf { neg: a.is_sign_negative() ^ b },
            (Finite { neg: na, sig: sa, exp: ea, sticky: ka }, Finite { neg: nb, sig: sb, exp: eb, sticky: kb }) => {
                debug_assert!(!ka && !kb, "Exact::div takes exact operands");
                // Scale the dividend to 128 bits: the quotient then has at least 64 bits.
                let sh = sa.leading_zeros() + 64;
                let num = (sa as u128) << sh;
                let q = num / sb as u128;
                let r = num % sb as u128;
                compress(na ^ nb, q, ea - eb - sh as i32, r != 0)
            }
        }
    }
}

impl Exact {
    /// Square root with IEEE special-value rules (√−0 = −0, √x<0 = NaN): a 64-bit root with a
    /// sticky flag for the remainder. The input must not be sticky.
    ///
    /// ```
    /// use lowp::Exact;
    /// assert_eq!(Exact::from_f64(2.25).sqrt().to_f64(), 1.5);
    /// assert_eq!(Exact::from_f64(2.0).sqrt().to_f64(), 2f64.sqrt());
    /// ```
    pub fn sqrt(self) -> Exact {
        match self {
            Exact::Nan | Exact::Inf { neg: true } | Exact::Finite { neg: true, .. } => Exact::Nan,
            Exact::Inf { neg: false } | Exact::Zero { .. } => self,
            Exact::Finite { neg: false, sig, exp, sticky } => {
                debug_assert!(!sticky, "Exact::sqrt takes an exact operand");
                // m = sig << s in [2^126, 2^128) with exp - s even; root in [2^63, 2^64).
                let mut s = sig.leading_zeros() + 64;
                if (exp - s as i32) % 2 != 0 {
                    s -= 1;
                }
                let m = (sig as u128) << s;
                let root = m.isqrt();
                let rem = m - root * root;
                Exact::Finite { neg: false, sig: root as u64, exp: (exp - s as i32) / 2, sticky: rem != 0 }
            }
        }
    }
}
