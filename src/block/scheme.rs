//! What a block-scaled scheme is made of: the element format, the block length, the block
//! scale's encoding, the optional row or tensor scale above it, and the rule that picks the
//! scales. [`Scheme`] holds one validated combination and has a name for each
//! (`vsq-int4-v64`, `mxfp4`, `nvfp4`, …).

use core::fmt;
use core::str::FromStr;

use crate::format::LowpFloat;
use crate::minifloat::{Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3FN, Float8E5M2};

/// The format of the elements of a block.
///
/// ```
/// use lowp::block::Element;
/// assert_eq!(Element::Int(4).bits(), 4);
/// assert_eq!(Element::Int(4).max(), 7.0);   // symmetric: −8 is never produced
/// assert_eq!(Element::E2M1.max(), 6.0);
/// assert_eq!(Element::MxInt8.decode(64), 1.0); // implied scale 2^−6
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Element {
    /// Signed `b`-bit two's-complement integers, `2 ≤ b ≤ 8`, used symmetrically: codes in
    /// `−(2^(b−1) − 1) ..= 2^(b−1) − 1` (the most negative code is never produced; it decodes
    /// to its integer value if it is found in packed data).
    Int(u8),
    /// MXINT8: an `i8` code `c` worth `c · 2^−6`; −128 is never produced.
    MxInt8,
    /// OCP `float8_e4m3fn` (max 448).
    E4M3,
    /// OCP `float8_e5m2` (max 57344).
    E5M2,
    /// OCP `float6_e2m3fn` (max 7.5).
    E2M3,
    /// OCP `float6_e3m2fn` (max 28).
    E3M2,
    /// OCP `float4_e2m1fn` (max 6).
    E2M1,
}

impl Element {
    /// Bits per element code.
    pub const fn bits(self) -> u32 {
        match self {
            Element::Int(b) => b as u32,
            Element::MxInt8 | Element::E4M3 | Element::E5M2 => 8,
            Element::E2M3 | Element::E3M2 => 6,
            Element::E2M1 => 4,
        }
    }

    /// The largest magnitude a quantizer produces (`q_max`).
    pub fn max(self) -> f64 {
        match self {
            Element::Int(b) => ((1u32 << (b - 1)) - 1) as f64,
            Element::MxInt8 => 127.0 / 64.0,
            Element::E4M3 => Float8E4M3FN::max_value().to_f64(),
            Element::E5M2 => Float8E5M2::max_value().to_f64(),
            Element::E2M3 => Float6E2M3FN::max_value().to_f64(),
            Element::E3M2 => Float6E3M2FN::max_value().to_f64(),
            Element::E2M1 => Float4E2M1FN::max_value().to_f64(),
        }
    }

    /// `emax_elem` of the OCP MX specification: the exponent of the largest normal power of two
    /// (E4M3 8, E5M2 15, E3M2 4, E2M3 2, E2M1 2, MXINT8 0); `None` for plain integers.
    pub const fn mx_emax(self) -> Option<i32> {
        match self {
            Element::Int(_) => None,
            Element::MxInt8 => Some(0),
            Element::E4M3 => Some(8),
            Element::E5M2 => Some(15),
            Element::E2M3 => Some(2),
            Element::E3M2 => Some(4),
            Element::E2M1 => Some(2),
        }
    }

    /// The exact value of a code (its low [`bits`](Self::bits) bits; higher bits are ignored).
    /// NaN for the NaN codes of E4M3/E5M2, ±∞ for E5M2's infinities.
    pub fn decode(self, code: u8) -> f64 {
        let c = code & self.mask();
        match self {
            Element::Int(b) => (((c as i8) << (8 - b)) >> (8 - b)) as f64,
            Element::MxInt8 => (c as i8) as f64 / 64.0,
            Element::E4M3 => Float8E4M3FN::from_bits(c).to_f64(),
            Element::E5M2 => Float8E5M2::from_bits(c).to_f64(),
            Element::E2M3 => Float6E2M3FN::from_bits(c).to_f64(),
            Element::E3M2 => Float6E3M2FN::from_bits(c).to_f64(),
            Element::E2M1 => Float4E2M1FN::from_bits(c).to_f64(),
        }
    }

