//! The `lowp` command-line golden model, run as a process: known answers from the OCP spec,
//! exhaustive agreement with the independent MPFR reference (`lowp::reference`), and error
//! handling.
//!
//! Every expected code and value text comes from a hand-written answer or from the reference
//! (`RefFormat` / `RefPosit` decode, round, exact arithmetic, MPFR division and square root,
//! `parse_decimal`), never from the library the binary calls, so a library bug shows here as a
//! mismatch. NaN codes are compared exactly where the operation produces the canonical NaN
//! (minifloats, posit NaR); the native `f16` / `bf16` / `f32` arithmetic may carry a NaN
//! payload, and is compared by class there.
#![cfg(all(feature = "cli", feature = "reference"))]

use lowp::dynamic::FormatId;
use lowp::reference::{exact_mul, parse_decimal, ref_format, RefFormat, RefPosit, RefValue};
use lowp::{Overflow, Rounding};
use rug::{Integer, Rational};

use std::io::Write;
use std::process::{Command, Stdio};

mod common;

use common::cli::{fails, lowp, lowp_bytes, ok};
use common::{rng_seed, SplitMix};

fn hex2(c: u64) -> String {
    format!("0x{c:02x}")
}

// ---------------------------------------------------------------------------------------------
// The reference's view of a format (the expected answers; nothing here calls the library).
// ---------------------------------------------------------------------------------------------

/// A format as the MPFR reference describes it: a sign-magnitude `RefFormat` or a `RefPosit`.
enum Ref {
    Mini(&'static RefFormat),
    Posit(RefPosit),
}

impl Ref {
    /// The reference for a name the CLI accepts: the canonical name of a sign-magnitude
    /// format, or `posit<N>` (es 2), `posit<N>e<ES>`, `posit<N,ES>` (parsed here, not by the
    /// library).
    fn named(name: &str) -> Ref {
        if let Some(f) = ref_format(name) {
            return Ref::Mini(f);
        }
        let rest = name.strip_prefix("posit").unwrap_or_else(|| panic!("no reference for {name}"));
        let (n, es) = if let Some(inner) = rest.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            let (n, es) = inner.split_once(',').unwrap();
            (n.trim().parse().unwrap(), es.trim().parse().unwrap())
        } else if let Some((n, es)) = rest.split_once('e') {
            (n.parse().unwrap(), es.parse().unwrap())
        } else {
            (rest.parse().unwrap(), 2)
        };
        Ref::Posit(RefPosit::new(n, es))
    }

    fn bits(&self) -> u32 {
        match self {
            Ref::Mini(f) => f.bits(),
            Ref::Posit(p) => p.n(),
        }
    }

    /// Every code, `0..2^bits`.
    fn codes(&self) -> std::ops::Range<u64> {
        0..1u64 << self.bits()
    }

    /// The CLI's spelling of a code: `0x`, at least two hex digits, as many as the width needs.
    fn hex(&self, code: u64) -> String {
        format!("0x{:0w$x}", code, w = self.bits().div_ceil(4).max(2) as usize)
    }

    fn decode(&self, code: u64) -> RefValue {
        match self {
            Ref::Mini(f) => f.decode(code as u32),
            Ref::Posit(p) => p.decode(code),
        }
    }

    fn is_nan(&self, code: u64) -> bool {
        self.decode(code).is_nan()
    }

    /// The overflow rule the CLI uses without `--saturate`: non-saturating for the
    /// sign-magnitude formats (SEMANTICS rule 3), saturating for posits (they always are).
    fn default_overflow(&self) -> Overflow {
        match self {
            Ref::Mini(_) => Overflow::NonSaturating,
            Ref::Posit(_) => Overflow::Saturating,
        }
    }

    fn round(&self, v: &RefValue, r: Rounding, o: Overflow) -> u64 {
        match self {
            Ref::Mini(f) => u64::from(f.round(v, r, o)),
            Ref::Posit(p) => p.round(v, r, o),
        }
    }

    /// A decimal string read exactly and rounded once (what `encode` must print).
    fn encode(&self, s: &str, r: Rounding, o: Overflow) -> u64 {
        let v = parse_decimal(s).unwrap_or_else(|e| panic!("reference cannot read `{s}`: {e}"));
        self.round(&v, r, o)
    }

    /// The code of an operation of `lowp op` (nearest-even, default overflow), by the
    /// reference's exact arithmetic and MPFR.
    fn op(&self, op: &str, a: &[u64]) -> u64 {
        let c = |i: usize| a[i] as u32;
        match (self, op) {
            (Ref::Mini(f), "add") => f.add(c(0), c(1)).into(),
            (Ref::Mini(f), "sub") => f.sub(c(0), c(1)).into(),
            (Ref::Mini(f), "mul") => f.mul(c(0), c(1)).into(),
            (Ref::Mini(f), "div") => f.div(c(0), c(1)).into(),
            (Ref::Mini(f), "sqrt") => f.sqrt(c(0)).into(),
            (Ref::Mini(f), "fma") => f.mul_add(c(0), c(1), c(2)).into(),
            (Ref::Posit(p), "add") => p.add(a[0], a[1]),
            (Ref::Posit(p), "sub") => p.sub(a[0], a[1]),
            (Ref::Posit(p), "mul") => p.mul(a[0], a[1]),
            (Ref::Posit(p), "div") => p.div(a[0], a[1]),
            (Ref::Posit(p), "sqrt") => p.sqrt(a[0]),
            (Ref::Posit(p), "fma") => p.mul_add(a[0], a[1], a[2]),
            (Ref::Posit(p), "qdot") => self.qdot(p, a),
            _ => panic!("no reference for {op}"),
        }
    }

    /// `a1·b1 + a2·b2 + …` exactly (rationals), rounded once to nearest-even; NaR if any
    /// operand is NaR.
    fn qdot(&self, p: &RefPosit, codes: &[u64]) -> u64 {
        let mut sum = Rational::new();
        for pair in codes.chunks(2) {
            let prod = exact_mul(&p.decode(pair[0]), &p.decode(pair[1]));
            match prod.to_rational() {
                Some(q) => sum += q,
                None => return p.nar(),
            }
        }
        p.round(&RefValue::from_rational(sum), Rounding::NearestEven, Overflow::Saturating)
    }

    /// What `decode` prints for a code: the exact value as an `f64` (every value of these
    /// formats is one), in Rust's shortest `f64` text, with `nan`, `inf`, `-inf`, `-0`.
    fn f64_text(&self, code: u64) -> String {
        match self.decode(code) {
            RefValue::Nan => "nan".into(),
            RefValue::Inf { neg } => if neg { "-inf" } else { "inf" }.into(),
            RefValue::Zero { neg } => if neg { "-0" } else { "0" }.into(),
            RefValue::Num(q) => {
                let x = q.to_f64();
                assert_eq!(Rational::from_f64(x).as_ref(), Some(&q), "{} {code:#x} is not an f64", self.bits());
                format!("{x}")
            }
        }
    }

