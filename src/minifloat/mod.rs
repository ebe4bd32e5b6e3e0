//! Minifloats: FP8, FP6, FP4 and E8M0, one generic type over a spec marker.
//!
//! [`Minifloat<S>`] stores one code in a byte; the spec marker `S` gives the layout
//! ([`IeeeLayout`]) — exponent and mantissa widths, bias, which codes are NaN/∞. Every
//! conversion goes through the crate's one rounding core ([`crate::round`]).

mod specs;

pub use specs::*;

use core::cmp::Ordering;
use core::fmt;
use core::hash::Hash;
use core::marker::PhantomData;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, Sub, SubAssign};

use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::round::{self, IeeeLayout};

/// The description of one minifloat format.
///
/// Implemented by zero-sized markers; the format type is [`Minifloat<S>`].
///
/// ```
/// use lowp::{Spec, minifloat::E5M2};
/// assert_eq!(E5M2::NAME, "float8_e5m2");
/// assert_eq!(E5M2::LAYOUT.bias, 15);
/// ```
pub trait Spec: Copy + Clone + fmt::Debug + Default + PartialEq + Eq + Hash + Send + Sync + 'static {
    /// ml_dtypes name, e.g. `float8_e4m3fn`.
    const NAME: &'static str;
    /// The Rust type name, e.g. `Float8E4M3FN` (used by `Debug`).
    const TYPE_NAME: &'static str;
    /// Short names accepted by the CLI, e.g. `e4m3`.
    const ALIASES: &'static [&'static str];
    /// The bit layout.
    const LAYOUT: IeeeLayout;
    /// Overflow rule of the plain conversions and the operators.
    const DEFAULT_OVERFLOW: Overflow = Overflow::NonSaturating;
    /// A fast nearest-even `f32` encoder, where the layout has one (`None`: the generic core).
    #[inline(always)]
    fn encode_f32_nearest(x: f32, saturating: bool) -> Option<u8> {
        let _ = (x, saturating);
        None
    }
}

/// Specs whose formats have a sign and a zero (every minifloat but E8M0); they get the
/// num-traits that need zero (`Zero`, `Num`, `Signed`).
///
/// ```
/// use num_traits::Zero;
/// use lowp::Float8E5M2;
/// assert!(Float8E5M2::zero().is_zero());
/// ```
pub trait SignedSpec: Spec {}

/// A minifloat of layout `S`, one code per byte (the code in the low bits).
///
/// Arithmetic is correctly rounded (nearest-even, the format's overflow rule); comparisons
/// follow IEEE 754 (−0 == +0, NaN unordered).
///
/// ```
/// use lowp::{LowpFloat, Float8E4M3FN};
/// let a = Float8E4M3FN::from_f32(1.5);
/// let b = Float8E4M3FN::from_f32(0.125);
/// assert_eq!((a + b).to_f32(), 1.625);
/// assert_eq!(a.to_bits(), 0x3c);
/// assert_eq!(format!("{a} {a:?} {a:x}"), "1.5 Float8E4M3FN(0x3c) 3c");
/// assert_eq!(core::mem::size_of::<Float8E4M3FN>(), 1);
/// ```
#[repr(transparent)]
#[derive(Clone, Copy, Default)]
pub struct Minifloat<S: Spec> {
    bits: u8,
    _spec: PhantomData<S>,
}

// SAFETY: `Minifloat<S>` is `repr(transparent)` over a `u8` (the `PhantomData` is zero-sized)
// with no padding, and every bit pattern is a valid value: bits above the format's width (FP6,
// FP4) are ignored, because every read of the code masks them (`code()`).
unsafe impl<S: Spec> bytemuck::Zeroable for Minifloat<S> {}
// SAFETY: as above.
unsafe impl<S: Spec> bytemuck::Pod for Minifloat<S> {}

/// Build a table of `f32` values for all 256 byte patterns (codes use the low bits).
const fn build_f32_table(l: &IeeeLayout) -> [f32; 256] {
    let mut t = [0f32; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = f32::from_bits(decode_f32_bits(l, i as u64));
        i += 1;
    }
    t
}

