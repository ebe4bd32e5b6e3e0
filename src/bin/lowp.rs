//! `lowp`: the command-line golden model of the crate.
//!
//! Every answer comes from the library itself (through [`lowp::dynamic`]), so the codes
//! printed here are exactly what the typed API computes. Input is streamed line by line from
//! stdin; blank lines and `#` comments are skipped; errors name the line and the offending
//! token and exit with status 1 (usage errors: 2).

use std::fmt::Write as _;
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use lowp::block::io::SafetensorsFile;
use lowp::block::{
    BlockMatrix, BlockScaled, BlockVector, ErrorStats, NonFinite, Outer, QuantizeError, ScaleEncoding, Scheme,
};
use lowp::dynamic::{exact_decimal, Field, FormatId, Op, OpError, PositFormat};
use lowp::{Overflow, Rounding};

#[path = "lowp/mixed.rs"]
mod mixed;
use mixed::Mixed;

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
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
struct SchemeList(Vec<Scheme>);

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
enum OpArg {
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
enum RoundingArg {
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

fn rounding_name(r: Rounding) -> String {
    match r {
        Rounding::NearestEven => "nearest-even".into(),
        Rounding::TowardZero => "toward-zero".into(),
        Rounding::Up => "up".into(),
        Rounding::Down => "down".into(),
        Rounding::Stochastic(b) => format!("stochastic({b:#010x})"),
    }
}

/// Decimal or `0x`/`0b` integer.
fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        u64::from_str_radix(b, 2).ok()
    } else {
        s.parse().ok()
    }
}

use lowp::rng::SplitMix64;

// ---------------------------------------------------------------------------------------------
// Errors and I/O plumbing.
// ---------------------------------------------------------------------------------------------

enum Fail {
    /// A bad input item (the line number is added by the line loop).
    Bad(String),
    /// A bad input line.
    Line { line: usize, msg: String },
    /// A bad command-line value found after parsing.
    Usage(String),
    /// Reading stdin failed.
    Read(io::Error),
    /// Writing stdout failed (other than a closed pipe).
    Write(io::Error),
    /// The reader of stdout went away: stop quietly.
    BrokenPipe,
}

impl From<io::Error> for Fail {
    /// Output errors (every `?` on a write).
    fn from(e: io::Error) -> Fail {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Fail::BrokenPipe
        } else {
            Fail::Write(e)
        }
    }
}

fn bad<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Bad(msg.into()))
}

type Out<'a> = BufWriter<io::StdoutLock<'a>>;

/// Feed each non-blank line of stdin (comment stripped, trimmed) to `f`.
fn each_line(out: &mut Out, mut f: impl FnMut(&str, &mut Out) -> Result<(), Fail>) -> Result<(), Fail> {
    each_numbered_line(out, |_, text, out| f(text, out))
}

/// Feed each non-blank line of stdin (comment stripped, trimmed) to `f`, with its number.
fn each_numbered_line(out: &mut Out, f: impl FnMut(usize, &str, &mut Out) -> Result<(), Fail>) -> Result<(), Fail> {
    each_input_line(out, false, f)
}

/// [`each_line`], but with `keep_blank` an empty (or all-white) line goes to `f` as `""`; a line
/// holding only a comment is still skipped.
fn each_line_keeping_blank(
    out: &mut Out,
    keep_blank: bool,
    mut f: impl FnMut(&str, &mut Out) -> Result<(), Fail>,
) -> Result<(), Fail> {
    each_input_line(out, keep_blank, |_, text, out| f(text, out))
}

/// The line loop of every streaming command (see [`each_line_keeping_blank`]).
fn each_input_line(
    out: &mut Out,
    keep_blank: bool,
    mut f: impl FnMut(usize, &str, &mut Out) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let stdin = io::stdin();
    let interactive = stdin.is_terminal();
    let mut rd = stdin.lock();
    let mut buf = Vec::with_capacity(128);
    let mut line = 0usize;
    loop {
        buf.clear();
        if rd.read_until(b'\n', &mut buf).map_err(Fail::Read)? == 0 {
            return Ok(());
        }
        line += 1;
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(_) => return Err(Fail::Line { line, msg: "the line is not valid UTF-8".into() }),
        };
        let blank = text.trim().is_empty();
        let text = text.split('#').next().unwrap_or("").trim();
        if text.is_empty() && !(keep_blank && blank) {
            continue;
        }
        match f(line, text, out) {
            Ok(()) => {}
            Err(Fail::Bad(msg)) => return Err(Fail::Line { line, msg }),
            Err(e) => return Err(e),
        }
        if interactive {
            out.flush()?;
        }
    }
}

/// A code token: `0x` hex or `0b` binary, checked against the format's width.
fn parse_code(tok: &str, fmt: FormatId) -> Result<u64, Fail> {
    let digits = |s: &str, radix| u64::from_str_radix(s, radix).ok().filter(|_| !s.starts_with('+'));
    let v = if let Some(h) = tok.strip_prefix("0x").or_else(|| tok.strip_prefix("0X")) {
        digits(h, 16)
    } else if let Some(b) = tok.strip_prefix("0b").or_else(|| tok.strip_prefix("0B")) {
        digits(b, 2)
    } else {
        return bad(format!(
            "invalid code `{tok}`: expected 0x followed by hex digits (e.g. {})",
            fmt.hex(0x38 & fmt.max_code())
        ));
    };
    match v {
        None => bad(format!("invalid code `{tok}`: not a hex (0x..) or binary (0b..) integer")),
        Some(c) if c > fmt.max_code() => bad(format!(
            "invalid code `{tok}`: {} has {} bits (codes 0x0..={:#x})",
            fmt.name(),
            fmt.bits(),
            fmt.max_code()
        )),
        Some(c) => Ok(c),
    }
}