    /// The code of `q` rounded to nearest (ties to even), saturating at ±[`max`](Self::max);
    /// NaN gives code 0. Exact for every `f64` `q` (this is the rounding of the value `q`, so
    /// callers hand it an exact or innocuously rounded quotient — see [`super::quantize`]).
    pub fn encode(self, q: f64) -> u8 {
        match self {
            _ if q.is_nan() => 0,
            Element::Int(_) => int_code(q, self.max(), self.mask()),
            Element::MxInt8 => int_code(q * 64.0, 127.0, 0xff),
            Element::E4M3 => Float8E4M3FN::from_f64_saturating(q).to_bits(),
            Element::E5M2 => Float8E5M2::from_f64_saturating(q).to_bits(),
            Element::E2M3 => Float6E2M3FN::from_f64_saturating(q).to_bits(),
            Element::E3M2 => Float6E3M2FN::from_f64_saturating(q).to_bits(),
            Element::E2M1 => Float4E2M1FN::from_f64_saturating(q).to_bits(),
        }
    }

    /// Mask of the code bits.
    pub const fn mask(self) -> u8 {
        (((1u16 << self.bits()) - 1) & 0xff) as u8
    }

    fn name(self) -> String {
        match self {
            Element::Int(b) => format!("int{b}"),
            Element::MxInt8 => "int8".into(),
            Element::E4M3 => "e4m3".into(),
            Element::E5M2 => "e5m2".into(),
            Element::E2M3 => "e2m3".into(),
            Element::E3M2 => "e3m2".into(),
            Element::E2M1 => "e2m1".into(),
        }
    }
}

/// The integer code of `q`: `q` clamped to `[−m, m]` (`m` an integer below 2^51, so clamping
/// commutes with rounding to an integer) and rounded to nearest-even, as the low 8 bits of its
/// two's complement, masked by `mask`. Adding `1.5 · 2^52` makes the FPU round with its own
/// nearest-even rule: the sum lies in `[2^52, 2^53)`, where the `f64` spacing is exactly 1, so
/// it is `1.5 · 2^52 + round(q)` and its low mantissa bits are the integer. Branch-free, so
/// loops over it vectorise. NaN clamps to `−m` (callers pass finite quotients, or screen NaN).
#[inline(always)]
pub(crate) fn int_code(q: f64, m: f64, mask: u8) -> u8 {
    const MAGIC: f64 = 6755399441055744.0; // 1.5 · 2^52
    ((q.max(-m).min(m) + MAGIC).to_bits() as u8) & mask
}

/// How the per-block scale is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScaleEncoding {
    /// No block scale (per-row and per-tensor baselines: the row or tensor scale is all).
    None,
    /// IEEE binary32, 4 bytes little-endian.
    F32,
    /// IEEE binary16, 2 bytes little-endian.
    F16,
    /// bfloat16, 2 bytes little-endian.
    BF16,
    /// `float8_e4m3fn`, 1 byte (VSQ option and NVFP4).
    E4M3,
    /// `float8_e8m0fnu`, 1 byte: `2^(code − 127)`, 0xFF = NaN (OCP MX).
    E8M0,
    /// Unsigned `M`-bit integer, `4 ≤ M ≤ 8`, 1 byte, times the row's `f32` scale (two-level VSQ).
    UInt(u8),
}

impl ScaleEncoding {
    /// Bytes one block scale takes in the packed scale array.
    pub const fn bytes(self) -> usize {
        match self {
            ScaleEncoding::None => 0,
            ScaleEncoding::F32 => 4,
            ScaleEncoding::F16 | ScaleEncoding::BF16 => 2,
            ScaleEncoding::E4M3 | ScaleEncoding::E8M0 | ScaleEncoding::UInt(_) => 1,
        }
    }

