//! The one rounding core.
//!
//! [`round_increment`] decides, from the kept LSB and the discarded bits, whether a truncated
//! magnitude moves up by one unit — under every [`Rounding`] mode. [`round_ieee`] uses it to
//! turn an [`Exact`] value into the code of any sign-magnitude float layout ([`IeeeLayout`]):
//! every minifloat, `f16`, `bf16`, `f32` and `f64` are rounded by this one function.
//! Overflow is decided after rounding.

use crate::exact::Exact;
use crate::format::{Overflow, Rounding};

/// Which codes of a layout are special.
///
/// ```
/// use lowp::round::{Specials, F32_LAYOUT};
/// use lowp::{Float8E4M3FN, Spec};
/// assert_eq!(F32_LAYOUT.specials, Specials::IeeeInfNan);
/// assert_eq!(<lowp::minifloat::E4M3FN as Spec>::LAYOUT.specials, Specials::NanAllOnes);
/// # let _ = Float8E4M3FN::from_bits(0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Specials {
    /// IEEE 754: the all-ones exponent holds ±∞ (zero mantissa) and NaNs (OCP E5M2, f16, f32…).
    IeeeInfNan,
    /// Only the all-ones exponent-and-mantissa pattern is NaN, one per sign (OCP E4M3).
    NanAllOnes,
    /// The negative-zero pattern is the only NaN; there is no −0 (the "fnuz" formats).
    NanNegZero,
    /// The all-ones code is NaN and there is no sign (E8M0).
    NanTop,
    /// No NaN, no ∞ (the OCP MX element formats FP6, FP4).
    None,
}

/// A sign-magnitude binary floating-point layout: what the rounding core needs to know about
/// a format.
///
/// ```
/// use lowp::round::{round_ieee, IeeeLayout, Specials};
/// use lowp::{Exact, Overflow, Rounding};
/// // A hypothetical 1/3/2 format with IEEE specials.
/// let l = IeeeLayout { exp_bits: 3, man_bits: 2, bias: 3, signed: true, subnormals: true, specials: Specials::IeeeInfNan };
/// assert_eq!(l.max_finite(), 0b110_11);
/// let code = round_ieee(Exact::from_f64(1.3), &l, Rounding::NearestEven, Overflow::NonSaturating);
/// assert_eq!(code, 0b011_01); // 1.25
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IeeeLayout {
    /// Exponent field width.
    pub exp_bits: u32,
    /// Stored mantissa (fraction) bits.
    pub man_bits: u32,
    /// Exponent bias.
    pub bias: i32,
    /// Has a sign bit.
    pub signed: bool,
    /// Exponent field 0 encodes subnormals (false: it is an ordinary binade, as in E8M0).
    pub subnormals: bool,
    /// Special codes.
    pub specials: Specials,
}

impl IeeeLayout {
    /// Total encoding width in bits.
    pub const fn width(&self) -> u32 {
        self.signed as u32 + self.exp_bits + self.man_bits
    }
    /// The sign bit (0 for unsigned layouts).
    pub const fn sign_bit(&self) -> u64 {
        if self.signed {
            1u64 << (self.exp_bits + self.man_bits)
        } else {
            0
        }
    }
    /// Mask of the magnitude bits.
    pub const fn mag_mask(&self) -> u64 {
        (1u64 << (self.exp_bits + self.man_bits)) - 1
    }
    /// Magnitude code of the largest finite value.
    pub const fn max_finite(&self) -> u64 {
        match self.specials {
            Specials::IeeeInfNan => (((1u64 << self.exp_bits) - 1) << self.man_bits) - 1,
            Specials::NanAllOnes | Specials::NanTop => self.mag_mask() - 1,
            Specials::NanNegZero | Specials::None => self.mag_mask(),
        }
    }
    /// Canonical (positive, quiet) NaN code, if any.
    pub const fn nan_code(&self) -> Option<u64> {
        match self.specials {
            Specials::IeeeInfNan => {
                let inf = ((1u64 << self.exp_bits) - 1) << self.man_bits;
                Some(inf | (1u64 << (self.man_bits - 1)))
            }
            Specials::NanAllOnes | Specials::NanTop => Some(self.mag_mask()),
            Specials::NanNegZero => Some(1u64 << (self.exp_bits + self.man_bits)),
            Specials::None => None,
        }
    }
    /// Magnitude code of +∞, if any.
    pub const fn inf_code(&self) -> Option<u64> {
        match self.specials {
            Specials::IeeeInfNan => Some(((1u64 << self.exp_bits) - 1) << self.man_bits),
            _ => None,
        }
    }
    /// Has a distinct −0.
    pub const fn has_neg_zero(&self) -> bool {
        self.signed && !matches!(self.specials, Specials::NanNegZero)
    }
    /// Is `code` a NaN?
    pub const fn is_nan(&self, code: u64) -> bool {
        let mag = code & self.mag_mask();
        match self.specials {
            Specials::IeeeInfNan => {
                let inf = ((1u64 << self.exp_bits) - 1) << self.man_bits;
                mag > inf
            }
            Specials::NanAllOnes | Specials::NanTop => mag == self.mag_mask(),
            Specials::NanNegZero => code == 1u64 << (self.exp_bits + self.man_bits),
            Specials::None => false,
        }
    }
    /// Is `code` ±∞?
    pub const fn is_inf(&self, code: u64) -> bool {
        match self.inf_code() {
            Some(i) => code & self.mag_mask() == i,
            None => false,
        }
    }
    /// Exponent of the lowest binade (where the field is 0 without subnormals, 1 with).
    pub const fn emin(&self) -> i32 {
        if self.subnormals {
            1 - self.bias
        } else {
            -self.bias
        }
    }
    /// `floor(log2(max finite))`.
    pub const fn emax(&self) -> i32 {
        let field = (self.max_finite() >> self.man_bits) as i32;
        field - self.bias
    }

