//! Self-test of the reference for the fused expanding operations and the dot disciplines
//! (`lowp::reference::{ref_fused, ref_dot}`) against facts computed by hand. Nothing here
//! calls the library's own arithmetic: codes are written out in hex, values checked by hand.
#![cfg(feature = "reference")]

use lowp::reference::{
    describe, ref_dot, ref_dot_exact, ref_format, ref_fused, ref_fused_each, ref_fused_exact, FusedOp, RefFormat,
    RefSplitMix64, RefValue,
};
use lowp::{Overflow, Rounding};
use rug::Rational;

const NE: Rounding = Rounding::NearestEven;
const TZ: Rounding = Rounding::TowardZero;
const UP: Rounding = Rounding::Up;
const DN: Rounding = Rounding::Down;
const NS: Overflow = Overflow::NonSaturating;
const SAT: Overflow = Overflow::Saturating;

use FusedOp::{Exfma, Exsdotp, Exvsum};

fn f(name: &str) -> &'static RefFormat {
    ref_format(name).unwrap_or_else(|| panic!("no format {name}"))
}

// Hand-encoded codes.
// float8_e5m2 (bias 15): 1 = 0x3C, 256 = 2^8 = 0x5C, 2^-2 = 0x34, 2^-3 = 0x30, 2^-4 = 0x2C,
// 2^-8 = 0x1C, 0.375 = 1.5 * 2^-2 = 0x36, 2^-16 (min subnormal) = 0x01, max 57344 = 0x7B,
// +inf = 0x7C, NaN = 0x7E / 0x7F / 0x7D.
// float8_e4m3fn (bias 7): 1 = 0x38, 448 = 0x7E, 2^-9 (min subnormal) = 0x01, NaN = 0x7F.
// float4_e2m1fn: 0 0.5 1 1.5 2 3 4 6 = 0x0..0x7, negatives with 0x8.
// float16: 1 = 0x3C00, ulp(1) = 2^-10, max = 0x7BFF, +inf = 0x7C00, NaN = 0x7E00,
// -0 = 0x8000, 2^-24 = 0x0001.
// float32: 1 = 0x3F80_0000, 2^24 = 0x4B80_0000, 2^-149 = 0x1, NaN = 0x7FC0_0000.

fn fu(op: FusedOp, s: &str, d: &str, args: &[u32], c: u32, r: Rounding, o: Overflow) -> u32 {
    ref_fused(op, f(s), f(d), args, c, r, o)
}

#[track_caller]
fn eq(dst: &str, got: u32, want: u32) {
    assert_eq!(got, want, "{dst}: got {} want {}", describe(f(dst), got), describe(f(dst), want));
}

#[test]
fn exsdotp_cancels_exactly() {
    // 1 + 256·256 + (−256)·256 = 1: one rounding keeps the 1.
    eq("float16", fu(Exsdotp, "float8_e5m2", "float16", &[0x5C, 0x5C, 0xDC, 0x5C], 0x3C00, NE, NS), 0x3C00);
    // 448² − 448² + 2^-149 = the smallest f32 subnormal.
    eq("float32", fu(Exsdotp, "float8_e4m3fn", "float32", &[0x7E, 0x7E, 0xFE, 0x7E], 0x1, NE, NS), 0x1);
    // e4m3fn 448·448 + f16(−65504) — the exact sum 135200 overflows f16 (> 65520): +inf.
    eq("float16", fu(Exfma, "float8_e4m3fn", "float16", &[0x7E, 0x7E], 0xFBFF, NE, NS), 0x7C00);
    // …but 448·448 − 448·448 + 0 is +0, and 448·(−448) + 448·448 + (−0) is +0 too (not every
    // addend is −0), except rounding down.
    eq("float16", fu(Exsdotp, "float8_e4m3fn", "float16", &[0x7E, 0x7E, 0xFE, 0x7E], 0x8000, NE, NS), 0x0000);
    eq("float16", fu(Exsdotp, "float8_e4m3fn", "float16", &[0x7E, 0x7E, 0xFE, 0x7E], 0x8000, DN, NS), 0x8000);
}

