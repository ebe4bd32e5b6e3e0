//! `infer`: run a CNN (ONNX) on a data set in a precision plan, or sweep the standard formats.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use lowp::nn::idx::{Dataset, Split};
use lowp::nn::{Graph, LayerPlan, Model, NnError, Plan, Tensor, WeightFormat};
use serde_json::json;

use crate::io::{Fail, Out};
use crate::sweep::{write_sweep, SweepRow};

/// The command line of `infer`.
#[derive(clap::Args)]
pub(crate) struct InferArgs {
    /// The model (.onnx, opset 13 or later).
    #[arg(value_name = "MODEL")]
    pub model: std::path::PathBuf,
    /// `fashion-mnist` (the Debian package dataset-fashion-mnist) or a directory holding
    /// the four (gzipped) IDX files under their Fashion-MNIST names.
    #[arg(long, value_name = "fashion-mnist|DIR", default_value = "fashion-mnist")]
    pub data: String,
    /// Which split to evaluate.
    #[arg(long, value_name = "test|train", default_value = "test", value_parser = ["test", "train"])]
    pub split: String,
    /// Only the first N images.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Weight format: f32, a scalar format (float8_e4m3fn, bf16, posit16, ...) or a block
    /// scheme (vsq-int4-v64, int8-per-row, mxfp4, nvfp4, ...). Default f32.
    #[arg(short, long, value_name = "FORMAT")]
    pub weights: Option<String>,
    /// Activation format: f32, int8, int8-per-tensor, a scalar format or a block scheme.
    /// Default: what the weights' kernels take (int8 for integer block schemes, the same
    /// format for scalar and MX float weights).
    #[arg(short, long, value_name = "FORMAT")]
    pub activations: Option<String>,
    /// How dot products accumulate: f32 (the kernels' documented order), exact (one
    /// rounding per output) or exsdotp (pairs fused, one rounding per pair).
    #[arg(long, value_name = "f32|exact|exsdotp")]
    pub accumulate: Option<String>,
    /// A per-layer plan file (`default weights=... activations=... accumulate=...` and
    /// `<node name> weights=...` lines); replaces --weights/--activations/--accumulate.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["weights", "activations", "accumulate"])]
    pub plan: Option<std::path::PathBuf>,
    /// Keep the first and the last weighted layer in f32 (what practitioners do).
    #[arg(long)]
    pub keep_ends: bool,
    /// Training images used to calibrate static activation scales.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub calibrate: usize,
    /// Images per batch.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub batch: usize,
    /// Threads (more than one needs the `rayon` feature).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threads: usize,
    /// Print one JSON object as the last line of stdout.
    #[arg(long)]
    pub json: bool,
    /// Write the logits [N, classes] as f32 to this .npy file.
    #[arg(long, value_name = "OUT.npy")]
    pub logits: Option<std::path::PathBuf>,
    /// Run the standard list of formats and write the accuracy table.
    #[arg(long, conflicts_with_all = ["weights", "activations", "accumulate", "plan", "logits"])]
    pub sweep: bool,
    /// Where --sweep writes cnn_accuracy.{md,csv,svg}.
    #[arg(long = "out", value_name = "DIR", default_value = "results")]
    pub dir: std::path::PathBuf,
}

