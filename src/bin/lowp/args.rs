//! The command line: the commands and their options (clap), and the parsers of option values
//! (formats, schemes, operations, rounding modes).

use clap::{Parser, Subcommand};
use lowp::block::Scheme;
use lowp::dynamic::{FormatId, Op};
use lowp::rng::SplitMix64;
use lowp::Rounding;

use crate::io::{bad, Fail};
use crate::mixed::Mixed;

const FORMAT_HELP: &str = "Format name: ml_dtypes spelling (float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, \
float8_e5m2fnuz, float8_e4m3b11fnuz, float8_e4m3, float6_e2m3fn, float6_e3m2fn, float4_e2m1fn, float8_e8m0fnu), \
float16, bfloat16, float32, or an alias (e4m3, e5m2, fp4, e8m0, half, bf16, f32, ...; see `lowp formats --aliases`); \
or a posit: posit8, posit16, posit32 (es 2, the 2022 standard), posit<N>e<ES> for any 2 <= N <= 32 and \
0 <= ES <= 4 (posit8e0, posit16e1, posit12e1, ...; also posit<N,ES>). Case-insensitive";

const ROUNDING_HELP: &str = "Rounding mode: nearest-even (default), toward-zero, up (toward +inf), \
down (toward -inf), stochastic:SEED (random bits from SplitMix64 seeded with SEED, the high 32 bits of \
one draw per input line), or stochastic (each input line carries its 32 random bits after the number, \
e.g. `0.3 0x80000000`; rounds away from zero when frac * 2^32 > bits)";

