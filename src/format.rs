//! The family trait every scalar format implements, and the rounding vocabulary.

use core::fmt::{Debug, Display};
use core::ops::{Add, Div, Mul, Neg, Sub};

use crate::exact::Exact;

/// How an exact value is rounded to a format.
///
/// Directed modes follow IEEE 754: `Up` is toward +∞, `Down` toward −∞.
///
/// `Stochastic(r)` rounds with caller-supplied random bits: with `lo < |x| < hi` the two
/// neighbouring values of the format and `frac = (|x| - lo) / (hi - lo)`, the result is `hi`
/// exactly when `frac · 2³² > r`. With `r` uniform on `0..2³²` the probability of rounding away
/// from zero is `⌈frac · 2³²⌉ / 2³²`, i.e. `frac` to within 2⁻³²; an exact `x` never moves.
///
/// ```
/// use lowp::{Rounding, Overflow, LowpFloat, Float8E4M3FN};
/// let x = 1.0 + 1.0 / 32.0; // a quarter of the way from 1.0 to 1.125
/// assert_eq!(Float8E4M3FN::from_f64_with(x, Rounding::Up, Overflow::Saturating).to_f64(), 1.125);
/// assert_eq!(Float8E4M3FN::from_f64_with(x, Rounding::Stochastic(u32::MAX / 8), Overflow::Saturating).to_f64(), 1.125);
/// assert_eq!(Float8E4M3FN::from_f64_with(x, Rounding::Stochastic(u32::MAX / 2), Overflow::Saturating).to_f64(), 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// Round to nearest, ties to the even code (the IEEE and OCP default).
    #[default]
    NearestEven,
    /// Truncate toward zero.
    TowardZero,
    /// Toward +∞.
    Up,
    /// Toward −∞.
    Down,
    /// Stochastic rounding driven by 32 caller-supplied random bits (see the type's docs).
    Stochastic(u32),
}

/// What a conversion does with a value whose rounded magnitude exceeds the largest finite one.
///
/// Overflow is decided **after** rounding (so `464` rounds to `448` in E4M3 under nearest-even,
/// while `465` overflows).
///
/// ```
/// use lowp::{Rounding, Overflow, LowpFloat, Float8E4M3FN};
/// assert!(Float8E4M3FN::from_f64_with(1e6, Rounding::NearestEven, Overflow::NonSaturating).is_nan());
/// assert_eq!(Float8E4M3FN::from_f64_with(1e6, Rounding::NearestEven, Overflow::Saturating).to_f64(), 448.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Overflow {
    /// Clamp to ± the largest finite value (NVIDIA `satfinite`, what most quantizers do).
    /// Infinite inputs clamp too; NaN stays NaN.
    Saturating,
    /// IEEE / OCP non-saturating mode (the ml_dtypes behaviour): overflow gives ±∞ where the
    /// format has infinities, NaN where it has only NaN, and ± max for formats with neither
    /// (FP6, FP4). A rounding direction toward zero still gives ± max, as in IEEE 754.
    NonSaturating,
}

/// Why a checked conversion could not produce a value.
///
/// ```
/// use lowp::{ConversionError, LowpFloat, Float4E2M1FN, Float8E4M3FN, Rounding, Overflow};
/// let e = Float4E2M1FN::try_from_f64_with(f64::NAN, Rounding::NearestEven, Overflow::Saturating);
/// assert_eq!(e, Err(ConversionError::NanUnrepresentable { format: "float4_e2m1fn" }));
/// assert_eq!(Float8E4M3FN::nan().unwrap().to_i64_with(Rounding::NearestEven), Err(ConversionError::NotANumber));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConversionError {
    /// The input is NaN and the format has no NaN encoding.
    NanUnrepresentable {
        /// The target format.
        format: &'static str,
    },
    /// The input is NaN/NaR and the target (an integer) has no such value.
    NotANumber,
    /// The rounded value is out of the target's range.
    OutOfRange,
}