    /// Decode a code exactly.
    pub const fn decode(&self, code: u64) -> Exact {
        let code = code & (self.sign_bit() | self.mag_mask());
        if self.is_nan(code) {
            return Exact::Nan;
        }
        let neg = code & self.sign_bit() != 0;
        if self.is_inf(code) {
            return Exact::Inf { neg };
        }
        let mag = code & self.mag_mask();
        let field = (mag >> self.man_bits) as i32;
        let frac = mag & ((1u64 << self.man_bits) - 1);
        if self.subnormals && field == 0 {
            if frac == 0 {
                return Exact::Zero { neg };
            }
            return Exact::Finite { neg, sig: frac, exp: self.emin() - self.man_bits as i32, sticky: false };
        }
        Exact::Finite {
            neg,
            sig: frac | (1u64 << self.man_bits),
            exp: field - self.bias - self.man_bits as i32,
            sticky: false,
        }
    }
}

/// IEEE binary64.
pub const F64_LAYOUT: IeeeLayout = IeeeLayout {
    exp_bits: 11,
    man_bits: 52,
    bias: 1023,
    signed: true,
    subnormals: true,
    specials: Specials::IeeeInfNan,
};
/// IEEE binary32.
pub const F32_LAYOUT: IeeeLayout =
    IeeeLayout { exp_bits: 8, man_bits: 23, bias: 127, signed: true, subnormals: true, specials: Specials::IeeeInfNan };
/// IEEE binary16.
pub const F16_LAYOUT: IeeeLayout =
    IeeeLayout { exp_bits: 5, man_bits: 10, bias: 15, signed: true, subnormals: true, specials: Specials::IeeeInfNan };
/// bfloat16.
pub const BF16_LAYOUT: IeeeLayout =
    IeeeLayout { exp_bits: 8, man_bits: 7, bias: 127, signed: true, subnormals: true, specials: Specials::IeeeInfNan };

const HALF: u64 = 1 << 63;

/// Should a truncated magnitude be incremented by one unit?
///
/// * `neg` — sign of the value (directed modes);
/// * `lsb` — the lowest kept bit (ties to even);
/// * `rest` — the discarded bits as a binary fraction of one unit, most significant first
///   (`1 << 63` is exactly one half);
/// * `sticky` — nonzero bits below those 64.
#[inline(always)]
pub fn round_increment(neg: bool, lsb: bool, rest: u64, sticky: bool, mode: Rounding) -> bool {
    match mode {
        Rounding::NearestEven => rest > HALF || (rest == HALF && (sticky || lsb)),
        Rounding::TowardZero => false,
        Rounding::Up => !neg && (rest != 0 || sticky),
        Rounding::Down => neg && (rest != 0 || sticky),
        Rounding::Stochastic(r) => {
            let f = (rest >> 32) as u32;
            f > r || (f == r && (rest as u32 != 0 || sticky))
        }
    }
}

/// Does `mode` round toward zero for a value of this sign?
#[inline(always)]
fn toward_zero(neg: bool, mode: Rounding) -> bool {
    match mode {
        Rounding::TowardZero => true,
        Rounding::Up => neg,
        Rounding::Down => !neg,
        _ => false,
    }
}

#[inline(always)]
fn nan_or_zero(l: &IeeeLayout) -> u64 {
    l.nan_code().unwrap_or_default()
}

