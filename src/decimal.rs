//! Decimal text: correctly rounded parsing and shortest round-trip printing.
//!
//! * [`parse`] / [`parse_with`] read any decimal string (any number of digits, any exponent)
//!   and round it **once**, under any [`Rounding`] mode, by the format's own rounding core
//!   ([`LowpFloat::round_exact`]). There is no intermediate binary format (no double rounding
//!   through `f64`): the decimal is turned into an [`Exact`] with exact integer arithmetic
//!   ([`parse_exact`]).
//! * [`fmt_shortest`] (the `Display` of every minifloat) prints the shortest decimal that
//!   [`parse`] reads back to the same code, in plain notation like `f64`'s `Display`.
//!
//! Everything here is `no_std` (only `core`): the big integers are fixed-size arrays on the
//! stack.
//!
//! ```
//! use lowp::{decimal, Float8E4M3FN, LowpFloat, Overflow, Rounding};
//!
//! let x: Float8E4M3FN = decimal::parse("0.3").unwrap();
//! assert_eq!(x.to_f64(), 0.3125);
//! assert_eq!(x.to_string(), "0.3");
//! // Exactly halfway between 1 and 1.125: ties to even; a hair above goes up.
//! assert_eq!(decimal::parse::<Float8E4M3FN>("1.0625").unwrap().to_f64(), 1.0);
//! assert_eq!(decimal::parse::<Float8E4M3FN>("1.0625000000000000000000000000000001").unwrap().to_f64(), 1.125);
//! // Directed rounding of a decimal that no binary format holds exactly.
//! let up: Float8E4M3FN = decimal::parse_with("0.1", Rounding::Up, Overflow::Saturating).unwrap();
//! assert_eq!(up.to_f64(), 0.1015625);
//! assert!(decimal::parse::<Float8E4M3FN>("1e999999999999").unwrap().is_nan());
//! assert!(decimal::parse::<Float8E4M3FN>("1e").is_err());
//! ```

use core::fmt;

use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};

