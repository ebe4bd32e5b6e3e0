//! Formats chosen at run time: a registry of every scalar format of the crate, addressed by a
//! [`FormatId`] and working on raw codes (`u64`).
//!
//! The command-line golden model (`lowp`, feature `cli`) is built on this module; it is just
//! as useful for tools that read a format name from a configuration file or a test vector.
//! Every method dispatches to the statically typed implementation ([`LowpFloat`]), so the
//! results are bit-identical to the typed API.
//!
//! ```
//! use lowp::dynamic::{FormatId, Op};
//! use lowp::{Overflow, Rounding};
//!
//! let f = FormatId::from_name("e4m3")?;                 // alias of float8_e4m3fn
//! assert_eq!(f.name(), "float8_e4m3fn");
//! let code = f.parse_str("0.1", Rounding::NearestEven, Overflow::NonSaturating)?;
//! assert_eq!(f.hex(code), "0x1d");
//! assert_eq!(f.decode(code)?, 0.1015625);
//! assert_eq!(f.op(Op::Mul, &[code, 0x38])?, code);       // 0x38 is 1.0
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Codes are plain `u64`s holding the encoding in the low [`FormatId::bits`] bits; methods that
//! take a code reject one with bits set above the format's width ([`CodeError`]).

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;
use core::str::FromStr;

use crate::decimal::{ParseError, Shortest};
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::minifloat::{Spec, E2M1FN, E2M3FN, E3M2FN, E4M3, E4M3B11FNUZ, E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0FNU};
use crate::round::{IeeeLayout, Specials, BF16_LAYOUT, F16_LAYOUT, F32_LAYOUT};

// ---------------------------------------------------------------------------------------------
// The registry.
// ---------------------------------------------------------------------------------------------

/// How a format lays out its bits. Each family of formats adds a variant (posits will).
#[derive(Clone, Copy, Debug)]
enum Encoding {
    /// Sign-magnitude binary floating point (every minifloat, f16, bf16, f32).
    Ieee(IeeeLayout),
}

/// One row of the registry.
struct Entry {
    aliases: &'static [&'static str],
    encoding: Encoding,
    backend: &'static dyn Backend,
}

/// Generates [`FormatId`], [`FormatId::ALL`] and the registry from one list of rows
/// `Variant: Type, aliases, encoding;`. Everything else in this module is generic over
/// [`LowpFloat`]: adding a format is adding a row.
macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident : $ty:ty, aliases = $aliases:expr, encoding = $enc:expr; )*) => {
        /// A scalar format of the crate, chosen at run time.
        ///
        /// ```
        /// use lowp::dynamic::FormatId;
        /// let f: FormatId = "float8_e5m2".parse()?;
        /// assert_eq!(f, FormatId::Float8E5M2);
        /// assert_eq!(f.to_string(), "float8_e5m2");
        /// assert_eq!(f.bits(), 8);
        /// # Ok::<(), lowp::dynamic::UnknownFormat>(())
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FormatId {
            $( $(#[$doc])* $variant, )*
        }

        impl FormatId {
            /// Every format, in a fixed order (FP8, FP6, FP4, E8M0, then the IEEE formats).
            ///
            /// ```
            /// use lowp::dynamic::FormatId;
            /// assert_eq!(FormatId::ALL.len(), 13);
            /// assert_eq!(FormatId::ALL[0], FormatId::Float8E4M3FN);
            /// ```
            pub const ALL: &'static [FormatId] = &[$( FormatId::$variant ),*];

            fn entry(self) -> &'static Entry {
                match self {
                    $( FormatId::$variant => {
                        static ENTRY: Entry = Entry {
                            aliases: $aliases,
                            encoding: $enc,
                            backend: &Generic::<$ty>(PhantomData),
                        };
                        &ENTRY
                    } )*
                }
            }
        }
    };
}

