//! What every command shares: the error type, the line loop over stdin, code tokens, the text
//! of values, and the table writer.

use std::fmt::{self, Write as _};
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};

use lowp::dynamic::FormatId;

/// Why a command stopped (`main` turns it into the message and the exit status).
pub(crate) enum Fail {
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

pub(crate) fn bad<T>(msg: impl Into<String>) -> Result<T, Fail> {
    Err(Fail::Bad(msg.into()))
}

pub(crate) type Out<'a> = BufWriter<io::StdoutLock<'a>>;

/// Feed each non-blank line of stdin (comment stripped, trimmed) to `f`.
pub(crate) fn each_line(out: &mut Out, mut f: impl FnMut(&str, &mut Out) -> Result<(), Fail>) -> Result<(), Fail> {
    each_numbered_line(out, |_, text, out| f(text, out))
}

/// Feed each non-blank line of stdin (comment stripped, trimmed) to `f`, with its number.
pub(crate) fn each_numbered_line(
    out: &mut Out,
    f: impl FnMut(usize, &str, &mut Out) -> Result<(), Fail>,
) -> Result<(), Fail> {
    each_input_line(out, false, f)
}

/// [`each_line`], but with `keep_blank` an empty (or all-white) line goes to `f` as `""`; a line
/// holding only a comment is still skipped.
pub(crate) fn each_line_keeping_blank(
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
pub(crate) fn parse_code(tok: &str, fmt: FormatId) -> Result<u64, Fail> {
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

/// `{}` of an `f64` or `f32` (Rust's shortest round-trip text of that type), with lower-case
/// specials: `nan`, `inf`, `-inf`.
pub(crate) fn float_text<F: Into<f64> + fmt::Display + Copy>(v: F) -> String {
    let wide: f64 = v.into();
    if wide.is_nan() {
        "nan".into()
    } else if wide.is_infinite() {
        if wide < 0.0 { "-inf" } else { "inf" }.into()
    } else {
        format!("{v}")
    }
}

/// The format's shortest `Display` of a code, lower-case specials.
pub(crate) fn value_text(fmt: FormatId, code: u64) -> String {
    match fmt.decode(code) {
        Ok(v) if v.is_nan() || v.is_infinite() => float_text(v),
        Ok(_) => fmt.display(code).unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

/// Does the decimal token denote NaN (as Rust and the crate read it)?
pub(crate) fn is_nan_token(tok: &str) -> bool {
    tok.parse::<f64>().is_ok_and(f64::is_nan)
}

/// Columns padded to their widest cell; the columns in `numeric` right-aligned below the header.
pub(crate) fn write_table(
    out: &mut Out,
    rows: &[Vec<String>],
    numeric: std::ops::RangeInclusive<usize>,
) -> Result<(), Fail> {
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
