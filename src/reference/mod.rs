//! The MPFR/GMP reference oracle (feature `reference`).
//!
//! This module is the *independent* implementation of `notes/SEMANTICS.md` that the
//! library, its tests, fuzz targets, benches and the command-line golden model are
//! checked against. It deliberately shares no code with the library's rounding core:
//! the only things it takes from the crate are the two plain mode enums
//! [`Rounding`](crate::Rounding) and [`Overflow`](crate::Overflow).
//!
//! How it works, in one paragraph: every format is described by hand in a
//! [`RefFormat`] (field widths, bias, which codes are NaN / Inf, whether it has `-0`).
//! [`RefFormat::decode`] turns a code into an exact [`RefValue`] straight from the bit
//! fields. Addition, subtraction, multiplication and fused multiply-add are done exactly on
//! `rug::Rational`; division and square root go through MPFR (`rug::Float`) at 256 bits,
//! whose ternary value tells on which side of the computed value the exact result lies
//! ([`RefFormat::round_float`] uses it to settle any comparison that lands exactly on a
//! threshold). The exact (or exactly bracketed) result is then turned back into a
//! code by a deliberately naive encoder: a sorted table of every finite positive value
//! of the format (plus the one virtual grid point above the maximum, SEMANTICS rule 1),
//! a binary search with exact rational comparisons against the two neighbours, their
//! midpoint (nearest-even) or the stochastic threshold, and then the overflow / sign of
//! zero / NaN rules applied as separate, explicit steps. No bit tricks.
//!
//! The three standard formats `float16` (IEEE binary16), `bfloat16` and `float32` (IEEE
//! binary32) are described the same way ([`ieee_ref_formats`]). The two 16-bit ones use the
//! same sorted-table encoder (32 K entries). `float32` would need a table of 2^31 values, so
//! it uses a second, *direct* encoder instead ([`RefFormat::round_direct`]): find
//! `k = floor(log2 |x|)` by exact comparisons with powers of two, take the quantum
//! `2^(max(k, emin) - man_bits)` of that binade, find the integer `n` with
//! `n*q <= |x| < (n+1)*q` by exact comparisons, then decide between the two neighbours
//! exactly as the table encoder does. Every step is verified by the same comparator (an
//! exact rational estimate of `|x|` only supplies the starting guesses), and the chosen
//! code is checked against the field decoder. The direct encoder works for every format with
//! a zero and mantissa bits, so the tests cross-check it against the table encoder on the
//! 16-bit and 8-bit formats.
//!
//! Everything here is slow on purpose and optimised only for being obviously right.

mod encoder;
mod fused;
mod ops;
mod parse;
pub mod posit;

use core::cmp::Ordering;
use core::fmt;
use std::sync::OnceLock;

use rug::{Integer, Rational};

pub use fused::{
    ref_dot, ref_dot_exact, ref_dot_round, ref_fused, ref_fused_each, ref_fused_exact, FusedOp, RefSplitMix64,
};
pub use ops::{exact_add, exact_mul, exact_mul_add, exact_sub};
pub use parse::{parse_decimal, RefParseError};
pub use posit::{PositEncoder, RefPosit};

/// An exact value of a format (or of an intermediate result), as the oracle sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefValue {
    /// Not a number (the sign of a NaN carries no meaning here).
    Nan,
    /// An infinity.
    Inf {
        /// `true` for `-inf`.
        neg: bool,
    },
    /// A zero, with its sign.
    Zero {
        /// `true` for `-0`.
        neg: bool,
    },
    /// A finite, **nonzero** real number, exact.
    Num(Rational),
}

impl RefValue {
    /// `true` for [`RefValue::Nan`].
    pub fn is_nan(&self) -> bool {
        matches!(self, RefValue::Nan)
    }

