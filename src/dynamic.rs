//! Formats chosen at run time: a registry of every scalar format of the crate, addressed by a
//! [`FormatId`] and working on raw codes (`u64`).
//!
//! The command-line golden model (`lowp`, feature `cli`) is built on this module; it is just
//! as useful for tools that read a format name from a configuration file or a test vector.
//! Every method dispatches to the statically typed implementation ([`LowpFloat`]), so the
//! results are bit-identical to the typed API.
//!
//! Posits are addressed as `posit<N>e<ES>` for every 2 ≤ N ≤ 32 and 0 ≤ ES ≤ 4
//! ([`FormatId::Posit`]). The named ones ([`FormatId::POSIT8`], `POSIT16`, `POSIT32`,
//! `POSIT8E0`, `POSIT16E1`) dispatch to their monomorphised [`Posit`] type; the
//! other 150 run through the posit module's decoder and encoder with N and ES given at run
//! time around exact arithmetic ([`Exact`]), rounded once (a monomorphised copy of every
//! `Posit<N, ES>` added about a minute to an optimised build). Both are correctly rounded, so
//! the codes are the same; the tests compare the two paths code for code on the named posits.
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
//!
//! let p = FormatId::from_name("posit12e1")?;            // any posit<N>e<ES>
//! assert_eq!(p.bits(), 12);
//! assert_eq!(p.parse_str("1", Rounding::NearestEven, Overflow::Saturating)?, 0x400);
//! assert_eq!(p.op(Op::Qdot, &[0x400, 0x400, 0x400, 0x400])?, 0x500); // 1·1 + 1·1 = 2
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Codes are plain `u64`s holding the encoding in the low [`FormatId::bits`] bits; methods that
//! take a code reject one with bits set above the format's width ([`CodeError`]).

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
use crate::posit::{Posit, PositBits, Width, WidthStorage, P16, P16E1, P32, P8, P8E0};
use crate::round::{IeeeLayout, Specials, BF16_LAYOUT, F16_LAYOUT, F32_LAYOUT};

// ---------------------------------------------------------------------------------------------
// The registry.
// ---------------------------------------------------------------------------------------------

/// How a format lays out its bits.
#[derive(Clone, Copy, Debug)]
enum Encoding {
    /// Sign-magnitude binary floating point (every minifloat, f16, bf16, f32).
    Ieee(IeeeLayout),
    /// A posit: sign, regime, exponent, fraction; negatives in two's complement.
    Posit(PositFormat),
}

/// One row of the registry.
struct Entry {
    aliases: &'static [&'static str],
    encoding: Encoding,
    backend: &'static dyn Backend,
}

