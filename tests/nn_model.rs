//! The shipped models end to end: import, lowp's f32 path against onnxruntime's stored
//! outputs, and determinism of every plan kind (run to run and across SIMD backends).
//!
//! Needs the Debian package dataset-fashion-mnist (scripts/test.sh installs it).

use std::path::PathBuf;

use lowp::bulk::Backend;
use lowp::nn::idx::{Dataset, Split};
use lowp::nn::npy::read_npy_f32;
use lowp::nn::onnx::load_file;
use lowp::nn::{Graph, LayerPlan, Model, Op, Plan, Tensor};

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn ops(g: &Graph) -> Vec<&'static str> {
    g.nodes().iter().map(|n| n.op.kind()).collect()
}

fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

fn plan(weights: &str, activations: &str, accumulate: &str) -> Plan {
    let mut lp = LayerPlan::for_weights(weights.parse().unwrap());
    lp.activations = activations.parse().unwrap();
    lp.accumulate = accumulate.parse().unwrap();
    Plan::uniform(lp)
}

fn batch(data: &Dataset, from: usize, to: usize) -> Tensor {
    Tensor::new(vec![to - from, 1, 28, 28], data.images.data()[from * 784..to * 784].to_vec()).unwrap()
}

#[test]
fn fashion_cnn_imports_to_the_expected_layers() {
    let g = load_file(path("models/fashion_cnn.onnx")).unwrap();
    assert_eq!(
        ops(&g),
        ["Sub", "Div", "Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Reshape", "Linear", "Relu", "Linear"]
    );
    assert_eq!(g.input_shape(), &[None, Some(1), Some(28), Some(28)]);
    // The exporter-style Shape → Gather → Unsqueeze → Concat → Reshape folded to [0, -1];
    // both BatchNormalizations folded into their convolutions.
    let reshape = g.nodes().iter().find(|n| n.op.kind() == "Reshape").unwrap();
    assert_eq!(reshape.op, Op::Reshape { shape: vec![0, -1] });
    assert!(!ops(&g).contains(&"BatchNormalization"));
    let weights: usize = g
        .nodes()
        .iter()
        .map(|n| match &n.op {
            Op::Conv(c) => c.weight.len(),
            Op::Linear(l) => l.weight.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(weights, 16 * 9 + 32 * 16 * 9 + 64 * 1568 + 10 * 64);
}

/// lowp's f32 path on all 10 000 test images: logits within 1e-4 of the largest |logit| of
/// onnxruntime's (stored beside the model by scripts/model/train_fashion_cnn.py), and the same
/// top-1 class for every image.
#[test]
fn fashion_cnn_f32_matches_onnxruntime() {
    let g = load_file(path("models/fashion_cnn.onnx")).unwrap();
    let ort = read_npy_f32(path("models/fashion_cnn.test_logits.npy")).unwrap();
    assert_eq!(ort.shape(), &[10_000, 10]);
    let data = Dataset::fashion_mnist(Split::Test, None).unwrap();
    let model = Model::new(&g, &Plan::uniform(LayerPlan::F32), None).unwrap();
    let mut logits = Vec::new();
    for b0 in (0..10_000).step_by(500) {
        logits.extend_from_slice(model.run(&batch(&data, b0, b0 + 500)).unwrap().data());
    }
    let largest = ort.data().iter().fold(0f32, |m, v| m.max(v.abs()));
    let (mut worst, mut at) = (0f32, 0);
    for (i, (a, b)) in logits.iter().zip(ort.data()).enumerate() {
        let d = (a - b).abs();
        if d > worst {
            (worst, at) = (d, i);
        }
    }
    println!("largest |logit| {largest}, worst difference {worst:e} at image {} class {}", at / 10, at % 10);
    assert!(worst <= 1e-4 * largest, "logit {at}: lowp {} onnxruntime {}", logits[at], ort.data()[at]);
    let mut hits = 0;
    for i in 0..10_000 {
        let (p, q) = (argmax(&logits[i * 10..i * 10 + 10]), argmax(&ort.data()[i * 10..i * 10 + 10]));
        assert_eq!(p, q, "image {i}: lowp predicts {p}, onnxruntime {q}");
        hits += (p == data.labels[i] as usize) as usize;
    }
    println!("f32 top-1 {:.2} %", hits as f64 / 100.0);
    assert!(hits >= 9_100, "the shipped model should reach 91 % top-1, got {hits} / 10000");
}

/// The exporter-style test graph (depthwise strided conv with asymmetric pads, BN, Clip,
/// AveragePool without pad counting, residual Add, Mul, GlobalAveragePool, Flatten,
/// MatMul + Add, Softmax) against onnxruntime's output for the stored input.
#[test]
fn tiny_exporter_style_matches_onnxruntime() {
    let g = load_file(path("tests/data/nn/tiny_exporter_style.onnx")).unwrap();
    assert_eq!(
        ops(&g),
        ["Conv", "Conv", "Clip", "AveragePool", "Add", "Mul", "GlobalAveragePool", "Flatten", "Linear", "Softmax"]
    );
    let Op::Conv(dw) = &g.nodes()[0].op else { panic!("a convolution first") };
    assert_eq!((dw.groups, dw.stride, dw.pads), (3, [2, 2], [1, 0, 0, 1]));
    let x = read_npy_f32(path("tests/data/nn/tiny_exporter_style.input.npy")).unwrap();
    let want = read_npy_f32(path("tests/data/nn/tiny_exporter_style.output.npy")).unwrap();
    let model = Model::new(&g, &Plan::uniform(LayerPlan::F32), None).unwrap();
    let y = model.run(&x).unwrap();
    assert_eq!(y.shape(), want.shape());
    for (i, (a, b)) in y.data().iter().zip(want.data()).enumerate() {
        assert!((a - b).abs() <= 1e-5, "output {i}: lowp {a}, onnxruntime {b}");
    }
}

/// Every plan kind of the accuracy sweep: the same bits run to run (calibration included),
/// on every SIMD backend, and batch by batch as image by image.
#[test]
fn every_plan_is_deterministic_across_runs_and_backends() {
    let g = load_file(path("models/fashion_cnn.onnx")).unwrap();
    let data = Dataset::fashion_mnist(Split::Test, Some(24)).unwrap();
    let cal = Dataset::fashion_mnist(Split::Train, Some(100)).unwrap().images;
    let x = batch(&data, 0, 24);
    let plans = [
        ("f32", "f32", "f32"),
        ("bf16", "bf16", "f32"),
        ("float8_e4m3fn", "float8_e4m3fn", "f32"),
        ("float8_e5m2", "float8_e5m2", "exsdotp"),
        ("int8-per-row", "int8-per-tensor", "f32"),
        ("int4-per-row", "int8", "f32"),
        ("vsq-int4-v64", "int8", "f32"),
        ("vsq-int4-v64-s6", "int8", "f32"),
        ("mxfp8-e4m3", "mxfp8-e4m3", "f32"),
        ("mxfp4", "int8", "f32"),
        ("nvfp4", "int8", "f32"),
        ("posit16", "posit16", "exact"),
    ];
    let backends = [Backend::Portable, Backend::Avx2, Backend::Avx512];
    for (w, a, acc) in plans {
        let p = plan(w, a, acc);
        let m1 = Model::new(&g, &p, Some(&cal)).unwrap();
        let m2 = Model::new(&g, &p, Some(&cal)).unwrap();
        assert_eq!(m1.activation_scales(), m2.activation_scales(), "{w}: calibration");
        let y = m1.run(&x).unwrap();
        let bits = |t: &Tensor| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&y), bits(&m2.run(&x).unwrap()), "{w}/{a}/{acc}: run to run");
        for b in backends {
            assert_eq!(bits(&y), bits(&m1.run_on(b, &x).unwrap()), "{w}/{a}/{acc}: backend {b:?}");
        }
        for i in [0, 7, 23] {
            let one = m1.run(&batch(&data, i, i + 1)).unwrap();
            assert_eq!(bits(&one), bits(&y)[i * 10..i * 10 + 10].to_vec(), "{w}/{a}/{acc}: image {i} alone");
        }
        let top1 = (0..24).filter(|&i| argmax(&y.data()[i * 10..i * 10 + 10]) == data.labels[i] as usize).count();
        assert!(top1 >= 18, "{w}/{a}/{acc}: {top1} / 24 right: the plan broke the model");
    }
}

#[test]
fn bad_inputs_are_typed_errors() {
    let g = load_file(path("models/fashion_cnn.onnx")).unwrap();
    let model = Model::new(&g, &Plan::uniform(LayerPlan::F32), None).unwrap();
    // Wrong image size, wrong rank, NaN pixel.
    assert!(model.run(&Tensor::zeros(vec![2, 1, 27, 28])).is_err());
    assert!(model.run(&Tensor::zeros(vec![2, 784])).is_err());
    let mut x = Tensor::zeros(vec![1, 1, 28, 28]);
    x.data_mut()[100] = f32::NAN;
    assert!(matches!(model.run(&x), Err(lowp::nn::NnError::NonFinite(_))));
    // A static-scale plan without calibration data.
    assert!(Model::new(&g, &plan("int8-per-row", "int8-per-tensor", "f32"), None).is_err());
    // Truncated model files.
    let bytes = std::fs::read(path("models/fashion_cnn.onnx")).unwrap();
    for cut in [0, 1, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(lowp::nn::onnx::load(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}
