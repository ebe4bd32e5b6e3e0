//! `lowp infer`: the report, `--json`, `--logits`, a plan file, and typed failures.
//! Needs the Debian package dataset-fashion-mnist (scripts/test.sh installs it).

use std::path::PathBuf;
use std::process::Command;

fn root(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn lowp(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lowp")).args(args).output().expect("run lowp");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn model() -> String {
    root("models/fashion_cnn.onnx").display().to_string()
}

fn last_json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout.lines().last().expect("output")).expect("the last line is JSON")
}

#[test]
fn json_report_and_logits() {
    let dir = std::env::temp_dir().join(format!("lowp-cli-infer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let npy = dir.join("logits.npy");
    let m = model();
    let (code, out, err) =
        lowp(&["infer", &m, "--limit", "300", "--batch", "37", "--json", "--logits", npy.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let j = last_json(&out);
    assert_eq!(j["images"], 300);
    assert_eq!(j["weights"], "f32");
    assert_eq!(j["agreement"], 1.0);
    assert!(j["images_per_s"].as_f64().unwrap() > 0.0);
    let top1 = j["top1"].as_f64().unwrap();
    assert!((0.85..=1.0).contains(&top1), "{top1}");
    // The logits file holds [300, 10] f32 whose argmax gives that top-1.
    let t = lowp::nn::npy::read_npy_f32(&npy).unwrap();
    assert_eq!(t.shape(), &[300, 10]);
    let labels = lowp::nn::idx::Dataset::fashion_mnist(lowp::nn::idx::Split::Test, Some(300)).unwrap().labels;
    let hits = t
        .data()
        .chunks(10)
        .zip(&labels)
        .filter(|(r, &l)| {
            let best = (0..10).fold(0, |b, i| if r[i] > r[b] { i } else { b });
            best == l as usize
        })
        .count();
    assert_eq!(hits as f64 / 300.0, top1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn quantized_plans_and_plan_files() {
    let m = model();
    let (code, out, err) = lowp(&[
        "infer",
        &m,
        "--limit",
        "200",
        "-w",
        "int8-per-row",
        "-a",
        "int8-per-tensor",
        "--calibrate",
        "200",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let j = last_json(&out);
    assert_eq!((j["weights"].as_str(), j["activations"].as_str()), (Some("int8-per-row"), Some("int8-per-tensor")));
    assert!(j["bits_per_weight"].as_f64().unwrap() < 8.2);
    assert!(j["agreement"].as_f64().unwrap() > 0.9);
    assert!(out.contains("top-1"));

    let dir = std::env::temp_dir().join(format!("lowp-cli-plan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("plan.txt");
    std::fs::write(&plan, "# ends in f32\ndefault weights=vsq-int4-v64\n@first weights=f32 activations=f32\n@last weights=f32 activations=f32\n").unwrap();
    let (code, out, err) = lowp(&["infer", &m, "--limit", "100", "--plan", plan.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(last_json(&out)["plan"].as_str().unwrap().contains("vsq-int4-v64"), "{out}");
    std::fs::write(&plan, "default weights=vsq-int4-v64\nnot-a-layer weights=f32\n").unwrap();
    let (code, _, err) = lowp(&["infer", &m, "--limit", "10", "--plan", plan.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("not-a-layer"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn failures_say_why() {
    let m = model();
    let cases: &[(&[&str], &str)] = &[
        (&["infer", "/nonexistent/model.onnx", "--limit", "1"], "/nonexistent/model.onnx"),
        (&["infer", &m, "--limit", "1", "-w", "float9"], "float9"),
        (&["infer", &m, "--limit", "1", "-a", "int3-per-moon"], "int3-per-moon"),
        (&["infer", &m, "--limit", "1", "--accumulate", "kahan"], "kahan"),
        (&["infer", &m, "--limit", "1", "--data", "/nonexistent-dir"], "/nonexistent-dir"),
        (&["infer", &m, "--limit", "1", "--batch", "0"], "--batch"),
        (&["infer", &m, "--limit", "1", "--threads", "0"], "--threads"),
    ];
    for (args, needle) in cases {
        let (code, out, err) = lowp(args);
        assert_ne!(code, 0, "{args:?}: {out}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // A file that is not an ONNX model.
    let (code, _, err) = lowp(&["infer", &root("README.md").display().to_string(), "--limit", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid model"), "{err}");
}
