//! The Kulisch accumulator: exact two's-complement fixed-point limb arithmetic, shared by
//! [`ExactAccumulator`] (sums of products of any [`LowpFloat`]), the fused operations of
//! [`super::fused`] and the posit quire ([`crate::Quire`]).
//!
//! The limb functions work on the first `used` limbs of a fixed array (little-endian 64-bit
//! limbs, two's complement): a value `Σ limbs[k]·2^(64k)` whose physical bit 0 weighs
//! `2^unit`. Callers choose `unit` and `used` so that every term lands inside the array.

use core::marker::PhantomData;

use super::DotError;
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};

/// Add (or subtract, when `neg`) `p · 2^pos` — `p` nonzero, `pos` a physical bit position with
/// `pos / 64 + 1 < used` — touching only the two limbs it covers and those a carry or borrow
/// reaches. Returns one past the highest limb that may have changed.
#[inline(always)]
pub(crate) fn add_at<const L: usize>(limbs: &mut [u64; L], used: usize, neg: bool, p: u64, pos: u32) -> usize {
    debug_assert!(L.is_power_of_two() && p != 0);
    let i = (pos / 64) as usize;
    debug_assert!(i + 1 < used && used <= L);
    // Masking the indices (a no-op, `i + 1 < used <= L`) spares the bounds checks.
    let (i0, i1) = (i & (L - 1), (i + 1) & (L - 1));
    // Branch-free sign: a negative term is added as its two's complement over the whole width —
    // `−v mod 2^128` in limbs i, i + 1 and all ones above (v is nonzero).
    let m = (neg as u64).wrapping_neg();
    let mm = (m as u128) << 64 | m as u128;
    let v = (((p as u128) << (pos % 64)) ^ mm).wrapping_sub(mm);
    let cur = (limbs[i1] as u128) << 64 | limbs[i0] as u128;
    let (sum, mut carry) = cur.overflowing_add(v);
    limbs[i0] = sum as u64;
    limbs[i1] = (sum >> 64) as u64;
    // Above: add `m` plus the carry. Nothing changes when that is 0 mod 2^64 (a positive term
    // without carry, or a negative one with carry) — almost always.
    let mut j = i + 2;
    while carry != neg && j < used {
        let (x, d0) = limbs[j & (L - 1)].overflowing_add(m);
        let (x, d1) = x.overflowing_add(carry as u64);
        limbs[j & (L - 1)] = x;
        carry = d0 | d1;
        j += 1;
    }
    j
}

/// Add `p · 2^pos` to a non-negative sum of magnitudes that stays below `2^(64·used)` (no
/// sign handling, no range check: plain additions, a carry out of the two limbs is rare).
#[inline(always)]
pub(crate) fn add_magnitude<const L: usize>(limbs: &mut [u64; L], used: usize, p: u64, pos: u32) {
    debug_assert!(L.is_power_of_two() && p != 0);
    let i = (pos / 64) as usize;
    debug_assert!(i + 1 < used && used <= L);
    let (i0, i1) = (i & (L - 1), (i + 1) & (L - 1));
    let v = (p as u128) << (pos % 64);
    let cur = (limbs[i1] as u128) << 64 | limbs[i0] as u128;
    let (sum, mut carry) = cur.overflowing_add(v);
    limbs[i0] = sum as u64;
    limbs[i1] = (sum >> 64) as u64;
    let mut j = i + 2;
    while carry && j < used {
        let (x, c) = limbs[j & (L - 1)].overflowing_add(1);
        limbs[j & (L - 1)] = x;
        carry = c;
        j += 1;
    }
}

/// `dst += src` (or `dst −= src` when `negate`) over the first `used` limbs, modulo
/// `2^(64·used)`.
#[inline]
pub(crate) fn add_limbs<const L: usize>(dst: &mut [u64; L], src: &[u64; L], used: usize, negate: bool) {
    let mut carry = negate; // a − b = a + !b + 1
    for (x, &y) in dst[..used].iter_mut().zip(&src[..used]) {
        let y = if negate { !y } else { y };
        let (s, c1) = x.overflowing_add(y);
        let (s, c2) = s.overflowing_add(carry as u64);
        *x = s;
        carry = c1 | c2;
    }
}

