//! Precision plans: which number format each weighted layer's weights and activations take, and
//! how its dot products accumulate.

use core::fmt;
use core::str::FromStr;

use super::NnError;
use crate::block::{Element, Scheme};
use crate::bulk::{self, Backend};
use crate::dynamic::FormatId;
use crate::format::{LowpFloat, Overflow, Rounding};

/// A scalar number format of the crate that weights or activations can be rounded to: the
/// 16-bit IEEE formats, every minifloat of at most 8 bits (FP8, FP6, FP4; not the unsigned
/// scale format E8M0) and the posits `posit8` (`Posit<8, 2>`) and `posit16` (`Posit<16, 2>`).
/// (`f32` is [`WeightFormat::F32`] / [`Activations::F32`].)
///
/// **Rounding** ([`round`](Self::round)): to nearest, ties to even (posits: the posit
/// standard's round to nearest, which never rounds a nonzero value to 0 or past ±maxpos);
/// formats with infinities (`float16`, `bfloat16`, `float8_e5m2`, `float8_e4m3`) overflow to
/// ±∞ as IEEE 754 does, formats without (`float8_e4m3fn`, the `fnuz` formats, FP6, FP4) clamp
/// to ±max (saturate) instead of producing NaN. Every value of these formats is an `f32`, so
/// the rounded value is returned as one, exactly.
///
/// ```
/// use lowp::nn::ScalarFormat;
/// let f: ScalarFormat = "e4m3".parse().unwrap();
/// assert_eq!(f, ScalarFormat::Float8E4M3FN);
/// assert_eq!(f.name(), "float8_e4m3fn");
/// assert_eq!((f.bits(), f.round(0.3), f.round(1e6)), (8, 0.3125, 448.0));  // saturates
/// assert_eq!(ScalarFormat::F16.round(1e6), f32::INFINITY);                    // has ∞
/// assert_eq!(ScalarFormat::Posit8.round(1e-30), 2f32.powi(-24));            // minpos
/// assert!("float8_e8m0fnu".parse::<ScalarFormat>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScalarFormat {
    /// IEEE binary16 (`float16`).
    F16,
    /// bfloat16.
    BF16,
    /// OCP FP8 `float8_e4m3fn` (max 448, no ∞).
    Float8E4M3FN,
    /// OCP FP8 `float8_e5m2` (max 57344, ±∞).
    Float8E5M2,
    /// `float8_e4m3fnuz`.
    Float8E4M3FNUZ,
    /// `float8_e5m2fnuz`.
    Float8E5M2FNUZ,
    /// `float8_e4m3b11fnuz`.
    Float8E4M3B11FNUZ,
    /// IEEE-style `float8_e4m3` (max 240, ±∞).
    Float8E4M3,
    /// OCP MX FP6 `float6_e2m3fn`.
    Float6E2M3FN,
    /// OCP MX FP6 `float6_e3m2fn`.
    Float6E3M2FN,
    /// OCP MX FP4 `float4_e2m1fn`.
    Float4E2M1FN,
    /// `posit8` = `Posit<8, 2>`.
    Posit8,
    /// `posit16` = `Posit<16, 2>`.
    Posit16,
}

/// Run `$body` with `$t` the static type of the format `$f`.
macro_rules! with_type {
    ($f:expr, $t:ident => $body:expr) => {
        match $f {
            ScalarFormat::F16 => {
                type $t = half::f16;
                $body
            }
            ScalarFormat::BF16 => {
                type $t = half::bf16;
                $body
            }
            ScalarFormat::Float8E4M3FN => {
                type $t = crate::Float8E4M3FN;
                $body
            }
            ScalarFormat::Float8E5M2 => {
                type $t = crate::Float8E5M2;
                $body
            }
            ScalarFormat::Float8E4M3FNUZ => {
                type $t = crate::Float8E4M3FNUZ;
                $body
            }
            ScalarFormat::Float8E5M2FNUZ => {
                type $t = crate::Float8E5M2FNUZ;
                $body
            }
            ScalarFormat::Float8E4M3B11FNUZ => {
                type $t = crate::Float8E4M3B11FNUZ;
                $body
            }
            ScalarFormat::Float8E4M3 => {
                type $t = crate::Float8E4M3;
                $body
            }
            ScalarFormat::Float6E2M3FN => {
                type $t = crate::Float6E2M3FN;
                $body
            }
            ScalarFormat::Float6E3M2FN => {
                type $t = crate::Float6E3M2FN;
                $body
            }
            ScalarFormat::Float4E2M1FN => {
                type $t = crate::Float4E2M1FN;
                $body
            }
            ScalarFormat::Posit8 => {
                type $t = crate::P8;
                $body
            }
            ScalarFormat::Posit16 => {
                type $t = crate::P16;
                $body
            }
        }
    };
}

