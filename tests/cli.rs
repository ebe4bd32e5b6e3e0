//! The `lowp` command-line golden model, run as a process: known answers from the OCP spec,
//! exhaustive agreement with the library, and error handling.
#![cfg(feature = "cli")]

use lowp::dynamic::{FormatId, Op};
use lowp::{
    decimal, Exact, Float4E2M1FN, Float6E3M2FN, Float8E4M3FN, Float8E5M2, Float8E8M0FNU, LowpFloat, Overflow, Posit,
    Rounding, P16E1, P32, P8, P8E0,
};

use std::io::Write;
use std::process::{Command, Stdio};

mod common;

use common::cli::{fails, lowp, lowp_bytes, ok, value_text as f64_text};

fn hex2(c: u64) -> String {
    format!("0x{c:02x}")
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
fn encode_rounding_modes_match_library() {
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
    for (name, mode) in modes {
        for sat in [false, true] {
            let mut args = vec!["encode", "-f", "e4m3fn", "--rounding", name];
            if sat {
                args.push("--saturate");
            }
            let got = ok(&args, &stdin);
            let ov = if sat { Overflow::Saturating } else { Overflow::NonSaturating };
            for (line, s) in got.iter().zip(inputs) {
                let want = decimal::parse_with::<Float8E4M3FN>(s, mode, ov).unwrap().to_bits();
                assert_eq!(line.split(' ').next().unwrap(), hex2(want as u64), "{s} {name} sat={sat}");
            }
        }
    }
    // Stochastic with the random bits on each line.
    let got =
        ok(&["encode", "-f", "fp4", "-r", "stochastic"], "2.4 0\n2.4 0xffffffff\n2.4 1717986917\n2.4 1717986918\n");
    for (line, r) in got.iter().zip([0u32, u32::MAX, 1_717_986_917, 1_717_986_918]) {
        let want =
            decimal::parse_with::<Float4E2M1FN>("2.4", Rounding::Stochastic(r), Overflow::NonSaturating).unwrap();
        assert_eq!(line.split(' ').next().unwrap(), hex2(want.to_bits() as u64), "{r}");
    }
    // Seeded: deterministic, and both neighbours occur.
    let stdin = "0.3\n".repeat(200);
    let a = ok(&["encode", "-f", "e4m3", "-r", "stochastic:7"], &stdin);
    assert_eq!(a, ok(&["encode", "-f", "e4m3", "-r", "stochastic:7"], &stdin));
    assert!(a.iter().any(|l| l.starts_with("0x29")) && a.iter().any(|l| l.starts_with("0x2a")));
    assert!(a.iter().all(|l| l.starts_with("0x29") || l.starts_with("0x2a")));
}

#[test]
fn decode_every_code_matches_library() {
    let stdin: String = (0..256u32).map(|c| format!("0x{c:02x}\n")).collect();
    let got = ok(&["decode", "--format", "float8_e4m3fn"], &stdin);
    assert_eq!(got.len(), 256);
    for (c, line) in got.iter().enumerate() {
        assert_eq!(*line, f64_text(Float8E4M3FN::from_bits(c as u8).to_f64()), "code {c:#04x}");
    }
    // Every format of at most 16 bits, through the registry; binary input too.
    for &id in FormatId::ALL.iter().filter(|f| f.bits() <= 16) {
        let stdin: String = id.codes().map(|c| format!("{}\n", id.hex(c))).collect();
        let got = ok(&["decode", "-f", id.name()], &stdin);
        assert_eq!(got.len() as u64, id.max_code() + 1, "{id}");
        for (c, line) in id.codes().zip(&got) {
            assert_eq!(*line, f64_text(id.decode(c).unwrap()), "{id} {c:#x}");
        }
    }
    assert_eq!(ok(&["decode", "-f", "e5m2"], "0b01111100\n0B11111011\n0X3C\n"), ["inf", "-57344", "1"]);
    assert_eq!(
        ok(&["decode", "-f", "f32"], "0x7f800000\n0x00000001\n0x3f800000\n"),
        ["inf".to_string(), f64_text(f32::from_bits(1) as f64), "1".to_string()]
    );
    assert_eq!(ok(&["decode", "-f", "e4m3fn", "--exact"], "0x01\n0xfe\n"), ["0.001953125", "-448"]);
}

#[test]
fn decode_then_encode_round_trips() {
    for &id in FormatId::ALL.iter().filter(|f| f.bits() <= 16) {
        let codes: Vec<u64> = id.codes().filter(|&c| !id.is_nan(c).unwrap()).collect();
        let stdin: String = codes.iter().map(|&c| format!("{}\n", id.hex(c))).collect();
        let values = ok(&["decode", "-f", id.name()], &stdin).join("\n");
        let back = ok(&["encode", "-f", id.name()], &values);
        for (c, line) in codes.iter().zip(&back) {
            assert_eq!(line.split(' ').next().unwrap(), id.hex(*c), "{id}");
        }
        // And the shortest value printed by `encode --shortest` reads back too.
        let short = ok(&["encode", "-f", id.name(), "--shortest"], &values);
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

#[test]
fn op_all_pairs_match_library_e4m3fn() {
    type F = Float8E4M3FN;
    let stdin = all_pairs();
    type BinOp = fn(F, F) -> F;
    let ops: [(&str, BinOp); 4] =
        [("add", |a, b| a + b), ("sub", |a, b| a - b), ("mul", |a, b| a * b), ("div", |a, b| a / b)];
    for (name, f) in ops {
        let got = ok(&["op", "--format", "float8_e4m3fn", name], &stdin);
        assert_eq!(got.len(), 65536, "{name}");
        for (i, line) in got.iter().enumerate() {
            let (a, b) = (F::from_bits((i >> 8) as u8), F::from_bits(i as u8));
            assert_eq!(*line, hex2(f(a, b).to_bits() as u64), "{name} {a:?} {b:?}");
        }
    }
}

#[test]
fn op_all_pairs_match_library_other_formats() {
    let stdin = all_pairs();
    let got = ok(&["op", "-f", "e5m2", "add"], &stdin);
    for (i, line) in got.iter().enumerate() {
        let (a, b) = (Float8E5M2::from_bits((i >> 8) as u8), Float8E5M2::from_bits(i as u8));
        assert_eq!(*line, hex2((a + b).to_bits() as u64), "{a:?} + {b:?}");
    }
    let got = ok(&["op", "-f", "e8m0", "mul"], &stdin);
    for (i, line) in got.iter().enumerate() {
        let (a, b) = (Float8E8M0FNU::from_bits((i >> 8) as u8), Float8E8M0FNU::from_bits(i as u8));
        assert_eq!(*line, hex2((a * b).to_bits() as u64), "{a:?} * {b:?}");
    }
    // FP6: every pair, through the registry (same answer as the typed operators).
    let stdin: String = (0..64u64).flat_map(|a| (0..64u64).map(move |b| format!("0x{a:02x},0x{b:02x}\n"))).collect();
    let got = ok(&["op", "-f", "float6_e3m2fn", "div", "--values"], &stdin);
    for (i, line) in got.iter().enumerate() {
        let (a, b) = (Float6E3M2FN::from_bits((i >> 6) as u8), Float6E3M2FN::from_bits((i & 63) as u8));
        let r = a / b;
        assert_eq!(*line, format!("{} {}", hex2(r.to_bits() as u64), r), "{a:?} / {b:?}");
    }
}

#[test]
fn op_sqrt_and_fma_match_library() {
    type F = Float8E4M3FN;
    let stdin: String = (0..256u32).map(|c| format!("0x{c:02x}\n")).collect();
    let got = ok(&["op", "-f", "e4m3fn", "sqrt"], &stdin);
    for (c, line) in got.iter().enumerate() {
        assert_eq!(*line, hex2(F::from_bits(c as u8).sqrt().to_bits() as u64), "sqrt {c:#x}");
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
    for ((a, b, c), line) in triples.iter().zip(&got) {
        let (a, b, c) = (F::from_bits(*a), F::from_bits(*b), F::from_bits(*c));
        assert_eq!(*line, hex2(a.mul_add(b, c).to_bits() as u64), "fma {a:?} {b:?} {c:?}");
    }
    assert_eq!(ok(&["op", "-f", "e4m3fn", "fma", "--values"], "0x40 0x40 0xb8\n"), ["0x44 3"]);
    // f16 and f32 go through the same registry.
    assert_eq!(ok(&["op", "-f", "f16", "add"], "0x3c00 0x3c00\n"), ["0x4000"]);
    assert_eq!(ok(&["op", "-f", "f32", "div"], "0x3f800000 0x40400000\n"), ["0x3eaaaaab"]);
    assert_eq!(FormatId::F32.op(Op::Div, &[0x3f80_0000, 0x4040_0000]).unwrap(), (1.0f32 / 3.0).to_bits() as u64);
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
fn posit_encode_rounding_modes_match_library() {
    let inputs = ["0.3", "-0.3", "1e9", "-1e9", "1e-9", "-1e-9", "4194304", "4194305", "3.3e5", "-17.5", "0.0001"];
    let stdin = inputs.join("\n");
    let modes = [
        ("nearest-even", Rounding::NearestEven),
        ("toward-zero", Rounding::TowardZero),
        ("up", Rounding::Up),
        ("down", Rounding::Down),
    ];
    for (name, mode) in modes {
        let got = codes_of(&["encode", "-f", "posit8", "-r", name], &stdin);
        for (code, s) in got.iter().zip(inputs) {
            let want = decimal::parse_with::<P8>(s, mode, Overflow::Saturating).unwrap().to_bits();
            assert_eq!(*code, hex2(want as u64), "{s} {name}");
        }
        // A posit with no typed alias goes through the run-time path: same answers.
        let got = codes_of(&["encode", "-f", "posit10e1", "-r", name], &stdin);
        for (code, s) in got.iter().zip(inputs) {
            let want = decimal::parse_with::<Posit<10, 1>>(s, mode, Overflow::Saturating).unwrap().to_bits();
            assert_eq!(*code, format!("0x{want:03x}"), "{s} {name}");
        }
    }
    let got = codes_of(&["encode", "-f", "posit8", "-r", "stochastic"], "0.3 0\n0.3 0xffffffff\n");
    for (code, r) in got.iter().zip([0u32, u32::MAX]) {
        let want = decimal::parse_with::<P8>("0.3", Rounding::Stochastic(r), Overflow::Saturating).unwrap();
        assert_eq!(*code, hex2(want.to_bits() as u64), "{r}");
    }
}

/// decode every code, encode the printed values: the same codes (NaR included: `nan`).
fn posit_round_trip(name: &str, n: u32, to_f64: impl Fn(u64) -> f64) {
    let id = FormatId::from_name(name).unwrap();
    assert_eq!(id.bits(), n);
    let stdin: String = id.codes().map(|c| format!("{}\n", id.hex(c))).collect();
    let values = ok(&["decode", "-f", name], &stdin);
    assert_eq!(values.len() as u64, 1 << n);
    for (c, v) in id.codes().zip(&values) {
        assert_eq!(*v, f64_text(to_f64(c)), "{name} {c:#x}");
    }
    let back = codes_of(&["encode", "-f", name], &values.join("\n"));
    let want: Vec<String> = id.codes().map(|c| id.hex(c)).collect();
    assert_eq!(back, want, "{name}");
    // The shortest text reads back too.
    let short = encoded(&["encode", "-f", name, "--shortest"], &values.join("\n"));
    let texts: Vec<&str> = short.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(codes_of(&["encode", "-f", name], &texts.join("\n")), want, "{name}");
}

#[test]
fn posit_decode_encode_round_trip_every_code() {
    posit_round_trip("posit8e0", 8, |c| P8E0::from_bits(c as u8).to_f64());
    posit_round_trip("posit8", 8, |c| P8::from_bits(c as u8).to_f64());
    posit_round_trip("posit10e1", 10, |c| Posit::<10, 1>::from_bits(c as u16).to_f64());
    posit_round_trip("posit<5,3>", 5, |c| Posit::<5, 3>::from_bits(c as u8).to_f64());
}

#[test]
fn posit_op_all_pairs_match_library() {
    let stdin = all_pairs();
    type BinOp = fn(P8, P8) -> P8;
    let ops: [(&str, BinOp); 4] =
        [("add", |a, b| a + b), ("sub", |a, b| a - b), ("mul", |a, b| a * b), ("div", |a, b| a / b)];
    for (name, f) in ops {
        let got = ok(&["op", "-f", "posit8", name], &stdin);
        assert_eq!(got.len(), 65536, "{name}");
        for (i, line) in got.iter().enumerate() {
            let (a, b) = (P8::from_bits((i >> 8) as u8), P8::from_bits(i as u8));
            assert_eq!(*line, hex2(f(a, b).to_bits() as u64), "{name} {a:?} {b:?}");
        }
    }
    // The run-time path (no typed alias): posit<8,1> against the typed Posit<8, 1>.
    type Q = Posit<8, 1>;
    let got = ok(&["op", "-f", "posit8e1", "add"], &stdin);
    for (i, line) in got.iter().enumerate() {
        let (a, b) = (Q::from_bits((i >> 8) as u8), Q::from_bits(i as u8));
        assert_eq!(*line, hex2((a + b).to_bits() as u64), "{a:?} + {b:?}");
    }
    let got = ok(&["op", "-f", "posit8e1", "div", "--values"], &stdin);
    for (i, line) in got.iter().enumerate() {
        let (a, b) = (Q::from_bits((i >> 8) as u8), Q::from_bits(i as u8));
        let r = a / b;
        let v = if r.is_nan() { "nan".to_string() } else { r.to_string() };
        assert_eq!(*line, format!("{} {v}", hex2(r.to_bits() as u64)), "{a:?} / {b:?}");
    }
    // sqrt and fma on posit16e1, a sample.
    let stdin: String = (0..65536u32).step_by(7).map(|c| format!("0x{c:04x}\n")).collect();
    let got = ok(&["op", "-f", "posit16e1", "sqrt"], &stdin);
    for (c, line) in (0..65536u32).step_by(7).zip(&got) {
        assert_eq!(*line, format!("0x{:04x}", P16E1::from_bits(c as u16).sqrt().to_bits()), "sqrt {c:#x}");
    }
    // 0x48 = 2, 0xc0 = -1: 2 * 2 - 1 = 3 = 0|10|01|100.
    assert_eq!(
        ok(&["op", "-f", "posit8", "fma", "--values"], "0x48 0x48 0xc0\n0x7f 0x7f 0x80\n"),
        ["0x4c 3", "0x80 nan"]
    );
}

/// `a1·b1 + …` for the codes `a1 b1 …`, summed exactly with `rug::Integer` (in units of
/// 2^-1100, below every product of two posits here), then rounded once by the library.
fn reference_dot<T: LowpFloat>(codes: &[u64], value: impl Fn(u64) -> T) -> u64 {
    use rug::Integer;
    const UNIT: i32 = -1100;
    let mut sum = Integer::new();
    for pair in codes.chunks(2) {
        let (a, b) = (value(pair[0]), value(pair[1]));
        if a.is_nan() || b.is_nan() {
            return T::nan().unwrap().to_bits().into();
        }
        let term = |x: T| match x.to_exact() {
            Exact::Finite { neg, sig, exp, .. } => {
                let m = Integer::from(sig) << (exp - UNIT / 2) as u32;
                if neg {
                    -m
                } else {
                    m
                }
            }
            _ => Integer::new(),
        };
        sum += term(a) * term(b);
    }
    let exact = if sum == 0 {
        Exact::Zero { neg: false }
    } else {
        let neg = sum < 0;
        let m = sum.abs();
        let len = m.significant_bits();
        let sh = len.saturating_sub(64);
        let top = Integer::from(&m >> sh).to_u64().unwrap();
        let sticky = m.find_one(0).is_some_and(|lowest| lowest < sh);
        Exact::Finite { neg, sig: top, exp: UNIT + sh as i32, sticky }
    };
    T::round_exact(exact, Rounding::NearestEven, Overflow::Saturating).to_bits().into()
}

fn qdot_lines(name: &str, n: u32, seed: u64, want: impl Fn(&[u64]) -> u64) {
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
        assert_eq!(*line, format!("0x{:0w$x}", want(l)), "{name} qdot {l:x?}");
    }
}

#[test]
fn posit_qdot_matches_exact_accumulation() {
    qdot_lines("posit8", 8, 1, |c| reference_dot(c, |x| P8::from_bits(x as u8)));
    qdot_lines("posit16e1", 16, 2, |c| reference_dot(c, |x| P16E1::from_bits(x as u16)));
    qdot_lines("posit32", 32, 3, |c| reference_dot(c, |x| P32::from_bits(x as u32)));
    // Run-time path.
    qdot_lines("posit12e1", 12, 4, |c| reference_dot(c, |x| Posit::<12, 1>::from_bits(x as u16)));
    qdot_lines("posit32e4", 32, 5, |c| reference_dot(c, |x| Posit::<32, 4>::from_bits(x as u32)));
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
