//! The block-scaled schemes of `lowp::block`: `formats --block` (the table of the standard
//! schemes), `quantize` (a vector from stdin) and `analyze` (every matrix of a safetensors
//! file, with a progress bar).

use std::fmt::Write as _;
use std::io::Write;

use lowp::block::io::SafetensorsFile;
use lowp::block::{
    BlockMatrix, BlockScaled, BlockVector, ErrorStats, NonFinite, Outer, QuantizeError, ScaleEncoding, Scheme,
};

use crate::io::{bad, each_numbered_line, float_text, write_table, Fail, Out};

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
pub(crate) fn cmd_block_schemes(out: &mut Out) -> Result<(), Fail> {
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

/// A stored scale code in hex, as wide as its encoding.
fn scale_code_hex(e: ScaleEncoding, code: u32) -> String {
    let digits = match e {
        ScaleEncoding::UInt(_) => 2,
        e => 2 * e.bytes(),
    };
    format!("0x{code:0digits$x}")
}

pub(crate) fn cmd_quantize(out: &mut Out, scheme: Scheme, codes: bool, nan_block: bool) -> Result<(), Fail> {
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
                    float_text(value)
                )
            } else {
                format!("non-finite input {}: the scales of {scheme} cannot be NaN", float_text(value))
            },
        },
        e => Fail::Bad(e.to_string()),
    })?;
    if !codes {
        let mut y = vec![0f32; q.len()];
        q.dequantize_into(&mut y).map_err(|e| Fail::Bad(e.to_string()))?;
        for v in y {
            writeln!(out, "{}", float_text(v))?;
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
        Outer::Row => writeln!(out, "row scale 0x{:08x} = {}", rs.to_bits(), float_text(rs))?,
        Outer::Tensor => writeln!(out, "tensor scale 0x{:08x} = {}", rs.to_bits(), float_text(rs))?,
    }
    let width = if scheme.element().bits() <= 4 { 1 } else { 2 };
    for k in 0..q.num_blocks() {
        let mut line = format!("block {k}  ");
        if enc == ScaleEncoding::None {
            line.push_str("scale none");
        } else {
            let c = q.scale_code(k);
            // Every block scale is an f32 value: its shortest f32 text reads back exactly.
            let _ = write!(line, "scale {} = {}", scale_code_hex(enc, c), float_text(enc.decode(c) as f32));
        }
        line.push_str("  codes");
        for i in k * block..((k + 1) * block).min(q.len()) {
            let _ = write!(line, " 0x{:0width$x}", q.code(i));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
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

pub(crate) fn cmd_analyze(out: &mut Out, path: &std::path::Path, schemes: &[Scheme]) -> Result<(), Fail> {
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
    // Small files finish before a bar would say anything.
    let progress =
        if total >= 1 << 20 { crate::progress::bar(total, "analyze") } else { indicatif::ProgressBar::hidden() };
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
            progress.set_message(format!("{} {s}", t.name));
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
                        float_text(value),
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
            progress.inc(t.len() as u64);
        }
    }
    progress.finish_and_clear();
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
