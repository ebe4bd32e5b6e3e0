//! The streaming commands on one format's codes: `encode` (decimal to code), `decode` (code to
//! value) and `op` with the format's own operations.

use std::io::Write;

use lowp::dynamic::{exact_decimal, FormatId, Op, OpError};
use lowp::Overflow;

use crate::args::{LineRounding, RoundingArg};
use crate::io::{bad, each_line, float_text, is_nan_token, parse_code, value_text, Fail, Out};

pub(crate) fn cmd_encode(
    out: &mut Out,
    fmt: FormatId,
    saturate: bool,
    rounding: RoundingArg,
    exact: bool,
    shortest: bool,
) -> Result<(), Fail> {
    let overflow = if saturate { Overflow::Saturating } else { fmt.default_overflow() };
    let has_nan = fmt.info().has_nan;
    let mut rounding = LineRounding::new(rounding);
    each_line(out, |text, out| {
        let mut toks = text.split_whitespace();
        let num = toks.next().unwrap_or("");
        let r = rounding.next(
            || toks.next(),
            || {
                format!(
                    "`{text}`: --rounding stochastic needs the random bits after the number (e.g. `{num} 0x80000000`)"
                )
            },
            "",
        )?;
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
            writeln!(out, "{} {}", fmt.hex(code), float_text(v))?;
        }
        Ok(())
    })
}

pub(crate) fn cmd_decode(out: &mut Out, fmt: FormatId, exact: bool) -> Result<(), Fail> {
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
            writeln!(out, "{}", float_text(v))?;
        }
        Ok(())
    })
}

pub(crate) fn cmd_op(out: &mut Out, fmt: FormatId, op: Op, values: bool) -> Result<(), Fail> {
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