    /// Bits of information one block scale carries (`M` for [`UInt`](Self::UInt)); what
    /// `bits_per_element` counts.
    pub const fn bits(self) -> u32 {
        match self {
            ScaleEncoding::UInt(m) => m as u32,
            s => 8 * s.bytes() as u32,
        }
    }

    /// The exact value of a stored scale code (its little-endian bytes read as an integer).
    #[inline]
    pub fn decode(self, code: u32) -> f64 {
        match self {
            ScaleEncoding::None => 1.0,
            ScaleEncoding::F32 => f32::from_bits(code) as f64,
            ScaleEncoding::F16 => half::f16::from_bits(code as u16).to_f64(),
            ScaleEncoding::BF16 => half::bf16::from_bits(code as u16).to_f64(),
            ScaleEncoding::E4M3 => Float8E4M3FN::from_bits(code as u8).to_f64(),
            ScaleEncoding::E8M0 => crate::Float8E8M0FNU::from_bits(code as u8).to_f64(),
            ScaleEncoding::UInt(m) => (code & ((1 << m) - 1)) as f64,
        }
    }

    /// Whether a stored scale can be NaN (and so mark a block NaN, the MX convention).
    pub const fn has_nan(self) -> bool {
        matches!(
            self,
            ScaleEncoding::F32 | ScaleEncoding::F16 | ScaleEncoding::BF16 | ScaleEncoding::E4M3 | ScaleEncoding::E8M0
        )
    }

    fn suffix(self) -> String {
        match self {
            ScaleEncoding::None => String::new(),
            ScaleEncoding::F32 => String::new(),
            ScaleEncoding::F16 => "-f16".into(),
            ScaleEncoding::BF16 => "-bf16".into(),
            ScaleEncoding::E4M3 => "-e4m3".into(),
            ScaleEncoding::E8M0 => String::new(),
            ScaleEncoding::UInt(m) => format!("-s{m}"),
        }
    }
}

/// The scale above the block scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outer {
    /// None (the block scale is the whole scale).
    None,
    /// One `f32` per row (two-level VSQ's γ, the per-row baseline).
    Row,
    /// One `f32` per tensor (NVFP4's second scale, the per-tensor baseline).
    Tensor,
}

/// How the scales are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScaleRule {
    /// `amax / q_max` rounded to nearest-even in the scale's encoding (saturating; a nonzero
    /// block whose scale would round to 0 gets the smallest positive scale).
    AbsMax,
    /// Minimum squared error: among the candidate scales `α · amax / q_max`,
    /// `α = 1, 63/64, …, 32/64` (each rounded as for `AbsMax`) and the next scale code above
    /// the `AbsMax` one, the one whose quantized block has the least squared error (the first
    /// in that order on ties). Never worse than `AbsMax`, which is a candidate.
    Mse,
    /// OCP MX v1.0: `X = 2^(⌊log2 amax⌋ − emax_elem)`, clamped to E8M0's `2^−127 ..= 2^127`.
    /// Elements past the element range saturate.
    MxFloor,
    /// The round-up variant some implementations use: the least `X = 2^e` with
    /// `amax ≤ X · max_elem` (nothing saturates), clamped the same way.
    MxRoundUp,
}

/// What a quantizer does with NaN and ±∞ in its input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NonFinite {
    /// A typed error ([`super::QuantizeError::NonFinite`]) naming the first offending index.
    #[default]
    Error,
    /// The OCP MX convention: the block's scale is stored as NaN, which makes every element of
    /// the block read NaN; the element codes of such a block are 0. Row and tensor scales are
    /// computed from the finite values. Only for schemes whose block scale can be NaN
    /// ([`ScaleEncoding::has_nan`]); others still report the error.
    NanBlock,
}

/// Why a scheme name or combination was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeError(pub String);

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid block-scaled scheme: {}", self.0)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SchemeError {}

