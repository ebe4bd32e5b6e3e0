//! Exact decimal parsing into a [`RefValue`], and [`RefFormat::from_decimal`].
//!
//! Grammar (no surrounding whitespace, no `_` separators):
//!
//! ```text
//! input    := sign? ( number | "nan" | "inf" | "infinity" )      (words case-insensitive)
//! sign     := "+" | "-"
//! number   := mantissa exponent?
//! mantissa := digits ( "." digits? )? | "." digits
//! exponent := ("e" | "E") sign? digits
//! ```

use core::fmt;

use rug::{Integer, Rational};

use super::{RefFormat, RefValue};
use crate::{Overflow, Rounding};

/// Why a decimal string was rejected by [`RefFormat::from_decimal`] / [`parse_decimal`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefParseError {
    input: String,
    reason: &'static str,
}

impl RefParseError {
    fn new(input: &str, reason: &'static str) -> Self {
        RefParseError { input: input.to_owned(), reason }
    }

    /// A short description of what is wrong with the input.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for RefParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid decimal number {:?}: {}", self.input, self.reason)
    }
}

impl std::error::Error for RefParseError {}

/// Decimal exponents beyond this (in absolute value, after normalising the digits) are
/// replaced by a stand-in with the same rounding behaviour in every format here: every
/// format's values and rounding thresholds lie strictly between `10^-60` and `10^60`
/// (float32, the widest: from `2^-181`, a stochastic threshold, to `2^128`).
const EXP_CLAMP: i64 = 1000;

/// `10^k` as an exact integer.
fn pow10(k: u32) -> Integer {
    Integer::from(Integer::u_pow_u(10, k))
}

/// Parses a decimal string exactly (see the module docs for the grammar).
pub fn parse_decimal(s: &str) -> Result<RefValue, RefParseError> {
    let err = |reason| RefParseError::new(s, reason);
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        Some(_) => (false, s),
        None => return Err(err("empty input")),
    };
    if body.eq_ignore_ascii_case("nan") {
        return Ok(RefValue::Nan);
    }
    if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
        return Ok(RefValue::Inf { neg });
    }

    // Split off the exponent.
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || !all_digits(frac_part) {
        return Err(err("unexpected character in the digits"));
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(err("no digits"));
    }

    // The exponent, saturated (its exact size only matters up to the clamp below).
    let exp10: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (eneg, edigits) = match e.as_bytes().first() {
                Some(b'+') => (false, &e[1..]),
                Some(b'-') => (true, &e[1..]),
                _ => (false, e),
            };
            if edigits.is_empty() || !all_digits(edigits) {
                return Err(err("malformed exponent"));
            }
            let mut v: i64 = 0;
            for b in edigits.bytes() {
                v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
            }
            if eneg {
                -v
            } else {
                v
            }
        }
    };

    // value = N * 10^(exp10 - frac_len), N the integer made of all the digits.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(RefValue::Zero { neg });
    }
    let n = Integer::from_str_radix(digits, 10).map_err(|_| err("digits not parsable"))?;
    let frac_len = i64::try_from(frac_part.len()).unwrap_or(i64::MAX);
    let scale = exp10.saturating_sub(frac_len);
    // |value| lies in [10^(scale + ndigits - 1), 10^(scale + ndigits)).
    let ndigits = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let top = scale.saturating_add(ndigits);
    let mag = if top.saturating_sub(1) > EXP_CLAMP {
        // Far above every format's range: any huge number rounds the same way.
        Rational::from(pow10(EXP_CLAMP as u32))
    } else if top < -EXP_CLAMP {
        // Far below every nonzero threshold: any tiny positive number rounds the same way.
        Rational::from((1, pow10(EXP_CLAMP as u32)))
    } else if scale >= 0 {
        // Bounded by the checks above: 0 <= scale <= EXP_CLAMP + 1.
        Rational::from(n * pow10(scale as u32))
    } else {
        // -scale may be large when there are many digits, but then so is the string.
        let den_exp = u32::try_from(-scale).map_err(|_| err("too many digits"))?;
        Rational::from((n, pow10(den_exp)))
    };
    Ok(RefValue::Num(if neg { -mag } else { mag }))
}

impl RefFormat {
    /// Parses a decimal string exactly (no intermediate binary format) and rounds it into
    /// this format. Accepts an optional sign, digits with an optional `.`, an optional
    /// `e`/`E` exponent, and `nan`, `inf`, `infinity` (any case, with sign). Malformed input
    /// is an error, never a panic.
    pub fn from_decimal(&self, s: &str, r: Rounding, o: Overflow) -> Result<u32, RefParseError> {
        Ok(self.round(&parse_decimal(s)?, r, o))
    }
}