#[derive(Parser)]
#[command(
    name = "lowp",
    version,
    about = "Correctly rounded low-precision numbers (FP8, FP6, FP4, E8M0, f16, bf16, f32, posits): a golden model",
    long_about = "Correctly rounded low-precision numbers (FP8, FP6, FP4, E8M0, f16, bf16, f32, posits): a golden \
model for hardware and software implementations.\n\nThe streaming commands (encode, decode, op) read one item per \
line from stdin and write one line per item to stdout; blank lines and text after `#` are ignored. Codes are \
written as 0x + lower-case hex, zero-padded to the format's width (at least two digits). A bad line stops \
the run with a message naming the line on stderr and exit status 1.\n\nPosits (posit<N>e<ES>, 2 <= N <= 32, \
0 <= ES <= 4) round on the bit string (the 2022 standard's rule), saturate at +/-maxpos, never round a \
nonzero value to 0, and have one NaR (the sign bit alone, e.g. 0x80), written `nan` (NaN and +/-inf encode to \
it; `nar` is accepted too)."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Print a table of every format: width, fields, bias, range, epsilon, special values;
    /// then the named posits: width, es, useed, maxpos, minpos, epsilon, NaR; then the standard
    /// block-scaled schemes (for `quantize` and `analyze`) with their nominal bits/element.
    Formats {
        /// Also list the accepted aliases of each name.
        #[arg(long)]
        aliases: bool,
        /// Only the block-scaled schemes (the table printed last by default).
        #[arg(long, conflicts_with = "formats")]
        block: bool,
        /// Only these formats (any posit<N>e<ES> included); default: every named format.
        #[arg(value_name = "NAME")]
        formats: Vec<FormatId>,
    },
    /// Show how a decimal value is encoded: code and bit fields, exact value, error, neighbours.
    ///
    /// For posits the fields are sign | regime | exponent | fraction (of the two's complement
    /// for a negative code), with the regime's k, the exponent bits the regime left (and the
    /// ones it cut off), and the fraction.
    Explain {
        /// A decimal number (e.g. 0.1, -3.5e-3), or nan, inf, -inf.
        #[arg(allow_hyphen_values = true, value_name = "VALUE")]
        value: String,
        /// Only this format (default: every format).
        #[arg(short, long, value_name = "NAME", help = FORMAT_HELP)]
        format: Option<FormatId>,
        /// Rounding mode (nearest-even, toward-zero, up, down).
        #[arg(short, long, value_name = "MODE", default_value = "nearest-even", value_parser = parse_rounding)]
        rounding: RoundingArg,
    },
    /// Encode decimal numbers (one per line on stdin, also nan/inf/-inf): prints `CODE VALUE`.
    ///
    /// The number is rounded once, correctly, from its exact decimal value. VALUE is the
    /// decoded value as `decode` prints it (Rust's shortest round-trip f64 text; nan, inf, -inf
    /// for the specials); `--shortest` prints the shortest decimal that reads back to CODE in
    /// the format instead (e.g. 450 for E4M3's 448), `--exact` every digit.
    Encode {
        #[arg(short, long, value_name = "NAME", help = FORMAT_HELP)]
        format: FormatId,
        /// Clamp overflow (and infinities) to +/- max instead of Inf/NaN. Posits ignore it: they
        /// always saturate at +/-maxpos (and never round a nonzero value to 0); inf and nan give NaR.
        #[arg(long)]
        saturate: bool,
        #[arg(short, long, value_name = "MODE", default_value = "nearest-even", value_parser = parse_rounding, help = ROUNDING_HELP)]
        rounding: RoundingArg,
        /// Print the exact decimal value of the code (every digit).
        #[arg(long, conflicts_with = "shortest")]
        exact: bool,
        /// Print the shortest decimal that reads back to the same code in this format.
        #[arg(long)]
        shortest: bool,
    },
    /// Decode codes (one per line on stdin: 0x.. hex or 0b.. binary) to their values.
    ///
    /// Prints the shortest text that reads back to the same f64 (every value of every format is
    /// exact in f64): nan, inf, -inf for the specials; a posit's NaR prints as nan.
    Decode {
        #[arg(short, long, value_name = "NAME", help = FORMAT_HELP)]
        format: FormatId,
        /// Print the exact decimal expansion instead (no exponent, every digit).
        #[arg(long)]
        exact: bool,
    },
    /// Apply an operation to operand codes (one operation per line: `0xAA 0xBB`; one operand
    /// for sqrt, three for fma = a*b+c, any number of pairs `a1 b1 a2 b2 ...` for qdot): prints
    /// the result code.
    ///
    /// Results are correctly rounded, nearest-even, non-saturating (the library's operators);
    /// posits saturate at +/-maxpos, and NaR in gives NaR out. qdot (posits only) is the
    /// quire-fused dot product a1*b1 + a2*b2 + ...: accumulated exactly, rounded once.
    ///
    /// Mixed precision (`--to DST`; lowp::dot): the a/b codes are in the --format (source)
    /// format, c and the result in DST. exfma `a b c` = c + a*b; exsdotp `a0 b0 a1 b1 c` =
    /// c + a0*b0 + a1*b1 (the ExSdotp unit); exvsum `a0 a1 c` = c + a0 + a1: each exact, rounded
    /// once to DST. dot `a1 b1 a2 b2 ...` (any number of pairs; a blank line is the empty sum,
    /// +0) = a1*b1 + a2*b2 + ... under --accumulate. These take --rounding (with `stochastic`
    /// the random bits are the last token of each line, after the codes) and --saturate.
    /// Sources: every 8-, 6- and 4-bit minifloat into float16, bfloat16 or float32 (FP6 and FP4
    /// also into the 8-bit minifloats, FP4 into FP6); float16 and bfloat16 into float32; posit8
    /// into posit16, posit32, float32; posit16 into posit32, float32.
    Op {
        #[arg(short, long, value_name = "NAME", help = FORMAT_HELP)]
        format: FormatId,
        /// The operation: add, sub, mul, div, sqrt, fma (a*b+c, one rounding), qdot (posits:
        /// fused dot product of the pairs a1 b1 a2 b2 ..., one rounding); with --to: exfma,
        /// exsdotp, exvsum, dot.
        #[arg(value_name = "OP", value_parser = parse_op)]
        op: OpArg,
        /// Also print the result's value after the code.
        #[arg(long)]
        values: bool,
        /// Destination format of exfma, exsdotp, exvsum and dot: the accumulator c and the
        /// result (float16, bfloat16, float32, or an alias: f16, bf16, f32, ...).
        #[arg(long, value_name = "DST")]
        to: Option<FormatId>,
        /// Rounding of exfma, exsdotp, exvsum and dot: nearest-even (default), toward-zero, up,
        /// down, stochastic:SEED (one SplitMix64 draw per line), stochastic (the line's last token
        /// is its 32 random bits). dot rounds at each step of its discipline; with stochastic
        /// rounding step k uses the k-th draw of SplitMix64 seeded with the line's bits.
        #[arg(short, long, value_name = "MODE", value_parser = parse_rounding)]
        rounding: Option<RoundingArg>,
        /// exfma, exsdotp, exvsum, dot: clamp overflow to +/- max of DST instead of Inf/NaN.
        #[arg(long)]
        saturate: bool,
        /// How dot accumulates: exact (default; a Kulisch accumulator, one rounding), exsdotp
        /// (pairs through exsdotp, one rounding per pair), fma (one exfma per product), f32
        /// (f32 products and sums in 16 lanes, then one rounding to DST).
        #[arg(long, value_name = "HOW")]
        accumulate: Option<lowp::dot::Accumulate>,
    },
    /// Block-scaled quantization of a vector: numbers on stdin (one per line), the whole input
    /// one vector; prints each number's dequantized value (f32, shortest round-trip text).
    ///
    /// The block, row and tensor scales all come from the input itself (it is its own row and
    /// tensor). With --codes, prints the stored scales and element codes instead: a header line
    /// (scheme, elements, blocks, bits/element), the row or tensor scale, then one line per
    /// block: `block K  scale CODE = VALUE  codes C0 C1 ...` (hex; padding codes not shown).
    Quantize {
        #[arg(short, long, value_name = "NAME", value_parser = parse_scheme, help = SCHEME_HELP)]
        scheme: Scheme,
        /// Print the block scale codes and the element codes instead of the values.
        #[arg(long)]
        codes: bool,
        /// NaN or +/-inf in a block makes the block's scale NaN (the OCP MX convention), so the
        /// whole block reads nan, instead of stopping with an error. Only for schemes whose
        /// block scales can be NaN (f32, f16, bf16, e4m3, e8m0 block scales).
        #[arg(long)]
        nan_block: bool,
    },
    /// Quantize every tensor of rank >= 2 of a safetensors file (blocked along its last
    /// dimension) with block-scaled schemes and print the error of each: bits/element, SQNR,
    /// max abs error, relative RMS error; then a per-scheme summary over all tensors.
    ///
    /// Tensors of dtype F32, F16, BF16, F8_E4M3 and F8_E5M2 are read (widened to f32 exactly);
    /// others, and tensors of rank 0 or 1, are listed as skipped. A tensor with NaN or inf gets
    /// an error row per scheme. The summary weights by elements: bits/element is total bits
    /// over total elements, SQNR and relative RMS come from the summed signal and noise
    /// energies, max abs error is the largest over the tensors.
    Analyze {
        /// The weight file (.safetensors).
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// Schemes: `all` (default: every scheme of `lowp formats --block`) or names separated
        /// by commas (e.g. mxfp4,nvfp4,vsq-int4-v64-s6).
        #[arg(short, long, value_name = "NAME[,NAME...]|all", default_value = "all", value_parser = parse_scheme_list)]
        scheme: SchemeList,
    },
    /// Run a small CNN (an ONNX file) on a data set in any format of the crate: top-1
    /// accuracy, agreement with the f32 run's predictions, images/s (inference only).
    ///
    /// The images are pixels/255 as f32 NCHW [N,1,28,28] (normalization belongs in the model).
    /// Weighted layers (Conv, Gemm/MatMul) run on lowp's kernels in the plan's formats:
    /// --weights and --activations take the names of `lowp formats` (scalar formats) and
    /// `lowp formats --block` (block schemes), plus `int8` (per-vector INT8 activations) and
    /// `int8-per-tensor` (one static scale per layer, calibrated on --calibrate training
    /// images). `--sweep` runs the standard list of formats and writes
    /// results/cnn_accuracy.{md,csv,svg}.
    Infer(Box<crate::infer::InferArgs>),
}

