//! What the formats are: `formats` (the table of every format, or of the named ones) and
//! `explain` (how one decimal is encoded: code, bit fields, exact value, error, neighbours).

use std::io::Write;

use lowp::dynamic::{exact_decimal, Field, FormatId, PositFormat};
use lowp::{Overflow, Rounding};

use crate::args::{rounding_name, RoundingArg};
use crate::io::{float_text, is_nan_token, value_text, write_table, Fail, Out};

/// A number for the formats table: plain up to 1e7 and down to 1e-4, scientific beyond.
fn short_num(x: f64) -> String {
    if x == 0.0 || (1e-4..1e7).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

pub(crate) fn cmd_formats(out: &mut Out, aliases: bool, only: &[FormatId]) -> Result<(), Fail> {
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
        writeln!(out, "  value       {}", float_text(v))?;
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

pub(crate) fn cmd_explain(
    out: &mut Out,
    value: &str,
    fmt: Option<FormatId>,
    rounding: RoundingArg,
) -> Result<(), Fail> {
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
