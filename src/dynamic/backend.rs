//! The backends: the object-safe view of one format on raw codes ([`Backend`]) that every
//! method of [`FormatId`](super::FormatId) dispatches to, and its implementation for every typed
//! format ([`Generic`]).

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::marker::PhantomData;

use super::ops::Op;
use crate::decimal::{ParseError, Shortest};
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::posit::{Posit, PositBits, Width, WidthStorage};

/// Object-safe view of one `LowpFloat` type on raw codes. Codes passed in are already checked
/// to fit the format's width (and argument counts to fit the operation).
pub(super) trait Backend: Sync {
    fn name(&self) -> &'static str;
    fn bits(&self) -> u32;
    fn default_overflow(&self) -> Overflow;
    fn to_exact(&self, code: u64) -> Exact;
    fn decode(&self, code: u64) -> f64;
    fn round_exact(&self, x: Exact, rounding: Rounding, overflow: Overflow) -> u64;
    fn parse(&self, s: &str, rounding: Rounding, overflow: Overflow) -> Result<u64, ParseError>;
    fn display(&self, code: u64) -> String;
    /// `None` where the format does not have the operation (`Qdot` outside the posits).
    fn op(&self, op: Op, args: &[u64]) -> Option<u64>;
    fn next_up(&self, code: u64) -> u64;
    fn next_down(&self, code: u64) -> u64;
    fn is_nan(&self, code: u64) -> bool;
    fn is_infinite(&self, code: u64) -> bool;
    fn constants(&self) -> Constants;
}

/// The format's characteristic values, as `f64`.
pub(super) struct Constants {
    pub(super) max: f64,
    pub(super) min_normal: f64,
    pub(super) min_subnormal: f64,
    pub(super) epsilon: f64,
    pub(super) has_nan: bool,
    pub(super) has_inf: bool,
}

/// The operations beyond [`LowpFloat`] that some formats have: the fused dot product of the
/// posits (through a quire).
pub(super) trait Fused: LowpFloat {
    /// `a1·b1 + a2·b2 + …` rounded once, from the codes `a1 b1 a2 b2 …` (an even number);
    /// `None` where the format has no fused dot product.
    fn qdot(codes: &[u64]) -> Option<u64> {
        let _ = codes;
        None
    }
}

impl<const N: u32, const ES: u32> Fused for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Through the quire ([`crate::posit::dot`]).
    fn qdot(codes: &[u64]) -> Option<u64> {
        let p = |c: &u64| Self::from_bits(PositBits::from_u64(*c));
        let a: Vec<Self> = codes.iter().step_by(2).map(p).collect();
        let b: Vec<Self> = codes.iter().skip(1).step_by(2).map(p).collect();
        // The lengths are equal (the caller checked that the codes come in pairs).
        crate::posit::dot(&a, &b).ok().map(|r| r.to_bits().into())
    }
}

/// The backend of type `T` (zero-sized; `fn() -> T` keeps it `Sync` for every `T`).
pub(super) struct Generic<T>(pub(super) PhantomData<fn() -> T>);

impl<T: LowpFloat> Generic<T>
where
    T::Bits: TryFrom<u64>,
{
    #[inline]
    fn value(code: u64) -> T {
        match <T::Bits as TryFrom<u64>>::try_from(code) {
            Ok(b) => T::from_bits(b),
            // Codes are checked against the width before they get here.
            Err(_) => unreachable!("code wider than the format's storage"),
        }
    }
    #[inline]
    fn code(x: T) -> u64 {
        x.to_bits().into()
    }
}

impl<T: Fused> Backend for Generic<T>
where
    T::Bits: TryFrom<u64>,
{
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn bits(&self) -> u32 {
        T::BITS
    }
    fn default_overflow(&self) -> Overflow {
        T::DEFAULT_OVERFLOW
    }
    fn to_exact(&self, code: u64) -> Exact {
        Self::value(code).to_exact()
    }
    fn decode(&self, code: u64) -> f64 {
        Self::value(code).to_f64()
    }
    fn round_exact(&self, x: Exact, rounding: Rounding, overflow: Overflow) -> u64 {
        Self::code(T::round_exact(x, rounding, overflow))
    }
    fn parse(&self, s: &str, rounding: Rounding, overflow: Overflow) -> Result<u64, ParseError> {
        crate::decimal::parse_with::<T>(s, rounding, overflow).map(Self::code)
    }
    fn display(&self, code: u64) -> String {
        Shortest(Self::value(code)).to_string()
    }
    fn op(&self, op: Op, a: &[u64]) -> Option<u64> {
        let v = |i: usize| Self::value(a[i]);
        Some(Self::code(match op {
            Op::Add => v(0) + v(1),
            Op::Sub => v(0) - v(1),
            Op::Mul => v(0) * v(1),
            Op::Div => v(0) / v(1),
            Op::Sqrt => v(0).sqrt(),
            Op::Fma => v(0).mul_add(v(1), v(2)),
            Op::Qdot => return T::qdot(a),
        }))
    }
    fn next_up(&self, code: u64) -> u64 {
        Self::code(Self::value(code).next_up())
    }
    fn next_down(&self, code: u64) -> u64 {
        Self::code(Self::value(code).next_down())
    }
    fn is_nan(&self, code: u64) -> bool {
        Self::value(code).is_nan()
    }
    fn is_infinite(&self, code: u64) -> bool {
        Self::value(code).is_infinite()
    }
    fn constants(&self) -> Constants {
        Constants {
            max: T::max_value().to_f64(),
            min_normal: T::min_positive().to_f64(),
            min_subnormal: T::min_positive_subnormal().to_f64(),
            epsilon: T::epsilon().to_f64(),
            has_nan: T::nan().is_some(),
            has_inf: T::infinity().is_some(),
        }
    }
}
