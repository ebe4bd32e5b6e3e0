//! num-traits impls for posits, on the model of the minifloats' (`src/num.rs`).
//!
//! Posits have one zero (no sign) and one NaR (not a real), so a few choices differ from the
//! floats': [`Signed::signum`] of 0 is 0 and of NaR is NaR, [`Signed::is_positive`] is false
//! for 0 and NaR, and every conversion *from* a primitive saturates (a nonzero value never
//! becomes 0 or NaR; NaN and ±∞ give NaR). Conversions *to* integers truncate toward zero and
//! give `None` for NaR and for values outside the target type.
//!
//! ```
//! use lowp::P16;
//! use num_traits::{FromPrimitive, Num, One, Signed, ToPrimitive, Zero};
//! let x = P16::from_i64(-7).unwrap();
//! assert_eq!(x.to_i64(), Some(-7));
//! assert_eq!(Signed::abs(&x).to_u8(), Some(7));
//! assert_eq!(x.signum(), -P16::one());
//! assert_eq!(P16::zero().signum(), P16::zero());
//! assert!(P16::nar().signum().is_nar());
//! assert_eq!(P16::nar().to_i64(), None);
//! assert_eq!(P16::from_str_radix("2.5", 10).unwrap().to_i64(), Some(2)); // toward zero
//! assert!(P16::from_str_radix("10", 16).is_err());
//! ```

use num_traits::{Bounded, FromPrimitive, Num, NumCast, One, Signed, ToPrimitive, Zero};

use super::{Posit, Width, WidthStorage};
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};

impl<const N: u32, const ES: u32> Zero for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// The posit zero (code 0).
    #[inline]
    fn zero() -> Self {
        Self::from_code(0)
    }
    #[inline]
    fn is_zero(&self) -> bool {
        LowpFloat::is_zero(*self)
    }
}

impl<const N: u32, const ES: u32> One for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// One (exact in every posit format).
    #[inline]
    fn one() -> Self {
        <Self as LowpFloat>::from_f64(1.0)
    }
}

impl<const N: u32, const ES: u32> Num for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    type FromStrRadixErr = crate::decimal::ParseError;
    /// Only radix 10 is supported (any other radix is [`ParseError::Radix`]); the string is
    /// read as by [`FromStr`](core::str::FromStr) (correctly rounded, `NaR` accepted).
    ///
    /// [`ParseError::Radix`]: crate::decimal::ParseError::Radix
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
        if radix != 10 {
            return Err(crate::decimal::ParseError::Radix(radix));
        }
        s.parse()
    }
}

impl<const N: u32, const ES: u32> Signed for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Absolute value (exact: two's-complement negation); NaR stays NaR.
    #[inline]
    fn abs(&self) -> Self {
        Posit::abs(*self)
    }
    /// `self - other` (rounded once) if `self > other`, else 0; NaR if either is NaR.
    fn abs_sub(&self, other: &Self) -> Self {
        if self.is_nar() || other.is_nar() {
            return Self::nar();
        }
        if *self <= *other {
            Self::zero()
        } else {
            *self - *other
        }
    }
    /// 1 for a positive value, −1 for a negative one, 0 for zero (posits have one, unsigned,
    /// zero), NaR for NaR.
    fn signum(&self) -> Self {
        if self.is_nar() || LowpFloat::is_zero(*self) {
            return *self;
        }
        if LowpFloat::is_sign_negative(*self) {
            -Self::one()
        } else {
            Self::one()
        }
    }
    /// Strictly positive (false for 0 and NaR).
    #[inline]
    fn is_positive(&self) -> bool {
        self.signed() > 0
    }
    /// Strictly negative (false for 0 and NaR).
    #[inline]
    fn is_negative(&self) -> bool {
        LowpFloat::is_sign_negative(*self)
    }
}

impl<const N: u32, const ES: u32> Bounded for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// −maxpos.
    fn min_value() -> Self {
        <Self as LowpFloat>::min_value()
    }
    /// maxpos.
    fn max_value() -> Self {
        <Self as LowpFloat>::max_value()
    }
}

