//! `lowp op --format SRC exfma|exsdotp|exvsum|dot --to DST`: the mixed-precision operations of
//! [`lowp::dot`] on codes, with the source format `S` (the `a`/`b` operands) and the
//! destination `D` (the accumulator `c` and the result) picked at run time.
//!
//! One generic function ([`eval`]) does the work for every `(S, D)`; the [`pairs!`] table
//! instantiates it for the supported pairs and generates the run-time dispatch.

use std::io::Write;

use lowp::dot::{dot_with, exfma_with, exsdotp_with, exvsum_with, Accumulate};
use lowp::dynamic::FormatId;
use lowp::rng::SplitMix64;
use lowp::{LowpFloat, Overflow, Rounding};

use super::{bad, each_line_keeping_blank, parse_code, parse_u64, value_text, Fail, Out, RoundingArg};

/// A mixed-precision operation of `lowp op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mixed {
    /// `c + a·b`, one rounding.
    Exfma,
    /// `c + a0·b0 + a1·b1`, one rounding.
    Exsdotp,
    /// `c + a0 + a1`, one rounding.
    Exvsum,
    /// `a1·b1 + a2·b2 + …` under an [`Accumulate`] discipline.
    Dot,
}

impl Mixed {
    pub(crate) const ALL: [Mixed; 4] = [Mixed::Exfma, Mixed::Exsdotp, Mixed::Exvsum, Mixed::Dot];

    pub(crate) const fn name(self) -> &'static str {
        match self {
            Mixed::Exfma => "exfma",
            Mixed::Exsdotp => "exsdotp",
            Mixed::Exvsum => "exvsum",
            Mixed::Dot => "dot",
        }
    }

    /// The number of `S` operands before `c` (`None` for `dot`: any number of pairs, no `c`).
    const fn sources(self) -> Option<usize> {
        match self {
            Mixed::Exfma | Mixed::Exvsum => Some(2),
            Mixed::Exsdotp => Some(4),
            Mixed::Dot => None,
        }
    }

    /// The operands of one input line.
    const fn layout(self) -> &'static str {
        match self {
            Mixed::Exfma => "a b c",
            Mixed::Exsdotp => "a0 b0 a1 b1 c",
            Mixed::Exvsum => "a0 a1 c",
            Mixed::Dot => "a1 b1 a2 b2 ...",
        }
    }

    pub(crate) fn from_name(s: &str) -> Option<Mixed> {
        Mixed::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(s.trim()))
    }
}

/// One input line's work, on codes: the `S` operands (`dot`: `a1 b1 a2 b2 …`), the `D`
/// accumulator `c` (unused by `dot`) and the discipline (used by `dot` only).
struct Job<'a> {
    op: Mixed,
    s: &'a [u64],
    c: u64,
    how: Accumulate,
}

/// The operation on the typed values of `S` and `D`; the result's code. `None` only for codes
/// wider than the storage or a length mismatch, both ruled out by the caller.
fn eval<S: LowpFloat, D: LowpFloat>(job: &Job, r: Rounding, o: Overflow) -> Option<u64>
where
    S::Bits: TryFrom<u64>,
    D::Bits: TryFrom<u64>,
{
    let xs: Vec<S> = job.s.iter().map(|&c| S::Bits::try_from(c).ok().map(S::from_bits)).collect::<Option<_>>()?;
    let c = D::Bits::try_from(job.c).ok().map(D::from_bits)?;
    let at = |i: usize| xs.get(i).copied();
    let y: D = match job.op {
        Mixed::Exfma => exfma_with(at(0)?, at(1)?, c, r, o),
        Mixed::Exsdotp => exsdotp_with(at(0)?, at(1)?, at(2)?, at(3)?, c, r, o),
        Mixed::Exvsum => exvsum_with(at(0)?, at(1)?, c, r, o),
        Mixed::Dot => {
            let a: Vec<S> = xs.iter().step_by(2).copied().collect();
            let b: Vec<S> = xs.iter().skip(1).step_by(2).copied().collect();
            dot_with(&a, &b, job.how, r, o).ok()?
        }
    };
    Some(y.to_bits().into())
}