const SCHEME_HELP: &str = "Block-scaled scheme: vsq-int<2..8>-v<LEN>[-f16|-bf16|-e4m3|-s<4..8>] \
(VSQ, f32 scales by default, -sM two-level), mxfp8-e4m3, mxfp8-e5m2, mxfp6-e2m3, mxfp6-e3m2, mxfp4, mxint8, \
nvfp4, int<2..8>-per-row, int<2..8>-per-tensor; then optionally -b<LEN> (block length for MX/NVFP4), -mse \
(MSE scale search, VSQ/NVFP4), -ceil (MX round-up rule). See `lowp formats --block`";

/// A scheme name, or an error listing the standard names.
fn parse_scheme(s: &str) -> Result<Scheme, String> {
    s.parse::<Scheme>().map_err(|e| {
        let names: Vec<String> = Scheme::catalog().iter().map(Scheme::to_string).collect();
        format!(
            "{e}\n  standard schemes: {}\n  (also other lengths and bit widths: vsq-int<2..8>-v<LEN>[-f16|-bf16|-e4m3|-s<4..8>], \
int<2..8>-per-row, -b<LEN>, -mse, -ceil)",
            names.join(", ")
        )
    })
}

#[derive(Clone, Debug)]
pub(crate) struct SchemeList(pub(crate) Vec<Scheme>);

fn parse_scheme_list(s: &str) -> Result<SchemeList, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(SchemeList(Scheme::catalog()));
    }
    let mut v = Vec::new();
    for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let sc = parse_scheme(name)?;
        if !v.contains(&sc) {
            v.push(sc);
        }
    }
    if v.is_empty() {
        return Err("no scheme named (give `all` or names separated by commas)".into());
    }
    Ok(SchemeList(v))
}

