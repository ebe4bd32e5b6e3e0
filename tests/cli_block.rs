//! The block-scaled commands of the `lowp` binary (`quantize`, `analyze`, `formats --block`),
//! run as a process and checked against the library in-process; and the safetensors reader's
//! errors.
#![cfg(feature = "cli")]

use std::collections::HashMap;
use std::path::PathBuf;

use lowp::block::io::{read_safetensors, LoadError, SourceDtype};
use lowp::block::{BlockMatrix, BlockScaled, BlockVector, ErrorStats, NonFinite, Scheme};
use safetensors::{serialize, tensor::TensorView, Dtype};

mod common;

use common::cli::{lowp, ok, value_text as f32_text};

/// Insist on a clean failure (status 1 or 2, a `lowp: error:` or clap message, no panic).
fn fails(args: &[&str], stdin: &str) -> String {
    let e = common::cli::fails(args, stdin);
    assert!(!e.contains("RUST_BACKTRACE"), "{e}");
    assert!(e.starts_with("lowp: error:") || e.starts_with("error:"), "{e}");
    e
}

/// Deterministic test data: a heavy-tailed mix (products of two uniforms, some outliers).
fn data(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 40) as f64 / (1u64 << 24) as f64
    };
    (0..n)
        .map(|i| {
            let (a, b) = (next() - 0.5, next());
            let v = a * b * if i % 37 == 0 { 40.0 } else { 1.0 };
            v as f32
        })
        .collect()
}

fn scheme(name: &str) -> Scheme {
    name.parse().unwrap()
}

// ---------------------------------------------------------------------------------------------
// quantize
// ---------------------------------------------------------------------------------------------

#[test]
fn quantize_values_match_the_library() {
    let x = data(150, 1);
    // Blank lines and comments are ignored.
    let mut input = String::from("# a comment\n\n");
    for v in &x {
        input += &format!("{}\n\n", f32_text(*v));
    }
    for name in [
        "vsq-int4-v64",
        "vsq-int4-v16",
        "vsq-int4-v64-f16",
        "vsq-int4-v64-e4m3",
        "vsq-int4-v64-s6",
        "vsq-int8-v64-mse",
        "mxfp8-e4m3",
        "mxfp6-e3m2",
        "mxfp4",
        "mxint8",
        "nvfp4",
        "int4-per-row",
        "int8-per-tensor",
    ] {
        let q = BlockVector::quantize(&scheme(name), &x).unwrap();
        let want: Vec<String> = q.dequantize().into_iter().map(f32_text).collect();
        assert_eq!(ok(&["quantize", "--scheme", name], &input), want, "{name}");
    }
}