    /// The exact value as a rational, for zeros and finite numbers; `None` for NaN / Inf.
    pub fn to_rational(&self) -> Option<Rational> {
        match self {
            RefValue::Zero { .. } => Some(Rational::new()),
            RefValue::Num(q) => Some(q.clone()),
            _ => None,
        }
    }

    /// Builds a value from an exact rational: `0` becomes `+0`, anything else [`RefValue::Num`].
    pub fn from_rational(q: Rational) -> RefValue {
        if q == 0 {
            RefValue::Zero { neg: false }
        } else {
            RefValue::Num(q)
        }
    }

    /// The exact value of an `f64` (NaN, ±inf and ±0 map to the matching variants).
    pub fn from_f64(x: f64) -> RefValue {
        if x.is_nan() {
            RefValue::Nan
        } else if x.is_infinite() {
            RefValue::Inf { neg: x < 0.0 }
        } else if x == 0.0 {
            RefValue::Zero { neg: x.is_sign_negative() }
        } else {
            // Every finite f64 is a dyadic rational, so this conversion is exact and cannot fail.
            match Rational::from_f64(x) {
                Some(q) => RefValue::Num(q),
                None => RefValue::Nan,
            }
        }
    }

    /// Negation (IEEE `negate`: flips the sign of zeros and infinities, NaN stays NaN).
    pub fn negated(&self) -> RefValue {
        match self {
            RefValue::Nan => RefValue::Nan,
            RefValue::Inf { neg } => RefValue::Inf { neg: !neg },
            RefValue::Zero { neg } => RefValue::Zero { neg: !neg },
            RefValue::Num(q) => RefValue::Num(Rational::from(-q)),
        }
    }

    /// The sign bit of the value (`false` for NaN).
    pub fn is_neg(&self) -> bool {
        match self {
            RefValue::Nan => false,
            RefValue::Inf { neg } | RefValue::Zero { neg } => *neg,
            RefValue::Num(q) => *q < 0,
        }
    }
}

impl fmt::Display for RefValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefValue::Nan => f.write_str("NaN"),
            RefValue::Inf { neg: false } => f.write_str("+Inf"),
            RefValue::Inf { neg: true } => f.write_str("-Inf"),
            RefValue::Zero { neg: false } => f.write_str("+0"),
            RefValue::Zero { neg: true } => f.write_str("-0"),
            RefValue::Num(q) => f.write_str(&rational_to_string(q)),
        }
    }
}

/// Which codes of a format are infinities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InfCodes {
    /// The format has no infinity.
    None,
    /// IEEE style: exponent field all ones, mantissa field zero (`S.11111.00` in E5M2).
    ExpAllOnesManZero,
}

/// Which codes of a format are NaN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NanCodes {
    /// The format has no NaN (the MX element types FP6 / FP4).
    None,
    /// Exponent and mantissa fields both all ones, either sign (`S.1111.111` in E4M3FN).
    ExpAndManAllOnes,
    /// IEEE style: exponent field all ones, mantissa field nonzero, either sign.
    ExpAllOnesManNonzero,
    /// The "negative zero" pattern (sign bit alone, `0x80`) — the fnuz formats.
    NegZeroPattern,
    /// The all-ones code of an unsigned format (`0xFF` in E8M0).
    AllOnes,
}

/// How a format turns an exact value into a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoder {
    /// Binary search in the sorted table of every finite value (formats of up to 16 bits).
    Table,
    /// The direct construction of [`RefFormat::round_direct`] (`float32`: no table).
    Direct,
}

/// The extreme values of a format, read off the decoder.
#[derive(Debug)]
struct Bounds {
    /// The largest finite value and its code.
    max: Rational,
    max_code: u32,
    /// The smallest positive value.
    min_positive: Rational,
    /// The virtual grid point one code above the maximum (SEMANTICS rule 1).
    virt: Rational,
}