/// Why a decimal string could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseError {
    /// The string is empty (after trimming nothing: whitespace is not accepted).
    Empty,
    /// The string is not a decimal number (`[+-]digits[.digits][e[+-]digits]`, `nan`, `inf`).
    Invalid,
    /// A radix other than 10 was asked for.
    Radix(u32),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("cannot parse a number from an empty string"),
            ParseError::Invalid => f.write_str("invalid decimal number"),
            ParseError::Radix(r) => write!(f, "radix {r} is not supported (only 10)"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ParseError {}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/// Parse a decimal string, correctly rounded to `T` (nearest-even, `T`'s overflow rule).
///
/// Grammar (no whitespace, no `_`, no hex; words case-insensitive):
///
/// ```text
/// input    := sign? ( mantissa exponent? | "nan" | "inf" | "infinity" )
/// sign     := "+" | "-"
/// mantissa := digits ( "." digits? )? | "." digits
/// exponent := ( "e" | "E" ) sign? digits
/// ```
///
/// Any number of digits and any exponent are accepted; the result is the exact decimal value
/// rounded once (huge exponents overflow or underflow correctly, they never wrap).
///
/// ```
/// use lowp::{decimal, Float8E5M2, LowpFloat};
/// assert_eq!(decimal::parse::<Float8E5M2>("-1.75e-2").unwrap().to_f64(), -0.015625);
/// assert_eq!(decimal::parse::<Float8E5M2>("-1.7578125e-2").unwrap().to_f64(), -0.015625); // tie: even
/// assert_eq!(decimal::parse::<Float8E5M2>("-1.7578125000000000001e-2").unwrap().to_f64(), -0.01953125);
/// assert!(decimal::parse::<Float8E5M2>("1e400").unwrap().is_infinite());
/// assert_eq!(decimal::parse::<Float8E5M2>("-1e-400").unwrap().to_f64().to_bits(), (-0.0f64).to_bits());
/// assert_eq!(decimal::parse::<Float8E5M2>(""), Err(decimal::ParseError::Empty));
/// assert_eq!(decimal::parse::<Float8E5M2>("1.5.2"), Err(decimal::ParseError::Invalid));
/// ```
pub fn parse<T: LowpFloat>(s: &str) -> Result<T, ParseError> {
    parse_with(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW)
}

/// Parse a decimal string, correctly rounded to `T` under `rounding` and `overflow` (the same
/// grammar as [`parse`]). Every [`Rounding`] mode is exact, `Stochastic` included: the random
/// bits are compared with the exact position of the decimal between its two neighbours.
///
/// ```
/// use lowp::{decimal, Float4E2M1FN, LowpFloat, Overflow, Rounding};
/// let p = |s, r| decimal::parse_with::<Float4E2M1FN>(s, r, Overflow::Saturating).unwrap().to_f64();
/// assert_eq!(p("2.4", Rounding::NearestEven), 2.0);
/// assert_eq!(p("2.4", Rounding::Up), 3.0);
/// assert_eq!(p("-2.4", Rounding::Up), -2.0);
/// assert_eq!(p("-2.4", Rounding::Down), -3.0);
/// // 2.4 is 40% of the way from 2 to 3: it rounds up exactly when 0.4 · 2³² > r.
/// // 0.4 · 2³² = 1717986918.4
/// assert_eq!(p("2.4", Rounding::Stochastic(1_717_986_918)), 3.0);
/// assert_eq!(p("2.4", Rounding::Stochastic(1_717_986_919)), 2.0);
/// ```
pub fn parse_with<T: LowpFloat>(s: &str, rounding: Rounding, overflow: Overflow) -> Result<T, ParseError> {
    Ok(T::round_exact(parse_exact(s)?, rounding, overflow))
}

/// Parse a decimal string into an [`Exact`] that every format of the crate rounds correctly
/// (the grammar of [`parse`]).
///
/// The result is the exact value (with an odd significand) when its binary significand fits
/// in 64 bits; otherwise it is the value truncated to 64 significant bits (`sig ≥ 2^63`) with
/// `sticky` set, which is all a rounding
/// needs as long as the format keeps at most 32 significant bits (the rounding core reads the
/// kept bits, the next 32 bits — exactly, for `Stochastic` — and whether anything is below).
/// Magnitudes of `10^400` and more are replaced by a value just above `2^1400`, nonzero
/// magnitudes below `10^-400` by one just above `2^-1400`: no rounding threshold of any format here (not even
/// of `f64`) lies in those ranges, so every rounding mode gives the same result.
///
/// ```
/// use lowp::{decimal, Exact};
/// assert_eq!(decimal::parse_exact("-0.75"), Ok(Exact::Finite { neg: true, sig: 3, exp: -2, sticky: false }));
/// assert_eq!(decimal::parse_exact("-0"), Ok(Exact::Zero { neg: true }));
/// assert_eq!(decimal::parse_exact("Infinity"), Ok(Exact::Inf { neg: false }));
/// // 0.1 = 0xCCCC_CCCC_CCCC_CCCC.CCCC…·2⁻⁶⁷: truncated, with the rest in the sticky flag.
/// assert_eq!(
///     decimal::parse_exact("0.1"),
///     Ok(Exact::Finite { neg: false, sig: 0xCCCC_CCCC_CCCC_CCCC, exp: -67, sticky: true })
/// );
/// ```
pub fn parse_exact(s: &str) -> Result<Exact, ParseError> {
    let bytes = s.as_bytes();
    let (neg, body) = match bytes.split_first() {
        None => return Err(ParseError::Empty),
        Some((b'+', rest)) => (false, rest),
        Some((b'-', rest)) => (true, rest),
        Some(_) => (false, bytes),
    };
    if body.eq_ignore_ascii_case(b"nan") {
        return Ok(Exact::Nan);
    }
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Ok(Exact::Inf { neg });
    }

    // mantissa := digits ( "." digits? )? | "." digits
    let (int, rest) = split_digits(body);
    let (frac, rest) = match rest.split_first() {
        Some((b'.', after)) => split_digits(after),
        _ => (&[][..], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(ParseError::Invalid);
    }
    // exponent := ("e" | "E") sign? digits, saturated: only its size up to ~10^3 matters.
    let exp10: i64 = match rest.split_first() {
        None => 0,
        Some((b'e' | b'E', after)) => {
            let (eneg, after) = match after.split_first() {
                Some((b'+', a)) => (false, a),
                Some((b'-', a)) => (true, a),
                _ => (false, after),
            };
            let (edigits, tail) = split_digits(after);
            if edigits.is_empty() || !tail.is_empty() {
                return Err(ParseError::Invalid);
            }
            let mag = edigits.iter().fold(0i64, |v, &c| v.saturating_mul(10).saturating_add(i64::from(c - b'0')));
            if eneg {
                -mag
            } else {
                mag
            }
        }
        Some(_) => return Err(ParseError::Invalid),
    };

    // The significant digits are `int ++ frac` without leading and trailing zeros; with them in
    // `a ++ b`, the value is 0.(a b) · 10^top.
    let lead_int = count_leading_zeros(int);
    let (a, b, top_base) = match int.get(lead_int..) {
        Some(int_sig) if !int_sig.is_empty() => (int_sig, frac, len_i64(int_sig)),
        _ => {
            let lead_frac = count_leading_zeros(frac);
            (frac.get(lead_frac..).unwrap_or(&[]), &[][..], -i64::try_from(lead_frac).unwrap_or(i64::MAX))
        }
    };
    let (a, b) =
        if trim_trailing_zeros(b).is_empty() { (trim_trailing_zeros(a), &[][..]) } else { (a, trim_trailing_zeros(b)) };
    if a.is_empty() {
        return Ok(Exact::Zero { neg });
    }
    Ok(decimal_to_exact(neg, a, b, top_base.saturating_add(exp10)))
}

/// Split off the longest prefix of ASCII digits.
fn split_digits(s: &[u8]) -> (&[u8], &[u8]) {
    let k = s.iter().position(|c| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(k)
}

fn count_leading_zeros(s: &[u8]) -> usize {
    s.iter().take_while(|&&c| c == b'0').count()
}

fn trim_trailing_zeros(s: &[u8]) -> &[u8] {
    let k = s.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
    s.split_at(k).0
}

fn len_i64(s: &[u8]) -> i64 {
    i64::try_from(s.len()).unwrap_or(i64::MAX)
}

/// Decimal magnitudes at or above `10^TOP_MAX` all round like [`HUGE_EXP`]…
const TOP_MAX: i64 = 400;
/// …and nonzero ones below `10^(TOP_MIN - 1)` like [`TINY_EXP`].
const TOP_MIN: i64 = -399;
/// Stand-in for huge magnitudes: just above `2^1400 > 10^400`.
const HUGE_EXP: i32 = 1400;
/// Stand-in for tiny magnitudes: just above `2^-1400`, below `10^-400`.
const TINY_EXP: i32 = -1400;
/// Significant decimal digits read exactly; the rest only sets the sticky flag.
const MAX_DIGITS: usize = 1024;

// Why MAX_DIGITS digits suffice (see `decimal_to_exact`): with the magnitude d ≥ 10^(top-1)
// the 64-bit truncation has unit 2^u with u ≥ (top-1)·log2(10) - 64, and the digits are cut
// at unit 10^(top - MAX_DIGITS); the proof needs u ≥ top - MAX_DIGITS, i.e.
// MAX_DIGITS ≥ 64 + log2(10) - (log2(10) - 1)·top, worst at top = TOP_MIN. In thousandths,
// with upper bounds 3.322 > log2(10) and 2.322 > log2(10) - 1:
const _: () = assert!(1000 * MAX_DIGITS as i64 >= 67_322 + 2_322 * -TOP_MIN);
// And the cut digits are always below the units digit (10^(top - MAX_DIGITS) ≤ 10^-1).
const _: () = assert!(TOP_MAX < MAX_DIGITS as i64);

/// The exact value (or its 64-bit truncation plus sticky flag) of `±0.(a b) · 10^top`, where
/// `a ++ b` are ASCII digits, the first nonzero, the last nonzero.
///
/// Correctness. Let `d` be the magnitude, so `10^(top-1) ≤ d < 10^top`.
///
/// * Out of range (`d ≥ 10^400` or `d < 10^-400`): a stand-in on the same side of every
///   rounding threshold (see [`parse_exact`]).
/// * Otherwise, with the first `n ≤ MAX_DIGITS` digits read as the integer `D`,
///   `d' = D·10^E` (`E = top - n`) is computed exactly as a big integer times a power of two:
///   `D·5^E · 2^E` when `E ≥ 0`, else `⌊D·2^s / 5^k⌋ · 2^(-s-k)` (`k = -E`, the division
///   done exactly with a remainder flag, `s` large enough that the quotient has ≥ 64 bits).
///   Its top 64 bits `S` at unit `2^u` are the result, sticky when anything below them (or a
///   division remainder) is nonzero: `S·2^u ≤ d' < (S+1)·2^u`, equality iff not sticky.
/// * When digits were cut off, `d' < d < d' + 10^E` (the cut digits are not all zero since
///   the last digit is nonzero). Every multiple of `2^u` is a multiple of `10^E`, because
///   `E < 0` and `u ≥ E` (the const assertions above), so none lies strictly between the
///   consecutive multiples `d'` and `d' + 10^E` of `10^E`: `S·2^u ≤ d' < d < (S+1)·2^u`, and
///   `S` with sticky set is exactly right for `d` too.
fn decimal_to_exact(neg: bool, a: &[u8], b: &[u8], top: i64) -> Exact {
    // The stand-ins (2^63 + δ)·2^(E - 63), full width as sticky values must be.
    if top > TOP_MAX {
        return Exact::Finite { neg, sig: 1 << 63, exp: HUGE_EXP - 63, sticky: true };
    }
    if top < TOP_MIN {
        return Exact::Finite { neg, sig: 1 << 63, exp: TINY_EXP - 63, sticky: true };
    }
    let n_all = a.len().saturating_add(b.len());
    let n = n_all.min(MAX_DIGITS);
    let cut = n_all > n;

    // D, nine digits at a time.
    let mut big = Big::ZERO;
    let (mut chunk, mut chunk_len) = (0u32, 0usize);
    for &c in a.iter().chain(b.iter()).take(n) {
        debug_assert!(c.is_ascii_digit());
        chunk = chunk * 10 + u32::from(c.wrapping_sub(b'0') % 10);
        chunk_len += 1;
        if chunk_len == 9 {
            big.mul_add_small(1_000_000_000, chunk);
            (chunk, chunk_len) = (0, 0);
        }
    }
    if chunk_len > 0 {
        big.mul_add_small(POW10.get(chunk_len).copied().unwrap_or(1), chunk);
    }

    // top is in TOP_MIN..=TOP_MAX and n ≤ MAX_DIGITS, so this fits easily.
    let e10 = top - n as i64;
    let (sig, exp2, lost) = if e10 >= 0 {
        // d' = D·5^E · 2^E, an integer.
        big.mul_pow5(e10 as u64);
        let (sig, sh, lost) = big.top64();
        (sig, sh + e10, lost)
    } else {
        // d' = D / 10^k = (D·2^s / 5^k) · 2^(-s-k). bitlen(5^k) ≤ c := ⌊2.322·k⌋ + 1, so a
        // dividend of at least c + 64 bits leaves a quotient of at least 64 bits.
        let k = e10.unsigned_abs();
        let c = k * 2322 / 1000 + 1;
        let s = (c + 64).saturating_sub(big.bitlen());
        big.shl(s);
        let rem = big.div_pow5(k);
        let (sig, sh, lost) = big.top64();
        (sig, sh - s as i64 - k as i64, lost || rem)
    };
    debug_assert!(!big.overflowed, "decimal big integer out of room");
    let sticky = lost || cut;
    // Inexact only with a quotient of ≥ 64 bits (E < 0), or when bits below the top 64 were
    // dropped: then `sig` is full width, as the rounding core requires of sticky values.
    debug_assert!(sig != 0 && (!sticky || sig >> 63 == 1));
    // An exact value gets its shortest significand (odd), a canonical form.
    let tz = if sticky { 0 } else { sig.trailing_zeros() % 64 };
    Exact::Finite { neg, sig: sig >> tz, exp: (exp2 + i64::from(tz)) as i32, sticky }
}

// ---------------------------------------------------------------------------------------------
// A small fixed-size big integer (no allocation)
// ---------------------------------------------------------------------------------------------

/// Room for the largest integer either direction needs: `D < 10^1024` (3402 bits); a dividend
/// `D·2^s` of at most `max(3402, c + 64)` bits with `c ≤ 2.322·k + 1`, `k ≤ 1024 + 399`, so at
/// most 3402 bits; `D·5^E ≤ d < 10^400`; and `sig·5^1100 < 2^2618` when printing.
const LIMBS: usize = 112;
const _: () = assert!(LIMBS * 32 >= 3402 + 32);

const POW10: [u32; 10] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000];
/// 5^13, the largest power of five in a `u32`.
const POW5_13: u32 = 1_220_703_125;

/// An unsigned integer in little-endian 32-bit limbs: `limbs[len..]` are zero and
/// `limbs[len - 1]` is not. An operation that would need more than [`LIMBS`] limbs sets
/// `overflowed` (by the size bounds above this never happens) instead of panicking.
#[derive(Clone)]
struct Big {
    limbs: [u32; LIMBS],
    len: usize,
    overflowed: bool,
}

impl Big {
    const ZERO: Big = Big { limbs: [0; LIMBS], len: 0, overflowed: false };

    fn from_u64(x: u64) -> Big {
        let mut b = Big::ZERO;
        b.mul_add_small(1, x as u32);
        b.add_at(1, (x >> 32) as u32);
        b
    }

    /// `self += v · 2^(32·at)` for a limb position at or above `len`.
    fn add_at(&mut self, at: usize, v: u32) {
        if v == 0 {
            return;
        }
        match self.limbs.get_mut(at) {
            Some(slot) => {
                *slot = v;
                self.len = self.len.max(at + 1);
            }
            None => self.overflowed = true,
        }
    }

    /// `self = self · m + add`.
    fn mul_add_small(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for l in self.limbs.iter_mut().take(self.len) {
            let p = u64::from(*l) * u64::from(m) + carry;
            *l = p as u32;
            carry = p >> 32;
        }
        let at = self.len;
        self.add_at(at, carry as u32);
    }

    /// `self = ⌊self / d⌋`; returns the remainder.
    fn div_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.limbs.iter_mut().take(self.len).rev() {
            let cur = (rem << 32) | u64::from(*l);
            *l = (cur / u64::from(d)) as u32;
            rem = cur % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    fn trim(&mut self) {
        while self.len > 0 && self.limbs.get(self.len - 1) == Some(&0) {
            self.len -= 1;
        }
    }

    /// `self = self · 5^k`.
    fn mul_pow5(&mut self, mut k: u64) {
        while k > 0 {
            let step = k.min(13);
            self.mul_add_small(5u32.pow(step as u32), 0);
            k -= step;
        }
    }

    /// `self = ⌊self / 5^k⌋`; returns whether anything was lost.
    fn div_pow5(&mut self, mut k: u64) -> bool {
        let mut lost = false;
        while k > 0 {
            let step = k.min(13);
            let d = if step == 13 { POW5_13 } else { 5u32.pow(step as u32) };
            lost |= self.div_small(d) != 0;
            k -= step;
        }
        lost
    }

    /// `self = self · 2^s`.
    fn shl(&mut self, s: u64) {
        if self.len == 0 || s == 0 {
            return;
        }
        let words = usize::try_from(s / 32).unwrap_or(usize::MAX);
        let bits = (s % 32) as u32;
        let mut out = [0u32; LIMBS];
        for (i, &l) in self.limbs.iter().enumerate().take(self.len) {
            let v = u64::from(l) << bits;
            for (j, part) in [(0usize, v as u32), (1, (v >> 32) as u32)] {
                if part == 0 {
                    continue;
                }
                match i.checked_add(words).and_then(|p| p.checked_add(j)).and_then(|p| out.get_mut(p)) {
                    Some(slot) => *slot |= part,
                    None => self.overflowed = true,
                }
            }
        }
        self.limbs = out;
        self.len = self.len.saturating_add(words).saturating_add(1).min(LIMBS);
        self.trim();
    }

    fn limb(&self, i: usize) -> u32 {
        self.limbs.get(i).copied().unwrap_or(0)
    }

    fn bitlen(&self) -> u64 {
        match self.len {
            0 => 0,
            n => 32 * (n as u64 - 1) + u64::from(32 - self.limb(n - 1).leading_zeros()),
        }
    }

    /// The top 64 bits (all of them when there are fewer, unnormalised) as `(sig, shift, lost)`:
    /// `self = sig·2^shift + r` with `0 ≤ r < 2^shift`, `lost` = `r ≠ 0`.
    fn top64(&self) -> (u64, i64, bool) {
        let bl = self.bitlen();
        if bl <= 64 {
            return (u64::from(self.limb(0)) | (u64::from(self.limb(1)) << 32), 0, false);
        }
        let shift = bl - 64;
        let word = usize::try_from(shift / 32).unwrap_or(usize::MAX);
        let bits = (shift % 32) as u32;
        let window = u128::from(self.limb(word))
            | (u128::from(self.limb(word.saturating_add(1))) << 32)
            | (u128::from(self.limb(word.saturating_add(2))) << 64);
        let sig = (window >> bits) as u64;
        let lost = self.limbs.iter().take(word).any(|&l| l != 0) || self.limb(word) & ((1u32 << bits) - 1) != 0;
        (sig, shift as i64, lost)
    }
}

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

/// Most decimal digits of an exact `sig·2^exp` with `sig < 2^64`, `|exp| ≤ PRINT_EXP_LIMIT`
/// (`sig·5^1100 < 10^789`).
const MAX_EXACT_DIGITS: usize = 800;
/// Exponent range printed through the exact path (every format here is far inside).
const PRINT_EXP_LIMIT: i32 = 1100;
/// Room for the plain notation: `"0."`, up to ~340 zeros, and the digits.
const OUT_LEN: usize = MAX_EXACT_DIGITS + 360;

/// Write the shortest decimal that [`parse`] reads back to the same code: the fewest
/// significant digits, and among those the closest to the value (an exact tie goes to the
/// larger magnitude, as in Rust's float `Display`, so `f32` values print exactly as `f32`
/// does). Plain notation like `f64`'s `Display` (never an exponent, even for 2^127); `NaN`,
/// `inf`, `-inf`, `0`, `-0` as `f64` prints them. Width, fill, alignment, `+` and `0` flags are
/// honoured; with a precision (`{:.3}`) the exact value is printed rounded to that many
/// decimals, as `f64` does.
///
/// This is the `Display` of every minifloat; [`Shortest`] wraps any [`LowpFloat`] with it.
///
/// ```
/// use lowp::{Float8E4M3FN, LowpFloat};
/// let x = Float8E4M3FN::max_value(); // 448
/// assert_eq!(x.to_string(), "450"); // 450 reads back to 448; 400 or 500 would not
/// assert_eq!(format!("{x:.1}"), "448.0");
/// assert_eq!(format!("{:>6}|{:+}", Float8E4M3FN::from_f64(0.1), Float8E4M3FN::from_f64(2.0)), "   0.1|+2");
/// ```
pub fn fmt_shortest<T: LowpFloat>(v: T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let bits = v.to_bits();
    let reads_back = |x: Exact| T::round_exact(x, Rounding::NearestEven, T::DEFAULT_OVERFLOW).to_bits() == bits;
    fmt_shortest_by(v.to_exact(), v.to_f64(), reads_back, f)
}

/// [`fmt_shortest`] of a value given as its exact value `x` (and `as_f64`, the same value as an
/// `f64`, printed for the specials, zeros and an explicit precision), for formats known only
/// at run time: `reads_back` tells whether a candidate decimal, read exactly, rounds
/// (nearest-even) back to the value.
pub(crate) fn fmt_shortest_by(
    x: Exact,
    as_f64: f64,
    reads_back: impl Fn(Exact) -> bool,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let (neg, sig, exp) = match x {
        Exact::Finite { neg, sig, exp, sticky: false }
            if f.precision().is_none() && (-PRINT_EXP_LIMIT..=PRINT_EXP_LIMIT).contains(&exp) =>
        {
            (neg, sig, exp)
        }
        // NaN, ±∞, ±0, an explicit precision: exactly like f64 (the value is an f64).
        _ => return fmt::Display::fmt(&as_f64, f),
    };
    let mut digits = [0u8; MAX_EXACT_DIGITS];
    let (n, point) = match exact_digits(sig, exp, &mut digits) {
        Some(d) => d,
        None => return fmt::Display::fmt(&as_f64, f),
    };
    let exact = digits.get(..n).unwrap_or(&[]);
    let mut short = [0u8; MAX_EXACT_DIGITS];
    let (len, point) = shortest(|d, p| reads_back(decimal_to_exact(neg, d, &[], p)), exact, point, &mut short);
    let mut out = Cursor { buf: [0u8; OUT_LEN], len: 0 };
    plain_notation(short.get(..len).unwrap_or(&[]), point, &mut out);
    match out.as_str() {
        Some(s) => f.pad_integral(!neg, "", s),
        None => fmt::Display::fmt(&as_f64, f),
    }
}

/// Write every digit of `sig·2^exp` (`sig ≥ 1`, `|exp| ≤ 1100`: every finite nonzero `f64`) in
/// plain notation, without a sign: no exponent, no rounding (the value is a dyadic rational,
/// so its decimal expansion is finite). An error if it does not fit (never in that range).
#[cfg(feature = "alloc")]
pub(crate) fn write_exact(sig: u64, exp: i32, w: &mut impl fmt::Write) -> fmt::Result {
    if !(-PRINT_EXP_LIMIT..=PRINT_EXP_LIMIT).contains(&exp) {
        return Err(fmt::Error);
    }
    let mut digits = [0u8; MAX_EXACT_DIGITS];
    let (n, point) = exact_digits(sig, exp, &mut digits).ok_or(fmt::Error)?;
    let mut out = Cursor { buf: [0u8; OUT_LEN], len: 0 };
    plain_notation(digits.get(..n).unwrap_or(&[]), point, &mut out);
    w.write_str(out.as_str().ok_or(fmt::Error)?)
}

/// [`Display`](fmt::Display) of any [`LowpFloat`] through [`fmt_shortest`] (for formats whose
/// own `Display` is another one, like `half::f16`).
///
/// ```
/// use lowp::decimal::Shortest;
/// let h = half::f16::from_f32(0.1);
/// assert_eq!(Shortest(h).to_string(), "0.1");
/// assert_eq!(Shortest(half::f16::MAX).to_string(), "65500");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shortest<T>(pub T);

impl<T: LowpFloat> fmt::Display for Shortest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_shortest(self.0, f)
    }
}