registry! {
    /// OCP FP8 E4M3 (`float8_e4m3fn`): no Inf, NaN = S.1111.111, max 448.
    Float8E4M3FN: crate::Float8E4M3FN, aliases = E4M3FN::ALIASES, encoding = Encoding::Ieee(E4M3FN::LAYOUT);
    /// OCP FP8 E5M2 (`float8_e5m2`): IEEE-like, max 57344.
    Float8E5M2: crate::Float8E5M2, aliases = E5M2::ALIASES, encoding = Encoding::Ieee(E5M2::LAYOUT);
    /// `float8_e4m3fnuz`: bias 8, no Inf, no −0, NaN = 0x80.
    Float8E4M3FNUZ: crate::Float8E4M3FNUZ, aliases = E4M3FNUZ::ALIASES, encoding = Encoding::Ieee(E4M3FNUZ::LAYOUT);
    /// `float8_e5m2fnuz`: bias 16, no Inf, no −0, NaN = 0x80.
    Float8E5M2FNUZ: crate::Float8E5M2FNUZ, aliases = E5M2FNUZ::ALIASES, encoding = Encoding::Ieee(E5M2FNUZ::LAYOUT);
    /// `float8_e4m3b11fnuz`: bias 11, no Inf, no −0, NaN = 0x80.
    Float8E4M3B11FNUZ: crate::Float8E4M3B11FNUZ, aliases = E4M3B11FNUZ::ALIASES, encoding = Encoding::Ieee(E4M3B11FNUZ::LAYOUT);
    /// IEEE-style FP8 E4M3 (`float8_e4m3`): ±Inf, NaNs, max 240.
    Float8E4M3: crate::Float8E4M3, aliases = E4M3::ALIASES, encoding = Encoding::Ieee(E4M3::LAYOUT);
    /// OCP MX FP6 E2M3 (`float6_e2m3fn`): no Inf/NaN, max 7.5.
    Float6E2M3FN: crate::Float6E2M3FN, aliases = E2M3FN::ALIASES, encoding = Encoding::Ieee(E2M3FN::LAYOUT);
    /// OCP MX FP6 E3M2 (`float6_e3m2fn`): no Inf/NaN, max 28.
    Float6E3M2FN: crate::Float6E3M2FN, aliases = E3M2FN::ALIASES, encoding = Encoding::Ieee(E3M2FN::LAYOUT);
    /// OCP MX FP4 E2M1 (`float4_e2m1fn`): no Inf/NaN, max 6.
    Float4E2M1FN: crate::Float4E2M1FN, aliases = E2M1FN::ALIASES, encoding = Encoding::Ieee(E2M1FN::LAYOUT);
    /// OCP MX scale E8M0 (`float8_e8m0fnu`): unsigned powers of two, NaN = 0xff.
    Float8E8M0FNU: crate::Float8E8M0FNU, aliases = E8M0FNU::ALIASES, encoding = Encoding::Ieee(E8M0FNU::LAYOUT);
    /// IEEE binary16 (`half::f16`).
    F16: half::f16, aliases = &["f16", "half", "fp16", "binary16"], encoding = Encoding::Ieee(F16_LAYOUT);
    /// bfloat16 (`half::bf16`).
    BF16: half::bf16, aliases = &["bf16"], encoding = Encoding::Ieee(BF16_LAYOUT);
    /// IEEE binary32 (`f32`).
    F32: f32, aliases = &["f32", "fp32", "binary32", "single"], encoding = Encoding::Ieee(F32_LAYOUT);
}

// ---------------------------------------------------------------------------------------------
// The generic backend: everything that only needs `LowpFloat`.
// ---------------------------------------------------------------------------------------------

/// Object-safe view of one `LowpFloat` type on raw codes. Codes passed in are already checked
/// to fit the format's width.
trait Backend: Sync {
    fn name(&self) -> &'static str;
    fn bits(&self) -> u32;
    fn default_overflow(&self) -> Overflow;
    fn to_exact(&self, code: u64) -> Exact;
    fn decode(&self, code: u64) -> f64;
    fn round_exact(&self, x: Exact, rounding: Rounding, overflow: Overflow) -> u64;
    fn parse(&self, s: &str, rounding: Rounding, overflow: Overflow) -> Result<u64, ParseError>;
    fn display(&self, code: u64) -> String;
    fn op(&self, op: Op, args: &[u64]) -> u64;
    fn next_up(&self, code: u64) -> u64;
    fn next_down(&self, code: u64) -> u64;
    fn is_nan(&self, code: u64) -> bool;
    fn is_infinite(&self, code: u64) -> bool;
    fn constants(&self) -> Constants;
}

/// The format's characteristic values, as `f64`.
struct Constants {
    max: f64,
    min_normal: f64,
    min_subnormal: f64,
    epsilon: f64,
    has_nan: bool,
    has_inf: bool,
}

