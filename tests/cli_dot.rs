//! The mixed-precision commands of the `lowp` binary (`op … exfma|exsdotp|exvsum|dot --to DST`),
//! run as a process; every expected code comes from the MPFR reference
//! (`lowp::reference::{ref_fused, ref_dot}`), never from the library the binary calls.
//!
//! Random and edge lines (NaN, ∞, ±0, ±max, subnormals, near-cancellations) for each fused
//! operation over several (SRC, DST) pairs under every `--rounding` (both stochastic forms
//! included) and both overflow rules; dot products of lengths 0 to 50 under every
//! `--accumulate`; and the error cases. Seeded (`LOWP_SEED`), the seed printed.
#![cfg(all(feature = "cli", feature = "reference"))]

use lowp::reference::{describe, ref_dot, ref_format, ref_fused, FusedOp, RefFormat, RefValue};
use lowp::rng::SplitMix64;
use lowp::{Overflow, Rounding};

mod common;

use common::cli::{lowp, ok};
use common::rng_seed;

/// Insist on a clean failure (status 1 or 2, a `lowp: error:` or clap message, no panic).
fn fails(args: &[&str], stdin: &str) -> String {
    let e = common::cli::fails(args, stdin);
    assert!(!e.contains("RUST_BACKTRACE"), "{e}");
    assert!(e.starts_with("lowp: error:") || e.starts_with("error:"), "{e}");
    e
}

fn rf(name: &str) -> &'static RefFormat {
    ref_format(name).unwrap_or_else(|| panic!("no reference format {name}"))
}

/// (SRC, DST) pairs: every minifloat once (into f16, bf16 or f32), f16/bf16 into f32, FP4 and
/// FP6 into an 8-bit minifloat.
const PAIRS: [(&str, &str); 14] = [
    ("float8_e4m3fn", "float16"),
    ("float8_e5m2", "bfloat16"),
    ("float8_e4m3fnuz", "float32"),
    ("float8_e5m2fnuz", "float16"),
    ("float8_e4m3b11fnuz", "bfloat16"),
    ("float8_e4m3", "float32"),
    ("float6_e2m3fn", "float16"),
    ("float6_e3m2fn", "float32"),
    ("float4_e2m1fn", "bfloat16"),
    ("float8_e8m0fnu", "float32"),
    ("float16", "float32"),
    ("bfloat16", "float32"),
    ("float4_e2m1fn", "float8_e4m3fn"),
    ("float6_e2m3fn", "float8_e5m2"),
];

/// The `--rounding` argument forms.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Fixed(Rounding, &'static str),
    /// `stochastic:SEED`: one SplitMix64 draw per line.
    Seeded(u64),
    /// `stochastic`: the bits are the last token of each line.
    PerLine,
}

fn modes(seed: u64) -> [Mode; 6] {
    [
        Mode::Fixed(Rounding::NearestEven, "nearest-even"),
        Mode::Fixed(Rounding::TowardZero, "toward-zero"),
        Mode::Fixed(Rounding::Up, "up"),
        Mode::Fixed(Rounding::Down, "down"),
        Mode::Seeded(seed | 1),
        Mode::PerLine,
    ]
}

impl Mode {
    fn arg(self) -> String {
        match self {
            Mode::Fixed(_, name) => name.to_string(),
            Mode::Seeded(s) => format!("stochastic:{s:#x}"),
            Mode::PerLine => "stochastic".into(),
        }
    }
}