/// The overflow rule of [`ScalarFormat::round`] for `T`.
fn overflow_of<T: LowpFloat>() -> Overflow {
    if T::infinity().is_some() {
        Overflow::NonSaturating
    } else {
        Overflow::Saturating
    }
}

fn round_slice_t<T: LowpFloat + Default>(backend: Backend, data: &mut [f32]) {
    let ov = overflow_of::<T>();
    let mut buf = [T::default(); 256];
    for chunk in data.chunks_mut(256) {
        let codes = &mut buf[..chunk.len()];
        bulk::from_f32_slice_on(backend, ov, chunk, codes).expect("equal lengths");
        bulk::to_f32_slice_on(backend, codes, chunk).expect("equal lengths");
    }
}

impl ScalarFormat {
    /// Every supported format, in the registry's order.
    pub const ALL: [ScalarFormat; 13] = [
        ScalarFormat::Float8E4M3FN,
        ScalarFormat::Float8E5M2,
        ScalarFormat::Float8E4M3FNUZ,
        ScalarFormat::Float8E5M2FNUZ,
        ScalarFormat::Float8E4M3B11FNUZ,
        ScalarFormat::Float8E4M3,
        ScalarFormat::Float6E2M3FN,
        ScalarFormat::Float6E3M2FN,
        ScalarFormat::Float4E2M1FN,
        ScalarFormat::F16,
        ScalarFormat::BF16,
        ScalarFormat::Posit8,
        ScalarFormat::Posit16,
    ];

    /// The run-time registry's id of the format.
    pub fn format_id(self) -> FormatId {
        match self {
            ScalarFormat::F16 => FormatId::F16,
            ScalarFormat::BF16 => FormatId::BF16,
            ScalarFormat::Float8E4M3FN => FormatId::Float8E4M3FN,
            ScalarFormat::Float8E5M2 => FormatId::Float8E5M2,
            ScalarFormat::Float8E4M3FNUZ => FormatId::Float8E4M3FNUZ,
            ScalarFormat::Float8E5M2FNUZ => FormatId::Float8E5M2FNUZ,
            ScalarFormat::Float8E4M3B11FNUZ => FormatId::Float8E4M3B11FNUZ,
            ScalarFormat::Float8E4M3 => FormatId::Float8E4M3,
            ScalarFormat::Float6E2M3FN => FormatId::Float6E2M3FN,
            ScalarFormat::Float6E3M2FN => FormatId::Float6E3M2FN,
            ScalarFormat::Float4E2M1FN => FormatId::Float4E2M1FN,
            ScalarFormat::Posit8 => FormatId::POSIT8,
            ScalarFormat::Posit16 => FormatId::POSIT16,
        }
    }

    /// The format of a registry id, if it is one of these.
    ///
    /// ```
    /// use lowp::{dynamic::FormatId, nn::ScalarFormat};
    /// assert_eq!(ScalarFormat::from_format_id(FormatId::POSIT16), Some(ScalarFormat::Posit16));
    /// assert_eq!(ScalarFormat::from_format_id(FormatId::F32), None);
    /// ```
    pub fn from_format_id(id: FormatId) -> Option<ScalarFormat> {
        ScalarFormat::ALL.iter().copied().find(|f| f.format_id() == id)
    }

