//! The report of an accuracy sweep (`lowp infer … --sweep`): one row per precision plan, written
//! as `cnn_accuracy.md` (a table for people), `cnn_accuracy.csv` (every number, for tools) and
//! `cnn_accuracy.svg` (top-1 against bits per weight). The files depend on the rows alone (no
//! date, no host), so a rerun that computes the same numbers rewrites the same markdown.

// Used by `infer`, which lands separately.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use plotters::prelude::*;

/// One precision plan of a sweep and what it scored on the evaluation images.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SweepRow {
    /// The plan's short name, used in the table and beside its point on the plot.
    pub label: String,
    /// The weights' format (or block scheme).
    pub weights: String,
    /// The activations' format.
    pub activations: String,
    /// How dot products accumulate.
    pub accumulate: String,
    /// Top-1 accuracy as a fraction in `[0, 1]`.
    pub top1: f64,
    /// The fraction of images whose predicted class equals the `f32` model's.
    pub agreement: f64,
    /// Bits per weight, scales included.
    pub bits_per_weight: f64,
    /// The bytes of the quantized weights (scales included).
    pub model_bytes: u64,
    /// The number of images evaluated.
    pub images: usize,
    /// Throughput of the run.
    pub images_per_s: f64,
}

fn pct(x: f64) -> String {
    format!("{:.2}", 100.0 * x)
}

/// A signed change in percentage points: `+0.12`, `-3.40`, `0.00`.
fn points(delta: f64) -> String {
    let t = format!("{:+.2}", 100.0 * delta);
    if t == "+0.00" || t == "-0.00" {
        "0.00".into()
    } else {
        t
    }
}

/// A markdown table cell: pipes escaped, line breaks flattened.
fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// "10000 images" when every row saw the same number, else the range.
fn images_text(rows: &[SweepRow]) -> String {
    let lo = rows.iter().map(|r| r.images).min().unwrap_or(0);
    let hi = rows.iter().map(|r| r.images).max().unwrap_or(0);
    if lo == hi {
        format!("{lo} images")
    } else {
        format!("{lo} to {hi} images")
    }
}

fn markdown(model: &str, rows: &[SweepRow], f32_top1: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}: accuracy by precision plan\n", md_cell(model));
    let _ = writeln!(
        s,
        "Top-1 on {} ({} % in f32); change in percentage points against f32; agreement: the share of \
images whose predicted class is the f32 model's.\n",
        images_text(rows),
        pct(f32_top1)
    );
    s.push_str(
        "| format | weights | activations | accumulate | top-1 % | vs f32 (points) | agreement % | bits/weight | model bytes |\n",
    );
    s.push_str("|---|---|---|---|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {:.2} | {} |",
            md_cell(&r.label),
            md_cell(&r.weights),
            md_cell(&r.activations),
            md_cell(&r.accumulate),
            pct(r.top1),
            points(r.top1 - f32_top1),
            pct(r.agreement),
            r.bits_per_weight,
            r.model_bytes
        );
    }
    s
}

fn csv(rows: &[SweepRow], f32_top1: f64) -> String {
    let mut s = String::from(
        "label,weights,activations,accumulate,top1,top1_minus_f32,agreement,bits_per_weight,model_bytes,images,images_per_s\n",
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{},{},{},{},{:.6},{:.6},{:.6},{:.4},{},{},{:.1}",
            csv_field(&r.label),
            csv_field(&r.weights),
            csv_field(&r.activations),
            csv_field(&r.accumulate),
            r.top1,
            r.top1 - f32_top1,
            r.agreement,
            r.bits_per_weight,
            r.model_bytes,
            r.images,
            r.images_per_s
        );
    }
    s
}

fn plot(model: &str, rows: &[SweepRow], f32_top1: f64, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let pts: Vec<(f64, f64, &str)> = rows
        .iter()
        .filter(|r| r.bits_per_weight.is_finite() && r.top1.is_finite())
        .map(|r| (r.bits_per_weight, 100.0 * r.top1, r.label.as_str()))
        .collect();
    let reference = 100.0 * f32_top1;
    let ys = pts.iter().map(|p| p.1).chain(reference.is_finite().then_some(reference));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let (lo, hi) = if lo <= hi { ((lo - 2.0).floor().max(0.0), (hi + 2.0).ceil().min(100.0)) } else { (0.0, 100.0) };
    let hi = hi.max(lo + 1.0);
    let x_max = (pts.iter().map(|p| p.0).fold(0.0, f64::max) * 1.12).max(1.0);

    let area = SVGBackend::new(path, (900, 560)).into_drawing_area();
    area.fill(&WHITE)?;
    let mut ch = ChartBuilder::on(&area)
        .caption(format!("{model}: top-1 against bits per weight ({})", images_text(rows)), ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, lo..hi)?;
    ch.configure_mesh()
        .x_desc("bits per weight")
        .y_desc("top-1 (%)")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    if reference.is_finite() {
        let grey = RGBColor(120, 120, 120);
        ch.draw_series(LineSeries::new([(0.0, reference), (x_max, reference)], grey.stroke_width(1)))?;
        ch.draw_series([Text::new(
            format!("f32 {reference:.2} %"),
            (x_max * 0.01, reference + (hi - lo) * 0.01),
            ("sans-serif", 13).into_font().color(&grey),
        )])?;
    }
    let blue = RGBColor(31, 119, 180);
    ch.draw_series(pts.iter().map(|&(x, y, label)| {
        EmptyElement::at((x, y))
            + Circle::new((0, 0), 4, blue.filled())
            + Text::new(label.to_string(), (6, -16), ("sans-serif", 12).into_font())
    }))?;
    area.present()?;
    Ok(())
}