/// The formats of `--sweep`: label, weights, activations, accumulation, and whether the first
/// and last weighted layers stay in f32 (as practitioners run 4-bit models).
const SWEEP: &[(&str, &str, &str, &str, bool)] = &[
    ("f32", "f32", "f32", "f32", false),
    ("bf16", "bf16", "bf16", "f32", false),
    ("f16", "f16", "f16", "f32", false),
    ("FP8 E4M3", "float8_e4m3fn", "float8_e4m3fn", "f32", false),
    ("FP8 E5M2", "float8_e5m2", "float8_e5m2", "f32", false),
    ("INT8 per-channel, INT8 per-tensor acts", "int8-per-row", "int8-per-tensor", "f32", false),
    ("INT8 per-channel, INT8 per-vector acts", "int8-per-row", "int8", "f32", false),
    ("INT4 per-channel", "int4-per-row", "int8", "f32", false),
    ("INT4 per-channel, ends f32", "int4-per-row", "int8", "f32", true),
    ("VSQ INT4/64", "vsq-int4-v64", "int8", "f32", false),
    ("VSQ INT4/64, ends f32", "vsq-int4-v64", "int8", "f32", true),
    ("VSQ INT4/64, MSE scales", "vsq-int4-v64-mse", "int8", "f32", false),
    ("VSQ INT4/64, MSE scales, ends f32", "vsq-int4-v64-mse", "int8", "f32", true),
    ("VSQ INT4/64 two-level", "vsq-int4-v64-s6", "int8", "f32", false),
    ("VSQ INT4/64 two-level, ends f32", "vsq-int4-v64-s6", "int8", "f32", true),
    ("MXFP8 E4M3", "mxfp8-e4m3", "mxfp8-e4m3", "f32", false),
    ("MXFP6 E2M3", "mxfp6-e2m3", "mxfp6-e2m3", "f32", false),
    ("MXFP4", "mxfp4", "int8", "f32", false),
    ("MXFP4, ends f32", "mxfp4", "int8", "f32", true),
    ("NVFP4", "nvfp4", "int8", "f32", false),
    ("NVFP4, ends f32", "nvfp4", "int8", "f32", true),
    ("posit8, quire", "posit8", "posit8", "exact", false),
    ("posit16, quire", "posit16", "posit16", "exact", false),
    ("FP8 E4M3, ExSdotp chain", "float8_e4m3fn", "float8_e4m3fn", "exsdotp", false),
];

fn nn(e: NnError) -> Fail {
    Fail::Bad(e.to_string())
}

fn load_data(data: &str, split: Split, limit: Option<usize>) -> Result<Dataset, Fail> {
    if data == "fashion-mnist" {
        Dataset::fashion_mnist(split, limit).map_err(nn)
    } else if Path::new(data).is_dir() {
        Dataset::from_dir(data, split, limit).map_err(nn)
    } else {
        Err(Fail::Usage(format!("--data {data}: neither `fashion-mnist` nor a directory")))
    }
}

/// The plan from the command line (or the plan file).
fn plan_of(a: &InferArgs) -> Result<Plan, Fail> {
    let plan = if let Some(path) = &a.plan {
        let text =
            std::fs::read_to_string(path).map_err(|e| Fail::Bad(format!("cannot read {}: {e}", path.display())))?;
        Plan::parse(&text).map_err(|e| Fail::Bad(format!("{}: {e}", path.display())))?
    } else {
        Plan::uniform(layer_plan(
            a.weights.as_deref().unwrap_or("f32"),
            a.activations.as_deref(),
            a.accumulate.as_deref(),
        )?)
    };
    Ok(if a.keep_ends { Plan::keep_ends(plan.default) } else { plan })
}

fn layer_plan(weights: &str, activations: Option<&str>, accumulate: Option<&str>) -> Result<LayerPlan, Fail> {
    let w: WeightFormat = weights.parse().map_err(|e: NnError| Fail::Usage(format!("--weights: {e}")))?;
    let mut lp = LayerPlan::for_weights(w);
    if let Some(a) = activations {
        lp.activations = a.parse().map_err(|e: NnError| Fail::Usage(format!("--activations: {e}")))?;
    }
    if let Some(acc) = accumulate {
        lp.accumulate = acc.parse().map_err(|e: NnError| Fail::Usage(format!("--accumulate: {e}")))?;
    }
    Ok(lp)
}

/// Predictions, logits and inference seconds of `model` over `data`, in batches.
struct Run {
    preds: Vec<usize>,
    logits: Vec<f32>,
    classes: usize,
    seconds: f64,
}

fn evaluate(model: &Model, data: &Dataset, batch: usize, what: &str) -> Result<Run, Fail> {
    let shape = data.images.shape();
    let n = shape[0];
    let per: usize = shape[1..].iter().product();
    let bar = crate::progress::bar(n as u64, what);
    let mut logits = Vec::new();
    let mut classes = 0;
    let mut seconds = 0.0;
    for b0 in (0..n).step_by(batch.max(1)) {
        let b1 = (b0 + batch).min(n);
        let mut s = shape.to_vec();
        s[0] = b1 - b0;
        let x = Tensor::new(s, data.images.data()[b0 * per..b1 * per].to_vec()).map_err(nn)?;
        let t = Instant::now();
        let y = model.run(&x).map_err(nn)?;
        seconds += t.elapsed().as_secs_f64();
        if y.shape().len() != 2 || y.shape()[0] != b1 - b0 {
            return Err(Fail::Bad(format!("the model's output has shape {:?}, expected [batch, classes]", y.shape())));
        }
        classes = y.shape()[1];
        logits.extend_from_slice(y.data());
        bar.inc((b1 - b0) as u64);
    }
    bar.finish_and_clear();
    let preds = logits
        .chunks(classes.max(1))
        .map(|r| {
            // argmax, first index on ties; NaN never wins.
            let mut best = 0;
            for (i, &v) in r.iter().enumerate() {
                if v > r[best] || r[best].is_nan() {
                    best = i;
                }
            }
            best
        })
        .collect();
    Ok(Run { preds, logits, classes, seconds })
}

