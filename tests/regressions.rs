//! Regression tests for behaviour an outside review found wrong (issue 10), each checked
//! against the MPFR reference as well as a literal value.

mod common;

use lowp::reference::{ref_format, RefValue};
use lowp::{Float8E8M0FNU, LowpFloat, Overflow, Rounding};

/// E8M0 has no fraction bits: a tie 1.5·2^k goes away from zero (LLVM APFloat, PyTorch,
/// ml_dtypes), while values in [2^-127, 1.5·2^-127) still round down to 2^-127.
#[test]
fn e8m0_ties_go_up() {
    let r = ref_format("float8_e8m0fnu").unwrap();
    // The reviewer's input: 1.5 · 2^-125.
    assert_eq!(Float8E8M0FNU::from_f64(3.5264830524668625e-38).to_bits(), 0x03);
    for k in -127..=126 {
        let tie = 1.5 * 2f64.powi(k);
        let want = (k + 128) as u8; // 2^(k+1)
        for x in [tie, tie as f32 as f64] {
            let got = Float8E8M0FNU::from_f64(x).to_bits();
            let refc = r.round(&RefValue::from_f64(x), Rounding::NearestEven, Overflow::NonSaturating);
            assert_eq!((got, refc), (want, want as u32), "1.5·2^{k} = {x:e}");
        }
        // Just below the tie: down; f32 inputs the same.
        let below = f64::from_bits(tie.to_bits() - 1);
        assert_eq!(Float8E8M0FNU::from_f64(below).to_bits(), (k + 127) as u8, "below 1.5·2^{k}");
    }
    // f32 subnormal inputs: [2^-127, 1.5·2^-127) is nearest to 2^-127 (code 0).
    for x in [2f32.powi(-127), 1.25 * 2f32.powi(-127), 1.4999 * 2f32.powi(-127), 2f32.powi(-140)] {
        assert_eq!(Float8E8M0FNU::from_f32(x).to_bits(), 0x00, "{x:e}");
        let refc = r.round(&RefValue::from_f64(x as f64), Rounding::NearestEven, Overflow::NonSaturating);
        assert_eq!(refc, 0x00);
    }
    assert_eq!(Float8E8M0FNU::from_f32(1.5 * 2f32.powi(-127)).to_bits(), 0x01);
}

/// Bits above a narrow format's width, brought in by `bytemuck` casts, are never read: the
/// value, equality, order, NaR/NaN tests, `to_bits` and arithmetic all see the masked code.
#[test]
fn pod_junk_bits_are_masked() {
    use lowp::{Float4E2M1FN, Float6E3M2FN, Posit};
    let p: &[Posit<12, 1>] = bytemuck::cast_slice::<u16, Posit<12, 1>>(&[0x0400, 0xf400, 0xf800, 0x0800]);
    assert_eq!(p[0], p[1]);
    assert_eq!(p[0].cmp(&p[1]), core::cmp::Ordering::Equal);
    assert_eq!(p[1].to_bits(), 0x400);
    assert!(p[2].is_nar() && p[3].is_nar());
    assert_eq!(p[2], p[3]);
    let junk = bytemuck::cast::<u8, Posit<6, 1>>(0x41);
    let clean = Posit::<6, 1>::from_bits(0x01);
    assert_eq!(junk.sqrt(), clean.sqrt());
    assert_eq!(junk.sqrt().to_bits(), 0x04);
    assert_eq!((junk + junk).to_bits(), (clean + clean).to_bits());
    for b in 0..=255u8 {
        let j = bytemuck::cast::<u8, Float4E2M1FN>(b);
        let c = Float4E2M1FN::from_bits(b & 0xf);
        assert_eq!((j.to_bits(), j.to_f64().to_bits()), (c.to_bits(), c.to_f64().to_bits()), "{b:#x}");
        assert_eq!((j * j).to_bits(), (c * c).to_bits());
        let j6 = bytemuck::cast::<u8, Float6E3M2FN>(b);
        let c6 = Float6E3M2FN::from_bits(b & 0x3f);
        assert_eq!(j6, c6);
        assert_eq!((j6.to_bits(), format!("{j6:?}")), (c6.to_bits(), format!("{c6:?}")));
    }
}

/// Issue 10 item 14: the regression test printed on a mismatch is paste-able. This is one,
/// pasted as printed (1 + 1 = 2 in E4M3FN; 0x78 + 0x7e = 448 + 448 overflows to NaN 0x7f):
#[test]
fn regression_float8_e4m3fn_add_38_38() {
    let f = lowp::dynamic::FormatId::from_name("float8_e4m3fn").unwrap();
    assert_eq!(f.op(lowp::dynamic::Op::Add, &[0x38, 0x38]).unwrap(), 0x40);
}

#[test]
fn regression_float8_e4m3fn_add_7e_7e() {
    let f = lowp::dynamic::FormatId::from_name("float8_e4m3fn").unwrap();
    assert_eq!(f.op(lowp::dynamic::Op::Add, &[0x7e, 0x7e]).unwrap(), 0x7f);
}

/// … and the generator prints exactly those texts.
#[test]
fn regression_text_is_what_was_pasted() {
    let src = include_str!("regressions.rs");
    for (args, want) in [([0x38u32, 0x38], 0x40u32), ([0x7e, 0x7e], 0x7f)] {
        let text = common::regression_test("float8_e4m3fn", "add", &args, want);
        assert!(src.contains(&text), "not pasted verbatim:\n{text}");
    }
}

/// The exact accumulator and the fused operations cover the widest posits (posit<64,4>:
/// products from 2^-3968 to 2^3968): exact cancellation of the extremes leaves the smallest.
#[test]
fn exact_accumulator_for_the_widest_posits() {
    use lowp::dot::{dot, Accumulate, ExactAccumulator};
    use lowp::Posit;
    type W = Posit<64, 4>;
    let (max, min) = (W::max_value(), W::min_positive());
    let mut acc = ExactAccumulator::<W>::new();
    acc.add_product(max, max);
    acc.add_product(min, min);
    acc.add_product(-max, max);
    let got: W = acc.round(Rounding::NearestEven, Overflow::Saturating);
    assert_eq!(got, min); // minpos² rounds to minpos (posits never round to 0)
    let y: W = dot(&[max, min, -max], &[max, min, max], Accumulate::Exact).unwrap();
    assert_eq!(y, min);
}