/// Exact tables derived from a format's decoder, built once on first use.
#[derive(Debug)]
struct Tables {
    /// Every finite, nonzero, positive value with its code, ascending.
    values: Vec<(Rational, u32)>,
    /// The extended rounding grid of SEMANTICS rule 1: `0` (if the format has a zero),
    /// then `values`, then the virtual point one code above the maximum (`max + ulp_top`),
    /// each with its magnitude code (the virtual point gets `max_code + 1`).
    grid: Vec<(Rational, u32)>,
    /// `midpoints[i]` is the exact midpoint `(grid[i] + grid[i + 1]) / 2`.
    midpoints: Vec<Rational>,
    /// `grid_keys[i]` approximates `grid[i]` as an `f64`: a compact index that only narrows
    /// the encoder's exact search (never decides anything by itself).
    grid_keys: Vec<f64>,
}

/// A hand-written description of one low-precision format, straight from the spec table in
/// `notes/SEMANTICS.md`, together with lazily built exact value tables.
pub struct RefFormat {
    name: &'static str,
    bits: u32,
    exp_bits: u32,
    man_bits: u32,
    bias: i32,
    /// Whether the top bit of the code is a sign bit (everything except E8M0).
    signed: bool,
    /// Whether the format has a zero at all (E8M0 has none).
    has_zero: bool,
    /// Whether the `-0` pattern is a negative zero (false for fnuz and unsigned formats).
    neg_zero: bool,
    inf: InfCodes,
    nan: NanCodes,
    /// The NaN code the oracle produces (positive sign), per SEMANTICS.md.
    canonical_nan: Option<u32>,
    /// Which encoder [`RefFormat::round`] uses.
    encoder: Encoder,
    tables: OnceLock<Tables>,
    bounds: OnceLock<Bounds>,
}

impl fmt::Debug for RefFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefFormat")
            .field("name", &self.name)
            .field("bits", &self.bits)
            .field("exp_bits", &self.exp_bits)
            .field("man_bits", &self.man_bits)
            .field("bias", &self.bias)
            .field("signed", &self.signed)
            .field("has_zero", &self.has_zero)
            .field("neg_zero", &self.neg_zero)
            .field("inf", &self.inf)
            .field("nan", &self.nan)
            .field("canonical_nan", &self.canonical_nan)
            .field("encoder", &self.encoder)
            .finish()
    }
}

impl fmt::Display for RefFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Shorthand for the hand-written table below.
#[allow(clippy::too_many_arguments)]
const fn spec(
    name: &'static str,
    bits: u32,
    exp_bits: u32,
    man_bits: u32,
    bias: i32,
    signed: bool,
    has_zero: bool,
    neg_zero: bool,
    inf: InfCodes,
    nan: NanCodes,
    canonical_nan: Option<u32>,
    encoder: Encoder,
) -> RefFormat {
    RefFormat {
        name,
        bits,
        exp_bits,
        man_bits,
        bias,
        signed,
        has_zero,
        neg_zero,
        inf,
        nan,
        canonical_nan,
        encoder,
        tables: OnceLock::new(),
        bounds: OnceLock::new(),
    }
}