    /// The canonical (ml_dtypes) name, as [`FormatId::name`].
    pub fn name(self) -> &'static str {
        self.format_id().name()
    }

    /// Bits per value.
    pub fn bits(self) -> u32 {
        self.format_id().bits()
    }

    /// Whether weights in this format get a per-output-channel scale: the minifloats of at most
    /// 8 bits (not the 16-bit formats, not the posits).
    ///
    /// ```
    /// use lowp::nn::ScalarFormat;
    /// assert!(ScalarFormat::Float4E2M1FN.is_scaled());
    /// assert!(!ScalarFormat::Posit8.is_scaled() && !ScalarFormat::BF16.is_scaled());
    /// ```
    pub fn is_scaled(self) -> bool {
        !matches!(self, ScalarFormat::F16 | ScalarFormat::BF16 | ScalarFormat::Posit8 | ScalarFormat::Posit16)
    }

    /// The largest finite value.
    pub fn max(self) -> f32 {
        with_type!(self, T => T::max_value().to_f32())
    }

    /// `x` rounded to the format (see the type's docs for the rounding and overflow rules),
    /// as the exact `f32` of the result.
    pub fn round(self, x: f32) -> f32 {
        with_type!(self, T => T::from_f32_with(x, Rounding::NearestEven, overflow_of::<T>()).to_f32())
    }

    /// An `f64` rounded once to the format, saturating at ±max (the rounding of the scaled
    /// weight quotients `w / s`).
    pub(crate) fn round_f64_saturating(self, x: f64) -> f32 {
        with_type!(self, T => T::from_f64_with(x, Rounding::NearestEven, Overflow::Saturating).to_f32())
    }

    /// [`round`](Self::round) applied to every element in place, with the bulk conversions
    /// of `backend` (the same bits on each).
    ///
    /// ```
    /// use lowp::{bulk::Backend, nn::ScalarFormat};
    /// let mut x = [0.3f32, -1e6, 2.0];
    /// ScalarFormat::Float8E5M2.round_slice_on(Backend::best(), &mut x);
    /// assert_eq!(x, [0.3125, f32::NEG_INFINITY, 2.0]);
    /// ```
    pub fn round_slice_on(self, backend: Backend, data: &mut [f32]) {
        match self {
            // Branch-free arithmetic twins of the conversions (tested equal to `round`).
            ScalarFormat::BF16 => crate::arch::kernels::round_bf16(backend, data),
            ScalarFormat::F16 => crate::arch::kernels::round_f16(backend, data),
            _ => with_type!(self, T => round_slice_t::<T>(backend, data)),
        }
    }
}

impl fmt::Display for ScalarFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scalar names, for messages.
fn scalar_names() -> String {
    ScalarFormat::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

impl FromStr for ScalarFormat {
    type Err = NnError;

    /// Any name or alias [`FormatId::from_name`] knows for one of these formats.
    fn from_str(s: &str) -> Result<ScalarFormat, NnError> {
        match FormatId::from_name(s) {
            Ok(id) => ScalarFormat::from_format_id(id).ok_or_else(|| {
                NnError::Plan(format!(
                    "`{s}` ({}) is not a scalar format layers can use; choose one of {}",
                    id.name(),
                    scalar_names()
                ))
            }),
            Err(_) => Err(NnError::Plan(format!("unknown scalar format `{s}`; choose one of {}", scalar_names()))),
        }
    }
}

/// The format a layer's weights are stored in.
///
/// Names ([`FromStr`]): `f32` (also `float32`, `fp32`), a [`ScalarFormat`] name, or a block
/// scheme name ([`Scheme`]'s: `vsq-int4-v64`, `int8-per-row`, `mxfp4`, `nvfp4`, …).
///
/// ```
/// use lowp::nn::{ScalarFormat, WeightFormat};
/// assert_eq!("f32".parse::<WeightFormat>().unwrap(), WeightFormat::F32);
/// assert_eq!("e5m2".parse::<WeightFormat>().unwrap(), WeightFormat::Scalar(ScalarFormat::Float8E5M2));
/// let w: WeightFormat = "vsq-int4-v64".parse().unwrap();
/// assert_eq!(w.to_string(), "vsq-int4-v64");
/// assert!("int5".parse::<WeightFormat>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WeightFormat {
    /// `f32`, as imported.
    F32,
    /// Each weight rounded to a scalar format (minifloats of ≤ 8 bits under a per-output-channel
    /// scale; see the [module docs](crate::nn)).
    Scalar(ScalarFormat),
    /// A block-scaled scheme, rows = output channels.
    Block(Scheme),
}

