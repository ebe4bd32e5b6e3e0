//! Posits (Posit Standard 2022 and the older `es` variants): `Posit<N, ES>` for every
//! 2 ≤ N ≤ 64 and 0 ≤ ES ≤ 4, stored in the narrowest unsigned integer that holds N bits
//! (u8, u16, u32 or u64).
//!
//! Rounding is the standard's: round to nearest, ties to even, applied to the **bit string** (the
//! exact value's infinite posit encoding cut at N bits) — done by the crate's one rounding core
//! ([`crate::round::round_increment`]) on that bit string. A nonzero real never rounds to 0 or
//! NaR: magnitudes above maxpos give maxpos, below minpos give minpos, in every rounding mode.
//! Arithmetic is correctly rounded: the exact result ([`Exact`]) rounded once. Posits of 8 bits
//! or fewer read `+ − × ÷ √` from tables (with `std`: `+` built from that exact path on first
//! use, the others at compile time, all checked against it); wider ones (and all without `std`)
//! use integer kernels (`fast` up to 32 bits, `fast64` with 128-bit intermediates beyond) that
//! feed the same encoder.

pub mod bulk;
mod fast;
mod fast64;
mod num;
mod quire;
mod storage;
#[cfg(feature = "std")]
mod table;

pub use quire::{dot, DotError, Quire};

pub use storage::{PositBits, QuireLimbs, Width, WidthStorage};

use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, Sub, SubAssign};

use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::round::round_increment;

/// A posit with `N` bits and `ES` exponent bits.
///
/// ```
/// use lowp::{LowpFloat, P16, P8E0};
/// let x = P16::from_f64(3.0);
/// assert_eq!(x.to_bits(), 0x4c00);
/// assert_eq!((x / P16::from_f64(0.0)).is_nan(), true);       // x/0 = NaR
/// assert_eq!(P8E0::max_value().to_f64(), 64.0);                // maxpos = useed^(n-2)
/// assert_eq!(P8E0::from_f64(1e9).to_f64(), 64.0);              // saturates, never NaR
/// assert_eq!(P8E0::from_f64(1e-9).to_f64(), 1.0 / 64.0);       // never rounds to 0
/// assert_eq!(core::mem::size_of::<P16>(), 2);
/// ```
#[repr(transparent)]
pub struct Posit<const N: u32, const ES: u32>
where
    Width<N>: WidthStorage,
{
    bits: <Width<N> as WidthStorage>::Bits,
}

/// posit8 of the 2022 standard (es = 2).
pub type P8 = Posit<8, 2>;
/// posit16 of the 2022 standard (es = 2).
pub type P16 = Posit<16, 2>;
/// posit32 of the 2022 standard (es = 2).
pub type P32 = Posit<32, 2>;
/// posit64 of the 2022 standard (es = 2), stored in a `u64`.
///
/// ```
/// use lowp::{LowpFloat, P64};
/// let third = P64::from_f64(1.0) / P64::from_f64(3.0);
/// assert_eq!(third.to_bits(), 0x32aa_aaaa_aaaa_aaab); // 0 01 10 0101…01011: 59 fraction bits
/// assert_eq!(P64::max_value().to_f64(), 2f64.powi(248));  // maxpos = 2^(4·62)
/// assert_eq!(core::mem::size_of::<P64>(), 8);
/// ```
pub type P64 = Posit<64, 2>;
/// SoftPosit's posit8 (es = 0).
pub type P8E0 = Posit<8, 0>;
/// SoftPosit's posit16 (es = 1).
pub type P16E1 = Posit<16, 1>;
/// SoftPosit's posit32 (es = 2), the same format as [`P32`].
pub type P32E2 = Posit<32, 2>;