#[test]
fn quantize_codes_show_the_stored_scales_and_codes() {
    let x = data(40, 2);
    let input: String = x.iter().map(|v| format!("{v}\n")).collect();
    // MX: two blocks (32 + 8), E8M0 scales, 4-bit codes, no row scale.
    let q = BlockVector::quantize(&Scheme::mxfp4(), &x).unwrap();
    let lines = ok(&["quantize", "-s", "mxfp4", "--codes"], &input);
    assert_eq!(lines.len(), 2 + 2, "{lines:#?}");
    assert_eq!(q.bits_per_element(), 6.8); // (64·4 + 16) / 40, printed for people:
    assert_eq!(lines[0], "scheme mxfp4  elements 40  blocks 2 of 32  bits/element 6.8");
    assert_eq!(lines[1], "row scale none");
    for k in 0..2 {
        let c = q.scale_code(k);
        let codes: Vec<String> = (32 * k..(32 * k + 32).min(40)).map(|i| format!("0x{:x}", q.code(i))).collect();
        let value = 2f64.powi(c as i32 - 127) as f32;
        assert_eq!(lines[2 + k], format!("block {k}  scale 0x{c:02x} = {value}  codes {}", codes.join(" ")));
    }
    // Two-level VSQ: the row scale γ and 6-bit integer block scales.
    let s = scheme("vsq-int4-v16-s6");
    let q = BlockVector::quantize(&s, &x).unwrap();
    let lines = ok(&["quantize", "-s", "vsq-int4-v16-s6", "--codes"], &input);
    assert_eq!(lines.len(), 2 + 3);
    assert_eq!(lines[1], format!("row scale 0x{:08x} = {}", q.row_scale().to_bits(), q.row_scale()));
    for k in 0..3 {
        let c = q.scale_code(k);
        assert!(c <= 63);
        assert!(lines[2 + k].starts_with(&format!("block {k}  scale 0x{c:02x} = {c}  codes ")), "{}", lines[2 + k]);
    }
    // NVFP4: the tensor scale, E4M3 block scales.
    let q = BlockVector::quantize(&Scheme::nvfp4(), &x).unwrap();
    let lines = ok(&["quantize", "-s", "nvfp4", "--codes"], &input);
    assert_eq!(lines[1], format!("tensor scale 0x{:08x} = {}", q.row_scale().to_bits(), q.row_scale()));
    assert_eq!(lines.len(), 2 + 3);
    // 8-bit codes print two digits; f32 block scales eight.
    let q = BlockVector::quantize(&scheme("vsq-int8-v64"), &x).unwrap();
    let lines = ok(&["quantize", "-s", "vsq-int8-v64", "--codes"], &input);
    let want = format!(
        "block 0  scale 0x{:08x} = {}  codes 0x{:02x} ",
        q.scale_code(0),
        f32::from_bits(q.scale_code(0)),
        q.code(0)
    );
    assert!(lines[2].starts_with(&want), "{}\n{want}", lines[2]);
    // Whole-row scheme: one block, no block scale.
    let lines = ok(&["quantize", "-s", "int4-per-row", "--codes"], &input);
    assert!(lines[0].contains("blocks 1 (the whole row)"), "{}", lines[0]);
    assert!(lines[2].starts_with("block 0  scale none  codes "), "{}", lines[2]);
    assert_eq!(lines[2].split_whitespace().count(), 5 + 40);
}

#[test]
fn quantize_empty_input_prints_nothing() {
    assert!(ok(&["quantize", "-s", "mxfp4"], "").is_empty());
    assert!(ok(&["quantize", "-s", "mxfp4"], "\n\n# nothing\n").is_empty());
}

#[test]
fn quantize_rejects_malformed_numbers_naming_the_line() {
    let e = fails(&["quantize", "-s", "mxfp4"], "1\n\n2\nabc\n3\n");
    assert!(e.contains("line 4") && e.contains("`abc`"), "{e}");
    let e = fails(&["quantize", "-s", "nvfp4"], "1\n2 3\n");
    assert!(e.contains("line 2") && e.contains("`3`"), "{e}");
    let e = fails(&["quantize", "-s", "nvfp4"], "0x3c\n");
    assert!(e.contains("line 1"), "{e}");
}

#[test]
fn quantize_non_finite_is_an_error_unless_nan_block() {
    for bad in ["nan", "inf", "-inf", "NaN"] {
        let e = fails(&["quantize", "-s", "vsq-int4-v64"], &format!("1\n2\n\n{bad}\n4\n"));
        assert!(e.contains("line 4") && e.contains("non-finite") && e.contains("--nan-block"), "{e}");
    }
    // NaN blocks: the block holding the NaN reads NaN, the other blocks are quantized normally.
    let mut x = data(48, 3);
    x[40] = f32::NAN;
    let input: String = x.iter().map(|&v| format!("{}\n", f32_text(v))).collect();
    for name in ["mxfp4", "mxfp8-e4m3", "nvfp4", "vsq-int4-v16-e4m3"] {
        let s = scheme(name).with_non_finite(NonFinite::NanBlock);
        let q = BlockVector::quantize(&s, &x).unwrap();
        let want: Vec<String> = q.dequantize().into_iter().map(f32_text).collect();
        let got = ok(&["quantize", "-s", name, "--nan-block"], &input);
        assert_eq!(got, want, "{name}");
        assert_eq!(got[40], "nan");
        assert_ne!(got[0], "nan");
    }
    let lines = ok(&["quantize", "-s", "mxfp4", "--nan-block", "--codes"], &input);
    assert!(lines[3].starts_with("block 1  scale 0xff = nan  codes 0x0 "), "{}", lines[3]);
    // Schemes whose scales cannot be NaN refuse the option.
    for name in ["int4-per-row", "vsq-int4-v64-s6"] {
        let e = fails(&["quantize", "-s", name, "--nan-block"], "1\n");
        assert!(e.contains("cannot be NaN"), "{e}");
    }
}