/// Exact f32 bits of a code (all minifloat values are f32 values).
const fn decode_f32_bits(l: &IeeeLayout, code: u64) -> u32 {
    match l.decode(code) {
        Exact::Nan => 0x7fc0_0000,
        Exact::Inf { neg } => ((neg as u32) << 31) | 0x7f80_0000,
        Exact::Zero { neg } => (neg as u32) << 31,
        Exact::Finite { neg, sig, exp, .. } => {
            // value = sig · 2^exp with sig < 2^24: normalise into f32 fields.
            let len = 64 - sig.leading_zeros() as i32;
            let e = exp + len - 1; // floor(log2)
            let sign = (neg as u32) << 31;
            if e >= -126 {
                let frac = ((sig << (24 - len)) as u32) & 0x7f_ffff;
                sign | (((e + 127) as u32) << 23) | frac
            } else {
                // f32 subnormal: unit 2^-149.
                sign | ((sig << (exp + 149)) as u32)
            }
        }
    }
}

impl<S: Spec> Minifloat<S> {
    const TABLE: [f32; 256] = build_f32_table(&S::LAYOUT);
    const MASK: u8 = ((1u16 << S::LAYOUT.width()) - 1) as u8;

    /// From a raw code (bits above the format's width are cleared).
    #[inline]
    pub const fn from_bits(bits: u8) -> Self {
        Minifloat { bits: bits & Self::MASK, _spec: PhantomData }
    }
    /// The raw code (the format's low bits; bits above its width, which `bytemuck` casts can
    /// bring in, are never read).
    #[inline]
    pub const fn to_bits(self) -> u8 {
        self.code()
    }
    /// The code with the bits above the format's width cleared: every read goes through here.
    #[inline(always)]
    const fn code(self) -> u8 {
        self.bits & Self::MASK
    }
    /// The value as `f32` (exact: a table lookup).
    #[inline]
    pub fn to_f32(self) -> f32 {
        Self::TABLE[self.code() as usize]
    }
    /// The value as `f64` (exact).
    #[inline]
    pub fn to_f64(self) -> f64 {
        self.to_f32() as f64
    }
    /// From `f32`, nearest-even, the format's default overflow rule (an inherent shortcut for
    /// [`LowpFloat::from_f32`], so no trait import is needed and num-traits' `from_f32` never
    /// makes a call ambiguous).
    #[inline]
    pub fn from_f32(x: f32) -> Self {
        <Self as LowpFloat>::from_f32(x)
    }
    /// From `f64`, nearest-even, the format's default overflow rule.
    #[inline]
    pub fn from_f64(x: f64) -> Self {
        <Self as LowpFloat>::from_f64(x)
    }
    /// From `f32`, nearest-even, clamping to ± max (∞ too; NaN stays NaN).
    #[inline]
    pub fn from_f32_saturating(x: f32) -> Self {
        <Self as LowpFloat>::from_f32_saturating(x)
    }
    /// From `f64`, nearest-even, clamping to ± max (∞ too; NaN stays NaN).
    #[inline]
    pub fn from_f64_saturating(x: f64) -> Self {
        <Self as LowpFloat>::from_f64_saturating(x)
    }
    /// NaN?
    #[inline]
    pub fn is_nan(self) -> bool {
        self.is_nan_code()
    }
    /// ±0?
    #[inline]
    pub fn is_zero(self) -> bool {
        <Self as LowpFloat>::is_zero(self)
    }
    /// The format's layout.
    #[inline]
    pub const fn layout() -> &'static IeeeLayout {
        &S::LAYOUT
    }
    /// Every code of the format, in code order (`2^BITS` values).
    pub fn all_codes() -> impl Iterator<Item = Self> {
        (0..(1u16 << S::LAYOUT.width())).map(|c| Self::from_bits(c as u8))
    }
    #[inline]
    fn from_code(c: u64) -> Self {
        Self::from_bits(c as u8)
    }
    /// Absolute value (NaN stays NaN).
    #[inline]
    pub fn abs(self) -> Self {
        if self.is_nan_code() {
            self
        } else {
            Self::from_bits(self.code() & !(S::LAYOUT.sign_bit() as u8))
        }
    }
    #[inline]
    fn is_nan_code(self) -> bool {
        S::LAYOUT.is_nan(self.code() as u64)
    }
    /// IEEE 754 `totalOrder` on the sign-magnitude codes (like `f32::total_cmp`): −NaN < −∞ <
    /// … < −0 < +0 < … < +∞ < +NaN. For the fnuz formats the lone NaN (the −0 pattern) sorts
    /// between the negative numbers and +0.
    pub fn total_cmp(&self, other: &Self) -> Ordering {
        let key = |x: &Self| -> i32 {
            let sb = S::LAYOUT.sign_bit() as i32;
            let b = x.code() as i32;
            if sb != 0 && b & sb != 0 {
                -(b & (sb - 1)) - 1
            } else {
                b
            }
        };
        key(self).cmp(&key(other))
    }
    /// Minimum (IEEE `minimumNumber`: a NaN operand is ignored).
    pub fn min(self, other: Self) -> Self {
        if self.is_nan_code() {
            return other;
        }
        if other.is_nan_code() {
            return self;
        }
        match self.to_f32().partial_cmp(&other.to_f32()) {
            Some(Ordering::Less) => self,
            Some(Ordering::Greater) => other,
            _ => {
                if self.is_sign_negative_code() {
                    self
                } else {
                    other
                }
            }
        }
    }
    /// Maximum (IEEE `maximumNumber`: a NaN operand is ignored).
    pub fn max(self, other: Self) -> Self {
        if self.is_nan_code() {
            return other;
        }
        if other.is_nan_code() {
            return self;
        }
        match self.to_f32().partial_cmp(&other.to_f32()) {
            Some(Ordering::Greater) => self,
            Some(Ordering::Less) => other,
            _ => {
                if self.is_sign_negative_code() {
                    other
                } else {
                    self
                }
            }
        }
    }
    #[inline]
    fn is_sign_negative_code(self) -> bool {
        self.code() as u64 & S::LAYOUT.sign_bit() != 0
    }
    /// Nearest-even result of an operation, given its correctly rounded `f32` and `f64` values.
    ///
    /// Why rounding the binary result again is correct: every minifloat has p ≤ 4 significant
    /// bits, and for + − × ÷ √ rounding to nearest in a binary format of p' ≥ 2p + 2 bits and
    /// then to the p-bit format equals one direct rounding (Figueroa, "When is double rounding
    /// innocuous?", 1995), provided the intermediate neither underflows nor overflows.
    /// * `f32` (p' = 24) is used for the formats with a fast encoder (every signed minifloat):
    ///   their results lie in 2^-34 … 2^33 or are 0/∞/NaN, inside `f32`'s normal range.
    /// * `f64` (p' = 53) for E8M0, whose products and quotients reach 2^±254.
    #[inline(always)]
    fn from_op_results(r32: f32, r64: impl FnOnce() -> f64) -> Self {
        if let Some(c) = S::encode_f32_nearest(r32, S::DEFAULT_OVERFLOW == Overflow::Saturating) {
            return Self::from_bits(c);
        }
        Self::from_op_result(r64())
    }
    /// Nearest-even of an operation's correctly rounded `f64` value (see `from_op_results`).
    #[inline(always)]
    fn from_op_result(r: f64) -> Self {
        Self::from_code(round::round_ieee(Exact::from_f64(r), &S::LAYOUT, Rounding::NearestEven, S::DEFAULT_OVERFLOW))
    }
}