/// Writes `cnn_accuracy.md`, `cnn_accuracy.csv` and `cnn_accuracy.svg` into `dir` (created if
/// missing) for the sweep of `model` (a name for the headings), with `f32_top1` (a fraction)
/// as the reference.
pub(crate) fn write_sweep(model: &str, rows: &[SweepRow], f32_top1: f64, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("cnn_accuracy.md"), markdown(model, rows, f32_top1))?;
    std::fs::write(dir.join("cnn_accuracy.csv"), csv(rows, f32_top1))?;
    let svg = dir.join("cnn_accuracy.svg");
    plot(model, rows, f32_top1, &svg).map_err(|e| io::Error::other(format!("{}: {e}", svg.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, weights: &str, top1: f64, agreement: f64, bits: f64) -> SweepRow {
        SweepRow {
            label: label.into(),
            weights: weights.into(),
            activations: "f32".into(),
            accumulate: "f32".into(),
            top1,
            agreement,
            bits_per_weight: bits,
            model_bytes: (bits * 1000.0 / 8.0) as u64,
            images: 10_000,
            images_per_s: 1234.5,
        }
    }

    #[test]
    fn writes_markdown_csv_and_svg() {
        let dir = std::env::temp_dir().join(format!("lowp-sweep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let rows = [
            row("f32", "f32", 0.9125, 1.0, 32.0),
            row("e4m3", "float8_e4m3fn", 0.9118, 0.9951, 8.0),
            row("mxfp4, per-block | odd", "mxfp4", 0.8843, 0.9402, 4.25),
        ];
        write_sweep("fashion_cnn", &rows, 0.9125, &dir.join("out")).unwrap();
        let md = std::fs::read_to_string(dir.join("out/cnn_accuracy.md")).unwrap();
        assert!(md.starts_with("# fashion_cnn: accuracy by precision plan\n"), "{md}");
        assert!(md.contains("Top-1 on 10000 images (91.25 % in f32)"), "{md}");
        assert!(md.contains("| f32 | f32 | f32 | f32 | 91.25 | 0.00 | 100.00 | 32.00 | 4000 |"), "{md}");
        assert!(md.contains("| e4m3 | float8_e4m3fn | f32 | f32 | 91.18 | -0.07 | 99.51 | 8.00 | 1000 |"), "{md}");
        assert!(
            md.contains("| mxfp4, per-block \\| odd | mxfp4 | f32 | f32 | 88.43 | -2.82 | 94.02 | 4.25 | 531 |"),
            "{md}"
        );
        let csv = std::fs::read_to_string(dir.join("out/cnn_accuracy.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0].starts_with("label,weights,activations,accumulate,top1,top1_minus_f32,agreement"));
        assert_eq!(lines[2], "e4m3,float8_e4m3fn,f32,f32,0.911800,-0.000700,0.995100,8.0000,1000,10000,1234.5");
        assert!(lines[3].starts_with("\"mxfp4, per-block | odd\",mxfp4,"), "{}", lines[3]);
        let svg = std::fs::read_to_string(dir.join("out/cnn_accuracy.svg")).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        for text in ["e4m3", "bits per weight", "top-1 (%)", "f32 91.25 %"] {
            assert!(svg.contains(text), "{text} missing from the plot");
        }
        // The same rows write the same bytes.
        write_sweep("fashion_cnn", &rows, 0.9125, &dir.join("again")).unwrap();
        for f in ["cnn_accuracy.md", "cnn_accuracy.csv", "cnn_accuracy.svg"] {
            assert_eq!(
                std::fs::read(dir.join("out").join(f)).unwrap(),
                std::fs::read(dir.join("again").join(f)).unwrap()
            );
        }
        // No rows, or a NaN: still three files.
        write_sweep("m", &[], f64::NAN, &dir.join("empty")).unwrap();
        write_sweep("m", &[row("x", "x", f64::NAN, 0.0, f64::INFINITY)], 0.5, &dir.join("nan")).unwrap();
        assert!(dir.join("nan/cnn_accuracy.svg").is_file());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
