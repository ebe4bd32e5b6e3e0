//! The methods of [`FormatId`] on codes: checking, hex text, decoding, encoding and parsing,
//! the shortest text, operations, neighbours and classes. Each checks the code against the
//! format's width and hands it to the format's backend.

use alloc::format;
use alloc::string::String;

use super::backend::Backend;
use super::errors::{CodeError, OpError};
use super::ops::Op;
use super::registry::FormatId;
use crate::decimal::ParseError;
use crate::exact::Exact;
use crate::format::{Overflow, Rounding};

impl FormatId {
    pub(super) fn check(self, code: u64) -> Result<u64, CodeError> {
        if code > self.max_code() {
            Err(CodeError { format: self, code })
        } else {
            Ok(code)
        }
    }

    /// `f` of the backend and the code, once the code is checked against the width.
    fn on_code<R>(self, code: u64, f: impl FnOnce(&dyn Backend, u64) -> R) -> Result<R, CodeError> {
        self.check(code).map(|c| f(self.backend(), c))
    }

    /// `0x` and the code in lower-case hex, zero-padded to the format's width (at least two
    /// digits: `0x0f` for FP4, `0x3c00` for f16, `0x3f800000` for f32).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float4E2M1FN.hex(0xf), "0x0f");
    /// assert_eq!(FormatId::F16.hex(0x3c00), "0x3c00");
    /// assert_eq!(FormatId::F32.hex(1), "0x00000001");
    /// ```
    pub fn hex(self, code: u64) -> String {
        let digits = (self.bits().div_ceil(4)).max(2) as usize;
        format!("0x{:0w$x}", code, w = digits)
    }

    /// The exact value of a code as `f64` (exact for every format of the crate).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E4M3FN.decode(0x7e)?, 448.0);
    /// assert!(FormatId::Float8E4M3FN.decode(0x7f)?.is_nan());
    /// assert_eq!(FormatId::F16.decode(0x3c00)?, 1.0);
    /// assert!(FormatId::Float8E4M3FN.decode(0x1ff).is_err());
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn decode(self, code: u64) -> Result<f64, CodeError> {
        self.on_code(code, |b, c| b.decode(c))
    }