/// Decode an N-bit posit code (low bits of `code`) exactly.
#[inline]
pub(crate) fn decode(code: u64, n: u32, es: u32) -> Exact {
    let mask = u64::MAX >> (64 - n);
    let code = code & mask;
    let sign_bit = 1u64 << (n - 1);
    if code == 0 {
        return Exact::Zero { neg: false };
    }
    if code == sign_bit {
        return Exact::Nan;
    }
    let neg = code & sign_bit != 0;
    let mag = if neg { code.wrapping_neg() & mask } else { code };
    // The n-1 bits after the sign, left-aligned in a u128.
    let body = (mag as u128) << (128 - (n - 1));
    let first = body >> 127 == 1;
    let run = if first { body.leading_ones() } else { body.leading_zeros() }.min(n - 1);
    let k: i32 = if first { run as i32 - 1 } else { -(run as i32) };
    // Regime plus its terminating bit (absent when the regime fills the word).
    let used = (run + 1).min(n - 1);
    let rest = body << used;
    let e = if es == 0 { 0 } else { (rest >> (128 - es)) as i32 };
    let frac_len = (n - 1).saturating_sub(used + es);
    let frac = if frac_len == 0 { 0 } else { ((rest << es) >> (128 - frac_len)) as u64 };
    Exact::Finite { neg, sig: (1u64 << frac_len) | frac, exp: (k << es) + e - frac_len as i32, sticky: false }
}

/// Round an exact value into an N-bit posit code (two's complement, low `n` bits).
#[inline]
pub(crate) fn encode(x: Exact, n: u32, es: u32, mode: Rounding) -> u64 {
    match x {
        Exact::Nan | Exact::Inf { .. } => 1u64 << (n - 1),
        Exact::Zero { .. } => 0,
        Exact::Finite { neg, sig, exp, sticky } => {
            let lz = sig.leading_zeros();
            let sig = sig << lz;
            // The leading one to bit 62 − es; the es + 1 bits shifted out join the sticky flag
            // (a sticky value has a full 64-bit significand: its lost tail is below those).
            // The es + 1 bits shifted out go on as `low`: for N ≤ 32 they are far below
            // anything a rounding looks at, but stochastic rounding of a 64-bit posit reads 32
            // bits past the cut, which can reach them.
            let frac = sig >> (es + 1);
            let low = sig << (63 - es);
            encode_parts_low(neg, exp + 63 - lz as i32, frac, low, sticky, n, es, mode)
        }
    }
}

/// The one posit encoder: round `(−1)^neg · (frac + δ) · 2^(scale − 62 + es)` (the leading one
/// of `frac` at bit 62 − es; `0 < δ < 1` when `sticky`, else `δ = 0`) into an N-bit code (two's
/// complement, low `n` bits).
///
/// The infinite bit string after the sign — regime, terminator, `es` exponent bits, then the
/// fraction (`frac` without its leading one) — is cut after `n − 1` bits; the bits after it go
/// to the rounding core ([`round_increment`]) as a 64-bit fraction of a unit plus a sticky flag.
///
/// The first 64 bits of the string are `hi`: `10` (k ≥ 0) or `01` (k < 0), then the exponent
/// and the fraction, to be shifted right *arithmetically* by `sh` = `k` or `−k − 1`, which
/// repeats the first bit into the run of k + 1 ones (then the 0) or of −k zeros (then the 1).
/// That shift and the cut after n − 1 bits are one shift of `hi` by `t = sh + 65 − n` (at most
/// 62): the kept bits are `hi >> t` (arithmetic, masked to n − 1 bits), and the bits after the
/// cut are exactly the low `t` bits of `hi`, which `hi << (64 − t)` left-aligns into the
/// rounding fraction with nothing lost (its bit 0 is zero: t ≤ 62). Only `δ` is left for the
/// sticky flag. That decides every mode exactly as the full fraction would.
#[inline(always)]
pub(crate) fn encode_parts(neg: bool, scale: i32, frac: u64, sticky: bool, n: u32, es: u32, mode: Rounding) -> u64 {
    encode_parts_low(neg, scale, frac, 0, sticky, n, es, mode)
}

