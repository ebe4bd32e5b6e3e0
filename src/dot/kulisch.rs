//! The Kulisch accumulator: exact two's-complement fixed-point limb arithmetic, shared by
//! [`ExactAccumulator`] (sums of products of any `LowpFloat`) and the posit quire.

use core::marker::PhantomData;

use super::DotError;
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};

/// An exact accumulator for sums of products of a format `S` (a Kulisch accumulator): a
/// two's-complement fixed-point number whose least significant bit is the square of `S`'s
/// smallest positive value and whose range holds any sum of up to 2^63 products of `S`
/// exactly; rounded once, to any format, at the end.
///
/// Its width follows `S`: about `2·(emax − emin_sub) + 64` bits — two 64-bit limbs for the
/// 8-bit minifloats, ten for `bf16`. NaN, `0·∞` and opposite infinities make it NaN; an
/// infinite product makes it that infinity (see [`dot`](super::dot)).
///
/// ```
/// use lowp::dot::ExactAccumulator;
/// use lowp::{Float8E4M3FN, LowpFloat};
/// let big = Float8E4M3FN::from_f64(448.0);
/// let tiny = Float8E4M3FN::min_positive_subnormal(); // 2^-9
/// let mut acc = ExactAccumulator::<Float8E4M3FN>::new();
/// acc.add_product(big, big);
/// acc.add_product(tiny, tiny);     // 2^-18, kept exactly
/// acc.add_product(-big, big);
/// assert_eq!(acc.to_exact().to_f64(), 2f64.powi(-18));
/// let y: f32 = acc.round(lowp::Rounding::NearestEven, lowp::Overflow::NonSaturating);
/// assert_eq!(y, 2f32.powi(-18));
/// ```
pub struct ExactAccumulator<S: LowpFloat> {
    _s: PhantomData<fn() -> S>,
}

impl<S: LowpFloat> ExactAccumulator<S> {
    /// A zero accumulator.
    pub fn new() -> Self {
        todo!()
    }
    /// Add the exact product `a · b`.
    pub fn add_product(&mut self, a: S, b: S) {
        let _ = (a, b);
        todo!()
    }
    /// Add `x` exactly.
    pub fn add(&mut self, x: S) {
        let _ = x;
        todo!()
    }
    /// Add every `a[i] · b[i]` exactly; an error (and the accumulator unchanged) if the
    /// lengths differ.
    pub fn add_dot(&mut self, a: &[S], b: &[S]) -> Result<(), DotError> {
        let _ = (a, b);
        todo!()
    }
    /// Is the sum NaN (a NaN operand, `0·∞`, or opposite infinities)?
    pub fn is_nan(&self) -> bool {
        todo!()
    }
    /// The sum as an [`Exact`] (64 significant bits and a sticky flag: enough to round it
    /// correctly into any format of up to 62 bits).
    pub fn to_exact(&self) -> Exact {
        todo!()
    }
    /// The sum rounded once to `D`.
    pub fn round<D: LowpFloat>(&self, rounding: Rounding, overflow: Overflow) -> D {
        D::round_exact(self.to_exact(), rounding, overflow)
    }
}

impl<S: LowpFloat> Default for ExactAccumulator<S> {
    fn default() -> Self {
        Self::new()
    }
}
