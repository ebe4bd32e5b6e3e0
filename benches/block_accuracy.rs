//! Accuracy of the block-scaled schemes (issue 4): every scheme of [`Scheme::catalog`] on
//! weight-like matrices of three distributions, measured by [`ErrorStats`].
//!
//! ```text
//! cargo bench --bench block_accuracy             # writes results/block_accuracy.{md,csv,svg}
//! cargo bench --bench block_accuracy -- --quick  # 64 rows, prints only, writes nothing
//! ```
//!
//! Data: `ROWS × COLS` row-major `f32` matrices (256 × 4096 by default; rows are output
//! channels, blocks run along the 4096 columns, the reduction dimension K), drawn as `f64` from a
//! seeded [`SplitMix64`] and rounded to `f32`:
//!
//! - **N(0,1)**: Box–Muller;
//! - **Laplace(0,1)**: unit scale, by the inverse CDF;
//! - **Student-t, ν = 3**: `z / sqrt(χ²₃ / 3)` with `χ²₃` the sum of three squared normals
//!   (heavy tails: the outliers that per-tensor and per-channel scales suffer from).
//!
//! For each scheme: [`BlockMatrix::quantize`], [`BlockMatrix::dequantize`], and
//! [`ErrorStats::measure`] against the original matrix. Bits per element are
//! [`BlockMatrix::bits_per_element`]: codes, block scales and the row or tensor scales, all
//! counted. A scheme that fails to quantize is reported as such in the tables (no panic).
//! Unknown command-line arguments (cargo's `--bench`, criterion-style options) are ignored.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use lowp::block::{BlockMatrix, ErrorStats, Outer, ScaleEncoding, ScaleRule, Scheme};
use plotters::prelude::*;

/// The generator's seed (printed, and written to the results).
const SEED: u64 = 0x0b10_c5ca_1ed0_0004;
const ROWS: usize = 256;
const QUICK_ROWS: usize = 64;
const COLS: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dist {
    Normal,
    Laplace,
    StudentT3,
}

const DISTS: [Dist; 3] = [Dist::Normal, Dist::Laplace, Dist::StudentT3];

impl Dist {
    fn name(self) -> &'static str {
        match self {
            Dist::Normal => "N(0,1)",
            Dist::Laplace => "Laplace(0,1)",
            Dist::StudentT3 => "Student-t (ν=3)",
        }
    }
    fn csv_name(self) -> &'static str {
        match self {
            Dist::Normal => "normal",
            Dist::Laplace => "laplace",
            Dist::StudentT3 => "student_t3",
        }
    }
    fn colour(self) -> RGBColor {
        match self {
            Dist::Normal => RGBColor(31, 119, 180),
            Dist::Laplace => RGBColor(230, 120, 20),
            Dist::StudentT3 => RGBColor(44, 160, 44),
        }
    }
}

/// Uniform in (0, 1): never 0, never 1.
#[path = "common/samples.rs"]
mod samples;
use samples::{open01, Normals};

fn sample(dist: Dist, n: usize, seed: u64) -> Vec<f32> {
    let mut g = Normals::new(seed);
    (0..n)
        .map(|_| {
            let v = match dist {
                Dist::Normal => g.next(),
                Dist::Laplace => {
                    let u = open01(&mut g.rng);
                    if u < 0.5 {
                        (2.0 * u).ln()
                    } else {
                        -(2.0 * (1.0 - u)).ln()
                    }
                }
                Dist::StudentT3 => {
                    let z = g.next();
                    let chi2: f64 = (0..3).map(|_| g.next().powi(2)).sum();
                    z / (chi2 / 3.0).sqrt()
                }
            };
            v as f32
        })
        .collect()
}

/// Scheme families, for the chart's markers and the CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    Vsq,
    VsqTwoLevel,
    VsqMse,
    Mx,
    Nvfp4,
    PerRow,
    PerTensor,
}