impl<S: Spec> LowpFloat for Minifloat<S> {
    type Bits = u8;
    const NAME: &'static str = S::NAME;
    const BITS: u32 = S::LAYOUT.width();
    const DEFAULT_OVERFLOW: Overflow = S::DEFAULT_OVERFLOW;

    #[inline]
    fn from_bits(bits: u8) -> Self {
        Minifloat::from_bits(bits)
    }
    #[inline]
    fn to_bits(self) -> u8 {
        self.code()
    }
    #[inline]
    fn to_exact(self) -> Exact {
        S::LAYOUT.decode(self.code() as u64)
    }
    #[inline]
    fn round_exact(x: Exact, rounding: Rounding, overflow: Overflow) -> Self {
        Self::from_code(round::round_ieee(x, &S::LAYOUT, rounding, overflow))
    }
    #[inline]
    fn from_f32_with(x: f32, rounding: Rounding, overflow: Overflow) -> Self {
        if rounding == Rounding::NearestEven {
            if let Some(c) = S::encode_f32_nearest(x, overflow == Overflow::Saturating) {
                return Self::from_bits(c);
            }
        }
        Self::round_exact(Exact::from_f32(x), rounding, overflow)
    }
    #[inline]
    fn to_f64(self) -> f64 {
        Minifloat::to_f64(self)
    }
    #[inline]
    fn to_f32(self) -> f32 {
        Minifloat::to_f32(self)
    }
    fn max_value() -> Self {
        Self::from_code(S::LAYOUT.max_finite())
    }
    fn min_value() -> Self {
        if S::LAYOUT.signed {
            Self::from_code(S::LAYOUT.max_finite() | S::LAYOUT.sign_bit())
        } else {
            Self::from_code(0)
        }
    }
    fn min_positive() -> Self {
        if S::LAYOUT.subnormals {
            Self::from_code(1u64 << S::LAYOUT.man_bits)
        } else {
            Self::from_code(0)
        }
    }
    fn min_positive_subnormal() -> Self {
        if S::LAYOUT.subnormals {
            Self::from_code(1)
        } else {
            Self::from_code(0)
        }
    }
    fn epsilon() -> Self {
        // 2^-man
        Self::round_exact(
            Exact::Finite { neg: false, sig: 1, exp: -(S::LAYOUT.man_bits as i32), sticky: false },
            Rounding::NearestEven,
            Overflow::Saturating,
        )
    }
    fn nan() -> Option<Self> {
        S::LAYOUT.nan_code().map(Self::from_code)
    }
    fn infinity() -> Option<Self> {
        S::LAYOUT.inf_code().map(Self::from_code)
    }
    #[inline]
    fn is_nan(self) -> bool {
        self.is_nan_code()
    }
    #[inline]
    fn is_infinite(self) -> bool {
        S::LAYOUT.is_inf(self.code() as u64)
    }
    #[inline]
    fn is_zero(self) -> bool {
        S::LAYOUT.signed && self.code() as u64 & S::LAYOUT.mag_mask() == 0 && !self.is_nan_code()
    }
    #[inline]
    fn is_subnormal(self) -> bool {
        let mag = self.code() as u64 & S::LAYOUT.mag_mask();
        S::LAYOUT.subnormals && mag != 0 && mag < (1u64 << S::LAYOUT.man_bits) && !self.is_nan_code()
    }
    #[inline]
    fn is_sign_negative(self) -> bool {
        self.is_sign_negative_code() && !self.is_nan_code()
    }
    fn next_up(self) -> Self {
        let l = &S::LAYOUT;
        if self.is_nan_code() {
            return self;
        }
        let c = self.code() as u64;
        let mag = c & l.mag_mask();
        if !l.signed {
            return if mag < l.max_finite() { Self::from_code(mag + 1) } else { self };
        }
        if c & l.sign_bit() == 0 {
            // +0 and positive values.
            if mag < l.max_finite() {
                Self::from_code(mag + 1)
            } else if let Some(inf) = l.inf_code() {
                Self::from_code(inf)
            } else {
                self
            }
        } else if l.is_inf(c) {
            Self::from_code(l.sign_bit() | l.max_finite())
        } else if mag == 0 {
            // −0
            Self::from_code(1)
        } else if mag == 1 {
            Self::from_code(if l.has_neg_zero() { l.sign_bit() } else { 0 })
        } else {
            Self::from_code(l.sign_bit() | (mag - 1))
        }
    }
    fn next_down(self) -> Self {
        let l = &S::LAYOUT;
        if self.is_nan_code() {
            return self;
        }
        if !l.signed {
            let c = self.code() as u64;
            return if c > 0 { Self::from_code(c - 1) } else { self };
        }
        -(-self).next_up()
    }
    #[inline]
    fn mul_add(self, a: Self, b: Self) -> Self {
        let r = Exact::fma(self.to_exact(), a.to_exact(), b.to_exact());
        Self::round_exact(r, Rounding::NearestEven, S::DEFAULT_OVERFLOW)
    }
    #[inline]
    fn sqrt(self) -> Self {
        Self::from_op_results(num_traits::Float::sqrt(self.to_f32()), || num_traits::Float::sqrt(self.to_f64()))
    }
}