/// The ten formats of SEMANTICS.md, written out by hand from its table, then the three
/// standard formats (IEEE binary16, bfloat16, IEEE binary32: `±inf` at exponent all ones with
/// a zero mantissa, NaN at exponent all ones with a nonzero mantissa, canonical quiet NaN).
#[rustfmt::skip]
static FORMATS: [RefFormat; 13] = [
    // (name, bits, exp bits, man bits, bias, signed, has zero, has -0, Inf codes, NaN codes, canonical NaN, encoder)
    spec("float8_e4m3fn",      8,  4, 3, 7,   true,  true, true,  InfCodes::None,                NanCodes::ExpAndManAllOnes,     Some(0x7F), Encoder::Table),
    spec("float8_e5m2",        8,  5, 2, 15,  true,  true, true,  InfCodes::ExpAllOnesManZero,   NanCodes::ExpAllOnesManNonzero, Some(0x7E), Encoder::Table),
    spec("float8_e4m3fnuz",    8,  4, 3, 8,   true,  true, false, InfCodes::None,                NanCodes::NegZeroPattern,       Some(0x80), Encoder::Table),
    spec("float8_e5m2fnuz",    8,  5, 2, 16,  true,  true, false, InfCodes::None,                NanCodes::NegZeroPattern,       Some(0x80), Encoder::Table),
    spec("float8_e4m3b11fnuz", 8,  4, 3, 11,  true,  true, false, InfCodes::None,                NanCodes::NegZeroPattern,       Some(0x80), Encoder::Table),
    spec("float8_e4m3",        8,  4, 3, 7,   true,  true, true,  InfCodes::ExpAllOnesManZero,   NanCodes::ExpAllOnesManNonzero, Some(0x7C), Encoder::Table),
    spec("float6_e2m3fn",      6,  2, 3, 1,   true,  true, true,  InfCodes::None,                NanCodes::None,                 None,       Encoder::Table),
    spec("float6_e3m2fn",      6,  3, 2, 3,   true,  true, true,  InfCodes::None,                NanCodes::None,                 None,       Encoder::Table),
    spec("float4_e2m1fn",      4,  2, 1, 1,   true,  true, true,  InfCodes::None,                NanCodes::None,                 None,       Encoder::Table),
    spec("float8_e8m0fnu",     8,  8, 0, 127, false, false, false, InfCodes::None,               NanCodes::AllOnes,              Some(0xFF), Encoder::Table),
    // The standard formats (not in SEMANTICS.md's table; IEEE 754 binary16 / binary32 and bfloat16).
    spec("float16",            16, 5, 10, 15,  true,  true, true,  InfCodes::ExpAllOnesManZero,  NanCodes::ExpAllOnesManNonzero, Some(0x7E00),      Encoder::Table),
    spec("bfloat16",           16, 8, 7,  127, true,  true, true,  InfCodes::ExpAllOnesManZero,  NanCodes::ExpAllOnesManNonzero, Some(0x7FC0),      Encoder::Table),
    spec("float32",            32, 8, 23, 127, true,  true, true,  InfCodes::ExpAllOnesManZero,  NanCodes::ExpAllOnesManNonzero, Some(0x7FC0_0000), Encoder::Direct),
];

/// How many of [`FORMATS`] are the minifloats of SEMANTICS.md.
const N_MINIFLOATS: usize = 10;

/// Looks a format up by its name: the ml_dtypes name of a minifloat (e.g. `"float8_e4m3fn"`)
/// or `"float16"`, `"bfloat16"`, `"float32"` (the library's `LowpFloat::NAME`).
pub fn ref_format(name: &str) -> Option<&'static RefFormat> {
    FORMATS.iter().find(|f| f.name == name)
}

/// The ten minifloats of SEMANTICS.md, in the order of its table (without the standard
/// formats; see [`all_ref_formats_with_ieee`]).
pub fn all_ref_formats() -> &'static [RefFormat] {
    &FORMATS[..N_MINIFLOATS]
}

/// The three standard formats: `float16`, `bfloat16`, `float32`.
pub fn ieee_ref_formats() -> &'static [RefFormat] {
    &FORMATS[N_MINIFLOATS..]
}

/// All thirteen formats: the ten minifloats, then `float16`, `bfloat16`, `float32`.
pub fn all_ref_formats_with_ieee() -> &'static [RefFormat] {
    &FORMATS
}

/// `2^k` as an exact rational.
pub(crate) fn pow2(k: i32) -> Rational {
    Rational::from(1) << k
}

impl RefFormat {
    /// The ml_dtypes name of the format.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Width of a code in bits (4, 6, 8, 16 or 32).
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// Number of exponent-field bits.
    pub fn exp_bits(&self) -> u32 {
        self.exp_bits
    }

    /// Number of mantissa-field (trailing significand) bits.
    pub fn man_bits(&self) -> u32 {
        self.man_bits
    }

