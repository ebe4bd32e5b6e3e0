//! Block-scaled vectors (`lowp::block`) against an exact reference, bit for bit.
//!
//! The reference below is written from the definitions in the docs of `src/block/mod.rs` and
//! `ScaleRule`, independently of `src/block` and of the library's rounding: every quotient is an
//! exact `rug::Rational`; scales and float elements are rounded by the MPFR oracle
//! (`RefFormat::round`, nearest-even, saturating); integers by our own exact
//! round-half-even; E8M0 exponents by exact comparisons with powers of two. From the library
//! it takes only the scheme's description (`Scheme` getters) and the public quantize / read
//! API under test.
//!
//! Checked for every scheme of `Scheme::catalog()` and many variants, on seeded random rows
//! (several distributions) and constructed edge cases (ties, saturation, underflow, zero
//! blocks, lengths around the block):
//!
//! * the row / tensor scale (`f32` bits) and every block scale code are the ones the rule gives;
//! * every element code is `x / scale` correctly rounded (nearest-even, saturating);
//! * `get_exact(i)` is `code · block scale · row scale` exactly, `get(i)` and `dequantize()`
//!   that value correctly rounded to `f32` (IEEE: overflow to ±∞);
//! * `-mse`: the chosen scale's exact squared error is the least over the documented candidate
//!   list, and the choice is the first such candidate in the documented order;
//! * NaN / ±∞: `QuantizeError::NonFinite` with the first index, or under `NonFinite::NanBlock`
//!   a NaN scale for the offending blocks only.
//!
//! Failure messages print the scheme, the case, the seed, the index, the input (value and
//! hex bits, and the inputs of its block) and both results.
#![cfg(feature = "reference")]

mod common;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use common::{rng_seed, SplitMix};
use lowp::block::{
    BlockMatrix, BlockScaled, BlockVector, Element, NonFinite, Outer, QuantizeError, ScaleEncoding, ScaleRule, Scheme,
};
use lowp::reference::{ref_format, RefFormat, RefValue};
use lowp::{Overflow, Rounding};
use rug::{Integer, Rational};

// ---------------------------------------------------------------------------------------------
// Exact helpers
// ---------------------------------------------------------------------------------------------

fn fmt(name: &str) -> &'static RefFormat {
    ref_format(name).unwrap_or_else(|| panic!("reference lacks {name}"))
}

fn f32fmt() -> &'static RefFormat {
    fmt("float32")
}

/// The exact value of a finite `f32`.
fn rat(x: f32) -> Rational {
    Rational::from_f32(x).expect("finite")
}

/// `2^k` exactly.
fn pow2(k: i32) -> Rational {
    Rational::from(1) << k
}

/// `q` rounded to the nearest integer, ties to even, exactly.
fn rhe(q: &Rational) -> Integer {
    let (fract, fl) = q.clone().fract_floor(Integer::new());
    match fract.cmp(&Rational::from((1, 2))) {
        Ordering::Less => fl,
        Ordering::Greater => fl + 1u32,
        Ordering::Equal => {
            if fl.is_even() {
                fl
            } else {
                fl + 1u32
            }
        }
    }
}

/// `⌊log2 a⌋` for `a > 0`, by exact comparisons.
fn floor_log2(a: &Rational) -> i32 {
    assert!(*a > 0);
    let mut k = a.numer().significant_bits() as i32 - a.denom().significant_bits() as i32;
    while pow2(k) > *a {
        k -= 1;
    }
    while pow2(k + 1) <= *a {
        k += 1;
    }
    k
}

/// A `RefValue` from an exact rational with the sign of zero given.
fn refval(q: &Rational, neg_zero: bool) -> RefValue {
    if *q == 0 {
        RefValue::Zero { neg: neg_zero }
    } else {
        RefValue::Num(q.clone())
    }
}

/// The `f32` bits `v` rounds to (nearest-even; IEEE overflow to ±∞).
fn round_f32(v: &RefValue) -> u32 {
    f32fmt().round(v, Rounding::NearestEven, Overflow::NonSaturating)
}

/// Whether `q` is exactly an `f32` value (then returns it).
fn exact_f32(q: &Rational) -> Option<f32> {
    let b = round_f32(&refval(q, false));
    let f = f32::from_bits(b);
    (f.is_finite() && rat(f) == *q).then_some(f)
}

fn fx(x: f32) -> String {
    format!("{x:e} ({:#010x})", x.to_bits())
}

fn show(q: &Rational) -> String {
    format!("{} (~{:e})", q, q.to_f64())
}

// ---------------------------------------------------------------------------------------------
// The reference model of a scheme
// ---------------------------------------------------------------------------------------------

/// An element format, as the reference sees it.
#[derive(Clone, Copy)]
enum RElem {
    /// Signed `b`-bit integers used symmetrically (`|code| ≤ 2^(b−1) − 1`).
    Int(u32),
    /// MXINT8: `c · 2^−6`, `|c| ≤ 127`.
    MxInt8,
    /// A minifloat of the MPFR oracle.
    Float(&'static RefFormat),
}

impl RElem {
    fn of(e: Element) -> RElem {
        match e {
            Element::Int(b) => RElem::Int(b as u32),
            Element::MxInt8 => RElem::MxInt8,
            Element::E4M3 => RElem::Float(fmt("float8_e4m3fn")),
            Element::E5M2 => RElem::Float(fmt("float8_e5m2")),
            Element::E2M3 => RElem::Float(fmt("float6_e2m3fn")),
            Element::E3M2 => RElem::Float(fmt("float6_e3m2fn")),
            Element::E2M1 => RElem::Float(fmt("float4_e2m1fn")),
        }
    }

    /// The largest magnitude produced.
    fn qmax(self) -> Rational {
        match self {
            RElem::Int(b) => Rational::from((1i64 << (b - 1)) - 1),
            RElem::MxInt8 => Rational::from((127, 64)),
            RElem::Float(f) => f.max_finite().clone(),
        }
    }

    /// The code of the exact `q`, nearest-even, saturating (sign of a zero `q` from `neg_zero`).
    fn encode(self, q: &Rational, neg_zero: bool) -> u32 {
        let int = |n: Integer, m: i64, bits: u32| {
            let n = n.to_i64().unwrap_or(if n < 0 { -m } else { m }).clamp(-m, m);
            (n as u32) & ((1u32 << bits) - 1)
        };
        match self {
            RElem::Int(b) => int(rhe(q), (1i64 << (b - 1)) - 1, b),
            RElem::MxInt8 => int(rhe(&Rational::from(q * 64u32)), 127, 8),
            RElem::Float(f) => f.round(&refval(q, neg_zero), Rounding::NearestEven, Overflow::Saturating),
        }
    }