/// The code for an overflowed value (rounded magnitude above max finite).
#[inline]
fn overflow_code(l: &IeeeLayout, neg: bool, mode: Rounding, overflow: Overflow) -> u64 {
    let sign = if neg { l.sign_bit() } else { 0 };
    let mag = match overflow {
        Overflow::Saturating => l.max_finite(),
        Overflow::NonSaturating => {
            if toward_zero(neg, mode) {
                l.max_finite()
            } else if let Some(inf) = l.inf_code() {
                inf
            } else if let Some(nan) = l.nan_code() {
                return nan;
            } else {
                l.max_finite()
            }
        }
    };
    sign | mag
}

/// Split `sig · 2^exp` at unit exponent `q`: (kept magnitude, rest fraction, sticky).
#[inline(always)]
fn split(sig: u64, exp: i32, q: i32, sticky: bool) -> (u64, u64, bool) {
    let shift = q - exp;
    if shift <= 0 {
        // The caller guarantees the kept magnitude fits.
        (sig << ((-shift) as u32), 0, sticky)
    } else if shift < 64 {
        (sig >> shift, sig << (64 - shift), sticky)
    } else if shift == 64 {
        (0, sig, sticky)
    } else if shift < 128 {
        let s = (shift - 64) as u32;
        (0, sig >> s, sticky || (sig & ((1u64 << s) - 1)) != 0)
    } else {
        (0, 0, true)
    }
}

/// Round an exact value into `layout`: the code (sign bit included).
///
/// The semantics (shared with the MPFR reference, written independently there): round on the
/// format's grid extended above max finite with the top binade's spacing, ties to the even
/// code, then apply the overflow rule; zero keeps its sign where the layout has −0; an
/// unsigned layout maps negative values and zero to NaN and tiny positive values to its
/// smallest value.
#[inline]
pub fn round_ieee(x: Exact, l: &IeeeLayout, mode: Rounding, overflow: Overflow) -> u64 {
    match x {
        Exact::Nan => nan_or_zero(l),
        Exact::Inf { neg } => {
            if neg && !l.signed {
                return nan_or_zero(l);
            }
            let sign = if neg { l.sign_bit() } else { 0 };
            match (overflow, l.inf_code()) {
                (Overflow::Saturating, _) => sign | l.max_finite(),
                (Overflow::NonSaturating, Some(inf)) => sign | inf,
                (Overflow::NonSaturating, None) => match l.nan_code() {
                    Some(n) => n,
                    None => sign | l.max_finite(),
                },
            }
        }
        Exact::Zero { neg } => {
            if !l.signed {
                nan_or_zero(l)
            } else if neg && l.has_neg_zero() {
                l.sign_bit()
            } else {
                0
            }
        }
        Exact::Finite { neg, sig, exp, sticky } => {
            debug_assert!(!sticky || sig >> 63 == 1, "a sticky Exact must carry a full 64-bit significand");
            if neg && !l.signed {
                return nan_or_zero(l);
            }
            let man = l.man_bits as i32;
            let emin = l.emin();
            let top = exp + 63 - sig.leading_zeros() as i32; // floor(log2 |x|)
            if top > l.emax() + 1 {
                return overflow_code(l, neg, mode, overflow);
            }
            if !l.subnormals && top < emin {
                // No zero to round to: the smallest value.
                return 0;
            }
            let binade = if top > emin { top } else { emin };
            let (m, rest, st) = split(sig, exp, binade - man, sticky);
            let base: u64 =
                if l.subnormals { ((binade - emin + 1) as u64) << man } else { ((binade - emin) as u64) << man };
            // `m` carries the hidden bit for normal values; subnormals have m < 2^man.
            let mut code = base + m - (1u64 << man);
            // Without fraction bits (E8M0) the implicit leading 1 is the last digit: ties go
            // away from zero, as LLVM APFloat, PyTorch and ml_dtypes do (SEMANTICS rule 2).
            let lsb = code & 1 != 0 || man == 0;
            if round_increment(neg, lsb, rest, st, mode) {
                code += 1;
            }
            if code > l.max_finite() {
                return overflow_code(l, neg, mode, overflow);
            }
            if code == 0 {
                return if neg && l.has_neg_zero() { l.sign_bit() } else { 0 };
            }
            if neg {
                code | l.sign_bit()
            } else {
                code
            }
        }
    }
}

/// Round `(sig + δ)·2^exp` to an integer magnitude under `mode`; `None` if it exceeds `u128`.
pub fn round_to_integer(neg: bool, sig: u64, exp: i32, sticky: bool, mode: Rounding) -> Option<u128> {
    if exp >= 0 {
        if exp >= 64 {
            return None;
        }
        return Some((sig as u128) << exp);
    }
    let (m, rest, st) = split(sig, exp, 0, sticky);
    let mut m = m as u128;
    if round_increment(neg, m & 1 != 0, rest, st, mode) {
        m += 1;
    }
    Some(m)
}
