//! num-traits impls for the minifloats.

use num_traits::{Bounded, FromPrimitive, Num, NumCast, One, Signed, ToPrimitive, Zero};

use crate::exact::Exact;
use crate::format::{LowpFloat, Rounding};
use crate::minifloat::{Minifloat, SignedSpec, Spec};

impl<S: SignedSpec> Zero for Minifloat<S> {
    fn zero() -> Self {
        Self::from_bits(0)
    }
    fn is_zero(&self) -> bool {
        LowpFloat::is_zero(*self)
    }
}

impl<S: Spec> One for Minifloat<S> {
    fn one() -> Self {
        <Self as LowpFloat>::from_f64(1.0)
    }
}

impl<S: SignedSpec> Num for Minifloat<S> {
    type FromStrRadixErr = crate::decimal::ParseError;
    /// Only radix 10 is supported (any other radix is an error).
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
        if radix != 10 {
            return Err(crate::decimal::ParseError::Radix(radix));
        }
        s.parse()
    }
}

impl<S: SignedSpec> Signed for Minifloat<S> {
    fn abs(&self) -> Self {
        Minifloat::abs(*self)
    }
    fn abs_sub(&self, other: &Self) -> Self {
        if *self <= *other {
            Self::from_bits(0)
        } else {
            *self - *other
        }
    }
    /// 1.0, −1.0, or NaN (formats without NaN: 0) for NaN; ±0 gives 1.0 with its sign.
    fn signum(&self) -> Self {
        if self.is_nan() {
            return *self;
        }
        if LowpFloat::is_sign_negative(*self) {
            -Self::one()
        } else {
            Self::one()
        }
    }
    fn is_positive(&self) -> bool {
        !self.is_nan() && !LowpFloat::is_sign_negative(*self)
    }
    fn is_negative(&self) -> bool {
        LowpFloat::is_sign_negative(*self)
    }
}

impl<S: Spec> Bounded for Minifloat<S> {
    fn min_value() -> Self {
        <Self as LowpFloat>::min_value()
    }
    fn max_value() -> Self {
        <Self as LowpFloat>::max_value()
    }
}

impl<S: Spec> ToPrimitive for Minifloat<S> {
    /// Truncates toward zero; `None` for NaN, ∞ and out-of-range values.
    fn to_i64(&self) -> Option<i64> {
        self.to_exact().to_i64(Rounding::TowardZero).ok()
    }
    /// Truncates toward zero; `None` for NaN, ∞, negative and out-of-range values.
    fn to_u64(&self) -> Option<u64> {
        let v = self.to_exact();
        if v.is_sign_negative() {
            return match v.to_i64(Rounding::TowardZero) {
                Ok(0) => Some(0),
                _ => None,
            };
        }
        match v {
            Exact::Finite { neg: false, sig, exp, sticky } => {
                crate::round::round_to_integer(false, sig, exp, sticky, Rounding::TowardZero)
                    .and_then(|m| u64::try_from(m).ok())
            }
            Exact::Zero { .. } => Some(0),
            _ => None,
        }
    }
    fn to_f32(&self) -> Option<f32> {
        Some(Minifloat::to_f32(*self))
    }
    fn to_f64(&self) -> Option<f64> {
        Some(Minifloat::to_f64(*self))
    }
}

impl<S: Spec> FromPrimitive for Minifloat<S> {
    /// Nearest-even, the format's overflow rule.
    fn from_i64(n: i64) -> Option<Self> {
        Some(Self::from_i64_with(n, Rounding::NearestEven, S::DEFAULT_OVERFLOW))
    }
    /// Nearest-even, the format's overflow rule.
    fn from_u64(n: u64) -> Option<Self> {
        Some(Self::from_u64_with(n, Rounding::NearestEven, S::DEFAULT_OVERFLOW))
    }
    /// Nearest-even from the exact `f32`.
    fn from_f32(n: f32) -> Option<Self> {
        Some(<Self as LowpFloat>::from_f32(n))
    }
    /// Nearest-even from the exact `f64`.
    fn from_f64(n: f64) -> Option<Self> {
        Some(<Self as LowpFloat>::from_f64(n))
    }
}

impl<S: Spec> NumCast for Minifloat<S> {
    /// Through `f64` when the source converts to it exactly (every primitive float and integer
    /// up to 2^53); integers beyond that go through `i64`/`u64` with a single rounding.
    fn from<T: ToPrimitive>(n: T) -> Option<Self> {
        if let Some(f) = n.to_f64() {
            if f.abs() > 9007199254740992.0 {
                // Possibly an integer that f64 rounded: take it exactly when it is one.
                if let Some(i) = n.to_i64() {
                    if i as f64 == f {
                        return FromPrimitive::from_i64(i);
                    }
                }
                if let Some(u) = n.to_u64() {
                    if u as f64 == f {
                        return FromPrimitive::from_u64(u);
                    }
                }
            }
            return Some(<Self as LowpFloat>::from_f64(f));
        }
        None
    }
}