    /// What `--values` and `encode --shortest` print for a code: the decimal with the fewest
    /// significant digits that reads back (exactly, nearest-even, default overflow) to the
    /// code, the closest to the value among those, an exact tie to the larger magnitude; in
    /// plain notation. Zeros and specials as in [`Ref::f64_text`].
    fn shortest_text(&self, code: u64) -> String {
        let v = match self.decode(code) {
            RefValue::Num(q) => q,
            _ => return self.f64_text(code),
        };
        let reads_back = |d: &Rational| {
            self.round(&RefValue::Num(d.clone()), Rounding::NearestEven, self.default_overflow()) == code
        };
        let neg = v < 0;
        let a = Rational::from(v.abs_ref());
        let pow10 = |e: i32| -> Rational {
            let p = Rational::from(Integer::from(Integer::u_pow_u(10, e.unsigned_abs())));
            if e < 0 {
                p.recip()
            } else {
                p
            }
        };
        // e = floor(log10 |v|), by exact comparisons from an f64 estimate.
        let mut e = a.to_f64().log10().floor() as i32;
        while pow10(e) > a {
            e -= 1;
        }
        while pow10(e + 1) <= a {
            e += 1;
        }
        for k in 1..=800 {
            let s = e - (k - 1);
            // Candidates m·10^s with k significant digits: the two neighbours of |v|.
            let scaled = &a * pow10(-s);
            let lo = Integer::from(scaled.floor_ref());
            let hi = Integer::from(scaled.ceil_ref());
            let value = |m: &Integer| Rational::from(m) * pow10(s);
            let signed = |q: Rational| if neg { -q } else { q };
            let (vlo, vhi) = (value(&lo), value(&hi));
            let ok_lo = reads_back(&signed(vlo.clone()));
            let ok_hi = hi != lo && reads_back(&signed(vhi.clone()));
            let m = match (ok_lo, ok_hi) {
                (false, false) => continue,
                (true, false) => lo,
                (false, true) => hi,
                // Both: the closer one; an exact tie goes to the larger magnitude.
                (true, true) => {
                    if Rational::from(&a - &vlo) < Rational::from(&vhi - &a) {
                        lo
                    } else {
                        hi
                    }
                }
            };
            return plain(neg, m, s);
        }
        panic!("no shortest decimal for {code:#x}")
    }
}