/// The exact decimal digits of `sig·2^exp` (`sig ≥ 1`), without trailing zeros, into `out`:
/// `(n, point)` with the value `0.d1…dn · 10^point`. `None` if they do not fit (never for
/// `|exp| ≤ PRINT_EXP_LIMIT`).
fn exact_digits(sig: u64, exp: i32, out: &mut [u8; MAX_EXACT_DIGITS]) -> Option<(usize, i64)> {
    // sig·2^exp = B · 10^e10 with B an integer.
    let mut big = Big::from_u64(sig);
    let e10 = if exp >= 0 {
        big.shl(u64::from(exp.unsigned_abs()));
        0
    } else {
        big.mul_pow5(u64::from(exp.unsigned_abs()));
        i64::from(exp)
    };
    if big.overflowed {
        return None;
    }
    // B in base 10^9, least significant chunk first.
    let mut chunks = [0u32; MAX_EXACT_DIGITS / 9 + 1];
    let mut nchunks = 0;
    while big.len > 0 {
        *chunks.get_mut(nchunks)? = big.div_small(1_000_000_000);
        nchunks += 1;
    }
    // Most significant chunk without leading zeros, the others with all nine digits.
    let mut n = 0;
    for (i, &chunk) in chunks.iter().take(nchunks).enumerate().rev() {
        let width = if i + 1 == nchunks { POW10.iter().rposition(|&p| chunk >= p).map_or(1, |w| w + 1) } else { 9 };
        for w in (0..width).rev() {
            *out.get_mut(n)? = b'0' + (chunk / POW10.get(w).copied().unwrap_or(1) % 10) as u8;
            n += 1;
        }
    }
    let point = n as i64 + e10;
    let n = trim_trailing_zeros(out.get(..n)?).len();
    Some((n, point))
}