impl Display for ConversionError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConversionError::NanUnrepresentable { format } => {
                write!(f, "NaN cannot be represented in {format} (the format has no NaN)")
            }
            ConversionError::NotANumber => f.write_str("NaN/NaR has no integer value"),
            ConversionError::OutOfRange => f.write_str("value out of the target's range"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConversionError {}

/// The family trait: every scalar format of the crate (minifloats, and `half::f16`,
/// `half::bf16`, `f32` as accumulators and baselines) answers to it, so generic code is written
/// once.
///
/// Conversions from wider values are correctly rounded: the exact input is rounded once, by
/// the crate's one rounding core, under the given [`Rounding`] and [`Overflow`].
///
/// ```
/// use lowp::{LowpFloat, Float8E4M3FN, Float8E5M2};
/// fn roundtrip<T: LowpFloat>(x: f64) -> f64 { T::from_f64(x).to_f64() }
/// assert_eq!(roundtrip::<Float8E4M3FN>(0.1), 0.1015625);
/// assert_eq!(roundtrip::<Float8E5M2>(0.1), 0.09375);
/// assert_eq!(roundtrip::<half::f16>(0.1), 0.0999755859375);
/// ```
pub trait LowpFloat:
    Copy
    + Default
    + PartialEq
    + PartialOrd
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// The storage integer (`u8` for formats of 8 bits or fewer, codes in its low bits).
    type Bits: Copy + Eq + Ord + core::hash::Hash + Debug + Into<u64>;
    /// The format's name (ml_dtypes spelling for minifloats).
    const NAME: &'static str;
    /// Number of significant bits of the encoding (6 for FP6, though it is stored in a byte).
    const BITS: u32;
    /// Overflow rule of the plain conversions and of the operators.
    const DEFAULT_OVERFLOW: Overflow;

    /// The raw encoding (the low `BITS` bits are meaningful; higher bits are ignored).
    fn from_bits(bits: Self::Bits) -> Self;
    /// The raw encoding.
    fn to_bits(self) -> Self::Bits;
    /// The exact value, decomposed (sign, integer significand, binary exponent).
    fn to_exact(self) -> Exact;
    /// Round an exact value once, under `rounding` and `overflow`. Every conversion into the
    /// format goes through here.
    fn round_exact(x: Exact, rounding: Rounding, overflow: Overflow) -> Self;
    /// The value as `f64`: exact for every format of this crate up to 32 bits.
    fn to_f64(self) -> f64 {
        self.to_exact().to_f64()
    }
    /// The value as `f32`, rounded to nearest even (exact for every minifloat, `f16`, `bf16`).
    fn to_f32(self) -> f32 {
        self.to_exact().to_f32()
    }

    /// Largest finite value.
    fn max_value() -> Self;
    /// Most negative finite value (the smallest value for unsigned formats).
    fn min_value() -> Self;
    /// Smallest positive normal value.
    fn min_positive() -> Self;
    /// Smallest positive value (the smallest subnormal where there are subnormals).
    fn min_positive_subnormal() -> Self;
    /// Distance from 1.0 to the next larger value.
    fn epsilon() -> Self;
    /// The canonical NaN, if the format has one.
    fn nan() -> Option<Self>;
    /// +∞, if the format has it.
    fn infinity() -> Option<Self>;

    /// NaN (or NaR).
    fn is_nan(self) -> bool;
    /// ±∞.
    fn is_infinite(self) -> bool;
    /// Neither NaN nor infinite.
    fn is_finite(self) -> bool {
        !self.is_nan() && !self.is_infinite()
    }
    /// ±0.
    fn is_zero(self) -> bool;
    /// Nonzero and below the smallest normal magnitude.
    fn is_subnormal(self) -> bool;
    /// Sign bit set (false for NaN-free unsigned formats).
    fn is_sign_negative(self) -> bool;

    /// The next value toward +∞ (NaN stays NaN; max stays max unless there is +∞; -∞ gives
    /// the most negative finite value).
    fn next_up(self) -> Self;
    /// The next value toward −∞.
    fn next_down(self) -> Self;

    /// `self * a + b` with a single rounding (nearest-even, the format's overflow rule).
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// Square root, correctly rounded (nearest-even).
    fn sqrt(self) -> Self;

    /// Correctly rounded from `f64` under `rounding` and `overflow`.
    #[inline]
    fn from_f64_with(x: f64, rounding: Rounding, overflow: Overflow) -> Self {
        Self::round_exact(Exact::from_f64(x), rounding, overflow)
    }
    /// Correctly rounded from `f32` under `rounding` and `overflow`.
    #[inline]
    fn from_f32_with(x: f32, rounding: Rounding, overflow: Overflow) -> Self {
        Self::round_exact(Exact::from_f32(x), rounding, overflow)
    }
    /// From `f64`, nearest-even, the format's default overflow rule.
    #[inline]
    fn from_f64(x: f64) -> Self {
        Self::from_f64_with(x, Rounding::NearestEven, Self::DEFAULT_OVERFLOW)
    }
    /// From `f32`, nearest-even, the format's default overflow rule.
    #[inline]
    fn from_f32(x: f32) -> Self {
        Self::from_f32_with(x, Rounding::NearestEven, Self::DEFAULT_OVERFLOW)
    }
    /// From `f64`, nearest-even, clamping to ± max (infinities too; NaN stays NaN).
    #[inline]
    fn from_f64_saturating(x: f64) -> Self {
        Self::from_f64_with(x, Rounding::NearestEven, Overflow::Saturating)
    }
    /// From `f32`, nearest-even, clamping to ± max.
    #[inline]
    fn from_f32_saturating(x: f32) -> Self {
        Self::from_f32_with(x, Rounding::NearestEven, Overflow::Saturating)
    }
    /// Like [`from_f64_with`](Self::from_f64_with), but a NaN input for a format without NaN
    /// is an error instead of `+0`.
    fn try_from_f64_with(x: f64, rounding: Rounding, overflow: Overflow) -> Result<Self, ConversionError> {
        if x.is_nan() && Self::nan().is_none() {
            return Err(ConversionError::NanUnrepresentable { format: Self::NAME });
        }
        Ok(Self::from_f64_with(x, rounding, overflow))
    }
    /// From a signed integer, correctly rounded (exact when it fits).
    #[inline]
    fn from_i64_with(x: i64, rounding: Rounding, overflow: Overflow) -> Self {
        Self::round_exact(Exact::from_i64(x), rounding, overflow)
    }
    /// From an unsigned integer, correctly rounded.
    #[inline]
    fn from_u64_with(x: u64, rounding: Rounding, overflow: Overflow) -> Self {
        Self::round_exact(Exact::from_u64(x), rounding, overflow)
    }
    /// To an integer, rounded under `rounding`; NaN and out-of-range values are errors.
    fn to_i64_with(self, rounding: Rounding) -> Result<i64, ConversionError> {
        self.to_exact().to_i64(rounding)
    }
    /// Convert to another format with a single rounding (nearest-even, the target's default
    /// overflow rule).
    #[inline]
    fn convert<T: LowpFloat>(self) -> T {
        T::round_exact(self.to_exact(), Rounding::NearestEven, T::DEFAULT_OVERFLOW)
    }
    /// Convert to another format with a single rounding under the given modes.
    #[inline]
    fn convert_with<T: LowpFloat>(self, rounding: Rounding, overflow: Overflow) -> T {
        T::round_exact(self.to_exact(), rounding, overflow)
    }
}