/// The value of a code as an `f64` (exact for every format here but `f32` sums, which only
/// steer the choice of test inputs).
fn val(f: &RefFormat, code: u32) -> f64 {
    match f.decode(code) {
        RefValue::Nan => f64::NAN,
        RefValue::Inf { neg } => {
            if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        RefValue::Zero { neg } => {
            if neg {
                -0.0
            } else {
                0.0
            }
        }
        RefValue::Num(q) => q.to_f64(),
    }
}

/// A code with the sign bit set (itself for unsigned formats).
fn neg(f: &RefFormat, code: u32) -> u32 {
    code | f.sign_mask().unwrap_or(0)
}

/// The code of the negated value (itself for unsigned formats).
fn flip(f: &RefFormat, code: u32) -> u32 {
    code ^ f.sign_mask().unwrap_or(0)
}

/// Special and boundary codes: ±0, ±smallest subnormal, ±1, ±max, ±∞, NaN (those that exist).
fn edges(f: &RefFormat) -> Vec<u32> {
    let one = f.from_f64(1.0, Rounding::NearestEven, Overflow::Saturating);
    let mut v = vec![1, one, f.max_finite_code()];
    v.extend(f.zero_code(false));
    v.extend(f.inf_code(false));
    let signed: Vec<u32> = v.iter().map(|&c| neg(f, c)).collect();
    v.extend(signed);
    v.extend(f.canonical_nan());
    v.sort();
    v.dedup();
    v
}

fn random_code(f: &RefFormat, rng: &mut SplitMix64) -> u32 {
    rng.next_u32() & f.code_mask()
}

/// A code: an edge one a quarter of the time, else random.
fn pick(f: &RefFormat, edge: &[u32], rng: &mut SplitMix64) -> u32 {
    if rng.next_u32().is_multiple_of(4) {
        edge[rng.next_u32() as usize % edge.len()]
    } else {
        random_code(f, rng)
    }
}

/// The code of `x` in `f` (nearest-even, saturating), moved by `-1..=1` codes (a neighbour on
/// either side for a near-cancellation).
fn near(f: &RefFormat, x: f64, rng: &mut SplitMix64) -> u32 {
    let c = f.from_f64(x, Rounding::NearestEven, Overflow::Saturating);
    match rng.next_u32() % 3 {
        0 if c & !f.sign_mask().unwrap_or(0) > 0 => c - 1,
        1 if c & !f.sign_mask().unwrap_or(0) < f.max_finite_code() => c + 1,
        _ => c,
    }
}

fn hex(f: &RefFormat, code: u32) -> String {
    let digits = (f.bits() as usize).div_ceil(4).max(2);
    format!("0x{code:0digits$x}")
}

/// The first token of a line of output as a code.
fn code_of(line: &str) -> u32 {
    let t = line.split_whitespace().next().unwrap_or_else(|| panic!("empty output line"));
    u32::from_str_radix(t.strip_prefix("0x").unwrap_or_else(|| panic!("not a code: {line}")), 16).unwrap()
}

/// Same result, bit for bit: NaN too (every operation produces the destination's canonical
/// NaN, as tests/common/mod.rs's `check_code` insists).
fn same(_d: &RefFormat, want: u32, got: u32) -> bool {
    want == got
}

/// The rounding of each line under `mode`, and the text to append to the line.
struct Roundings {
    mode: Mode,
    rng: SplitMix64,
    bits: SplitMix64,
}

impl Roundings {
    fn new(mode: Mode, seed: u64) -> Roundings {
        let rng = SplitMix64::new(match mode {
            Mode::Seeded(s) => s,
            _ => 0,
        });
        Roundings { mode, rng, bits: SplitMix64::new(seed ^ 0x5eed) }
    }
    /// The next line's rounding and its suffix (the per-line random bits).
    fn next(&mut self) -> (Rounding, String) {
        match self.mode {
            Mode::Fixed(r, _) => (r, String::new()),
            Mode::Seeded(_) => (Rounding::Stochastic(self.rng.next_u32()), String::new()),
            Mode::PerLine => {
                let b = self.bits.next_u32();
                (Rounding::Stochastic(b), format!(" {b:#010x}"))
            }
        }
    }
}

fn op_name(op: FusedOp) -> &'static str {
    match op {
        FusedOp::Exfma => "exfma",
        FusedOp::Exsdotp => "exsdotp",
        FusedOp::Exvsum => "exvsum",
    }
}

/// Input lines for `op` from `s` into `d`: the edge cross product (sampled), random codes,
/// and near-cancellations `c ≈ −(a·b + …)` and `a1·b1 = −a0·b0`.
fn fused_lines(op: FusedOp, s: &RefFormat, d: &RefFormat, n: usize, rng: &mut SplitMix64) -> Vec<(Vec<u32>, u32)> {
    let (se, de) = (edges(s), edges(d));
    let k = match op {
        FusedOp::Exsdotp => 4,
        _ => 2,
    };
    let mut lines = Vec::new();
    // Edge against edge: every (a, b) or (a0, a1) of the edges with an edge c (sampled for
    // exsdotp, whose full product is large).
    if k == 2 {
        for &a in &se {
            for &b in &se {
                lines.push((vec![a, b], de[rng.next_u32() as usize % de.len()]));
            }
        }
    } else {
        for _ in 0..se.len() * se.len() {
            let args = (0..4).map(|_| se[rng.next_u32() as usize % se.len()]).collect();
            lines.push((args, de[rng.next_u32() as usize % de.len()]));
        }
    }
    for &c in &de {
        lines.push(((0..k).map(|_| se[rng.next_u32() as usize % se.len()]).collect(), c));
    }
    for i in 0..n {
        let args: Vec<u32> = (0..k).map(|_| pick(s, &se, rng)).collect();
        let v: Vec<f64> = args.iter().map(|&a| val(s, a)).collect();
        let c = match i % 3 {
            0 => pick(d, &de, rng),
            // c ≈ −(the S part): near-total cancellation.
            1 => {
                let part = match op {
                    FusedOp::Exfma => v[0] * v[1],
                    FusedOp::Exsdotp => v[0] * v[1] + v[2] * v[3],
                    FusedOp::Exvsum => v[0] + v[1],
                };
                if part.is_finite() {
                    near(d, -part, rng)
                } else {
                    pick(d, &de, rng)
                }
            }
            // The S terms cancel exactly (a1·b1 = −a0·b0, a1 = −a0), c anything (zeros often).
            _ => {
                let mut args = args;
                match op {
                    FusedOp::Exsdotp => {
                        args[2] = flip(s, args[0]);
                        args[3] = args[1];
                    }
                    _ => args[1] = flip(s, args[0]),
                }
                let c = if rng.next_u32().is_multiple_of(2) {
                    d.zero_code(rng.next_u32().is_multiple_of(2)).unwrap_or(0)
                } else {
                    pick(d, &de, rng)
                };
                lines.push((args, c));
                continue;
            }
        };
        lines.push((args, c));
    }
    lines
}

