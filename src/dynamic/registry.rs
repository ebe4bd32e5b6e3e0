//! The registry: every format as a [`FormatId`] (the sign-magnitude formats from one table,
//! the posits as [`PositFormat`]s), its names, and the backend that does its work.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;
use core::marker::PhantomData;
use core::str::FromStr;

use super::backend::{Backend, Fused, Generic};
use super::errors::UnknownFormat;
use super::rt_posit::RT_POSITS;
use crate::format::Overflow;
use crate::minifloat::{Spec, E2M1FN, E2M3FN, E3M2FN, E4M3, E4M3B11FNUZ, E4M3FN, E4M3FNUZ, E5M2, E5M2FNUZ, E8M0FNU};
use crate::posit::{P16, P16E1, P32, P8, P8E0};
use crate::round::{IeeeLayout, BF16_LAYOUT, F16_LAYOUT, F32_LAYOUT};

/// How a format lays out its bits.
#[derive(Clone, Copy, Debug)]
pub(super) enum Encoding {
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
/// Everything else in this module is generic over [`LowpFloat`](crate::LowpFloat): adding a
/// format is adding a row.
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
/// [`RtPosit`](super::rt_posit::RtPosit).
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

    pub(super) fn backend(self) -> &'static dyn Backend {
        match (self, self.ieee_entry()) {
            (FormatId::Posit(p), _) => p.backend(),
            (_, Some(e)) => e.backend,
            (_, None) => unreachable!("every non-posit format has a registry row"),
        }
    }

    pub(super) fn encoding(self) -> Encoding {
        match (self, self.ieee_entry()) {
            (FormatId::Posit(p), _) => Encoding::Posit(p),
            (_, Some(e)) => e.encoding,
            (_, None) => unreachable!("every non-posit format has a registry row"),
        }
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
}

/// How posit names are written (for messages).
pub(super) const POSIT_SYNTAX: &str = "posit<N>e<ES> with 2 <= N <= 32, 0 <= ES <= 4; posit<N> is ES = 2";

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

#[cfg(test)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use super::*;
    use crate::format::{LowpFloat, Overflow, Rounding};
    use crate::posit::Posit;

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
}