/// One block-scaled scheme: element format, block length, scale encoding, outer scale, rule.
///
/// Built by the named constructors or parsed from a name ([`Scheme::catalog`] lists the
/// standard ones). Every combination that exists has passed [`Scheme::new`]'s checks.
///
/// ```
/// use lowp::block::{Element, Scheme, ScaleEncoding};
/// let s: Scheme = "vsq-int4-v64-s6".parse().unwrap();
/// assert_eq!(s.element(), Element::Int(4));
/// assert_eq!(s.block_len(), 64);
/// assert_eq!(s.scale(), ScaleEncoding::UInt(6));
/// assert_eq!(s.to_string(), "vsq-int4-v64-s6");
/// assert_eq!("vsq-int4-s6".parse::<Scheme>().unwrap(), s);   // vectors of 64 by default
/// assert_eq!(Scheme::mxfp4().nominal_bits_per_element(), 4.25);
/// assert_eq!(Scheme::vsq(4, 64, ScaleEncoding::E4M3).unwrap().nominal_bits_per_element(), 4.125);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scheme {
    element: Element,
    /// 0 = the whole row is one block.
    block_len: usize,
    scale: ScaleEncoding,
    outer: Outer,
    rule: ScaleRule,
    non_finite: NonFinite,
}

impl Scheme {
    /// A scheme from its parts, checked: integer elements 2..=8 bits; MX rules only with E8M0
    /// scales and MX elements (and vice versa); two-level `UInt(M)` scales (M 4..=8) only under a
    /// row scale; no block scale only for whole-row blocks under a row or tensor scale; an
    /// `f32` block scale only without an outer scale; block length a positive multiple of 8
    /// (or 0 for the whole row).
    pub fn new(
        element: Element,
        block_len: usize,
        scale: ScaleEncoding,
        outer: Outer,
        rule: ScaleRule,
    ) -> Result<Scheme, SchemeError> {
        let err = |m: &str| Err(SchemeError(m.into()));
        if let Element::Int(b) = element {
            if !(2..=8).contains(&b) {
                return err("integer elements must have 2 to 8 bits");
            }
        }
        let mx_rule = matches!(rule, ScaleRule::MxFloor | ScaleRule::MxRoundUp);
        if mx_rule != (scale == ScaleEncoding::E8M0) {
            return err("the MX scale rules go with E8M0 scales and only with them");
        }
        if mx_rule && element.mx_emax().is_none() {
            return err("MX scales need an MX element format (e4m3, e5m2, e2m3, e3m2, e2m1, MXINT8)");
        }
        if element == Element::MxInt8 && !mx_rule {
            return err("MXINT8 elements are for MX blocks");
        }
        if let ScaleEncoding::UInt(m) = scale {
            if !(4..=8).contains(&m) {
                return err("two-level integer scales have 4 to 8 bits");
            }
            if outer != Outer::Row {
                return err("two-level integer scales need the per-row f32 scale");
            }
        }
        if scale == ScaleEncoding::None {
            if outer == Outer::None {
                return err("a scheme needs some scale");
            }
            if block_len != 0 {
                return err("without block scales the block is the whole row (block length 0)");
            }
            if rule != ScaleRule::AbsMax {
                return err("per-row and per-tensor scales use the AbsMax rule");
            }
        } else if block_len == 0 || !block_len.is_multiple_of(8) {
            return err("the block length must be a positive multiple of 8");
        }
        if scale == ScaleEncoding::F32 && outer != Outer::None {
            return err("an f32 block scale takes no outer scale");
        }
        if outer == Outer::Row && matches!(scale, ScaleEncoding::F16 | ScaleEncoding::BF16 | ScaleEncoding::E4M3) {
            return err("a per-row scale goes with integer block scales (two-level VSQ)");
        }
        if !matches!(element, Element::Int(_)) && !mx_rule && element != Element::E2M1 {
            return err("float elements are for MX blocks (and E2M1 for NVFP4)");
        }
        Ok(Scheme { element, block_len, scale, outer, rule, non_finite: NonFinite::Error })
    }