    /// The exact value of a code, decomposed.
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Exact};
    /// assert_eq!(FormatId::Float8E4M3FN.to_exact(0x3c)?, Exact::Finite { neg: false, sig: 12, exp: -3, sticky: false });
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn to_exact(self, code: u64) -> Result<Exact, CodeError> {
        self.on_code(code, |b, c| b.to_exact(c))
    }

    /// The code of `x`, correctly rounded under `rounding` and `overflow`.
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Overflow, Rounding};
    /// let f = FormatId::Float8E4M3FN;
    /// assert_eq!(f.encode(448.0, Rounding::NearestEven, Overflow::NonSaturating), 0x7e);
    /// assert_eq!(f.encode(480.0, Rounding::NearestEven, Overflow::NonSaturating), 0x7f); // NaN
    /// assert_eq!(f.encode(480.0, Rounding::NearestEven, Overflow::Saturating), 0x7e);
    /// assert_eq!(f.encode(0.3, Rounding::TowardZero, Overflow::Saturating), 0x29);   // 0.28125
    /// ```
    pub fn encode(self, x: f64, rounding: Rounding, overflow: Overflow) -> u64 {
        self.backend().round_exact(Exact::from_f64(x), rounding, overflow)
    }

    /// The code of an exact value, rounded once under `rounding` and `overflow`.
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Exact, Overflow, Rounding};
    /// let x = Exact::Finite { neg: true, sig: 3, exp: -1, sticky: false }; // -1.5
    /// assert_eq!(FormatId::Float4E2M1FN.round_exact(x, Rounding::NearestEven, Overflow::NonSaturating), 0xb);
    /// ```
    pub fn round_exact(self, x: Exact, rounding: Rounding, overflow: Overflow) -> u64 {
        self.backend().round_exact(x, rounding, overflow)
    }

    /// Parse a decimal string (also `nan`, `inf`, `-inf`) straight into the format, correctly
    /// rounded from the exact decimal value (no intermediate `f64`).
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Overflow, Rounding};
    /// let f = FormatId::Float8E4M3FN;
    /// assert_eq!(f.parse_str("0.1", Rounding::NearestEven, Overflow::NonSaturating)?, 0x1d);
    /// assert_eq!(f.parse_str("-inf", Rounding::NearestEven, Overflow::Saturating)?, 0xfe);
    /// assert!(f.parse_str("0x1p3", Rounding::NearestEven, Overflow::Saturating).is_err());
    /// // Posits: `nar` (any case), `nan` and `±inf` give NaR.
    /// assert_eq!(FormatId::POSIT8.parse_str("NaR", Rounding::NearestEven, Overflow::Saturating)?, 0x80);
    /// # Ok::<(), lowp::decimal::ParseError>(())
    /// ```
    pub fn parse_str(self, s: &str, rounding: Rounding, overflow: Overflow) -> Result<u64, ParseError> {
        if let FormatId::Posit(p) = self {
            if s.eq_ignore_ascii_case("nar") {
                return Ok(p.nar_code());
            }
        }
        self.backend().parse(s, rounding, overflow)
    }

    /// The shortest decimal that reads back to the code ([`crate::decimal::fmt_shortest`]: the
    /// minifloats' `Display`; for `f16` and `bf16` shorter than `half`'s own `Display`).
    /// Specials print as `f64` does (`NaN`, `inf`, `-inf`; posit NaR as `NaN`).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E4M3FN.display(0x1d)?, "0.1");
    /// assert_eq!(FormatId::Float8E4M3FN.display(0x3c)?, "1.5");
    /// assert_eq!(FormatId::Float8E4M3FN.display(0x7e)?, "450"); // reads back to 448
    /// assert_eq!(FormatId::F16.display(0x2e66)?, "0.1");
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn display(self, code: u64) -> Result<String, CodeError> {
        self.on_code(code, |b, c| b.display(c))
    }

    /// Apply an operation to operand codes: the code of the correctly rounded result
    /// (nearest-even, the format's default overflow rule), bit-identical to the typed
    /// operators. `Fma` computes `a * b + c` with one rounding; `Qdot` (posits) the dot
    /// product of the pairs `a1 b1 a2 b2 …`, exact then rounded once.
    ///
    /// ```
    /// use lowp::dynamic::{FormatId, Op};
    /// let f = FormatId::Float8E4M3FN;
    /// assert_eq!(f.op(Op::Add, &[0x38, 0x38])?, 0x40);       // 1 + 1 = 2
    /// assert_eq!(f.op(Op::Sqrt, &[0x48])?, 0x40);            // sqrt(4) = 2
    /// assert_eq!(f.op(Op::Fma, &[0x40, 0x40, 0xb8])?, 0x44); // 2 * 2 - 1 = 3
    /// assert_eq!(f.op(Op::Mul, &[0x7e, 0x40])?, 0x7f);       // overflow: NaN
    /// let p = FormatId::POSIT8;                              // 0x40 = 1, 0x7f = maxpos = 2^24
    /// assert_eq!(p.op(Op::Mul, &[0x7f, 0x7f])?, 0x7f);       // saturates
    /// // maxpos·maxpos - maxpos·maxpos + 1·1 = 1 exactly in the quire.
    /// assert_eq!(p.op(Op::Qdot, &[0x7f, 0x7f, 0x7f, 0x81, 0x40, 0x40])?, 0x40);
    /// # Ok::<(), lowp::dynamic::OpError>(())
    /// ```
    pub fn op(self, op: Op, args: &[u64]) -> Result<u64, OpError> {
        if op == Op::Qdot && !matches!(self, FormatId::Posit(_)) {
            return Err(OpError::Unsupported { op, format: self });
        }
        if !op.takes(args.len()) {
            return Err(match op {
                Op::Qdot => OpError::Unpaired { op, got: args.len() },
                _ => OpError::Arity { op, expected: op.arity(), got: args.len() },
            });
        }
        for &a in args {
            self.check(a)?;
        }
        self.backend().op(op, args).ok_or(OpError::Unsupported { op, format: self })
    }

    /// The code of the next value toward +∞
    /// ([`LowpFloat::next_up`](crate::LowpFloat::next_up)).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E4M3FN.next_up(0x7e)?, 0x7e); // max stays max (no Inf)
    /// assert_eq!(FormatId::Float8E5M2.next_up(0x7b)?, 0x7c);   // max -> Inf
    /// assert_eq!(FormatId::Float8E4M3FN.next_up(0x80)?, 0x01);  // -0 -> smallest subnormal
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn next_up(self, code: u64) -> Result<u64, CodeError> {
        self.on_code(code, |b, c| b.next_up(c))
    }

    /// The code of the next value toward −∞
    /// ([`LowpFloat::next_down`](crate::LowpFloat::next_down)).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E4M3FN.next_down(0x01)?, 0x00); // -> +0 (IEEE nextDown)
    /// assert_eq!(FormatId::Float8E4M3FN.next_down(0x39)?, 0x38);
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn next_down(self, code: u64) -> Result<u64, CodeError> {
        self.on_code(code, |b, c| b.next_down(c))
    }

    /// Is the code a NaN?
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert!(FormatId::Float8E4M3FNUZ.is_nan(0x80)?);
    /// assert!(!FormatId::Float8E4M3FN.is_nan(0x80)?); // -0
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn is_nan(self, code: u64) -> Result<bool, CodeError> {
        self.on_code(code, |b, c| b.is_nan(c))
    }

    /// Is the code ±∞?
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert!(FormatId::Float8E5M2.is_infinite(0xfc)?);
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn is_infinite(self, code: u64) -> Result<bool, CodeError> {
        self.on_code(code, |b, c| b.is_infinite(c))
    }
}