    /// The exponent bias.
    pub fn bias(&self) -> i32 {
        self.bias
    }

    /// Number of distinct codes, `2^bits`.
    ///
    /// Panics for `float32` (`2^32` does not fit in a `u32`); see [`RefFormat::code_count`]
    /// and [`RefFormat::code_mask`].
    pub fn num_codes(&self) -> u32 {
        assert!(
            self.bits < 32,
            "{} has 2^{} codes, more than a u32 holds: use code_count() / code_mask()",
            self.name,
            self.bits
        );
        1u32 << self.bits
    }

    /// Number of distinct codes, `2^bits`, for every format.
    pub fn code_count(&self) -> u64 {
        1u64 << self.bits
    }

    /// The largest code, `2^bits - 1` (all code bits set).
    pub fn code_mask(&self) -> u32 {
        u32::MAX >> (32 - self.bits)
    }

    /// Whether [`RefFormat::round`] uses the direct construction rather than a value table
    /// (`float32`).
    pub fn uses_direct_encoder(&self) -> bool {
        self.encoder == Encoder::Direct
    }

    /// Whether the top code bit is a sign bit.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// Whether the format has an infinity.
    pub fn has_inf(&self) -> bool {
        self.inf != InfCodes::None
    }

    /// Whether the format has a NaN.
    pub fn has_nan(&self) -> bool {
        self.nan != NanCodes::None
    }

    /// Whether the format has a zero (all but E8M0).
    pub fn has_zero(&self) -> bool {
        self.has_zero
    }

    /// Whether the format has a distinct negative zero.
    pub fn has_neg_zero(&self) -> bool {
        self.neg_zero
    }

    /// The sign-bit mask, for signed formats.
    pub fn sign_mask(&self) -> Option<u32> {
        if self.signed {
            Some(1u32 << (self.bits - 1))
        } else {
            None
        }
    }

    /// The NaN code the oracle produces, if the format has NaN.
    pub fn canonical_nan(&self) -> Option<u32> {
        self.canonical_nan
    }

    /// The code of `+inf` (`neg == false`) or `-inf`, if the format has infinities.
    pub fn inf_code(&self, neg: bool) -> Option<u32> {
        match self.inf {
            InfCodes::None => None,
            InfCodes::ExpAllOnesManZero => {
                let exp_all_ones = ((1u32 << self.exp_bits) - 1) << self.man_bits;
                Some(self.apply_sign(exp_all_ones, neg))
            }
        }
    }

    /// The code of a zero with the requested sign, following SEMANTICS rule 4
    /// (`-0` only where the format has it, else `+0`). `None` for E8M0 (no zero).
    pub fn zero_code(&self, neg: bool) -> Option<u32> {
        if !self.has_zero {
            None
        } else if neg && self.neg_zero {
            self.sign_mask()
        } else {
            Some(0)
        }
    }

    /// The largest finite value.
    pub fn max_finite(&self) -> &Rational {
        &self.bounds().max
    }

    /// The code of the largest finite (positive) value.
    pub fn max_finite_code(&self) -> u32 {
        self.bounds().max_code
    }

    /// The smallest positive value (the smallest subnormal; `2^-127` for E8M0).
    pub fn min_positive(&self) -> &Rational {
        &self.bounds().min_positive
    }

    /// The virtual grid point one code above the maximum (SEMANTICS rule 1).
    pub fn virtual_above_max(&self) -> &Rational {
        &self.bounds().virt
    }

    /// Splits a code into (sign, exponent field, mantissa field), per the format's layout.
    /// For the unsigned E8M0 the sign is always `false` and the whole code is the exponent.
    fn fields(&self, code: u32) -> (bool, u32, u32) {
        let sign = self.signed && (code >> (self.bits - 1)) & 1 == 1;
        let exp = (code >> self.man_bits) & ((1u32 << self.exp_bits) - 1);
        let man = code & ((1u32 << self.man_bits) - 1);
        (sign, exp, man)
    }