impl WeightFormat {
    /// Storage bits per weight element (nominal: block-scale bits spread over the block; row
    /// scales not counted).
    pub fn nominal_bits(&self) -> f64 {
        match self {
            WeightFormat::F32 => 32.0,
            WeightFormat::Scalar(f) => f.bits() as f64,
            WeightFormat::Block(s) => s.nominal_bits_per_element(),
        }
    }
}

impl fmt::Display for WeightFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeightFormat::F32 => f.write_str("f32"),
            WeightFormat::Scalar(s) => f.write_str(s.name()),
            WeightFormat::Block(s) => write!(f, "{s}"),
        }
    }
}

fn is_f32_name(s: &str) -> bool {
    matches!(FormatId::from_name(s), Ok(FormatId::F32))
}

const WEIGHT_CHOICES: &str =
    "f32, a scalar format (float8_e4m3fn, float8_e5m2, float6_e2m3fn, float4_e2m1fn, float16, bfloat16, posit8, posit16, …) \
     or a block scheme (vsq-int4-v64, vsq-int4-v64-s6, int8-per-row, int4-per-row, mxfp4, nvfp4, mxint8, mxfp8-e4m3, mxfp6-e2m3, …)";

impl FromStr for WeightFormat {
    type Err = NnError;

    fn from_str(s: &str) -> Result<WeightFormat, NnError> {
        let s = s.trim();
        if is_f32_name(s) {
            return Ok(WeightFormat::F32);
        }
        if FormatId::from_name(s).is_ok() {
            return s.parse().map(WeightFormat::Scalar);
        }
        if let Ok(sc) = s.parse::<Scheme>() {
            return Ok(WeightFormat::Block(sc));
        }
        Err(NnError::Plan(format!("unknown weight format `{s}`; choose {WEIGHT_CHOICES}")))
    }
}

/// How a layer's input activations are quantized (at the layer's input, per the
/// [module docs](crate::nn)).
///
/// Names ([`FromStr`]): `f32`, `int8` (= [`Int8PerVector`](Self::Int8PerVector)),
/// `int8-per-tensor` (static, calibrated), a [`ScalarFormat`] name, or a block scheme name.
///
/// ```
/// use lowp::nn::Activations;
/// assert_eq!("int8".parse::<Activations>().unwrap(), Activations::Int8PerVector);
/// assert_eq!("int8-per-tensor".parse::<Activations>().unwrap(), Activations::Int8PerTensor);
/// assert_eq!("mxfp8-e4m3".parse::<Activations>().unwrap().to_string(), "mxfp8-e4m3");
/// assert!("int9".parse::<Activations>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activations {
    /// Unquantized `f32`.
    F32,
    /// Each element rounded to a scalar format.
    Scalar(ScalarFormat),
    /// Dynamic INT8 per vector of the weight's block length (64 for other weights), one `f32`
    /// scale `amax / 127` per vector (the kernels' [`ActivationFormat`](crate::kernels::ActivationFormat)).
    Int8PerVector,
    /// Static INT8 with one calibrated scale per layer (`amax / 127` over the calibration data).
    Int8PerTensor,
    /// A block scheme along K, per activation vector.
    Block(Scheme),
}

impl fmt::Display for Activations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activations::F32 => f.write_str("f32"),
            Activations::Scalar(s) => f.write_str(s.name()),
            Activations::Int8PerVector => f.write_str("int8"),
            Activations::Int8PerTensor => f.write_str("int8-per-tensor"),
            Activations::Block(s) => write!(f, "{s}"),
        }
    }
}

impl FromStr for Activations {
    type Err = NnError;

    fn from_str(s: &str) -> Result<Activations, NnError> {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "int8" | "int8-per-vector" => return Ok(Activations::Int8PerVector),
            "int8-per-tensor" | "int8-static" => return Ok(Activations::Int8PerTensor),
            _ => {}
        }
        if is_f32_name(s) {
            return Ok(Activations::F32);
        }
        if FormatId::from_name(s).is_ok() {
            return s.parse().map(Activations::Scalar);
        }
        if let Ok(sc) = s.parse::<Scheme>() {
            return Ok(Activations::Block(sc));
        }
        Err(NnError::Plan(format!(
            "unknown activation format `{s}`; choose f32, int8 (per vector, dynamic), int8-per-tensor (static, \
             calibrated), a scalar format (float8_e4m3fn, float16, bfloat16, posit8, …) or a block scheme \
             (mxfp8-e4m3, vsq-int8-v64, …)"
        )))
    }
}