/// `{}` of an f64 with lower-case specials.
fn f64_text(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v < 0.0 { "-inf" } else { "inf" }.into()
    } else {
        format!("{v}")
    }
}

/// The format's shortest `Display` of a code, lower-case specials.
fn value_text(fmt: FormatId, code: u64) -> String {
    match fmt.decode(code) {
        Ok(v) if v.is_nan() || v.is_infinite() => f64_text(v),
        Ok(_) => fmt.display(code).unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

/// Does the decimal token denote NaN (as Rust and the crate read it)?
fn is_nan_token(tok: &str) -> bool {
    tok.parse::<f64>().is_ok_and(f64::is_nan)
}

// ---------------------------------------------------------------------------------------------
// Commands.
// ---------------------------------------------------------------------------------------------

fn cmd_encode(
    out: &mut Out,
    fmt: FormatId,
    saturate: bool,
    rounding: RoundingArg,
    exact: bool,
    shortest: bool,
) -> Result<(), Fail> {
    let overflow = if saturate { Overflow::Saturating } else { fmt.default_overflow() };
    let has_nan = fmt.info().has_nan;
    let mut rng = match rounding {
        RoundingArg::Seeded(s) => Some(SplitMix64::new(s)),
        _ => None,
    };
    each_line(out, |text, out| {
        let mut toks = text.split_whitespace();
        let num = toks.next().unwrap_or("");
        let r = match rounding {
            RoundingArg::Fixed(r) => r,
            RoundingArg::Seeded(_) => Rounding::Stochastic(rng.as_mut().map_or(0, SplitMix64::next_u32)),
            RoundingArg::PerLine => match toks.next() {
                None => {
                    return bad(format!(
                    "`{text}`: --rounding stochastic needs the random bits after the number (e.g. `{num} 0x80000000`)"
                ))
                }
                Some(b) => match parse_u64(b).and_then(|b| u32::try_from(b).ok()) {
                    Some(b) => Rounding::Stochastic(b),
                    None => {
                        return bad(format!("invalid random bits `{b}`: expected a 32-bit integer (decimal or 0x..)"))
                    }
                },
            },
        };
        if let Some(extra) = toks.next() {
            return bad(format!("unexpected `{extra}` after the number `{num}` (one number per line)"));
        }
        if !has_nan && is_nan_token(num) {
            return bad(format!("`{num}`: {} has no NaN encoding", fmt.name()));
        }
        let code = match fmt.parse_str(num, r, overflow) {
            Ok(c) => c,
            Err(e) => return bad(format!("invalid number `{num}`: {e}")),
        };
        let v = fmt.decode(code).unwrap_or(f64::NAN);
        if exact {
            writeln!(out, "{} {}", fmt.hex(code), exact_decimal(v))?;
        } else if shortest {
            writeln!(out, "{} {}", fmt.hex(code), value_text(fmt, code))?;
        } else {
            writeln!(out, "{} {}", fmt.hex(code), f64_text(v))?;
        }
        Ok(())
    })
}

fn cmd_decode(out: &mut Out, fmt: FormatId, exact: bool) -> Result<(), Fail> {
    each_line(out, |text, out| {
        let mut toks = text.split_whitespace();
        let tok = toks.next().unwrap_or("");
        if let Some(extra) = toks.next() {
            return bad(format!("unexpected `{extra}` after the code `{tok}` (one code per line)"));
        }
        let code = parse_code(tok, fmt)?;
        let v = fmt.decode(code).map_err(|e| Fail::Bad(e.to_string()))?;
        if exact {
            writeln!(out, "{}", exact_decimal(v))?;
        } else {
            writeln!(out, "{}", f64_text(v))?;
        }
        Ok(())
    })
}

fn cmd_op(out: &mut Out, fmt: FormatId, op: Op, values: bool) -> Result<(), Fail> {
    if op == Op::Qdot && fmt.as_posit().is_none() {
        return Err(Fail::Usage(OpError::Unsupported { op, format: fmt }.to_string()));
    }
    let mut args: Vec<u64> = Vec::with_capacity(3);
    each_line(out, |text, out| {
        args.clear();
        for tok in text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()) {
            args.push(parse_code(tok, fmt)?);
        }
        if !op.takes(args.len()) {
            if op == Op::Qdot {
                return bad(format!("{op} takes pairs of operands (a1 b1 a2 b2 ...), got {} in `{text}`", args.len()));
            }
            let n = op.arity();
            return bad(format!(
                "{op} takes {n} operand{}, got {} in `{text}`",
                if n == 1 { "" } else { "s" },
                args.len()
            ));
        }
        let r = fmt.op(op, &args).map_err(|e| Fail::Bad(e.to_string()))?;
        if values {
            writeln!(out, "{} {}", fmt.hex(r), value_text(fmt, r))?;
        } else {
            writeln!(out, "{}", fmt.hex(r))?;
        }
        Ok(())
    })
}

/// A number for the formats table: plain up to 1e7 and down to 1e-4, scientific beyond.
fn short_num(x: f64) -> String {
    if x == 0.0 || (1e-4..1e7).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn cmd_formats(out: &mut Out, aliases: bool, only: &[FormatId]) -> Result<(), Fail> {
    let list: &[FormatId] = if only.is_empty() { FormatId::ALL } else { only };
    let (posits, ieee): (Vec<FormatId>, Vec<FormatId>) = list.iter().partition(|f| f.as_posit().is_some());
    let alias_cell = |id: FormatId| id.aliases().join(", ");
    if !ieee.is_empty() {
        let mut head =
            vec!["format", "bits", "e/m", "bias", "max", "min normal", "min subnormal", "epsilon", "-0", "Inf / NaN"];
        if aliases {
            head.push("aliases");
        }
        let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
        for &id in &ieee {
            let i = id.info();
            let mut row = vec![
                id.name().to_string(),
                i.bits.to_string(),
                format!("e{}m{}", i.exp_bits, i.man_bits),
                i.bias.to_string(),
                short_num(i.max),
                short_num(i.min_normal),
                if i.has_subnormals { short_num(i.min_subnormal) } else { "-".into() },
                short_num(i.epsilon),
                if i.has_neg_zero { "yes" } else { "no" }.into(),
                i.specials.clone(),
            ];
            if aliases {
                row.push(alias_cell(id));
            }
            rows.push(row);
        }
        write_table(out, &rows, 1..=7)?;
    }
    if !posits.is_empty() {
        if !ieee.is_empty() {
            writeln!(out)?;
        }
        let mut head = vec!["posit", "bits", "es", "useed", "maxpos", "minpos", "epsilon", "NaR / Inf"];
        if aliases {
            head.push("aliases");
        }
        let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
        for &id in &posits {
            let i = id.info();
            let Some(p) = i.posit else { continue };
            let mut row = vec![
                id.name().to_string(),
                i.bits.to_string(),
                p.es().to_string(),
                (1u64 << p.useed_log2()).to_string(),
                format!("2^{} = {}", p.max_scale(), short_num(i.max)),
                format!("2^{} = {}", -p.max_scale(), short_num(i.min_normal)),
                short_num(i.epsilon),
                i.specials.clone(),
            ];
            if aliases {
                row.push(alias_cell(id));
            }
            rows.push(row);
        }
        write_table(out, &rows, 1..=6)?;
        if only.is_empty() {
            writeln!(
                out,
                "(every posit<N>e<ES> with 2 <= N <= 32, 0 <= ES <= 4 is accepted, e.g. `lowp formats posit12e1`)"
            )?;
        }
    }
    Ok(())
}

/// Columns padded to their widest cell; the columns in `numeric` right-aligned below the header.
fn write_table(out: &mut Out, rows: &[Vec<String>], numeric: std::ops::RangeInclusive<usize>) -> Result<(), Fail> {
    let ncol = rows[0].len();
    // A row with fewer cells (an error message in place of the numbers) prints its last cell
    // as it is, without widening the columns.
    let width = |c: usize| rows.iter().filter(|r| r.len() == ncol).map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncol).map(width).collect();
    for (k, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if numeric.contains(&c) && k > 0 && row.len() == ncol {
                let _ = write!(line, "{cell:>w$}  ", w = widths[c]);
            } else if c + 1 == ncol || c + 1 == row.len() {
                line.push_str(cell);
            } else if numeric.contains(&c) && k > 0 {
                let _ = write!(line, "{cell:>w$}  ", w = widths[c]);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `0|1111|110`, and the field names.
fn fields_text(fmt: FormatId, code: u64) -> (String, String) {
    let f = fmt.fields(code).unwrap_or_default();
    let bits: Vec<String> = f.iter().map(|x| x.to_string()).collect();
    let names: Vec<&str> = f.iter().map(|x| x.name).collect();
    (bits.join("|"), names.join("|"))
}

/// `+1.101b x 2^(3-7) = 2^-4`-style reading of a finite nonzero code.
fn significand_text(fmt: FormatId, code: u64) -> Option<String> {
    let i = fmt.info();
    let v = fmt.decode(code).ok()?;
    if !v.is_finite() || v == 0.0 {
        return None;
    }
    let fields = fmt.fields(code).ok()?;
    let get = |n: &str| fields.iter().find(|f| f.name == n).copied();
    let sign = if get("sign").is_some_and(|s| s.value == 1) { "-" } else { "+" };
    let e = get("exponent")?;
    let m = get("mantissa");
    let sub = i.has_subnormals && e.value == 0;
    let lead = if sub { "0" } else { "1" };
    let frac = m.map(|m| format!(".{m}")).unwrap_or_default();
    let field = if sub { 1 } else { e.value as i64 };
    let unbiased = field - i.bias as i64;
    let note = if sub { "  (subnormal: exponent field 0 counts as 1, no hidden 1)" } else { "" };
    let sig = v.abs() / 2f64.powi(unbiased as i32);
    Some(format!("{sign}{lead}{frac}b x 2^({field}-{}) = {sign}{sig} x 2^{unbiased}{note}", i.bias))
}

fn class_text(fmt: FormatId, code: u64) -> &'static str {
    let i = fmt.info();
    let Ok(v) = fmt.decode(code) else { return "invalid" };
    if v.is_nan() {
        "NaN"
    } else if v.is_infinite() {
        "infinity"
    } else if v == 0.0 {
        "zero"
    } else if i.has_subnormals && v.abs() < i.min_normal {
        "subnormal"
    } else {
        "normal"
    }
}

/// Signed number, plain or scientific (for errors).
fn sci(x: f64) -> String {
    let t = short_num(x);
    if x > 0.0 {
        format!("+{t}")
    } else {
        t
    }
}

fn explain_one(out: &mut Out, fmt: FormatId, value: &str, input: Option<f64>, r: Rounding) -> Result<(), Fail> {
    let i = fmt.info();
    let code = |o| fmt.parse_str(value, r, o).map_err(|e| Fail::Usage(format!("invalid number `{value}`: {e}")));
    let c = code(fmt.default_overflow())?;
    let cs = code(Overflow::Saturating)?;
    if let Some(p) = i.posit {
        return explain_posit(out, fmt, p, c, input, r);
    }
    writeln!(
        out,
        "{}  ({} bits, e{}m{}, bias {}; {})",
        fmt.name(),
        i.bits,
        i.exp_bits,
        i.man_bits,
        i.bias,
        rounding_name(r)
    )?;
    if !i.has_nan && is_nan_token(value) {
        writeln!(
            out,
            "  NaN is not representable: {} has no NaN (the conversion gives {} = +0)",
            fmt.name(),
            fmt.hex(c)
        )?;
        return Ok(());
    }
    let (bits, names) = fields_text(fmt, c);
    writeln!(out, "  code        {}  = {}  ({}), {}", fmt.hex(c), bits, names, class_text(fmt, c))?;
    if let Some(s) = significand_text(fmt, c) {
        writeln!(out, "  reads       {s}")?;
    }
    let v = fmt.decode(c).unwrap_or(f64::NAN);
    if v.is_finite() {
        writeln!(out, "  value       {} (exact), shortest {}", exact_decimal(v), value_text(fmt, c))?;
    } else {
        writeln!(out, "  value       {}", f64_text(v))?;
    }
    error_and_neighbours(out, fmt, c, v, input)?;
    if cs != c {
        writeln!(
            out,
            "  saturating  {}  {}  (with --saturate; the default is non-saturating)",
            fmt.hex(cs),
            exact_decimal(fmt.decode(cs).unwrap_or(f64::NAN))
        )?;
    }
    Ok(())
}

/// The error lines and the two neighbours of code `c` (value `v`).
fn error_and_neighbours(out: &mut Out, fmt: FormatId, c: u64, v: f64, input: Option<f64>) -> Result<(), Fail> {
    match input {
        Some(x) if x.is_finite() && v.is_finite() => {
            let abs = v - x;
            writeln!(out, "  abs error   {}  (value - input, rounded to f64)", sci(abs))?;
            if x == 0.0 {
                writeln!(out, "  rel error   n/a (input is zero)")?;
            } else {
                writeln!(out, "  rel error   {}  ((value - input) / |input|, in f64)", sci(abs / x.abs()))?;
            }
        }
        Some(x) if x == v || (x.is_nan() && v.is_nan()) => writeln!(out, "  error       none")?,
        _ => writeln!(out, "  error       n/a (input or value not finite)")?,
    }
    for (label, n) in [("next down", fmt.next_down(c)), ("next up", fmt.next_up(c))] {
        let n = n.unwrap_or(c);
        let nv = exact_decimal(fmt.decode(n).unwrap_or(f64::NAN));
        if n == c {
            writeln!(out, "  {label:<10}  {}  {nv}  (none: stays)", fmt.hex(n))?;
        } else {
            writeln!(out, "  {label:<10}  {}  {nv}", fmt.hex(n))?;
        }
    }
    Ok(())
}

/// `explain` for a posit: the code in binary, its fields (sign | regime | exponent | fraction)
/// and what each one contributes, the value, the errors and the neighbours.
fn explain_posit(
    out: &mut Out,
    fmt: FormatId,
    p: PositFormat,
    c: u64,
    input: Option<f64>,
    r: Rounding,
) -> Result<(), Fail> {
    let i = fmt.info();
    let useed = 1u64 << p.useed_log2();
    writeln!(
        out,
        "{}  ({} bits, es {}, useed {useed} = 2^{}, maxpos 2^{}, minpos 2^-{}; {}; saturating)",
        fmt.name(),
        i.bits,
        p.es(),
        p.useed_log2(),
        p.max_scale(),
        p.max_scale(),
        rounding_name(r)
    )?;
    let v = fmt.decode(c).unwrap_or(f64::NAN);
    let fields = fmt.fields(c).unwrap_or_default();
    let bits: Vec<String> = fields.iter().map(Field::to_string).collect();
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let binary = format!("{c:0w$b}", w = p.n() as usize);
    let neg = c >> (p.n() - 1) & 1 == 1;
    let class = if c == 0 {
        "zero"
    } else if c == p.nar_code() {
        "NaR (not a real)"
    } else if neg {
        "negative"
    } else {
        "positive"
    };
    writeln!(out, "  code        {}  = {binary}, {class}", fmt.hex(c))?;
    if c == 0 || c == p.nar_code() {
        writeln!(out, "  fields      {}  (sign|no regime: all other bits 0)", bits.join("|"))?;
    } else {
        let of = if neg {
            let mag = c.wrapping_neg() & fmt.max_code();
            format!("; regime, exponent, fraction of the two's complement {}", fmt.hex(mag))
        } else {
            String::new()
        };
        writeln!(out, "  fields      {}  ({}{of})", bits.join("|"), names.join("|"))?;
        for line in posit_field_lines(p, &fields) {
            writeln!(out, "  {line}")?;
        }
    }
    if v.is_finite() {
        writeln!(out, "  value       {} (exact), shortest {}", exact_decimal(v), value_text(fmt, c))?;
    } else {
        writeln!(out, "  value       nan (NaR)")?;
    }
    if let Some(x) = input.filter(|x| x.is_finite() && *x != 0.0) {
        if x.abs() > i.max {
            writeln!(out, "  saturated   |input| > maxpos: posits give +/-maxpos, never NaR")?;
        } else if x.abs() < i.min_normal {
            writeln!(out, "  saturated   |input| < minpos: posits give +/-minpos, never 0")?;
        }
    }
    error_and_neighbours(out, fmt, c, v, input)
}

/// What the regime, exponent and fraction fields of a nonzero real posit contribute.
fn posit_field_lines(p: PositFormat, fields: &[Field]) -> Vec<String> {
    let get = |n: &str| fields.iter().find(|f| f.name == n).copied();
    let mut lines = Vec::new();
    let Some(reg) = get("regime") else { return lines };
    let w = reg.width;
    let first = reg.value >> (w - 1) & 1;
    // The run of `first` bits from the top of the field.
    let run = (0..w).take_while(|&j| reg.value >> (w - 1 - j) & 1 == first).count() as i32;
    let k = if first == 1 { run - 1 } else { -run };
    let ended = if run as u32 == w { "fills the word, no terminating bit" } else { "then the terminating bit" };
    let what = match (first, run) {
        (1, 1) => "one",
        (1, _) => "ones",
        (_, 1) => "zero",
        _ => "zeros",
    };
    lines.push(format!(
        "regime      {reg}: a run of {run} {what}, {ended}: k = {k}, useed^k = 2^{}",
        k * p.useed_log2() as i32
    ));
    let es = p.es();
    let e = match get("exponent") {
        Some(x) if x.width == es => {
            lines.push(format!("exponent    {x} = {}", x.value));
            x.value
        }
        Some(x) => {
            let e = x.value << (es - x.width);
            lines.push(format!(
                "exponent    {x} -> {e:0es$b} = {e}  ({} of {es} bits: the regime cut off the low {}, read as 0)",
                x.width,
                es - x.width,
                es = es as usize
            ));
            e
        }
        None if es > 0 => {
            lines.push(format!("exponent    none  (the regime cut off all {es} bits, read as 0)"));
            0
        }
        None => 0,
    };
    let (frac, flen) = match get("fraction") {
        Some(f) => (format!("{f}"), f.width),
        None => (String::new(), 0),
    };
    if flen > 0 {
        lines.push(format!("fraction    {frac}  ({flen} bit{}: 1.{frac}b)", if flen == 1 { "" } else { "s" }));
    } else {
        lines.push("fraction    none  (1.0)".to_string());
    }
    let scale = k * p.useed_log2() as i32 + e as i32;
    let sig = 1.0 + get("fraction").map_or(0.0, |f| f.value as f64 / (1u64 << f.width) as f64);
    let sign = if get("sign").is_some_and(|s| s.value == 1) { "-" } else { "+" };
    let dot = if flen > 0 { format!(".{frac}") } else { String::new() };
    lines.push(format!("reads       {sign}2^({}*{k} + {e}) x 1{dot}b = {sign}{sig} x 2^{scale}", p.useed_log2()));
    lines
}

fn cmd_explain(out: &mut Out, value: &str, fmt: Option<FormatId>, rounding: RoundingArg) -> Result<(), Fail> {
    let r = match rounding {
        RoundingArg::Fixed(r) => r,
        _ => return Err(Fail::Usage("explain takes nearest-even, toward-zero, up or down as --rounding".into())),
    };
    let value = value.trim();
    // Check the number once (against the first format) so a bad one is reported plainly.
    let probe = fmt.unwrap_or(FormatId::ALL[0]);
    if let Err(e) = probe.parse_str(value, r, Overflow::Saturating) {
        return Err(Fail::Usage(format!("invalid number `{value}`: {e}")));
    }
    let input = value.parse::<f64>().ok();
    match input {
        Some(x) => {
            writeln!(out, "input       {value}")?;
            writeln!(out, "as f64      {}", exact_decimal(x))?;
            writeln!(
                out,
                "            (errors are measured against this f64; codes are rounded from the decimal input itself)"
            )?;
        }
        None => writeln!(out, "input       {value} (no f64 reading: errors not shown)")?,
    }
    let list: Vec<FormatId> = match fmt {
        Some(f) => vec![f],
        None => FormatId::ALL.to_vec(),
    };
    for f in list {
        writeln!(out)?;
        explain_one(out, f, value, input, r)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Block-scaled schemes: formats --block, quantize, analyze.
// ---------------------------------------------------------------------------------------------

fn element_text(s: &Scheme) -> String {
    use lowp::block::Element;
    match s.element() {
        Element::Int(b) => format!("int{b}"),
        Element::MxInt8 => "int8 x 2^-6".into(),
        Element::E4M3 => "e4m3".into(),
        Element::E5M2 => "e5m2".into(),
        Element::E2M3 => "e2m3".into(),
        Element::E3M2 => "e3m2".into(),
        Element::E2M1 => "e2m1".into(),
    }
}

fn scale_text(e: ScaleEncoding) -> String {
    match e {
        ScaleEncoding::None => "-".into(),
        ScaleEncoding::F32 => "f32".into(),
        ScaleEncoding::F16 => "f16".into(),
        ScaleEncoding::BF16 => "bf16".into(),
        ScaleEncoding::E4M3 => "e4m3".into(),
        ScaleEncoding::E8M0 => "e8m0".into(),
        ScaleEncoding::UInt(m) => format!("uint{m}"),
    }
}

fn outer_text(o: Outer) -> &'static str {
    match o {
        Outer::None => "-",
        Outer::Row => "f32 per row",
        Outer::Tensor => "f32 per tensor",
    }
}

fn rule_text(s: &Scheme) -> &'static str {
    use lowp::block::ScaleRule;
    match s.rule() {
        ScaleRule::AbsMax => "absmax",
        ScaleRule::Mse => "mse search",
        ScaleRule::MxFloor => "mx floor",
        ScaleRule::MxRoundUp => "mx round-up",
    }
}

/// The standard block-scaled schemes (`Scheme::catalog`) with their parts and nominal cost.
fn cmd_block_schemes(out: &mut Out) -> Result<(), Fail> {
    let head = ["block scheme", "element", "block", "block scale", "outer scale", "rule", "bits/element"];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for s in Scheme::catalog() {
        rows.push(vec![
            s.to_string(),
            element_text(&s),
            if s.block_len() == 0 { "row".into() } else { s.block_len().to_string() },
            scale_text(s.scale()),
            outer_text(s.outer()).into(),
            rule_text(&s).into(),
            s.nominal_bits_per_element().to_string(),
        ]);
    }
    write_table(out, &rows, 6..=6)?;
    writeln!(
        out,
        "(bits/element: element + block-scale bits for long rows; a row or tensor scale adds 32 bits per row or \
tensor. Other lengths and widths are accepted too, e.g. vsq-int6-v32-bf16, mxfp8-e4m3-b64, nvfp4-mse)"
    )?;
    Ok(())
}

/// An f32 as Rust's shortest round-trip text, lower-case specials.
fn f32_text(v: f32) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v < 0.0 { "-inf" } else { "inf" }.into()
    } else {
        format!("{v}")
    }
}

/// A stored scale code in hex, as wide as its encoding.
fn scale_code_hex(e: ScaleEncoding, code: u32) -> String {
    let digits = match e {
        ScaleEncoding::UInt(_) => 2,
        e => 2 * e.bytes(),
    };
    format!("0x{code:0digits$x}")
}

fn cmd_quantize(out: &mut Out, scheme: Scheme, codes: bool, nan_block: bool) -> Result<(), Fail> {
    let scheme = if nan_block {
        if !scheme.scale().has_nan() {
            return Err(Fail::Usage(format!(
                "--nan-block: the block scales of {scheme} ({}) cannot be NaN; NaN blocks need f32, f16, bf16, \
e4m3 or e8m0 block scales",
                scale_text(scheme.scale())
            )));
        }
        scheme.with_non_finite(NonFinite::NanBlock)
    } else {
        scheme
    };
    let mut xs: Vec<f32> = Vec::new();
    let mut line_of: Vec<usize> = Vec::new();
    each_numbered_line(out, |line, text, _| {
        let mut toks = text.split_whitespace();
        let tok = toks.next().unwrap_or("");
        if let Some(extra) = toks.next() {
            return bad(format!("unexpected `{extra}` after the number `{tok}` (one number per line)"));
        }
        match tok.parse::<f32>() {
            Ok(v) if v.is_infinite() && !tok.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("inf") => {
                bad(format!("the number `{tok}` is out of f32 range (its magnitude rounds past f32's largest value)"))
            }
            Ok(v) => {
                xs.push(v);
                line_of.push(line);
                Ok(())
            }
            Err(_) => bad(format!("invalid number `{tok}`: expected a decimal number (e.g. -1.25, 3e-4, nan, inf)")),
        }
    })?;
    let q = BlockVector::quantize(&scheme, &xs).map_err(|e| match e {
        QuantizeError::NonFinite { index, value } => Fail::Line {
            line: line_of[index],
            msg: if scheme.non_finite() == NonFinite::Error {
                format!(
                    "non-finite input {}: block scales cannot represent it (--nan-block makes its block NaN instead)",
                    f32_text(value)
                )
            } else {
                format!("non-finite input {}: the scales of {scheme} cannot be NaN", f32_text(value))
            },
        },
        e => Fail::Bad(e.to_string()),
    })?;
    if !codes {
        let mut y = vec![0f32; q.len()];
        q.dequantize_into(&mut y).map_err(|e| Fail::Bad(e.to_string()))?;
        for v in y {
            writeln!(out, "{}", f32_text(v))?;
        }
        return Ok(());
    }
    let enc = scheme.scale();
    let block = q.block_len();
    writeln!(
        out,
        "scheme {scheme}  elements {}  blocks {}{}  bits/element {}",
        q.len(),
        q.num_blocks(),
        if scheme.block_len() == 0 { " (the whole row)".to_string() } else { format!(" of {block}") },
        bits_text(q.bits_per_element())
    )?;
    let rs = q.row_scale();
    match scheme.outer() {
        Outer::None => writeln!(out, "row scale none")?,
        Outer::Row => writeln!(out, "row scale 0x{:08x} = {}", rs.to_bits(), f32_text(rs))?,
        Outer::Tensor => writeln!(out, "tensor scale 0x{:08x} = {}", rs.to_bits(), f32_text(rs))?,
    }
    let width = if scheme.element().bits() <= 4 { 1 } else { 2 };
    for k in 0..q.num_blocks() {
        let mut line = format!("block {k}  ");
        if enc == ScaleEncoding::None {
            line.push_str("scale none");
        } else {
            let c = q.scale_code(k);
            // Every block scale is an f32 value: its shortest f32 text reads back exactly.
            let _ = write!(line, "scale {} = {}", scale_code_hex(enc, c), f32_text(enc.decode(c) as f32));
        }
        line.push_str("  codes");
        for i in k * block..((k + 1) * block).min(q.len()) {
            let _ = write!(line, " 0x{:0width$x}", q.code(i));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    on: bool,
    total: u64,
    done: u64,
    drawn: Option<(u64, String)>,
}

impl Progress {
    const WIDTH: usize = 30;

    fn new(total: u64) -> Progress {
        Progress { on: total >= 1 << 20 && io::stderr().is_terminal(), total: total.max(1), done: 0, drawn: None }
    }

    fn show(&mut self, label: &str) {
        if !self.on {
            return;
        }
        let pct = self.done * 100 / self.total;
        if self.drawn.as_ref().is_some_and(|(p, l)| *p == pct && l == label) {
            return;
        }
        let fill = (self.done * Self::WIDTH as u64 / self.total) as usize;
        let bar: String = "#".repeat(fill) + &" ".repeat(Self::WIDTH - fill);
        let label: String = label.chars().take(50).collect();
        let _ = write!(io::stderr(), "\r[{bar}] {pct:>3}%  {label:<50}");
        self.drawn = Some((pct, label));
    }

    fn advance(&mut self, n: u64) {
        self.done += n;
    }

    fn finish(&mut self) {
        if self.on && self.drawn.is_some() {
            let _ = write!(io::stderr(), "\r{:w$}\r", "", w = Self::WIDTH + 60);
        }
    }
}

/// Per-scheme totals for the summary.
#[derive(Clone, Copy, Default)]
struct Totals {
    tensors: usize,
    failed: usize,
    elements: u64,
    bits: f64,
    signal: f64,
    noise: f64,
    max_abs: f64,
}

/// Bits per element for people: at most four decimals, no trailing zeros (`4.5`, `34.6667`).
fn bits_text(b: f64) -> String {
    let t = format!("{b:.4}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    t.to_string()
}

fn sqnr_text(db: f64) -> String {
    if db.is_infinite() {
        "inf".into()
    } else {
        format!("{db:.2}")
    }
}

fn cmd_analyze(out: &mut Out, path: &std::path::Path, schemes: &[Scheme]) -> Result<(), Fail> {
    let file = SafetensorsFile::open(path).map_err(|e| match e {
        lowp::block::io::LoadError::Io { .. } => Fail::Usage(e.to_string()),
        e => Fail::Usage(format!("{}: {e}", path.display())),
    })?;
    let mut skipped: Vec<String> = Vec::new();
    let mut todo: Vec<usize> = Vec::new();
    let names: Vec<String> = file.names().map(str::to_string).collect();
    for (i, name) in names.iter().enumerate() {
        let shape = file.shape(i);
        match (file.dtype(i), lowp::block::io::matrix_shape(shape)) {
            (None, _) => {}
            (Some(d), None) => skipped.push(format!("{name} ({d} {shape:?}: rank {}, not a matrix)", shape.len())),
            (Some(d), Some((r, c))) if r == 0 || c == 0 => skipped.push(format!("{name} ({d} {shape:?}: empty)")),
            _ => todo.push(i),
        }
    }
    skipped.extend(file.skipped().iter().map(ToString::to_string));
    let total: u64 = todo.iter().map(|&i| file.shape(i).iter().product::<usize>() as u64 * schemes.len() as u64).sum();
    let mut progress = Progress::new(total);
    let head = ["tensor", "dtype", "shape", "scheme", "bits/element", "SQNR dB", "max abs err", "rel RMS err"];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    let mut totals = vec![Totals::default(); schemes.len()];
    for &i in &todo {
        let t = file
            .tensor(i)
            .map_err(|e| Fail::Usage(format!("{}: {e}", path.display())))?
            .expect("a tensor of a readable dtype");
        let (r, c) = t.matrix_shape().expect("rank >= 2");
        let shape: Vec<String> = t.shape.iter().map(usize::to_string).collect();
        let shape = shape.join("x");
        let signal: f64 = t.data.iter().map(|&x| x as f64 * x as f64).sum();
        for (s, tot) in schemes.iter().zip(totals.iter_mut()) {
            progress.show(&format!("{} {s}", t.name));
            let mut row = vec![t.name.clone(), t.dtype.to_string(), shape.clone(), s.to_string()];
            match BlockMatrix::quantize(s, &t.data, r, c) {
                Ok(m) => {
                    // Row by row: no second full-size f32 copy.
                    let st = ErrorStats::measure_matrix(&t.data, &m).map_err(|e| Fail::Bad(e.to_string()))?;
                    let bits = m.bits_per_element();
                    row.extend([
                        format!("{bits:.4}"),
                        sqnr_text(st.sqnr_db),
                        format!("{:.3e}", st.max_abs),
                        format!("{:.3e}", st.rel_rms),
                    ]);
                    tot.tensors += 1;
                    tot.elements += t.len() as u64;
                    tot.bits += bits * t.len() as f64;
                    tot.signal += signal;
                    tot.noise += st.mse * st.n as f64;
                    tot.max_abs = tot.max_abs.max(st.max_abs);
                }
                Err(QuantizeError::NonFinite { index, value }) => {
                    tot.failed += 1;
                    row.push(format!(
                        "error: non-finite value {} at [{}, {}] (flattened row, column)",
                        f32_text(value),
                        index / c,
                        index % c
                    ));
                }
                Err(e) => {
                    tot.failed += 1;
                    row.push(format!("error: {e}"));
                }
            }
            rows.push(row);
            progress.advance(t.len() as u64);
        }
    }
    progress.finish();
    if todo.is_empty() {
        writeln!(
            out,
            "{}: no tensor of rank >= 2 with a dtype read here (F32, F16, BF16, F8_E4M3, F8_E5M2)",
            path.display()
        )?;
    } else {
        write_table(out, &rows, 4..=7)?;
    }
    for s in &skipped {
        writeln!(out, "skipped {s}")?;
    }
    if todo.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "summary over {} tensor{} (element-weighted; SQNR and rel RMS from summed signal and noise)",
        todo.len(),
        if todo.len() == 1 { "" } else { "s" }
    )?;
    let head = ["scheme", "tensors", "elements", "bits/element", "SQNR dB", "max abs err", "rel RMS err"];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    for (s, t) in schemes.iter().zip(&totals) {
        let mut row = vec![s.to_string(), t.tensors.to_string()];
        if t.failed > 0 {
            row[1] += &format!(" ({} failed)", t.failed);
        }
        if t.tensors == 0 {
            row.push("-".into());
            rows.push(row);
            continue;
        }
        let sqnr = if t.noise == 0.0 { f64::INFINITY } else { 10.0 * (t.signal / t.noise).log10() };
        let rel = if t.noise == 0.0 { 0.0 } else { (t.noise / t.signal).sqrt() };
        row.extend([
            t.elements.to_string(),
            format!("{:.4}", t.bits / t.elements as f64),
            sqnr_text(sqnr),
            format!("{:.3e}", t.max_abs),
            format!("{rel:.3e}"),
        ]);
        rows.push(row);
    }
    write_table(out, &rows, 1..=6)?;
    let failed: usize = totals.iter().map(|t| t.failed).sum();
    if failed > 0 {
        return Err(Fail::Bad(format!(
            "{failed} of {} tensor × scheme quantizations failed (the error rows above say why)",
            todo.len() * schemes.len()
        )));
    }
    Ok(())
}

fn run(cli: Cli, out: &mut Out) -> Result<(), Fail> {
    match cli.command {
        Command::Formats { aliases, block, formats } => {
            if !block {
                cmd_formats(out, aliases, &formats)?;
            }
            if block || formats.is_empty() {
                if !block {
                    writeln!(out)?;
                }
                cmd_block_schemes(out)?;
            }
            Ok(())
        }
        Command::Quantize { scheme, codes, nan_block } => cmd_quantize(out, scheme, codes, nan_block),
        Command::Analyze { file, scheme } => cmd_analyze(out, &file, &scheme.0),
        Command::Explain { value, format, rounding } => cmd_explain(out, &value, format, rounding),
        Command::Encode { format, saturate, rounding, exact, shortest } => {
            cmd_encode(out, format, saturate, rounding, exact, shortest)
        }
        Command::Decode { format, exact } => cmd_decode(out, format, exact),
        Command::Op { format, op: OpArg::Plain(op), values, to, rounding, saturate, accumulate } => {
            let only_mixed = |what: &str| {
                Fail::Usage(format!(
                    "{what} is for the mixed-precision operations (exfma, exsdotp, exvsum, dot); {op} rounds \
nearest-even in {format}"
                ))
            };
            if to.is_some() {
                return Err(only_mixed("--to"));
            }
            if rounding.is_some() {
                return Err(only_mixed("--rounding"));
            }
            if saturate {
                return Err(only_mixed("--saturate"));
            }
            if accumulate.is_some() {
                return Err(Fail::Usage("--accumulate is for dot".into()));
            }
            cmd_op(out, format, op, values)
        }
        Command::Op { format, op: OpArg::Mixed(op), values, to, rounding, saturate, accumulate } => {
            let Some(dst) = to else {
                return Err(Fail::Usage(format!(
                    "{op} needs --to DST, the format of the accumulator and the result (e.g. `lowp op -f {} {op} \
--to f32`)",
                    format.name()
                )));
            };
            if accumulate.is_some() && op != Mixed::Dot {
                return Err(Fail::Usage(format!("--accumulate is for dot, not {op}")));
            }
            mixed::cmd(
                out,
                mixed::Settings {
                    src: format,
                    op,
                    dst,
                    rounding: rounding.unwrap_or(RoundingArg::Fixed(Rounding::NearestEven)),
                    overflow: if saturate { Overflow::Saturating } else { dst.default_overflow() },
                    how: accumulate.unwrap_or(lowp::dot::Accumulate::Exact),
                    values,
                },
            )
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help / --version go to stdout with status 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = run(cli, &mut out);
    // Whatever was computed before a failure is still written.
    let flushed = out.flush().map_err(Fail::from);
    let result = result.and(flushed);
    let msg = match result {
        Ok(()) | Err(Fail::BrokenPipe) => return ExitCode::SUCCESS,
        Err(Fail::Line { line, msg }) => format!("line {line}: {msg}"),
        Err(Fail::Bad(msg)) | Err(Fail::Usage(msg)) => msg,
        Err(Fail::Read(e)) => format!("cannot read stdin: {e}"),
        Err(Fail::Write(e)) => format!("cannot write stdout: {e}"),
    };
    let _ = writeln!(io::stderr(), "lowp: error: {msg}");
    ExitCode::FAILURE
}