/// `±m·10^s` in plain notation (no exponent, no trailing zeros after the point).
fn plain(neg: bool, mut m: Integer, mut s: i32) -> String {
    while m != 0 && m.is_divisible_u(10) {
        m /= 10;
        s += 1;
    }
    let digits = m.to_string();
    let body = if s >= 0 {
        format!("{digits}{}", "0".repeat(s as usize))
    } else {
        let point = digits.len() as i32 + s;
        if point > 0 {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        } else {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        }
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}

/// The reference of every named format (the library's list of names, checked against the
/// reference's widths).
fn named_formats() -> Vec<(FormatId, Ref)> {
    FormatId::ALL
        .iter()
        .map(|&id| {
            let r = Ref::named(id.name());
            assert_eq!(r.bits(), id.bits(), "{id}");
            (id, r)
        })
        .collect()
}

#[test]
fn reference_helpers_known_answers() {
    // The test's own printers against hand-written answers.
    let e4m3 = Ref::named("float8_e4m3fn");
    assert_eq!(e4m3.shortest_text(0x7e), "450");
    assert_eq!(e4m3.shortest_text(0x1d), "0.1");
    assert_eq!(e4m3.shortest_text(0x80), "-0");
    assert_eq!(e4m3.shortest_text(0x7f), "nan");
    assert_eq!(e4m3.f64_text(0x01), "0.001953125");
    assert_eq!(Ref::named("float6_e3m2fn").shortest_text(0x3f), "-30");
    assert_eq!(Ref::named("float32").f64_text(1), format!("{}", f32::from_bits(1) as f64));
    let p8 = Ref::named("posit8");
    assert_eq!(p8.f64_text(0x01), "0.00000005960464477539063");
    assert_eq!(p8.f64_text(0x80), "nan");
    assert_eq!(p8.shortest_text(0x25), "0.1");
    assert_eq!(p8.op("qdot", &[0x7f, 0x7f, 0x7f, 0x81, 0x01, 0x01]), 0x01);
    assert_eq!(Ref::named("posit<5,3>").bits(), 5);
    assert_eq!(plain(true, Integer::from(1200), -5), "-0.012");
    assert_eq!(plain(false, Integer::from(5), 3), "5000");
}

#[test]
fn formats_table_lists_every_format() {
    let lines = ok(&["formats"], "");
    // Three tables: the 13 sign-magnitude formats, a blank line, the 5 named posits, a
    // footnote; then a blank line, the block schemes' header, one row per catalog scheme and a
    // footnote.
    assert_eq!(lines.len(), 1 + 13 + 1 + 1 + 5 + 1 + (1 + 1 + lowp::block::Scheme::catalog().len() + 1), "{lines:#?}");
    let names = [
        "float8_e4m3fn",
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
        "float8_e4m3b11fnuz",
        "float8_e4m3",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float4_e2m1fn",
        "float8_e8m0fnu",
        "float16",
        "bfloat16",
        "float32",
    ];
    for (line, name) in lines[1..].iter().zip(names) {
        assert_eq!(line.split_whitespace().next(), Some(name), "{line}");
    }
    let e4m3 = lines[1].split_whitespace().collect::<Vec<_>>();
    assert_eq!(&e4m3[..8], ["float8_e4m3fn", "8", "e4m3", "7", "448", "0.015625", "0.001953125", "0.125"]);
    assert!(lines[2].contains("57344") && lines[2].contains("Inf = 0x7c"), "{}", lines[2]);
    let aliases = ok(&["formats", "--aliases"], "");
    assert!(aliases[1].ends_with("e4m3fn, e4m3, fp8-e4m3, f8e4m3fn"), "{}", aliases[1]);
    assert!(lines[14].is_empty());
    assert_eq!(lines[15].split_whitespace().take(4).collect::<Vec<_>>(), ["posit", "bits", "es", "useed"]);
    for (line, name) in lines[16..21].iter().zip(["posit8", "posit16", "posit32", "posit8e0", "posit16e1"]) {
        assert_eq!(line.split_whitespace().next(), Some(name), "{line}");
    }
    // posit8: es 2, useed 16, maxpos 2^24, minpos 2^-24, epsilon 2^-3 (3 fraction bits at 1).
    let p8 = lines[16].split_whitespace().collect::<Vec<_>>();
    assert_eq!(&p8[..6], ["posit8", "8", "2", "16", "2^24", "="], "{}", lines[16]);
    assert!(lines[16].contains("2^-24 = 5.960464477539063e-8") && lines[16].contains(" 0.125 "), "{}", lines[16]);
    assert!(lines[16].ends_with("no Inf, no -0; NaR = 0x80"), "{}", lines[16]);
    assert!(lines[18].ends_with("NaR = 0x80000000"), "{}", lines[18]);
    assert!(lines[21].contains("posit<N>e<ES>"), "{}", lines[21]);
    assert!(aliases[18].ends_with("posit32e2, p32, p32e2"), "{}", aliases[18]);
    // Chosen formats only, any posit.
    let some = ok(&["formats", "posit12e1", "e5m2", "posit<4,0>"], "");
    assert_eq!(some.len(), 2 + 1 + 3, "{some:#?}");
    assert!(some[1].starts_with("float8_e5m2 "), "{}", some[1]);
    let p12 = some[4].split_whitespace().collect::<Vec<_>>();
    assert_eq!(&p12[..8], ["posit12e1", "12", "1", "4", "2^20", "=", "1048576", "2^-20"], "{}", some[4]);
    assert!(some[5].starts_with("posit4e0 ") && some[5].contains("NaR = 0x08"), "{}", some[5]);
}

#[test]
fn encode_known_answers_ocp() {
    // OCP OFP8 E4M3: max 448; 464 is the midpoint to the virtual 512 step and ties to 448
    // (even); 480 overflows: NaN non-saturating, 448 saturating.
    let input = "448\n464\n480\n-480\n0.1\n-431.99999999999994\n-0\n0.0009765625\n0.0009765626\n1e-30\n";
    assert_eq!(
        ok(&["encode", "--format", "float8_e4m3fn"], input),
        [
            "0x7e 448", // max
            "0x7e 448", // 464 ties to even
            "0x7f nan", // overflow, non-saturating
            "0x7f nan", // E4M3FN has one NaN per sign; the conversion gives the canonical one
            "0x1d 0.1015625",
            "0xfd -416", // just below the -432 midpoint: -416
            "0x80 -0",
            "0x00 0",           // half the smallest subnormal: ties to even (zero)
            "0x01 0.001953125", // a hair above: the smallest subnormal 2^-9
            "0x00 0",
        ]
    );
    assert_eq!(
        ok(&["encode", "-f", "e4m3", "--saturate"], "480\n-480\ninf\n-inf\nnan\n"),
        ["0x7e 448", "0xfe -448", "0x7e 448", "0xfe -448", "0x7f nan"]
    );
    assert_eq!(ok(&["encode", "-f", "e4m3", "--shortest"], "448\n0.1\n"), ["0x7e 450", "0x1d 0.1"]);
    assert_eq!(ok(&["encode", "-f", "e4m3", "--exact"], "448\n0.1\n"), ["0x7e 448", "0x1d 0.1015625"]);
    // OCP OFP8 E5M2: IEEE specials, max 57344; 61440 is the midpoint to the virtual 65536.
    assert_eq!(
        ok(&["encode", "-f", "float8_e5m2"], "inf\n-inf\nnan\n57344\n61439\n61440\n61440\n"),
        ["0x7c inf", "0xfc -inf", "0x7e nan", "0x7b 57344", "0x7b 57344", "0x7c inf", "0x7c inf"]
    );
    assert_eq!(ok(&["encode", "-f", "e5m2", "--saturate"], "inf\n1e9\n"), ["0x7b 57344", "0x7b 57344"]);
    assert_eq!(ok(&["encode", "-f", "e5m2", "--exact"], "57344\n"), ["0x7b 57344"]);
}

#[test]
fn encode_is_correctly_rounded_from_decimal() {
    // 272 is the midpoint of 256 (0x78, even) and 288 (0x79). Through f64 the tail
    // disappears and the tie goes to 256; the exact decimal is above the midpoint.
    assert_eq!(
        ok(&["encode", "-f", "e4m3fn"], "272\n272.00000000000000000001\n271.99999999999999999999\n"),
        ["0x78 256", "0x79 288", "0x78 256"]
    );
    // Same at the bottom of E5M2's range: a tiny decimal above half the smallest subnormal.
    assert_eq!(
        ok(&["encode", "-f", "e5m2"], "7.62939453125e-6\n7.629394531250000000000000001e-6\n"),
        ["0x00 0", "0x01 0.0000152587890625"]
    );
}

#[test]
fn encode_widths_and_formats() {
    assert_eq!(ok(&["encode", "-f", "fp4"], "-6\n0.25\n7\n"), ["0x0f -6", "0x00 0", "0x07 6"]);
    assert_eq!(ok(&["encode", "-f", "e3m2"], "-28\n"), ["0x3f -28"]);
    assert_eq!(ok(&["encode", "-f", "e3m2", "--shortest"], "-28\n"), ["0x3f -30"]); // -30 reads back to -28
    assert_eq!(
        ok(&["encode", "-f", "e8m0"], "1\n0\n-1\n1e38\n3e38\n"),
        ["0x7f 1", "0xff nan", "0xff nan", "0xfd 85070591730234620000000000000000000000", "0xff nan"]
    );
    assert_eq!(
        ok(&["encode", "-f", "half"], "1\n0.1\n65520\n-0\n"),
        ["0x3c00 1", "0x2e66 0.0999755859375", "0x7c00 inf", "0x8000 -0"]
    );
    assert_eq!(ok(&["encode", "-f", "bf16"], "1\n0.1\n"), ["0x3f80 1", "0x3dcd 0.10009765625"]);
    assert_eq!(
        ok(&["encode", "-f", "f32"], "1\n0.1\n1e-45\n"),
        [
            "0x3f800000 1",
            "0x3dcccccd 0.10000000149011612",
            "0x00000001 0.000000000000000000000000000000000000000000001401298464324817"
        ]
    );
}

#[test]
fn encode_rounding_modes_match_reference() {
    let inputs = [
        "0.3",
        "-0.3",
        "1.0625",
        "-1.0625",
        "447.9",
        "449",
        "500",
        "-500",
        "1e-9",
        "-1e-9",
        "0.00390625",
        "1e300",
        "-inf",
        "2.4e-3",
        "17.5",
        "-17.5",
    ];
    let stdin = inputs.join("\n");
    let modes = [
        ("nearest-even", Rounding::NearestEven),
        ("toward-zero", Rounding::TowardZero),
        ("up", Rounding::Up),
        ("down", Rounding::Down),
    ];
    // Every mode, both overflow rules, on several formats: the code and the printed value.
    for fmt in ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float6_e2m3fn", "float4_e2m1fn", "float16"] {
        let rf = Ref::named(fmt);
        for (name, mode) in modes {
            for sat in [false, true] {
                let mut args = vec!["encode", "-f", fmt, "--rounding", name];
                if sat {
                    args.push("--saturate");
                }
                let got = ok(&args, &stdin);
                assert_eq!(got.len(), inputs.len());
                let ov = if sat { Overflow::Saturating } else { Overflow::NonSaturating };
                for (line, s) in got.iter().zip(inputs) {
                    let want = rf.encode(s, mode, ov);
                    assert_eq!(*line, format!("{} {}", rf.hex(want), rf.f64_text(want)), "{fmt} {s} {name} sat={sat}");
                }
            }
        }
    }
    // Stochastic with the random bits on each line: 2.4 lies between 2 and 3, 0.4 of the way,
    // so it rounds up when the bits are below 0.4·2^32 = 1717986918.4.
    let fp4 = Ref::named("float4_e2m1fn");
    let got =
        ok(&["encode", "-f", "fp4", "-r", "stochastic"], "2.4 0\n2.4 0xffffffff\n2.4 1717986917\n2.4 1717986918\n");
    for (line, r) in got.iter().zip([0u32, u32::MAX, 1_717_986_917, 1_717_986_918]) {
        let want = fp4.encode("2.4", Rounding::Stochastic(r), Overflow::NonSaturating);
        assert_eq!(line.split(' ').next().unwrap(), hex2(want), "{r}");
    }
    assert_eq!(
        codes_of(&["encode", "-f", "fp4", "-r", "stochastic"], "2.4 1717986918\n2.4 1717986919\n"),
        ["0x05", "0x04"]
    );
    // Seeded: deterministic, and both neighbours occur.
    let stdin = "0.3\n".repeat(200);
    let a = ok(&["encode", "-f", "e4m3", "-r", "stochastic:7"], &stdin);
    assert_eq!(a, ok(&["encode", "-f", "e4m3", "-r", "stochastic:7"], &stdin));
    assert!(a.iter().any(|l| l.starts_with("0x29")) && a.iter().any(|l| l.starts_with("0x2a")));
    assert!(a.iter().all(|l| l.starts_with("0x29") || l.starts_with("0x2a")));
}