/// Two's-complement negation of the first `used` limbs, modulo `2^(64·used)`.
#[inline]
pub(crate) fn negate<const L: usize>(limbs: &mut [u64; L], used: usize) {
    let mut carry = true;
    for x in &mut limbs[..used] {
        let (v, c) = (!*x).overflowing_add(carry as u64);
        *x = v;
        carry = c;
    }
}

/// Is the number zero?
#[inline]
pub(crate) fn is_zero<const L: usize>(limbs: &[u64; L], used: usize) -> bool {
    limbs[..used].iter().all(|&x| x == 0)
}

/// The number (`limbs[..used]`, two's complement, bit 0 weighing `2^unit`) as an [`Exact`]:
/// its top 64 significant bits and a sticky flag for the rest; `+0` when zero.
pub(crate) fn to_exact<const L: usize>(limbs: &[u64; L], used: usize, unit: i32) -> Exact {
    let neg = (limbs[used - 1] as i64) < 0;
    let mut m = [0u64; L];
    m[..used].copy_from_slice(&limbs[..used]);
    if neg {
        negate(&mut m, used);
    }
    let Some(top) = (0..used).rev().find(|&j| m[j] != 0) else {
        return Exact::Zero { neg: false };
    };
    let t = 64 * top as u32 + 63 - m[top].leading_zeros(); // the leading one's bit
    if t < 64 {
        return Exact::Finite { neg, sig: m[0], exp: unit, sticky: false };
    }
    // The 64 bits from t − 63 up to t; everything below folds into sticky (and then the
    // significand is full width, as `Exact` requires).
    let lo = t - 63;
    let (li, ls) = ((lo / 64) as usize, lo % 64);
    let sig = if ls == 0 { m[li] } else { (m[li] >> ls) | (m[li + 1] << (64 - ls)) };
    let sticky = (ls != 0 && m[li] << (64 - ls) != 0) || m[..li].iter().any(|&x| x != 0);
    Exact::Finite { neg, sig, exp: lo as i32 + unit, sticky }
}

/// Limbs of the largest accumulator (a power of two, for the masked indexing of [`add_at`]):
/// [`ExactAccumulator`] of `posit<64,4>` (products from 2^-3968 to 2^3968, plus 64 carry bits
/// and the top limb) needs 65, of `posit<32,4>` 33, of `bf16` 11; the fused operations at most
/// 65 (posit<64,4> products beside a posit<64,4> accumulator).
pub(crate) const MAX_LIMBS: usize = 128;

/// A finite nonzero value `(-1)^neg · sig · 2^exp` with `sig` odd (a term of an exact sum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Term {
    pub neg: bool,
    pub sig: u128,
    pub exp: i32,
}

impl Term {
    /// `sig · 2^exp` with the trailing zeros of `sig` moved into `exp`.
    #[inline(always)]
    pub(crate) fn new(neg: bool, sig: u128, exp: i32) -> Term {
        debug_assert!(sig != 0);
        let tz = sig.trailing_zeros();
        Term { neg, sig: sig >> tz, exp: exp + tz as i32 }
    }
    /// Exponent one above the leading bit.
    #[inline(always)]
    pub(crate) fn top(self) -> i32 {
        self.exp + 128 - self.sig.leading_zeros() as i32
    }
}

/// What an exact product, sum or factor is, before the limbs: the special cases are kept apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Nan,
    Inf { neg: bool },
    Zero { neg: bool },
    Finite(Term),
}

