//! Dot products under named accumulation disciplines.

use core::fmt;
use core::str::FromStr;

use super::{exfma_with, exsdotp_with, DotError, ExactAccumulator};
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::rng::SplitMix64;

/// How a dot product accumulates: each discipline is specified here step by step, so that a
/// hardware designer can reproduce it bit for bit.
///
/// All four compute `Σ a[i]·b[i]` over `S` inputs into a `D` result, starting from `+0`, and
/// follow the special-value rules of [`exfma`](super::exfma) (NaN in, NaN out; `0·∞` and
/// `∞ − ∞` are NaN). An empty dot product is `+0`.
///
/// With [`Rounding::Stochastic(r)`](Rounding::Stochastic), the `k`-th rounding step
/// (`k = 0, 1, …`; the single rounding of `Exact` and `F32` is step 0) rounds with the random
/// bits `SplitMix64::new(r as u64)`'s `k`-th [`next_u32`](crate::rng::SplitMix64::next_u32)
/// (see [`crate::rng::SplitMix64`]); the other modes apply as they are to every step.
///
/// ```
/// use lowp::dot::{dot, dot_with, Accumulate};
/// use lowp::{Float8E4M3FN, LowpFloat, Overflow, Rounding};
/// use half::f16;
/// let a: Vec<Float8E4M3FN> = [1.0, 0.015625, 0.015625, 0.015625].map(Float8E4M3FN::from_f64).to_vec();
/// // Each product 2^-12 is below half an f16 ulp of 1 (2^-11): rounding after every product
/// // loses them, one rounding at the end keeps 3 · 2^-12 (to the nearest f16, 1 + 2^-10).
/// let exact: f16 = dot(&a, &a, Accumulate::Exact).unwrap();
/// let fma: f16 = dot(&a, &a, Accumulate::FmaChain).unwrap();
/// assert_eq!(exact.to_f64(), 1.0 + 1.0 / 1024.0);
/// assert_eq!(fma.to_f64(), 1.0);
/// let b = &a[..3];
/// assert!(dot::<_, f32>(&a, &b[..3], Accumulate::F32).is_err());
/// # let _ = dot_with::<Float8E4M3FN, f32>(&a, &a, Accumulate::ExsdotpChain, Rounding::NearestEven, Overflow::NonSaturating);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Accumulate {
    /// Every product and the sum exact in an [`ExactAccumulator`](super::ExactAccumulator)
    /// (a Kulisch accumulator wide enough for any sum of up to 2^63 products of `S`), rounded
    /// once to `D` at the end. A zero sum follows the fused operations' rule: the sign of
    /// products that are zeros of one sign, else `+0` (`−0` under [`Rounding::Down`]).
    Exact,
    /// The MiniFloat-NN way: `acc = +0`; for `i = 0, 2, 4, …`:
    /// `acc = exsdotp(a[i], b[i], a[i+1], b[i+1], acc)` (one rounding per pair); an odd last
    /// element goes through `acc = exfma(a[n−1], b[n−1], acc)`.
    ExsdotpChain,
    /// The baseline: `acc = +0`; for `i = 0, 1, …`: `acc = exfma(a[i], b[i], acc)` (one
    /// rounding per product).
    FmaChain,
    /// What fast SIMD code does: `p[i] = a[i].to_f32() · b[i].to_f32()` rounded to `f32`
    /// (exact for every format of 8 bits or fewer and for `f16`); sixteen `f32` lanes start at
    /// `+0.0` and `lane[i mod 16] += p[i]` for `i` increasing (each sum rounded to nearest-even
    /// `f32`); then the lanes fold in halves, `lane[j] += lane[j + h]` for `j < h`, for
    /// `h = 8, 4, 2, 1`; `lane[0]` is rounded once to `D` under the caller's rounding.
    F32,
}

impl Accumulate {
    /// Every discipline, in the order of the CLI's help.
    pub const ALL: [Accumulate; 4] =
        [Accumulate::Exact, Accumulate::ExsdotpChain, Accumulate::FmaChain, Accumulate::F32];

    /// The discipline's name on the command line: `exact`, `exsdotp`, `fma`, `f32`.
    ///
    /// ```
    /// use lowp::dot::Accumulate;
    /// assert_eq!(Accumulate::ExsdotpChain.name(), "exsdotp");
    /// assert_eq!("fma".parse::<Accumulate>(), Ok(Accumulate::FmaChain));
    /// assert!("kahan".parse::<Accumulate>().is_err());
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Accumulate::Exact => "exact",
            Accumulate::ExsdotpChain => "exsdotp",
            Accumulate::FmaChain => "fma",
            Accumulate::F32 => "f32",
        }
    }
}

impl fmt::Display for Accumulate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that names no [`Accumulate`] discipline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseAccumulateError;