#[test]
fn exfma_ties_and_directed() {
    let (s, d) = ("float8_e5m2", "float16");
    // 1 + 2^-8·2^-3 = 1 + 2^-11: exactly half an ulp: ties to even 1.
    let half_ulp = [0x1C, 0x30];
    eq(d, fu(Exfma, s, d, &half_ulp, 0x3C00, NE, NS), 0x3C00);
    eq(d, fu(Exfma, s, d, &half_ulp, 0x3C00, UP, NS), 0x3C01);
    eq(d, fu(Exfma, s, d, &half_ulp, 0x3C00, TZ, NS), 0x3C00);
    eq(d, fu(Exfma, s, d, &half_ulp, 0x3C00, DN, NS), 0x3C00);
    // 1 + 2^-8·0.375 = 1 + 1.5 ulp: tie between 0x3C01 and 0x3C02: even 0x3C02.
    eq(d, fu(Exfma, s, d, &[0x1C, 0x36], 0x3C00, NE, NS), 0x3C02);
    // −1 − 2^-11: Down goes away from zero, Up toward.
    eq(d, fu(Exfma, s, d, &[0x9C, 0x30], 0xBC00, DN, NS), 0xBC01);
    eq(d, fu(Exfma, s, d, &[0x9C, 0x30], 0xBC00, UP, NS), 0xBC00);
    // 1 + 2^-8·2^-2 = 1 + 2^-10 is an f16: no rounding at all.
    for r in [NE, TZ, UP, DN, Rounding::Stochastic(123)] {
        eq(d, fu(Exfma, s, d, &[0x1C, 0x34], 0x3C00, r, NS), 0x3C01);
    }
}

#[test]
fn stochastic_uses_the_bits_as_given() {
    // 1 + 2^-8·2^-4 = 1 + ulp/4: up iff 0.25·2^32 > r, i.e. r < 2^30.
    let (s, d) = ("float8_e5m2", "float16");
    for (r, want) in [(0u32, 0x3C01), ((1 << 30) - 1, 0x3C01), (1 << 30, 0x3C00), (u32::MAX, 0x3C00)] {
        eq(d, fu(Exfma, s, d, &[0x1C, 0x2C], 0x3C00, Rounding::Stochastic(r), NS), want);
    }
    // Negative: the magnitude rounds the same way.
    for (r, want) in [(0u32, 0xBC01), (1 << 30, 0xBC00)] {
        eq(d, fu(Exfma, s, d, &[0x9C, 0x2C], 0xBC00, Rounding::Stochastic(r), NS), want);
    }
}