#[test]
fn unknown_scheme_lists_the_valid_names() {
    let e = fails(&["quantize", "--scheme", "mxfp5"], "1\n");
    assert!(e.contains("mxfp5"), "{e}");
    for name in Scheme::catalog() {
        assert!(e.contains(&name.to_string()), "{name} missing from {e}");
    }
    let e = fails(&["analyze", "x.safetensors", "--scheme", "mxfp4,bogus"], "");
    assert!(e.contains("bogus") && e.contains("nvfp4"), "{e}");
    fails(&["quantize"], "1\n");
}

// ---------------------------------------------------------------------------------------------
// formats
// ---------------------------------------------------------------------------------------------

#[test]
fn formats_lists_the_block_schemes() {
    let cat = Scheme::catalog();
    let lines = ok(&["formats", "--block"], "");
    assert_eq!(lines.len(), 1 + cat.len() + 1, "{lines:#?}");
    assert!(lines[0].starts_with("block scheme") && lines[0].ends_with("bits/element"));
    for (line, s) in lines[1..].iter().zip(&cat) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cells[0], s.to_string());
        assert_eq!(cells.last().unwrap().parse::<f64>().unwrap(), s.nominal_bits_per_element(), "{line}");
    }
    // Every name shown in the footnote parses.
    for example in ["vsq-int6-v32-bf16", "mxfp8-e4m3-b64", "nvfp4-mse"] {
        assert!(lines.last().unwrap().contains(example));
        example.parse::<Scheme>().unwrap();
    }
    // The full listing ends with the same table.
    let all = ok(&["formats"], "");
    assert_eq!(all[all.len() - lines.len()..], lines[..]);
    // Chosen formats: no block table.
    assert!(!ok(&["formats", "e4m3"], "").iter().any(|l| l.contains("mxfp4")));
}

// ---------------------------------------------------------------------------------------------
// analyze
// ---------------------------------------------------------------------------------------------

/// A path in the temp dir, unique to this process and `name`.
fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("lowp-cli-block-{}-{name}", std::process::id()))
}

/// A temp file, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Write bytes to a temp file.
fn temp_file(name: &str, bytes: &[u8]) -> TempFile {
    let p = temp_path(name);
    std::fs::write(&p, bytes).unwrap();
    TempFile(p)
}

/// A tensor to write: name, dtype, shape, values (rounded to the dtype when written).
struct Spec {
    name: &'static str,
    dtype: Dtype,
    shape: Vec<usize>,
    values: Vec<f32>,
}

impl Spec {
    fn bytes(&self) -> Vec<u8> {
        match self.dtype {
            Dtype::F32 => self.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Dtype::F16 => self.values.iter().flat_map(|&v| half::f16::from_f32(v).to_le_bytes()).collect(),
            Dtype::BF16 => self.values.iter().flat_map(|&v| half::bf16::from_f32(v).to_le_bytes()).collect(),
            Dtype::I64 => self.values.iter().flat_map(|&v| (v as i64).to_le_bytes()).collect(),
            d => panic!("{d:?}"),
        }
    }
    /// The values as the file holds them, widened to f32.
    fn stored(&self) -> Vec<f32> {
        match self.dtype {
            Dtype::F16 => self.values.iter().map(|&v| half::f16::from_f32(v).to_f32()).collect(),
            Dtype::BF16 => self.values.iter().map(|&v| half::bf16::from_f32(v).to_f32()).collect(),
            _ => self.values.clone(),
        }
    }
    fn matrix(&self) -> (usize, usize) {
        let c = *self.shape.last().unwrap();
        (self.shape.iter().product::<usize>() / c, c)
    }
}