/// [`encode_parts`] with exact bits below `frac`: the value is
/// `(−1)^neg · (frac + low/2^64 + δ) · 2^(scale − 62 + es)` (`0 < δ < 2^-64` when `sticky`).
/// The bits after the cut are then the low `t` bits of `hi` followed by `low`: their first 64
/// go to the rounding core, the rest join the sticky flag. (The kernels pass `low = 0`, which
/// folds away.)
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn encode_parts_low(
    neg: bool,
    scale: i32,
    frac: u64,
    low: u64,
    sticky: bool,
    n: u32,
    es: u32,
    mode: Rounding,
) -> u64 {
    debug_assert!(frac >> (62 - es) == 1);
    let mask = u64::MAX >> (64 - n);
    let maxpos = (1u64 << (n - 1)) - 1;
    let max_scale = ((n - 2) << es) as i32;
    // −max_scale ≤ scale < max_scale, or saturate (one unsigned comparison).
    let mag = if (scale.wrapping_add(max_scale) as u32) >= (2 * max_scale) as u32 {
        if scale >= max_scale {
            maxpos
        } else {
            1
        }
    } else {
        // k = ⌊scale / 2^es⌋, −(n − 2) ≤ k ≤ n − 3, is negative exactly when scale is.
        let kmask = scale >> 31; // −1 when k < 0
        let e = scale & ((1 << es) - 1);
        // `10` or `01`, then the exponent (es + 2 bits), then the fraction: the leading one of
        // `frac` is the `+ 1` of `head`.
        let head_m1 = (e + (kmask << es) + ((2 << es) - 1)) as u64;
        let hi = (head_m1 << (62 - es)) + frac;
        let sh = ((scale ^ kmask) >> es) as u32; // k or !k = −k − 1: 0 ..= n − 3
        let t = (sh + 65 - n) & 63; // 2 ..= 62
        let kept = ((hi as i64) >> t) as u64 & maxpos;
        // 1 ≤ t ≤ 62: `low` fits after the t bits of `hi`, and what it loses is sticky.
        let rest = hi << ((64 - t) & 63) | low >> t;
        let sticky = sticky | (low << ((64 - t) & 63) != 0);
        let up = match mode {
            // Where the cut falls inside the regime or exponent bits, neighbouring posits are
            // powers of two more than one binade apart and the bit string is not linear in the
            // value: stochastic rounding is decided in value space there, so that it stays
            // unbiased (E[round(x)] = x). (`frac` holds every bit but δ, so only `sticky` is δ.)
            Rounding::Stochastic(r) if sh + 2 + es > n - 1 => stochastic_in_value_space(
                kept,
                n,
                es,
                (frac as u128) << 64 | low as u128,
                scale - 126 + es as i32,
                sticky,
                r,
            ),
            // Nearest-even: the sticky flag and the kept bit go into the last bit of `rest`
            // (zero). That changes nothing but the exact tie rest = ½, which becomes "above ½"
            // when either is set — precisely the cases where the core rounds a tie up — so the
            // core's decision is one comparison.
            Rounding::NearestEven => {
                round_increment(neg, false, rest | ((kept | sticky as u64) & 1), false, Rounding::NearestEven)
            }
            // Other modes: the sticky flag goes into that bit (any nonzero bit below the first
            // 32 gives the same decision in every mode).
            _ => round_increment(neg, kept & 1 != 0, rest | sticky as u64, false, mode),
        };
        // Inside the range the regime's terminator is among the kept bits, so
        // 1 ≤ kept ≤ maxpos − 1: rounding never reaches 0 or NaR.
        debug_assert!(kept >= 1 && kept < maxpos);
        kept + up as u64
    };
    if neg {
        mag.wrapping_neg() & mask
    } else {
        mag
    }
}

/// Stochastic rounding of `|x| = (sig + δ)·2^exp` between the posits `kept` and `kept + 1`, both
/// powers of two (no fraction bits are kept): up iff `(|x| - lo) / (hi - lo) · 2^32 > r`.
fn stochastic_in_value_space(kept: u64, n: u32, es: u32, sig: u128, exp: i32, sticky: bool, r: u32) -> bool {
    let scale = |c: u64| match decode(c, n, es) {
        Exact::Finite { sig, exp, .. } => exp + 63 - sig.leading_zeros() as i32,
        _ => 0,
    };
    let (a, b) = (scale(kept), scale(kept + 1));
    // X = |x|·2^(32-a) - 2^32 < 2^(32 + b - a) <= 2^48, with the lost bits as a sticky flag.
    let shift = exp - a + 32;
    let (v, lost) = if shift >= 0 {
        (sig << shift, false)
    } else if shift > -128 {
        (sig >> -shift, sig & ((1u128 << -shift) - 1) != 0)
    } else {
        (0, true)
    };
    let x = v - (1u128 << 32);
    let d = (1u128 << (b - a)) - 1; // (hi - lo) / lo
    let rd = r as u128 * d;
    x > rd || (x == rd && (lost || sticky))
}