    /// Sets the sign bit on a magnitude code when `neg` is true (signed formats only).
    fn apply_sign(&self, magnitude_code: u32, neg: bool) -> u32 {
        match (neg, self.sign_mask()) {
            (true, Some(s)) => magnitude_code | s,
            _ => magnitude_code,
        }
    }

    fn check_code(&self, code: u32) {
        assert!(code <= self.code_mask(), "code {code:#x} out of range for {} ({} bits)", self.name, self.bits);
    }

    /// Whether `code` is a NaN of this format. Panics if `code > code_mask()`.
    pub fn is_nan_code(&self, code: u32) -> bool {
        self.check_code(code);
        let (_, exp, man) = self.fields(code);
        let exp_ones = (1u32 << self.exp_bits) - 1;
        let man_ones = (1u32 << self.man_bits) - 1;
        match self.nan {
            NanCodes::None => false,
            NanCodes::ExpAndManAllOnes => exp == exp_ones && man == man_ones,
            NanCodes::ExpAllOnesManNonzero => exp == exp_ones && man != 0,
            NanCodes::NegZeroPattern => Some(code) == self.sign_mask(),
            NanCodes::AllOnes => code == self.code_mask(),
        }
    }

    /// Whether `code` is an infinity of this format. Panics if `code > code_mask()`.
    pub fn is_inf_code(&self, code: u32) -> bool {
        self.check_code(code);
        let (_, exp, man) = self.fields(code);
        match self.inf {
            InfCodes::None => false,
            InfCodes::ExpAllOnesManZero => exp == (1u32 << self.exp_bits) - 1 && man == 0,
        }
    }

    /// The magnitude of a finite code read straight from its fields, ignoring the special
    /// codes: `exp == 0` is subnormal `man * 2^(1 - bias - man_bits)`, otherwise
    /// `(2^man_bits + man) * 2^(exp - bias - man_bits)`; E8M0 (no mantissa, no subnormals)
    /// is `2^(exp - bias)`. Also used for the virtual code one above the maximum, which is
    /// exactly "max + one ulp of the top binade" (or the next power of two for E8M0).
    fn field_magnitude(&self, exp: u32, man: u32) -> Rational {
        let bias = self.bias;
        let m = self.man_bits as i32;
        if !self.has_zero {
            // E8M0: pure power of two, no subnormals.
            debug_assert_eq!(self.man_bits, 0);
            pow2(exp as i32 - bias)
        } else if exp == 0 {
            Rational::from(man) * pow2(1 - bias - m)
        } else {
            Rational::from((1u32 << self.man_bits) + man) * pow2(exp as i32 - bias - m)
        }
    }

    /// Decodes a code into its exact value, from the bit fields. Panics if
    /// `code > code_mask()`.
    pub fn decode(&self, code: u32) -> RefValue {
        self.check_code(code);
        if self.is_nan_code(code) {
            return RefValue::Nan;
        }
        let (neg, exp, man) = self.fields(code);
        if self.is_inf_code(code) {
            return RefValue::Inf { neg };
        }
        if self.has_zero && exp == 0 && man == 0 {
            // (The fnuz "-0" pattern was caught above as NaN.)
            return RefValue::Zero { neg };
        }
        let mag = self.field_magnitude(exp, man);
        RefValue::Num(if neg { -mag } else { mag })
    }

    fn tables(&self) -> &Tables {
        assert!(
            self.encoder == Encoder::Table,
            "{} has no value table ({} bits): use decode() / round_direct()",
            self.name,
            self.bits
        );
        self.tables.get_or_init(|| self.build_tables())
    }