/// Run one batch through the binary and check every line against the reference.
fn check_fused(op: FusedOp, sname: &str, dname: &str, mode: Mode, saturate: bool, seed: u64, n: usize) -> usize {
    let (s, d) = (rf(sname), rf(dname));
    let mut rng = SplitMix64::new(seed);
    let lines = fused_lines(op, s, d, n, &mut rng);
    let mut roundings = Roundings::new(mode, seed);
    let mut stdin = String::new();
    let mut expect = Vec::new();
    let o = if saturate { Overflow::Saturating } else { Overflow::NonSaturating };
    for (args, c) in &lines {
        let (r, suffix) = roundings.next();
        let text: Vec<String> = args.iter().map(|&a| hex(s, a)).collect();
        stdin += &format!("{} {}{suffix}\n", text.join(" "), hex(d, *c));
        expect.push((ref_fused(op, s, d, args, *c, r, o), r));
    }
    let rounding = mode.arg();
    let mut argv = vec!["op", "--format", sname, op_name(op), "--to", dname, "--rounding", &rounding];
    if saturate {
        argv.push("--saturate");
    }
    let out = ok(&argv, &stdin);
    assert_eq!(out.len(), lines.len(), "lowp {argv:?}: one output line per input line");
    for (i, ((line, (want, r)), (args, c))) in out.iter().zip(&expect).zip(&lines).enumerate() {
        let got = code_of(line);
        if !same(d, *want, got) {
            let args: Vec<String> = args.iter().map(|&a| describe(s, a)).collect();
            panic!(
                "lowp {argv:?}, input line {}: {}({}; c = {}) under {r:?}, {o:?}\n  lowp      {}\n  reference {}\n  seed {seed:#x}",
                i + 1,
                op_name(op),
                args.join(", "),
                describe(d, *c),
                describe(d, got),
                describe(d, *want)
            );
        }
    }
    lines.len()
}