    /// VSQ with one level: signed `bits`-bit integers, one scale per `vector_len` elements in
    /// `scale` (F32, F16, BF16 or E4M3), AbsMax calibration.
    pub fn vsq(bits: u8, vector_len: usize, scale: ScaleEncoding) -> Result<Scheme, SchemeError> {
        if !matches!(scale, ScaleEncoding::F32 | ScaleEncoding::F16 | ScaleEncoding::BF16 | ScaleEncoding::E4M3) {
            return Err(SchemeError("one-level VSQ scales are f32, f16, bf16 or e4m3".into()));
        }
        Scheme::new(Element::Int(bits), vector_len, scale, Outer::None, ScaleRule::AbsMax)
    }

    /// VSQ with two levels (VS-Quant): an unsigned `scale_bits`-bit integer scale per vector
    /// times one `f32` scale per row, AbsMax calibration.
    pub fn vsq_two_level(bits: u8, vector_len: usize, scale_bits: u8) -> Result<Scheme, SchemeError> {
        Scheme::new(Element::Int(bits), vector_len, ScaleEncoding::UInt(scale_bits), Outer::Row, ScaleRule::AbsMax)
    }

    /// An OCP MX v1.0 scheme: blocks of 32 `element`s with an E8M0 scale by the floor rule.
    pub fn mx(element: Element) -> Result<Scheme, SchemeError> {
        Scheme::new(element, 32, ScaleEncoding::E8M0, Outer::None, ScaleRule::MxFloor)
    }

    /// MXFP4 (E2M1 elements).
    pub fn mxfp4() -> Scheme {
        Scheme::mx(Element::E2M1).expect("valid")
    }

    /// NVFP4: blocks of 16 E2M1 with an E4M3 scale, times one `f32` per tensor
    /// (`amax_tensor / (448 · 6)`).
    pub fn nvfp4() -> Scheme {
        Scheme::new(Element::E2M1, 16, ScaleEncoding::E4M3, Outer::Tensor, ScaleRule::AbsMax).expect("valid")
    }

    /// The baseline: signed `bits`-bit integers with one `f32` scale per row (per channel).
    pub fn per_row(bits: u8) -> Result<Scheme, SchemeError> {
        Scheme::new(Element::Int(bits), 0, ScaleEncoding::None, Outer::Row, ScaleRule::AbsMax)
    }

    /// The baseline: signed `bits`-bit integers with one `f32` scale per tensor.
    pub fn per_tensor(bits: u8) -> Result<Scheme, SchemeError> {
        Scheme::new(Element::Int(bits), 0, ScaleEncoding::None, Outer::Tensor, ScaleRule::AbsMax)
    }

    /// The same scheme with the MSE-optimal scale search (VSQ and NVFP4 only).
    pub fn with_mse(self) -> Result<Scheme, SchemeError> {
        if self.scale == ScaleEncoding::None || self.scale == ScaleEncoding::E8M0 {
            return Err(SchemeError("the MSE search is for VSQ and NVFP4 block scales".into()));
        }
        Ok(Scheme { rule: ScaleRule::Mse, ..self })
    }

    /// The same MX scheme with the round-up scale rule.
    pub fn with_round_up(self) -> Result<Scheme, SchemeError> {
        if self.scale != ScaleEncoding::E8M0 {
            return Err(SchemeError("the round-up rule is for MX schemes".into()));
        }
        Ok(Scheme { rule: ScaleRule::MxRoundUp, ..self })
    }

    /// The same scheme with another block length (a positive multiple of 8).
    pub fn with_block_len(self, block_len: usize) -> Result<Scheme, SchemeError> {
        if self.block_len == 0 {
            return Err(SchemeError("per-row and per-tensor schemes have no block length".into()));
        }
        Scheme::new(self.element, block_len, self.scale, self.outer, self.rule)
            .map(|s| Scheme { non_finite: self.non_finite, ..s })
    }