/// How the dot products of a layer accumulate.
///
/// ```
/// use lowp::nn::Accumulation;
/// assert_eq!("exsdotp".parse::<Accumulation>().unwrap(), Accumulation::ExsdotpChain);
/// assert_eq!(Accumulation::Exact.to_string(), "exact");
/// assert!("fp16".parse::<Accumulation>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Accumulation {
    /// `f32` accumulation: the integer kernels where they apply, else one FMA chain per output.
    #[default]
    F32,
    /// The exact sum, rounded once to `f32`.
    Exact,
    /// A chain of `exsdotp` (two products per step, one rounding per step) into `f32`.
    ExsdotpChain,
}

impl fmt::Display for Accumulation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Accumulation::F32 => "f32",
            Accumulation::Exact => "exact",
            Accumulation::ExsdotpChain => "exsdotp",
        })
    }
}

impl FromStr for Accumulation {
    type Err = NnError;

    fn from_str(s: &str) -> Result<Accumulation, NnError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Accumulation::F32),
            "exact" | "kulisch" => Ok(Accumulation::Exact),
            "exsdotp" | "exsdotp-chain" => Ok(Accumulation::ExsdotpChain),
            _ => Err(NnError::Plan(format!("unknown accumulation `{}`; choose f32, exact or exsdotp", s.trim()))),
        }
    }
}

/// The precision of one weighted layer.
///
/// [`FromStr`]: either a bare weight format name (the rest from
/// [`for_weights`](Self::for_weights)) or whitespace- or comma-separated `key=value` pairs with
/// keys `weights` (`w`), `activations` (`a`, `act`) and `accumulate` (`acc`); missing keys as
/// [`for_weights`](Self::for_weights) (weights `f32` when missing).
///
/// ```
/// use lowp::nn::{Accumulation, Activations, LayerPlan, WeightFormat};
/// let p: LayerPlan = "weights=vsq-int4-v64 accumulate=exact".parse().unwrap();
/// assert_eq!(p.activations, Activations::Int8PerVector);
/// assert_eq!(p.accumulate, Accumulation::Exact);
/// assert_eq!("mxfp8-e4m3".parse::<LayerPlan>().unwrap().to_string(), "weights=mxfp8-e4m3 activations=mxfp8-e4m3 accumulate=f32");
/// assert!("weights=f32 colour=red".parse::<LayerPlan>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LayerPlan {
    /// The weights' format.
    pub weights: WeightFormat,
    /// The input activations' format.
    pub activations: Activations,
    /// The accumulation.
    pub accumulate: Accumulation,
}

impl LayerPlan {
    /// All `f32`.
    pub const F32: LayerPlan =
        LayerPlan { weights: WeightFormat::F32, activations: Activations::F32, accumulate: Accumulation::F32 };

    /// The usual activations for weights `w`, accumulation `f32`: integer block schemes (INT
    /// elements, MXINT8, and the E2M1 of MXFP4/NVFP4) → [`Activations::Int8PerVector`] (the
    /// integer kernels); float block schemes (MXFP8, MXFP6) → the same scheme; scalar formats →
    /// the same format; `f32` → `f32`.
    ///
    /// ```
    /// use lowp::nn::{Activations, LayerPlan};
    /// assert_eq!(LayerPlan::for_weights("nvfp4".parse().unwrap()).activations, Activations::Int8PerVector);
    /// assert_eq!(LayerPlan::for_weights("bf16".parse().unwrap()).activations.to_string(), "bfloat16");
    /// ```
    pub fn for_weights(w: WeightFormat) -> LayerPlan {
        let activations = match w {
            WeightFormat::F32 => Activations::F32,
            WeightFormat::Scalar(f) => Activations::Scalar(f),
            WeightFormat::Block(s) => match s.element() {
                Element::Int(_) | Element::MxInt8 | Element::E2M1 => Activations::Int8PerVector,
                _ => Activations::Block(s),
            },
        };
        LayerPlan { weights: w, activations, accumulate: Accumulation::F32 }
    }