    /// The exact value of a code.
    fn value(self, code: u32) -> RefValue {
        match self {
            RElem::Int(b) => {
                let v = if code >= 1 << (b - 1) { code as i64 - (1i64 << b) } else { code as i64 };
                refval(&Rational::from(v), false)
            }
            RElem::MxInt8 => refval(&Rational::from(((code as u8 as i8) as i64, 64)), false),
            RElem::Float(f) => f.decode(code),
        }
    }

    /// The non-negative values, ascending (0 first).
    fn grid(self) -> Vec<Rational> {
        match self {
            RElem::Int(b) => (0..(1i64 << (b - 1))).map(Rational::from).collect(),
            RElem::MxInt8 => (0..128).map(|c| Rational::from((c, 64))).collect(),
            RElem::Float(f) => {
                let mut v = vec![Rational::new()];
                v.extend(f.values_sorted().iter().map(|(q, _)| q.clone()));
                v
            }
        }
    }
}

/// A block-scale encoding, as the reference sees it.
#[derive(Clone, Copy)]
enum RScale {
    None,
    Fmt(&'static RefFormat),
    E8M0,
    UInt(u32),
}

impl RScale {
    fn of(s: ScaleEncoding) -> RScale {
        match s {
            ScaleEncoding::None => RScale::None,
            ScaleEncoding::F32 => RScale::Fmt(fmt("float32")),
            ScaleEncoding::F16 => RScale::Fmt(fmt("float16")),
            ScaleEncoding::BF16 => RScale::Fmt(fmt("bfloat16")),
            ScaleEncoding::E4M3 => RScale::Fmt(fmt("float8_e4m3fn")),
            ScaleEncoding::E8M0 => RScale::E8M0,
            ScaleEncoding::UInt(m) => RScale::UInt(m as u32),
        }
    }

    /// The exact value of a code; `None` for NaN (or any non-number).
    fn value(self, code: u32) -> Option<Rational> {
        match self {
            RScale::None => Some(Rational::from(1)),
            RScale::Fmt(f) => {
                if code > f.code_mask() {
                    return None;
                }
                f.decode(code).to_rational()
            }
            RScale::E8M0 => (code < 0xff).then(|| pow2(code as i32 - 127)),
            RScale::UInt(m) => (code < (1 << m)).then(|| Rational::from(code)),
        }
    }

    fn is_nan(self, code: u32) -> bool {
        match self {
            RScale::Fmt(f) => code <= f.code_mask() && f.is_nan_code(code),
            RScale::E8M0 => code == 0xff,
            _ => false,
        }
    }

    /// AbsMax rounding of a positive target: nearest-even, saturating, at least the smallest
    /// positive value (integer scales: clamped to `1 ..= 2^M − 1`).
    fn round_target(self, t: &Rational) -> u32 {
        match self {
            RScale::Fmt(f) => {
                let c = f.round(&refval(t, false), Rounding::NearestEven, Overflow::Saturating);
                if f.decode(c).to_rational() == Some(Rational::new()) {
                    1
                } else {
                    c
                }
            }
            RScale::UInt(m) => {
                let max = (1i64 << m) - 1;
                rhe(t).to_i64().unwrap_or(max).clamp(1, max) as u32
            }
            _ => unreachable!("not a rounded scale"),
        }
    }

    /// The next code above `c` (finite), or `c` at the top.
    fn next_up(self, c: u32) -> u32 {
        match self {
            RScale::Fmt(f) => {
                if c < f.code_mask() && matches!(f.decode(c + 1), RefValue::Num(_)) && c + 1 < f.sign_mask().unwrap() {
                    c + 1
                } else {
                    c
                }
            }
            RScale::UInt(m) => (c + 1).min((1 << m) - 1),
            _ => unreachable!(),
        }
    }
}

/// The OCP MX v1.0 `emax_elem` table, by hand.
fn mx_emax(e: Element) -> i32 {
    match e {
        Element::E4M3 => 8,
        Element::E5M2 => 15,
        Element::E2M3 => 2,
        Element::E3M2 => 4,
        Element::E2M1 => 2,
        Element::MxInt8 => 0,
        Element::Int(_) => panic!("not MX"),
    }
}

struct RScheme {
    scheme: Scheme,
    name: String,
    elem: RElem,
    block: usize,
    scale: RScale,
    outer: Outer,
    rule: ScaleRule,
    nan_block: bool,
}

impl RScheme {
    fn new(scheme: Scheme) -> RScheme {
        RScheme {
            scheme,
            name: format!("{scheme}{}", if scheme.non_finite() == NonFinite::NanBlock { " (NanBlock)" } else { "" }),
            elem: RElem::of(scheme.element()),
            block: scheme.block_len(),
            scale: RScale::of(scheme.scale()),
            outer: scheme.outer(),
            rule: scheme.rule(),
            nan_block: scheme.non_finite() == NonFinite::NanBlock,
        }
    }

    /// Whether a NaN/∞ input gives a NaN block (rather than the error).
    fn makes_nan_blocks(&self) -> bool {
        self.nan_block && matches!(self.scale, RScale::Fmt(_) | RScale::E8M0)
    }

    /// The row / tensor scale for finite data of largest magnitude `amax`: `amax / (q_max ·
    /// S_max)` in `f32` (`S_max` = `2^M − 1` for two-level, 448 for NVFP4, else 1), the smallest
    /// positive `f32` when that underflows; 1.0 without an outer scale. Returns `f32` bits.
    fn outer_bits(&self, amax: &Rational) -> u32 {
        if self.outer == Outer::None {
            return 1f32.to_bits();
        }
        let smax = match self.scale {
            RScale::UInt(m) => Rational::from((1i64 << m) - 1),
            RScale::Fmt(f) if f.name() == "float8_e4m3fn" => Rational::from(448),
            RScale::None => Rational::from(1),
            _ => unreachable!("no such outer scale"),
        };
        if *amax == 0 {
            return 0;
        }
        let t = amax / (self.elem.qmax() * smax);
        let c = f32fmt().round(&refval(&t, false), Rounding::NearestEven, Overflow::Saturating);
        if c == 0 {
            1
        } else {
            c
        }
    }

