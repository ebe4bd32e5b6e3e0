//! The errors of the registry: an unknown format name, a code too wide for its format, an
//! operation that cannot run, an unknown operation name.

use alloc::string::String;
use core::fmt;

use super::ops::Op;
use super::registry::{FormatId, POSIT_SYNTAX};

/// A format name that is not in the registry. Its `Display` lists the valid names, or for a
/// posit name out of range, the range.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let e = FormatId::from_name("e9m9").unwrap_err();
/// assert_eq!(e.name(), "e9m9");
/// assert!(e.to_string().contains("float8_e4m3fn"));
/// assert!(e.to_string().contains("posit<N>e<ES>"));
/// let e = FormatId::from_name("posit40").unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "unknown format `posit40`: posits have 2 <= N <= 32 bits, got N = 40 \
///      (posit<N>e<ES> with 2 <= N <= 32, 0 <= ES <= 4; posit<N> is ES = 2)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownFormat {
    pub(super) name: String,
    /// Why a posit-like name was refused.
    pub(super) posit: Option<String>,
}

impl UnknownFormat {
    /// The name that was not recognised.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::from_name("fp9").unwrap_err().name(), "fp9");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(why) = &self.posit {
            return write!(f, "unknown format `{}`: {why} ({POSIT_SYNTAX})", self.name);
        }
        write!(f, "unknown format `{}`; valid names: ", self.name)?;
        for (i, id) in FormatId::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(id.name())?;
            let aliases = id.aliases();
            if !aliases.is_empty() {
                write!(f, " ({})", aliases.join(", "))?;
            }
        }
        write!(f, "; and every {POSIT_SYNTAX}")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownFormat {}

/// A code with bits set above the format's width.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let e = FormatId::Float4E2M1FN.decode(0x10).unwrap_err();
/// assert_eq!(e.code(), 0x10);
/// assert_eq!(e.to_string(), "code 0x10 does not fit in float4_e2m1fn (4 bits, codes 0x0..=0xf)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeError {
    pub(super) format: FormatId,
    pub(super) code: u64,
}

impl CodeError {
    /// The format the code was meant for.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::F16.decode(1 << 16).unwrap_err().format(), FormatId::F16);
    /// ```
    pub fn format(&self) -> FormatId {
        self.format
    }
    /// The offending code.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E5M2.decode(0x100).unwrap_err().code(), 0x100);
    /// ```
    pub fn code(&self) -> u64 {
        self.code
    }
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.format;
        write!(
            f,
            "code {:#x} does not fit in {} ({} bits, codes 0x0..={:#x})",
            self.code,
            id.name(),
            id.bits(),
            id.max_code()
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CodeError {}

/// Why [`FormatId::op`] could not run.
///
/// ```
/// use lowp::dynamic::{FormatId, Op, OpError};
/// let f = FormatId::Float8E4M3FN;
/// assert_eq!(f.op(Op::Add, &[0x38]), Err(OpError::Arity { op: Op::Add, expected: 2, got: 1 }));
/// assert!(matches!(f.op(Op::Sqrt, &[0x100]), Err(OpError::Code(_))));
/// assert_eq!(f.op(Op::Qdot, &[0x38, 0x38]), Err(OpError::Unsupported { op: Op::Qdot, format: f }));
/// let p = FormatId::POSIT8;
/// assert_eq!(p.op(Op::Qdot, &[0x40, 0x40, 0x40]), Err(OpError::Unpaired { op: Op::Qdot, got: 3 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OpError {
    /// The operation takes `expected` operands but `got` were given.
    Arity {
        /// The operation.
        op: Op,
        /// Its number of operands.
        expected: usize,
        /// The number given.
        got: usize,
    },
    /// An operand does not fit in the format.
    Code(CodeError),
    /// The operation takes pairs of operands (`Qdot`: `a1 b1 a2 b2 …`) but `got` is odd.
    Unpaired {
        /// The operation.
        op: Op,
        /// The number given.
        got: usize,
    },
    /// The format does not have the operation (`Qdot` is for posits).
    Unsupported {
        /// The operation.
        op: Op,
        /// The format.
        format: FormatId,
    },
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::Arity { op, expected, got } => write!(
                f,
                "{} takes {} operand{}, got {}",
                op.name(),
                expected,
                if *expected == 1 { "" } else { "s" },
                got
            ),
            OpError::Code(e) => fmt::Display::fmt(e, f),
            OpError::Unpaired { op, got } => {
                write!(f, "{} takes pairs of operands (a1 b1 a2 b2 ...), got {got}", op.name())
            }
            OpError::Unsupported { op, format } => {
                write!(f, "{} is for posits (a quire-fused dot product); {format} has none", op.name())
            }
        }
    }
}

impl From<CodeError> for OpError {
    fn from(e: CodeError) -> Self {
        OpError::Code(e)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for OpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OpError::Code(e) => Some(e),
            OpError::Arity { .. } | OpError::Unpaired { .. } | OpError::Unsupported { .. } => None,
        }
    }
}

/// An operation name that [`Op`]'s [`FromStr`](core::str::FromStr) does not know. Its `Display`
/// lists the valid ones.
///
/// ```
/// use lowp::dynamic::Op;
/// let e = "pow".parse::<Op>().unwrap_err();
/// assert_eq!(e.to_string(), "unknown operation `pow`; valid: add, sub, mul, div, sqrt, fma, qdot");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownOp {
    pub(super) name: String,
}

impl fmt::Display for UnknownOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown operation `{}`; valid: ", self.name)?;
        for (i, op) in Op::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(op.name())?;
        }
        Ok(())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for UnknownOp {}