fn write_file(specs: &[Spec]) -> Vec<u8> {
    let bytes: Vec<Vec<u8>> = specs.iter().map(Spec::bytes).collect();
    let views: Vec<(&str, TensorView)> = specs
        .iter()
        .zip(&bytes)
        .map(|(s, b)| (s.name, TensorView::new(s.dtype, s.shape.clone(), b).unwrap()))
        .collect();
    serialize(views, None).unwrap()
}

fn weight_specs() -> Vec<Spec> {
    vec![
        Spec { name: "layer0.w", dtype: Dtype::F32, shape: vec![8, 96], values: data(8 * 96, 10) },
        Spec { name: "layer1.w", dtype: Dtype::F16, shape: vec![2, 3, 64], values: data(2 * 3 * 64, 11) },
        Spec { name: "layer2.w", dtype: Dtype::BF16, shape: vec![16, 40], values: data(16 * 40, 12) },
        Spec { name: "layer0.bias", dtype: Dtype::F32, shape: vec![96], values: data(96, 13) },
        Spec { name: "ids", dtype: Dtype::I64, shape: vec![4], values: vec![1.0, 2.0, 3.0, 4.0] },
    ]
}

fn sqnr_text(db: f64) -> String {
    if db.is_infinite() {
        "inf".into()
    } else {
        format!("{db:.2}")
    }
}

/// The table rows of `analyze` keyed by (tensor, scheme): the cells after the scheme.
fn table(lines: &[String]) -> HashMap<(String, String), Vec<String>> {
    assert!(lines[0].starts_with("tensor"), "{lines:#?}");
    let mut m = HashMap::new();
    for l in &lines[1..] {
        if l.is_empty() {
            break;
        }
        if l.starts_with("skipped ") {
            continue;
        }
        let cells: Vec<String> = l.split_whitespace().map(str::to_string).collect();
        m.insert((cells[0].clone(), cells[3].clone()), cells[1..].to_vec());
    }
    m
}

/// The summary rows keyed by scheme.
fn summary(lines: &[String]) -> HashMap<String, Vec<String>> {
    let at = lines.iter().position(|l| l.starts_with("summary over")).expect("summary");
    assert!(lines[at + 1].starts_with("scheme"));
    lines[at + 2..]
        .iter()
        .map(|l| {
            let c: Vec<String> = l.split_whitespace().map(str::to_string).collect();
            (c[0].clone(), c[1..].to_vec())
        })
        .collect()
}