#[test]
fn fused_ops_match_the_reference_under_every_rounding() {
    let seed = rng_seed("fused_ops_match_the_reference_under_every_rounding");
    let mut total = 0;
    for op in [FusedOp::Exfma, FusedOp::Exsdotp, FusedOp::Exvsum] {
        for (p, &(s, d)) in PAIRS.iter().enumerate() {
            for (m, mode) in modes(seed).into_iter().enumerate() {
                // Both overflow rules for every pair, across the modes.
                let saturate = (p + m) % 2 == 1;
                let sub = seed ^ ((p as u64) << 8 | (m as u64) << 4 | op as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                total += check_fused(op, s, d, mode, saturate, sub, 200);
            }
        }
    }
    eprintln!("{total} lines checked");
}

/// Every destination of every minifloat source (f16, bf16, f32; for FP6 and FP4 also the 8-bit
/// minifloats, for FP4 also FP6), nearest-even and one directed mode: the pair table of the
/// binary is complete.
#[test]
fn every_minifloat_into_every_destination() {
    let seed = rng_seed("every_minifloat_into_every_destination");
    let fp8 =
        ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e4m3b11fnuz", "float8_e4m3"];
    for &(s, _) in &PAIRS[..10] {
        let mut dsts = vec!["float16", "bfloat16", "float32"];
        if s.starts_with("float6") || s.starts_with("float4") {
            dsts.extend(fp8);
        }
        if s.starts_with("float4") {
            dsts.extend(["float6_e2m3fn", "float6_e3m2fn"]);
        }
        for d in dsts {
            for (k, op) in [FusedOp::Exfma, FusedOp::Exsdotp, FusedOp::Exvsum].into_iter().enumerate() {
                let mode = if k == 1 {
                    Mode::Fixed(Rounding::Down, "down")
                } else {
                    Mode::Fixed(Rounding::NearestEven, "rne")
                };
                check_fused(op, s, d, mode, false, seed ^ k as u64, 8);
            }
        }
    }
    for s in ["float16", "bfloat16"] {
        check_fused(FusedOp::Exsdotp, s, "float32", Mode::Fixed(Rounding::Up, "up"), true, seed, 30);
    }
}

/// `--to` and `--format` take every spelling of the name.
#[test]
fn destination_names_and_aliases() {
    let input = "0x38 0x38 0x40 0xc0 0x3c00\n0x7f 0x00 0x38 0x38 0x0000\n";
    let want = ok(&["op", "--format", "float8_e4m3fn", "exsdotp", "--to", "float16"], input);
    assert_eq!(want.len(), 2);
    for (f, to) in [("e4m3", "f16"), ("E4M3FN", "half"), ("float8_e4m3fn", "FLOAT16")] {
        assert_eq!(ok(&["op", "-f", f, "exsdotp", "--to", to], input), want, "{f} {to}");
    }
    let input = "0x38 0x38 0x00000000\n";
    let want = ok(&["op", "-f", "e5m2", "exfma", "--to", "float32"], input);
    assert_eq!(ok(&["op", "-f", "float8_e5m2", "exfma", "--to", "f32"], input), want);
    let want = ok(&["op", "-f", "fp4", "exvsum", "--to", "bfloat16"], "0x1 0x2 0x3f80\n");
    assert_eq!(ok(&["op", "-f", "float4_e2m1fn", "exvsum", "--to", "bf16"], "0x1 0x2 0x3f80\n"), want);
    assert_eq!(ok(&["op", "-f", "f16", "exfma", "--to", "f32"], "0x3c00 0x3c00 0x3f800000\n"), ["0x40000000"]);
    assert_eq!(ok(&["op", "-f", "bf16", "exfma", "--to", "float32"], "0x3f80 0x4000 0x3f800000\n"), ["0x40400000"]);
}

/// A few hand-checked answers, `--values`, zero signs and saturation.
#[test]
fn known_answers() {
    // E4M3: 0x38 = 1, 0x40 = 2, 0xc0 = -2; f16 0x3c00 = 1. 1 + 1·2 + 2·(-2) = -1.
    assert_eq!(
        ok(&["op", "-f", "e4m3", "exsdotp", "--to", "f16", "--values"], "0x38 0x40 0x40 0xc0 0x3c00\n"),
        ["0xbc00 -1"]
    );
    // 448·448 + (−200704) = 0 exactly, and +0 under nearest-even, −0 under down.
    assert_eq!(ok(&["op", "-f", "e4m3", "exfma", "--to", "f32"], "0x7e 0x7e 0xc8440000\n"), ["0x00000000"]);
    assert_eq!(
        ok(&["op", "-f", "e4m3", "exfma", "--to", "f32", "-r", "down"], "0x7e 0x7e 0xc8440000\n"),
        ["0x80000000"]
    );
    // 2 · 448² overflows f16: inf, or max = 65504 (shortest: 65500) with --saturate.
    let line = "0x7e 0x7e 0x7e 0x7e 0x0000\n";
    assert_eq!(ok(&["op", "-f", "e4m3", "exsdotp", "--to", "f16", "--values"], line), ["0x7c00 inf"]);
    assert_eq!(ok(&["op", "-f", "e4m3", "exsdotp", "--to", "f16", "--saturate", "--values"], line), ["0x7bff 65500"]);
    // NaN in, f16's NaN out; 0·∞ is NaN (E5M2 has ∞: 0x7c).
    assert_eq!(ok(&["op", "-f", "e4m3", "exfma", "--to", "f16", "--values"], "0x7f 0x38 0x3c00\n"), ["0x7e00 nan"]);
    assert_eq!(ok(&["op", "-f", "e5m2", "exfma", "--to", "f16", "--values"], "0x00 0x7c 0x3c00\n"), ["0x7e00 nan"]);
    // Blank lines are skipped by the fused operations; comments too.
    assert_eq!(ok(&["op", "-f", "fp4", "exvsum", "--to", "f32"], "\n0x2 0x2 0x00000000 # 1 + 1\n\n"), ["0x40000000"]);
}

// ---------------------------------------------------------------------------------------------
// dot
// ---------------------------------------------------------------------------------------------

const HOWS: [&str; 4] = ["exact", "exsdotp", "fma", "f32"];

/// Lines of `a1 b1 a2 b2 …`: lengths 0 to 50, random and edge codes, total cancellation
/// (`x·y` and `−x·y` both present) and a small term after a cancellation.
fn dot_lines(s: &RefFormat, n: usize, rng: &mut SplitMix64) -> Vec<(Vec<u32>, Vec<u32>)> {
    let se = edges(s);
    // Finite edges only for most lines, so that the interesting sums are not all NaN.
    let finite: Vec<u32> = se.iter().copied().filter(|&c| val(s, c).is_finite()).collect();
    let mut lines = vec![(vec![], vec![])];
    for i in 0..n {
        let len = if i < 51 { i } else { rng.next_u32() as usize % 51 };
        let mut a = Vec::with_capacity(len);
        let mut b = Vec::with_capacity(len);
        for _ in 0..len {
            let edge: &[u32] = if i % 10 == 9 { &se } else { &finite };
            a.push(pick(s, edge, rng));
            b.push(pick(s, edge, rng));
        }
        match i % 4 {
            // The second half cancels the first exactly; then a small term.
            1 if len >= 4 => {
                let h = len / 2;
                for j in 0..h.min(len - h) {
                    a[h + j] = flip(s, a[j]);
                    b[h + j] = b[j];
                }
                if len % 2 == 1 {
                    a[len - 1] = 1;
                }
            }
            // Interleaved cancelling pairs: a[2k+1] = −a[2k].
            2 => {
                for j in (1..len).step_by(2) {
                    a[j] = flip(s, a[j - 1]);
                    b[j] = b[j - 1];
                }
            }
            _ => {}
        }
        lines.push((a, b));
    }
    lines
}

fn check_dot(sname: &str, dname: &str, how: Option<&str>, mode: Mode, saturate: bool, seed: u64, n: usize) {
    let (s, d) = (rf(sname), rf(dname));
    let mut rng = SplitMix64::new(seed);
    let lines = dot_lines(s, n, &mut rng);
    let mut roundings = Roundings::new(mode, seed);
    let o = if saturate { Overflow::Saturating } else { Overflow::NonSaturating };
    let mut stdin = String::new();
    let mut expect = Vec::new();
    for (a, b) in &lines {
        let (r, suffix) = roundings.next();
        let mut toks: Vec<String> = Vec::new();
        for (x, y) in a.iter().zip(b) {
            toks.push(hex(s, *x));
            toks.push(hex(s, *y));
        }
        // The empty line (an empty sum) is written as a blank line, or just the bits.
        stdin += &format!("{}{}\n", toks.join(" "), if toks.is_empty() { suffix.trim_start() } else { &suffix });
        expect.push((ref_dot(s, d, a, b, how.unwrap_or("exact"), r, o), r));
    }
    let rounding = mode.arg();
    let mut argv = vec!["op", "--format", sname, "dot", "--to", dname, "--rounding", &rounding];
    if let Some(h) = how {
        argv.extend(["--accumulate", h]);
    }
    if saturate {
        argv.push("--saturate");
    }
    let out = ok(&argv, &stdin);
    assert_eq!(out.len(), lines.len(), "lowp {argv:?}: one output line per input line");
    for (i, ((line, (want, r)), (a, b))) in out.iter().zip(&expect).zip(&lines).enumerate() {
        let got = code_of(line);
        if !same(d, *want, got) {
            let terms: Vec<String> =
                a.iter().zip(b).map(|(&x, &y)| format!("{}·{}", describe(s, x), describe(s, y))).collect();
            panic!(
                "lowp {argv:?}, input line {} (length {}): dot under {r:?}, {o:?}\n  terms     {}\n  lowp      {}\n  reference {}\n  seed {seed:#x}",
                i + 1,
                a.len(),
                terms.join(" + "),
                describe(d, got),
                describe(d, *want)
            );
        }
    }
}

#[test]
fn dot_matches_the_reference_under_every_discipline_and_rounding() {
    let seed = rng_seed("dot_matches_the_reference_under_every_discipline_and_rounding");
    let pairs = [PAIRS[0], PAIRS[1], PAIRS[6], PAIRS[8], PAIRS[2], PAIRS[10], PAIRS[12]];
    for (p, &(s, d)) in pairs.iter().enumerate() {
        for (h, how) in HOWS.into_iter().enumerate() {
            for (m, mode) in modes(seed).into_iter().enumerate() {
                let saturate = (p + h + m) % 2 == 1;
                let sub = seed ^ ((p as u64) << 16 | (h as u64) << 8 | m as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                // Fewer lines for the 16-bit source (its reference is the slowest).
                check_dot(s, d, Some(how), mode, saturate, sub, if s == "float16" { 60 } else { 120 });
            }
        }
    }
}

#[test]
fn dot_defaults_to_exact_and_a_blank_line_is_the_empty_sum() {
    let seed = rng_seed("dot_defaults_to_exact_and_a_blank_line_is_the_empty_sum");
    check_dot("float8_e4m3fn", "float32", None, Mode::Fixed(Rounding::NearestEven, "nearest-even"), false, seed, 60);
    // A blank line is +0; a comment-only line is skipped; commas separate like spaces.
    assert_eq!(
        ok(&["op", "-f", "e4m3", "dot", "--to", "f16"], "\n# a comment\n0x38 0x38, 0x38 0x38\n  \n0xb8 0x00\n"),
        ["0x0000", "0x4000", "0x0000", "0x8000"]
    );
    // The disciplines differ where they should: 1 + 3 · 2^-9 into bf16 (ulp of 1: 2^-7; `--values`
    // prints the shortest decimal that reads back in the format: 1.01 is 1 + 2^-7).
    // Exact and f32: 1 + 0.75 ulp rounds up; fma loses each 2^-9 (below half an ulp);
    // exsdotp: (1 + 2^-9) → 1, then 1 + 2^-8 is a tie → 1 (even).
    let line = "0x38 0x38 0x01 0x38 0x01 0x38 0x01 0x38\n";
    let run = |how: &str| ok(&["op", "-f", "e4m3", "dot", "--to", "bf16", "--accumulate", how, "--values"], line);
    assert_eq!(run("exact"), ["0x3f81 1.01"]);
    assert_eq!(run("f32"), ["0x3f81 1.01"]);
    assert_eq!(run("fma"), ["0x3f80 1"]);
    assert_eq!(run("exsdotp"), ["0x3f80 1"]);
    assert_eq!(ok(&["op", "-f", "e4m3", "dot", "--to", "bf16", "--values"], line), ["0x3f81 1.01"]);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_lines_name_the_line_and_never_panic() {
    let e4m3 = ["op", "-f", "e4m3", "exfma", "--to", "f16"];
    let err = fails(&e4m3, "0x38 0x38 0x3c00\n0x38 0xzz 0x3c00\n");
    assert!(err.contains("line 2") && err.contains("0xzz"), "{err}");
    let err = fails(&e4m3, "0x38 56 0x3c00\n");
    assert!(err.contains("line 1") && err.contains("`56`"), "{err}");
    // a/b codes are checked against SRC, c against DST.
    let err = fails(&e4m3, "0x100 0x38 0x3c00\n");
    assert!(err.contains("0x100") && err.contains("float8_e4m3fn has 8 bits"), "{err}");
    let err = fails(&e4m3, "0x38 0x38 0x10000\n");
    assert!(err.contains("0x10000") && err.contains("float16 has 16 bits"), "{err}");
    let err = fails(&["op", "-f", "fp4", "exvsum", "--to", "f32"], "0x1 0x10 0x0\n");
    assert!(err.contains("0x10") && err.contains("4 bits"), "{err}");
    // Token counts.
    let err = fails(&e4m3, "0x38 0x38\n");
    assert!(err.contains("line 1") && err.contains("exfma takes 3 codes (a b c), got 2"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "exsdotp", "--to", "f32"], "0x38 0x38 0x38 0x38 0x0 0x0\n");
    assert!(err.contains("exsdotp takes 5 codes (a0 b0 a1 b1 c), got 6"), "{err}");
    let err = fails(&["op", "-f", "e5m2", "exvsum", "--to", "bf16"], "0x38 0x38 0x38 0x38\n");
    assert!(err.contains("exvsum takes 3 codes (a0 a1 c), got 4"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "dot", "--to", "f32"], "0x38 0x38\n\n0x38 0x38 0x38\n");
    assert!(err.contains("line 3") && err.contains("pairs") && err.contains("got 3"), "{err}");
    // Stochastic per-line bits.
    let err = fails(&["op", "-f", "e4m3", "exfma", "--to", "f16", "-r", "stochastic"], "0x38 0x38 0x3c00\n");
    assert!(err.contains("line 1") && err.contains("exfma takes 3 codes") && err.contains("random bits"), "{err}");
    let err =
        fails(&["op", "-f", "e4m3", "exfma", "--to", "f16", "-r", "stochastic"], "0x38 0x38 0x3c00 0x1ffffffff\n");
    assert!(err.contains("0x1ffffffff") && err.contains("32-bit"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "dot", "--to", "f16", "-r", "stochastic"], "\n");
    assert!(err.contains("line 1") && err.contains("random bits"), "{err}");
    // Output before the bad line is still written.
    let r = lowp(&e4m3, "0x38 0x38 0x3c00\n0x38\n");
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), "0x4000\n"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let err = fails(&["op", "-f", "e4m3", "exfma"], "0x38 0x38 0x3c00\n");
    assert!(err.contains("exfma needs --to"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "dot"], "");
    assert!(err.contains("dot needs --to"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "exfma", "--to", "float64"], "");
    assert!(err.contains("float64"), "{err}");
    let err = fails(&["op", "-f", "float9", "exfma", "--to", "f16"], "");
    assert!(err.contains("float9"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "exdot", "--to", "f16"], "");
    assert!(err.contains("exdot") && err.contains("exsdotp") && err.contains("dot"), "{err}");
    // A pair outside the table says which destinations there are.
    let err = fails(&["op", "-f", "e4m3", "exfma", "--to", "e5m2"], "0x38 0x38 0x38\n");
    assert!(err.contains("float8_e5m2") && err.contains("float16, bfloat16, float32"), "{err}");
    let err = fails(&["op", "-f", "f32", "exsdotp", "--to", "f16"], "");
    assert!(err.contains("float32") && err.contains("sources"), "{err}");
    let err = fails(&["op", "-f", "posit32", "dot", "--to", "f32"], "");
    assert!(err.contains("posit32") && err.contains("sources"), "{err}");
    let err = fails(&["op", "-f", "posit8", "dot", "--to", "f16"], "");
    assert!(err.contains("posit16, posit32, float32"), "{err}");
    // --accumulate is for dot; unknown disciplines are named.
    let err = fails(&["op", "-f", "e4m3", "exfma", "--to", "f16", "--accumulate", "exact"], "");
    assert!(err.contains("--accumulate is for dot"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "dot", "--to", "f16", "--accumulate", "kahan"], "");
    assert!(err.contains("kahan") && err.contains("exsdotp"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "dot", "--to", "f16", "--rounding", "sideways"], "");
    assert!(err.contains("sideways"), "{err}");
    // The plain operations keep their contract: no --to, --rounding, --saturate, --accumulate.
    for extra in [&["--to", "f16"][..], &["--rounding", "up"], &["--saturate"], &["--accumulate", "fma"]] {
        let mut argv = vec!["op", "-f", "e4m3", "add"];
        argv.extend_from_slice(extra);
        let err = fails(&argv, "0x38 0x38\n");
        assert!(err.contains(extra[0]), "{extra:?}: {err}");
    }
    assert_eq!(ok(&["op", "-f", "e4m3", "add"], "0x38 0x38\n"), ["0x40"]);
}

#[test]
fn help_lists_the_mixed_operations() {
    let help = ok(&["op", "--help"], "").join("\n");
    for word in ["exfma", "exsdotp", "exvsum", "dot", "--to", "--accumulate", "--saturate", "--rounding"] {
        assert!(help.contains(word), "`{word}` missing from `lowp op --help`:\n{help}");
    }
}

// ---------------------------------------------------------------------------------------------
// Posit sources (posit8 → posit16, posit32, f32; posit16 → posit32, f32)
// ---------------------------------------------------------------------------------------------

use lowp::reference::RefPosit;
use rug::Rational;

/// A destination of the posit pairs: a posit or an IEEE reference format.
enum PDst {
    Posit(RefPosit),
    Ieee(&'static RefFormat),
}

impl PDst {
    fn bits(&self) -> u32 {
        match self {
            PDst::Posit(p) => p.n(),
            PDst::Ieee(f) => f.bits(),
        }
    }
    fn value(&self, code: u32) -> Option<Rational> {
        match self {
            PDst::Posit(p) => p.value(u64::from(code)),
            PDst::Ieee(f) => f.decode(code).to_rational(),
        }
    }
    /// Is the code `−0` (IEEE destinations only; posits have one zero)?
    fn neg_zero(&self, code: u32) -> bool {
        match self {
            PDst::Posit(_) => false,
            PDst::Ieee(f) => f.decode(code) == RefValue::Zero { neg: true },
        }
    }
    /// The accumulator as an addend.
    fn addend(&self, code: u32) -> Sum {
        let q = self.value(code);
        let zero = q.as_ref().is_some_and(|q| *q == 0);
        Sum { neg_zero: self.neg_zero(code), pos_zero: zero && !self.neg_zero(code), q }
    }
    /// One reference rounding of an exact sum (`q: None`: NaR / NaN). A zero sum of zeros of
    /// one sign has that sign; any other is `−0` under `Down`, else `+0` (IEEE 754 §6.3, the
    /// fused operations' zero rule).
    fn round(&self, x: Sum, r: Rounding, o: Overflow) -> u32 {
        let v = match x.q {
            None => RefValue::Nan,
            Some(q) if q == 0 => RefValue::Zero { neg: x.neg_zero || (!x.pos_zero && r == Rounding::Down) },
            Some(q) => RefValue::Num(q),
        };
        match self {
            PDst::Posit(p) => p.round(&v, r, o) as u32,
            PDst::Ieee(f) => f.round(&v, r, o),
        }
    }
    fn same(&self, want: u32, got: u32) -> bool {
        want == got
    }
}

/// An exact sum: its value (`None`: NaR) and whether it is a zero made only of `−0` addends,
/// or only of `+0` addends.
#[derive(Clone, Debug)]
struct Sum {
    q: Option<Rational>,
    neg_zero: bool,
    pos_zero: bool,
}

impl Sum {
    fn zero() -> Sum {
        Sum { q: Some(Rational::new()), neg_zero: false, pos_zero: true }
    }
}

/// `c + Σ x·y` (exvsum: `y = 1`), exactly; a product's zero has the xor of its factors' signs
/// (a posit zero is `+`), and the sum is a `−0` zero when every addend is.
fn exact_sum(terms: &[(Option<Rational>, Option<Rational>)], c: Sum) -> Sum {
    let Some(mut s) = c.q else { return Sum { q: None, neg_zero: false, pos_zero: false } };
    let (mut all_neg_zero, mut all_pos_zero) = (c.neg_zero, c.pos_zero);
    for (x, y) in terms {
        let (Some(x), Some(y)) = (x, y) else { return Sum { q: None, neg_zero: false, pos_zero: false } };
        let p = Rational::from(x * y);
        all_neg_zero &= p == 0 && ((*x < 0) != (*y < 0));
        all_pos_zero &= p == 0 && ((*x < 0) == (*y < 0));
        s += p;
    }
    Sum { q: Some(s), neg_zero: all_neg_zero, pos_zero: all_pos_zero }
}

#[test]
fn posit_sources_match_an_exact_sum_rounded_once() {
    let seed = rng_seed("posit_sources_match_an_exact_sum_rounded_once");
    let mut rng = SplitMix64::new(seed);
    let p8 = RefPosit::standard(8);
    let p16 = RefPosit::standard(16);
    let cases: [(&str, &RefPosit, &str, PDst); 5] = [
        ("posit8", &p8, "posit16", PDst::Posit(RefPosit::standard(16))),
        ("posit8", &p8, "posit32", PDst::Posit(RefPosit::standard(32))),
        ("posit8", &p8, "float32", PDst::Ieee(rf("float32"))),
        ("posit16", &p16, "posit32", PDst::Posit(RefPosit::standard(32))),
        ("posit16", &p16, "f32", PDst::Ieee(rf("float32"))),
    ];
    for (sname, s, dname, d) in &cases {
        let smask = s.code_mask() as u32;
        let sedge =
            [0, s.nar() as u32, 1, smask, s.maxpos_code() as u32, s.negate(s.maxpos_code()) as u32, 1 << (s.n() - 2)];
        let scode = |rng: &mut SplitMix64| {
            if rng.next_u32().is_multiple_of(4) {
                sedge[rng.next_u32() as usize % sedge.len()]
            } else {
                rng.next_u32() & smask
            }
        };
        let dmask = u32::MAX >> (32 - d.bits());
        let sval = |c: u32| s.value(u64::from(c));
        for (k, mode) in modes(seed).into_iter().enumerate() {
            let sub = seed ^ (k as u64) << 32;
            // The fused operations.
            for (op, nargs) in [("exfma", 2), ("exsdotp", 4), ("exvsum", 2)] {
                let mut roundings = Roundings::new(mode, sub);
                let (mut stdin, mut expect) = (String::new(), Vec::new());
                for i in 0..150 {
                    let args: Vec<u32> = (0..nargs).map(|_| scode(&mut rng)).collect();
                    let terms: Vec<(Option<Rational>, Option<Rational>)> = if op == "exvsum" {
                        args.iter().map(|&a| (sval(a), Some(Rational::from(1)))).collect()
                    } else {
                        args.chunks(2).map(|p| (sval(p[0]), sval(p[1]))).collect()
                    };
                    // c: random, zero, or the negated S part rounded to D (near-cancellation).
                    let c = match i % 3 {
                        0 => rng.next_u32() & dmask,
                        1 => 0,
                        _ => match exact_sum(&terms, Sum::zero()).q {
                            Some(q) => d.round(
                                Sum { q: Some(-q), neg_zero: false, pos_zero: false },
                                Rounding::NearestEven,
                                Overflow::Saturating,
                            ),
                            None => 0,
                        },
                    };
                    let (r, suffix) = roundings.next();
                    let o = Overflow::NonSaturating;
                    let text: Vec<String> = args.iter().map(|&a| format!("{a:#x}")).collect();
                    stdin += &format!("{} {c:#x}{suffix}\n", text.join(" "));
                    expect.push((d.round(exact_sum(&terms, d.addend(c)), r, o), args, c, r));
                }
                let rounding = mode.arg();
                let argv = ["op", "-f", sname, op, "--to", dname, "-r", &rounding];
                let out = ok(&argv, &stdin);
                assert_eq!(out.len(), expect.len());
                for (line, (want, args, c, r)) in out.iter().zip(&expect) {
                    let got = code_of(line);
                    assert!(
                        d.same(*want, got),
                        "lowp {argv:?}: {op}({args:x?}, c = {c:#x}) under {r:?}: lowp {got:#x}, reference {want:#x}; seed {seed:#x}"
                    );
                }
            }
            // dot: exact, and the chains stepped with one reference rounding per step.
            for how in ["exact", "fma", "exsdotp"] {
                let mut roundings = Roundings::new(mode, sub);
                let (mut stdin, mut expect) = (String::new(), Vec::new());
                for len in 0..40 {
                    let a: Vec<u32> = (0..len).map(|_| scode(&mut rng)).collect();
                    let b: Vec<u32> = (0..len).map(|_| scode(&mut rng)).collect();
                    let (r, suffix) = roundings.next();
                    let o = Overflow::NonSaturating;
                    let terms: Vec<_> = a.iter().zip(&b).map(|(&x, &y)| (sval(x), sval(y))).collect();
                    let mut steps = lowp::reference::RefSplitMix64::new(match r {
                        Rounding::Stochastic(bits) => u64::from(bits),
                        _ => 0,
                    });
                    let mut step = || match r {
                        Rounding::Stochastic(_) => Rounding::Stochastic(steps.next_u32()),
                        r => r,
                    };
                    let want = match how {
                        "exact" if len == 0 => d.round(Sum::zero(), Rounding::NearestEven, o),
                        // The products are the addends (no +0 accumulator).
                        "exact" => {
                            let mut sum = exact_sum(&terms, Sum::zero());
                            sum.neg_zero =
                                exact_sum(&terms, Sum { q: Some(Rational::new()), neg_zero: true, pos_zero: false })
                                    .neg_zero;
                            d.round(sum, step(), o)
                        }
                        _ => {
                            let chunk = if how == "fma" { 1 } else { 2 };
                            let mut acc = d.round(Sum::zero(), Rounding::NearestEven, o);
                            for part in terms.chunks(chunk) {
                                acc = d.round(exact_sum(part, d.addend(acc)), step(), o);
                            }
                            acc
                        }
                    };
                    let toks: Vec<String> = a.iter().zip(&b).map(|(x, y)| format!("{x:#x} {y:#x}")).collect();
                    let line = toks.join(" ");
                    stdin += &format!("{}{}\n", line, if line.is_empty() { suffix.trim_start() } else { &suffix });
                    expect.push((want, a, b, r));
                }
                let rounding = mode.arg();
                let argv = ["op", "-f", sname, "dot", "--to", dname, "-r", &rounding, "--accumulate", how];
                let out = ok(&argv, &stdin);
                assert_eq!(out.len(), expect.len());
                for (line, (want, a, b, r)) in out.iter().zip(&expect) {
                    let got = code_of(line);
                    assert!(
                        d.same(*want, got),
                        "lowp {argv:?}: dot(a = {a:x?}, b = {b:x?}) under {r:?}: lowp {got:#x}, reference {want:#x}; seed {seed:#x}"
                    );
                }
            }
        }
    }
}