#[test]
fn signed_zeros() {
    let (s, d) = ("float8_e5m2", "float16");
    // (−0)·1 + (−0) = −0 in every mode.
    for r in [NE, TZ, UP, DN, Rounding::Stochastic(7)] {
        eq(d, fu(Exfma, s, d, &[0x80, 0x3C], 0x8000, r, NS), 0x8000);
        eq(d, fu(Exvsum, s, d, &[0x80, 0x80], 0x8000, r, NS), 0x8000);
        eq(d, fu(Exsdotp, s, d, &[0x00, 0xBC, 0x80, 0x3C], 0x8000, r, NS), 0x8000);
    }
    // (+0)·1 + (−0): +0, but −0 rounding down.
    eq(d, fu(Exfma, s, d, &[0x00, 0x3C], 0x8000, NE, NS), 0x0000);
    eq(d, fu(Exfma, s, d, &[0x00, 0x3C], 0x8000, UP, NS), 0x0000);
    eq(d, fu(Exfma, s, d, &[0x00, 0x3C], 0x8000, TZ, NS), 0x0000);
    eq(d, fu(Exfma, s, d, &[0x00, 0x3C], 0x8000, DN, NS), 0x8000);
    // (+0)·1 + (+0) = +0 in every mode, rounding down too (IEEE 754 §6.3: x + x keeps x's
    // sign; a hardware FMA gives +0), and so do sums of +0 only.
    for r in [NE, TZ, UP, DN, Rounding::Stochastic(7)] {
        eq(d, fu(Exfma, s, d, &[0x00, 0x3C], 0x0000, r, NS), 0x0000);
        eq(d, fu(Exfma, s, d, &[0x80, 0xBC], 0x0000, r, NS), 0x0000);
        eq(d, fu(Exvsum, s, d, &[0x00, 0x00], 0x0000, r, NS), 0x0000);
        eq(d, fu(Exsdotp, s, d, &[0x00, 0x3C, 0x80, 0xBC], 0x0000, r, NS), 0x0000);
    }
    // (−0) + (−0) + (+0) = +0.
    eq(d, fu(Exvsum, s, d, &[0x80, 0x80], 0x0000, NE, NS), 0x0000);
    // 1·1 + (−1): exact zero from nonzero terms: +0, −0 rounding down.
    eq(d, fu(Exfma, s, d, &[0x3C, 0x3C], 0xBC00, NE, NS), 0x0000);
    eq(d, fu(Exfma, s, d, &[0x3C, 0x3C], 0xBC00, DN, NS), 0x8000);
    eq(d, fu(Exvsum, s, d, &[0x3C, 0xBC], 0x0000, Rounding::Stochastic(0), NS), 0x0000);
    // A nonzero result that rounds to zero keeps its sign: ±2^-16·2^-16 = ±2^-32 into f16.
    eq(d, fu(Exfma, s, d, &[0x01, 0x01], 0x0000, NE, NS), 0x0000);
    eq(d, fu(Exfma, s, d, &[0x81, 0x01], 0x0000, NE, NS), 0x8000);
    eq(d, fu(Exfma, s, d, &[0x81, 0x01], 0x0000, TZ, NS), 0x8000);
    eq(d, fu(Exfma, s, d, &[0x01, 0x01], 0x8000, UP, NS), 0x0001);
    eq(d, fu(Exfma, s, d, &[0x81, 0x01], 0x0000, DN, NS), 0x8001);
    eq(d, fu(Exfma, s, d, &[0x81, 0x01], 0x0000, UP, NS), 0x8000);
}

#[test]
fn subnormal_results() {
    // e4m3fn 2^-9 · 2^-9 = 2^-18 = 64 · 2^-24: f16 code 0x0040.
    eq("float16", fu(Exfma, "float8_e4m3fn", "float16", &[0x01, 0x01], 0x0000, NE, NS), 0x0040);
    // 2^-18 + 2^-18 + 2^-24 = 129 · 2^-24: code 0x0081.
    eq("float16", fu(Exsdotp, "float8_e4m3fn", "float16", &[0x01, 0x01, 0x01, 0x01], 0x0001, NE, NS), 0x0081);
    // e5m2 2^-16·2^-16 + 2^-16·2^-9 into f16: 2^-32 + 2^-25, a bit more than half of 2^-24:
    // rounds up to 2^-24 under nearest-even; 2^-25 alone is a tie to even 0.
    eq("float16", fu(Exsdotp, "float8_e5m2", "float16", &[0x01, 0x01, 0x01, 0x18], 0x0000, NE, NS), 0x0001);
    // 0x18 = 2^-9 (exp 6): 2^-16·2^-9 = 2^-25: a tie between 0 and 2^-24: even (+0).
    eq("float16", fu(Exfma, "float8_e5m2", "float16", &[0x01, 0x18], 0x0000, NE, NS), 0x0000);
    eq("float16", fu(Exfma, "float8_e5m2", "float16", &[0x01, 0x18], 0x0000, UP, NS), 0x0001);
    // bf16 into f32: the smallest bf16 subnormal is 2^-133; its square 2^-266 is far below f32's 2^-149.
    eq("float32", fu(Exfma, "bfloat16", "float32", &[0x0001, 0x0001], 0x0, NE, NS), 0x0);
    eq("float32", fu(Exfma, "bfloat16", "float32", &[0x0001, 0x0001], 0x0, UP, NS), 0x1);
    eq("float32", fu(Exfma, "bfloat16", "float32", &[0x8001, 0x0001], 0x0, NE, NS), 0x8000_0000);
    // f16 2^-24 · 2^-24 = 2^-48 is an f32 normal: exponent field 127 − 48 = 79.
    eq("float32", fu(Exfma, "float16", "float32", &[0x0001, 0x0001], 0x0, NE, NS), 79 << 23);
}