#[test]
fn analyze_matches_error_stats() {
    let specs = weight_specs();
    let file = temp_file("weights.safetensors", &write_file(&specs));
    let path = file.path();
    let lines = ok(&["analyze", path], "");
    let rows = table(&lines);
    let schemes = Scheme::catalog();
    assert_eq!(rows.len(), 3 * schemes.len(), "{lines:#?}");
    // Columns line up: every data row as long as the header (numbers right-aligned).
    let width = lines[0].len();
    assert!(lines[1..=3 * schemes.len()].iter().all(|l| l.len() == width), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("skipped layer0.bias (F32 [96]: rank 1")), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("skipped ids (I64 [4]")), "{lines:#?}");
    let sums = summary(&lines);
    assert_eq!(sums.len(), schemes.len());
    for s in &schemes {
        let (mut bits, mut sig, mut noise, mut max_abs, mut n) = (0f64, 0f64, 0f64, 0f64, 0usize);
        for spec in &specs[..3] {
            let x = spec.stored();
            let (r, c) = spec.matrix();
            let m = BlockMatrix::quantize(s, &x, r, c).unwrap();
            let st = ErrorStats::measure(&x, &m.dequantize()).unwrap();
            let row = &rows[&(spec.name.to_string(), s.to_string())];
            let dtype = format!("{:?}", spec.dtype);
            let shape: Vec<String> = spec.shape.iter().map(usize::to_string).collect();
            let want = [
                dtype,
                shape.join("x"),
                s.to_string(),
                format!("{:.4}", m.bits_per_element()),
                sqnr_text(st.sqnr_db),
                format!("{:.3e}", st.max_abs),
                format!("{:.3e}", st.rel_rms),
            ];
            assert_eq!(row[..], want[..], "{} {s}", spec.name);
            bits += m.bits_per_element() * x.len() as f64;
            sig += x.iter().map(|&v| v as f64 * v as f64).sum::<f64>();
            noise += st.mse * x.len() as f64;
            max_abs = max_abs.max(st.max_abs);
            n += x.len();
        }
        let want = [
            "3".to_string(),
            n.to_string(),
            format!("{:.4}", bits / n as f64),
            sqnr_text(10.0 * (sig / noise).log10()),
            format!("{max_abs:.3e}"),
            format!("{:.3e}", (noise / sig).sqrt()),
        ];
        assert_eq!(sums[&s.to_string()][..], want[..], "summary {s}");
    }
    // A chosen list of schemes, in the order given.
    let lines = ok(&["analyze", path, "--scheme", "nvfp4,mxfp4"], "");
    assert_eq!(table(&lines).len(), 6);
    let sums: Vec<&String> = lines.iter().skip_while(|l| !l.starts_with("scheme")).skip(1).collect();
    assert!(sums[0].starts_with("nvfp4 ") && sums[1].starts_with("mxfp4 "), "{lines:#?}");
    let lines = ok(&["analyze", path, "-s", "vsq-int4-v32-s6"], "");
    assert_eq!(table(&lines).len(), 3);
}

#[test]
fn analyze_reports_non_finite_tensors_and_goes_on() {
    let mut specs = weight_specs();
    specs[1].values[70] = f32::INFINITY; // layer1.w: [2, 3, 64] → row 1, column 6
    let file = temp_file("nonfinite.safetensors", &write_file(&specs));
    let path = file.path();
    // The table and the summary are printed, and the exit status says that some failed.
    let r = lowp(&["analyze", path, "--scheme", "mxfp4,vsq-int4-v64"], "");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("2 of 6 tensor × scheme quantizations failed"), "{}", r.stderr);
    let lines: Vec<String> = r.stdout.lines().map(str::to_string).collect();
    for s in ["mxfp4", "vsq-int4-v64"] {
        let line = lines.iter().find(|l| l.starts_with("layer1.w") && l.contains(&format!(" {s} "))).unwrap();
        assert!(line.contains("error: non-finite value inf at [1, 6]"), "{line}");
    }
    assert_eq!(table(&lines).len(), 6);
    let sums = summary(&lines);
    assert_eq!(sums["mxfp4"][..3], ["2", "(1", "failed)"]);
    // The good tensors are still measured.
    let x = specs[0].stored();
    let m = BlockMatrix::quantize(&Scheme::mxfp4(), &x, 8, 96).unwrap();
    let st = ErrorStats::measure(&x, &m.dequantize()).unwrap();
    assert_eq!(table(&lines)[&("layer0.w".to_string(), "mxfp4".to_string())][4], sqnr_text(st.sqnr_db));
}