/// The name of posit<N, ES> as bytes: `posit16` for ES = 2 (the standard), else `posit16e1`.
pub(crate) const fn name_bytes(n: u32, es: u32) -> ([u8; 12], usize) {
    let mut b = [0u8; 12];
    let p = b"posit";
    let mut i = 0;
    while i < 5 {
        b[i] = p[i];
        i += 1;
    }
    if n >= 10 {
        b[i] = b'0' + (n / 10) as u8;
        i += 1;
    }
    b[i] = b'0' + (n % 10) as u8;
    i += 1;
    if es != 2 {
        b[i] = b'e';
        b[i + 1] = b'0' + es as u8;
        i += 2;
    }
    (b, i)
}

impl<const N: u32, const ES: u32> Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// The compile-time check of the parameters, reached by every constructor (`from_code`):
    /// `Posit::<8, 6>` or `Posit::<16, 5>` does not compile (and N outside 2 ..= 64 has no
    /// storage type).
    ///
    /// ```compile_fail
    /// let _ = lowp::Posit::<8, 6>::from_f64(3.0); // ES > 4
    /// ```
    /// ```compile_fail
    /// let _ = lowp::Posit::<16, 5>::from_bits(0); // ES > 4
    /// ```
    /// ```
    /// let _ = lowp::Posit::<8, 4>::from_f64(3.0); // fine
    /// let _ = lowp::Posit::<64, 4>::from_f64(3.0); // fine
    /// ```
    pub const VALID: () = {
        assert!(N >= 2 && N <= 64, "posits are supported for 2 <= N <= 64");
        assert!(ES <= 4, "posits are supported for ES <= 4");
    };
    const NAME_BUF: ([u8; 12], usize) = {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        name_bytes(N, ES)
    };
    const MASK: u64 = u64::MAX >> (64 - N);
    const NAR_CODE: u64 = 1 << (N - 1);

    /// From a raw code (bits above N are cleared).
    #[inline]
    pub fn from_bits(bits: <Width<N> as WidthStorage>::Bits) -> Self {
        Self::from_code(bits.into())
    }
    /// The raw code (the low N bits; bits above N, which `bytemuck` casts can bring in, are
    /// never read).
    #[inline]
    pub fn to_bits(self) -> <Width<N> as WidthStorage>::Bits {
        <Width<N> as WidthStorage>::Bits::from_u64(self.code())
    }
    /// The code with the bits above N cleared: every read goes through here.
    #[inline(always)]
    fn code(self) -> u64 {
        self.bits.into() & Self::MASK
    }
    #[inline]
    fn from_code(c: u64) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Posit { bits: <Width<N> as WidthStorage>::Bits::from_u64(c & Self::MASK) }
    }
    /// The code as a sign-extended integer: posits order like these.
    #[inline]
    fn signed(self) -> i64 {
        ((self.code() << (64 - N)) as i64) >> (64 - N)
    }
    /// NaR (not a real).
    pub fn nar() -> Self {
        Self::from_code(Self::NAR_CODE)
    }
    /// Is this NaR?
    #[inline]
    pub fn is_nar(self) -> bool {
        self.code() == Self::NAR_CODE
    }
    /// From `f64`, nearest-even on the bit string (NaN and ±∞ give NaR).
    #[inline]
    pub fn from_f64(x: f64) -> Self {
        <Self as LowpFloat>::from_f64(x)
    }
    /// From `f32`, nearest-even on the bit string (NaN and ±∞ give NaR).
    #[inline]
    pub fn from_f32(x: f32) -> Self {
        <Self as LowpFloat>::from_f32(x)
    }
    /// The value as `f64`, nearest-even (exact for N ≤ 32 and wherever the value has at most
    /// 53 significant bits; every posit is inside f64's range; NaR gives NaN).
    #[inline]
    pub fn to_f64(self) -> f64 {
        self.to_exact().to_f64()
    }
    /// Absolute value (NaR stays NaR).
    #[inline]
    pub fn abs(self) -> Self {
        if self.signed() < 0 {
            -self
        } else {
            self
        }
    }
    /// Round to an integral value under `mode` (the result is a posit; NaR stays NaR).
    pub fn round_integral(self, mode: Rounding) -> Self {
        match self.to_exact() {
            Exact::Finite { neg, sig, exp, sticky } if exp < 0 => {
                match crate::round::round_to_integer(neg, sig, exp, sticky, mode) {
                    Some(0) => Self::from_code(0),
                    Some(m) => Self::round_exact(
                        Exact::Finite { neg, sig: m as u64, exp: 0, sticky: false },
                        Rounding::NearestEven,
                        Overflow::Saturating,
                    ),
                    None => self,
                }
            }
            _ => self,
        }
    }
    /// Largest integral value ≤ self.
    pub fn floor(self) -> Self {
        self.round_integral(Rounding::Down)
    }
    /// Smallest integral value ≥ self.
    pub fn ceil(self) -> Self {
        self.round_integral(Rounding::Up)
    }
    /// Nearest integral value, ties to even.
    pub fn round_ties_even(self) -> Self {
        self.round_integral(Rounding::NearestEven)
    }
}