#[test]
fn overflow_under_both_rules() {
    let (s, d) = ("float8_e4m3fn", "float16");
    let big = [0x7E, 0x7E, 0x7E, 0x7E]; // 2 · 448² = 401408
    eq(d, fu(Exsdotp, s, d, &big, 0x0000, NE, NS), 0x7C00);
    eq(d, fu(Exsdotp, s, d, &big, 0x0000, NE, SAT), 0x7BFF);
    eq(d, fu(Exsdotp, s, d, &big, 0x0000, TZ, NS), 0x7BFF);
    eq(d, fu(Exsdotp, s, d, &big, 0x0000, DN, NS), 0x7BFF);
    eq(d, fu(Exsdotp, s, d, &big, 0x0000, UP, NS), 0x7C00);
    eq(d, fu(Exsdotp, s, d, &big, 0x0000, Rounding::Stochastic(0), NS), 0x7C00);
    let neg = [0xFE, 0x7E, 0xFE, 0x7E];
    eq(d, fu(Exsdotp, s, d, &neg, 0x0000, NE, NS), 0xFC00);
    eq(d, fu(Exsdotp, s, d, &neg, 0x0000, UP, NS), 0xFBFF);
    eq(d, fu(Exsdotp, s, d, &neg, 0x0000, DN, NS), 0xFC00);
    eq(d, fu(Exsdotp, s, d, &neg, 0x0000, DN, SAT), 0xFBFF);
    // 65504 + 16 = 65520 is the rounding threshold: ties to even → the virtual point → inf.
    // FP4 4·4 = 16.
    eq(d, fu(Exfma, "float4_e2m1fn", d, &[0x6, 0x6], 0x7BFF, NE, NS), 0x7C00);
    eq(d, fu(Exfma, "float4_e2m1fn", d, &[0x6, 0x6], 0x7BFF, NE, SAT), 0x7BFF);
    // 65504 + 8 is below the threshold: max.
    eq(d, fu(Exfma, "float4_e2m1fn", d, &[0x6, 0x4], 0x7BFF, NE, NS), 0x7BFF);
    eq(d, fu(Exfma, "float4_e2m1fn", d, &[0x6, 0x4], 0x7BFF, UP, NS), 0x7C00);
    // The exact sum is what overflows or not: 448² − 65504·… fits after cancellation.
    eq(d, fu(Exsdotp, s, d, &[0x7E, 0x7E, 0xFE, 0x7E], 0x7BFF, NE, NS), 0x7BFF);
}