#[test]
fn decode_every_code_matches_reference() {
    let stdin: String = (0..256u32).map(|c| format!("0x{c:02x}\n")).collect();
    let got = ok(&["decode", "--format", "float8_e4m3fn"], &stdin);
    assert_eq!(got.len(), 256);
    let e4m3 = Ref::named("float8_e4m3fn");
    for (c, line) in got.iter().enumerate() {
        assert_eq!(*line, e4m3.f64_text(c as u64), "code {c:#04x}");
    }
    // Every named format of at most 16 bits (posits included): every code.
    for (id, rf) in named_formats().iter().filter(|(_, r)| r.bits() <= 16) {
        let stdin: String = rf.codes().map(|c| format!("{}\n", rf.hex(c))).collect();
        let got = ok(&["decode", "-f", id.name()], &stdin);
        assert_eq!(got.len() as u64, rf.codes().end, "{id}");
        for (c, line) in rf.codes().zip(&got) {
            assert_eq!(*line, rf.f64_text(c), "{id} {c:#x}");
        }
    }
    // float32 and posit32: a code every 65521 (a prime stride: every exponent, varied
    // fractions), and the edges.
    for name in ["float32", "posit32"] {
        let rf = Ref::named(name);
        let mut codes: Vec<u64> = (0..1u64 << 32).step_by(65521).collect();
        for c in [0u64, 1, 2, 0x7f7f_ffff, 0x7f80_0000, 0x7f80_0001, 0x7fc0_0000, 0x8000_0000, 0x8000_0001, 0xffff_ffff]
        {
            codes.push(c);
        }
        let stdin: String = codes.iter().map(|&c| format!("{}\n", rf.hex(c))).collect();
        let got = ok(&["decode", "-f", name], &stdin);
        assert_eq!(got.len(), codes.len(), "{name}");
        for (&c, line) in codes.iter().zip(&got) {
            assert_eq!(*line, rf.f64_text(c), "{name} {c:#x}");
        }
    }
    assert_eq!(ok(&["decode", "-f", "e5m2"], "0b01111100\n0B11111011\n0X3C\n"), ["inf", "-57344", "1"]);
    assert_eq!(
        ok(&["decode", "-f", "f32"], "0x7f800000\n0x00000001\n0x3f800000\n"),
        ["inf".to_string(), Ref::named("float32").f64_text(1), "1".to_string()]
    );
    assert_eq!(ok(&["decode", "-f", "e4m3fn", "--exact"], "0x01\n0xfe\n"), ["0.001953125", "-448"]);
}

#[test]
fn decode_then_encode_round_trips() {
    for (id, rf) in named_formats().iter().filter(|(_, r)| r.bits() <= 16) {
        let codes: Vec<u64> = rf.codes().filter(|&c| !rf.is_nan(c)).collect();
        let stdin: String = codes.iter().map(|&c| format!("{}\n", rf.hex(c))).collect();
        let values = ok(&["decode", "-f", id.name()], &stdin).join("\n");
        let back = ok(&["encode", "-f", id.name()], &values);
        assert_eq!(back.len(), codes.len(), "{id}");
        for (c, line) in codes.iter().zip(&back) {
            assert_eq!(*line, format!("{} {}", rf.hex(*c), rf.f64_text(*c)), "{id}");
        }
        // `encode --shortest` prints the reference's shortest decimal (every code of the 8-bit
        // formats, a sample of the 16-bit ones), and that text reads back too.
        let short = ok(&["encode", "-f", id.name(), "--shortest"], &values);
        let step = if rf.bits() <= 8 { 1 } else { 61 };
        for (c, line) in codes.iter().zip(&short).step_by(step) {
            assert_eq!(*line, format!("{} {}", rf.hex(*c), rf.shortest_text(*c)), "{id} --shortest");
        }
        let shortest: String = short.iter().map(|l| format!("{}\n", l.split(' ').nth(1).unwrap())).collect();
        let again = ok(&["encode", "-f", id.name(), "--shortest"], &shortest);
        assert_eq!(again, short, "{id}");
    }
}

fn all_pairs() -> String {
    let mut s = String::with_capacity(65536 * 10);
    for a in 0..256u32 {
        for b in 0..256u32 {
            s.push_str(&format!("0x{a:02x} 0x{b:02x}\n"));
        }
    }
    s
}

/// Run `lowp op -f FMT OP` on every pair of codes and compare each line with the reference.
fn op_all_pairs(fmt: &str, op: &str) {
    let rf = Ref::named(fmt);
    let n = rf.codes().end;
    let pairs: Vec<(u64, u64)> = rf.codes().flat_map(|a| (0..n).map(move |b| (a, b))).collect();
    let stdin: String = pairs.iter().map(|&(a, b)| format!("{} {}\n", rf.hex(a), rf.hex(b))).collect();
    let got = ok(&["op", "--format", fmt, op], &stdin);
    assert_eq!(got.len(), pairs.len(), "{fmt} {op}");
    for (&(a, b), line) in pairs.iter().zip(&got) {
        let want = rf.op(op, &[a, b]);
        assert_eq!(*line, rf.hex(want), "{fmt} {op} {a:#x} {b:#x}: reference {}", rf.shortest_text(want));
    }
}

#[test]
fn op_all_pairs_match_reference_e4m3fn() {
    for op in ["add", "sub", "mul", "div"] {
        op_all_pairs("float8_e4m3fn", op);
    }
}

#[test]
fn op_all_pairs_match_reference_other_formats() {
    // Every 8-bit minifloat through at least one operation, every pair; the 4- and 6-bit
    // formats through all four.
    op_all_pairs("float8_e5m2", "add");
    op_all_pairs("float8_e5m2", "div");
    op_all_pairs("float8_e8m0fnu", "mul");
    op_all_pairs("float8_e8m0fnu", "div");
    op_all_pairs("float8_e4m3fnuz", "sub");
    op_all_pairs("float8_e5m2fnuz", "mul");
    op_all_pairs("float8_e4m3b11fnuz", "add");
    op_all_pairs("float8_e4m3", "mul");
    for fmt in ["float6_e2m3fn", "float6_e3m2fn", "float4_e2m1fn"] {
        for op in ["add", "sub", "mul", "div"] {
            op_all_pairs(fmt, op);
        }
    }
    // FP6 with --values: the code and its shortest decimal, comma-separated operands.
    let rf = Ref::named("float6_e3m2fn");
    let stdin: String = (0..64u64).flat_map(|a| (0..64u64).map(move |b| format!("0x{a:02x},0x{b:02x}\n"))).collect();
    let got = ok(&["op", "-f", "float6_e3m2fn", "div", "--values"], &stdin);
    assert_eq!(got.len(), 64 * 64);
    let texts: Vec<String> = rf.codes().map(|c| rf.shortest_text(c)).collect();
    for (i, line) in got.iter().enumerate() {
        let (a, b) = ((i >> 6) as u64, (i & 63) as u64);
        let r = rf.op("div", &[a, b]);
        assert_eq!(*line, format!("{} {}", rf.hex(r), texts[r as usize]), "{a:#x} / {b:#x}");
    }
}