impl<S: Spec> Neg for Minifloat<S> {
    type Output = Self;
    /// Negation flips the sign bit. NaN stays NaN; fnuz zero stays +0; for the unsigned E8M0
    /// every negated number is NaN.
    #[inline]
    fn neg(self) -> Self {
        let l = &S::LAYOUT;
        if self.is_nan_code() {
            return self;
        }
        if !l.signed {
            return Self::from_code(l.nan_code().unwrap_or(0));
        }
        if !l.has_neg_zero() && self.code() as u64 & l.mag_mask() == 0 {
            return self;
        }
        Self::from_bits(self.code() ^ l.sign_bit() as u8)
    }
}

macro_rules! binop {
    ($Tr:ident, $m:ident, $TrA:ident, $ma:ident, $op:tt) => {
        impl<S: Spec> $Tr for Minifloat<S> {
            type Output = Self;
            /// Correctly rounded (nearest-even, the format's overflow rule).
            #[inline]
            fn $m(self, rhs: Self) -> Self {
                Self::from_op_results(self.to_f32() $op rhs.to_f32(), || self.to_f64() $op rhs.to_f64())
            }
        }
        impl<S: Spec> $TrA for Minifloat<S> {
            #[inline]
            fn $ma(&mut self, rhs: Self) {
                *self = *self $op rhs;
            }
        }
    };
}
binop!(Add, add, AddAssign, add_assign, +);
binop!(Sub, sub, SubAssign, sub_assign, -);
binop!(Mul, mul, MulAssign, mul_assign, *);
binop!(Div, div, DivAssign, div_assign, /);