impl<const N: u32, const ES: u32> Clone for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn clone(&self) -> Self {
        *self
    }
}
impl<const N: u32, const ES: u32> Copy for Posit<N, ES> where Width<N>: WidthStorage {}
impl<const N: u32, const ES: u32> Default for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Zero.
    fn default() -> Self {
        Self::from_code(0)
    }
}

// SAFETY: `Posit` is `repr(transparent)` over its storage integer (u8/u16/u32/u64), which is `Pod`
// (no padding); every bit pattern is a valid posit: bits above N are ignored, because every read
// of the code masks them (`code()`, and `to_bits` through it).
unsafe impl<const N: u32, const ES: u32> bytemuck::Zeroable for Posit<N, ES> where Width<N>: WidthStorage {}
// SAFETY: as above.
unsafe impl<const N: u32, const ES: u32> bytemuck::Pod for Posit<N, ES> where Width<N>: WidthStorage {}

/// Posits compare as two's-complement integers: NaR equals itself and is below every real.
impl<const N: u32, const ES: u32> PartialEq for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}
impl<const N: u32, const ES: u32> Eq for Posit<N, ES> where Width<N>: WidthStorage {}
impl<const N: u32, const ES: u32> PartialOrd for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<const N: u32, const ES: u32> Ord for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn cmp(&self, other: &Self) -> Ordering {
        self.signed().cmp(&other.signed())
    }
}
impl<const N: u32, const ES: u32> Hash for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.code().hash(state)
    }
}