/// The backend of type `T` (zero-sized; `fn() -> T` keeps it `Sync` for every `T`).
struct Generic<T>(PhantomData<fn() -> T>);

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

impl<T: LowpFloat> Backend for Generic<T>
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
    fn op(&self, op: Op, a: &[u64]) -> u64 {
        let v = |i: usize| Self::value(a[i]);
        Self::code(match op {
            Op::Add => v(0) + v(1),
            Op::Sub => v(0) - v(1),
            Op::Mul => v(0) * v(1),
            Op::Div => v(0) / v(1),
            Op::Sqrt => v(0).sqrt(),
            Op::Fma => v(0).mul_add(v(1), v(2)),
        })
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

// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

/// A format name that is not in the registry. Its `Display` lists the valid names.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let e = FormatId::from_name("e9m9").unwrap_err();
/// assert_eq!(e.name(), "e9m9");
/// assert!(e.to_string().contains("float8_e4m3fn"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownFormat {
    name: String,
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
        Ok(())
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
    format: FormatId,
    code: u64,
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
            OpError::Arity { .. } => None,
        }
    }
}

/// An operation name that [`Op::from_str`] does not know. Its `Display` lists the valid ones.
///
/// ```
/// use lowp::dynamic::Op;
/// let e = "pow".parse::<Op>().unwrap_err();
/// assert_eq!(e.to_string(), "unknown operation `pow`; valid: add, sub, mul, div, sqrt, fma");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnknownOp {
    name: String,
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

// ---------------------------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------------------------

/// An arithmetic operation of [`FormatId::op`]: correctly rounded, nearest-even, the format's
/// default overflow rule (exactly the typed operators and [`LowpFloat::mul_add`] /
/// [`LowpFloat::sqrt`]).
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
}

impl Op {
    /// Every operation.
    ///
    /// ```
    /// use lowp::dynamic::Op;
    /// assert_eq!(Op::ALL.len(), 6);
    /// ```
    pub const ALL: &'static [Op] = &[Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Sqrt, Op::Fma];

    /// The lower-case name (`add`, `sub`, `mul`, `div`, `sqrt`, `fma`).
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
        }
    }

    /// The number of operands.
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
            Op::Add | Op::Sub | Op::Mul | Op::Div => 2,
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

// ---------------------------------------------------------------------------------------------
// Descriptions.
// ---------------------------------------------------------------------------------------------

/// The characteristics of a format, as reported by [`FormatId::info`].
///
/// For the sign-magnitude binary formats (all formats so far) `exp_bits`, `man_bits` and
/// `bias` are the fields of the encoding; values are exact.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let i = FormatId::Float8E4M3FN.info();
/// assert_eq!((i.bits, i.exp_bits, i.man_bits, i.bias), (8, 4, 3, 7));
/// assert_eq!((i.max, i.min_normal, i.min_subnormal, i.epsilon), (448.0, 0.015625, 0.001953125, 0.125));
/// assert!(i.has_nan && !i.has_inf && i.has_neg_zero);
/// assert_eq!(i.specials, "no Inf; NaN = 0x7f, 0xff");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FormatInfo {
    /// The canonical name ([`FormatId::name`]).
    pub name: &'static str,
    /// Encoding width in bits.
    pub bits: u32,
    /// Exponent field width.
    pub exp_bits: u32,
    /// Stored mantissa (fraction) field width.
    pub man_bits: u32,
    /// Exponent bias.
    pub bias: i32,
    /// Has a sign bit.
    pub signed: bool,
    /// Exponent field 0 encodes subnormals.
    pub has_subnormals: bool,
    /// Largest finite value.
    pub max: f64,
    /// Smallest positive normal value.
    pub min_normal: f64,
    /// Smallest positive value (equal to `min_normal` without subnormals).
    pub min_subnormal: f64,
    /// Distance from 1.0 to the next larger value.
    pub epsilon: f64,
    /// Has ±∞.
    pub has_inf: bool,
    /// Has NaN.
    pub has_nan: bool,
    /// Has a distinct −0.
    pub has_neg_zero: bool,
    /// The special values in words, with their codes (e.g. `no Inf; NaN = 0x7f, 0xff`).
    pub specials: String,
}