#[test]
fn op_sqrt_and_fma_match_reference() {
    let rf = Ref::named("float8_e4m3fn");
    let stdin: String = (0..256u32).map(|c| format!("0x{c:02x}\n")).collect();
    let got = ok(&["op", "-f", "e4m3fn", "sqrt"], &stdin);
    assert_eq!(got.len(), 256);
    for (c, line) in got.iter().enumerate() {
        assert_eq!(*line, hex2(rf.op("sqrt", &[c as u64])), "sqrt {c:#x}");
    }
    // fma = a * b + c: a pseudo-random sample of triples plus every (a, b) with c = -1.
    let mut triples = Vec::new();
    let mut s = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        triples.push(((s >> 8) as u8, (s >> 16) as u8, (s >> 24) as u8));
    }
    triples.extend((0..=255u8).flat_map(|a| (0..=255u8).map(move |b| (a, b, 0xb8u8))));
    let stdin: String = triples.iter().map(|(a, b, c)| format!("0x{a:02x} 0x{b:02x} 0x{c:02x}\n")).collect();
    let got = ok(&["op", "-f", "e4m3fn", "fma"], &stdin);
    assert_eq!(got.len(), triples.len());
    for (&(a, b, c), line) in triples.iter().zip(&got) {
        let want = rf.op("fma", &[a.into(), b.into(), c.into()]);
        assert_eq!(*line, hex2(want), "fma {a:#04x} {b:#04x} {c:#04x}");
    }
    assert_eq!(ok(&["op", "-f", "e4m3fn", "fma", "--values"], "0x40 0x40 0xb8\n"), ["0x44 3"]);
    // Every other minifloat: sqrt of every code, fma of a sample.
    for fmt in [
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
        "float8_e4m3b11fnuz",
        "float8_e4m3",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float4_e2m1fn",
        "float8_e8m0fnu",
    ] {
        let rf = Ref::named(fmt);
        let stdin: String = rf.codes().map(|c| format!("{}\n", rf.hex(c))).collect();
        let got = ok(&["op", "-f", fmt, "sqrt"], &stdin);
        assert_eq!(got.len() as u64, rf.codes().end, "{fmt}");
        for (c, line) in rf.codes().zip(&got) {
            assert_eq!(*line, rf.hex(rf.op("sqrt", &[c])), "{fmt} sqrt {c:#x}");
        }
        let mut rng = SplitMix::new(rng_seed(&format!("cli fma {fmt}")));
        let t: Vec<u64> = (0..3 * 3000).map(|_| rng.next_u64() & (rf.codes().end - 1)).collect();
        let stdin: String =
            t.chunks(3).map(|x| format!("{} {} {}\n", rf.hex(x[0]), rf.hex(x[1]), rf.hex(x[2]))).collect();
        let got = ok(&["op", "-f", fmt, "fma"], &stdin);
        assert_eq!(got.len(), 3000, "{fmt}");
        for (x, line) in t.chunks(3).zip(&got) {
            assert_eq!(*line, rf.hex(rf.op("fma", x)), "{fmt} fma {x:#x?}");
        }
    }
    // f16 and f32 go through the same registry.
    assert_eq!(ok(&["op", "-f", "f16", "add"], "0x3c00 0x3c00\n"), ["0x4000"]);
    assert_eq!(ok(&["op", "-f", "f32", "div"], "0x3f800000 0x40400000\n"), ["0x3eaaaaab"]);
}

/// `float16`, `bfloat16` and `float32` through `lowp op`: a seeded sample of operands (a
/// quarter of them edge codes: zeros, subnormals, max, infinities, NaNs) for every operation,
/// against the reference. Their arithmetic is native (`half`, the hardware), whose NaNs may
/// carry an operand's payload: a NaN is compared by class, every other code exactly.
#[test]
fn op_ieee_formats_match_reference() {
    for (fmt, edges) in [
        (
            "float16",
            &[
                0x0000u64, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00,
                0x7c01,
            ][..],
        ),
        (
            "bfloat16",
            &[0x0000, 0x8000, 0x0001, 0x007f, 0x0080, 0x3f80, 0xbf80, 0x7f7f, 0xff7f, 0x7f80, 0xff80, 0x7fc0, 0x7f81][..],
        ),
        (
            "float32",
            &[
                0x0000_0000,
                0x8000_0000,
                0x0000_0001,
                0x007f_ffff,
                0x0080_0000,
                0x3f80_0000,
                0xbf80_0000,
                0x7f7f_ffff,
                0xff7f_ffff,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                0x7f80_0001,
            ][..],
        ),
    ] {
        let rf = Ref::named(fmt);
        let mut rng = SplitMix::new(rng_seed(&format!("cli op {fmt}")));
        for (op, arity) in [("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("sqrt", 1), ("fma", 3)] {
            let count = 1500;
            let mut codes = Vec::new();
            for _ in 0..count {
                for _ in 0..arity {
                    let x = rng.next_u64();
                    codes.push(if x.is_multiple_of(4) {
                        edges[(x >> 2) as usize % edges.len()]
                    } else {
                        (x >> 16) & (rf.codes().end - 1)
                    });
                }
            }
            // sqrt of mostly positive operands (a negative one is NaN).
            if op == "sqrt" {
                codes.iter_mut().step_by(2).for_each(|c| *c &= (rf.codes().end - 1) >> 1);
            }
            let stdin: String = codes
                .chunks(arity)
                .map(|x| x.iter().map(|&c| rf.hex(c)).collect::<Vec<_>>().join(" ") + "\n")
                .collect();
            let got = ok(&["op", "-f", fmt, op], &stdin);
            assert_eq!(got.len(), count, "{fmt} {op}");
            for (x, line) in codes.chunks(arity).zip(&got) {
                let want = rf.op(op, x);
                let got_code = u64::from_str_radix(line.trim_start_matches("0x"), 16).unwrap();
                if rf.is_nan(want) && rf.is_nan(got_code) {
                    continue;
                }
                assert_eq!(*line, rf.hex(want), "{fmt} {op} {x:#x?}: reference {}", rf.f64_text(want));
            }
        }
    }
}

#[test]
fn blank_lines_and_comments_are_skipped() {
    assert_eq!(ok(&["decode", "-f", "e4m3"], "\n  0x38  \n\n# a comment\n0x40 # two\n\r\n"), ["1", "2"]);
    assert_eq!(ok(&["encode", "-f", "e4m3"], "1\r\n\n 2 \n"), ["0x38 1", "0x40 2"]);
    assert!(ok(&["decode", "-f", "e4m3"], "").is_empty());
}

#[test]
fn explain_shows_code_fields_value_and_neighbours() {
    let out = ok(&["explain", "0.1", "--format", "e4m3fn"], "").join("\n");
    for needle in [
        "0.1000000000000000055511151231257827021181583404541015625",
        "0x1d  = 0|0011|101  (sign|exponent|mantissa), normal",
        "+1.101b x 2^(3-7) = +1.625 x 2^-4",
        "0.1015625 (exact), shortest 0.1",
        "abs error   +0.0015624999999999944",
        "next down   0x1c  0.09375",
        "next up     0x1e  0.109375",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in\n{out}");
    }
    assert!(!out.contains("saturating"), "{out}");
    let out = ok(&["explain", "480", "-f", "e4m3fn"], "").join("\n");
    assert!(out.contains("0x7f") && out.contains("saturating  0x7e  448"), "{out}");
    let out = ok(&["explain", "-431.99999999999994", "-f", "e4m3fn"], "").join("\n");
    assert!(out.contains("code        0xfd  = 1|1111|101"), "{out}");
    // Every format by default.
    let out = ok(&["explain", "-inf"], "").join("\n");
    for &id in FormatId::ALL {
        assert!(out.contains(&format!("\n{}  (", id.name())), "{id} missing in\n{out}");
    }
    assert!(out.contains("float8_e5m2  (") && out.contains("0xfc  = 1|11111|00"), "{out}");
    let out = ok(&["explain", "nan", "-f", "fp4"], "").join("\n");
    assert!(out.contains("has no NaN"), "{out}");
}

#[test]
fn bad_format_name() {
    let err = fails(&["encode", "--format", "float9_e9m9"], "1\n");
    assert!(err.contains("float9_e9m9") && err.contains("float8_e4m3fn"), "{err}");
    let err = fails(&["explain", "1", "-f", "nope"], "");
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn bad_number_names_line_and_token() {
    let r = lowp(&["encode", "-f", "e4m3"], "1\n\n2\n1.2.3\n4\n");
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("line 4") && r.stderr.contains("1.2.3"), "{}", r.stderr);
    // The lines before the bad one were answered.
    assert_eq!(r.stdout, "0x38 1\n0x40 2\n");
    let err = fails(&["encode", "-f", "e4m3"], "0x38\n");
    assert!(err.contains("line 1") && err.contains("0x38"), "{err}");
    let err = fails(&["encode", "-f", "e4m3"], "1 2\n");
    assert!(err.contains("line 1") && err.contains('2'), "{err}");
    let err = fails(&["encode", "-f", "fp4"], "nan\n");
    assert!(err.contains("nan") && err.contains("no NaN"), "{err}");
    let err = fails(&["explain", "zero"], "");
    assert!(err.contains("zero"), "{err}");
    let err = fails(&["encode", "-f", "e4m3", "-r", "sideways"], "1\n");
    assert!(err.contains("sideways"), "{err}");
    let err = fails(&["encode", "-f", "e4m3", "-r", "stochastic"], "0.3\n");
    assert!(err.contains("line 1") && err.contains("random bits"), "{err}");
}

#[test]
fn bad_code_names_line_and_token() {
    let err = fails(&["decode", "-f", "e4m3"], "0x38\n0x3g\n");
    assert!(err.contains("line 2") && err.contains("0x3g"), "{err}");
    let err = fails(&["decode", "-f", "e4m3"], "56\n");
    assert!(err.contains("line 1") && err.contains("`56`"), "{err}");
    let err = fails(&["decode", "-f", "e4m3"], "0x100\n");
    assert!(err.contains("0x100") && err.contains("8 bits"), "{err}");
    let err = fails(&["decode", "-f", "fp4"], "0x10\n");
    assert!(err.contains("0x10") && err.contains("4 bits"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "add"], "0x38 0xzz\n");
    assert!(err.contains("0xzz"), "{err}");
    let r = lowp_bytes(&["decode", "-f", "e4m3"], b"0x38\n\xff\xfe\n".to_vec());
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("line 2") && r.stderr.contains("UTF-8"), "{}", r.stderr);
}