impl<const N: u32, const ES: u32> LowpFloat for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    type Bits = <Width<N> as WidthStorage>::Bits;
    const NAME: &'static str = match core::str::from_utf8(Self::NAME_BUF.0.split_at(Self::NAME_BUF.1).0) {
        Ok(s) => s,
        Err(_) => panic!("posit name is ASCII"),
    };
    const BITS: u32 = N;
    /// Posits always saturate (the `overflow` argument of conversions is ignored).
    const DEFAULT_OVERFLOW: Overflow = Overflow::Saturating;

    #[inline]
    fn from_bits(bits: Self::Bits) -> Self {
        Posit::from_bits(bits)
    }
    #[inline]
    fn to_bits(self) -> Self::Bits {
        Posit::to_bits(self)
    }
    #[inline]
    fn to_exact(self) -> Exact {
        decode(self.code(), N, ES)
    }
    /// Rounds on the bit string under `rounding`; `overflow` is ignored (posits saturate at
    /// ±maxpos and never round a nonzero value to 0; NaN and ±∞ give NaR).
    #[inline]
    fn round_exact(x: Exact, rounding: Rounding, _overflow: Overflow) -> Self {
        Self::from_code(encode(x, N, ES, rounding))
    }
    fn max_value() -> Self {
        Self::from_code(Self::NAR_CODE - 1)
    }
    fn min_value() -> Self {
        Self::from_code(Self::NAR_CODE + 1)
    }
    fn min_positive() -> Self {
        Self::from_code(1)
    }
    fn min_positive_subnormal() -> Self {
        Self::from_code(1)
    }
    fn epsilon() -> Self {
        let one = Self::from_f64(1.0);
        one.next_up() - one
    }
    fn nan() -> Option<Self> {
        Some(Self::nar())
    }
    fn infinity() -> Option<Self> {
        None
    }
    #[inline]
    fn is_nan(self) -> bool {
        self.is_nar()
    }
    #[inline]
    fn is_infinite(self) -> bool {
        false
    }
    #[inline]
    fn is_zero(self) -> bool {
        self.code() == 0
    }
    #[inline]
    fn is_subnormal(self) -> bool {
        false
    }
    #[inline]
    fn is_sign_negative(self) -> bool {
        self.signed() < 0 && !self.is_nar()
    }
    /// The next posit up; maxpos and NaR stay.
    fn next_up(self) -> Self {
        if self.is_nar() || self.code() == Self::NAR_CODE - 1 {
            self
        } else {
            Self::from_code(self.code().wrapping_add(1))
        }
    }
    /// The next posit down; −maxpos and NaR stay.
    fn next_down(self) -> Self {
        if self.is_nar() || self.code() == Self::NAR_CODE + 1 {
            self
        } else {
            Self::from_code(self.code().wrapping_sub(1))
        }
    }
    #[inline]
    fn mul_add(self, a: Self, b: Self) -> Self {
        fused_mul_add(self, a, b)
    }
    #[inline]
    fn sqrt(self) -> Self {
        Self::from_code(sqrt_code::<N, ES>(self.code()))
    }
}

impl<const N: u32, const ES: u32> Neg for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    type Output = Self;
    /// Two's-complement negation (0 and NaR are their own negations).
    #[inline]
    fn neg(self) -> Self {
        Self::from_code(self.code().wrapping_neg())
    }
}

/// `a + b`, `a · b`, `a / b` and `√a` on codes: through the result tables for N ≤ 8 (with
/// `std`), else through the integer kernels. Both give exactly the rounding of the exact
/// result (the tables are built from the exact path; the kernels are checked against it).
/// `INLINE_SPECIAL`: inline the kernels' 0/NaR path (for the slice loops of `bulk`, which
/// vectorise with it); the operators keep it out of line ([`fast`]'s header).
#[inline(always)]
pub(crate) fn add_code<const N: u32, const ES: u32, const INLINE_SPECIAL: bool>(a: u64, b: u64) -> u64 {
    #[cfg(feature = "std")]
    if N <= 8 {
        return table::binary(table::ADD, a, b, N, ES);
    }
    if N > 32 {
        return fast64::add::<INLINE_SPECIAL>(a, b, N, ES);
    }
    fast::add::<INLINE_SPECIAL>(a, b, N, ES)
}
#[inline(always)]
pub(crate) fn mul_code<const N: u32, const ES: u32, const INLINE_SPECIAL: bool>(a: u64, b: u64) -> u64 {
    #[cfg(feature = "std")]
    if N <= 8 {
        return table::mul_div::<N, ES, false>(a, b);
    }
    if N > 32 {
        return fast64::mul::<INLINE_SPECIAL>(a, b, N, ES);
    }
    fast::mul::<INLINE_SPECIAL>(a, b, N, ES)
}
#[inline(always)]
pub(crate) fn div_code<const N: u32, const ES: u32, const INLINE_SPECIAL: bool>(a: u64, b: u64) -> u64 {
    #[cfg(feature = "std")]
    if N <= 8 {
        return table::mul_div::<N, ES, true>(a, b);
    }
    if N > 32 {
        return fast64::div::<INLINE_SPECIAL>(a, b, N, ES);
    }
    fast::div::<INLINE_SPECIAL>(a, b, N, ES)
}
#[inline(always)]
pub(crate) fn sqrt_code<const N: u32, const ES: u32>(a: u64) -> u64 {
    #[cfg(feature = "std")]
    if N <= 8 {
        return table::sqrt::<N, ES>(a);
    }
    if N > 32 {
        return fast64::sqrt(a, N, ES);
    }
    fast::sqrt(a, N, ES)
}