#[test]
fn analyze_without_matrices_says_so() {
    let specs = vec![Spec { name: "b", dtype: Dtype::F32, shape: vec![3], values: vec![1.0, 2.0, 3.0] }];
    let file = temp_file("vector.safetensors", &write_file(&specs));
    let path = file.path();
    let lines = ok(&["analyze", path], "");
    assert!(lines[0].contains("no tensor of rank >= 2"), "{lines:#?}");
    assert!(lines[1].starts_with("skipped b (F32 [3]"));
}

/// A file from a header written by hand and `data` bytes.
fn raw_file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut v = (header.len() as u64).to_le_bytes().to_vec();
    v.extend_from_slice(header.as_bytes());
    v.extend_from_slice(data);
    v
}

/// Damaged files, each with the error the library gives.
fn damaged() -> Vec<(&'static str, Vec<u8>)> {
    let good = write_file(&weight_specs());
    let n = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    let mut v = vec![
        ("empty", vec![]),
        ("cut-prefix", good[..5].to_vec()),
        ("cut-header", good[..8 + n / 2].to_vec()),
        ("cut-data", good[..good.len() - 3].to_vec()),
        ("cut-data-start", good[..8 + n + 1].to_vec()),
        ("trailing", [&good[..], &[0u8; 4]].concat()),
        ("garbage-json", raw_file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_off", &[0; 4])),
        ("not-json", raw_file("hello world!", &[])),
        ("not-utf8", {
            let mut f = raw_file("{\"a\":1}", &[]);
            f[10] = 0xff; // inside the name
            f
        }),
        (
            "offset-gap",
            raw_file(
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}}"#,
                &[0; 24],
            ),
        ),
        ("offset-past-end", raw_file(r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8000]}}"#, &[0; 8])),
        // Offsets consistent with the shape but past the end of the file: a cut file.
        (
            "offset-past-end-consistent",
            raw_file(r#"{"a":{"dtype":"F32","shape":[2000],"data_offsets":[0,8000]}}"#, &[0; 8]),
        ),
        ("shape-mismatch", raw_file(r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, &[0; 8])),
        (
            "shape-overflow",
            raw_file(r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}"#, &[0; 8]),
        ),
        ("unknown-dtype", raw_file(r#"{"a":{"dtype":"F7_E9M9","shape":[2],"data_offsets":[0,1]}}"#, &[0; 1])),
    ];
    // Header length past the end of the file, and absurdly large.
    let mut big = good.clone();
    big[..8].copy_from_slice(&1_000_000u64.to_le_bytes());
    v.push(("header-past-end", big.clone()));
    big[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    v.push(("header-huge", big));
    v
}

#[test]
fn read_safetensors_errors_are_typed() {
    for (name, bytes) in damaged() {
        let e = read_safetensors(&bytes).expect_err(name);
        let ok = match name {
            "empty" | "cut-prefix" => matches!(e, LoadError::Truncated { what: "length prefix", needed: 8, .. }),
            "cut-header" | "header-past-end" => matches!(e, LoadError::Truncated { what: "header", .. }),
            "cut-data" | "cut-data-start" | "offset-past-end-consistent" => {
                matches!(e, LoadError::Truncated { what: "tensor data", needed, len } if needed > len)
            }
            "trailing" => matches!(e, LoadError::TrailingBytes { expected, len } if len == expected + 4),
            "garbage-json" | "not-json" | "unknown-dtype" => matches!(e, LoadError::Header(_)),
            "not-utf8" => matches!(&e, LoadError::Header(m) if m.contains("UTF-8")),
            "header-huge" => matches!(&e, LoadError::Header(m) if m.contains(&u64::MAX.to_string())),
            "offset-gap" => matches!(&e, LoadError::Offsets { tensor } if tensor == "b"),
            "offset-past-end" => matches!(e, LoadError::DataLength(_) | LoadError::Truncated { .. }),
            "shape-mismatch" | "shape-overflow" => matches!(e, LoadError::DataLength(_)),
            _ => unreachable!(),
        };
        assert!(ok, "{name}: {e:?}");
        // Display is one readable line; Error is implemented.
        let text = e.to_string();
        assert!(!text.is_empty() && !text.contains('\n'), "{name}: {text}");
        let _: &dyn std::error::Error = &e;
    }
    // Every prefix of a good file is an error, never a panic; the whole file reads back exactly.
    let specs = weight_specs();
    let good = write_file(&specs);
    for cut in 0..good.len() {
        assert!(read_safetensors(&good[..cut]).is_err(), "cut {cut}");
    }
    let w = read_safetensors(&good).unwrap();
    assert_eq!(w.tensors.len(), 4);
    for spec in &specs[..4] {
        let t = w.get(spec.name).unwrap();
        assert_eq!(t.shape, spec.shape);
        assert_eq!(t.data, spec.stored(), "{}", spec.name);
        let want = match spec.dtype {
            Dtype::F32 => SourceDtype::F32,
            Dtype::F16 => SourceDtype::F16,
            _ => SourceDtype::BF16,
        };
        assert_eq!(t.dtype, want);
    }
    assert_eq!(w.get("layer1.w").unwrap().matrix_shape(), Some((6, 64)));
    assert_eq!(w.skipped.len(), 1);
    assert_eq!(w.skipped[0].name, "ids");
    assert_eq!(w.skipped[0].dtype, "I64");
    // I/O errors name the path.
    let missing = temp_path("does-not-exist.safetensors");
    let e = lowp::block::io::load_safetensors(&missing).unwrap_err();
    assert!(matches!(e, LoadError::Io { .. }) && e.to_string().contains("does-not-exist"), "{e}");
}

#[test]
fn analyze_damaged_files_fail_cleanly() {
    for (name, bytes) in damaged() {
        let file = temp_file(&format!("damaged-{name}.safetensors"), &bytes);
        let path = file.path();
        let e = fails(&["analyze", path], "");
        assert!(e.contains(path), "{name}: {e}");
        assert!(
            e.contains("truncated")
                || e.contains("invalid safetensors")
                || e.contains("header accounts for")
                || e.contains("safetensors"),
            "{name}: {e}"
        );
        assert_eq!(e.lines().count(), 1, "{name}: {e}");
    }
    let e = fails(&["analyze", temp_path("missing.safetensors").to_str().unwrap()], "");
    assert!(e.contains("cannot read") && e.contains("missing.safetensors"), "{e}");
}

/// Issue 10 items 6–8: `analyze` refuses what is not a regular file (it used to read
/// `/dev/zero` until memory ran out), reads one tensor at a time; `quantize` says "out of f32
/// range" for finite numbers too large for f32; bits/element is rounded for people.
#[test]
fn analyze_refuses_non_files_and_quantize_reports_range() {
    let e = fails(&["analyze", "/dev/zero"], "");
    assert!(e.contains("/dev/zero is not a regular file"), "{e}");
    let dir = std::env::temp_dir();
    let e = fails(&["analyze", dir.to_str().unwrap()], "");
    assert!(e.contains("is not a regular file"), "{e}");
    let e = fails(&["quantize", "-s", "mxfp4"], "1.0\n1e39\n");
    assert!(e.contains("line 2: the number `1e39` is out of f32 range"), "{e}");
    let e = fails(&["quantize", "-s", "mxfp4"], "-3.5e38\n");
    assert!(e.contains("out of f32 range"), "{e}");
    // Infinities spelled as such are non-finite inputs, as before.
    let e = fails(&["quantize", "-s", "mxfp4"], "inf\n");
    assert!(e.contains("non-finite input inf"), "{e}");
    // 7 elements of vsq-int4-v64: (64·4 + 32) / 7 = 41.142857…
    let lines = ok(&["quantize", "-s", "vsq-int4-v64", "--codes"], "1\n2\n3\n4\n5\n6\n7\n");
    assert!(lines[0].ends_with("bits/element 41.1429"), "{}", lines[0]);
}