/// Generates [`dispatch`] (run [`eval`] for a run-time `(src, dst)`; `None` for a pair not in
/// the table) and [`destinations`] (the `D`s of a source) from groups
/// `[S: Type, …] => [D: Type, …];` (every source of a group goes into every destination of it).
macro_rules! pairs {
    ($( [$($s:ident: $st:ty),* $(,)?] => $dsts:tt; )*) => {
        fn dispatch(src: FormatId, dst: FormatId, job: &Job, r: Rounding, o: Overflow) -> Option<Option<u64>> {
            match src {
                $( $( FormatId::$s => pairs!(@call dst, $st, job, r, o, $dsts), )* )*
                _ => None,
            }
        }

        /// The destination formats of `src` (empty if it is no source).
        pub(crate) fn destinations(src: FormatId) -> &'static [FormatId] {
            match src {
                $( $( FormatId::$s => pairs!(@list $dsts), )* )*
                _ => &[],
            }
        }

        /// Every source format.
        pub(crate) const SOURCES: &[FormatId] = &[$( $( FormatId::$s, )* )*];
    };
    (@call $dst:ident, $st:ty, $job:ident, $r:ident, $o:ident, [$($d:ident: $dt:ty),* $(,)?]) => {
        match $dst {
            $( FormatId::$d => Some(eval::<$st, $dt>($job, $r, $o)), )*
            _ => None,
        }
    };
    (@list [$($d:ident: $dt:ty),* $(,)?]) => {
        &[$( FormatId::$d, )*]
    };
}

pairs! {
    [
        Float8E4M3FN: lowp::Float8E4M3FN,
        Float8E5M2: lowp::Float8E5M2,
        Float8E4M3FNUZ: lowp::Float8E4M3FNUZ,
        Float8E5M2FNUZ: lowp::Float8E5M2FNUZ,
        Float8E4M3B11FNUZ: lowp::Float8E4M3B11FNUZ,
        Float8E4M3: lowp::Float8E4M3,
        Float8E8M0FNU: lowp::Float8E8M0FNU,
    ] => [F16: half::f16, BF16: half::bf16, F32: f32];
    // FP6 and FP4 also accumulate into the 8-bit minifloats, FP4 into FP6 too.
    [Float6E2M3FN: lowp::Float6E2M3FN, Float6E3M2FN: lowp::Float6E3M2FN] => [
        F16: half::f16, BF16: half::bf16, F32: f32,
        Float8E4M3FN: lowp::Float8E4M3FN, Float8E5M2: lowp::Float8E5M2, Float8E4M3FNUZ: lowp::Float8E4M3FNUZ,
        Float8E5M2FNUZ: lowp::Float8E5M2FNUZ, Float8E4M3B11FNUZ: lowp::Float8E4M3B11FNUZ, Float8E4M3: lowp::Float8E4M3,
    ];
    [Float4E2M1FN: lowp::Float4E2M1FN] => [
        F16: half::f16, BF16: half::bf16, F32: f32,
        Float8E4M3FN: lowp::Float8E4M3FN, Float8E5M2: lowp::Float8E5M2, Float8E4M3FNUZ: lowp::Float8E4M3FNUZ,
        Float8E5M2FNUZ: lowp::Float8E5M2FNUZ, Float8E4M3B11FNUZ: lowp::Float8E4M3B11FNUZ, Float8E4M3: lowp::Float8E4M3,
        Float6E2M3FN: lowp::Float6E2M3FN, Float6E3M2FN: lowp::Float6E3M2FN,
    ];
    [F16: half::f16, BF16: half::bf16] => [F32: f32];
    // Posits: posit8 and posit16 into the wider standard posits and f32.
    [POSIT8: lowp::P8] => [POSIT16: lowp::P16, POSIT32: lowp::P32, F32: f32];
    [POSIT16: lowp::P16] => [POSIT32: lowp::P32, F32: f32];
}