/// The shortest decimal reading back to a value `v`, given its exact digits
/// `0.(exact)·10^point`: for n = 1, 2, … the n-digit decimals just below (truncation) and just
/// above it are tried with `reads_back(digits, point)` (does `0.(digits)·10^point`, digits
/// without trailing zeros, round back to `v` by [`parse`]'s own rounding?); the first n where
/// one reads back wins, the closer one if both do (an exact tie: the one above). The set of
/// decimals rounding to `v` is an interval around `v`, so if neither neighbour is in it no
/// other n-digit decimal is. Returns `(len, point)` of the digits written to `out`.
fn shortest(
    reads_back: impl Fn(&[u8], i64) -> bool,
    exact: &[u8],
    point: i64,
    out: &mut [u8; MAX_EXACT_DIGITS],
) -> (usize, i64) {
    let reads_back = |digits: &[u8], point: i64| reads_back(trim_trailing_zeros(digits), point);
    for n in 1..exact.len() {
        let (lower, tail) = exact.split_at(n);
        // The n-digit decimal above: lower + one unit in the last place.
        let mut upper = [0u8; MAX_EXACT_DIGITS];
        let (up_len, up_point) = match increment(lower, &mut upper) {
            Some(len) => (len, point),
            None => {
                // All nines: 99…9 + 1 = 10…0, i.e. "1" one decade up.
                upper[0] = b'1';
                (1, point + 1)
            }
        };
        let upper = upper.get(..up_len).unwrap_or(&[]);
        let take_lower = match (reads_back(lower, point), reads_back(upper, up_point)) {
            (false, false) => continue,
            (true, false) => true,
            (false, true) => false,
            // Both read back: the closer one; `tail` is v - lower in units of the last place.
            // An exact tie (tail = "5") goes up, as in Rust's own float `Display`.
            (true, true) => tail.first().is_some_and(|&c| c < b'5'),
        };
        let (chosen, p) = if take_lower { (lower, point) } else { (upper, up_point) };
        return (copy_digits(trim_trailing_zeros(chosen), out), p);
    }
    // The exact digits themselves.
    (copy_digits(exact, out), point)
}