/// One bit field of an encoded value (see [`FormatId::fields`]). `Display` writes the bits in
/// binary, most significant first, `width` digits.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let f = FormatId::Float8E4M3FN.fields(0x7e)?;
/// let text: Vec<String> = f.iter().map(|x| format!("{}={}", x.name, x)).collect();
/// assert_eq!(text, ["sign=0", "exponent=1111", "mantissa=110"]);
/// # Ok::<(), lowp::dynamic::CodeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// `sign`, `exponent` or `mantissa`.
    pub name: &'static str,
    /// Width in bits (at least 1).
    pub width: u32,
    /// The field's bits.
    pub value: u64,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0w$b}", self.value, w = self.width as usize)
    }
}

/// `name` normalised for comparison: ASCII lower case, `_` read as `-`.
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).all(|(x, y)| {
            let n = |c: u8| if c == b'_' { b'-' } else { c.to_ascii_lowercase() };
            n(x) == n(y)
        })
}

impl FormatId {
    /// Look a format up by its name (the ml_dtypes spelling, e.g. `float8_e4m3fn`, or
    /// `float16`, `bfloat16`, `float32`) or an alias (`e4m3`, `fp4`, `bf16`, `half`, …).
    /// Case-insensitive; `_` and `-` are interchangeable.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::from_name("E4M3")?, FormatId::Float8E4M3FN);
    /// assert_eq!(FormatId::from_name("float8_e4m3")?, FormatId::Float8E4M3); // the IEEE-style one
    /// assert_eq!(FormatId::from_name("half")?, FormatId::F16);
    /// assert_eq!(FormatId::from_name("BFloat16")?, FormatId::BF16);
    /// assert!(FormatId::from_name("float8").is_err());
    /// # Ok::<(), lowp::dynamic::UnknownFormat>(())
    /// ```
    pub fn from_name(name: &str) -> Result<FormatId, UnknownFormat> {
        let n = name.trim();
        FormatId::ALL
            .iter()
            .copied()
            .find(|id| same_name(id.name(), n) || id.aliases().iter().any(|a| same_name(a, n)))
            .ok_or_else(|| UnknownFormat { name: name.to_string() })
    }