    /// The exact squared error of quantizing `x` with divisor `d`.
    fn sse(&self, x: &[f32], d: &Rational) -> Rational {
        let mut s = Rational::new();
        for &v in x {
            let xv = rat(v);
            let c = self.elem.encode(&Rational::from(&xv / d), v.is_sign_negative());
            let y = self.elem.value(c).to_rational().expect("finite element") * d;
            let e = xv - y;
            s += Rational::from(&e * &e);
        }
        s
    }

    /// One block of finite or non-finite inputs `x` under outer scale `o`.
    /// `lib_code` is the library's scale code, used (after checking it is a candidate of least
    /// error, first in the documented order) by the MSE rule.
    fn block(&self, x: &[f32], o: &Rational, lib_code: u32) -> Result<RBlock, String> {
        let n = x.len();
        if x.iter().any(|v| !v.is_finite()) {
            assert!(self.makes_nan_blocks());
            return Ok(RBlock { scale_code: None, d: None, codes: vec![0; n] });
        }
        let amax = x.iter().map(|&v| rat(v.abs())).max().unwrap_or_default();
        let enc = |d: &Rational| -> Vec<u32> {
            x.iter().map(|&v| self.elem.encode(&(rat(v) / d), v.is_sign_negative())).collect()
        };
        match self.rule {
            ScaleRule::MxFloor | ScaleRule::MxRoundUp => {
                let e = if amax == 0 {
                    -127
                } else {
                    let fl = floor_log2(&amax);
                    let e0 = fl - mx_emax(self.scheme.element());
                    let e = if self.rule == ScaleRule::MxRoundUp {
                        // The least e with amax ≤ 2^e · max_elem.
                        let mut e = e0 - 2;
                        while amax > self.elem.qmax() * pow2(e) {
                            e += 1;
                        }
                        e
                    } else {
                        e0
                    };
                    e.clamp(-127, 127)
                };
                let d = pow2(e);
                Ok(RBlock { scale_code: Some((e + 127) as u32), codes: enc(&d), d: Some(d) })
            }
            _ if matches!(self.scale, RScale::None) => {
                let codes = if *o == 0 { vec![0; n] } else { enc(o) };
                Ok(RBlock { scale_code: Some(0), codes, d: Some(o.clone()) })
            }
            _ if amax == 0 => Ok(RBlock { scale_code: Some(0), codes: vec![0; n], d: Some(Rational::new()) }),
            ScaleRule::AbsMax => {
                let c = self.scale.round_target(&(&amax / (self.elem.qmax() * o)));
                let d = self.scale.value(c).unwrap() * o;
                Ok(RBlock { scale_code: Some(c), codes: enc(&d), d: Some(d) })
            }
            ScaleRule::Mse => {
                let (cands, errs) = self.mse_candidates(x, &amax, o);
                let best = errs.iter().min().unwrap();
                let first = cands[errs.iter().position(|e| e == best).unwrap()];
                let Some(j) = cands.iter().position(|&c| c == lib_code) else {
                    return Err(format!(
                        "MSE: library scale code {lib_code:#x} is not a candidate; candidates (doc order) {:x?} with exact SSE {:?}; least {} at code {first:#x}",
                        cands,
                        errs.iter().map(|e| e.to_f64()).collect::<Vec<_>>(),
                        show(best)
                    ));
                };
                if errs[j] > *best {
                    return Err(format!(
                        "MSE: library scale code {lib_code:#x} has exact SSE {}, candidate {first:#x} has {}",
                        show(&errs[j]),
                        show(best)
                    ));
                }
                if lib_code != first {
                    return Err(format!(
                        "MSE tie order: codes {lib_code:#x} and {first:#x} have the same exact SSE {}; the doc's order (α = 1, 63/64, …, 32/64, then the next code up) picks {first:#x}",
                        show(best)
                    ));
                }
                let d = self.scale.value(first).unwrap() * o;
                Ok(RBlock { scale_code: Some(first), codes: enc(&d), d: Some(d) })
            }
        }
    }

    /// The MSE candidates in the documented order (α = 64/64 … 32/64, then the code above the
    /// AbsMax one), deduplicated, with their exact squared errors.
    fn mse_candidates(&self, x: &[f32], amax: &Rational, o: &Rational) -> (Vec<u32>, Vec<Rational>) {
        let mut cands: Vec<u32> = vec![];
        let base = amax / (self.elem.qmax() * o);
        for num in (32..=64u32).rev() {
            let c = self.scale.round_target(&(&base * Rational::from((num, 64))));
            if !cands.contains(&c) {
                cands.push(c);
            }
        }
        let up = self.scale.next_up(cands[0]);
        if !cands.contains(&up) {
            cands.push(up);
        }
        let errs = cands.iter().map(|&c| self.sse(x, &(self.scale.value(c).unwrap() * o))).collect();
        (cands, errs)
    }
}

/// The reference result of one block: scale code (`None`: NaN), whole divisor, element codes.
struct RBlock {
    scale_code: Option<u32>,
    d: Option<Rational>,
    codes: Vec<u32>,
}

// ---------------------------------------------------------------------------------------------
// Checking a library row against the reference
// ---------------------------------------------------------------------------------------------

static COUNTS: Mutex<BTreeMap<String, [u64; 3]>> = Mutex::new(BTreeMap::new());

fn count(name: &str, rows: u64, blocks: u64, elems: u64) {
    let mut m = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let e = m.entry(name.to_string()).or_default();
    e[0] += rows;
    e[1] += blocks;
    e[2] += elems;
}

fn print_counts(test: &str) {
    let m = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let total: u64 = m.values().map(|v| v[2]).sum();
    eprintln!("{test}: cumulative counts over the tests of this run so far: {} schemes, {total} elements", m.len());
    for (k, v) in m.iter() {
        eprintln!("  {k:<32} rows {:>6}  blocks {:>7}  elements {:>8}", v[0], v[1], v[2]);
    }
}

struct Ctx<'a> {
    scheme: &'a str,
    case: String,
    seed: u64,
}

impl Ctx<'_> {
    /// Panics with everything needed to reproduce: `x` is the row, `base` the offset of the row
    /// in the library's input (matrix rows), `i` the index in the row.
    #[allow(clippy::too_many_arguments)] // a failure report: everything it prints
    fn fail(&self, what: &str, x: &[f32], base: usize, i: Option<usize>, block: usize, want: &str, got: &str) -> ! {
        let b = block.max(1);
        let (idx, input, blk) = match i {
            Some(i) => {
                let k = i / b;
                let blk = &x[k * b..((k + 1) * b).min(x.len())];
                (format!("{} (row index {i}, block {k})", base + i), fx(x[i]), blk)
            }
            None => ("-".to_string(), "-".to_string(), &x[..x.len().min(b)]),
        };
        let bits: Vec<String> = blk.iter().map(|v| format!("{:#010x}", v.to_bits())).collect();
        panic!(
            "{}: {what}\n  case      {}\n  seed      {:#x} (replay with LOWP_SEED={:x})\n  index     {idx}\n  input     {input}\n  block inputs (f32 bits) [{}]\n  reference {want}\n  library   {got}",
            self.scheme,
            self.case,
            self.seed,
            self.seed,
            bits.join(", ")
        );
    }
}