impl Value {
    /// A format value (never sticky: every format's values are exact).
    #[inline(always)]
    pub(crate) fn of<T: LowpFloat>(x: T) -> Value {
        match x.to_exact() {
            Exact::Nan => Value::Nan,
            Exact::Inf { neg } => Value::Inf { neg },
            Exact::Zero { neg } => Value::Zero { neg },
            Exact::Finite { neg, sig, exp, sticky } => {
                debug_assert!(!sticky);
                Value::Finite(Term::new(neg, sig as u128, exp))
            }
        }
    }

    /// The exact product, with IEEE 754's special cases (`0·∞` is NaN).
    #[inline(always)]
    pub(crate) fn mul(self, other: Value) -> Value {
        use Value::*;
        match (self, other) {
            (Nan, _) | (_, Nan) => Nan,
            (Inf { .. }, Zero { .. }) | (Zero { .. }, Inf { .. }) => Nan,
            (Inf { neg: a }, b) | (b, Inf { neg: a }) => Inf { neg: a ^ b.neg() },
            (Zero { neg: a }, b) | (b, Zero { neg: a }) => Zero { neg: a ^ b.neg() },
            (Finite(a), Finite(b)) => {
                // Odd significands of at most 64 bits each: the product is odd, and exact in
                // 128 bits.
                debug_assert!(a.sig >> 64 == 0 && b.sig >> 64 == 0);
                Finite(Term { neg: a.neg ^ b.neg, sig: a.sig * b.sig, exp: a.exp + b.exp })
            }
        }
    }

    #[inline(always)]
    fn neg(self) -> bool {
        match self {
            Value::Nan => false,
            Value::Inf { neg } | Value::Zero { neg } => neg,
            Value::Finite(t) => t.neg,
        }
    }
}

/// The state of an exact sum beside its finite part: NaN, infinities seen, and the signs of
/// the addends (for the sign of an exact zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Specials {
    nan: bool,
    pos_inf: bool,
    neg_inf: bool,
    /// Every addend so far is −0 (true for none).
    all_neg_zero: bool,
    /// Every addend so far is +0 (true for none).
    all_pos_zero: bool,
}

impl Specials {
    pub(crate) const NONE: Specials =
        Specials { nan: false, pos_inf: false, neg_inf: false, all_neg_zero: true, all_pos_zero: true };

    /// Record an addend; returns its finite nonzero part, if any.
    #[inline(always)]
    pub(crate) fn record(&mut self, v: Value) -> Option<Term> {
        match v {
            Value::Nan => {
                self.nan = true;
                self.all_neg_zero = false;
                self.all_pos_zero = false;
                None
            }
            Value::Inf { neg } => {
                self.all_neg_zero = false;
                self.all_pos_zero = false;
                if neg {
                    self.neg_inf = true
                } else {
                    self.pos_inf = true
                }
                None
            }
            Value::Zero { neg } => {
                self.all_neg_zero &= neg;
                self.all_pos_zero &= !neg;
                None
            }
            Value::Finite(t) => {
                self.all_neg_zero = false;
                self.all_pos_zero = false;
                Some(t)
            }
        }
    }

    /// The result when it is not decided by the finite part: NaN (a NaN addend, or opposite
    /// infinities), an infinity, or `None` (the finite sum decides).
    #[inline(always)]
    pub(crate) fn special(&self) -> Option<Exact> {
        if self.nan || (self.pos_inf && self.neg_inf) {
            Some(Exact::Nan)
        } else if self.pos_inf || self.neg_inf {
            Some(Exact::Inf { neg: self.neg_inf })
        } else {
            None
        }
    }

    /// The sign of an exact zero sum (IEEE 754 §6.3): zeros of one sign keep it (`x + x`, in
    /// every mode; no addend at all is `+0`); otherwise — zeros of both signs, or nonzero
    /// addends that cancel — `+0`, and `−0` under [`Rounding::Down`].
    #[inline(always)]
    pub(crate) fn zero(&self, rounding: Rounding) -> Exact {
        let neg = if self.all_pos_zero {
            false
        } else if self.all_neg_zero {
            true
        } else {
            rounding == Rounding::Down
        };
        Exact::Zero { neg }
    }
}