    /// The canonical name (ml_dtypes spelling; `float16`, `bfloat16`, `float32`).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float4E2M1FN.name(), "float4_e2m1fn");
    /// assert_eq!(FormatId::BF16.name(), "bfloat16");
    /// ```
    pub fn name(self) -> &'static str {
        self.entry().backend.name()
    }

    /// The other names [`from_name`](Self::from_name) accepts.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert!(FormatId::Float8E5M2.aliases().contains(&"e5m2"));
    /// ```
    pub fn aliases(self) -> &'static [&'static str] {
        self.entry().aliases
    }

    /// Encoding width in bits.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float6E3M2FN.bits(), 6);
    /// assert_eq!(FormatId::F32.bits(), 32);
    /// ```
    pub fn bits(self) -> u32 {
        self.entry().backend.bits()
    }

    /// The largest code, `2^bits - 1`.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float4E2M1FN.max_code(), 0xf);
    /// ```
    pub fn max_code(self) -> u64 {
        (1u64 << self.bits()) - 1
    }

    /// Every code of the format, in code order.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float6E2M3FN.codes().count(), 64);
    /// ```
    pub fn codes(self) -> impl Iterator<Item = u64> {
        0..=self.max_code()
    }

    /// Overflow rule of the plain conversions and the operations (non-saturating for every
    /// format so far).
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Overflow};
    /// assert_eq!(FormatId::Float8E4M3FN.default_overflow(), Overflow::NonSaturating);
    /// ```
    pub fn default_overflow(self) -> Overflow {
        self.entry().backend.default_overflow()
    }

    /// The format's characteristics.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// let i = FormatId::Float8E5M2.info();
    /// assert_eq!((i.exp_bits, i.man_bits, i.bias, i.max), (5, 2, 15, 57344.0));
    /// assert!(i.has_inf);
    /// assert_eq!(FormatId::Float8E8M0FNU.info().specials, "unsigned, no zero, no Inf; NaN = 0xff");
    /// ```
    pub fn info(self) -> FormatInfo {
        let e = self.entry();
        let c = e.backend.constants();
        let Encoding::Ieee(l) = e.encoding;
        FormatInfo {
            name: self.name(),
            bits: self.bits(),
            exp_bits: l.exp_bits,
            man_bits: l.man_bits,
            bias: l.bias,
            signed: l.signed,
            has_subnormals: l.subnormals,
            max: c.max,
            min_normal: c.min_normal,
            min_subnormal: c.min_subnormal,
            epsilon: c.epsilon,
            has_inf: c.has_inf,
            has_nan: c.has_nan,
            has_neg_zero: l.has_neg_zero(),
            specials: self.specials_text(&l),
        }
    }

    fn specials_text(self, l: &IeeeLayout) -> String {
        let h = |c: u64| self.hex(c);
        match l.specials {
            Specials::IeeeInfNan => {
                let inf = l.inf_code().unwrap_or(0);
                let s = l.sign_bit();
                format!(
                    "+/-Inf = {}, {}; NaN = {}..{}, {}..{}",
                    h(inf),
                    h(s | inf),
                    h(inf + 1),
                    h(l.mag_mask()),
                    h(s | (inf + 1)),
                    h(s | l.mag_mask())
                )
            }
            Specials::NanAllOnes => {
                format!("no Inf; NaN = {}, {}", h(l.mag_mask()), h(l.sign_bit() | l.mag_mask()))
            }
            Specials::NanNegZero => format!("no Inf, no -0; NaN = {} (the -0 code)", h(l.sign_bit())),
            Specials::NanTop => format!("unsigned, no zero, no Inf; NaN = {}", h(l.mag_mask())),
            Specials::None => String::from("no Inf, no NaN (overflow saturates)"),
        }
    }

    fn check(self, code: u64) -> Result<u64, CodeError> {
        if code > self.max_code() {
            Err(CodeError { format: self, code })
        } else {
            Ok(code)
        }
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

    /// The bit fields of a code, most significant first (`sign` where the format is signed,
    /// `exponent`, and `mantissa` where it has mantissa bits).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// let f = FormatId::Float8E8M0FNU.fields(0x7f)?;
    /// assert_eq!(f.len(), 1);
    /// assert_eq!((f[0].name, f[0].to_string()), ("exponent", "01111111".to_string()));
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn fields(self, code: u64) -> Result<Vec<Field>, CodeError> {
        let code = self.check(code)?;
        let Encoding::Ieee(l) = self.entry().encoding;
        let mut v = Vec::with_capacity(3);
        if l.signed {
            v.push(Field { name: "sign", width: 1, value: code >> (l.exp_bits + l.man_bits) & 1 });
        }
        v.push(Field { name: "exponent", width: l.exp_bits, value: (code >> l.man_bits) & ((1u64 << l.exp_bits) - 1) });
        if l.man_bits > 0 {
            v.push(Field { name: "mantissa", width: l.man_bits, value: code & ((1u64 << l.man_bits) - 1) });
        }
        Ok(v)
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
        let code = self.check(code)?;
        Ok(self.entry().backend.decode(code))
    }

    /// The exact value of a code, decomposed.
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Exact};
    /// assert_eq!(FormatId::Float8E4M3FN.to_exact(0x3c)?, Exact::Finite { neg: false, sig: 12, exp: -3, sticky: false });
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn to_exact(self, code: u64) -> Result<Exact, CodeError> {
        let code = self.check(code)?;
        Ok(self.entry().backend.to_exact(code))
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
        self.entry().backend.round_exact(Exact::from_f64(x), rounding, overflow)
    }

    /// The code of an exact value, rounded once under `rounding` and `overflow`.
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Exact, Overflow, Rounding};
    /// let x = Exact::Finite { neg: true, sig: 3, exp: -1, sticky: false }; // -1.5
    /// assert_eq!(FormatId::Float4E2M1FN.round_exact(x, Rounding::NearestEven, Overflow::NonSaturating), 0xb);
    /// ```
    pub fn round_exact(self, x: Exact, rounding: Rounding, overflow: Overflow) -> u64 {
        self.entry().backend.round_exact(x, rounding, overflow)
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
    /// # Ok::<(), lowp::decimal::ParseError>(())
    /// ```
    pub fn parse_str(self, s: &str, rounding: Rounding, overflow: Overflow) -> Result<u64, ParseError> {
        self.entry().backend.parse(s, rounding, overflow)
    }

    /// The shortest decimal that reads back to the code ([`crate::decimal::fmt_shortest`]: the
    /// minifloats' `Display`; for `f16` and `bf16` shorter than `half`'s own `Display`).
    /// Specials print as `f64` does (`NaN`, `inf`, `-inf`).
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
        let code = self.check(code)?;
        Ok(self.entry().backend.display(code))
    }

    /// Apply an operation to operand codes: the code of the correctly rounded result
    /// (nearest-even, the format's default overflow rule), bit-identical to the typed
    /// operators. `Fma` computes `a * b + c` with one rounding.
    ///
    /// ```
    /// use lowp::dynamic::{FormatId, Op};
    /// let f = FormatId::Float8E4M3FN;
    /// assert_eq!(f.op(Op::Add, &[0x38, 0x38])?, 0x40);       // 1 + 1 = 2
    /// assert_eq!(f.op(Op::Sqrt, &[0x48])?, 0x40);            // sqrt(4) = 2
    /// assert_eq!(f.op(Op::Fma, &[0x40, 0x40, 0xb8])?, 0x44); // 2 * 2 - 1 = 3
    /// assert_eq!(f.op(Op::Mul, &[0x7e, 0x40])?, 0x7f);       // overflow: NaN
    /// # Ok::<(), lowp::dynamic::OpError>(())
    /// ```
    pub fn op(self, op: Op, args: &[u64]) -> Result<u64, OpError> {
        if args.len() != op.arity() {
            return Err(OpError::Arity { op, expected: op.arity(), got: args.len() });
        }
        for &a in args {
            self.check(a)?;
        }
        Ok(self.entry().backend.op(op, args))
    }

    /// The code of the next value toward +∞ ([`LowpFloat::next_up`]).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E4M3FN.next_up(0x7e)?, 0x7e); // max stays max (no Inf)
    /// assert_eq!(FormatId::Float8E5M2.next_up(0x7b)?, 0x7c);   // max -> Inf
    /// assert_eq!(FormatId::Float8E4M3FN.next_up(0x80)?, 0x01);  // -0 -> smallest subnormal
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn next_up(self, code: u64) -> Result<u64, CodeError> {
        let code = self.check(code)?;
        Ok(self.entry().backend.next_up(code))
    }

    /// The code of the next value toward −∞ ([`LowpFloat::next_down`]).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float8E4M3FN.next_down(0x01)?, 0x00); // -> +0 (IEEE nextDown)
    /// assert_eq!(FormatId::Float8E4M3FN.next_down(0x39)?, 0x38);
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn next_down(self, code: u64) -> Result<u64, CodeError> {
        let code = self.check(code)?;
        Ok(self.entry().backend.next_down(code))
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
        let code = self.check(code)?;
        Ok(self.entry().backend.is_nan(code))
    }

    /// Is the code ±∞?
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert!(FormatId::Float8E5M2.is_infinite(0xfc)?);
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn is_infinite(self, code: u64) -> Result<bool, CodeError> {
        let code = self.check(code)?;
        Ok(self.entry().backend.is_infinite(code))
    }
}