    fn bounds(&self) -> &Bounds {
        self.bounds.get_or_init(|| match self.encoder {
            Encoder::Table => {
                let t = self.tables();
                let (max, max_code) = t.values.last().cloned().expect("every format has finite values");
                Bounds {
                    max,
                    max_code,
                    min_positive: t.values[0].0.clone(),
                    virt: t.grid.last().expect("grid is never empty").0.clone(),
                }
            }
            Encoder::Direct => self.scan_bounds(),
        })
    }

    /// The bounds of a format too large for a table, read off the decoder: the largest finite
    /// value is that of the highest positive code that decodes to a number (below it lie only
    /// the NaN and Inf codes, which [`RefFormat::decode`] answers without arithmetic), the
    /// smallest positive value that of the lowest such code. Only for the direct encoder,
    /// whose formats (IEEE layout) have their positive values increasing with the code.
    fn scan_bounds(&self) -> Bounds {
        assert!(self.signed && self.has_zero && self.man_bits > 0, "{}: not an IEEE layout", self.name);
        let top = self.sign_mask().expect("signed") - 1;
        let (max, max_code) = (0..=top)
            .rev()
            .find_map(|c| match self.decode(c) {
                RefValue::Num(q) => Some((q, c)),
                _ => None,
            })
            .expect("every format has finite values");
        let (min_positive, min_code) = (0..=top)
            .find_map(|c| match self.decode(c) {
                RefValue::Num(q) => Some((q, c)),
                _ => None,
            })
            .expect("every format has finite values");
        // Monotonic around both ends (the layout's defining property, spot-checked here).
        assert!(min_positive > 0 && max > min_positive);
        assert!(matches!(self.decode(min_code + 1), RefValue::Num(q) if q > min_positive));
        assert!(matches!(self.decode(max_code - 1), RefValue::Num(q) if q < max));
        let virt = self.virtual_point(max_code, &max);
        Bounds { max, max_code, min_positive, virt }
    }

    /// The virtual grid point of SEMANTICS rule 1 above the maximum (code `max_code`, value
    /// `max`): the value the next code would have, i.e. max + ulp of the top binade (E8M0: the
    /// next power of two). Checked against that definition.
    fn virtual_point(&self, max_code: u32, max: &Rational) -> Rational {
        let (_, max_exp, max_man) = self.fields(max_code);
        let (v_exp, v_man) =
            if max_man + 1 < (1u32 << self.man_bits) { (max_exp, max_man + 1) } else { (max_exp + 1, 0) };
        let virt = self.field_magnitude(v_exp, v_man);
        let ulp_top = pow2(max_exp as i32 - self.bias - self.man_bits as i32);
        assert_eq!(virt, Rational::from(max + &ulp_top), "{}: virtual grid point", self.name);
        virt
    }

    fn build_tables(&self) -> Tables {
        // Every code without the sign bit that decodes to a nonzero finite number.
        let positive_codes = match self.sign_mask() {
            Some(s) => 0..s,
            None => 0..self.num_codes(),
        };
        let mut values: Vec<(Rational, u32)> = positive_codes
            .filter_map(|c| match self.decode(c) {
                RefValue::Num(q) => Some((q, c)),
                _ => None,
            })
            .collect();
        values.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!values.is_empty());
        for w in values.windows(2) {
            assert!(w[0].0 < w[1].0, "{}: duplicate value in the table", self.name);
        }
        let (max, max_code) = values.last().cloned().expect("nonempty");
        let virt = self.virtual_point(max_code, &max);