impl Family {
    fn of(s: &Scheme) -> Family {
        match (s.scale(), s.outer(), s.rule()) {
            (ScaleEncoding::None, Outer::Row, _) => Family::PerRow,
            (ScaleEncoding::None, _, _) => Family::PerTensor,
            (ScaleEncoding::E8M0, _, _) => Family::Mx,
            (ScaleEncoding::E4M3, Outer::Tensor, _) => Family::Nvfp4,
            (_, _, ScaleRule::Mse) => Family::VsqMse,
            (ScaleEncoding::UInt(_), _, _) => Family::VsqTwoLevel,
            _ => Family::Vsq,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Family::Vsq => "VSQ, one level",
            Family::VsqTwoLevel => "VSQ, two levels (-sM)",
            Family::VsqMse => "VSQ, MSE scale search",
            Family::Mx => "OCP MX",
            Family::Nvfp4 => "NVFP4",
            Family::PerRow => "per row (channel)",
            Family::PerTensor => "per tensor",
        }
    }
    fn csv_name(self) -> &'static str {
        match self {
            Family::Vsq => "vsq",
            Family::VsqTwoLevel => "vsq_two_level",
            Family::VsqMse => "vsq_mse",
            Family::Mx => "mx",
            Family::Nvfp4 => "nvfp4",
            Family::PerRow => "per_row",
            Family::PerTensor => "per_tensor",
        }
    }
}

struct Measured {
    bits: f64,
    stats: ErrorStats,
    seconds: f64,
}

struct Row {
    dist: Dist,
    scheme: Scheme,
    result: Result<Measured, String>,
}

fn measure(scheme: &Scheme, data: &[f32], rows: usize) -> Result<Measured, String> {
    let t = Instant::now();
    let m = BlockMatrix::quantize(scheme, data, rows, COLS).map_err(|e| e.to_string())?;
    let y = m.dequantize();
    let seconds = t.elapsed().as_secs_f64();
    let stats = ErrorStats::measure(data, &y).map_err(|e| e.to_string())?;
    Ok(Measured { bits: m.bits_per_element(), stats, seconds })
}

/// Mean, standard deviation, largest magnitude and excess kurtosis of the data.
fn describe(x: &[f32]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (m2, m4) = x.iter().fold((0.0, 0.0), |(a, b), &v| {
        let d = (v as f64 - mean).powi(2);
        (a + d, b + d * d)
    });
    let var = m2 / n;
    let amax = x.iter().fold(0f64, |m, &v| m.max((v as f64).abs()));
    (mean, var.sqrt(), amax, m4 / n / (var * var) - 3.0)
}