/// `a · b + c` rounded once (nearest-even on the bit string). Up to 32 bits the product is
/// exact in the 64-bit significand of [`Exact`]; beyond, it needs 128 bits and goes through the
/// exact sum of the fused operations ([`crate::dot::exfma_with`]).
#[inline]
fn fused_mul_add<const N: u32, const ES: u32>(a: Posit<N, ES>, b: Posit<N, ES>, c: Posit<N, ES>) -> Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    if N > 32 {
        return crate::dot::exfma_with(a, b, c, Rounding::NearestEven, Overflow::Saturating);
    }
    Posit::round_exact(
        Exact::fma(a.to_exact(), b.to_exact(), c.to_exact()),
        Rounding::NearestEven,
        Overflow::Saturating,
    )
}

macro_rules! posit_binop {
    ($Tr:ident, $m:ident, $TrA:ident, $ma:ident, $op:tt, $code:ident) => {
        impl<const N: u32, const ES: u32> $Tr for Posit<N, ES>
        where
            Width<N>: WidthStorage,
        {
            type Output = Self;
            /// Correctly rounded (nearest-even on the bit string; NaR in, NaR out).
            #[inline]
            fn $m(self, rhs: Self) -> Self {
                Self::from_code($code::<N, ES, false>(self.code(), rhs.code()))
            }
        }
        impl<const N: u32, const ES: u32> $TrA for Posit<N, ES>
        where
            Width<N>: WidthStorage,
        {
            #[inline]
            fn $ma(&mut self, rhs: Self) {
                *self = *self $op rhs;
            }
        }
    };
}
posit_binop!(Add, add, AddAssign, add_assign, +, add_code);
posit_binop!(Mul, mul, MulAssign, mul_assign, *, mul_code);
posit_binop!(Div, div, DivAssign, div_assign, /, div_code);

impl<const N: u32, const ES: u32> Sub for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    type Output = Self;
    /// `self + (-rhs)` (negation is exact), correctly rounded.
    #[inline]
    fn sub(self, rhs: Self) -> Self {
        self + -rhs
    }
}
impl<const N: u32, const ES: u32> SubAssign for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    #[inline]
    fn sub_assign(&mut self, rhs: Self) {
        *self = *self - rhs;
    }
}

impl<const N: u32, const ES: u32> Rem for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    type Output = Self;
    /// Truncated remainder `self - trunc(self / rhs) * rhs`, computed as
    /// `self - q * rhs` with the integral quotient rounded toward zero and one final rounding
    /// (NaR for a zero divisor).
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn rem(self, rhs: Self) -> Self {
        let q = (self / rhs).round_integral(Rounding::TowardZero);
        fused_mul_add(-q, rhs, self)
    }
}

impl<const N: u32, const ES: u32> fmt::Debug for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Posit<{N},{ES}>(0x{:0w$x})", self.code(), w = N.div_ceil(4) as usize)
    }
}

impl<const N: u32, const ES: u32> fmt::LowerHex for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.code(), f)
    }
}

impl<const N: u32, const ES: u32> fmt::Display for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// The shortest decimal that reads back to the same posit; NaR prints as `NaR`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_nar() {
            return f.pad("NaR");
        }
        crate::decimal::fmt_shortest(*self, f)
    }
}

impl<const N: u32, const ES: u32> core::str::FromStr for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    type Err = crate::decimal::ParseError;
    /// Correctly rounded (nearest-even on the bit string) from any decimal string; `nan`,
    /// `inf` and `NaR` give NaR.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("nar") {
            return Ok(Self::nar());
        }
        crate::decimal::parse(s)
    }
}