/// The value of a posit truncated toward zero, as `(negative, magnitude)`; `None` for NaR and
/// for magnitudes of 2^128 and above (posit<N, ES> reaches 2^((N − 2)·2^ES)).
fn trunc_magnitude(x: Exact) -> Option<(bool, u128)> {
    match x {
        Exact::Zero { .. } => Some((false, 0)),
        Exact::Finite { neg, sig, exp, sticky } => {
            if exp >= 0 {
                // Exact integer sig·2^exp: fits when its bit length is at most 128.
                let bits = 64 - sig.leading_zeros();
                if bits + exp as u32 > 128 {
                    return None;
                }
                Some((neg, (sig as u128) << exp))
            } else {
                crate::round::round_to_integer(neg, sig, exp, sticky, Rounding::TowardZero).map(|m| (neg, m))
            }
        }
        Exact::Nan | Exact::Inf { .. } => None,
    }
}

impl<const N: u32, const ES: u32> ToPrimitive for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Truncates toward zero; `None` for NaR and values outside `i64`.
    fn to_i64(&self) -> Option<i64> {
        self.to_exact().to_i64(Rounding::TowardZero).ok()
    }
    /// Truncates toward zero; `None` for NaR, values ≤ −1 and values outside `u64`.
    fn to_u64(&self) -> Option<u64> {
        match trunc_magnitude(self.to_exact())? {
            (_, 0) => Some(0),
            (true, _) => None,
            (false, m) => u64::try_from(m).ok(),
        }
    }
    /// Truncates toward zero; `None` for NaR and values outside `i128`.
    fn to_i128(&self) -> Option<i128> {
        match trunc_magnitude(self.to_exact())? {
            (true, m) if m <= 1u128 << 127 => Some((m as i128).wrapping_neg()),
            (false, m) => i128::try_from(m).ok(),
            _ => None,
        }
    }
    /// Truncates toward zero; `None` for NaR, values ≤ −1 and values outside `u128`.
    fn to_u128(&self) -> Option<u128> {
        match trunc_magnitude(self.to_exact())? {
            (_, 0) => Some(0),
            (true, _) => None,
            (false, m) => Some(m),
        }
    }
    /// Nearest-even (exact for N ≤ 24 and ES ≤ 2 inside f32's range); NaR gives NaN.
    fn to_f32(&self) -> Option<f32> {
        Some(LowpFloat::to_f32(*self))
    }
    /// Nearest-even: exact for N ≤ 32 (and for any value with at most 53 significant bits;
    /// every posit up to posit<64,4> is inside f64's range); NaR gives NaN.
    fn to_f64(&self) -> Option<f64> {
        Some(Posit::to_f64(*self))
    }
}

/// A `u128` magnitude as an [`Exact`] (the low bits below 64 significant ones fold into
/// `sticky`, which is all a posit of at most 64 bits — at most 62 significant bits — needs
/// for a single correct rounding).
fn exact_from_u128(neg: bool, m: u128) -> Exact {
    if m == 0 {
        return Exact::Zero { neg: false };
    }
    let shift = (128 - m.leading_zeros()).saturating_sub(64);
    let sig = (m >> shift) as u64;
    let sticky = shift > 0 && m & ((1u128 << shift) - 1) != 0;
    Exact::Finite { neg, sig, exp: shift as i32, sticky }
}