impl<S: Spec> Rem for Minifloat<S> {
    type Output = Self;
    /// IEEE-style remainder with truncated quotient (like `f32 % f32`): the result is exact.
    #[inline]
    fn rem(self, rhs: Self) -> Self {
        // fmod of two values is exactly representable in the operands' format (its magnitude
        // is below |rhs| and it lies on the grid of the smaller operand), so f64 is exact.
        Self::from_op_result(self.to_f64() % rhs.to_f64())
    }
}

impl<S: Spec> PartialEq for Minifloat<S> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.to_f32() == other.to_f32()
    }
}

impl<S: Spec> PartialOrd for Minifloat<S> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.to_f32().partial_cmp(&other.to_f32())
    }
}

impl<S: Spec> fmt::Debug for Minifloat<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(0x{:02x})", S::TYPE_NAME, self.code())
    }
}

impl<S: Spec> fmt::LowerHex for Minifloat<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.code(), f)
    }
}

impl<S: Spec> fmt::UpperHex for Minifloat<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::UpperHex::fmt(&self.code(), f)
    }
}

impl<S: Spec> fmt::Binary for Minifloat<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Binary::fmt(&self.code(), f)
    }
}

impl<S: Spec> fmt::Display for Minifloat<S> {
    /// The shortest decimal that reads back (with `FromStr`) to the same code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::decimal::fmt_shortest(*self, f)
    }
}

impl<S: Spec> core::str::FromStr for Minifloat<S> {
    type Err = crate::decimal::ParseError;
    /// Correctly rounded (nearest-even, the format's overflow rule) from any decimal string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::decimal::parse(s)
    }
}