/// Compares an `f32` with the expected bits (NaN by class).
fn same_f32(got: f32, want: u32) -> bool {
    let w = f32::from_bits(want);
    (got.is_nan() && w.is_nan()) || got.to_bits() == want
}

/// Checks one quantized row `lib` of input `x` with expected row-scale bits `outer_bits`.
/// `base` = offset of the row in the library input. Returns the blocks checked.
fn check_row<R: BlockScaled>(ctx: &Ctx, s: &RScheme, x: &[f32], base: usize, lib: &R, outer_bits: u32) -> u64 {
    let b = if s.block == 0 { x.len().max(1) } else { s.block };
    if lib.len() != x.len() {
        ctx.fail("len", x, base, None, b, &x.len().to_string(), &lib.len().to_string());
    }
    if lib.row_scale().to_bits() != outer_bits {
        ctx.fail("row/tensor scale", x, base, None, b, &fx(f32::from_bits(outer_bits)), &fx(lib.row_scale()));
    }
    let o = if s.outer == Outer::None { Rational::from(1) } else { rat(f32::from_bits(outer_bits)) };
    let deq = lib.dequantize();
    if deq.len() != x.len() {
        ctx.fail("dequantize length", x, base, None, b, &x.len().to_string(), &deq.len().to_string());
    }
    let mut blocks = 0;
    for (k, chunk) in x.chunks(b).enumerate() {
        blocks += 1;
        let lib_code = lib.scale_code(k);
        let rb = match s.block(chunk, &o, lib_code) {
            Ok(r) => r,
            Err(e) => ctx.fail(&e, x, base, Some(k * b), b, "(see above)", &format!("scale code {lib_code:#x}")),
        };
        if !matches!(s.scale, RScale::None) {
            let ok = match rb.scale_code {
                Some(c) => c == lib_code,
                None => s.scale.is_nan(lib_code),
            };
            if !ok {
                let want = match rb.scale_code {
                    Some(c) => format!("{c:#x} = {}", s.scale.value(c).map_or("NaN".into(), |v| show(&v))),
                    None => "a NaN code".into(),
                };
                let got = format!("{lib_code:#x} = {}", s.scale.value(lib_code).map_or("NaN".into(), |v| show(&v)));
                ctx.fail(&format!("block {k} scale code"), x, base, Some(k * b), b, &want, &got);
            }
        }
        let bscale = lib.block_scale(k);
        match &rb.d {
            Some(d) => {
                if !bscale.is_finite() || Rational::from_f64(bscale).unwrap() != *d {
                    ctx.fail(&format!("block_scale({k})"), x, base, Some(k * b), b, &show(d), &format!("{bscale:e}"));
                }
            }
            None => {
                if !bscale.is_nan() {
                    ctx.fail(&format!("block_scale({k})"), x, base, Some(k * b), b, "NaN", &format!("{bscale:e}"));
                }
            }
        }
        for (j, &want) in rb.codes.iter().enumerate() {
            let i = k * b + j;
            let got = lib.code(i) as u32;
            if got != want {
                let q = rb.d.as_ref().map_or("NaN block".to_string(), |d| {
                    if *d == 0 {
                        "scale 0".into()
                    } else {
                        format!("x/scale = {}", show(&(rat(x[i]) / d)))
                    }
                });
                ctx.fail(
                    &format!("element code ({q})"),
                    x,
                    base,
                    Some(i),
                    b,
                    &format!("{want:#x} = {}", s.elem.value(want)),
                    &format!("{got:#x} = {}", s.elem.value(got)),
                );
            }
            // The exact value code · scale · row scale and its f32 rounding.
            let exact = match &rb.d {
                None => RefValue::Nan,
                Some(d) => match s.elem.value(want) {
                    RefValue::Zero { neg } => RefValue::Zero { neg },
                    RefValue::Num(v) => refval(&(v * d), false),
                    other => other,
                },
            };
            let ge = lib.get_exact(i);
            let ok = match &exact {
                RefValue::Nan => ge.is_nan(),
                RefValue::Zero { .. } => ge == 0.0,
                RefValue::Num(v) => ge.is_finite() && Rational::from_f64(ge).unwrap() == *v,
                RefValue::Inf { .. } => false,
            };
            if !ok {
                ctx.fail("get_exact", x, base, Some(i), b, &exact.to_string(), &format!("{ge:e}"));
            }
            let want32 = round_f32(&exact);
            let g = lib.get(i);
            if !same_f32(g, want32) {
                ctx.fail(&format!("get (exact {exact})"), x, base, Some(i), b, &fx(f32::from_bits(want32)), &fx(g));
            }
            if !same_f32(deq[i], want32) {
                ctx.fail(
                    &format!("dequantize (exact {exact})"),
                    x,
                    base,
                    Some(i),
                    b,
                    &fx(f32::from_bits(want32)),
                    &fx(deq[i]),
                );
            }
        }
    }
    blocks
}

fn finite_amax(x: &[f32]) -> Rational {
    x.iter().filter(|v| v.is_finite()).map(|&v| rat(v.abs())).max().unwrap_or_default()
}

/// The first non-finite input, if any.
fn first_non_finite(x: &[f32]) -> Option<usize> {
    x.iter().position(|v| !v.is_finite())
}