#[test]
fn special_values() {
    let (s, d) = ("float8_e5m2", "float16");
    // NaN in (any NaN code, either sign) → f16's canonical NaN.
    for nan in [0x7D, 0x7E, 0x7F, 0xFD, 0xFF] {
        eq(d, fu(Exfma, s, d, &[nan, 0x3C], 0x3C00, NE, NS), 0x7E00);
        eq(d, fu(Exfma, s, d, &[0x3C, nan], 0x7C00, NE, SAT), 0x7E00);
        eq(d, fu(Exvsum, s, d, &[0x3C, nan], 0x3C00, UP, NS), 0x7E00);
        eq(d, fu(Exsdotp, s, d, &[0x3C, 0x3C, 0x3C, nan], 0x3C00, TZ, NS), 0x7E00);
    }
    // c NaN (a non-canonical f16 NaN) → canonical.
    eq(d, fu(Exfma, s, d, &[0x3C, 0x3C], 0xFE01, NE, NS), 0x7E00);
    // NaN wins over 0·∞ and ∞ − ∞.
    eq(d, fu(Exsdotp, s, d, &[0x00, 0x7C, 0x7F, 0x3C], 0xFC00, NE, NS), 0x7E00);
    // 0·∞ → NaN, whatever c.
    eq(d, fu(Exfma, s, d, &[0x00, 0x7C], 0x3C00, NE, NS), 0x7E00);
    eq(d, fu(Exfma, s, d, &[0xFC, 0x80], 0x7C00, NE, SAT), 0x7E00);
    eq(d, fu(Exsdotp, s, d, &[0x3C, 0x3C, 0x7C, 0x00], 0x3C00, NE, NS), 0x7E00);
    // ∞ − ∞ → NaN: a product against c, two products, two summands.
    eq(d, fu(Exfma, s, d, &[0x7C, 0x3C], 0xFC00, NE, NS), 0x7E00);
    eq(d, fu(Exsdotp, s, d, &[0x7C, 0x3C, 0x7C, 0xBC], 0x0000, NE, NS), 0x7E00);
    eq(d, fu(Exvsum, s, d, &[0x7C, 0xFC], 0x3C00, NE, NS), 0x7E00);
    // ∞ + finite = ∞ (−∞·−1 = +∞); saturating: ±max; same-signed infinities add.
    eq(d, fu(Exfma, s, d, &[0xFC, 0xBC], 0x3C00, NE, NS), 0x7C00);
    eq(d, fu(Exfma, s, d, &[0xFC, 0xBC], 0x3C00, NE, SAT), 0x7BFF);
    eq(d, fu(Exfma, s, d, &[0x3C, 0x3C], 0xFC00, TZ, NS), 0xFC00);
    eq(d, fu(Exfma, s, d, &[0x3C, 0x3C], 0xFC00, UP, SAT), 0xFBFF);
    eq(d, fu(Exvsum, s, d, &[0x7C, 0x7C], 0x7C00, NE, NS), 0x7C00);
    // An infinite input is not an overflow: TZ keeps it infinite.
    eq(d, fu(Exvsum, s, d, &[0x7C, 0x00], 0x0000, TZ, NS), 0x7C00);
    // FP4 has no NaN / ∞: NaN only comes from c.
    eq("float32", fu(Exsdotp, "float4_e2m1fn", "float32", &[7, 7, 7, 7], 0xFFC0_0001, NE, NS), 0x7FC0_0000);
    eq("bfloat16", fu(Exsdotp, "float4_e2m1fn", "bfloat16", &[7, 7, 7, 7], 0xFF80, NE, NS), 0xFF80);
    eq("bfloat16", fu(Exsdotp, "float4_e2m1fn", "bfloat16", &[7, 7, 7, 7], 0xFF80, NE, SAT), 0xFF7F);
    // fnuz NaN (0x80) in → f32 NaN.
    eq("float32", fu(Exvsum, "float8_e4m3fnuz", "float32", &[0x80, 0x00], 0, NE, NS), 0x7FC0_0000);
}

#[test]
fn fp4_and_fp6_values() {
    // FP4 6 − 0.5 + f32(2^-10) = 5.5 + 2^-10 exactly (an f32).
    let c = 0x3A80_0000; // 2^-10 (exponent field 117)
    let want = (129 << 23) | (((5.5f64 + 2f64.powi(-10)) / 4.0 - 1.0) * (1u64 << 23) as f64) as u32;
    eq("float32", fu(Exvsum, "float4_e2m1fn", "float32", &[0x7, 0x9], c, NE, NS), want);
    // FP6 E2M3: 7.5 = 0x1F; 7.5·7.5 + 7.5·(−7.5) + 1 = 1.
    eq("float16", fu(Exsdotp, "float6_e2m3fn", "float16", &[0x1F, 0x1F, 0x1F, 0x3F], 0x3C00, NE, NS), 0x3C00);
    // FP6 E3M2: 28 = 0x1F; 28·28 = 784 = 0x621 … in bf16 (8 bits of significand): 784 =
    // 1.53125·2^9 → exact (1.10001 · 2^9): code (127+9)<<7 | 0b1000100 = 0x4444.
    eq("bfloat16", fu(Exfma, "float6_e3m2fn", "bfloat16", &[0x1F, 0x1F], 0x0000, NE, NS), 0x4444);
}