/// Copy `digits` to the front of `out` (as many as fit); returns how many were copied.
fn copy_digits(digits: &[u8], out: &mut [u8; MAX_EXACT_DIGITS]) -> usize {
    let k = digits.len().min(MAX_EXACT_DIGITS);
    for (dst, &src) in out.iter_mut().zip(digits.iter()) {
        *dst = src;
    }
    k
}

/// `digits + 1` (in the last place) into `out`; `None` when it carries out (all nines).
fn increment(digits: &[u8], out: &mut [u8; MAX_EXACT_DIGITS]) -> Option<usize> {
    let n = digits.len();
    out.get_mut(..n)?.copy_from_slice(digits);
    for slot in out.get_mut(..n)?.iter_mut().rev() {
        if *slot == b'9' {
            *slot = b'0';
        } else {
            *slot += 1;
            return Some(n);
        }
    }
    None
}

/// Write `0.(digits) · 10^point` in plain notation (no sign).
fn plain_notation(digits: &[u8], point: i64, out: &mut Cursor) {
    let n = digits.len() as i64;
    if point <= 0 {
        out.push(b"0.");
        out.repeat(b'0', point.unsigned_abs());
        out.push(digits);
    } else if point < n {
        let (int, frac) = digits.split_at(point as usize);
        out.push(int);
        out.push(b".");
        out.push(frac);
    } else {
        out.push(digits);
        out.repeat(b'0', (point - n) as u64);
    }
}

/// A stack buffer; running out of room marks it failed instead of panicking.
struct Cursor {
    buf: [u8; OUT_LEN],
    len: usize,
}

impl Cursor {
    fn push(&mut self, s: &[u8]) {
        match self.buf.get_mut(self.len..self.len.saturating_add(s.len())) {
            Some(dst) => {
                dst.copy_from_slice(s);
                self.len += s.len();
            }
            None => self.len = usize::MAX,
        }
    }

    fn repeat(&mut self, c: u8, count: u64) {
        for _ in 0..count.min(OUT_LEN as u64 + 1) {
            self.push(&[c]);
        }
    }

    fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.buf.get(..self.len)?).ok()
    }
}