impl<const N: u32, const ES: u32> FromPrimitive for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Nearest-even on the bit string, saturating at ±maxpos (never `None`).
    fn from_i64(n: i64) -> Option<Self> {
        Some(Self::from_i64_with(n, Rounding::NearestEven, Overflow::Saturating))
    }
    /// Nearest-even on the bit string, saturating at maxpos (never `None`).
    fn from_u64(n: u64) -> Option<Self> {
        Some(Self::from_u64_with(n, Rounding::NearestEven, Overflow::Saturating))
    }
    /// Nearest-even on the bit string with a single rounding, saturating (never `None`).
    fn from_i128(n: i128) -> Option<Self> {
        let x = exact_from_u128(n < 0, n.unsigned_abs());
        Some(Self::round_exact(x, Rounding::NearestEven, Overflow::Saturating))
    }
    /// Nearest-even on the bit string with a single rounding, saturating (never `None`).
    fn from_u128(n: u128) -> Option<Self> {
        let x = exact_from_u128(false, n);
        Some(Self::round_exact(x, Rounding::NearestEven, Overflow::Saturating))
    }
    /// Nearest-even from the exact `f32` (NaN and ±∞ give NaR).
    fn from_f32(n: f32) -> Option<Self> {
        Some(<Self as LowpFloat>::from_f32(n))
    }
    /// Nearest-even from the exact `f64` (NaN and ±∞ give NaR).
    fn from_f64(n: f64) -> Option<Self> {
        Some(<Self as LowpFloat>::from_f64(n))
    }
}