fn top1(preds: &[usize], labels: &[u8]) -> f64 {
    let hit = preds.iter().zip(labels).filter(|(p, l)| **p == **l as usize).count();
    hit as f64 / preds.len().max(1) as f64
}

fn agreement(a: &[usize], b: &[usize]) -> f64 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len().max(1) as f64
}

/// Everything one plan measured.
struct Measured {
    run: Run,
    top1: f64,
    bits_per_weight: f64,
    model_bytes: u64,
}

struct Env<'a> {
    graph: &'a Graph,
    data: &'a Dataset,
    calibration: Option<Tensor>,
    batch: usize,
    threads: &'a Threads,
}

fn measure(env: &Env, plan: &Plan, what: &str) -> Result<Measured, Fail> {
    let cal = if plan.needs_calibration() { env.calibration.as_ref() } else { None };
    let model = env.threads.run(|| Model::new(env.graph, plan, cal)).map_err(nn)?;
    let run = env.threads.run(|| evaluate(&model, env.data, env.batch, what))?;
    let top1 = top1(&run.preds, &env.data.labels);
    Ok(Measured { run, top1, bits_per_weight: model.bits_per_weight(), model_bytes: model.weight_bytes() as u64 })
}

/// Where the model runs: this thread, or a pool of `--threads` threads (feature `rayon`).
struct Threads {
    #[cfg(feature = "rayon")]
    pool: rayon::ThreadPool,
}

impl Threads {
    fn new(threads: usize) -> Result<Threads, Fail> {
        if threads == 0 {
            return Err(Fail::Usage("--threads must be at least 1".into()));
        }
        #[cfg(feature = "rayon")]
        {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Fail::Bad(format!("cannot start {threads} threads: {e}")))?;
            Ok(Threads { pool })
        }
        #[cfg(not(feature = "rayon"))]
        {
            if threads > 1 {
                return Err(Fail::Usage(
                    "--threads above 1 needs the `rayon` feature (cargo install lowp --features rayon)".into(),
                ));
            }
            Ok(Threads {})
        }
    }

    fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        #[cfg(feature = "rayon")]
        return self.pool.install(f);
        #[cfg(not(feature = "rayon"))]
        f()
    }
}

pub(crate) fn cmd_infer(out: &mut Out, a: InferArgs) -> Result<(), Fail> {
    if a.batch == 0 {
        return Err(Fail::Usage("--batch must be at least 1".into()));
    }
    let split = if a.split == "train" { Split::Train } else { Split::Test };
    let graph = lowp::nn::onnx::load_file(&a.model).map_err(nn)?;
    let data = load_data(&a.data, split, a.limit)?;
    if data.is_empty() {
        return Err(Fail::Bad("the data set has no images".into()));
    }
    let plan = if a.sweep { None } else { Some(plan_of(&a)?) };
    let calibrate = a.calibrate > 0 && (a.sweep || plan.as_ref().is_some_and(Plan::needs_calibration) || a.keep_ends);
    let calibration = if calibrate { Some(load_data(&a.data, Split::Train, Some(a.calibrate))?.images) } else { None };
    let threads = Threads::new(a.threads)?;
    let env = Env { graph: &graph, data: &data, calibration, batch: a.batch, threads: &threads };
    let model_name = a.model.display().to_string();
    let reference = measure(&env, &Plan::uniform(LayerPlan::for_weights(WeightFormat::F32)), "f32")?;
    match plan {
        None => sweep(out, &env, &a, &model_name, &reference),
        Some(plan) if plan == Plan::uniform(LayerPlan::F32) => {
            report(out, &a, &env, &plan, &reference, &reference, &model_name)
        }
        Some(plan) => {
            let m = measure(&env, &plan, "plan")?;
            report(out, &a, &env, &plan, &m, &reference, &model_name)
        }
    }
}