fn expect_non_finite_error(ctx: &Ctx, x: &[f32], r: Result<(), QuantizeError>, idx: usize) {
    match r {
        Err(QuantizeError::NonFinite { index, value }) if index == idx && (value.to_bits() == x[idx].to_bits()) => {}
        other => ctx.fail(
            "non-finite input",
            x,
            0,
            Some(idx),
            x.len(),
            &format!("Err(NonFinite {{ index: {idx}, value: {} }})", x[idx]),
            &format!("{other:?}"),
        ),
    }
}

/// Quantizes `x` as a `BlockVector` and checks it. Returns false when it was an expected error.
fn check_vector(s: &RScheme, seed: u64, case: &str, x: &[f32]) {
    let ctx = Ctx { scheme: &s.name, case: format!("BlockVector {case}, len {}", x.len()), seed };
    let r = BlockVector::quantize(&s.scheme, x);
    if let Some(idx) = first_non_finite(x) {
        if !s.makes_nan_blocks() {
            return expect_non_finite_error(&ctx, x, r.map(|_| ()), idx);
        }
    }
    let q = match r {
        Ok(q) => q,
        Err(e) => ctx.fail("quantize", x, 0, None, x.len(), "Ok", &format!("{e:?}")),
    };
    let ob = s.outer_bits(&finite_amax(x));
    let blocks = check_row(&ctx, s, x, 0, &q, ob);
    count(&s.name, 1, blocks, x.len() as u64);
}

/// Quantizes `data` as a `rows × cols` `BlockMatrix` and checks every row.
fn check_matrix(s: &RScheme, seed: u64, case: &str, data: &[f32], rows: usize, cols: usize) {
    let ctx = Ctx { scheme: &s.name, case: format!("BlockMatrix {case}, {rows} x {cols}"), seed };
    let r = BlockMatrix::quantize(&s.scheme, data, rows, cols);
    if let Some(idx) = first_non_finite(data) {
        if !s.makes_nan_blocks() {
            return expect_non_finite_error(&ctx, data, r.map(|_| ()), idx);
        }
    }
    let m = match r {
        Ok(m) => m,
        Err(e) => ctx.fail("quantize", data, 0, None, data.len(), "Ok", &format!("{e:?}")),
    };
    let tensor_amax = finite_amax(data);
    let deq = m.dequantize();
    let mut blocks = 0;
    for r in 0..rows {
        let x = &data[r * cols..(r + 1) * cols];
        let ob = match s.outer {
            Outer::Tensor => s.outer_bits(&tensor_amax),
            _ => s.outer_bits(&finite_amax(x)),
        };
        let row = m.row(r);
        let ctx_r = Ctx { scheme: &s.name, case: format!("{} row {r}", ctx.case), seed };
        blocks += check_row(&ctx_r, s, x, r * cols, &row, ob);
        if m.row_scales()[r].to_bits() != ob {
            ctx_r.fail("row_scales()", x, r * cols, None, cols, &fx(f32::from_bits(ob)), &fx(m.row_scales()[r]));
        }
        for i in 0..cols {
            if deq[r * cols + i].to_bits() != row.get(i).to_bits()
                && !(deq[r * cols + i].is_nan() && row.get(i).is_nan())
            {
                ctx_r.fail("matrix dequantize", x, r * cols, Some(i), cols, &fx(row.get(i)), &fx(deq[r * cols + i]));
            }
        }
    }
    count(&s.name, rows as u64, blocks, data.len() as u64);
}

// ---------------------------------------------------------------------------------------------
// Schemes and data
// ---------------------------------------------------------------------------------------------

fn parse(n: &str) -> Scheme {
    n.parse().unwrap_or_else(|e| panic!("{n}: {e}"))
}

/// Variants beyond the catalog: every integer width and vector length, every scale encoding,
/// two-level M = 4..=8, `-ceil` for every MX element, `-mse` on every searchable encoding,
/// other block lengths for MX / NVFP4, every per-row / per-tensor width.
fn variants() -> Vec<Scheme> {
    let mut v = vec![];
    for b in 2..=8 {
        for len in [16, 32, 64, 128] {
            v.push(format!("vsq-int{b}-v{len}"));
        }
        for sc in ["f16", "bf16", "e4m3"] {
            v.push(format!("vsq-int{b}-v{}-{sc}", [16, 32, 64, 128][b % 4]));
        }
        for m in 4..=8 {
            v.push(format!("vsq-int{b}-v{}-s{m}", [16, 32, 64, 128][(b + m) % 4]));
        }
        v.push(format!("int{b}-per-row"));
        v.push(format!("int{b}-per-tensor"));
    }
    for e in ["mxfp8-e4m3", "mxfp8-e5m2", "mxfp6-e2m3", "mxfp6-e3m2", "mxfp4", "mxint8"] {
        v.push(format!("{e}-ceil"));
        v.push(format!("{e}-b64"));
    }
    v.push("mxfp4-b16-ceil".into());
    v.push("nvfp4-b32".into());
    v.push("nvfp4-b64".into());
    let v: Vec<Scheme> = v.iter().map(|n| parse(n)).collect();
    let cat = Scheme::catalog();
    v.into_iter().filter(|s| !cat.contains(s)).collect()
}

fn mse_variants() -> Vec<Scheme> {
    [
        "vsq-int4-v64-f16-mse",
        "vsq-int4-v64-bf16-mse",
        "vsq-int4-v64-e4m3-mse",
        "vsq-int3-v16-mse",
        "vsq-int8-v32-mse",
        "vsq-int2-v64-f16-mse",
        "vsq-int4-v32-s4-mse",
        "vsq-int8-v64-s8-mse",
        "vsq-int2-v16-s5-mse",
        "nvfp4-mse",
    ]
    .iter()
    .map(|n| parse(n))
    .collect()
}