impl fmt::Display for FormatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FormatId {
    type Err = UnknownFormat;
    /// Same as [`FormatId::from_name`].
    fn from_str(s: &str) -> Result<FormatId, UnknownFormat> {
        FormatId::from_name(s)
    }
}

// ---------------------------------------------------------------------------------------------
// Exact decimal expansion.
// ---------------------------------------------------------------------------------------------

/// The exact decimal expansion of an `f64` (every finite `f64` is a dyadic rational, so the
/// expansion is finite): no exponent, no rounding. `nan`, `inf`, `-inf` for the specials; `-0`
/// keeps its sign.
///
/// ```
/// use lowp::dynamic::exact_decimal;
/// assert_eq!(exact_decimal(0.1015625), "0.1015625");
/// assert_eq!(exact_decimal(0.1), "0.1000000000000000055511151231257827021181583404541015625");
/// assert_eq!(exact_decimal(-57344.0), "-57344");
/// assert_eq!(exact_decimal(2f64.powi(70)), "1180591620717411303424");
/// assert_eq!(exact_decimal(-0.0), "-0");
/// assert_eq!(exact_decimal(f64::NAN), "nan");
/// ```
pub fn exact_decimal(x: f64) -> String {
    if x.is_nan() {
        return String::from("nan");
    }
    if x.is_infinite() {
        return String::from(if x < 0.0 { "-inf" } else { "inf" });
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    match Exact::from_f64(x) {
        Exact::Finite { sig, exp, .. } => {
            let tz = sig.trailing_zeros();
            let (sig, exp) = (sig >> tz, exp + tz as i32);
            let mut n = Decimal::from_u64(sig);
            if exp >= 0 {
                n.mul_pow(2, exp as u32);
                out.push_str(&n.digits());
            } else {
                // sig / 2^k = sig * 5^k / 10^k: k digits after the point, the last one a 5.
                let k = (-exp) as usize;
                n.mul_pow(5, k as u32);
                let d = n.digits();
                if d.len() <= k {
                    out.push_str("0.");
                    out.extend(core::iter::repeat_n('0', k - d.len()));
                    out.push_str(&d);
                } else {
                    let (int, frac) = d.split_at(d.len() - k);
                    out.push_str(int);
                    out.push('.');
                    out.push_str(frac);
                }
            }
        }
        _ => out.push('0'),
    }
    out
}

/// A nonnegative integer in base 10⁹ limbs, least significant first (just enough bignum for
/// [`exact_decimal`]).
struct Decimal(Vec<u32>);

const LIMB: u64 = 1_000_000_000;

impl Decimal {
    fn from_u64(mut x: u64) -> Decimal {
        let mut v = Vec::new();
        while x > 0 {
            v.push((x % LIMB) as u32);
            x /= LIMB;
        }
        Decimal(v)
    }
    fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let t = *limb as u64 * m as u64 + carry;
            *limb = (t % LIMB) as u32;
            carry = t / LIMB;
        }
        while carry > 0 {
            self.0.push((carry % LIMB) as u32);
            carry /= LIMB;
        }
    }
    /// Multiply by `base^n` (`base` 2 or 5), in chunks that fit a `u32`.
    fn mul_pow(&mut self, base: u32, mut n: u32) {
        let chunk = if base == 2 { 31 } else { 13 };
        while n > 0 {
            let k = n.min(chunk);
            self.mul_small(base.pow(k));
            n -= k;
        }
    }
    fn digits(&self) -> String {
        let mut s = String::new();
        match self.0.split_last() {
            None => s.push('0'),
            Some((top, rest)) => {
                s.push_str(&top.to_string());
                for limb in rest.iter().rev() {
                    s.push_str(&format!("{limb:09}"));
                }
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unambiguous() {
        let mut all: Vec<(String, FormatId)> = Vec::new();
        for &id in FormatId::ALL {
            for n in core::iter::once(id.name()).chain(id.aliases().iter().copied()) {
                let key = n.to_ascii_lowercase().replace('_', "-");
                if let Some((_, other)) = all.iter().find(|(k, _)| *k == key) {
                    panic!("{n} names both {id} and {other}");
                }
                all.push((key, id));
                assert_eq!(FormatId::from_name(n), Ok(id), "{n}");
                assert_eq!(FormatId::from_name(&n.to_ascii_uppercase()), Ok(id), "{n}");
            }
        }
    }

    #[test]
    fn registry_matches_types() {
        for &id in FormatId::ALL {
            let i = id.info();
            assert_eq!(i.bits, i.signed as u32 + i.exp_bits + i.man_bits, "{id}");
            for c in id.codes().step_by(if id.bits() > 16 { 65_521 } else { 1 }) {
                let v = id.decode(c).unwrap();
                if !v.is_nan() {
                    assert_eq!(id.encode(v, Rounding::NearestEven, Overflow::NonSaturating), c, "{id} {c:#x}");
                }
            }
            assert!(id.decode(id.max_code() + 1).is_err());
        }
    }

    #[test]
    fn exact_decimal_small_and_large() {
        assert_eq!(exact_decimal(2f64.powi(-10)), "0.0009765625");
        assert_eq!(exact_decimal(f64::from_bits(1)).len(), 2 + 1073 + 1); // 0. + zeros + 5 ends
        assert!(exact_decimal(f64::from_bits(1)).ends_with("5"));
        assert_eq!(exact_decimal(f64::MAX).len(), 309);
        assert_eq!(exact_decimal(1.5), "1.5");
        assert_eq!(exact_decimal(1e21), "1000000000000000000000");
        assert_eq!(exact_decimal(0.0), "0");
        assert_eq!(exact_decimal(f64::NEG_INFINITY), "-inf");
        assert_eq!(exact_decimal(f32::MAX as f64), "340282346638528859811704183484516925440");
    }
}