    /// Whether the layer runs on the integer kernels (see the [module docs](crate::nn)):
    /// integer block weights, `Int8PerVector` or `Int8PerTensor` activations, `f32`
    /// accumulation.
    pub fn is_integer_path(&self) -> bool {
        match (self.weights, self.activations, self.accumulate) {
            (WeightFormat::Block(s), Activations::Int8PerVector | Activations::Int8PerTensor, Accumulation::F32) => {
                is_integer_scheme(&s)
            }
            _ => false,
        }
    }

    /// Whether the plan needs calibration data (static `Int8PerTensor` activations).
    pub fn needs_calibration(&self) -> bool {
        self.activations == Activations::Int8PerTensor
    }

    /// `weights=… activations=… accumulate=…` parts; missing weights: `f32`.
    fn from_parts(
        w: Option<WeightFormat>,
        a: Option<Activations>,
        acc: Option<Accumulation>,
        default_w: WeightFormat,
    ) -> LayerPlan {
        let mut p = LayerPlan::for_weights(w.unwrap_or(default_w));
        if let Some(a) = a {
            p.activations = a;
        }
        if let Some(acc) = acc {
            p.accumulate = acc;
        }
        p
    }
}

/// Integer block elements (the integer kernels' weights).
pub(crate) fn is_integer_scheme(s: &Scheme) -> bool {
    matches!(s.element(), Element::Int(_) | Element::MxInt8 | Element::E2M1)
}

impl fmt::Display for LayerPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "weights={} activations={} accumulate={}", self.weights, self.activations, self.accumulate)
    }
}

type Parts = (Option<WeightFormat>, Option<Activations>, Option<Accumulation>);

/// Parse `key=value` words (or a bare weight name).
fn parse_parts(words: &[&str]) -> Result<Parts, NnError> {
    if let [one] = words {
        if !one.contains('=') {
            return Ok((Some(one.parse()?), None, None));
        }
    }
    let (mut w, mut a, mut acc) = (None, None, None);
    for word in words {
        let Some((k, v)) = word.split_once('=') else {
            return Err(NnError::Plan(format!("expected key=value, got `{word}`")));
        };
        match k.trim().to_ascii_lowercase().as_str() {
            "weights" | "w" => w = Some(v.parse()?),
            "activations" | "a" | "act" => a = Some(v.parse()?),
            "accumulate" | "acc" | "accumulation" => acc = Some(v.parse()?),
            other => {
                return Err(NnError::Plan(format!(
                    "unknown key `{other}`; the keys are weights, activations and accumulate"
                )))
            }
        }
    }
    Ok((w, a, acc))
}

fn split_words(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect()
}

impl FromStr for LayerPlan {
    type Err = NnError;

    fn from_str(s: &str) -> Result<LayerPlan, NnError> {
        let words = split_words(s);
        if words.is_empty() {
            return Err(NnError::Plan("empty layer plan".into()));
        }
        let (w, a, acc) = parse_parts(&words)?;
        Ok(LayerPlan::from_parts(w, a, acc, WeightFormat::F32))
    }
}

/// The layer name that stands for the first weighted layer (Conv or Linear, in execution order).
pub const FIRST_LAYER: &str = "@first";
/// The layer name that stands for the last weighted layer.
pub const LAST_LAYER: &str = "@last";

/// A precision plan for a whole network: a default [`LayerPlan`] and overrides by node name.
///
/// A weighted layer takes the entry of its own name, else that of [`FIRST_LAYER`] (`@first`) if
/// it is the first weighted layer (or [`LAST_LAYER`], `@last`, if the last), else `default`.
/// [`Model::new`](super::Model::new) refuses names that are no weighted layer of the graph.
///
/// Plan files ([`parse`](Self::parse)): one entry per line, `default key=value …` or
/// `<node-name> key=value …` (keys `weights`, `activations`, `accumulate`; a missing
/// `weights` is the default line's, missing `activations` follow
/// [`LayerPlan::for_weights`], a missing `accumulate` is `f32`), `#` starts a comment.
///
/// ```
/// use lowp::nn::{LayerPlan, Plan, WeightFormat};
/// let p = Plan::parse("# 4-bit body, 8-bit ends\n\
///                      default weights=vsq-int4-v64\n\
///                      @first weights=int8-per-row   # the stem\n\
///                      fc2 weights=f32 activations=f32\n").unwrap();
/// assert_eq!(p.default.weights.to_string(), "vsq-int4-v64");
/// assert_eq!(p.layers.len(), 2);
/// assert_eq!(p.describe(), "vsq-int4-v64/int8/f32; @first: int8-per-row/int8/f32; fc2: f32/f32/f32");
/// let e = Plan::parse("default weights=int5\n").unwrap_err();
/// assert!(e.to_string().contains("line 1"));
/// assert_eq!(Plan::keep_ends(LayerPlan::for_weights(WeightFormat::F32)).layers.len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The plan of every weighted layer not named in `layers`.
    pub default: LayerPlan,
    /// Per-layer plans by node name (or [`FIRST_LAYER`] / [`LAST_LAYER`]).
    pub layers: Vec<(String, LayerPlan)>,
}