/// Generates [`FormatId`], [`FormatId::ALL`] and the registry from one list of rows
/// `Variant: Type, aliases, encoding;` (the sign-magnitude formats) plus the named posits.
/// Everything else in this module is generic over [`LowpFloat`]: adding a format is adding a row.
macro_rules! registry {
    ($( $(#[$doc:meta])* $variant:ident : $ty:ty, aliases = $aliases:expr, encoding = $enc:expr; )*) => {
        /// A scalar format of the crate, chosen at run time.
        ///
        /// ```
        /// use lowp::dynamic::{FormatId, PositFormat};
        /// let f: FormatId = "float8_e5m2".parse()?;
        /// assert_eq!(f, FormatId::Float8E5M2);
        /// assert_eq!(f.to_string(), "float8_e5m2");
        /// assert_eq!(f.bits(), 8);
        /// let p: FormatId = "posit16e1".parse()?;
        /// assert_eq!(p, FormatId::Posit(PositFormat::new(16, 1).unwrap()));
        /// assert_eq!(p, FormatId::POSIT16E1);
        /// # Ok::<(), lowp::dynamic::UnknownFormat>(())
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum FormatId {
            $( $(#[$doc])* $variant, )*
            /// A posit `posit<N, ES>` (2 ≤ N ≤ 32, 0 ≤ ES ≤ 4): no −0, no ∞, one NaR; conversions
            /// and operations saturate at ±maxpos and never round a nonzero value to 0.
            Posit(PositFormat),
        }

        impl FormatId {
            /// Every named format, in a fixed order (FP8, FP6, FP4, E8M0, the IEEE formats, then
            /// the posits posit8, posit16, posit32 of the 2022 standard and SoftPosit's posit8e0,
            /// posit16e1). Every other posit is reached by [`from_name`](Self::from_name) or
            /// [`posit`](Self::posit).
            ///
            /// ```
            /// use lowp::dynamic::FormatId;
            /// assert_eq!(FormatId::ALL.len(), 18);
            /// assert_eq!(FormatId::ALL[0], FormatId::Float8E4M3FN);
            /// assert_eq!(FormatId::ALL[13], FormatId::POSIT8);
            /// ```
            pub const ALL: &'static [FormatId] = &[
                $( FormatId::$variant, )*
                FormatId::POSIT8,
                FormatId::POSIT16,
                FormatId::POSIT32,
                FormatId::POSIT8E0,
                FormatId::POSIT16E1,
            ];

            /// The registry row of a sign-magnitude format (`None` for posits).
            fn ieee_entry(self) -> Option<&'static Entry> {
                match self {
                    $( FormatId::$variant => {
                        static ENTRY: Entry = Entry {
                            aliases: $aliases,
                            encoding: $enc,
                            backend: &Generic::<$ty>(PhantomData),
                        };
                        Some(&ENTRY)
                    } )*
                    FormatId::Posit(_) => None,
                }
            }
        }

        $( impl Fused for $ty {} )*
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

/// The named posits: `(n, es, aliases, typed backend)`. Every other posit<N, ES> runs through
/// [`RtPosit`].
static NAMED_POSITS: [(u8, u8, &[&str], &dyn Backend); 5] = [
    (8, 2, &["posit8e2", "p8"], &Generic::<P8>(PhantomData)),
    (16, 2, &["posit16e2", "p16"], &Generic::<P16>(PhantomData)),
    (32, 2, &["posit32e2", "p32", "p32e2"], &Generic::<P32>(PhantomData)),
    (8, 0, &["p8e0"], &Generic::<P8E0>(PhantomData)),
    (16, 1, &["p16e1"], &Generic::<P16E1>(PhantomData)),
];

/// Smallest and largest posit width and exponent size of the registry.
const POSIT_N: core::ops::RangeInclusive<u32> = 2..=32;
const POSIT_ES_MAX: u32 = 4;

/// A posit format `posit<N, ES>`: `2 ≤ N ≤ 32` bits, `0 ≤ ES ≤ 4` exponent bits
/// (the [`Posit<N, ES>`](crate::Posit) type of the same parameters).
///
/// ```
/// use lowp::dynamic::PositFormat;
/// let p = PositFormat::new(12, 1).unwrap();
/// assert_eq!((p.n(), p.es(), p.nar_code()), (12, 1, 0x800));
/// assert_eq!(p.useed_log2(), 2);                 // useed = 2^(2^es) = 4
/// assert_eq!(p.max_scale(), 20);                  // maxpos = useed^(n-2) = 2^20
/// assert!(PositFormat::new(40, 2).is_none());
/// assert!(PositFormat::new(8, 5).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PositFormat {
    n: u8,
    es: u8,
}

impl PositFormat {
    /// posit<N, ES>, if `2 ≤ n ≤ 32` and `es ≤ 4`.
    pub const fn new(n: u32, es: u32) -> Option<PositFormat> {
        if n >= *POSIT_N.start() && n <= *POSIT_N.end() && es <= POSIT_ES_MAX {
            Some(PositFormat { n: n as u8, es: es as u8 })
        } else {
            None
        }
    }
    /// Width in bits (N).
    pub const fn n(self) -> u32 {
        self.n as u32
    }
    /// Exponent bits (ES).
    pub const fn es(self) -> u32 {
        self.es as u32
    }
    /// `log2(useed) = 2^ES`.
    pub const fn useed_log2(self) -> u32 {
        1 << self.es
    }
    /// `log2(maxpos) = (N - 2)·2^ES` (minpos is `2^-max_scale`).
    pub const fn max_scale(self) -> i32 {
        ((self.n as i32) - 2) << self.es
    }
    /// The code of NaR: the sign bit alone.
    pub const fn nar_code(self) -> u64 {
        1 << (self.n - 1)
    }
    /// The backend: the typed one for the named posits, the run-time one otherwise.
    fn backend(self) -> &'static dyn Backend {
        for (n, es, _, b) in NAMED_POSITS.iter() {
            if (*n, *es) == (self.n, self.es) {
                return *b;
            }
        }
        match RT_POSITS.get(usize::from(self.n) - 2).and_then(|row| row.get(usize::from(self.es))) {
            Some(b) => b,
            None => unreachable!("PositFormat is checked on construction"),
        }
    }
    fn aliases(self) -> &'static [&'static str] {
        NAMED_POSITS.iter().find(|(n, es, _, _)| (*n, *es) == (self.n, self.es)).map_or(&[], |row| row.2)
    }
}

impl FormatId {
    /// posit8 of the 2022 standard (es = 2).
    pub const POSIT8: FormatId = FormatId::Posit(PositFormat { n: 8, es: 2 });
    /// posit16 of the 2022 standard (es = 2).
    pub const POSIT16: FormatId = FormatId::Posit(PositFormat { n: 16, es: 2 });
    /// posit32 of the 2022 standard (es = 2; also SoftPosit's posit32, `posit32e2`).
    pub const POSIT32: FormatId = FormatId::Posit(PositFormat { n: 32, es: 2 });
    /// SoftPosit's posit8 (es = 0).
    pub const POSIT8E0: FormatId = FormatId::Posit(PositFormat { n: 8, es: 0 });
    /// SoftPosit's posit16 (es = 1).
    pub const POSIT16E1: FormatId = FormatId::Posit(PositFormat { n: 16, es: 1 });

    /// `posit<n, es>`, if `2 ≤ n ≤ 32` and `es ≤ 4`.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::posit(8, 2), Some(FormatId::POSIT8));
    /// assert_eq!(FormatId::posit(12, 1).unwrap().name(), "posit12e1");
    /// assert_eq!(FormatId::posit(33, 2), None);
    /// ```
    pub const fn posit(n: u32, es: u32) -> Option<FormatId> {
        match PositFormat::new(n, es) {
            Some(p) => Some(FormatId::Posit(p)),
            None => None,
        }
    }

    /// The posit parameters, for a posit format.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::POSIT16E1.as_posit().map(|p| (p.n(), p.es())), Some((16, 1)));
    /// assert_eq!(FormatId::F16.as_posit(), None);
    /// ```
    pub const fn as_posit(self) -> Option<PositFormat> {
        match self {
            FormatId::Posit(p) => Some(p),
            _ => None,
        }
    }

    fn backend(self) -> &'static dyn Backend {
        match (self, self.ieee_entry()) {
            (FormatId::Posit(p), _) => p.backend(),
            (_, Some(e)) => e.backend,
            (_, None) => unreachable!("every non-posit format has a registry row"),
        }
    }

    fn encoding(self) -> Encoding {
        match (self, self.ieee_entry()) {
            (FormatId::Posit(p), _) => Encoding::Posit(p),
            (_, Some(e)) => e.encoding,
            (_, None) => unreachable!("every non-posit format has a registry row"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The generic backend: everything that only needs `LowpFloat`.
// ---------------------------------------------------------------------------------------------

/// Object-safe view of one `LowpFloat` type on raw codes. Codes passed in are already checked
/// to fit the format's width (and argument counts to fit the operation).
trait Backend: Sync {
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
struct Constants {
    max: f64,
    min_normal: f64,
    min_subnormal: f64,
    epsilon: f64,
    has_nan: bool,
    has_inf: bool,
}

/// The operations beyond [`LowpFloat`] that some formats have: the fused dot product of the
/// posits (through a quire).
trait Fused: LowpFloat {
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

// ---------------------------------------------------------------------------------------------
// Posits with N and ES chosen at run time.
// ---------------------------------------------------------------------------------------------

/// posit<n, es> with the parameters as data: the posit module's decoder and encoder
/// ([`crate::posit::decode`], [`crate::posit::encode`]) around exact arithmetic, rounded once —
/// the reference semantics of `Posit<n, es>`, so every answer is the one the typed posit gives
/// (checked code for code against the typed named posits in the tests below).
struct RtPosit {
    n: u32,
    es: u32,
    /// `posit12e1`, padded with spaces to 12 bytes (see [`posit_name`]).
    name: [u8; 12],
}

/// One run-time backend per (N, ES): `RT_POSITS[n - 2][es]`.
static RT_POSITS: [[RtPosit; 5]; 31] = {
    const fn row(n: u32) -> [RtPosit; 5] {
        [
            RtPosit { n, es: 0, name: posit_name(n, 0) },
            RtPosit { n, es: 1, name: posit_name(n, 1) },
            RtPosit { n, es: 2, name: posit_name(n, 2) },
            RtPosit { n, es: 3, name: posit_name(n, 3) },
            RtPosit { n, es: 4, name: posit_name(n, 4) },
        ]
    }
    let mut t = [const { [const { RtPosit { n: 0, es: 0, name: [b' '; 12] } }; 5] }; 31];
    let mut i = 0;
    while i < 31 {
        t[i] = row(i as u32 + 2);
        i += 1;
    }
    t
};

/// The name of posit<n, es> (`posit16` for es = 2, as the 2022 standard names them, else
/// `posit16e1`: [`LowpFloat::NAME`] of `Posit<n, es>`), space-padded.
const fn posit_name(n: u32, es: u32) -> [u8; 12] {
    let mut b = [b' '; 12];
    let p = b"posit";
    let mut i = 0;
    while i < 5 {
        b[i] = p[i];
        i += 1;
    }
    if n >= 10 {
        b[i] = b'0' + (n / 10) as u8;
        i += 1;
    }
    b[i] = b'0' + (n % 10) as u8;
    i += 1;
    if es != 2 {
        b[i] = b'e';
        b[i + 1] = b'0' + es as u8;
    }
    b
}

impl RtPosit {
    #[inline]
    fn mask(&self) -> u64 {
        u64::MAX >> (64 - self.n)
    }
    #[inline]
    fn nar(&self) -> u64 {
        1 << (self.n - 1)
    }
    #[inline]
    fn x(&self, code: u64) -> Exact {
        crate::posit::decode(code, self.n, self.es)
    }
    #[inline]
    fn round(&self, x: Exact, rounding: Rounding) -> u64 {
        crate::posit::encode(x, self.n, self.es, rounding)
    }
    /// The code of `x` rounded as the operators do (nearest-even; posits always saturate).
    #[inline]
    fn rne(&self, x: Exact) -> u64 {
        self.round(x, Rounding::NearestEven)
    }
}

impl Backend for RtPosit {
    fn name(&self) -> &'static str {
        // The name as a `'static` borrow of the table (ASCII only).
        let name: &'static [u8; 12] = match RT_POSITS.get(self.n as usize - 2).and_then(|row| row.get(self.es as usize))
        {
            Some(p) => &p.name,
            None => return "posit",
        };
        core::str::from_utf8(name).map_or("posit", str::trim_end)
    }
    fn bits(&self) -> u32 {
        self.n
    }
    fn default_overflow(&self) -> Overflow {
        Overflow::Saturating
    }
    fn to_exact(&self, code: u64) -> Exact {
        self.x(code)
    }
    fn decode(&self, code: u64) -> f64 {
        self.x(code).to_f64()
    }
    fn round_exact(&self, x: Exact, rounding: Rounding, _overflow: Overflow) -> u64 {
        self.round(x, rounding)
    }
    fn parse(&self, s: &str, rounding: Rounding, _overflow: Overflow) -> Result<u64, ParseError> {
        crate::decimal::parse_exact(s).map(|x| self.round(x, rounding))
    }
    fn display(&self, code: u64) -> String {
        shortest_text(self.x(code), |x| self.rne(x) == code)
    }
    fn op(&self, op: Op, a: &[u64]) -> Option<u64> {
        let x = |i: usize| self.x(a[i]);
        Some(match op {
            Op::Add => self.rne(x(0) + x(1)),
            // `Posit`'s `a - b` is `a + (-b)`, the negation being two's complement.
            Op::Sub => self.rne(x(0) + self.x(a[1].wrapping_neg() & self.mask())),
            Op::Mul => self.rne(x(0) * x(1)),
            Op::Div => self.rne(x(0) / x(1)),
            Op::Sqrt => self.rne(x(0).sqrt()),
            Op::Fma => self.rne(Exact::fma(x(0), x(1), x(2))),
            Op::Qdot => exact_dot(a, |c| self.x(c), |s| self.rne(s)),
        })
    }
    fn next_up(&self, code: u64) -> u64 {
        if code == self.nar() || code == self.nar() - 1 {
            code
        } else {
            code.wrapping_add(1) & self.mask()
        }
    }
    fn next_down(&self, code: u64) -> u64 {
        if code == self.nar() || code == self.nar() + 1 {
            code
        } else {
            code.wrapping_sub(1) & self.mask()
        }
    }
    fn is_nan(&self, code: u64) -> bool {
        code == self.nar()
    }
    fn is_infinite(&self, _code: u64) -> bool {
        false
    }
    fn constants(&self) -> Constants {
        let one = self.rne(Exact::from_u64(1));
        Constants {
            max: self.decode(self.nar() - 1),
            min_normal: self.decode(1),
            min_subnormal: self.decode(1),
            // (1 + ε) - 1 is exact in f64: both are posits of at most 32 bits.
            epsilon: self.decode(self.next_up(one)) - 1.0,
            has_nan: true,
            has_inf: false,
        }
    }
}

/// The shortest decimal that reads back to `x` (`reads_back` tells whether a candidate does):
/// the algorithm of [`crate::decimal::fmt_shortest`] (the `Display` of the typed formats) on the
/// exact decimal digits of `x`, with the same output: plain notation, the closer of the two
/// n-digit candidates around `x` where both read back (an exact tie goes up), `NaN` and `0` as
/// `f64` prints them.
fn shortest_text(x: Exact, reads_back: impl Fn(Exact) -> bool) -> String {
    let neg = match x {
        Exact::Finite { neg, .. } => neg,
        _ => return x.to_f64().to_string(),
    };
    // Exact digits d1 d2 … dn (no leading or trailing zeros) with |x| = 0.d1…dn · 10^point;
    // every posit here is an f64.
    let text = exact_decimal(x.to_f64().abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let all: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let lead = all.iter().take_while(|&&c| c == b'0').count();
    let point = int.len() as i64 - lead as i64;
    let exact = trim_zeros(&all[lead..]);
    let candidate_reads_back = |digits: &[u8], point: i64| {
        let digits = trim_zeros(digits);
        let s = format!("{}0.{}e{}", if neg { "-" } else { "" }, core::str::from_utf8(digits).unwrap_or("0"), point);
        crate::decimal::parse_exact(&s).is_ok_and(&reads_back)
    };
    let mut chosen: (Vec<u8>, i64) = (exact.to_vec(), point);
    for n in 1..exact.len() {
        let (lower, tail) = exact.split_at(n);
        // The n-digit decimal above: lower + one unit in the last place (99…9 + 1 = 10…0).
        let mut upper = lower.to_vec();
        let mut up_point = point;
        let mut carry = true;
        for d in upper.iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                carry = false;
                break;
            }
        }
        if carry {
            upper = alloc::vec![b'1'];
            up_point += 1;
        }
        let take_lower = match (candidate_reads_back(lower, point), candidate_reads_back(&upper, up_point)) {
            (false, false) => continue,
            (true, false) => true,
            (false, true) => false,
            // Both read back: the closer one; an exact tie (tail = "5") goes up.
            (true, true) => tail.first().is_some_and(|&c| c < b'5'),
        };
        chosen = if take_lower { (lower.to_vec(), point) } else { (upper, up_point) };
        break;
    }
    let (digits, point) = (trim_zeros(&chosen.0), chosen.1);
    let digits = core::str::from_utf8(digits).unwrap_or("0");
    let mut out = String::from(if neg { "-" } else { "" });
    let n = digits.len() as i64;
    if point <= 0 {
        out.push_str("0.");
        out.extend(core::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(digits);
    } else if point < n {
        let (i, f) = digits.split_at(point as usize);
        out.push_str(i);
        out.push('.');
        out.push_str(f);
    } else {
        out.push_str(digits);
        out.extend(core::iter::repeat_n('0', (point - n) as usize));
    }
    out
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let k = s.iter().rposition(|&c| c != b'0').map_or(0, |i| i + 1);
    &s[..k]
}

// ---------------------------------------------------------------------------------------------
// The fused dot product.
// ---------------------------------------------------------------------------------------------

/// Least significant bit of the exact accumulator of [`exact_dot`]: below `minpos² = 2^-960`
/// of every posit here (and below the unit of any product of two posit significands).
const WIDE_LSB: i32 = -1152;
/// Limbs of that accumulator: 2368 bits, from `2^-1152` to `2^1215` (two's complement): room
/// for `2^190` products of magnitude up to `maxpos² ≤ 2^960` — no line of input comes near.
const WIDE_LIMBS: usize = 37;

/// `a1·b1 + a2·b2 + …` from the codes `a1 b1 a2 b2 …`, exactly (a Kulisch accumulator, as the
/// quire does), then rounded once by `round`; NaR when any operand is NaR (`to_exact` gives NaN).
fn exact_dot(codes: &[u64], to_exact: impl Fn(u64) -> Exact, round: impl Fn(Exact) -> u64) -> u64 {
    // The crate's one Kulisch accumulator (`dot::kulisch`), sized for every posit here.
    let mut acc = [0u64; crate::dot::kulisch::MAX_LIMBS];
    for pair in codes.chunks_exact(2) {
        match (to_exact(pair[0]), to_exact(pair[1])) {
            (Exact::Nan, _) | (_, Exact::Nan) | (Exact::Inf { .. }, _) | (_, Exact::Inf { .. }) => {
                return round(Exact::Nan)
            }
            (Exact::Finite { neg: na, sig: sa, exp: ea, .. }, Exact::Finite { neg: nb, sig: sb, exp: eb, .. }) => {
                let t = crate::dot::kulisch::Term::new(na ^ nb, sa as u128 * sb as u128, ea + eb);
                crate::dot::kulisch::add_term(&mut acc, WIDE_LIMBS, t, WIDE_LSB);
            }
            _ => {} // a zero product
        }
    }
    round(crate::dot::kulisch::to_exact(&acc, WIDE_LIMBS, WIDE_LSB))
}
// ---------------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------------

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
    name: String,
    /// Why a posit-like name was refused.
    posit: Option<String>,
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

/// An operation name that [`Op::from_str`] does not know. Its `Display` lists the valid ones.
///
/// ```
/// use lowp::dynamic::Op;
/// let e = "pow".parse::<Op>().unwrap_err();
/// assert_eq!(e.to_string(), "unknown operation `pow`; valid: add, sub, mul, div, sqrt, fma, qdot");
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
/// [`LowpFloat::sqrt`]; posits always saturate), and for posits the quire-fused dot product.
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

// ---------------------------------------------------------------------------------------------
// Descriptions.
// ---------------------------------------------------------------------------------------------

/// The characteristics of a format, as reported by [`FormatId::info`].
///
/// For the sign-magnitude binary formats `exp_bits`, `man_bits` and `bias` are the fields of
/// the encoding. For posits (`posit` is set) `exp_bits` is ES, `man_bits` the widest fraction
/// (`N - 3 - ES`, next to 1), `bias` 0, `max` maxpos and both `min_normal` and `min_subnormal`
/// minpos; NaR counts as the NaN. Values are exact.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let i = FormatId::Float8E4M3FN.info();
/// assert_eq!((i.bits, i.exp_bits, i.man_bits, i.bias), (8, 4, 3, 7));
/// assert_eq!((i.max, i.min_normal, i.min_subnormal, i.epsilon), (448.0, 0.015625, 0.001953125, 0.125));
/// assert!(i.has_nan && !i.has_inf && i.has_neg_zero);
/// assert_eq!(i.specials, "no Inf; NaN = 0x7f, 0xff");
/// let p = FormatId::POSIT8.info();
/// assert_eq!((p.bits, p.exp_bits, p.man_bits, p.max, p.min_normal), (8, 2, 3, 16777216.0, 1.0 / 16777216.0));
/// assert!(p.has_nan && !p.has_inf && !p.has_neg_zero && p.posit.is_some());
/// assert_eq!(p.specials, "no Inf, no -0; NaR = 0x80");
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
    /// The posit parameters, for a posit.
    pub posit: Option<PositFormat>,
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
    /// `sign`, `exponent` or `mantissa`; for posits `sign`, `regime`, `exponent` or `fraction`.
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
    /// `float16`, `bfloat16`, `float32`) or an alias (`e4m3`, `fp4`, `bf16`, `half`, …), or a
    /// posit: `posit<N>e<ES>` (also `posit<N>_es<ES>`, `p<N>e<ES>`, `posit<N,ES>`) for
    /// 2 ≤ N ≤ 32 and 0 ≤ ES ≤ 4, `posit<N>` for ES = 2 (the 2022 standard).
    /// Case-insensitive; `_` and `-` are interchangeable.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::from_name("E4M3")?, FormatId::Float8E4M3FN);
    /// assert_eq!(FormatId::from_name("float8_e4m3")?, FormatId::Float8E4M3); // the IEEE-style one
    /// assert_eq!(FormatId::from_name("half")?, FormatId::F16);
    /// assert_eq!(FormatId::from_name("BFloat16")?, FormatId::BF16);
    /// assert!(FormatId::from_name("float8").is_err());
    /// assert_eq!(FormatId::from_name("posit16")?, FormatId::POSIT16);
    /// assert_eq!(FormatId::from_name("posit32e2")?, FormatId::POSIT32);
    /// assert_eq!(FormatId::from_name("posit<12, 1>")?, FormatId::posit(12, 1).unwrap());
    /// assert_eq!(FormatId::from_name("P12E1")?.name(), "posit12e1");
    /// assert!(FormatId::from_name("posit40").is_err());
    /// assert!(FormatId::from_name("posit8e9").is_err());
    /// # Ok::<(), lowp::dynamic::UnknownFormat>(())
    /// ```
    pub fn from_name(name: &str) -> Result<FormatId, UnknownFormat> {
        let n = name.trim();
        if let Some(id) = FormatId::ALL
            .iter()
            .copied()
            .find(|id| same_name(id.name(), n) || id.aliases().iter().any(|a| same_name(a, n)))
        {
            return Ok(id);
        }
        match parse_posit_name(n) {
            Some(Ok(p)) => Ok(FormatId::Posit(p)),
            Some(Err(why)) => Err(UnknownFormat { name: name.to_string(), posit: Some(why) }),
            None => Err(UnknownFormat { name: name.to_string(), posit: None }),
        }
    }

    /// The canonical name (ml_dtypes spelling; `float16`, `bfloat16`, `float32`).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float4E2M1FN.name(), "float4_e2m1fn");
    /// assert_eq!(FormatId::BF16.name(), "bfloat16");
    /// assert_eq!(FormatId::POSIT32.name(), "posit32");
    /// assert_eq!(FormatId::posit(10, 0).unwrap().name(), "posit10e0");
    /// ```
    pub fn name(self) -> &'static str {
        self.backend().name()
    }

    /// The other names [`from_name`](Self::from_name) accepts (for posits, the named ones'
    /// alternative spellings; every posit also takes the spellings of `from_name`).
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert!(FormatId::Float8E5M2.aliases().contains(&"e5m2"));
    /// assert!(FormatId::POSIT32.aliases().contains(&"posit32e2"));
    /// ```
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            FormatId::Posit(p) => p.aliases(),
            _ => self.ieee_entry().map_or(&[], |e| e.aliases),
        }
    }

    /// Encoding width in bits.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// assert_eq!(FormatId::Float6E3M2FN.bits(), 6);
    /// assert_eq!(FormatId::F32.bits(), 32);
    /// ```
    pub fn bits(self) -> u32 {
        self.backend().bits()
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
    /// format but the posits, which always saturate and ignore the `overflow` arguments).
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, Overflow};
    /// assert_eq!(FormatId::Float8E4M3FN.default_overflow(), Overflow::NonSaturating);
    /// assert_eq!(FormatId::POSIT8.default_overflow(), Overflow::Saturating);
    /// ```
    pub fn default_overflow(self) -> Overflow {
        self.backend().default_overflow()
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
        let c = self.backend().constants();
        match self.encoding() {
            Encoding::Ieee(l) => FormatInfo {
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
                posit: None,
            },
            Encoding::Posit(p) => FormatInfo {
                name: self.name(),
                bits: p.n(),
                exp_bits: p.es(),
                man_bits: p.n().saturating_sub(3 + p.es()),
                bias: 0,
                signed: true,
                has_subnormals: false,
                max: c.max,
                min_normal: c.min_normal,
                min_subnormal: c.min_subnormal,
                epsilon: c.epsilon,
                has_inf: false,
                has_nan: true,
                has_neg_zero: false,
                specials: format!("no Inf, no -0; NaR = {}", self.hex(p.nar_code())),
                posit: Some(p),
            },
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
    /// Posits: `sign` (the code's top bit), then the fields of the magnitude — the code itself
    /// when positive, its two's complement when negative: `regime` (the run of equal bits and
    /// the opposite bit ending it, when there is room for one), `exponent` (the exponent bits
    /// left, fewer than ES where the regime pushes the rest off the end: the missing low bits
    /// are 0) and `fraction`, each only where it has at least one bit. Zero and NaR have no
    /// regime: their n-1 zero bits after the sign are given as one `regime` field.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// let f = FormatId::Float8E8M0FNU.fields(0x7f)?;
    /// assert_eq!(f.len(), 1);
    /// assert_eq!((f[0].name, f[0].to_string()), ("exponent", "01111111".to_string()));
    /// // posit8 (es 2): 0x0d = 0|0001|10|1 = 16^-3 · 2^2 · 1.5; -0x0d = 0xf3 has the same fields.
    /// let show = |c| -> Vec<String> {
    ///     FormatId::POSIT8.fields(c).unwrap().iter().map(|x| format!("{}={}", x.name, x)).collect()
    /// };
    /// assert_eq!(show(0x0d), ["sign=0", "regime=0001", "exponent=10", "fraction=1"]);
    /// assert_eq!(show(0xf3), ["sign=1", "regime=0001", "exponent=10", "fraction=1"]);
    /// assert_eq!(show(0x7d), ["sign=0", "regime=111110", "exponent=1"]); // one exponent bit left
    /// assert_eq!(show(0x7f), ["sign=0", "regime=1111111"]); // maxpos: the regime fills the word
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn fields(self, code: u64) -> Result<Vec<Field>, CodeError> {
        let code = self.check(code)?;
        let l = match self.encoding() {
            Encoding::Ieee(l) => l,
            Encoding::Posit(p) => return Ok(posit_fields(p, code)),
        };
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
        Ok(self.backend().decode(code))
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
        Ok(self.backend().to_exact(code))
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
        let code = self.check(code)?;
        Ok(self.backend().display(code))
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
        Ok(self.backend().next_up(code))
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
        Ok(self.backend().next_down(code))
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
        Ok(self.backend().is_nan(code))
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
        Ok(self.backend().is_infinite(code))
    }
}

/// How posit names are written (for messages).
const POSIT_SYNTAX: &str = "posit<N>e<ES> with 2 <= N <= 32, 0 <= ES <= 4; posit<N> is ES = 2";

/// Read a posit name: `posit<N>e<ES>`, `posit<N>es<ES>`, `posit<N>` (ES = 2), `posit<N,ES>`,
/// and the same with `p` for `posit`; `_`/`-` may separate N from `e`. `None` when the name is
/// not posit-like at all, an error message when it is but does not name a posit here.
fn parse_posit_name(name: &str) -> Option<Result<PositFormat, String>> {
    let lower: String = name.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
    let rest = match lower.strip_prefix("posit") {
        Some(r) => r,
        // `p` alone only before a digit (`p8`, `p16e1`).
        None => lower.strip_prefix('p').filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))?,
    };
    let syntax = || Err(String::from("expected posit<N>, posit<N>e<ES> or posit<N,ES>"));
    let number = |s: &str| -> Option<u32> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    let (n, es) = if let Some(inner) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
        let Some((a, b)) = inner.split_once(',') else { return Some(syntax()) };
        (number(a), number(b))
    } else {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (a, tail) = rest.split_at(digits);
        let tail = tail.strip_prefix(['_', '-']).unwrap_or(tail);
        let es = if tail.is_empty() {
            Some(2)
        } else {
            match tail.strip_prefix("es").or_else(|| tail.strip_prefix('e')) {
                Some(b) => number(b),
                None => return Some(syntax()),
            }
        };
        (number(a), es)
    };
    let (Some(n), Some(es)) = (n, es) else { return Some(syntax()) };
    Some(match PositFormat::new(n, es) {
        Some(p) => Ok(p),
        None if !POSIT_N.contains(&n) => Err(format!("posits have 2 <= N <= 32 bits, got N = {n}")),
        None => Err(format!("posits have 0 <= ES <= 4 exponent bits, got ES = {es}")),
    })
}