/// One random finite `f32` of distribution `dist`.
fn gen_value(rng: &mut SplitMix, dist: u32, mag: f32) -> f32 {
    let v = match dist {
        // uniform in ±mag
        0 => (rng.next_f64() * 2.0 - 1.0) as f32 * mag,
        // normal-ish (Box–Muller)
        1 => {
            let (a, b) = (rng.next_f64().max(1e-300), rng.next_f64());
            ((-2.0 * a.ln()).sqrt() * (std::f64::consts::TAU * b).cos()) as f32 * mag
        }
        // heavy-tailed (Cauchy)
        2 => ((std::f64::consts::PI * (rng.next_f64() - 0.5)).tan() * mag as f64) as f32,
        // any finite f32 (every binade, subnormals included)
        3 => loop {
            let f = f32::from_bits(rng.next_u32());
            if f.is_finite() {
                break f;
            }
        },
        // subnormals and the smallest normals
        4 => f32::from_bits((rng.next_u32() % 0x0100_0000) | (rng.next_u32() & 0x8000_0000)),
        // near f32::MAX
        5 => f32::from_bits((0x7f7f_ffff - (rng.next_u32() % 0x0080_0000)) | (rng.next_u32() & 0x8000_0000)),
        // small integers times a power of two (many exact ties)
        6 => (rng.next_u32() % 257) as f32 - 128.0,
        // a wide log-uniform spread around mag
        _ => {
            let e = (rng.next_u32() % 40) as i32 - 20;
            let s = if rng.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
            s * mag * 2f32.powi(e) * (1.0 + rng.next_f64() as f32)
        }
    };
    let v = if dist == 6 { v * mag } else { v };
    if v.is_finite() {
        v
    } else {
        f32::MAX.copysign(v)
    }
}

/// A random row: one distribution for the row, blocks rescaled by random powers of two,
/// sprinkled with ±0.
fn gen_row(rng: &mut SplitMix, n: usize, block: usize) -> (Vec<f32>, String) {
    let dist = rng.next_u32() % 8;
    let mag = 2f32.powi((rng.next_u32() % 61) as i32 - 30);
    let rescale = rng.next_u32().is_multiple_of(2) && matches!(dist, 0 | 1 | 2 | 6 | 7);
    let zeros = rng.next_u32().is_multiple_of(3);
    let b = block.max(1);
    let mut x = Vec::with_capacity(n);
    let mut f = 1f32;
    for i in 0..n {
        if i % b == 0 && rescale {
            f = 2f32.powi((rng.next_u32() % 25) as i32 - 12);
        }
        let mut v = gen_value(rng, dist, mag) * f;
        if !v.is_finite() {
            v = f32::MAX.copysign(v);
        }
        if zeros && rng.next_u32().is_multiple_of(8) {
            v = if rng.next_u32() & 1 == 0 { 0.0 } else { -0.0 };
        }
        x.push(v);
    }
    (x, format!("random dist {dist} mag {mag:e} rescale {rescale} zeros {zeros}"))
}

fn block_of(s: &Scheme) -> usize {
    if s.block_len() == 0 {
        64
    } else {
        s.block_len()
    }
}