fn names(list: &[FormatId]) -> String {
    list.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
}

/// The pair is in the table, or a usage error that says which ones are.
fn check_pair(op: Mixed, src: FormatId, dst: FormatId) -> Result<(), Fail> {
    let dsts = destinations(src);
    if dsts.contains(&dst) {
        return Ok(());
    }
    Err(Fail::Usage(if dsts.is_empty() {
        format!("{op} is not available with source format {src}; sources: {}", names(SOURCES))
    } else {
        format!("{op} from {src} into {dst} is not available; --to for {src}: {}", names(dsts))
    }))
}

impl std::fmt::Display for Mixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The settings of one `lowp op … --to DST` run.
pub(crate) struct Settings {
    pub(crate) src: FormatId,
    pub(crate) op: Mixed,
    pub(crate) dst: FormatId,
    pub(crate) rounding: RoundingArg,
    pub(crate) overflow: Overflow,
    pub(crate) how: Accumulate,
    pub(crate) values: bool,
}

/// Run a mixed-precision operation over the lines of stdin.
pub(crate) fn cmd(out: &mut Out, st: Settings) -> Result<(), Fail> {
    let Settings { src, op, dst, rounding, overflow, how, values } = st;
    check_pair(op, src, dst)?;
    let mut rng = match rounding {
        RoundingArg::Seeded(s) => Some(SplitMix64::new(s)),
        _ => None,
    };
    let mut codes: Vec<u64> = Vec::new();
    // `dot` reads a blank line as the empty sum; the fused operations skip blank lines.
    each_line_keeping_blank(out, op == Mixed::Dot, |text, out| {
        let mut toks: Vec<&str> =
            text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
        let r = match rounding {
            RoundingArg::Fixed(r) => r,
            RoundingArg::Seeded(_) => Rounding::Stochastic(rng.as_mut().map_or(0, SplitMix64::next_u32)),
            RoundingArg::PerLine => match toks.pop() {
                None => {
                    return bad(format!(
                        "`{text}`: --rounding stochastic needs the 32 random bits as the last token of the line \
(e.g. `{} 0x80000000`)",
                        op.layout()
                    ))
                }
                Some(b) => match parse_u64(b).and_then(|b| u32::try_from(b).ok()) {
                    Some(b) => Rounding::Stochastic(b),
                    None => {
                        return bad(format!(
                            "invalid random bits `{b}`: expected a 32-bit integer (decimal or 0x..) as the last \
token (--rounding stochastic)"
                        ))
                    }
                },
            },
        };
        let bits_note = if matches!(rounding, RoundingArg::PerLine) { ", then the random bits" } else { "" };
        let c = match op.sources() {
            Some(n) => {
                if toks.len() != n + 1 {
                    return bad(format!(
                        "{op} takes {} codes ({}{bits_note}), got {} in `{text}`",
                        n + 1,
                        op.layout(),
                        toks.len()
                    ));
                }
                // `c` is a code of the destination format.
                toks.pop().map(|t| parse_code(t, dst)).transpose()?.unwrap_or(0)
            }
            None => {
                if !toks.len().is_multiple_of(2) {
                    return bad(format!(
                        "dot takes pairs of codes (a1 b1 a2 b2 ...{bits_note}), got {} in `{text}`",
                        toks.len()
                    ));
                }
                0
            }
        };
        codes.clear();
        for t in &toks {
            codes.push(parse_code(t, src)?);
        }
        let job = Job { op, s: &codes, c, how };
        let y = match dispatch(src, dst, &job, r, overflow) {
            Some(Some(y)) => y,
            _ => return bad(format!("{op} from {src} into {dst} failed on `{text}`")),
        };
        if values {
            writeln!(out, "{} {}", dst.hex(y), value_text(dst, y))?;
        } else {
            writeln!(out, "{}", dst.hex(y))?;
        }
        Ok(())
    })
}
