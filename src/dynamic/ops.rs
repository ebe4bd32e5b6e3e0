//! The operations of [`FormatId::op`](super::FormatId::op): their names and operand counts.

use alloc::string::ToString;
use core::fmt;
use core::str::FromStr;

use super::errors::UnknownOp;

/// An arithmetic operation of [`FormatId::op`](super::FormatId::op): correctly rounded,
/// nearest-even, the format's default overflow rule (exactly the typed operators and
/// [`LowpFloat::mul_add`](crate::LowpFloat::mul_add) /
/// [`LowpFloat::sqrt`](crate::LowpFloat::sqrt); posits always saturate), and for posits the
/// quire-fused dot product.
///
/// ```
/// use lowp::dynamic::Op;
/// assert_eq!("fma".parse::<Op>().unwrap(), Op::Fma);
/// assert_eq!(Op::Fma.arity(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `sqrt(a)`.
    Sqrt,
    /// `a * b + c` with one rounding (`a.mul_add(b, c)`).
    Fma,
    /// Posits only: `a1·b1 + a2·b2 + …` accumulated exactly (the quire) and rounded once, from
    /// the operands `a1 b1 a2 b2 …` (any number of pairs; none gives 0). NaR if any operand is.
    /// The named posits run [`crate::posit::dot`] (its quire gives NaR past its capacity of
    /// 2^31 − 1 products of magnitude maxpos²); the others an exact accumulator wide enough for
    /// 2^190 such products, which gives the same result below that capacity.
    Qdot,
}

impl Op {
    /// Every operation.
    ///
    /// ```
    /// use lowp::dynamic::Op;
    /// assert_eq!(Op::ALL.len(), 7);
    /// ```
    pub const ALL: &'static [Op] = &[Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Sqrt, Op::Fma, Op::Qdot];

    /// The lower-case name (`add`, `sub`, `mul`, `div`, `sqrt`, `fma`, `qdot`).
    ///
    /// ```
    /// use lowp::dynamic::Op;
    /// assert_eq!(Op::Sqrt.name(), "sqrt");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::Sqrt => "sqrt",
            Op::Fma => "fma",
            Op::Qdot => "qdot",
        }
    }

    /// The number of operands; for `Qdot`, which takes any number of pairs, 2 (see
    /// [`takes`](Self::takes)).
    ///
    /// ```
    /// use lowp::dynamic::Op;
    /// assert_eq!(Op::Sqrt.arity(), 1);
    /// assert_eq!(Op::Div.arity(), 2);
    /// ```
    pub const fn arity(self) -> usize {
        match self {
            Op::Sqrt => 1,
            Op::Fma => 3,
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Qdot => 2,
        }
    }

    /// Does the operation take `n` operands?
    ///
    /// ```
    /// use lowp::dynamic::Op;
    /// assert!(Op::Fma.takes(3) && !Op::Fma.takes(2));
    /// assert!(Op::Qdot.takes(2) && Op::Qdot.takes(8) && !Op::Qdot.takes(3));
    /// ```
    pub const fn takes(self, n: usize) -> bool {
        match self {
            Op::Qdot => n.is_multiple_of(2),
            _ => n == self.arity(),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Op {
    type Err = UnknownOp;
    /// Case-insensitive operation name.
    fn from_str(s: &str) -> Result<Op, UnknownOp> {
        Op::ALL
            .iter()
            .copied()
            .find(|op| op.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownOp { name: s.to_string() })
    }
}