impl<const N: u32, const ES: u32> NumCast for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Through `f64` when the source converts to it exactly (every primitive float and integer
    /// up to 2^53); larger integers go through `i128`/`u128` with a single rounding.
    fn from<T: ToPrimitive>(n: T) -> Option<Self> {
        let f = n.to_f64()?;
        if f.abs() > 9007199254740992.0 {
            // Possibly an integer that f64 rounded: take it exactly when it is one.
            if let Some(i) = n.to_i128() {
                if i as f64 == f {
                    return FromPrimitive::from_i128(i);
                }
            }
            if let Some(u) = n.to_u128() {
                if u as f64 == f {
                    return FromPrimitive::from_u128(u);
                }
            }
        }
        Some(<Self as LowpFloat>::from_f64(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{P16, P32, P8, P8E0};

    #[test]
    fn basics() {
        assert_eq!(P16::zero().to_bits(), 0);
        assert_eq!(P16::one().to_bits(), 0x4000);
        assert_eq!(P8E0::one().to_bits(), 0x40);
        assert!(P8::zero().is_zero());
        assert_eq!(<P8 as Bounded>::max_value().to_bits(), 0x7f);
        assert_eq!(<P8 as Bounded>::min_value().to_bits(), 0x81);
        assert_eq!(<P16 as Num>::from_str_radix("3", 10).unwrap().to_bits(), 0x4c00);
        assert_eq!(<P16 as Num>::from_str_radix("3", 2), Err(crate::decimal::ParseError::Radix(2)));
    }

    #[test]
    fn signed() {
        let m = P16::from_f64(-2.5);
        assert_eq!(Signed::abs(&m), P16::from_f64(2.5));
        assert_eq!(m.signum(), -P16::one());
        assert_eq!(P16::from_f64(1e-8).signum(), P16::one());
        assert!(P16::zero().signum().is_zero());
        assert!(P16::nar().signum().is_nar());
        assert!(Signed::abs(&P16::nar()).is_nar());
        assert!(!P16::zero().is_positive() && !P16::zero().is_negative());
        assert!(!P16::nar().is_positive() && !P16::nar().is_negative());
        assert!(m.is_negative() && (-m).is_positive());
        assert_eq!(P16::from_f64(3.0).abs_sub(&P16::from_f64(1.0)), P16::from_f64(2.0));
        assert!(P16::from_f64(1.0).abs_sub(&P16::from_f64(3.0)).is_zero());
        assert!(P16::nar().abs_sub(&P16::one()).is_nar());
    }

    #[test]
    fn to_primitive() {
        assert_eq!(P16::from_f64(-2.75).to_i64(), Some(-2));
        assert_eq!(P16::from_f64(-0.75).to_u64(), Some(0));
        assert_eq!(P16::from_f64(-1.0).to_u64(), None);
        assert_eq!(P16::from_f64(2.75).to_u8(), Some(2));
        assert_eq!(P16::nar().to_i64(), None);
        assert_eq!(P16::nar().to_u64(), None);
        assert_eq!(P16::nar().to_i128(), None);
        assert!(ToPrimitive::to_f64(&P16::nar()).unwrap().is_nan());
        // maxpos of posit32 is 2^120: outside i64, inside i128 / u128.
        let max = <P32 as Bounded>::max_value();
        assert_eq!(max.to_i64(), None);
        assert_eq!(max.to_u64(), None);
        assert_eq!(max.to_i128(), Some(1i128 << 120));
        assert_eq!(max.to_u128(), Some(1u128 << 120));
        assert_eq!((-max).to_i128(), Some(-(1i128 << 120)));
        assert_eq!((-max).to_u128(), None);
        // posit<32,3> reaches 2^240: outside every integer type.
        let big = <crate::Posit<32, 3> as Bounded>::max_value();
        assert_eq!(big.to_u128(), None);
        assert_eq!(big.to_i128(), None);
        assert_eq!(P8::from_f64(16.0).to_i8(), Some(16));
        assert_eq!(P8::from_f64(256.0).to_i8(), None);
    }

    #[test]
    fn from_primitive() {
        assert_eq!(P16::from_i64(3).unwrap().to_bits(), 0x4c00);
        assert_eq!(P16::from_u64(u64::MAX).unwrap(), <P16 as Bounded>::max_value());
        assert_eq!(P8E0::from_i64(-1_000_000).unwrap(), <P8E0 as Bounded>::min_value());
        assert!(<P16 as FromPrimitive>::from_f64(f64::NAN).unwrap().is_nar());
        assert!(<P16 as FromPrimitive>::from_f32(f32::INFINITY).unwrap().is_nar());
        // 2^100 + 1 rounds once to 2^100 in posit32 (exact value, not through f64).
        let x = <P32 as FromPrimitive>::from_u128((1u128 << 100) + 1).unwrap();
        assert_eq!(x.to_f64(), 2f64.powi(100));
        assert_eq!(<P32 as FromPrimitive>::from_i128(-(1i128 << 100)).unwrap().to_f64(), -(2f64.powi(100)));
        // posit32 at 2^70 keeps 10 fraction bits (ulp 2^60): 2^70 + 2^59 is a tie (to even,
        // 2^70); one more unit, 59 bits further down, folds into sticky and rounds up.
        let t = (1u128 << 70) + (1u128 << 59);
        assert_eq!(<P32 as FromPrimitive>::from_u128(t).unwrap().to_f64(), 2f64.powi(70));
        assert_eq!(<P32 as FromPrimitive>::from_u128(t + 1).unwrap().to_f64(), 2f64.powi(70) + 2f64.powi(60));
        assert_eq!(
            <P32 as FromPrimitive>::from_i128(-(t as i128) - 1).unwrap().to_f64(),
            -(2f64.powi(70) + 2f64.powi(60))
        );
        assert_eq!(<P32 as FromPrimitive>::from_u128(3u128 << 90).unwrap().to_f64(), 3.0 * 2f64.powi(90));
        assert_eq!(<P32 as FromPrimitive>::from_u128(u128::MAX).unwrap(), <P32 as Bounded>::max_value());
    }

    #[test]
    fn num_cast() {
        assert_eq!(<P16 as NumCast>::from(3u8).unwrap().to_bits(), 0x4c00);
        assert_eq!(<P16 as NumCast>::from(-0.5f32).unwrap(), P16::from_f64(-0.5));
        // 2^53 + 1 as u64 is taken exactly (f64 would round it to 2^53 first).
        let v = (1u64 << 53) + 1;
        let a: P32 = NumCast::from(v).unwrap();
        assert_eq!(a, P32::from_u64_with(v, Rounding::NearestEven, Overflow::Saturating));
        let b: P32 = NumCast::from(i128::MIN).unwrap();
        assert_eq!(b.to_f64(), -(2f64.powi(120)));
    }
}