/// Random rows (vector) and matrices for one scheme; `rows` random rows of random lengths.
fn random_cases(s: &Scheme, seed: u64, nrows: usize) {
    let rs = RScheme::new(*s);
    let mut rng = SplitMix::new(seed ^ hash(&rs.name));
    let b = block_of(s);
    for _ in 0..nrows {
        let n = match rng.next_u32() % 4 {
            0 => b * (1 + rng.next_u32() as usize % 4),
            1 => rng.next_u32() as usize % (3 * b + 1),
            2 => b * 2 + 1,
            _ => rng.next_u32() as usize % 300,
        };
        let (x, case) = gen_row(&mut rng, n, s.block_len());
        check_vector(&rs, seed, &case, &x);
    }
    for _ in 0..(nrows / 6).max(1) {
        let rows = 1 + rng.next_u32() as usize % 4;
        let cols = match rng.next_u32() % 3 {
            0 => b,
            1 => 2 * b + 3,
            _ => 1 + rng.next_u32() as usize % (2 * b),
        };
        let mut data = vec![];
        let mut case = String::new();
        for _ in 0..rows {
            let (x, c) = gen_row(&mut rng, cols, s.block_len());
            data.extend(x);
            case = c;
        }
        check_matrix(&rs, seed, &format!("rows of {case}"), &data, rows, cols);
    }
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn catalog_random() {
    let t = Instant::now();
    let seed = rng_seed("block_ref::catalog_random");
    for s in Scheme::catalog() {
        if s.rule() == ScaleRule::Mse {
            continue; // mse_search below
        }
        random_cases(&s, seed, 500);
    }
    eprintln!("catalog_random: {:?}", t.elapsed());
    print_counts("catalog_random");
}

#[test]
fn variants_random() {
    let t = Instant::now();
    let seed = rng_seed("block_ref::variants_random");
    for s in variants() {
        random_cases(&s, seed, 80);
    }
    eprintln!("variants_random: {:?}", t.elapsed());
    print_counts("variants_random");
}

#[test]
fn mse_search() {
    let t = Instant::now();
    let seed = rng_seed("block_ref::mse_search");
    let mut all: Vec<Scheme> = Scheme::catalog().into_iter().filter(|s| s.rule() == ScaleRule::Mse).collect();
    all.extend(mse_variants());
    for s in all {
        let rs = RScheme::new(s);
        let mut rng = SplitMix::new(seed ^ hash(&rs.name));
        let b = s.block_len();
        for _ in 0..25 {
            let n = [b, 2 * b, b + 1, 3 * b - 1][rng.next_u32() as usize % 4];
            let (x, case) = gen_row(&mut rng, n, b);
            check_vector(&rs, seed, &case, &x);
        }
        for case in edge_rows(&s) {
            check_vector(&rs, seed, &case.0, &case.1);
        }
        let (x, case) = gen_row(&mut rng, 2 * b * 3, b);
        check_matrix(&rs, seed, &case, &x, 3, 2 * b);
    }
    eprintln!("mse_search: {:?}", t.elapsed());
    print_counts("mse_search");
}

/// Constructed rows: lengths at the edges, zero blocks, ±0, one nonzero, saturation and
/// underflow of the scales, subnormals, f32::MAX.
fn edge_rows(s: &Scheme) -> Vec<(String, Vec<f32>)> {
    let b = block_of(s);
    let mut v: Vec<(String, Vec<f32>)> = vec![];
    let ramp = |n: usize, m: f32| -> Vec<f32> { (0..n).map(|i| ((i * 37 % 23) as f32 - 11.0) * m).collect() };
    for n in [0, 1, b - 1, b, b + 1, 1000] {
        v.push((format!("ramp len {n}"), ramp(n, 0.37)));
    }
    v.push(("all zero".into(), vec![0.0; b]));
    v.push(("all -0".into(), vec![-0.0; b + 3]));
    v.push(("±0 mixed".into(), (0..2 * b).map(|i| if i % 3 == 0 { -0.0 } else { 0.0 }).collect()));
    let mut z = ramp(3 * b, 1.0);
    z[b..2 * b].iter_mut().for_each(|x| *x = 0.0);
    v.push(("a zero block between two others".into(), z));
    let mut z = ramp(2 * b, 0.5);
    z[..b].iter_mut().enumerate().for_each(|(i, x)| *x = if i % 2 == 0 { -0.0 } else { 0.0 });
    z[3] = -0.0;
    v.push(("a ±0 block, then -0 inside a nonzero block".into(), z));
    for &one in &[1.0f32, -3.0, 1e-30, -2.5e37, f32::MAX, -f32::MAX, f32::from_bits(1), -f32::MIN_POSITIVE] {
        let mut x = vec![0.0; b + 1];
        x[b / 2] = one;
        v.push((format!("one nonzero {one:e}"), x));
    }
    // Scales that saturate: f16 (amax/q_max > 65504), E4M3 (> 448), bf16/f32 near f32::MAX.
    for amax in [1e6f32, 65504.0 * 7.5, 3.0e5, 1e4, 3300.0, 448.0 * 7.0 + 1.0, 3.0e38, f32::MAX] {
        let mut x = ramp(b * 2, amax / 11.0);
        x[1] = amax;
        x[b + 2] = -amax;
        v.push((format!("large amax {amax:e}"), x));
    }
    // Scales that underflow: amax tiny.
    for amax in [1e-10f32, 1e-20, 1e-38, 1e-44, f32::from_bits(1), f32::from_bits(7), 3e-9] {
        let mut x = ramp(b * 2, amax / 11.0);
        x[0] = amax;
        x[b] = -amax;
        v.push((format!("small amax {amax:e}"), x));
    }
    // Subnormal rows and rows near f32::MAX.
    v.push((
        "subnormal ramp".into(),
        (0..2 * b + 5).map(|i| f32::from_bits((i as u32 * 48271) % 0x0080_0000)).collect(),
    ));
    v.push((
        "near max".into(),
        (0..2 * b + 5)
            .map(|i| {
                f32::from_bits(0x7f7f_ffff - (i as u32 * 7919) % 0x0040_0000) * if i % 2 == 0 { 1.0 } else { -1.0 }
            })
            .collect(),
    ));
    // Blocks of wildly different magnitude in one row (two-level S clamps to 1, NVFP4 block
    // scales underflow against the tensor scale).
    let mut w = vec![];
    for k in 0..6 {
        let m = 2f32.powi(-24 * k + 60);
        w.extend(ramp(b, m));
    }
    v.push(("blocks from 2^60 down to 2^-60".into(), w));
    v
}

#[test]
fn edge_cases() {
    let t = Instant::now();
    let seed = rng_seed("block_ref::edge_cases");
    let mut all = Scheme::catalog();
    all.extend(variants().into_iter().step_by(3));
    for s in all {
        if s.rule() == ScaleRule::Mse {
            continue;
        }
        let rs = RScheme::new(s);
        for (case, x) in edge_rows(&s) {
            check_vector(&rs, seed, &case, &x);
        }
        // Matrices at the edges: 0 rows, 0 columns, one column, rows of different magnitude.
        let b = block_of(&s);
        for (rows, cols) in [(0, b), (0, 0), (1, 1), (3, b - 1), (2, b), (2, b + 1), (4, 1), (1, 1000)] {
            let data: Vec<f32> = (0..rows * cols)
                .map(|i| ((i * 13 % 17) as f32 - 8.0) * 2f32.powi((i / cols.max(1)) as i32 * 9 - 9))
                .collect();
            check_matrix(&rs, seed, "edge shape", &data, rows, cols);
        }
    }
    eprintln!("edge_cases: {:?}", t.elapsed());
    print_counts("edge_cases");
}

/// Rows made of exact ties: for a chosen amax the reference finds the block's whole divisor
/// `d`, and the block holds `amax` plus `m · d` for every midpoint `m` of adjacent element
/// values (and the saturation threshold), both signs, and their `f32` neighbours — whatever
/// of it is an `f32` no larger than the block's amax.
fn tie_rows(s: &Scheme) -> Vec<(String, Vec<f32>)> {
    let rs = RScheme::new(*s);
    let elem = rs.elem;
    let grid = elem.grid();
    let mut mids: Vec<Rational> = grid.windows(2).map(|w| Rational::from(&w[0] + &w[1]) / 2u32).collect();
    // The saturation threshold (midpoint between max and the next grid point up).
    if let RElem::Float(f) = elem {
        mids.push(Rational::from(f.max_finite() + f.virtual_above_max()) / 2u32);
    } else {
        let m = elem.qmax();
        let step = if matches!(elem, RElem::MxInt8) { Rational::from((1, 64)) } else { Rational::from(1) };
        mids.push(m + step / 2u32);
    }
    let qtot = {
        let smax = match rs.scale {
            RScale::UInt(m) => Rational::from((1i64 << m) - 1),
            RScale::Fmt(f) if rs.outer == Outer::Tensor && f.name() == "float8_e4m3fn" => Rational::from(448),
            _ => Rational::from(1),
        };
        elem.qmax() * smax
    };
    let b = block_of(s);
    let mut out = vec![];
    for e in [0i32, -7, 9, -40, 30, -120] {
        let mut amaxes = vec![(&qtot * pow2(e))];
        if matches!(rs.scale, RScale::E8M0) {
            // The top of the binade: the floor rule saturates the largest elements.
            amaxes.push(pow2(e + mx_emax(s.element()) + 1) - pow2(e + mx_emax(s.element()) - 20));
        }
        for amax_q in amaxes {
            let Some(amax) = exact_f32(&amax_q) else { continue };
            let o = rat(f32::from_bits(rs.outer_bits(&amax_q)));
            let o = if rs.outer == Outer::None { Rational::from(1) } else { o };
            let d = match rs.block(&[amax], &o, 0) {
                Ok(r) => r.d.unwrap(),
                Err(_) => continue,
            };
            let mut vals = vec![];
            for m in &mids {
                let Some(t) = exact_f32(&Rational::from(m * &d)) else { continue };
                for v in [t, f32::from_bits(t.to_bits() + 1), f32::from_bits(t.to_bits() - 1)] {
                    if rat(v) <= amax_q && v > 0.0 {
                        vals.push(v);
                        vals.push(-v);
                    }
                }
            }
            if vals.is_empty() {
                continue;
            }
            let mut x = vec![];
            for chunk in vals.chunks(b - 1) {
                x.push(amax);
                x.extend_from_slice(chunk);
            }
            out.push((format!("ties amax {amax:e} d {}", show(&d)), x));
        }
        // Two-level VSQ and NVFP4: blocks below the row's / tensor's amax, so that block scales
        // other than the largest come up (S = 1, 3, 2^(M−1) + 1; E4M3 1, 13/64, 2^−9, 240).
        let levels: Vec<Rational> = match rs.scale {
            RScale::UInt(m) => [1i64, 3, (1 << (m - 1)) + 1].map(Rational::from).to_vec(),
            RScale::Fmt(_) if rs.outer == Outer::Tensor => {
                vec![Rational::from(1), Rational::from((13, 64)), pow2(-9), Rational::from(240)]
            }
            _ => vec![],
        };
        let row_amax = &qtot * pow2(e);
        let (Some(ra), false) = (exact_f32(&row_amax), levels.is_empty()) else { continue };
        let o = rat(f32::from_bits(rs.outer_bits(&row_amax)));
        let mut x = vec![ra];
        x.resize(b, 0.0);
        for v in &levels {
            let amax_b_q = (elem.qmax() * v) * &o;
            let Some(amax_b) = exact_f32(&amax_b_q) else { continue };
            let Ok(RBlock { d: Some(d), .. }) = rs.block(&[amax_b], &o, 0) else { continue };
            let mut vals = vec![];
            for m in &mids {
                let Some(t) = exact_f32(&Rational::from(m * &d)) else { continue };
                for v in [t, f32::from_bits(t.to_bits() + 1), f32::from_bits(t.to_bits() - 1)] {
                    if rat(v) <= amax_b_q && v > 0.0 {
                        vals.push(v);
                        vals.push(-v);
                    }
                }
            }
            for chunk in vals.chunks(b - 1) {
                x.push(amax_b);
                x.extend_from_slice(chunk);
                x.resize(x.len().div_ceil(b) * b, 0.0);
            }
        }
        if x.len() > b {
            out.push((format!("ties under row/tensor amax {ra:e}"), x));
        }
    }
    out
}

#[test]
fn ties() {
    let t = Instant::now();
    let seed = rng_seed("block_ref::ties");
    let mut all = Scheme::catalog();
    all.extend(variants().into_iter().skip(1).step_by(2));
    all.extend(mse_variants());
    let mut n = 0;
    for s in all {
        let rsch = RScheme::new(s);
        for (case, x) in tie_rows(&s) {
            check_vector(&rsch, seed, &case, &x);
            n += 1;
            let b = block_of(&s);
            let rows = x.len() / b;
            if rows >= 2 && s.rule() != ScaleRule::Mse {
                check_matrix(&rsch, seed, &case, &x[..rows * b], rows, b);
            }
        }
    }
    assert!(n > 50, "only {n} tie rows built");
    eprintln!("ties: {n} rows, {:?}", t.elapsed());
    print_counts("ties");
}

#[test]
fn non_finite() {
    let t = Instant::now();
    let seed = rng_seed("block_ref::non_finite");
    let mut rng = SplitMix::new(seed);
    let mut all = Scheme::catalog();
    all.extend(variants().into_iter().step_by(4));
    for s in all {
        for policy in [NonFinite::Error, NonFinite::NanBlock] {
            let rs = RScheme::new(s.with_non_finite(policy));
            let b = block_of(&s);
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN] {
                for _ in 0..3 {
                    let n = b * 3 + 5;
                    let (mut x, case) = gen_row(&mut rng, n, s.block_len());
                    let i = rng.next_u32() as usize % n;
                    x[i] = bad;
                    if rng.next_u32().is_multiple_of(2) {
                        let j = rng.next_u32() as usize % n;
                        x[j] = f32::NAN;
                    }
                    check_vector(&rs, seed, &format!("{case}, {bad} at {i}"), &x);
                    let rows = 3;
                    let cols = n / rows;
                    check_matrix(&rs, seed, &format!("{case}, {bad} at {i}"), &x[..rows * cols], rows, cols);
                }
            }
            // Which schemes make NaN blocks, by hand: those with f32/f16/bf16/E4M3/E8M0 block
            // scales (MX, NVFP4, one-level VSQ); two-level VSQ and per-row/tensor still error.
            let want_nan = policy == NonFinite::NanBlock
                && matches!(
                    s.scale(),
                    ScaleEncoding::F32
                        | ScaleEncoding::F16
                        | ScaleEncoding::BF16
                        | ScaleEncoding::E4M3
                        | ScaleEncoding::E8M0
                );
            let mut x = vec![1.0f32; 2 * b];
            x[b + 1] = f32::INFINITY;
            let r = BlockVector::quantize(&rs.scheme, &x);
            assert_eq!(r.is_ok(), want_nan, "{}: NanBlock applies? {r:?}", rs.name);
            if let Ok(q) = r {
                assert!((0..b).all(|i| q.get(i).is_finite()), "{}: the finite block", rs.name);
                assert!((b..2 * b).all(|i| q.get(i).is_nan()), "{}: the NaN block", rs.name);
            }
        }
    }
    eprintln!("non_finite: {:?}", t.elapsed());
    print_counts("non_finite");
}

/// A constructed exact tie between an `α` candidate and the code above the AbsMax one
/// (found by a brute-force search of the documented rule): two-level INT4, M = 4, γ = 1
/// (row amax 105 = 7 · 15), block `[31, −21, 29, −39, 0, …]`: AbsMax S = round(39/7) = 6,
/// candidates in the documented order 6, 5, 4, 3, then 7; exact SSE 20, 19, 132, 488, 19.
/// S = 5 (α < 1) and S = 7 (the code up) tie; the documented order picks 5.
#[test]
fn mse_tie_order_constructed() {
    let seed = rng_seed("block_ref::mse_tie_order_constructed");
    let s = RScheme::new(parse("vsq-int4-v16-s4-mse"));
    let mut x = vec![0f32; 32];
    x[0] = 105.0;
    x[16..20].copy_from_slice(&[31.0, -21.0, 29.0, -39.0]);
    check_vector(&s, seed, "constructed MSE tie (S = 5 vs the code up, 7)", &x);
}