#[test]
fn exact_values_for_messages() {
    let v = ref_fused_exact(Exsdotp, f("float8_e5m2"), f("float16"), &[0x5C, 0x5C, 0xDC, 0x5C], 0x3C00);
    assert_eq!(v, RefValue::Num(Rational::from(1)));
    let v = ref_fused_exact(Exfma, f("float8_e4m3fn"), f("float16"), &[0x7E, 0x7E], 0xFBFF);
    assert_eq!(v, RefValue::Num(Rational::from(448 * 448 - 65504)));
    assert_eq!(
        ref_fused_exact(Exvsum, f("float8_e5m2"), f("float16"), &[0x80, 0x80], 0x8000),
        RefValue::Zero { neg: true }
    );
    assert_eq!(ref_fused_exact(Exvsum, f("float8_e5m2"), f("float16"), &[0x7C, 0xFC], 0), RefValue::Nan);
    assert_eq!(ref_dot_exact(f("float8_e5m2"), &[], &[]), RefValue::Zero { neg: false });
    assert_eq!(ref_dot_exact(f("float8_e5m2"), &[0x80], &[0x3C]), RefValue::Zero { neg: true });
}

#[test]
fn each_matches_single() {
    let cases = [(NE, NS), (TZ, NS), (UP, SAT), (DN, SAT), (Rounding::Stochastic(1 << 31), NS), (DN, NS)];
    let (s, d) = (f("float8_e5m2"), f("float16"));
    for args in [[0x1C, 0x2C], [0x3C, 0x3C], [0x7C, 0x00], [0x7B, 0x7B]] {
        for c in [0x3C00, 0xBC00, 0x8000, 0x7BFF] {
            let all = ref_fused_each(Exfma, s, d, &args, c, &cases);
            for (i, &(r, o)) in cases.iter().enumerate() {
                assert_eq!(all[i], ref_fused(Exfma, s, d, &args, c, r, o));
            }
        }
    }
}