impl Plan {
    /// The same plan for every layer.
    pub fn uniform(p: LayerPlan) -> Plan {
        Plan { default: p, layers: Vec::new() }
    }

    /// `p` for every layer but the first and the last weighted layer, which stay `f32`/`f32`
    /// (what practitioners do: the stem and the classifier are the most sensitive).
    pub fn keep_ends(p: LayerPlan) -> Plan {
        Plan { default: p, layers: vec![(FIRST_LAYER.into(), LayerPlan::F32), (LAST_LAYER.into(), LayerPlan::F32)] }
    }

    /// Read a plan file (see the type's docs); errors name the line.
    pub fn parse(text: &str) -> Result<Plan, NnError> {
        let mut default: Option<Parts> = None;
        let mut named: Vec<(usize, String, Parts)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let ln = i + 1;
            let body = line.split('#').next().unwrap_or("");
            let words = split_words(body);
            let Some((&name, rest)) = words.split_first() else { continue };
            let at = |e: NnError| match e {
                NnError::Plan(m) => NnError::Plan(format!("line {ln}: {m}")),
                e => e,
            };
            if rest.is_empty() {
                return Err(NnError::Plan(format!("line {ln}: `{name}` without a plan (expected weights=… etc.)")));
            }
            if name.contains('=') {
                return Err(NnError::Plan(format!(
                    "line {ln}: a line starts with `default` or a node name, then key=value pairs"
                )));
            }
            let parts = parse_parts(rest).map_err(at)?;
            if name.eq_ignore_ascii_case("default") {
                if default.is_some() {
                    return Err(NnError::Plan(format!("line {ln}: a second `default` line")));
                }
                default = Some(parts);
            } else {
                if named.iter().any(|(_, n, _)| n == name) {
                    return Err(NnError::Plan(format!("line {ln}: layer `{name}` is planned twice")));
                }
                named.push((ln, name.to_string(), parts));
            }
        }
        let default = match default {
            Some((w, a, acc)) => LayerPlan::from_parts(w, a, acc, WeightFormat::F32),
            None => LayerPlan::F32,
        };
        let layers = named
            .into_iter()
            .map(|(_, n, (w, a, acc))| (n, LayerPlan::from_parts(w, a, acc, default.weights)))
            .collect();
        Ok(Plan { default, layers })
    }

    /// The plan a weighted layer gets (see the type's docs).
    pub fn plan_for(&self, name: &str, first: bool, last: bool) -> LayerPlan {
        let find = |n: &str| self.layers.iter().find(|(k, _)| k == n).map(|(_, p)| *p);
        find(name)
            .or_else(|| if first { find(FIRST_LAYER) } else { None })
            .or_else(|| if last { find(LAST_LAYER) } else { None })
            .unwrap_or(self.default)
    }

    /// Whether any layer of the plan (or its default) needs calibration data.
    pub fn needs_calibration(&self) -> bool {
        self.default.needs_calibration() || self.layers.iter().any(|(_, p)| p.needs_calibration())
    }

    /// A one-line summary: `weights/activations/accumulate` of the default, then each override.
    pub fn describe(&self) -> String {
        let short = |p: &LayerPlan| format!("{}/{}/{}", p.weights, p.activations, p.accumulate);
        let mut s = short(&self.default);
        for (n, p) in &self.layers {
            s += &format!("; {n}: {}", short(p));
        }
        s
    }
}

impl Default for Plan {
    fn default() -> Plan {
        Plan::uniform(LayerPlan::F32)
    }
}