fn report(
    out: &mut Out,
    a: &InferArgs,
    env: &Env,
    plan: &Plan,
    m: &Measured,
    reference: &Measured,
    model_name: &str,
) -> Result<(), Fail> {
    let n = env.data.len();
    let ips = n as f64 / m.run.seconds.max(1e-12);
    let agree = agreement(&m.run.preds, &reference.run.preds);
    let weights = plan.default.weights.to_string();
    let activations = plan.default.activations.to_string();
    let accumulate = plan.default.accumulate.to_string();
    writeln!(out, "model        {model_name} ({} nodes)", env.graph.nodes().len())?;
    writeln!(out, "data         {} {}, {n} images", a.data, a.split)?;
    writeln!(out, "plan         {}", plan.describe())?;
    writeln!(
        out,
        "top-1        {:.2} %  (f32 {:.2} %, {:+.2} points)",
        100.0 * m.top1,
        100.0 * reference.top1,
        100.0 * (m.top1 - reference.top1)
    )?;
    writeln!(out, "agreement    {:.2} % of predictions equal the f32 run's", 100.0 * agree)?;
    writeln!(out, "weights      {} bytes, {:.3} bits/weight", m.model_bytes, m.bits_per_weight)?;
    writeln!(out, "speed        {ips:.0} images/s (batch {}, {} thread(s); inference only)", a.batch, a.threads)?;
    if let Some(path) = &a.logits {
        lowp::nn::npy::write_npy_f32(path, &[n, m.run.classes], &m.run.logits).map_err(nn)?;
        writeln!(out, "logits       {} [{n}, {}] f32", path.display(), m.run.classes)?;
    }
    if a.json {
        let line = crate::json::object(&[
            ("model", json!(model_name)),
            ("data", json!(a.data)),
            ("split", json!(a.split)),
            ("images", json!(n)),
            ("weights", json!(weights)),
            ("activations", json!(activations)),
            ("accumulate", json!(accumulate)),
            ("plan", json!(plan.describe())),
            ("top1", json!(m.top1)),
            ("f32_top1", json!(reference.top1)),
            ("agreement", json!(agree)),
            ("images_per_s", json!(ips)),
            ("f32_images_per_s", json!(n as f64 / reference.run.seconds.max(1e-12))),
            ("batch", json!(a.batch)),
            ("threads", json!(a.threads)),
            ("bits_per_weight", json!(m.bits_per_weight)),
            ("model_bytes", json!(m.model_bytes)),
        ]);
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn sweep(out: &mut Out, env: &Env, a: &InferArgs, model_name: &str, reference: &Measured) -> Result<(), Fail> {
    let n = env.data.len();
    let mut rows = Vec::new();
    writeln!(
        out,
        "{:<40} {:>8} {:>8} {:>9} {:>10} {:>11}",
        "format", "top-1 %", "change", "agree %", "bits/w", "images/s"
    )?;
    for &(label, w, act, acc, ends) in SWEEP {
        let lp = layer_plan(w, Some(act), Some(acc))?;
        let ends = ends || a.keep_ends;
        let plan = if ends { Plan::keep_ends(lp) } else { Plan::uniform(lp) };
        let m = if label == "f32" && !ends { None } else { Some(measure(env, &plan, label)?) };
        let m = m.as_ref().unwrap_or(reference);
        let row = SweepRow {
            label: label.to_string(),
            weights: w.to_string(),
            activations: act.to_string(),
            accumulate: acc.to_string(),
            top1: m.top1,
            agreement: agreement(&m.run.preds, &reference.run.preds),
            bits_per_weight: m.bits_per_weight,
            model_bytes: m.model_bytes,
            images: n,
            images_per_s: n as f64 / m.run.seconds.max(1e-12),
        };
        writeln!(
            out,
            "{:<40} {:>8.2} {:>+8.2} {:>9.2} {:>10.3} {:>11.0}",
            row.label,
            100.0 * row.top1,
            100.0 * (row.top1 - reference.top1),
            100.0 * row.agreement,
            row.bits_per_weight,
            row.images_per_s
        )?;
        out.flush()?;
        rows.push(row);
    }
    write_sweep(model_name, &rows, reference.top1, &a.dir)
        .map_err(|e| Fail::Bad(format!("cannot write {}: {e}", a.dir.display())))?;
    writeln!(out, "wrote {}/cnn_accuracy.{{md,csv,svg}}", a.dir.display())?;
    Ok(())
}