#[test]
fn wrong_operand_count() {
    let err = fails(&["op", "-f", "e4m3", "mul"], "0x38 0x38\n0x38\n");
    assert!(err.contains("line 2") && err.contains("mul takes 2 operands, got 1"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "sqrt"], "0x38 0x40\n");
    assert!(err.contains("line 1") && err.contains("sqrt takes 1 operand, got 2"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "fma"], "0x38 0x40\n");
    assert!(err.contains("fma takes 3 operands, got 2"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "pow"], "");
    assert!(err.contains("pow"), "{err}");
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lowp"))
        .args(["decode", "-f", "e4m3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is written
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..20_000 {
            if input.write_all(b"0x38\n0x40\n0x7e\n0x01\n").is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---------------------------------------------------------------------------------------------
// Posits.
// ---------------------------------------------------------------------------------------------

/// `CODE VALUE` lines of `encode`, as (code, value) pairs.
fn encoded(args: &[&str], stdin: &str) -> Vec<(String, String)> {
    ok(args, stdin)
        .iter()
        .map(|l| {
            let (c, v) = l.split_once(' ').unwrap();
            (c.to_string(), v.to_string())
        })
        .collect()
}

fn codes_of(args: &[&str], stdin: &str) -> Vec<String> {
    encoded(args, stdin).into_iter().map(|(c, _)| c).collect()
}

#[test]
fn posit_encode_known_answers() {
    // posit<8,0>: useed 2, maxpos 2^6 = 64, minpos 2^-6; saturating both ways, never 0 or NaR.
    assert_eq!(
        encoded(&["encode", "-f", "posit8e0"], "1\n64\n1e9\n0.015625\n-1\n1e-30\n-1e9\n0\n0.5\n1.5\n"),
        [
            ("0x40", "1"),
            ("0x7f", "64"),
            ("0x7f", "64"),       // above maxpos: maxpos
            ("0x01", "0.015625"), // minpos = 1/64
            ("0xc0", "-1"),
            ("0x01", "0.015625"), // below minpos: minpos, never 0
            ("0x81", "-64"),
            ("0x00", "0"),
            ("0x20", "0.5"),
            ("0x50", "1.5"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // --saturate changes nothing (posits always saturate); nan, inf and nar give NaR.
    let input = "1e9\n-1e9\n1e-30\nnan\ninf\n-inf\nNaR\n";
    let want = ["0x7f", "0x81", "0x01", "0x80", "0x80", "0x80", "0x80"];
    assert_eq!(codes_of(&["encode", "-f", "posit8e0"], input), want);
    assert_eq!(codes_of(&["encode", "-f", "posit8e0", "--saturate"], input), want);
    // posit8 (es 2): maxpos 0x7f = 2^24; 0x7e = 2^20, and the bit-string rounding: 2^22 is the
    // midpoint of the bit strings 1111110|1 (the exponent bit "1" of 2^22 = 16^5·2^2 is cut),
    // so it ties to even 0x7e = 2^20 although 2^24 is not farther in value; above it: 0x7f.
    assert_eq!(
        encoded(&["encode", "-f", "posit8"], "16777216\n4194304\n4194305\n4194303\n1\n-16777216\n"),
        [
            ("0x7f", "16777216"),
            ("0x7e", "1048576"),
            ("0x7f", "16777216"),
            ("0x7e", "1048576"),
            ("0x40", "1"),
            ("0x81", "-16777216"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        ok(&["decode", "-f", "posit8"], "0x7f\n0x80\n0x81\n0x01\n"),
        ["16777216", "nan", "-16777216", "0.00000005960464477539063"]
    );
    // posit16e1: useed 4, maxpos 2^28; posit12e1: maxpos 2^20.
    assert_eq!(
        codes_of(&["encode", "-f", "posit16e1"], "1\n3\n-3\n0.25\n268435456\n1e30\n1e-12\n"),
        ["0x4000", "0x5800", "0xa800", "0x2000", "0x7fff", "0x7fff", "0x0001"]
    );
    assert_eq!(
        encoded(&["encode", "-f", "posit12e1"], "1\n2\n4\n0.5\n1.5\n-1\n1048576\n1e-9\n"),
        [
            ("0x400", "1"),
            ("0x500", "2"),
            ("0x600", "4"),
            ("0x300", "0.5"),
            ("0x480", "1.5"),
            ("0xc00", "-1"),
            ("0x7ff", "1048576"),
            ("0x001", "0.00000095367431640625"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    // Every spelling of a posit name.
    for name in ["posit12e1", "posit12_es1", "posit<12,1>", "p12e1", "POSIT12E1"] {
        assert_eq!(codes_of(&["encode", "-f", name], "1\n"), ["0x400"], "{name}");
    }
    for name in ["posit32", "posit32e2", "p32", "posit<32,2>"] {
        assert_eq!(codes_of(&["encode", "-f", name], "1\n"), ["0x40000000"], "{name}");
    }
}

#[test]
fn posit_encode_rounding_modes_match_reference() {
    let inputs = [
        "0.3",
        "-0.3",
        "1e9",
        "-1e9",
        "1e-9",
        "-1e-9",
        "4194304",
        "4194305",
        "3.3e5",
        "-17.5",
        "0.0001",
        "0",
        "-0",
        "1e-300",
        "1.0625",
        "-2.7182818284590452353602874713527",
    ];
    let stdin = inputs.join("\n");
    let modes = [
        ("nearest-even", Rounding::NearestEven),
        ("toward-zero", Rounding::TowardZero),
        ("up", Rounding::Up),
        ("down", Rounding::Down),
    ];
    // Typed aliases (posit8, posit16, posit32, posit8e0) and the run-time path (posit10e1,
    // posit<5,3>, posit32e4): the code and the printed value.
    for fmt in ["posit8", "posit16", "posit32", "posit8e0", "posit10e1", "posit<5,3>", "posit32e4"] {
        let rf = Ref::named(fmt);
        for (name, mode) in modes {
            for sat in [false, true] {
                let mut args = vec!["encode", "-f", fmt, "-r", name];
                if sat {
                    args.push("--saturate");
                }
                let got = ok(&args, &stdin);
                assert_eq!(got.len(), inputs.len());
                for (line, s) in got.iter().zip(inputs) {
                    let want = rf.encode(s, mode, Overflow::Saturating);
                    assert_eq!(*line, format!("{} {}", rf.hex(want), rf.f64_text(want)), "{fmt} {s} {name} sat={sat}");
                }
            }
        }
    }
    let p8 = Ref::named("posit8");
    let bits = [0u32, 1, 0x8000_0000, 0xc000_0000, u32::MAX];
    let stdin: String = bits.iter().map(|b| format!("0.3 {b:#x}\n-0.3 {b}\n")).collect();
    let got = codes_of(&["encode", "-f", "posit8", "-r", "stochastic"], &stdin);
    assert_eq!(got.len(), 2 * bits.len());
    for (pair, &r) in got.chunks(2).zip(&bits) {
        for (code, s) in pair.iter().zip(["0.3", "-0.3"]) {
            assert_eq!(*code, hex2(p8.encode(s, Rounding::Stochastic(r), Overflow::Saturating)), "{s} {r:#x}");
        }
    }
}

/// decode every code, encode the printed values: the same codes (NaR included: `nan`); the
/// decoded values and the shortest texts are the reference's.
fn posit_round_trip(name: &str, n: u32) {
    let rf = Ref::named(name);
    assert_eq!(rf.bits(), n);
    let stdin: String = rf.codes().map(|c| format!("{}\n", rf.hex(c))).collect();
    let values = ok(&["decode", "-f", name], &stdin);
    assert_eq!(values.len() as u64, 1 << n);
    for (c, v) in rf.codes().zip(&values) {
        assert_eq!(*v, rf.f64_text(c), "{name} {c:#x}");
    }
    let back = codes_of(&["encode", "-f", name], &values.join("\n"));
    let want: Vec<String> = rf.codes().map(|c| rf.hex(c)).collect();
    assert_eq!(back, want, "{name}");
    // The shortest text is the reference's, and reads back too.
    let short = encoded(&["encode", "-f", name, "--shortest"], &values.join("\n"));
    assert_eq!(short.len(), want.len(), "{name}");
    for (c, (code, text)) in rf.codes().zip(&short) {
        assert_eq!((code.clone(), text.clone()), (rf.hex(c), rf.shortest_text(c)), "{name} {c:#x}");
    }
    let texts: Vec<&str> = short.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(codes_of(&["encode", "-f", name], &texts.join("\n")), want, "{name}");
}

#[test]
fn posit_decode_encode_round_trip_every_code() {
    posit_round_trip("posit8e0", 8);
    posit_round_trip("posit8", 8);
    posit_round_trip("posit10e1", 10);
    posit_round_trip("posit<5,3>", 5);
}

#[test]
fn posit_op_all_pairs_match_reference() {
    for op in ["add", "sub", "mul", "div"] {
        op_all_pairs("posit8", op);
    }
    // The run-time path (no typed alias).
    op_all_pairs("posit8e1", "add");
    op_all_pairs("posit8e1", "mul");
    op_all_pairs("posit<6,3>", "div");
    let q = Ref::named("posit8e1");
    let texts: Vec<String> = q.codes().map(|c| q.shortest_text(c)).collect();
    let got = ok(&["op", "-f", "posit8e1", "div", "--values"], &all_pairs());
    assert_eq!(got.len(), 65536);
    for (i, line) in got.iter().enumerate() {
        let (a, b) = ((i >> 8) as u64, (i & 255) as u64);
        let r = q.op("div", &[a, b]);
        assert_eq!(*line, format!("{} {}", hex2(r), texts[r as usize]), "{a:#x} / {b:#x}");
    }
    // sqrt: every code of posit8 and posit12e1, samples of the 16-bit posits.
    for (fmt, step) in [("posit16e1", 7), ("posit8", 1), ("posit16", 13), ("posit12e1", 1)] {
        let rf = Ref::named(fmt);
        let codes: Vec<u64> = rf.codes().step_by(step).collect();
        let stdin: String = codes.iter().map(|&c| format!("{}\n", rf.hex(c))).collect();
        let got = ok(&["op", "-f", fmt, "sqrt"], &stdin);
        assert_eq!(got.len(), codes.len(), "{fmt}");
        for (&c, line) in codes.iter().zip(&got) {
            assert_eq!(*line, rf.hex(rf.op("sqrt", &[c])), "{fmt} sqrt {c:#x}");
        }
    }
    // The wider posits (their own code paths, no tables): seeded samples of every operation,
    // a quarter of the operands edge codes (0, NaR, ±minpos, ±maxpos, ±1).
    for fmt in ["posit16", "posit16e1", "posit32", "posit12e1", "posit32e4", "posit8"] {
        let rf = Ref::named(fmt);
        let mask = rf.codes().end - 1;
        let nar = (mask >> 1) + 1;
        let one = nar >> 1;
        let edges = [0, nar, 1, mask, nar - 1, nar + 1, one, one.wrapping_neg() & mask];
        let mut rng = SplitMix::new(rng_seed(&format!("cli posit ops {fmt}")));
        for (op, arity) in [("add", 2), ("sub", 2), ("mul", 2), ("div", 2), ("sqrt", 1), ("fma", 3)] {
            let count = 1500;
            let t: Vec<u64> = (0..arity * count)
                .map(|_| {
                    let x = rng.next_u64();
                    if x.is_multiple_of(4) {
                        edges[(x >> 2) as usize % edges.len()]
                    } else {
                        (x >> 16) & mask
                    }
                })
                .collect();
            let stdin: String =
                t.chunks(arity).map(|x| x.iter().map(|&c| rf.hex(c)).collect::<Vec<_>>().join(" ") + "\n").collect();
            let got = ok(&["op", "-f", fmt, op], &stdin);
            assert_eq!(got.len(), count, "{fmt} {op}");
            for (x, line) in t.chunks(arity).zip(&got) {
                assert_eq!(*line, rf.hex(rf.op(op, x)), "{fmt} {op} {x:#x?}");
            }
        }
    }
    // 0x48 = 2, 0xc0 = -1: 2 * 2 - 1 = 3 = 0|10|01|100.
    assert_eq!(
        ok(&["op", "-f", "posit8", "fma", "--values"], "0x48 0x48 0xc0\n0x7f 0x7f 0x80\n"),
        ["0x4c 3", "0x80 nan"]
    );
}

/// Random `qdot` lines (short and long, heavy cancellation, extremes, NaR) against the
/// reference's exact sum of exact products, rounded once.
fn qdot_lines(name: &str, n: u32, seed: u64) {
    let rf = Ref::named(name);
    assert_eq!(rf.bits(), n);
    let mask = (1u64 << n) - 1;
    let mut s = seed;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let nar = 1u64 << (n - 1);
    let mut lines: Vec<Vec<u64>> = Vec::new();
    for i in 0..400 {
        let pairs = 1 + (next() % if i % 10 == 0 { 200 } else { 12 }) as usize;
        let mut codes: Vec<u64> = (0..2 * pairs).map(|_| next() & mask).filter(|&c| c != nar).collect();
        codes.truncate(codes.len() & !1);
        if codes.is_empty() {
            continue;
        }
        if i % 3 == 0 {
            // Heavy cancellation: every product also appears negated, then one small term.
            let neg: Vec<u64> = codes.chunks(2).flat_map(|p| [p[0], p[1].wrapping_neg() & mask]).collect();
            codes.extend(neg);
            codes.extend([next() & mask & !nar, 1]);
        }
        lines.push(codes);
    }
    // Extremes: maxpos² and minpos² together; NaR.
    let maxpos = nar - 1;
    lines.push(vec![maxpos, maxpos, 1, 1, maxpos, maxpos.wrapping_neg() & mask]);
    lines.push(vec![1, 1, 1, 1]);
    lines.push(vec![maxpos, maxpos, maxpos, maxpos]);
    lines.push(vec![maxpos, 1, nar, 0]);
    let w = (n as usize).div_ceil(4).max(2);
    let stdin: String =
        lines.iter().map(|l| l.iter().map(|c| format!("0x{c:0w$x}")).collect::<Vec<_>>().join(" ") + "\n").collect();
    let got = ok(&["op", "-f", name, "qdot"], &stdin);
    assert_eq!(got.len(), lines.len());
    for (l, line) in lines.iter().zip(&got) {
        assert_eq!(*line, format!("0x{:0w$x}", rf.op("qdot", l)), "{name} qdot {l:x?}");
    }
}

#[test]
fn posit_qdot_matches_reference() {
    qdot_lines("posit8", 8, 1);
    qdot_lines("posit16e1", 16, 2);
    qdot_lines("posit32", 32, 3);
    // Run-time path.
    qdot_lines("posit12e1", 12, 4);
    qdot_lines("posit32e4", 32, 5);
    // Known answers: 1·1 + 1·1 = 2; maxpos·maxpos - maxpos·maxpos + 1·1 = 1 (posit8: 0x7f = 2^24,
    // 0x81 = -2^24); with --values; commas as separators.
    assert_eq!(ok(&["op", "-f", "posit12e1", "qdot"], "0x400 0x400 0x400 0x400\n"), ["0x500"]);
    assert_eq!(
        ok(&["op", "-f", "posit8", "qdot", "--values"], "0x7f 0x7f 0x7f 0x81 0x40 0x40\n0x40,0x40\n0x80 0x40\n"),
        ["0x40 1", "0x40 1", "0x80 nan"]
    );
    // Not the same as rounding each product: 2^24·2^24 saturates, the quire does not.
    assert_eq!(ok(&["op", "-f", "posit8", "mul"], "0x7f 0x7f\n"), ["0x7f"]);
    assert_eq!(ok(&["op", "-f", "posit8", "qdot"], "0x7f 0x7f 0x7f 0x81 0x01 0x01\n"), ["0x01"]);
}

#[test]
fn posit_explain_shows_fields() {
    // posit8 0.1 -> 0x25 = 0|01|00|101: k = -1, e = 0, 1.101b x 2^-4 = 0.1015625.
    let out = ok(&["explain", "0.1", "-f", "posit8"], "").join("\n");
    for needle in [
        "posit8  (8 bits, es 2, useed 16 = 2^4, maxpos 2^24, minpos 2^-24; nearest-even",
        "code        0x25  = 00100101, positive",
        "fields      0|01|00|101  (sign|regime|exponent|fraction)",
        "regime      01: a run of 1 zero, then the terminating bit: k = -1, useed^k = 2^-4",
        "exponent    00 = 0",
        "fraction    101  (3 bits: 1.101b)",
        "= +1.625 x 2^-4",
        "value       0.1015625 (exact), shortest 0.1",
        "abs error   +0.0015624999999999944",
        "next down   0x24  0.09375",
        "next up     0x26  0.109375",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in\n{out}");
    }
    // Negative: the fields of the two's complement.
    let out = ok(&["explain", "-0.1", "-f", "posit8"], "").join("\n");
    assert!(out.contains("0xdb  = 11011011, negative"), "{out}");
    assert!(
        out.contains(
            "1|01|00|101  (sign|regime|exponent|fraction; regime, exponent, fraction of the two's complement 0x25)"
        ),
        "{out}"
    );
    // The regime cuts an exponent bit: 0x7d = 0|111110|1 = 16^4 · 2^2.
    let out = ok(&["explain", "262144", "-f", "posit8"], "").join("\n");
    assert!(out.contains("exponent    1 -> 10 = 2  (1 of 2 bits: the regime cut off the low 1, read as 0)"), "{out}");
    // Saturation, maxpos, NaR, zero.
    let out = ok(&["explain", "1e9", "-f", "posit8e0"], "").join("\n");
    assert!(out.contains("0x7f") && out.contains("fills the word") && out.contains("> maxpos"), "{out}");
    let out = ok(&["explain", "nan", "-f", "posit16e1"], "").join("\n");
    assert!(out.contains("0x8000  = 1000000000000000, NaR") && out.contains("value       nan (NaR)"), "{out}");
    let out = ok(&["explain", "0", "-f", "posit12e1"], "").join("\n");
    assert!(out.contains("0x000  = 000000000000, zero"), "{out}");
    let out = ok(&["explain", "0.3", "-f", "posit<12,1>", "-r", "up"], "").join("\n");
    assert!(out.contains("posit12e1  (12 bits, es 1") && out.contains("0x234  = 001000110100"), "{out}");
}

#[test]
fn posit_errors() {
    for (name, why) in [("posit40", "N = 40"), ("posit8e9", "ES = 9"), ("posit1", "N = 1"), ("posit<8>", "expected")] {
        let err = fails(&["encode", "-f", name], "1\n");
        assert!(err.contains(name) && err.contains(why) && err.contains("posit<N>e<ES>"), "{err}");
    }
    let err = fails(&["op", "-f", "posit8", "qdot"], "0x40 0x40\n0x40 0x40 0x40\n");
    assert!(err.contains("line 2") && err.contains("qdot takes pairs of operands") && err.contains("got 3"), "{err}");
    let err = fails(&["op", "-f", "e4m3", "qdot"], "0x38 0x38\n");
    assert!(err.contains("qdot is for posits") && err.contains("float8_e4m3fn"), "{err}");
    let err = fails(&["decode", "-f", "posit12e1"], "0x1000\n");
    assert!(err.contains("0x1000") && err.contains("12 bits"), "{err}");
    let err = fails(&["op", "-f", "posit8", "sqrt"], "0x40 0x40\n");
    assert!(err.contains("sqrt takes 1 operand, got 2"), "{err}");
}