fn sqnr_of(rows: &[Row], dist: Dist, name: &str) -> Option<(f64, f64)> {
    rows.iter()
        .find(|r| r.dist == dist && r.scheme.to_string() == name)
        .and_then(|r| r.result.as_ref().ok().map(|m| (m.stats.sqnr_db, m.bits)))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rows_n = if quick { QUICK_ROWS } else { ROWS };
    let catalog = Scheme::catalog();
    println!(
        "block_accuracy: seed {SEED:#018x}, {rows_n} × {COLS} matrices, {} schemes × {} distributions{}",
        catalog.len(),
        DISTS.len(),
        if quick { " (--quick: results/ not written)" } else { "" }
    );
    let start = Instant::now();
    let mut rows = Vec::new();
    let mut described = Vec::new();
    for (i, &dist) in DISTS.iter().enumerate() {
        let data = sample(dist, rows_n * COLS, SEED.wrapping_add(i as u64));
        let d = describe(&data);
        described.push((dist, d));
        for scheme in &catalog {
            rows.push(Row { dist, scheme: *scheme, result: measure(scheme, &data, rows_n) });
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    let md = markdown(&rows, &described, rows_n, elapsed);
    println!("{md}");
    if quick {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    std::fs::create_dir_all(&dir).expect("create results/");
    std::fs::write(dir.join("block_accuracy.md"), &md).expect("write results/block_accuracy.md");
    std::fs::write(dir.join("block_accuracy.csv"), csv(&rows)).expect("write results/block_accuracy.csv");
    let svg = dir.join("block_accuracy.svg");
    match chart(&rows, &svg, rows_n) {
        Ok(()) => println!("wrote results/block_accuracy.md, .csv and .svg"),
        Err(e) => println!("wrote results/block_accuracy.md and .csv; the chart failed: {e}"),
    }
}

/// A distribution and its summary (mean, standard deviation, largest magnitude, kurtosis).
type Described = (Dist, (f64, f64, f64, f64));

fn markdown(rows: &[Row], described: &[Described], rows_n: usize, elapsed: f64) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Block-scaled quantization: accuracy\n");
    let _ = writeln!(
        md,
        "Written by `cargo bench --bench block_accuracy` (benches/block_accuracy.rs). Every scheme of \
         `Scheme::catalog()` on a {rows_n} × {COLS} row-major `f32` matrix (weight-like: {rows_n} output \
         channels, blocks along the {COLS} columns) of each distribution, drawn from SplitMix64 with seed \
         `{SEED:#018x}` (+0, +1, +2 for the three distributions). Each matrix is quantized with \
         `BlockMatrix::quantize`, dequantized, and compared with the original by `ErrorStats`:\n"
    );
    let _ = writeln!(
        md,
        "- **bits/elem**: `BlockMatrix::bits_per_element`, all code, block-scale, row- and \
         tensor-scale bits over the elements;\n\
         - **SQNR**: `10 log10(Σx² / Σ(x − y)²)` in dB (higher is better; +6.02 dB per bit);\n\
         - **max abs**: the largest `|x − y|`;\n\
         - **rel RMS**: `sqrt(Σ(x − y)² / Σx²)`.\n"
    );
    let _ = writeln!(md, "| distribution | mean | std | max abs value | excess kurtosis |");
    let _ = writeln!(md, "|---|---:|---:|---:|---:|");
    for (dist, (mean, std, amax, kurt)) in described {
        let _ = writeln!(md, "| {} | {mean:.4} | {std:.4} | {amax:.3} | {kurt:.2} |", dist.name());
    }
    let _ = writeln!(md);

    for &dist in &DISTS {
        let _ = writeln!(md, "## {}\n", dist.name());
        let _ = writeln!(md, "| scheme | bits/elem | SQNR (dB) | max abs | rel RMS |");
        let _ = writeln!(md, "|---|---:|---:|---:|---:|");
        for r in rows.iter().filter(|r| r.dist == dist) {
            match &r.result {
                Ok(m) => {
                    let _ = writeln!(
                        md,
                        "| `{}` | {:.4} | {:.2} | {:.4} | {:.4} |",
                        r.scheme, m.bits, m.stats.sqnr_db, m.stats.max_abs, m.stats.rel_rms
                    );
                }
                Err(e) => {
                    let _ = writeln!(md, "| `{}` | — | error: {} | — | — |", r.scheme, e.replace('|', "\\|"));
                }
            }
        }
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## VSQ INT4/V64 against the baselines\n");
    let others = ["int4-per-row", "int4-per-tensor", "mxfp4", "nvfp4", "vsq-int4-v64-s6", "vsq-int4-v64-e4m3"];
    let _ = write!(md, "| distribution | `vsq-int4-v64` SQNR |");
    for o in others {
        let _ = write!(md, " Δ vs `{o}` |");
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "|---|---:|{}", "---:|".repeat(others.len()));
    for &dist in &DISTS {
        let Some((v, _)) = sqnr_of(rows, dist, "vsq-int4-v64") else { continue };
        let _ = write!(md, "| {} | {v:.2} dB |", dist.name());
        for o in others {
            match sqnr_of(rows, dist, o) {
                Some((s, _)) => {
                    let _ = write!(md, " {} |", db(v - s));
                }
                None => {
                    let _ = write!(md, " — |");
                }
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(
        md,
        "\n(Δ = SQNR of `vsq-int4-v64` minus that of the other scheme: positive means VSQ is more accurate.)\n"
    );
    let _ = writeln!(md, "{}", summary(rows));
    let _ = writeln!(
        md,
        "Whole run (data generation excluded, quantize + dequantize of all {} scheme × distribution \
         pairs): {elapsed:.1} s.",
        rows.len()
    );
    md
}

/// `d` dB with its sign (no "-0.00").
fn db(d: f64) -> String {
    if d.abs() < 0.005 {
        "±0.00 dB".into()
    } else {
        format!("{d:+.2} dB")
    }
}

/// "1.23 dB above" / "1.23 dB below" / "level with".
fn above(d: f64) -> String {
    if d.abs() < 0.005 {
        "level with".into()
    } else if d > 0.0 {
        format!("{:.2} dB above", d)
    } else {
        format!("{:.2} dB below", -d)
    }
}

/// The comparison paragraph, with the numbers of this run.
fn summary(rows: &[Row]) -> String {
    let get = |d, n| sqnr_of(rows, d, n);
    let mut p = String::new();
    let (Some((v, vb)), Some((pr, prb)), Some((pt, ptb)), Some((mx, mxb)), Some((nv, nvb))) = (
        get(Dist::Normal, "vsq-int4-v64"),
        get(Dist::Normal, "int4-per-row"),
        get(Dist::Normal, "int4-per-tensor"),
        get(Dist::Normal, "mxfp4"),
        get(Dist::Normal, "nvfp4"),
    ) else {
        return "(Some of the compared schemes failed; no comparison.)\n".into();
    };
    let _ = write!(
        p,
        "On N(0,1) data, VSQ INT4 with 64-element vectors and `f32` scales (`vsq-int4-v64`, {vb:.3} \
         bits/element) reaches {v:.2} dB SQNR: {} over INT4 with one `f32` scale per row (per output \
         channel; {prb:.3} bits/element, {pr:.2} dB) and {} over one scale per tensor ({ptb:.4} \
         bits/element, {pt:.2} dB) — about {:.1} and {:.1} bits' worth at 6.02 dB per bit, for 0.5 \
         bit/element of scales. ",
        db(v - pr),
        db(v - pt),
        (v - pr) / 6.02,
        (v - pt) / 6.02
    );
    let trio = |d: Dist| -> Option<(f64, f64, f64, f64, f64)> {
        Some((
            get(d, "vsq-int4-v64")?.0,
            get(d, "int4-per-row")?.0,
            get(d, "int4-per-tensor")?.0,
            get(d, "mxfp4")?.0,
            get(d, "nvfp4")?.0,
        ))
    };
    if let (Some(l), Some(t)) = (trio(Dist::Laplace), trio(Dist::StudentT3)) {
        let _ = write!(
            p,
            "The heavier the tails, the larger the gain of per-vector scales over coarse ones: {} over \
             per-row and {} over per-tensor INT4 on Laplace data, {} and {} on Student-t (ν = 3), because \
             an outlier sets the step of its whole row or tensor but only of its own 64-element vector. ",
            db(l.0 - l.1),
            db(l.0 - l.2),
            db(t.0 - t.1),
            db(t.0 - t.2)
        );
        let _ = write!(
            p,
            "Against the 4-bit floating-point formats the tails turn the comparison the other way: \
             `vsq-int4-v64` is {} MXFP4 ({mxb:.2} bits/element: E2M1 in blocks of 32 with a power-of-two \
             E8M0 scale) on N(0,1), {} it on Laplace and {} it on Student-t; it is {} NVFP4 ({nvb:.3} \
             bits/element: E2M1 in blocks of 16 with an E4M3 scale under an `f32` tensor scale) on N(0,1), \
             {} on Laplace and {} on Student-t. E2M1's non-uniform grid (0, 0.5, 1, 1.5, 2, 3, 4, 6) \
             keeps relative precision for the small values of a peaked block, where INT4's uniform steps \
             round them to zero, and NVFP4's 16-element blocks follow the data four times as closely. ",
            above(v - mx),
            above(l.0 - l.3),
            above(t.0 - t.3),
            above(v - nv),
            above(l.0 - l.4),
            above(t.0 - t.4)
        );
    }
    if let (Some((s6, s6b)), Some((e4, e4b))) =
        (get(Dist::Normal, "vsq-int4-v64-s6"), get(Dist::Normal, "vsq-int4-v64-e4m3"))
    {
        let _ = write!(
            p,
            "Most of VSQ's 0.5 bit/element of `f32` scales can go: two-level VSQ with 6-bit integer \
             vector scales under a per-row `f32` (`vsq-int4-v64-s6`, {s6b:.3} bits/element) gets {s6:.2} dB \
             on N(0,1) ({} from `f32` scales) and E4M3 vector scales (`vsq-int4-v64-e4m3`, {e4b:.3} \
             bits/element) {e4:.2} dB ({}), at fewer bits than MXFP4 and NVFP4. ",
            db(s6 - v),
            db(e4 - v)
        );
    }
    if let (Some((m, _)), Some((m6, m6b))) =
        (get(Dist::Normal, "vsq-int4-v64-mse"), get(Dist::Normal, "vsq-int4-v64-s6-mse"))
    {
        let _ = write!(
            p,
            "The MSE scale search adds {} to `vsq-int4-v64` on N(0,1) ({} with 6-bit two-level scales, \
             {m6:.2} dB at {m6b:.3} bits/element). ",
            db(m - v),
            db(m6 - get(Dist::Normal, "vsq-int4-v64-s6").map_or(f64::NAN, |x| x.0))
        );
    }
    if let (Some((e4, _)), Some((e23, _)), Some((i8, _))) =
        (get(Dist::Normal, "mxfp8-e4m3"), get(Dist::Normal, "mxfp6-e2m3"), get(Dist::Normal, "mxint8"))
    {
        let _ = write!(
            p,
            "One more thing the tables show: with the OCP floor rule the block maximum can land above \
             the element's largest value (E4M3's 448 against up to 511.9 · X) and saturates, so \
             `mxfp8-e4m3` ({e4:.2} dB on N(0,1)) does no better than `mxfp6-e2m3` ({e23:.2} dB), and \
             `mxint8` ({i8:.2} dB) is well ahead of both (the clipping is also the 0.5 max-abs error of the MXFP8 rows). "
        );
    }
    p.push_str("The Δ table above has the same differences for all three distributions.\n");
    p
}

fn csv(rows: &[Row]) -> String {
    let mut s = String::from(
        "distribution,scheme,family,nominal_bits_per_element,bits_per_element,sqnr_db,max_abs,rel_rms,mse,seconds,error\n",
    );
    for r in rows {
        let nominal = r.scheme.nominal_bits_per_element();
        let fam = Family::of(&r.scheme).csv_name();
        match &r.result {
            Ok(m) => {
                let _ = writeln!(
                    s,
                    "{},{},{fam},{nominal},{:.6},{:.4},{:.6e},{:.6e},{:.6e},{:.4},",
                    r.dist.csv_name(),
                    r.scheme,
                    m.bits,
                    m.stats.sqnr_db,
                    m.stats.max_abs,
                    m.stats.rel_rms,
                    m.stats.mse,
                    m.seconds
                );
            }
            Err(e) => {
                let _ =
                    writeln!(s, "{},{},{fam},{nominal},,,,,,,\"{}\"", r.dist.csv_name(), r.scheme, e.replace('"', "'"));
            }
        }
    }
    s
}

// ---------------------------------------------------------------------------------------------
// The chart.

type Res = Result<(), Box<dyn std::error::Error>>;

/// A point to plot: its position, the scheme, the distribution.
#[derive(Clone)]
struct Pt {
    x: f64,
    y: f64,
    name: String,
    fam: Family,
    dist: Dist,
}

/// An axis-aligned box in pixels, for label placement.
#[derive(Clone, Copy)]
struct Rect {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Rect {
    fn overlap(&self, o: &Rect) -> i64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0) as i64;
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0) as i64;
        w * h
    }
    fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.x1 <= o.x1 && self.y0 >= o.y0 && self.y1 <= o.y1
    }
}

const LABEL_SIZE: f64 = 12.0;

/// The schemes the comparison paragraph is about, labelled in bold.
const KEY_SCHEMES: [&str; 5] = ["vsq-int4-v64", "int4-per-row", "int4-per-tensor", "mxfp4", "nvfp4"];

fn text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * LABEL_SIZE * 0.58).ceil() as i32
}

fn chart(rows: &[Row], path: &Path, rows_n: usize) -> Res {
    let pts: Vec<Pt> = rows
        .iter()
        .filter_map(|r| {
            let m = r.result.as_ref().ok()?;
            m.stats.sqnr_db.is_finite().then(|| Pt {
                x: m.bits,
                y: m.stats.sqnr_db,
                name: r.scheme.to_string(),
                fam: Family::of(&r.scheme),
                dist: r.dist,
            })
        })
        .collect();

    // Schemes at the same bits/element (several at 4.25, 4.5, 6.25, 8.25) are spread apart
    // sideways so that each scheme is its own column (its three distributions one above another).
    let mut by_bits: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for p in pts.iter().filter(|p| p.dist == Dist::Normal) {
        by_bits.entry((p.x * 1000.0).round() as i64).or_default().push(p.name.clone());
    }

    let (w, h) = (1500u32, 1000u32);
    let base = SVGBackend::new(path, (w, h)).into_drawing_area();
    base.fill(&WHITE)?;
    let titled = base.titled(
        &format!("Block-scaled quantization: SQNR against storage cost ({rows_n} × {COLS} matrices, seed {SEED:#x})"),
        ("sans-serif", 24),
    )?;
    let (plots, legend_area) = titled.split_vertically(h - 190);
    // Three panels: the 4-bit schemes at 4–4.5 bits/element, the other low-bit ones, 8 bits.
    let panels = [
        (3.96, 4.56, "4-bit elements, 4–4.5 bits/element"),
        (3.3, 6.5, "INT3; INT4 at V32, V16; MXFP6"),
        (7.94, 8.58, "8-bit elements"),
    ];
    let areas = plots.split_by_breakpoints([860, 1180], [] as [i32; 0]);
    let mut markers: Vec<Rect> = Vec::new();
    type Column = (Vec<(i32, i32)>, String, Rect);
    let mut columns: Vec<Column> = Vec::new();
    let panel_of = |x: f64| panels.iter().position(|&(a, b, _)| x >= a && x <= b);
    for (i, (area, &(x0, x1, title))) in areas.iter().zip(&panels).enumerate() {
        let mine: Vec<Pt> = pts
            .iter()
            .filter(|p| panel_of(p.x) == Some(i))
            .map(|p| {
                let key = (p.x * 1000.0).round() as i64;
                let group = &by_bits[&key];
                let k = group.iter().position(|n| *n == p.name).unwrap_or(0) as f64;
                let spread = (x1 - x0) * 0.012;
                Pt { x: p.x + (k - (group.len() as f64 - 1.0) / 2.0) * spread, ..p.clone() }
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let lo = mine.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
        let hi = mine.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max);
        let pad = (hi - lo).max(1.0) * 0.08;
        let (ylo, yhi) = ((lo - pad).floor(), (hi + pad).ceil());
        let mut ch = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(58)
            .build_cartesian_2d(x0..x1, ylo..yhi)?;
        ch.configure_mesh()
            .x_desc("bits per element (codes + all scales)")
            .y_desc("SQNR (dB)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .x_labels(7)
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;
        let (xr, yr) = ch.plotting_area().get_pixel_range();
        let bounds = Rect { x0: xr.start, y0: yr.start, x1: xr.end, y1: yr.end };
        // Column lines joining each scheme's distributions.
        let mut names: Vec<&String> = mine.iter().map(|p| &p.name).collect();
        names.dedup();
        names.sort();
        names.dedup();
        for n in names {
            let col: Vec<&Pt> = mine.iter().filter(|p| &p.name == n).collect();
            let a = col.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
            let b = col.iter().map(|p| p.y).fold(f64::NEG_INFINITY, f64::max);
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(col[0].x, a), (col[0].x, b)],
                RGBColor(190, 190, 190).stroke_width(1),
            )))?;
            let px: Vec<(i32, i32)> = col.iter().map(|p| ch.backend_coord(&(p.x, p.y))).collect();
            columns.push((px, n.clone(), bounds));
        }
        for p in &mine {
            draw_marker(&mut ch, p)?;
            let c = ch.backend_coord(&(p.x, p.y));
            markers.push(Rect { x0: c.0 - 5, y0: c.1 - 5, x1: c.0 + 5, y1: c.1 + 5 });
        }
    }

    // One label per scheme column, beside its topmost point; placed greedily where it overlaps
    // no other label, marker, or column, with a leader line when it had to move away.
    columns.sort_by_key(|(px, _, _)| px.iter().map(|c| c.1).min().unwrap_or(0));
    let mut placed: Vec<Rect> = Vec::new();
    let label_style = ("sans-serif", LABEL_SIZE).into_font().color(&RGBColor(60, 60, 60));
    let key_style = ("sans-serif", LABEL_SIZE, FontStyle::Bold).into_font().color(&BLACK);
    let col_rects: Vec<Rect> = columns
        .iter()
        .map(|(px, _, _)| {
            let top = px.iter().map(|c| c.1).min().unwrap_or(0);
            let bot = px.iter().map(|c| c.1).max().unwrap_or(0);
            Rect { x0: px[0].0 - 1, y0: top, x1: px[0].0 + 1, y1: bot }
        })
        .collect();
    for (px, name, bounds) in &columns {
        let anchor = *px.iter().min_by_key(|c| c.1).expect("nonempty");
        let tw = text_width(name) * if KEY_SCHEMES.contains(&name.as_str()) { 11 } else { 10 } / 10;
        let th = LABEL_SIZE as i32 + 2;
        let mut best: Option<(f64, Rect, (i32, i32), f64)> = None;
        for r in [8.0, 14.0, 22.0, 32.0, 44.0, 58.0, 74.0, 92.0, 112.0, 134.0, 158.0, 185.0] {
            for k in 0..16 {
                let t = k as f64 * std::f64::consts::PI / 8.0;
                let (c, sn) = (t.cos(), -t.sin()); // k = 0 right, 4 up, 8 left, 12 down
                let (ex, ey) = (anchor.0 as f64 + r * c, anchor.1 as f64 + r * sn);
                let x0 = (ex - tw as f64 * (1.0 - c) / 2.0).round() as i32;
                let y0 = (ey - th as f64 * (1.0 - sn) / 2.0).round() as i32;
                let rect = Rect { x0, y0, x1: x0 + tw, y1: y0 + th };
                if !rect.inside(bounds) {
                    continue;
                }
                // Where the leader line meets the label: its nearest point to the anchor.
                let end = (anchor.0.clamp(rect.x0, rect.x1), anchor.1.clamp(rect.y0, rect.y1));
                let crossings: usize = (1..20)
                    .map(|i| {
                        let f = i as f64 / 20.0;
                        let q = (
                            (anchor.0 as f64 + f * (end.0 - anchor.0) as f64) as i32,
                            (anchor.1 as f64 + f * (end.1 - anchor.1) as f64) as i32,
                        );
                        placed.iter().filter(|o| q.0 >= o.x0 && q.0 <= o.x1 && q.1 >= o.y0 && q.1 <= o.y1).count()
                    })
                    .sum();
                let cost = 30.0 * placed.iter().map(|o| o.overlap(&rect)).sum::<i64>() as f64
                    + 10.0 * markers.iter().map(|o| o.overlap(&rect)).sum::<i64>() as f64
                    + 4.0 * col_rects.iter().map(|o| o.overlap(&rect)).sum::<i64>() as f64
                    + 40.0 * crossings as f64
                    + r
                    + if sn > 0.3 { 6.0 } else { 0.0 }; // prefer labels above or beside
                if best.as_ref().is_none_or(|b| cost < b.0) {
                    best = Some((cost, rect, end, r));
                }
            }
        }
        let Some((_, rect, end, r)) = best else { continue };
        let _ = r;
        base.draw(&PathElement::new(vec![anchor, end], RGBColor(150, 150, 150).stroke_width(1)))?;
        let style = if KEY_SCHEMES.contains(&name.as_str()) { key_style.clone() } else { label_style.clone() };
        base.draw(&Text::new(name.clone(), (rect.x0, rect.y0 + 1), style))?;
        placed.push(rect);
    }

    // Legend: colours for the distributions, markers for the families.
    let ls = ("sans-serif", 15).into_font();
    legend_area.draw(&Text::new("colour = distribution:", (70, 16), ls.clone()))?;
    for (i, d) in DISTS.iter().enumerate() {
        let x = 260 + i as i32 * 200;
        legend_area.draw(&Circle::new((x, 24), 6, d.colour().filled()))?;
        legend_area.draw(&Text::new(d.name(), (x + 12, 16), ls.clone()))?;
    }
    legend_area.draw(&Text::new("marker = family:", (70, 54), ls.clone()))?;
    let fams = [
        Family::Vsq,
        Family::VsqTwoLevel,
        Family::VsqMse,
        Family::Mx,
        Family::Nvfp4,
        Family::PerRow,
        Family::PerTensor,
    ];
    for (i, f) in fams.iter().enumerate() {
        let (x, y) = (260 + (i as i32 % 4) * 300, 62 + (i as i32 / 4) * 32);
        draw_marker_at(&legend_area, *f, (x, y), RGBColor(60, 60, 60))?;
        legend_area.draw(&Text::new(f.name(), (x + 12, y - 8), ls.clone()))?;
    }
    legend_area.draw(&Text::new(
        "Grey lines join one scheme's three distributions; the label sits by its topmost point. Schemes at equal bits/element are spread sideways a little; bold: the schemes compared in block_accuracy.md.",
        (70, 140),
        ("sans-serif", 13).into_font().color(&RGBColor(90, 90, 90)),
    ))?;
    base.present()?;
    Ok(())
}