        let mut grid = Vec::with_capacity(values.len() + 2);
        if self.has_zero {
            grid.push((Rational::new(), 0));
        }
        grid.extend(values.iter().cloned());
        grid.push((virt, max_code + 1));
        let midpoints = grid.windows(2).map(|w| Rational::from(&w[0].0 + &w[1].0) / 2u32).collect();
        let grid_keys = grid.iter().map(|(g, _)| g.to_f64()).collect();
        Tables { values, grid, midpoints, grid_keys }
    }

    /// All finite, nonzero, positive values with their codes, ascending (built on first use).
    ///
    /// Panics for `float32`, which has no table (2^31 values).
    pub fn values_sorted(&self) -> &[(Rational, u32)] {
        &self.tables().values
    }

    /// The extended grid used by the encoder (see [`Tables::grid`]).
    fn grid(&self) -> &[(Rational, u32)] {
        &self.tables().grid
    }

    /// The approximate search keys of the grid (see [`Tables::grid_keys`]).
    fn grid_keys(&self) -> &[f64] {
        &self.tables().grid_keys
    }

    /// The midpoints of consecutive grid points (see [`Tables::midpoints`]).
    fn midpoints(&self) -> &[Rational] {
        &self.tables().midpoints
    }
}

/// Formats an exact rational for humans: an exact decimal when that is short, otherwise
/// `m*2^k` (dyadic) or `p/q`.
pub(crate) fn rational_to_string(q: &Rational) -> String {
    if q.denom() == &Integer::from(1) {
        return q.numer().to_string();
    }
    let den = q.denom();
    if den.is_power_of_two() {
        let k = den.significant_bits() - 1; // q = numer / 2^k
        if k <= 24 {
            // Exact decimal: numer * 5^k / 10^k.
            let neg = *q < 0;
            let scaled = Integer::from(q.numer().abs_ref()) * Integer::from(Integer::u_pow_u(5, k));
            let mut digits = scaled.to_string();
            let k = k as usize;
            if digits.len() <= k {
                digits = format!("{}{}", "0".repeat(k + 1 - digits.len()), digits);
            }
            let (int, frac) = digits.split_at(digits.len() - k);
            let frac = frac.trim_end_matches('0');
            return format!("{}{}.{}", if neg { "-" } else { "" }, int, frac);
        }
        if q.numer().clone().abs() == 1 {
            return format!("{}2^-{}", if *q < 0 { "-" } else { "" }, k);
        }
        return format!("{}*2^-{}", q.numer(), k);
    }
    format!("{}/{}", q.numer(), q.denom())
}

/// A one-line description of a code for failure messages: hex, bits and exact value,
/// e.g. `0x7e (0b0111_1110) = 448` for float8_e4m3fn, `0x7f (0b0111_1111) = NaN`,
/// `0x7 (0b0111) = 6` for float4_e2m1fn, `0x3c00 (0b0011_1100_0000_0000) = 1` for float16.
/// Values with long decimal expansions print as `2^-k` / `m*2^-k`; for the 16- and 32-bit
/// formats these are followed by a decimal approximation, e.g. `= 2^-24 (~5.96046448e-8)`.
pub fn describe(fmt: &RefFormat, code: u32) -> String {
    if code > fmt.code_mask() {
        return format!("{:#x} (invalid code: {} has {} bits)", code, fmt.name, fmt.bits);
    }
    let mut bin = String::new();
    for i in (0..fmt.bits).rev() {
        bin.push(if (code >> i) & 1 == 1 { '1' } else { '0' });
        if i % 4 == 0 && i != 0 {
            bin.push('_');
        }
    }
    let hex_width = fmt.bits.div_ceil(4) as usize;
    let value = fmt.decode(code);
    let mut text = value.to_string();
    if let (true, RefValue::Num(q)) = (fmt.bits > 8 && text.contains('^'), &value) {
        // For reading only: the exact value is the text before it.
        text.push_str(&format!(" (~{:.8e})", q.to_f64()));
    }
    format!("{:#0w$x} (0b{}) = {}", code, bin, text, w = hex_width + 2)
}

/// The comparison the encoder needs: the sign of `|exact| - t` for a threshold `t >= 0`
/// (the exact value is nonzero, so `t = 0` always compares `Greater`).
/// It is an `Ordering`-valued oracle so that the same encoder serves exact rationals and
/// MPFR approximations with a known direction of error.
pub(crate) type MagCmp<'a> = &'a dyn Fn(&Rational) -> Ordering;