/// The fields of a posit code (see [`FormatId::fields`]).
fn posit_fields(p: PositFormat, code: u64) -> Vec<Field> {
    let n = p.n();
    let mut v = Vec::with_capacity(4);
    let sign = code >> (n - 1) & 1;
    v.push(Field { name: "sign", width: 1, value: sign });
    let mag = if sign == 1 { code.wrapping_neg() } else { code };
    let body_len = n - 1;
    let body = mag & ((1u64 << body_len) - 1);
    if body == 0 {
        // Zero, NaR.
        v.push(Field { name: "regime", width: body_len, value: 0 });
        return v;
    }
    let top = body << (64 - body_len);
    let first = top >> 63;
    let run = if first == 1 { top.leading_ones() } else { top.leading_zeros() }.min(body_len);
    let rlen = (run + 1).min(body_len);
    let rest = body_len - rlen;
    v.push(Field { name: "regime", width: rlen, value: body >> rest });
    let elen = p.es().min(rest);
    let flen = rest - elen;
    if elen > 0 {
        v.push(Field { name: "exponent", width: elen, value: (body >> flen) & ((1u64 << elen) - 1) });
    }
    if flen > 0 {
        v.push(Field { name: "fraction", width: flen, value: body & ((1u64 << flen) - 1) });
    }
    v
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
            // Posits: sign, the two-bit regime of 1, ES exponent bits, the widest fraction.
            let regime = if i.posit.is_some() { 2 } else { 0 };
            assert_eq!(i.bits, i.signed as u32 + regime + i.exp_bits + i.man_bits, "{id}");
            for c in id.codes().step_by(if id.bits() > 16 { 65_521 } else { 1 }) {
                let v = id.decode(c).unwrap();
                if !v.is_nan() {
                    assert_eq!(id.encode(v, Rounding::NearestEven, Overflow::NonSaturating), c, "{id} {c:#x}");
                }
            }
            assert!(id.decode(id.max_code() + 1).is_err());
        }
    }

    /// All 155 posits: name, parse back, the typed `NAME` convention.
    #[test]
    fn posit_names() {
        for n in 2..=32 {
            for es in 0..=4 {
                let id = FormatId::posit(n, es).unwrap();
                let want = if es == 2 { format!("posit{n}") } else { format!("posit{n}e{es}") };
                assert_eq!(id.name(), want);
                assert_eq!(id.bits(), n);
                for spelling in
                    [want.clone(), format!("posit{n}e{es}"), format!("POSIT<{n}, {es}>"), format!("p{n}_es{es}")]
                {
                    assert_eq!(FormatId::from_name(&spelling), Ok(id), "{spelling}");
                }
            }
        }
        assert_eq!(FormatId::POSIT8.name(), <P8 as LowpFloat>::NAME);
        assert_eq!(FormatId::POSIT8E0.name(), <P8E0 as LowpFloat>::NAME);
        assert_eq!(FormatId::POSIT16E1.name(), <P16E1 as LowpFloat>::NAME);
        assert_eq!(FormatId::posit(12, 1).unwrap().name(), <Posit<12, 1> as LowpFloat>::NAME);
        for bad in
            ["posit40", "posit1", "posit8e9", "posit<8,5>", "posit", "posit8x", "posit8e", "p8e", "posit99999999"]
        {
            let e = FormatId::from_name(bad).unwrap_err();
            assert!(e.to_string().contains("posit<N>e<ES>"), "{bad}: {e}");
        }
        for not_posit in ["p", "pfloat", "positive"] {
            assert!(FormatId::from_name(not_posit).is_err());
        }
    }

    /// The run-time backend of a named posit against its typed backend.
    fn rt_vs_typed(n: u32, es: u32, pairs: usize, text_step: u64) {
        let id = FormatId::posit(n, es).unwrap();
        let typed = id.backend();
        let rt = &RT_POSITS[n as usize - 2][es as usize];
        assert!(!core::ptr::addr_eq(typed as *const dyn Backend, rt as *const dyn Backend));
        assert_eq!(rt.name(), typed.name());
        assert_eq!((rt.bits(), rt.default_overflow()), (typed.bits(), typed.default_overflow()));
        let (a, b) = (rt.constants(), typed.constants());
        assert_eq!(
            (a.max, a.min_normal, a.min_subnormal, a.epsilon, a.has_nan, a.has_inf),
            (b.max, b.min_normal, b.min_subnormal, b.epsilon, b.has_nan, b.has_inf)
        );
        let mask = id.max_code();
        let step = if n > 16 { 4099 } else { 1 };
        for c in (0..=mask).step_by(step).chain([mask, mask / 2, mask / 2 + 1, mask / 2 + 2, 1]) {
            assert_eq!(rt.to_exact(c), typed.to_exact(c), "{id} {c:#x}");
            assert_eq!(rt.decode(c).to_bits(), typed.decode(c).to_bits(), "{id} {c:#x}");
            assert_eq!(rt.next_up(c), typed.next_up(c), "{id} {c:#x}");
            assert_eq!(rt.next_down(c), typed.next_down(c), "{id} {c:#x}");
            assert_eq!(rt.is_nan(c), typed.is_nan(c));
            assert_eq!(rt.op(Op::Sqrt, &[c]), typed.op(Op::Sqrt, &[c]), "sqrt {id} {c:#x}");
            // Text (slow: each candidate decimal is parsed) on every `text_step`-th code.
            if c % text_step != 0 && c != mask {
                continue;
            }
            let text = typed.display(c);
            assert_eq!(rt.display(c), text, "{id} {c:#x}");
            assert_eq!(rt.parse(&text, Rounding::NearestEven, Overflow::NonSaturating), Ok(c), "{id} {text}");
            if c % (text_step * 16) != 0 {
                continue;
            }
            for r in [
                Rounding::NearestEven,
                Rounding::TowardZero,
                Rounding::Up,
                Rounding::Down,
                Rounding::Stochastic(0x9e37_79b9),
            ] {
                for s in [text.as_str(), "0.1", "-3.75e-3", "1e30", "-7e-40", "12345.678"] {
                    assert_eq!(
                        rt.parse(s, r, Overflow::NonSaturating),
                        typed.parse(s, r, Overflow::NonSaturating),
                        "{id} {s} {r:?}"
                    );
                }
            }
        }
        let mut rng = crate::rng::SplitMix64::new(u64::from(n * 8 + es));
        let mut code = || rng.next_u64() & mask;
        let all = n <= 8;
        let count = if all { (mask as usize + 1).pow(2) } else { pairs };
        for i in 0..count {
            let (x, y, z) = if all { (i as u64 >> n, i as u64 & mask, code()) } else { (code(), code(), code()) };
            for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
                assert_eq!(rt.op(op, &[x, y]), typed.op(op, &[x, y]), "{id} {op} {x:#x} {y:#x}");
            }
            assert_eq!(rt.op(Op::Fma, &[x, y, z]), typed.op(Op::Fma, &[x, y, z]), "{id} fma {x:#x} {y:#x} {z:#x}");
            let q = [x, y, z, x, y, y];
            assert_eq!(rt.op(Op::Qdot, &q), typed.op(Op::Qdot, &q), "{id} qdot {q:x?}");
            let f = f64::from_bits(rng_f64_bits(x, y));
            for r in [Rounding::NearestEven, Rounding::Up, Rounding::Down, Rounding::TowardZero] {
                let e = Exact::from_f64(f);
                assert_eq!(
                    rt.round_exact(e, r, Overflow::NonSaturating),
                    typed.round_exact(e, r, Overflow::NonSaturating),
                    "{id} {f:e}"
                );
            }
        }
    }

    /// An f64 with an exponent near the posit range, from two codes.
    fn rng_f64_bits(x: u64, y: u64) -> u64 {
        let mixed = (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ y.rotate_left(29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        // Exponent within 2^±200 of 1, any sign and significand.
        let exp = 1023 - 200 + (mixed >> 52) % 401;
        (mixed & (1 << 63)) | (exp << 52) | (mixed & ((1 << 52) - 1))
    }

    #[test]
    fn runtime_posits_match_typed_8() {
        rt_vs_typed(8, 2, 0, 1);
        rt_vs_typed(8, 0, 0, 1);
    }

    #[test]
    fn runtime_posits_match_typed_16_32() {
        rt_vs_typed(16, 2, 100_000, 1);
        rt_vs_typed(16, 1, 100_000, 1);
        rt_vs_typed(32, 2, 100_000, 3);
    }

    /// Every posit: fields read back to the value; decode/encode round trip; ±maxpos, minpos.
    #[test]
    fn posit_fields_and_round_trip() {
        for n in 2..=32u32 {
            for es in 0..=4u32 {
                let id = FormatId::posit(n, es).unwrap();
                let p = id.as_posit().unwrap();
                let step = if n > 12 { (1u64 << (n - 12)) + 1 } else { 1 };
                for c in id.codes().step_by(step as usize).chain([id.max_code()]) {
                    let f = id.fields(c).unwrap();
                    assert_eq!(f.iter().map(|x| x.width).sum::<u32>(), n, "{id} {c:#x}");
                    assert!(f.iter().all(|x| x.width >= 1 && x.value < 1 << x.width));
                    let v = id.decode(c).unwrap();
                    if c == p.nar_code() {
                        assert!(v.is_nan());
                        continue;
                    }
                    assert_eq!(id.encode(v, Rounding::NearestEven, Overflow::NonSaturating), c, "{id} {c:#x}");
                    if c == 0 {
                        continue;
                    }
                    // useed^k · 2^e · 1.f
                    let get = |name| f.iter().find(|x| x.name == name).copied();
                    let r = get("regime").unwrap();
                    let first = r.value >> (r.width - 1);
                    let run = if first == 1 {
                        (!r.value & ((1 << r.width) - 1)).leading_zeros() - (64 - r.width)
                    } else {
                        r.value.leading_zeros() - (64 - r.width)
                    };
                    let k = if first == 1 { run as i32 - 1 } else { -(run as i32) };
                    let e = get("exponent").map_or(0, |x| x.value << (es - x.width));
                    let (fv, fw) = get("fraction").map_or((0, 0), |x| (x.value, x.width));
                    let mag = (1.0 + fv as f64 / (1u64 << fw) as f64) * 2f64.powi((k << es) + e as i32);
                    let s = if get("sign").unwrap().value == 1 { -1.0 } else { 1.0 };
                    assert_eq!(s * mag, v, "{id} {c:#x} {f:?}");
                }
                let i = id.info();
                assert_eq!(i.max, 2f64.powi(p.max_scale()), "{id}");
                assert_eq!(i.min_normal, 2f64.powi(-p.max_scale()), "{id}");
            }
        }
    }

    /// The wide accumulator against a simple exact sum (products of small integers scaled by
    /// powers of two, exact in i128 after alignment), and against heavy cancellation.
    #[test]
    fn wide_accumulator_is_exact() {
        let p = RtPosit { n: 32, es: 4, name: posit_name(32, 4) };
        let maxpos = p.nar() - 1;
        // maxpos² - maxpos² + minpos² = minpos² -> rounds to minpos.
        assert_eq!(p.op(Op::Qdot, &[maxpos, maxpos, maxpos, maxpos.wrapping_neg() & p.mask(), 1, 1]), Some(1));
        // maxpos² + minpos² - maxpos² = minpos², in the other order.
        assert_eq!(p.op(Op::Qdot, &[maxpos, maxpos, 1, 1, maxpos, maxpos.wrapping_neg() & p.mask()]), Some(1));
        // A sum that is exactly zero, and a NaR operand.
        let one = p.rne(Exact::from_u64(1));
        let m1 = one.wrapping_neg() & p.mask();
        assert_eq!(p.op(Op::Qdot, &[one, one, one, m1]), Some(0));
        assert_eq!(p.op(Op::Qdot, &[one, one, p.nar(), 0]), Some(p.nar()));
        assert_eq!(p.op(Op::Qdot, &[]), Some(0));
        // Random sums of posit<16,1> products against f64-free i128 arithmetic on the units:
        // every posit<16,1> is a multiple of 2^-28 below 2^28, so every product is an integer
        // multiple of 2^-56 below 2^56.
        let q = &RT_POSITS[14][1];
        let mut rng = crate::rng::SplitMix64::new(5);
        for len in [1usize, 2, 3, 10, 100, 1000] {
            for _ in 0..50 {
                let codes: Vec<u64> = (0..2 * len).map(|_| rng.next_u64() & 0xffff).filter(|&c| c != 0x8000).collect();
                let codes = &codes[..codes.len() & !1];
                let mut sum: i128 = 0;
                for pr in codes.chunks(2) {
                    let u = |c| match q.x(c) {
                        Exact::Finite { neg, sig, exp, .. } => {
                            (if neg { -1 } else { 1 }) * ((sig as i128) << (exp + 28))
                        }
                        _ => 0,
                    };
                    sum += u(pr[0]) * u(pr[1]);
                }
                let want = match sum {
                    0 => Exact::Zero { neg: false },
                    s => {
                        let (neg, m) = (s < 0, s.unsigned_abs());
                        let sh = (128 - m.leading_zeros()).saturating_sub(64);
                        let sticky = m & ((1u128 << sh) - 1) != 0;
                        let sig = (m >> sh) as u64;
                        let (sig, sticky) = if sticky { (sig, true) } else { (sig, false) };
                        Exact::Finite { neg, sig, exp: sh as i32 - 56, sticky }
                    }
                };
                assert_eq!(q.op(Op::Qdot, codes), Some(q.rne(want)), "{codes:x?}");
            }
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
