//! CNN inference speed, lowp beside tract-onnx on the same ONNX model (issue 9), one thread.
//!
//! ```text
//! RUSTFLAGS="-C target-cpu=native" cargo bench -p lowp-bench --bench cnn_speed   # writes results/cnn_speed.md
//! LOWP_BENCH_QUICK=1 cargo bench -p lowp-bench --bench cnn_speed                 # short samples
//! ```
//!
//! The model is `models/fashion_cnn.onnx` (2 conv + 2 linear, 1.12 M multiply-adds per image);
//! the inputs are the first Fashion-MNIST test images (the Debian package dataset-fashion-mnist),
//! pixels/255 as f32 `[N,1,28,28]`. Each case is timed at batch 1 and 64: lowp under four plans
//! (`Model::run`), and tract-onnx's optimized plan for the same file with the batch fixed
//! (tract's best build needs `-C target-cpu=native`, hence the RUSTFLAGS above; lowp picks its
//! SIMD at run time either way). images/s = batch / time per call. criterion reports its own
//! estimates; the table in results/cnn_speed.md is the best and the median of repeated timed
//! loops run after criterion, in the same process.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use lowp::nn::idx::{Dataset, Split};
use lowp::nn::{Graph, LayerPlan, Model, Plan, Tensor};
use tract_onnx::prelude::*;

const BATCHES: [usize; 2] = [1, 64];

/// (label, weights, activations): the lowp plans timed.
const PLANS: &[(&str, &str, &str)] = &[
    ("lowp f32", "f32", "f32"),
    ("lowp INT8 (per-channel w, per-tensor static a)", "int8-per-row", "int8-per-tensor"),
    ("lowp VSQ INT4/64 w, INT8 per-vector a", "vsq-int4-v64", "int8"),
    ("lowp FP8 E4M3 w and a", "float8_e4m3fn", "float8_e4m3fn"),
];

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Criterion's reports go to the workspace's target directory, not under benches/peers.
fn criterion_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("criterion"),
        None => root().join("target/criterion"),
    }
}

fn plan(weights: &str, activations: &str) -> Plan {
    let mut lp = LayerPlan::for_weights(weights.parse().expect("weights"));
    lp.activations = activations.parse().expect("activations");
    Plan::uniform(lp)
}

fn batch_of(data: &Dataset, n: usize) -> Tensor {
    Tensor::new(vec![n, 1, 28, 28], data.images.data()[..n * 784].to_vec()).expect("batch")
}

type Runnable = std::sync::Arc<TypedSimplePlan>;

fn tract_model(path: &std::path::Path, n: usize) -> Runnable {
    tract_onnx::onnx()
        .model_for_path(path)
        .expect("tract reads the model")
        .with_input_fact(0, f32::fact([n, 1, 28, 28]).into())
        .expect("input fact")
        .into_optimized()
        .expect("optimize")
        .into_runnable()
        .expect("runnable")
}

fn tract_input(x: &Tensor) -> TValue {
    let t = tract_ndarray::Array4::from_shape_vec((x.shape()[0], 1, 28, 28), x.data().to_vec()).expect("array");
    tract_onnx::prelude::Tensor::from(t).into()
}

/// Best and median seconds per call over `reps` loops of `inner` calls.
fn timed(mut f: impl FnMut(), reps: usize, inner: usize) -> (f64, f64) {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..inner {
                f();
            }
            s.elapsed().as_secs_f64() / inner as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[0], t[t.len() / 2])
}

fn main() {
    std::env::set_var("RAYON_NUM_THREADS", "1");
    let quick = std::env::var_os("LOWP_BENCH_QUICK").is_some_and(|v| v != "0");
    let model_path = root().join("models/fashion_cnn.onnx");
    let graph: Graph = lowp::nn::onnx::load_file(&model_path).expect("lowp reads the model");
    let data = Dataset::fashion_mnist(Split::Test, Some(64)).expect("apt-get install dataset-fashion-mnist");
    let calibration = Dataset::fashion_mnist(Split::Train, Some(1000)).expect("training images").images;

    let mut c = Criterion::default()
        .sample_size(if quick { 10 } else { 30 })
        .warm_up_time(Duration::from_secs_f64(if quick { 0.3 } else { 1.0 }))
        .measurement_time(Duration::from_secs_f64(if quick { 1.0 } else { 3.0 }))
        .output_directory(&criterion_dir())
        .configure_from_args();

    let models: Vec<(&str, Model)> = PLANS
        .iter()
        .map(|&(label, w, a)| (label, Model::new(&graph, &plan(w, a), Some(&calibration)).expect("plan")))
        .collect();
    let tracts: Vec<Runnable> = BATCHES.iter().map(|&n| tract_model(&model_path, n)).collect();

    let mut rows: Vec<(String, usize, f64, f64)> = Vec::new();
    for (bi, &n) in BATCHES.iter().enumerate() {
        let x = batch_of(&data, n);
        let mut g = c.benchmark_group(format!("cnn_batch{n}"));
        g.throughput(Throughput::Elements(n as u64));
        for (label, m) in &models {
            g.bench_with_input(BenchmarkId::new(*label, n), &x, |b, x| b.iter(|| black_box(m.run(x).expect("run"))));
        }
        let tx = tract_input(&x);
        g.bench_function(BenchmarkId::new("tract-onnx f32", n), |b| {
            b.iter(|| black_box(tracts[bi].run(tvec!(tx.clone())).expect("tract run")))
        });
        g.finish();

        let (reps, inner) = if quick { (5, 2 + 64 / n) } else { (15, 4 + 256 / n) };
        for (label, m) in &models {
            let (best, med) = timed(|| drop(black_box(m.run(&x).expect("run"))), reps, inner);
            rows.push((label.to_string(), n, best, med));
        }
        let (best, med) = timed(|| drop(black_box(tracts[bi].run(tvec!(tx.clone())).expect("tract"))), reps, inner);
        rows.push(("tract-onnx f32".into(), n, best, med));
    }

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    // Whether this binary (and so tract) was compiled for this CPU's AVX2/AVX-512 (RUSTFLAGS
    // -C target-cpu=native), not just SSE2.
    let native = cfg!(target_feature = "avx2");
    let mut md = String::new();
    md.push_str("# CNN inference speed: lowp and tract-onnx, one thread\n\n");
    md.push_str(&format!(
        "Model `models/fashion_cnn.onnx` (1.12 M multiply-adds per image), Fashion-MNIST test images; CPU: {cpu}; \
compiled with AVX2+ enabled (`-C target-cpu=native`): {native}. Best and median of repeated timed loops (same process, after criterion). \
Ratio: images/s over tract-onnx f32's at the same batch (best).\n\n"
    ));
    md.push_str("| case | batch | images/s (best) | images/s (median) | vs tract |\n|---|---:|---:|---:|---:|\n");
    for &n in &BATCHES {
        let tract_best = rows.iter().find(|r| r.0 == "tract-onnx f32" && r.1 == n).map(|r| r.2).unwrap_or(f64::NAN);
        for r in rows.iter().filter(|r| r.1 == n) {
            md.push_str(&format!(
                "| {} | {} | {:.0} | {:.0} | {:.2}× |\n",
                r.0,
                n,
                n as f64 / r.2,
                n as f64 / r.3,
                tract_best / r.2
            ));
        }
    }
    print!("\n{md}");
    let out = root().join("results/cnn_speed.md");
    if let Err(e) = std::fs::write(&out, md) {
        eprintln!("cannot write {}: {e}", out.display());
    }
    c.final_summary();
}