    /// The same scheme with another policy for NaN and ±∞ inputs.
    pub fn with_non_finite(self, non_finite: NonFinite) -> Scheme {
        Scheme { non_finite, ..self }
    }

    /// The element format.
    pub fn element(&self) -> Element {
        self.element
    }
    /// Elements per block; 0 when the whole row is one block (per-row, per-tensor).
    pub fn block_len(&self) -> usize {
        self.block_len
    }
    /// The block scale's encoding.
    pub fn scale(&self) -> ScaleEncoding {
        self.scale
    }
    /// The scale above the block scales.
    pub fn outer(&self) -> Outer {
        self.outer
    }
    /// The scale-selection rule.
    pub fn rule(&self) -> ScaleRule {
        self.rule
    }
    /// The policy for NaN and ±∞ inputs.
    pub fn non_finite(&self) -> NonFinite {
        self.non_finite
    }

    /// Element bits plus block-scale bits per element, for long rows (row and tensor scales,
    /// 32 bits per row or tensor, are not counted here; the quantized data's own
    /// `bits_per_element` counts everything).
    pub fn nominal_bits_per_element(&self) -> f64 {
        let e = self.element.bits() as f64;
        if self.block_len == 0 {
            e
        } else {
            e + self.scale.bits() as f64 / self.block_len as f64
        }
    }

    /// The standard schemes, in the order tables list them: VSQ INT4 at vector lengths 16, 32,
    /// 64, 128 (f32 scales), at 64 with f16, bf16 and e4m3 scales, two-level with 4, 6 and 8-bit
    /// scales, with the MSE search; VSQ INT8 and INT3 at 64; the six MX formats and MXFP4 with
    /// the round-up rule; NVFP4; INT4 and INT8 per row and per tensor.
    pub fn catalog() -> Vec<Scheme> {
        [
            "vsq-int4-v16",
            "vsq-int4-v32",
            "vsq-int4-v64",
            "vsq-int4-v128",
            "vsq-int4-v64-f16",
            "vsq-int4-v64-bf16",
            "vsq-int4-v64-e4m3",
            "vsq-int4-v64-s4",
            "vsq-int4-v64-s6",
            "vsq-int4-v64-s8",
            "vsq-int4-v64-mse",
            "vsq-int4-v64-s6-mse",
            "vsq-int3-v64",
            "vsq-int8-v64",
            "mxfp8-e4m3",
            "mxfp8-e5m2",
            "mxfp6-e2m3",
            "mxfp6-e3m2",
            "mxfp4",
            "mxfp4-ceil",
            "mxint8",
            "nvfp4",
            "int4-per-row",
            "int8-per-row",
            "int4-per-tensor",
            "int8-per-tensor",
        ]
        .iter()
        .map(|n| n.parse().expect("catalog names parse"))
        .collect()
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = match (self.scale, self.outer, self.element) {
            (ScaleEncoding::None, Outer::Row, e) => format!("{}-per-row", e.name()),
            (ScaleEncoding::None, _, e) => format!("{}-per-tensor", e.name()),
            (ScaleEncoding::E8M0, _, Element::MxInt8) => "mxint8".into(),
            (ScaleEncoding::E8M0, _, e) => {
                let fam = match e.bits() {
                    8 => "mxfp8",
                    6 => "mxfp6",
                    _ => "mxfp4",
                };
                if fam == "mxfp4" {
                    fam.into()
                } else {
                    format!("{fam}-{}", e.name())
                }
            }
            (ScaleEncoding::E4M3, Outer::Tensor, Element::E2M1) => "nvfp4".into(),
            (sc, _, e) => format!("vsq-{}-v{}{}", e.name(), self.block_len, sc.suffix()),
        };
        let default_len = match (self.scale, self.outer) {
            (ScaleEncoding::E8M0, _) => 32,
            (ScaleEncoding::E4M3, Outer::Tensor) => 16,
            _ => self.block_len,
        };
        if self.block_len != default_len {
            s += &format!("-b{}", self.block_len);
        }
        match self.rule {
            ScaleRule::Mse => s += "-mse",
            ScaleRule::MxRoundUp => s += "-ceil",
            _ => {}
        }
        f.write_str(&s)
    }
}