/// The exact sum of a few finite nonzero terms as an [`Exact`] (64 significant bits and
/// sticky), or `None` when it is exactly zero. One 128-bit fixed-point sum when the terms span
/// at most 125 bits (the common case), a Kulisch accumulator sized to the terms otherwise.
pub(crate) fn sum_terms(terms: &[Term]) -> Option<Exact> {
    debug_assert!(terms.len() <= 4);
    let lo = terms.iter().map(|t| t.exp).min()?;
    let hi = terms.iter().map(|t| t.top()).max()?;
    if hi - lo <= 125 {
        // |Σ| < 4 · 2^125 ≤ 2^127: no overflow in i128.
        let s: i128 = terms.iter().map(|t| ((t.sig << (t.exp - lo)) as i128) * if t.neg { -1 } else { 1 }).sum();
        if s == 0 {
            return None;
        }
        return Some(crate::exact::compress(s < 0, s.unsigned_abs(), lo, false));
    }
    // Bits lo ..= hi + 2 (the sign and two carries), plus a zero limb on top for `add_at`.
    let used = ((hi - lo + 3) as usize).div_ceil(64) + 1;
    debug_assert!(used <= MAX_LIMBS);
    let mut limbs = [0u64; MAX_LIMBS];
    for t in terms {
        add_term(&mut limbs, used, *t, lo);
    }
    if is_zero(&limbs, used) {
        return None;
    }
    Some(to_exact(&limbs, used, lo))
}

/// Add a term of up to 128 bits at `t.exp − unit ≥ 0`, as two 64-bit halves.
#[inline(always)]
pub(crate) fn add_term<const L: usize>(limbs: &mut [u64; L], used: usize, t: Term, unit: i32) {
    let pos = (t.exp - unit) as u32;
    let (lo, hi) = (t.sig as u64, (t.sig >> 64) as u64);
    if lo != 0 {
        add_at(limbs, used, t.neg, lo, pos);
    }
    if hi != 0 {
        add_at(limbs, used, t.neg, hi, pos + 64);
    }
}

/// The binary exponents of a format's finite values: every nonzero value is a multiple of
/// `2^lsb` and below `2^top` in magnitude.
fn exponent_range<S: LowpFloat>() -> (i32, i32) {
    let lsb = match Value::of(S::min_positive_subnormal()) {
        Value::Finite(t) => t.exp,
        _ => 0,
    };
    let top = match Value::of(S::max_value()) {
        Value::Finite(t) => t.top(),
        _ => 1,
    };
    (lsb, top)
}

/// An exact accumulator for sums of products of a format `S` (a Kulisch accumulator): a
/// two's-complement fixed-point number whose least significant bit is the square of `S`'s
/// smallest positive value and whose range holds any sum of up to 2^63 products of `S`
/// exactly (so it never overflows); rounded once, to any format, at the end.
///
/// Its width follows `S`: `2·(top − lsb) + 64` bits with every value of `S` a multiple of
/// `2^lsb` and below `2^top` — three 64-bit limbs for the 8-bit minifloats, eleven for
/// `bf16` (one limb above the sign, so that every term's two limbs exist). Special values follow IEEE 754: a NaN operand, `0·∞` or opposite infinities make
/// the sum NaN; otherwise an infinite product makes it that infinity. An exact zero sum
/// follows IEEE 754: zeros of one sign keep it, anything else is `+0` (`−0` under
/// [`Rounding::Down`], see [`round`](Self::round)); the empty sum is `+0`.
///
/// The posit quire ([`crate::Quire`]) is the same accumulator with the Posit Standard's
/// width; both run on this module's limb arithmetic.
///
/// ```
/// use lowp::dot::ExactAccumulator;
/// use lowp::{Float8E4M3FN, LowpFloat, Overflow, Rounding};
/// let big = Float8E4M3FN::from_f64(448.0);
/// let tiny = Float8E4M3FN::min_positive_subnormal(); // 2^-9
/// let mut acc = ExactAccumulator::<Float8E4M3FN>::new();
/// acc.add_product(big, big);
/// acc.add_product(tiny, tiny);     // 2^-18, kept exactly
/// acc.add_product(-big, big);
/// assert_eq!(acc.to_exact().to_f64(), 2f64.powi(-18));
/// let y: f32 = acc.round(Rounding::NearestEven, Overflow::NonSaturating);
/// assert_eq!(y, 2f32.powi(-18));
/// ```
#[derive(Clone)]
pub struct ExactAccumulator<S: LowpFloat> {
    limbs: [u64; MAX_LIMBS],
    used: usize,
    /// Weight of physical bit 0: `2^(2·lsb)`.
    unit: i32,
    specials: Specials,
    _s: PhantomData<fn() -> S>,
}