#[test]
fn splitmix64_known_outputs() {
    // The published reference outputs of SplitMix64 seeded with 0.
    let mut g = RefSplitMix64::new(0);
    assert_eq!(g.next_u64(), 0xE220_A839_7B1D_CDAF);
    assert_eq!(g.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    assert_eq!(g.next_u64(), 0x06C4_5D18_8009_454F);
    let mut g = RefSplitMix64::new(0);
    assert_eq!(g.next_u32(), 0xE220_A839);
}

#[test]
fn dot_disciplines_by_hand() {
    let (s, d) = (f("float8_e5m2"), f("float16"));
    // a·b = 256·256 + 256·(−256) + 1·1.
    let a = [0x5C, 0x5C, 0x3C];
    let b = [0x5C, 0xDC, 0x3C];
    eq("float16", ref_dot(s, d, &a, &b, "exact", NE, NS), 0x3C00);
    // exsdotp: the pair cancels exactly (+0), then exfma adds 1.
    eq("float16", ref_dot(s, d, &a, &b, "exsdotp", NE, NS), 0x3C00);
    // fma: 65536 overflows f16 to +inf at the first step, and stays there.
    eq("float16", ref_dot(s, d, &a, &b, "fma", NE, NS), 0x7C00);
    // …or saturates to 65504, then 65504 − 65536 + 1 = −31.
    eq("float16", ref_dot(s, d, &a, &b, "fma", NE, SAT), 0xCFC0);
    // f32: exact products, 65536 − 65536 + 1 in lanes 0, 1, 2 → 1.
    eq("float16", ref_dot(s, d, &a, &b, "f32", NE, NS), 0x3C00);
    // Empty: +0 under every discipline and mode.
    for how in ["exact", "exsdotp", "fma", "f32"] {
        for r in [NE, DN, Rounding::Stochastic(5)] {
            eq("float16", ref_dot(s, d, &[], &[], how, r, NS), 0x0000);
        }
    }
    // One −0 product: exact gives −0 (every product is −0); the chains start at +0: +0
    // (−0 rounding down); f32 lanes start at +0.0: +0 even rounding down.
    let (a, b) = ([0x80], [0x3C]);
    eq("float16", ref_dot(s, d, &a, &b, "exact", NE, NS), 0x8000);
    eq("float16", ref_dot(s, d, &a, &b, "fma", NE, NS), 0x0000);
    eq("float16", ref_dot(s, d, &a, &b, "exsdotp", NE, NS), 0x0000);
    eq("float16", ref_dot(s, d, &a, &b, "fma", DN, NS), 0x8000);
    eq("float16", ref_dot(s, d, &a, &b, "f32", DN, NS), 0x0000);
    // 1·1 − 1·1: exact zero from nonzero products: +0, −0 rounding down.
    eq("float16", ref_dot(s, d, &[0x3C, 0x3C], &[0x3C, 0xBC], "exact", NE, NS), 0x0000);
    eq("float16", ref_dot(s, d, &[0x3C, 0x3C], &[0x3C, 0xBC], "exact", DN, NS), 0x8000);
}

#[test]
fn dot_accumulate_doc_example() {
    // e4m3fn: 1 + 3·2^-9 (2^-9 = the smallest subnormal, 0x01) into f16: 2^-9 is more than
    // half an f16 ulp of 1 (2^-11), so every discipline keeps all three: 1 + 6·2^-10 = 0x3C06.
    let (s, d) = (f("float8_e4m3fn"), f("float16"));
    let a = [0x38, 0x01, 0x01, 0x01];
    let b = [0x38, 0x38, 0x38, 0x38];
    for how in ["exact", "exsdotp", "fma", "f32"] {
        eq("float16", ref_dot(s, d, &a, &b, how, NE, NS), 0x3C06);
    }
    // With 2^-12 terms (e5m2 2^-8·2^-4, below half an ulp), the fma chain loses them all and
    // exact keeps 3·2^-12 (rounded: 1 + 2^-10 since 3·2^-12 = 0.75 ulp).
    let (s, d) = (f("float8_e5m2"), f("float16"));
    let a = [0x3C, 0x1C, 0x1C, 0x1C];
    let b = [0x3C, 0x2C, 0x2C, 0x2C];
    eq("float16", ref_dot(s, d, &a, &b, "exact", NE, NS), 0x3C01);
    eq("float16", ref_dot(s, d, &a, &b, "fma", NE, NS), 0x3C00);
    // exsdotp: (1 + 2^-12) → 1, then (1 + 2^-11) ties to even → 1.
    eq("float16", ref_dot(s, d, &a, &b, "exsdotp", NE, NS), 0x3C00);
    // f32 keeps 1 + 3·2^-12 exactly, then one rounding to f16.
    eq("float16", ref_dot(s, d, &a, &b, "f32", NE, NS), 0x3C01);
}

#[test]
fn f32_discipline_lane_order() {
    // f16 sources into f32: 4096·4096 = 2^24. Index 0: 1 (lane 0), index 1: 2^24 (lane 1),
    // index 17: −2^24 (lane 1). Lane 1 cancels exactly, so the result is 1; a sequential f32
    // sum would give (1 + 2^24 → 2^24, a tie to even) − 2^24 = 0.
    let (s, d) = (f("float16"), f("float32"));
    let one = 0x3C00;
    let k4096 = 0x6C00; // 2^12: exponent field 27
    let mut a = vec![0u32; 18];
    let mut b = vec![0u32; 18];
    a[0] = one;
    b[0] = one;
    a[1] = k4096;
    b[1] = k4096;
    a[17] = k4096 | 0x8000;
    b[17] = k4096;
    eq("float32", ref_dot(s, d, &a, &b, "f32", NE, NS), 0x3F80_0000);
    eq("float32", ref_dot(s, d, &a, &b, "exact", NE, NS), 0x3F80_0000);
    // Index 16 (lane 0): 2^24, index 0: 1. Lane 0: 1 + 2^24 = 2^24 (tie to even); lane 1 gets
    // 1 at index 1: the fold adds 2^24 + 1 → 2^24 again. Exact: 2^24 + 2.
    let mut a = vec![0u32; 17];
    let mut b = vec![0u32; 17];
    a[0] = one;
    b[0] = one;
    a[1] = one;
    b[1] = one;
    a[16] = k4096;
    b[16] = k4096;
    eq("float32", ref_dot(s, d, &a, &b, "f32", NE, NS), 0x4B80_0000);
    eq("float32", ref_dot(s, d, &a, &b, "exact", NE, NS), 0x4B80_0001);
    // The f32 sums are nearest-even whatever the caller's rounding: Up still gives 2^24.
    eq("float32", ref_dot(s, d, &a, &b, "f32", UP, NS), 0x4B80_0000);
    // bf16 products overflow f32 in the f32 discipline (2^127 · 2^127), not in exact.
    let (s, d) = (f("bfloat16"), f("float32"));
    let big = 0x7F00; // 2^127 (exponent field 254)
    eq("float32", ref_dot(s, d, &[big, big], &[big, 0xFF00], "f32", NE, NS), 0x7FC0_0000); // inf − inf
    eq("float32", ref_dot(s, d, &[big, big], &[big, 0xFF00], "exact", NE, NS), 0x0000_0000);
    eq("float32", ref_dot(s, d, &[big], &[big], "f32", NE, SAT), 0x7F7F_FFFF);
}

#[test]
fn dot_stochastic_steps() {
    // Step k rounds with the k-th next_u32 of SplitMix64(r).
    let (s, d) = (f("float8_e5m2"), f("float16"));
    let a = [0x1C, 0x1C, 0x1C, 0x1C, 0x1C];
    let b = [0x2C, 0x2C, 0x2C, 0x2C, 0x2C];
    for seed in [0u32, 1, 0xDEAD_BEEF, u32::MAX] {
        let r = Rounding::Stochastic(seed);
        let mut a1 = vec![0x3C];
        a1.extend_from_slice(&a);
        let mut b1 = vec![0x3C];
        b1.extend_from_slice(&b);
        // Starting from +0: 0 + 1·1 is exact (step 0, no effect), then the five tiny terms use
        // steps 1..=5: compare against a chain started at 1 with bits 1..=5.
        let mut g = RefSplitMix64::new(seed as u64);
        let bits6: Vec<u32> = (0..6).map(|_| g.next_u32()).collect();
        let mut acc6 = 0x3C00u32;
        for i in 0..5 {
            acc6 = ref_fused(Exfma, s, d, &[a[i], b[i]], acc6, Rounding::Stochastic(bits6[i + 1]), NS);
        }
        eq("float16", ref_dot(s, d, &a1, &b1, "fma", r, NS), acc6);
        // exact: one rounding with step 0's bits.
        let exact_bits = bits6[0];
        let x = ref_dot(s, d, &a1, &b1, "exact", r, NS);
        // 1 + 5·2^-12 = 1 + 1.25 ulp: up (0x3C02) iff 0.25·2^32 > bits.
        let expect = if (1u64 << 30) > exact_bits as u64 { 0x3C02 } else { 0x3C01 };
        eq("float16", x, expect);
    }
}

#[test]
fn dot_round_takes_the_bits_as_given() {
    // ref_dot_round rounds once with the caller's mode itself; ref_dot "exact" with step 0's
    // bits. 1 + 2^-12 (ulp/4) into f16: up iff r < 2^30.
    let (s, d) = (f("float8_e5m2"), f("float16"));
    let (a, b) = ([0x3C, 0x1C], [0x3C, 0x2C]);
    eq("float16", lowp::reference::ref_dot_round(s, d, &a, &b, Rounding::Stochastic(0), NS), 0x3C01);
    eq("float16", lowp::reference::ref_dot_round(s, d, &a, &b, Rounding::Stochastic(1 << 30), NS), 0x3C00);
    for seed in [0u32, 17, 0x8000_0000] {
        let bits = RefSplitMix64::new(seed as u64).next_u32();
        let want = if bits < (1 << 30) { 0x3C01 } else { 0x3C00 };
        eq("float16", ref_dot(s, d, &a, &b, "exact", Rounding::Stochastic(seed), NS), want);
    }
    // Down: an exact zero sum of nonzero products is −0; the empty sum and a sum of +0
    // products stay +0.
    eq("float16", lowp::reference::ref_dot_round(s, d, &[0x3C, 0x3C], &[0x3C, 0xBC], DN, NS), 0x8000);
    eq("float16", lowp::reference::ref_dot_round(s, d, &[], &[], DN, NS), 0x0000);
    eq("float16", lowp::reference::ref_dot_round(s, d, &[0x00, 0x3C], &[0x3C, 0x00], DN, NS), 0x0000);
}