impl fmt::Display for ParseAccumulateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown accumulation discipline (expected exact, exsdotp, fma or f32)")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseAccumulateError {}

impl FromStr for Accumulate {
    type Err = ParseAccumulateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(s));
        if is(&["exact", "kulisch", "quire"]) {
            Ok(Accumulate::Exact)
        } else if is(&["exsdotp", "exsdotp-chain"]) {
            Ok(Accumulate::ExsdotpChain)
        } else if is(&["fma", "exfma", "fma-chain"]) {
            Ok(Accumulate::FmaChain)
        } else if is(&["f32", "float32"]) {
            Ok(Accumulate::F32)
        } else {
            Err(ParseAccumulateError)
        }
    }
}

/// `Σ a[i]·b[i]` into `D` under `how`, nearest-even with `D`'s default overflow rule; an error
/// if the lengths differ. See [`Accumulate`] for each discipline's exact steps.
///
/// ```
/// use lowp::dot::{dot, Accumulate};
/// use lowp::{Float6E2M3FN, LowpFloat};
/// let a = [Float6E2M3FN::from_f64(7.5), Float6E2M3FN::from_f64(-7.5)];
/// let y: f32 = dot(&a, &a, Accumulate::Exact).unwrap();
/// assert_eq!(y, 112.5);
/// ```
#[inline]
pub fn dot<S: LowpFloat, D: LowpFloat>(a: &[S], b: &[S], how: Accumulate) -> Result<D, DotError> {
    dot_with(a, b, how, Rounding::NearestEven, D::DEFAULT_OVERFLOW)
}

/// [`dot`] under a chosen rounding (applied at every rounding step of the discipline) and
/// overflow rule.
///
/// ```
/// use lowp::dot::{dot_with, Accumulate};
/// use lowp::{Float8E5M2, LowpFloat, Overflow, Rounding};
/// use half::f16;
/// let a = [Float8E5M2::from_f64(57344.0); 2];
/// let y: f16 = dot_with(&a, &a, Accumulate::Exact, Rounding::NearestEven, Overflow::Saturating).unwrap();
/// assert_eq!(y.to_f64(), 65504.0);
/// ```
pub fn dot_with<S: LowpFloat, D: LowpFloat>(
    a: &[S],
    b: &[S],
    how: Accumulate,
    rounding: Rounding,
    overflow: Overflow,
) -> Result<D, DotError> {
    if a.len() != b.len() {
        return Err(DotError::LengthMismatch { left: a.len(), right: b.len() });
    }
    let mut steps = Steps::new(rounding);
    match how {
        Accumulate::Exact => {
            let mut acc = ExactAccumulator::<S>::new();
            for (&x, &y) in a.iter().zip(b) {
                acc.add_product(x, y);
            }
            Ok(acc.round(steps.next(), overflow))
        }
        Accumulate::ExsdotpChain => {
            let mut acc = D::round_exact(Exact::Zero { neg: false }, Rounding::NearestEven, overflow);
            let pairs = a.len() / 2;
            for (x, y) in a.chunks_exact(2).zip(b.chunks_exact(2)) {
                acc = exsdotp_with(x[0], y[0], x[1], y[1], acc, steps.next(), overflow);
            }
            if a.len() % 2 == 1 {
                acc = exfma_with(a[2 * pairs], b[2 * pairs], acc, steps.next(), overflow);
            }
            Ok(acc)
        }
        Accumulate::FmaChain => {
            let mut acc = D::round_exact(Exact::Zero { neg: false }, Rounding::NearestEven, overflow);
            for (&x, &y) in a.iter().zip(b) {
                acc = exfma_with(x, y, acc, steps.next(), overflow);
            }
            Ok(acc)
        }
        Accumulate::F32 => {
            let mut lanes = [0f32; 16];
            for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                lanes[i % 16] += x.to_f32() * y.to_f32();
            }
            for h in [8, 4, 2, 1] {
                for j in 0..h {
                    lanes[j] += lanes[j + h];
                }
            }
            Ok(D::round_exact(Exact::from_f32(lanes[0]), steps.next(), overflow))
        }
    }
}

/// The rounding of each step: the caller's, or for stochastic rounding fresh bits per step
/// from `SplitMix64::new(r as u64)`.
struct Steps {
    rounding: Rounding,
    rng: SplitMix64,
}

impl Steps {
    fn new(rounding: Rounding) -> Steps {
        let seed = match rounding {
            Rounding::Stochastic(r) => r as u64,
            _ => 0,
        };
        Steps { rounding, rng: SplitMix64::new(seed) }
    }
    #[inline(always)]
    fn next(&mut self) -> Rounding {
        match self.rounding {
            Rounding::Stochastic(_) => Rounding::Stochastic(self.rng.next_u32()),
            r => r,
        }
    }
}
