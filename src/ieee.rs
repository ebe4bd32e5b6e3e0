//! The family trait for the standard formats `f32`, `half::f16` and `half::bf16`, so they slot in
//! as accumulators and baselines. Their arithmetic is the native (correctly rounded) one;
//! conversions under non-default roundings go through the crate's rounding core.

use half::{bf16, f16};

use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::round::{self, BF16_LAYOUT, F16_LAYOUT, F32_LAYOUT};

macro_rules! ieee_impl {
    ($t:ty, $bits:ty, $layout:expr, $name:literal, $from_bits:expr, $to_bits:expr, $sqrt:expr, $fma:expr) => {
        impl LowpFloat for $t {
            type Bits = $bits;
            const NAME: &'static str = $name;
            const BITS: u32 = <$bits>::BITS;
            const DEFAULT_OVERFLOW: Overflow = Overflow::NonSaturating;
            #[inline]
            fn from_bits(bits: $bits) -> Self {
                $from_bits(bits)
            }
            #[inline]
            fn to_bits(self) -> $bits {
                $to_bits(self)
            }
            #[inline]
            fn to_exact(self) -> Exact {
                $layout.decode($to_bits(self) as u64)
            }
            #[inline]
            fn round_exact(x: Exact, rounding: Rounding, overflow: Overflow) -> Self {
                $from_bits(round::round_ieee(x, &$layout, rounding, overflow) as $bits)
            }
            fn max_value() -> Self {
                $from_bits($layout.max_finite() as $bits)
            }
            fn min_value() -> Self {
                $from_bits(($layout.max_finite() | $layout.sign_bit()) as $bits)
            }
            fn min_positive() -> Self {
                $from_bits((1u64 << $layout.man_bits) as $bits)
            }
            fn min_positive_subnormal() -> Self {
                $from_bits(1)
            }
            fn epsilon() -> Self {
                Self::round_exact(
                    Exact::Finite { neg: false, sig: 1, exp: -($layout.man_bits as i32), sticky: false },
                    Rounding::NearestEven,
                    Overflow::Saturating,
                )
            }
            fn nan() -> Option<Self> {
                $layout.nan_code().map(|c| $from_bits(c as $bits))
            }
            fn infinity() -> Option<Self> {
                $layout.inf_code().map(|c| $from_bits(c as $bits))
            }
            #[inline]
            fn is_nan(self) -> bool {
                $layout.is_nan($to_bits(self) as u64)
            }
            #[inline]
            fn is_infinite(self) -> bool {
                $layout.is_inf($to_bits(self) as u64)
            }
            #[inline]
            fn is_zero(self) -> bool {
                $to_bits(self) as u64 & $layout.mag_mask() == 0
            }
            #[inline]
            fn is_subnormal(self) -> bool {
                let m = $to_bits(self) as u64 & $layout.mag_mask();
                m != 0 && m < (1u64 << $layout.man_bits)
            }
            #[inline]
            fn is_sign_negative(self) -> bool {
                !self.is_nan() && $to_bits(self) as u64 & $layout.sign_bit() != 0
            }
            fn next_up(self) -> Self {
                let c = $to_bits(self) as u64;
                let l = &$layout;
                if self.is_nan() || c == l.inf_code().unwrap() {
                    return self;
                }
                if c == l.sign_bit() {
                    return $from_bits(1);
                }
                if c & l.sign_bit() == 0 {
                    $from_bits((c + 1) as $bits)
                } else {
                    $from_bits((c - 1) as $bits)
                }
            }
            fn next_down(self) -> Self {
                -(-self).next_up()
            }
            #[inline]
            fn mul_add(self, a: Self, b: Self) -> Self {
                $fma(self, a, b)
            }
            #[inline]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
        }
    };
}

/// Fused multiply-add through the exact core: one rounding.
#[inline]
fn fma_exact<T: LowpFloat>(a: T, b: T, c: T) -> T {
    T::round_exact(Exact::fma(a.to_exact(), b.to_exact(), c.to_exact()), Rounding::NearestEven, Overflow::NonSaturating)
}

ieee_impl!(
    f32,
    u32,
    F32_LAYOUT,
    "float32",
    f32::from_bits,
    f32::to_bits,
    num_traits::Float::sqrt,
    |a: f32, b: f32, c: f32| num_traits::Float::mul_add(a, b, c)
);
// f16/bf16 square roots through f32: p = 11 (8) and 2p + 2 <= 24, so rounding the correctly
// rounded f32 root again to nearest is the correctly rounded root (Figueroa 1995).
ieee_impl!(
    f16,
    u16,
    F16_LAYOUT,
    "float16",
    f16::from_bits,
    f16::to_bits,
    |x: f16| f16::from_f32(num_traits::Float::sqrt(x.to_f32())),
    fma_exact
);
ieee_impl!(
    bf16,
    u16,
    BF16_LAYOUT,
    "bfloat16",
    bf16::from_bits,
    bf16::to_bits,
    |x: bf16| bf16::from_f32(num_traits::Float::sqrt(x.to_f32())),
    fma_exact
);