impl<S: LowpFloat> ExactAccumulator<S> {
    /// A zero accumulator (an empty sum: `+0`).
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::Float8E5M2;
    /// assert_eq!(ExactAccumulator::<Float8E5M2>::new().to_exact(), lowp::Exact::Zero { neg: false });
    /// ```
    pub fn new() -> Self {
        let (lsb, top) = exponent_range::<S>();
        // Products lie in [2^(2·lsb), 2^(2·top)); 63 carry bits and a sign above them, and one
        // limb more so that a term's second limb always exists.
        let used = ((2 * (top - lsb) + 64) as usize).div_ceil(64) + 1;
        assert!(used <= MAX_LIMBS, "no exact accumulator for {}", S::NAME);
        ExactAccumulator { limbs: [0; MAX_LIMBS], used, unit: 2 * lsb, specials: Specials::NONE, _s: PhantomData }
    }

    /// 64-bit limbs in use (the accumulator's width is `64 ·` this).
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::{Float8E4M3FN, Float8E5M2};
    /// assert_eq!(ExactAccumulator::<Float8E4M3FN>::new().limbs(), 3);
    /// assert_eq!(ExactAccumulator::<half::bf16>::new().limbs(), 11);
    /// assert_eq!(ExactAccumulator::<lowp::Posit<64, 4>>::new().limbs(), 65);
    /// # let _ = ExactAccumulator::<Float8E5M2>::new();
    /// ```
    pub fn limbs(&self) -> usize {
        self.used
    }

    /// Reset to an empty sum.
    pub fn clear(&mut self) {
        self.limbs[..self.used].fill(0);
        self.specials = Specials::NONE;
    }

    #[inline(always)]
    fn add_value(&mut self, v: Value) {
        if let Some(t) = self.specials.record(v) {
            add_term(&mut self.limbs, self.used, t, self.unit);
        }
    }

    /// Add the exact product `a · b`.
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::{Float4E2M1FN, LowpFloat};
    /// let mut acc = ExactAccumulator::<Float4E2M1FN>::new();
    /// acc.add_product(Float4E2M1FN::from_f64(6.0), Float4E2M1FN::from_f64(-0.5));
    /// assert_eq!(acc.to_exact().to_f64(), -3.0);
    /// ```
    #[inline]
    pub fn add_product(&mut self, a: S, b: S) {
        self.add_value(Value::of(a).mul(Value::of(b)));
    }

    /// Add `x` exactly.
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::{Float8E5M2, LowpFloat};
    /// let mut acc = ExactAccumulator::<Float8E5M2>::new();
    /// acc.add(Float8E5M2::from_f64(57344.0));
    /// acc.add(Float8E5M2::min_positive_subnormal());
    /// assert_eq!(acc.to_exact().to_f64(), 57344.0 + 2f64.powi(-16));
    /// ```
    #[inline]
    pub fn add(&mut self, x: S) {
        self.add_value(Value::of(x));
    }