fn draw_marker<DB: DrawingBackend>(
    ch: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    p: &Pt,
) -> Res
where
    DB::ErrorType: 'static,
{
    let c = ch.backend_coord(&(p.x, p.y));
    // Draw in pixel space on the chart's area's backend via the root of the plotting area.
    let area = ch.plotting_area().strip_coord_spec();
    let (ox, oy) = {
        let (xr, yr) = ch.plotting_area().get_pixel_range();
        (xr.start, yr.start)
    };
    draw_marker_at(&area, p.fam, (c.0 - ox, c.1 - oy), p.dist.colour())
}

fn draw_marker_at<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    fam: Family,
    c: (i32, i32),
    col: RGBColor,
) -> Res
where
    DB::ErrorType: 'static,
{
    let filled = col.filled();
    let hollow = col.stroke_width(2);
    match fam {
        Family::Vsq => area.draw(&Circle::new(c, 5, filled))?,
        Family::VsqTwoLevel => area.draw(&TriangleMarker::new(c, 6, filled))?,
        Family::VsqMse => {
            area.draw(&Polygon::new(vec![(c.0, c.1 - 6), (c.0 + 6, c.1), (c.0, c.1 + 6), (c.0 - 6, c.1)], filled))?
        }
        Family::Mx => area.draw(&Rectangle::new([(c.0 - 4, c.1 - 4), (c.0 + 4, c.1 + 4)], filled))?,
        Family::Nvfp4 => area.draw(&Rectangle::new([(c.0 - 4, c.1 - 4), (c.0 + 4, c.1 + 4)], hollow))?,
        Family::PerRow => area.draw(&Cross::new(c, 5, hollow))?,
        Family::PerTensor => area.draw(&Circle::new(c, 5, hollow))?,
    }
    Ok(())
}