/// The operation of `lowp op`: one of the format's own ([`Op`]) or a mixed-precision one.
#[derive(Clone, Copy, Debug)]
pub(crate) enum OpArg {
    Plain(Op),
    Mixed(Mixed),
}

fn parse_op(s: &str) -> Result<OpArg, String> {
    if let Some(m) = Mixed::from_name(s) {
        return Ok(OpArg::Mixed(m));
    }
    s.parse::<Op>().map(OpArg::Plain).map_err(|_| {
        let all: Vec<&str> = Op::ALL.iter().map(|o| o.name()).chain(Mixed::ALL.iter().map(|m| m.name())).collect();
        format!("unknown operation `{s}`; valid: {}", all.join(", "))
    })
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum RoundingArg {
    Fixed(Rounding),
    /// Stochastic, random bits from SplitMix64 with this seed.
    Seeded(u64),
    /// Stochastic, random bits given on each input line.
    PerLine,
}

fn parse_rounding(s: &str) -> Result<RoundingArg, String> {
    let l = s.trim().to_ascii_lowercase().replace('_', "-");
    let fixed = |r| Ok(RoundingArg::Fixed(r));
    match l.as_str() {
        "nearest-even" | "nearest" | "rne" | "even" => fixed(Rounding::NearestEven),
        "toward-zero" | "towards-zero" | "rtz" | "zero" | "truncate" | "trunc" => fixed(Rounding::TowardZero),
        "up" | "rtp" | "toward-positive" | "ceil" => fixed(Rounding::Up),
        "down" | "rtn" | "toward-negative" | "floor" => fixed(Rounding::Down),
        "stochastic" | "sr" => Ok(RoundingArg::PerLine),
        _ => match l.strip_prefix("stochastic:").or_else(|| l.strip_prefix("sr:")) {
            Some(seed) => parse_u64(seed)
                .map(RoundingArg::Seeded)
                .ok_or_else(|| format!("invalid stochastic seed `{seed}` (expected a decimal or 0x.. integer)")),
            None => Err(format!(
                "unknown rounding mode `{s}`; valid: nearest-even, toward-zero, up, down, stochastic:SEED, stochastic"
            )),
        },
    }
}

pub(crate) fn rounding_name(r: Rounding) -> String {
    match r {
        Rounding::NearestEven => "nearest-even".into(),
        Rounding::TowardZero => "toward-zero".into(),
        Rounding::Up => "up".into(),
        Rounding::Down => "down".into(),
        Rounding::Stochastic(b) => format!("stochastic({b:#010x})"),
    }
}

/// Decimal or `0x`/`0b` integer.
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        u64::from_str_radix(b, 2).ok()
    } else {
        s.parse().ok()
    }
}

/// The rounding of each input line under a [`RoundingArg`]: the fixed mode, the next draw of
/// SplitMix64 (`stochastic:SEED`), or the line's own random bits (`stochastic`).
pub(crate) struct LineRounding {
    arg: RoundingArg,
    rng: Option<SplitMix64>,
}

impl LineRounding {
    pub(crate) fn new(arg: RoundingArg) -> LineRounding {
        let rng = match arg {
            RoundingArg::Seeded(s) => Some(SplitMix64::new(s)),
            _ => None,
        };
        LineRounding { arg, rng }
    }

    /// Are the random bits a token of each line?
    pub(crate) fn per_line(&self) -> bool {
        matches!(self.arg, RoundingArg::PerLine)
    }

    /// The rounding of the next line. With per-line bits, `bits` takes the line's token of
    /// random bits: `missing` is the message when there is none, and `note` ends the message
    /// when it is not a 32-bit integer.
    pub(crate) fn next<'a>(
        &mut self,
        bits: impl FnOnce() -> Option<&'a str>,
        missing: impl FnOnce() -> String,
        note: &str,
    ) -> Result<Rounding, Fail> {
        match self.arg {
            RoundingArg::Fixed(r) => Ok(r),
            RoundingArg::Seeded(_) => Ok(Rounding::Stochastic(self.rng.as_mut().map_or(0, SplitMix64::next_u32))),
            RoundingArg::PerLine => match bits() {
                None => bad(missing()),
                Some(b) => match parse_u64(b).and_then(|b| u32::try_from(b).ok()) {
                    Some(b) => Ok(Rounding::Stochastic(b)),
                    None => {
                        bad(format!("invalid random bits `{b}`: expected a 32-bit integer (decimal or 0x..){note}"))
                    }
                },
            },
        }
    }
}