    /// Add every `a[i] · b[i]` exactly; an error (and the accumulator unchanged) if the
    /// lengths differ.
    ///
    /// ```
    /// use lowp::dot::{DotError, ExactAccumulator};
    /// use lowp::{Float8E4M3FN, LowpFloat};
    /// let a = [Float8E4M3FN::from_f64(3.0); 4];
    /// let mut acc = ExactAccumulator::<Float8E4M3FN>::new();
    /// acc.add_dot(&a, &a).unwrap();
    /// assert_eq!(acc.to_exact().to_f64(), 36.0);
    /// assert_eq!(acc.add_dot(&a, &a[..1]), Err(DotError::LengthMismatch { left: 4, right: 1 }));
    /// ```
    pub fn add_dot(&mut self, a: &[S], b: &[S]) -> Result<(), DotError> {
        if a.len() != b.len() {
            return Err(DotError::LengthMismatch { left: a.len(), right: b.len() });
        }
        for (&x, &y) in a.iter().zip(b) {
            self.add_product(x, y);
        }
        Ok(())
    }

    /// Is the sum NaN (a NaN operand, `0·∞`, or opposite infinities)?
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::{Float8E5M2, LowpFloat};
    /// let inf = Float8E5M2::infinity().unwrap();
    /// let mut acc = ExactAccumulator::<Float8E5M2>::new();
    /// acc.add_product(inf, Float8E5M2::from_f64(0.0));
    /// assert!(acc.is_nan());
    /// ```
    pub fn is_nan(&self) -> bool {
        self.specials.special() == Some(Exact::Nan)
    }

    /// The sum as an [`Exact`] (64 significant bits and a sticky flag: enough to round it
    /// correctly into any format of up to 62 bits); an exact zero is `−0` when every addend
    /// is `−0`, `+0` otherwise (as under nearest-even).
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::{Exact, Float8E4M3FN, LowpFloat};
    /// let mut acc = ExactAccumulator::<Float8E4M3FN>::new();
    /// acc.add_product(Float8E4M3FN::from_f64(-0.0), Float8E4M3FN::from_f64(1.0));
    /// assert_eq!(acc.to_exact(), Exact::Zero { neg: true });
    /// ```
    pub fn to_exact(&self) -> Exact {
        self.exact_with(Rounding::NearestEven)
    }

    fn exact_with(&self, rounding: Rounding) -> Exact {
        if let Some(s) = self.specials.special() {
            return s;
        }
        if is_zero(&self.limbs, self.used) {
            return self.specials.zero(rounding);
        }
        to_exact(&self.limbs, self.used, self.unit)
    }

    /// The sum rounded once to `D` under `rounding` and `overflow` (an exact zero sum of
    /// addends that are not zeros of one sign is `−0` under [`Rounding::Down`], `+0` otherwise).
    /// A [`Rounding::Stochastic(r)`](Rounding::Stochastic) uses `r` itself; `dot_with(…,
    /// Accumulate::Exact, Stochastic(r), …)` rounds with the first output of
    /// `SplitMix64::new(r)` instead, like every step of the other disciplines.
    ///
    /// ```
    /// use lowp::dot::ExactAccumulator;
    /// use lowp::{Float8E5M2, LowpFloat, Overflow, Rounding};
    /// let x = Float8E5M2::from_f64(1.5);
    /// let mut acc = ExactAccumulator::<Float8E5M2>::new();
    /// acc.add_product(x, x);
    /// acc.add_product(-x, x);
    /// let d: f32 = acc.round(Rounding::Down, Overflow::NonSaturating);
    /// assert!(d == 0.0 && d.is_sign_negative());
    /// ```
    pub fn round<D: LowpFloat>(&self, rounding: Rounding, overflow: Overflow) -> D {
        D::round_exact(self.exact_with(rounding), rounding, overflow)
    }
}

impl<S: LowpFloat> Default for ExactAccumulator<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: LowpFloat> core::fmt::Debug for ExactAccumulator<S> {
    /// `ExactAccumulator<name>(value)`: the sum as the nearest `f64` (or NaN/∞).
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ExactAccumulator<{}>({:?})", S::NAME, self.to_exact().to_f64())
    }
}