impl FromStr for Scheme {
    type Err = SchemeError;

    /// Names: `vsq-int{2..8}[-v{len}][-f16|-bf16|-e4m3|-s{4..8}]` (vectors of 64 and `f32`
    /// scales when left out),
    /// `mxfp8-e4m3`, `mxfp8-e5m2`, `mxfp6-e2m3`, `mxfp6-e3m2`, `mxfp4`, `mxint8`, `nvfp4`,
    /// `int{2..8}-per-row`, `int{2..8}-per-tensor`; then optionally `-b{len}` (another block
    /// length for MX/NVFP4), `-mse` (MSE scale search) or `-ceil` (MX round-up rule).
    /// Case-insensitive.
    fn from_str(name: &str) -> Result<Scheme, SchemeError> {
        let lower = name.trim().to_ascii_lowercase();
        let bad = || SchemeError(format!("unknown scheme name {name:?} (see `lowp formats` or Scheme::catalog)"));
        let mut parts: Vec<&str> = lower.split('-').collect();
        let mut mse = false;
        let mut ceil = false;
        let mut block: Option<usize> = None;
        while let Some(&last) = parts.last() {
            if last == "mse" && !mse {
                mse = true;
            } else if last == "ceil" && !ceil {
                ceil = true;
            } else if let Some(b) = last.strip_prefix('b').and_then(|d| d.parse().ok()).filter(|_| block.is_none()) {
                block = Some(b);
            } else {
                break;
            }
            parts.pop();
        }
        let int_bits = |s: &str| s.strip_prefix("int").and_then(|d| d.parse::<u8>().ok());
        let mut scheme = match parts.as_slice() {
            ["vsq", e, rest @ ..] => {
                let bits = int_bits(e).ok_or_else(bad)?;
                // The vector length, 64 when left out.
                let (len, rest) = match rest.split_first() {
                    Some((v, more)) if v.starts_with('v') => (v[1..].parse::<usize>().map_err(|_| bad())?, more),
                    _ => (64, rest),
                };
                match rest {
                    [] | ["f32"] => Scheme::vsq(bits, len, ScaleEncoding::F32)?,
                    ["f16"] => Scheme::vsq(bits, len, ScaleEncoding::F16)?,
                    ["bf16"] => Scheme::vsq(bits, len, ScaleEncoding::BF16)?,
                    ["e4m3"] => Scheme::vsq(bits, len, ScaleEncoding::E4M3)?,
                    [s] if s.starts_with('s') => {
                        let m = s[1..].parse().map_err(|_| bad())?;
                        Scheme::vsq_two_level(bits, len, m)?
                    }
                    _ => return Err(bad()),
                }
            }
            ["mxfp8", "e4m3"] => Scheme::mx(Element::E4M3)?,
            ["mxfp8", "e5m2"] => Scheme::mx(Element::E5M2)?,
            ["mxfp6", "e2m3"] => Scheme::mx(Element::E2M3)?,
            ["mxfp6", "e3m2"] => Scheme::mx(Element::E3M2)?,
            ["mxfp4"] | ["mxfp4", "e2m1"] => Scheme::mxfp4(),
            ["mxint8"] => Scheme::mx(Element::MxInt8)?,
            ["nvfp4"] => Scheme::nvfp4(),
            [e, "per", "row"] | [e, "per", "channel"] => Scheme::per_row(int_bits(e).ok_or_else(bad)?)?,
            [e, "per", "tensor"] => Scheme::per_tensor(int_bits(e).ok_or_else(bad)?)?,
            _ => return Err(bad()),
        };
        if let Some(b) = block {
            scheme = scheme.with_block_len(b)?;
        }
        if mse {
            scheme = scheme.with_mse()?;
        }
        if ceil {
            scheme = scheme.with_round_up()?;
        }
        Ok(scheme)
    }
}
