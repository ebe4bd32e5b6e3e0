//! Self-test of the MPFR reference oracle (`lowp::reference`) against facts written by hand
//! from the specifications (OCP OFP8 / MX, ml_dtypes' format table, IEEE 754 special cases,
//! and `notes/SEMANTICS.md`). Nothing here calls the library's own rounding code: the only
//! library items used are the `Rounding` / `Overflow` enums.
#![cfg(feature = "reference")]

use core::cmp::Ordering;

use lowp::reference::{all_ref_formats, describe, parse_decimal, ref_format, RefFormat, RefValue};
use lowp::{Overflow, Rounding};
use rug::float::Round;
use rug::{Float, Rational};

const NE: Rounding = Rounding::NearestEven;
const TZ: Rounding = Rounding::TowardZero;
const UP: Rounding = Rounding::Up;
const DN: Rounding = Rounding::Down;
const NS: Overflow = Overflow::NonSaturating;
const SAT: Overflow = Overflow::Saturating;

fn f(name: &str) -> &'static RefFormat {
    ref_format(name).unwrap_or_else(|| panic!("no format {name}"))
}

/// `2^k`.
fn p2(k: i32) -> Rational {
    Rational::from(1) << k
}

/// `n / d`.
fn q(n: i64, d: i64) -> Rational {
    Rational::from((n, d))
}

/// The exact value of a finite code (zeros give 0).
fn val(fmt: &RefFormat, code: u32) -> Rational {
    match fmt.decode(code) {
        RefValue::Num(x) => x,
        RefValue::Zero { .. } => Rational::new(),
        other => panic!("{}: {} is {other}, not finite", fmt.name(), describe(fmt, code)),
    }
}

/// Rounds a decimal literal.
fn dec(fmt: &RefFormat, s: &str, r: Rounding, o: Overflow) -> u32 {
    fmt.from_decimal(s, r, o).unwrap_or_else(|e| panic!("{e}"))
}

/// Rounds an exact rational.
fn rnd(fmt: &RefFormat, x: &Rational, r: Rounding, o: Overflow) -> u32 {
    fmt.round(&RefValue::from_rational(x.clone()), r, o)
}

fn assert_code(fmt: &RefFormat, got: u32, want: u32, what: &str) {
    assert_eq!(got, want, "{} {what}: got {} want {}", fmt.name(), describe(fmt, got), describe(fmt, want));
}

fn assert_nan(fmt: &RefFormat, got: u32, what: &str) {
    assert!(fmt.is_nan_code(got), "{} {what}: got {}, want NaN", fmt.name(), describe(fmt, got));
}

fn count_nan_codes(fmt: &RefFormat) -> usize {
    (0..fmt.num_codes()).filter(|&c| fmt.is_nan_code(c)).count()
}

// ---------------------------------------------------------------------------------------
// Format tables and decoding
// ---------------------------------------------------------------------------------------

#[test]
fn the_ten_formats() {
    let names: Vec<_> = all_ref_formats().iter().map(|f| f.name()).collect();
    assert_eq!(
        names,
        [
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
        ]
    );
    for fmt in all_ref_formats() {
        assert_eq!(fmt.num_codes(), 1 << fmt.bits());
        assert!(std::ptr::eq(f(fmt.name()), fmt));
    }
    assert_eq!(f("float6_e2m3fn").bits(), 6);
    assert_eq!(f("float4_e2m1fn").bits(), 4);
    assert!(ref_format("float8_e4m3fnx").is_none());
}

#[test]
fn e4m3fn_decode() {
    let e = f("float8_e4m3fn");
    assert_eq!(val(e, 0x7E), 448);
    assert_eq!(val(e, 0x7D), 416);
    assert_eq!(val(e, 0x38), 1);
    assert_eq!(val(e, 0x08), p2(-6));
    assert_eq!(val(e, 0x07), q(7, 8) * p2(-6));
    assert_eq!(val(e, 0x01), p2(-9));
    assert_eq!(val(e, 0xFE), -448);
    assert_eq!(e.decode(0x00), RefValue::Zero { neg: false });
    assert_eq!(e.decode(0x80), RefValue::Zero { neg: true });
    assert!(e.is_nan_code(0x7F) && e.is_nan_code(0xFF));
    assert_eq!(count_nan_codes(e), 2);
    assert!(!e.has_inf());
    assert_eq!(e.values_sorted().len(), 126);
    assert_eq!(*e.max_finite(), 448);
    assert_eq!(e.max_finite_code(), 0x7E);
}

#[test]
fn e5m2_decode() {
    let e = f("float8_e5m2");
    assert_eq!(val(e, 0x7B), 57344);
    assert_eq!(e.decode(0x7C), RefValue::Inf { neg: false });
    assert_eq!(e.decode(0xFC), RefValue::Inf { neg: true });
    for c in [0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF] {
        assert!(e.is_nan_code(c), "{c:#x}");
    }
    assert_eq!(count_nan_codes(e), 6);
    assert_eq!(val(e, 0x3C), 1);
    assert_eq!(val(e, 0x04), p2(-14));
    assert_eq!(val(e, 0x01), p2(-16));
    assert_eq!(e.decode(0x80), RefValue::Zero { neg: true });
    assert_eq!(e.values_sorted().len(), 123);
}

#[test]
fn fnuz_decode() {
    let e = f("float8_e4m3fnuz");
    assert!(e.is_nan_code(0x80));
    assert_eq!(count_nan_codes(e), 1);
    assert_eq!(val(e, 0x7F), 240);
    assert_eq!(val(e, 0xFF), -240);
    assert_eq!(val(e, 0x01), p2(-10));
    assert_eq!(val(e, 0x40), 1); // E = 8 = bias
    assert!(!e.has_neg_zero() && !e.has_inf());
    assert_eq!(e.values_sorted().len(), 127);

    let e = f("float8_e5m2fnuz");
    assert!(e.is_nan_code(0x80));
    assert_eq!(count_nan_codes(e), 1);
    assert_eq!(*e.max_finite(), 57344);
    assert_eq!(val(e, 0x7F), 57344);
    assert_eq!(val(e, 0x01), p2(-17));

    let e = f("float8_e4m3b11fnuz");
    assert!(e.is_nan_code(0x80));
    assert_eq!(count_nan_codes(e), 1);
    assert_eq!(*e.max_finite(), 30);
    assert_eq!(val(e, 0x7F), 30);
    assert_eq!(*e.min_positive(), p2(-13));
    assert_eq!(val(e, 0x01), p2(-13));
}

#[test]
fn e4m3_ieee_decode() {
    let e = f("float8_e4m3");
    assert_eq!(val(e, 0x77), 240);
    assert_eq!(e.decode(0x78), RefValue::Inf { neg: false });
    assert_eq!(e.decode(0xF8), RefValue::Inf { neg: true });
    for c in 0x79..=0x7F {
        assert!(e.is_nan_code(c) && e.is_nan_code(c | 0x80), "{c:#x}");
    }
    assert_eq!(count_nan_codes(e), 14);
    assert!(e.is_nan_code(e.canonical_nan().unwrap()));
    assert_eq!(val(e, 0x01), p2(-9));
}

#[test]
fn mx_element_decode() {
    let e = f("float6_e2m3fn");
    assert_eq!(*e.max_finite(), q(15, 2));
    assert_eq!(val(e, 0x1F), q(15, 2));
    assert_eq!(*e.min_positive(), q(1, 8));
    assert_eq!(val(e, 0x08), 1);
    assert_eq!(val(e, 0x3F), q(-15, 2));
    assert_eq!(e.decode(0x20), RefValue::Zero { neg: true });
    assert_eq!(count_nan_codes(e), 0);
    assert!(!e.has_nan() && !e.has_inf());

    let e = f("float6_e3m2fn");
    assert_eq!(*e.max_finite(), 28);
    assert_eq!(val(e, 0x1F), 28);
    assert_eq!(*e.min_positive(), q(1, 16));
    assert_eq!(count_nan_codes(e), 0);

    let e = f("float4_e2m1fn");
    let want = [q(0, 1), q(1, 2), q(1, 1), q(3, 2), q(2, 1), q(3, 1), q(4, 1), q(6, 1)];
    for (code, w) in want.iter().enumerate() {
        assert_eq!(val(e, code as u32), *w, "code {code}");
        if code > 0 {
            assert_eq!(val(e, code as u32 | 8), Rational::from(-w), "code {code} | 8");
        }
    }
    assert_eq!(e.decode(0x8), RefValue::Zero { neg: true });
    assert_eq!(count_nan_codes(e), 0);
}

#[test]
fn e8m0_decode() {
    let e = f("float8_e8m0fnu");
    assert_eq!(val(e, 0x00), p2(-127));
    assert_eq!(val(e, 0x7F), 1);
    assert_eq!(val(e, 0x80), 2);
    assert_eq!(val(e, 0xFE), p2(127));
    assert!(e.is_nan_code(0xFF));
    assert_eq!(count_nan_codes(e), 1);
    for c in 0..0xFF {
        assert_eq!(e.decode(c), RefValue::Num(p2(c as i32 - 127)));
    }
    assert!(!e.has_zero() && !e.is_signed());
    assert_eq!(e.values_sorted().len(), 255);
}

#[test]
fn virtual_grid_point_above_max() {
    let want: [(&str, Rational); 10] = [
        ("float8_e4m3fn", Rational::from(480)),
        ("float8_e5m2", Rational::from(65536)),
        ("float8_e4m3fnuz", Rational::from(256)),
        ("float8_e5m2fnuz", Rational::from(65536)),
        ("float8_e4m3b11fnuz", Rational::from(32)),
        ("float8_e4m3", Rational::from(256)),
        ("float6_e2m3fn", Rational::from(8)),
        ("float6_e3m2fn", Rational::from(32)),
        ("float4_e2m1fn", Rational::from(8)),
        ("float8_e8m0fnu", p2(128)),
    ];
    for (name, v) in want {
        assert_eq!(*f(name).virtual_above_max(), v, "{name}");
    }
}

#[test]
fn tables_are_sorted_positive_and_complete() {
    for fmt in all_ref_formats() {
        let t = fmt.values_sorted();
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{}", fmt.name());
        assert!(t.iter().all(|(v, _)| *v > 0));
        for (v, c) in t {
            assert_eq!(fmt.decode(*c), RefValue::Num(v.clone()));
        }
        // Every code is exactly one of: NaN, Inf, zero, a listed value or its negation.
        let mut n = 0;
        for c in 0..fmt.num_codes() {
            match fmt.decode(c) {
                RefValue::Nan | RefValue::Inf { .. } | RefValue::Zero { .. } => {}
                RefValue::Num(x) => {
                    assert!(t.iter().any(|(v, _)| *v == x.clone().abs()));
                    n += 1;
                }
            }
        }
        let expect = if fmt.is_signed() { 2 * t.len() } else { t.len() };
        assert_eq!(n, expect, "{}", fmt.name());
    }
}

#[test]
fn describe_strings() {
    assert_eq!(describe(f("float8_e4m3fn"), 0x7E), "0x7e (0b0111_1110) = 448");
    assert_eq!(describe(f("float8_e4m3fn"), 0x7F), "0x7f (0b0111_1111) = NaN");
    assert_eq!(describe(f("float8_e4m3fn"), 0x80), "0x80 (0b1000_0000) = -0");
    assert_eq!(describe(f("float8_e4m3fn"), 0x01), "0x01 (0b0000_0001) = 0.001953125");
    assert_eq!(describe(f("float8_e5m2"), 0xFC), "0xfc (0b1111_1100) = -Inf");
    assert_eq!(describe(f("float4_e2m1fn"), 0x7), "0x7 (0b0111) = 6");
    assert_eq!(describe(f("float6_e2m3fn"), 0x21), "0x21 (0b10_0001) = -0.125");
    assert_eq!(describe(f("float8_e8m0fnu"), 0x00), "0x00 (0b0000_0000) = 2^-127");
    assert!(describe(f("float4_e2m1fn"), 0x10).contains("invalid"));
}

// ---------------------------------------------------------------------------------------
// Rounding an exact real
// ---------------------------------------------------------------------------------------

#[test]
fn nearest_even_facts() {
    let e = f("float8_e4m3fn");
    // 464 is the midpoint of 448 (0x7E, even) and the virtual 480 (0x7F): tie to even.
    assert_code(e, rnd(e, &Rational::from(464), NE, NS), 0x7E, "464");
    assert_code(e, rnd(e, &Rational::from(464), NE, SAT), 0x7E, "464 sat");
    assert_nan(e, rnd(e, &Rational::from(465), NE, NS), "465");
    assert_code(e, rnd(e, &Rational::from(465), NE, SAT), 0x7E, "465 sat");
    assert_nan(e, rnd(e, &Rational::from(-465), NE, NS), "-465");
    assert_code(e, rnd(e, &Rational::from(-465), NE, SAT), 0xFE, "-465 sat");
    assert_nan(e, rnd(e, &Rational::from(480), NE, NS), "480");
    // The ml_dtypes double-rounding case: the f64 just below -432 is nearer -416.
    let x = -f64::from_bits(432f64.to_bits() - 1);
    assert_eq!(x, -431.99999999999994);
    assert_code(e, e.from_f64(x, NE, NS), 0xFD, "-431.99999999999994");
    assert_eq!(val(e, 0xFD), -416);
    assert_code(e, e.from_f64(-432.0, NE, NS), 0xFE, "-432 (tie to even 0x7E)");
    // Ties between ordinary neighbours.
    assert_code(e, e.from_f64(1.0625, NE, NS), 0x38, "1.0625");
    assert_code(e, e.from_f64(1.1875, NE, NS), 0x3A, "1.1875");
    assert_eq!(val(e, 0x3A), q(5, 4));
    assert_code(e, e.from_f64(1.0625 + 1e-12, NE, NS), 0x39, "1.0625+");
    assert_code(e, e.from_f64(-1.0625, NE, NS), 0xB8, "-1.0625");
    // 1/3: between 0.3125 and 0.34375, above the midpoint 0.328125.
    assert_code(e, rnd(e, &q(1, 3), NE, NS), 0x2B, "1/3");
    assert_eq!(val(e, 0x2B), q(11, 32));

    let e = f("float8_e5m2");
    assert_code(e, rnd(e, &Rational::from(61439), NE, NS), 0x7B, "61439");
    // 61440 is the midpoint of 57344 (0x7B, odd) and 65536 (0x7C): tie -> overflow -> inf.
    assert_code(e, rnd(e, &Rational::from(61440), NE, NS), 0x7C, "61440");
    assert_code(e, rnd(e, &Rational::from(61440), NE, SAT), 0x7B, "61440 sat");
    assert_code(e, rnd(e, &Rational::from(-70000), NE, NS), 0xFC, "-70000");

    let e = f("float4_e2m1fn");
    assert_code(e, rnd(e, &Rational::from(5), NE, NS), 0x6, "5 -> 4 (even)");
    assert_code(e, rnd(e, &q(5, 2), NE, NS), 0x4, "2.5 -> 2 (even)");
    assert_code(e, rnd(e, &q(7, 4), NE, NS), 0x4, "1.75 -> 2 (even)");
    assert_code(e, rnd(e, &q(1, 4), NE, NS), 0x0, "0.25 -> 0 (even)");
    assert_code(e, rnd(e, &q(-1, 4), NE, NS), 0x8, "-0.25 -> -0");
    assert_code(e, rnd(e, &Rational::from(7), NE, NS), 0x7, "7 saturates (no Inf/NaN)");
    assert_code(e, rnd(e, &Rational::from(-100), NE, NS), 0xF, "-100");

    let e = f("float6_e3m2fn");
    assert_code(e, rnd(e, &Rational::from(30), NE, NS), 0x1F, "30 (tie with virtual 32) saturates");
    let e = f("float8_e4m3");
    assert_code(e, rnd(e, &Rational::from(248), NE, NS), 0x78, "248 -> inf");
    assert_code(e, rnd(e, &Rational::from(247), NE, NS), 0x77, "247");
    let e = f("float8_e4m3b11fnuz");
    assert_nan(e, rnd(e, &Rational::from(31), NE, NS), "31 -> NaN");
    assert_code(e, rnd(e, &Rational::from(31), NE, SAT), 0x7F, "31 sat");
}

#[test]
fn directed_modes() {
    let e = f("float8_e4m3fn");
    let x = "1.1";
    assert_code(e, dec(e, x, TZ, NS), 0x38, "1.1 tz");
    assert_code(e, dec(e, x, UP, NS), 0x39, "1.1 up");
    assert_code(e, dec(e, x, DN, NS), 0x38, "1.1 down");
    assert_code(e, dec(e, x, NE, NS), 0x39, "1.1 ne");
    let x = "-1.1";
    assert_code(e, dec(e, x, TZ, NS), 0xB8, "-1.1 tz");
    assert_code(e, dec(e, x, UP, NS), 0xB8, "-1.1 up");
    assert_code(e, dec(e, x, DN, NS), 0xB9, "-1.1 down");
    // Exact values never move.
    for r in [NE, TZ, UP, DN] {
        assert_code(e, dec(e, "-1.125", r, NS), 0xB9, "-1.125");
    }
    // Overflow after rounding, by sign and mode.
    assert_code(e, dec(e, "1000", TZ, NS), 0x7E, "1000 tz");
    assert_code(e, dec(e, "1000", DN, NS), 0x7E, "1000 down");
    assert_nan(e, dec(e, "1000", UP, NS), "1000 up");
    assert_code(e, dec(e, "1000", UP, SAT), 0x7E, "1000 up sat");
    assert_code(e, dec(e, "-1000", UP, NS), 0xFE, "-1000 up");
    assert_nan(e, dec(e, "-1000", DN, NS), "-1000 down");
    assert_nan(e, dec(e, "449", UP, NS), "449 up (-> 480)");
    assert_code(e, dec(e, "449", NE, NS), 0x7E, "449 ne");
    assert_code(e, dec(e, "479.999", TZ, NS), 0x7E, "479.999 tz");

    let e = f("float8_e5m2");
    assert_code(e, dec(e, "60000", UP, NS), 0x7C, "60000 up");
    assert_code(e, dec(e, "60000", TZ, NS), 0x7B, "60000 tz");
    assert_code(e, dec(e, "-60000", DN, NS), 0xFC, "-60000 down");
    assert_code(e, dec(e, "-60000", UP, NS), 0xFB, "-60000 up");
    assert_code(e, dec(e, "1e30", TZ, NS), 0x7B, "1e30 tz");

    let e = f("float4_e2m1fn");
    assert_code(e, dec(e, "6.5", UP, NS), 0x7, "6.5 up (no inf: max)");
    assert_code(e, dec(e, "2.1", UP, NS), 0x5, "2.1 up");
    assert_code(e, dec(e, "-2.9", TZ, NS), 0xC, "-2.9 tz");
}

#[test]
fn stochastic_rounding() {
    let e = f("float8_e4m3fn");
    let s = Rounding::Stochastic;
    // 1.0625 = 1 + 1/2 ulp: frac * 2^32 = 2^31; up iff 2^31 > r.
    assert_code(e, dec(e, "1.0625", s(0), NS), 0x39, "r=0");
    assert_code(e, dec(e, "1.0625", s((1 << 31) - 1), NS), 0x39, "r=2^31-1");
    assert_code(e, dec(e, "1.0625", s(1 << 31), NS), 0x38, "r=2^31");
    assert_code(e, dec(e, "1.0625", s(u32::MAX), NS), 0x38, "r=max");
    // frac = 1/8: up iff 2^29 > r.
    assert_code(e, dec(e, "1.015625", s((1 << 29) - 1), NS), 0x39, "1/8, r=2^29-1");
    assert_code(e, dec(e, "1.015625", s(1 << 29), NS), 0x38, "1/8, r=2^29");
    // Sign-symmetric (magnitude rounding).
    assert_code(e, dec(e, "-1.015625", s((1 << 29) - 1), NS), 0xB9, "-1/8 up");
    assert_code(e, dec(e, "-1.015625", s(1 << 29), NS), 0xB8, "-1/8 down");
    // Anything above lo moves up with r = 0; exact values never move.
    assert_code(e, rnd(e, &(Rational::from(1) + p2(-40)), s(0), NS), 0x39, "1+2^-40, r=0");
    for r in [0, 1, 1 << 31, u32::MAX] {
        assert_code(e, dec(e, "1", s(r), NS), 0x38, "exact 1");
        assert_code(e, dec(e, "448", s(r), NS), 0x7E, "exact 448");
    }
    // Toward zero's neighbour 0: 2^-11 is 1/4 of the way from 0 to 2^-9.
    assert_code(e, rnd(e, &p2(-11), s((1 << 30) - 1), NS), 0x01, "2^-11 up");
    assert_code(e, rnd(e, &p2(-11), s(1 << 30), NS), 0x00, "2^-11 to +0");
    assert_code(e, rnd(e, &-p2(-11), s(1 << 30), NS), 0x80, "-2^-11 to -0");
    // Stochastic overflow is not "toward zero": NaN when non-saturating.
    assert_nan(e, dec(e, "460", s(0), NS), "460 r=0");
    assert_code(e, dec(e, "460", s(0), SAT), 0x7E, "460 r=0 sat");
    assert_code(e, dec(e, "460", s(u32::MAX), NS), 0x7E, "460 r=max");
    // E8M0: 3 is half way from 2 to 4.
    let e = f("float8_e8m0fnu");
    assert_code(e, dec(e, "3", s((1 << 31) - 1), NS), 0x81, "e8m0 3 up");
    assert_code(e, dec(e, "3", s(1 << 31), NS), 0x80, "e8m0 3 down");
}

#[test]
fn zeros_and_underflow() {
    let e = f("float8_e4m3fn");
    assert_code(e, rnd(e, &p2(-10), NE, NS), 0x00, "2^-10 tie to 0");
    assert_code(e, rnd(e, &-p2(-10), NE, NS), 0x80, "-2^-10 -> -0");
    assert_code(e, rnd(e, &(p2(-10) + p2(-60)), NE, NS), 0x01, "2^-10+");
    assert_code(e, rnd(e, &q(3, 1024), NE, NS), 0x02, "3*2^-10 = 1.5 min sub -> 2 (even)");
    assert_code(e, rnd(e, &q(3, 2048), NE, NS), 0x01, "3*2^-11 = 0.75 min sub -> 1");
    assert_code(e, rnd(e, &p2(-100), UP, NS), 0x01, "tiny up");
    assert_code(e, rnd(e, &p2(-100), DN, NS), 0x00, "tiny down");
    assert_code(e, rnd(e, &-p2(-100), DN, NS), 0x81, "-tiny down");
    assert_code(e, rnd(e, &-p2(-100), UP, NS), 0x80, "-tiny up");
    assert_code(e, rnd(e, &-p2(-100), TZ, NS), 0x80, "-tiny tz");
    assert_code(e, e.from_f64(-0.0, NE, NS), 0x80, "-0.0");
    assert_code(e, e.from_f64(0.0, NE, NS), 0x00, "+0.0");
    let e = f("float8_e4m3fnuz");
    assert_code(e, rnd(e, &-p2(-100), NE, NS), 0x00, "fnuz -tiny -> +0");
    assert_code(e, rnd(e, &-p2(-100), DN, NS), 0x81, "fnuz -tiny down");
    assert_code(e, e.from_f64(-0.0, NE, NS), 0x00, "fnuz -0.0");
    let e = f("float6_e2m3fn");
    assert_code(e, e.from_f64(-0.0, NE, NS), 0x20, "fp6 -0.0");
    assert_code(e, rnd(e, &q(-1, 16), NE, NS), 0x20, "fp6 -1/16 -> -0");
}

#[test]
fn e8m0_rounding() {
    let e = f("float8_e8m0fnu");
    // No fraction bits: ties go away from zero (LLVM APFloat, PyTorch, ml_dtypes).
    assert_code(e, dec(e, "1.5", NE, NS), 0x80, "1.5 tie -> 2 (away)");
    assert_code(e, dec(e, "1.4999", NE, NS), 0x7F, "1.4999");
    assert_code(e, dec(e, "3", NE, NS), 0x81, "3 tie -> 4 (away, not the even code 0x80)");
    assert_code(e, dec(e, "2.9999", NE, NS), 0x80, "just below the tie 3 -> 2");
    assert_code(e, rnd(e, &(p2(-125) * q(3, 2)), NE, NS), 0x03, "1.5*2^-125 tie -> 2^-124");
    assert_code(e, rnd(e, &(p2(-127) * q(3, 2) - p2(-160)), NE, NS), 0x00, "just below 1.5*2^-127 -> 2^-127");
    assert_code(e, dec(e, "6", NE, NS), 0x82, "6 tie -> 8");
    assert_code(e, dec(e, "1.1", UP, NS), 0x80, "1.1 up");
    assert_code(e, dec(e, "1.1", DN, NS), 0x7F, "1.1 down");
    assert_code(e, dec(e, "1.9", TZ, NS), 0x7F, "1.9 tz");
    for r in [NE, TZ, UP, DN, Rounding::Stochastic(u32::MAX)] {
        for o in [NS, SAT] {
            assert_code(e, rnd(e, &p2(-200), r, o), 0x00, "tiny -> 2^-127");
            assert_code(e, rnd(e, &(p2(-127) - p2(-140)), r, o), 0x00, "just below 2^-127");
            assert_nan(e, dec(e, "0", r, o), "0");
            assert_nan(e, dec(e, "-0", r, o), "-0");
            assert_nan(e, dec(e, "-1", r, o), "-1");
            assert_nan(e, dec(e, "-inf", r, o), "-inf");
            assert_nan(e, dec(e, "nan", r, o), "nan");
        }
    }
    assert_nan(e, rnd(e, &(p2(127) * q(3, 2)), NE, NS), "1.5*2^127 tie -> 2^128 (away), overflow");
    assert_code(e, rnd(e, &(p2(127) * q(3, 2)), NE, SAT), 0xFE, "1.5*2^127 tie saturates");
    assert_code(e, rnd(e, &(p2(127) * q(3, 2) - 1), NE, NS), 0xFE, "just below 1.5*2^127");
    assert_nan(e, rnd(e, &(p2(127) * q(3, 2) + 1), NE, NS), "just above 1.5*2^127");
    assert_nan(e, rnd(e, &p2(128), NE, NS), "2^128");
    assert_code(e, rnd(e, &p2(128), NE, SAT), 0xFE, "2^128 sat");
    assert_code(e, rnd(e, &p2(200), TZ, NS), 0xFE, "2^200 tz");
    assert_nan(e, dec(e, "inf", NE, NS), "inf");
    assert_code(e, dec(e, "inf", NE, SAT), 0xFE, "inf sat");
}

#[test]
fn special_inputs() {
    let e = f("float8_e4m3fn");
    assert_nan(e, e.from_f64(f64::NAN, NE, NS), "nan");
    assert_nan(e, e.from_f64(f64::INFINITY, NE, NS), "inf");
    assert_code(e, e.from_f64(f64::INFINITY, NE, SAT), 0x7E, "inf sat");
    assert_code(e, e.from_f64(f64::NEG_INFINITY, NE, SAT), 0xFE, "-inf sat");
    let e = f("float8_e5m2");
    assert_code(e, e.from_f64(f64::INFINITY, NE, NS), 0x7C, "inf");
    // An infinite input is not an overflow: the mode does not matter.
    assert_code(e, e.from_f64(f64::NEG_INFINITY, TZ, NS), 0xFC, "-inf tz");
    assert_code(e, e.from_f64(f64::NEG_INFINITY, NE, SAT), 0xFB, "-inf sat");
    assert_nan(e, e.from_f64(f64::NAN, NE, SAT), "nan sat");
    let e = f("float4_e2m1fn");
    assert_code(e, e.from_f64(f64::NAN, NE, NS), 0x0, "nan -> +0");
    assert_code(e, e.from_f64(f64::INFINITY, NE, NS), 0x7, "inf -> max");
    assert_code(e, e.from_f64(f64::NEG_INFINITY, NE, NS), 0xF, "-inf -> -max");
    let e = f("float8_e4m3fnuz");
    assert_code(e, e.from_f64(f64::NAN, NE, NS), 0x80, "fnuz nan");
    assert_code(e, e.from_f64(f64::NEG_INFINITY, NE, NS), 0x80, "fnuz -inf -> NaN");
    // Canonical NaN codes.
    for (name, code) in [
        ("float8_e4m3fn", 0x7F),
        ("float8_e5m2", 0x7E),
        ("float8_e4m3fnuz", 0x80),
        ("float8_e5m2fnuz", 0x80),
        ("float8_e4m3b11fnuz", 0x80),
        ("float8_e4m3", 0x7C),
        ("float8_e8m0fnu", 0xFF),
    ] {
        assert_eq!(f(name).from_f64(f64::NAN, NE, NS), code, "{name}");
    }
}

/// Every finite code rounds to itself in every mode; Inf codes stay Inf when non-saturating.
#[test]
fn every_code_round_trips() {
    let modes = [NE, TZ, UP, DN, Rounding::Stochastic(0), Rounding::Stochastic(u32::MAX), Rounding::Stochastic(12345)];
    for fmt in all_ref_formats() {
        for c in 0..fmt.num_codes() {
            let v = fmt.decode(c);
            for r in modes {
                for o in [NS, SAT] {
                    let got = fmt.round(&v, r, o);
                    match v {
                        RefValue::Nan => assert!(fmt.is_nan_code(got)),
                        RefValue::Inf { neg } if o == SAT => {
                            assert_code(fmt, got, fmt.max_finite_code() | if neg { 0x80 } else { 0 }, "inf sat")
                        }
                        _ => assert_code(fmt, got, c, "round trip"),
                    }
                }
            }
        }
    }
}

/// Ties between every pair of neighbours go to the even code; just off the midpoint goes to
/// the nearer neighbour.
#[test]
fn every_midpoint() {
    for fmt in all_ref_formats() {
        let t = fmt.values_sorted();
        let mut grid: Vec<(Rational, u32)> = Vec::new();
        if fmt.has_zero() {
            grid.push((Rational::new(), 0));
        }
        grid.extend(t.iter().cloned());
        for w in grid.windows(2) {
            let (lo, clo) = &w[0];
            let (hi, chi) = &w[1];
            let mid = Rational::from(lo + hi) / 2u32;
            let eps = Rational::from(hi - lo) * p2(-70);
            // Ties to the even code; without fraction bits (E8M0) away from zero.
            let even = if clo % 2 == 0 && fmt.name() != "float8_e8m0fnu" { *clo } else { *chi };
            assert_code(fmt, rnd(fmt, &mid, NE, NS), even, "midpoint");
            assert_code(fmt, rnd(fmt, &Rational::from(&mid - &eps), NE, NS), *clo, "below midpoint");
            assert_code(fmt, rnd(fmt, &Rational::from(&mid + &eps), NE, NS), *chi, "above midpoint");
            assert_code(fmt, rnd(fmt, &Rational::from(&mid + &eps), TZ, NS), *clo, "tz");
            assert_code(fmt, rnd(fmt, &Rational::from(lo + &eps), UP, NS), *chi, "up");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Decimal parsing
// ---------------------------------------------------------------------------------------

#[test]
fn decimal_parsing() {
    let e = f("float8_e4m3fn");
    let above = "1.062500000000000000000000000000000000001";
    let below = "1.062499999999999999999999999999999999999";
    assert_eq!(above.len(), 41); // 40 digits and the point
    assert_code(e, dec(e, above, NE, NS), 0x39, "40 digits just above the midpoint");
    assert_code(e, dec(e, below, NE, NS), 0x38, "40 digits just below the midpoint");
    assert_code(e, dec(e, "1.0625000000000000000000000000000000000000", NE, NS), 0x38, "exact tie");
    assert_code(e, dec(e, "+4.48E2", NE, NS), 0x7E, "4.48E2");
    assert_code(e, dec(e, "44800e-2", NE, NS), 0x7E, "44800e-2");
    assert_code(e, dec(e, ".5", NE, NS), 0x30, ".5");
    assert_code(e, dec(e, "5.", NE, NS), 0x4A, "5.");
    assert_code(e, dec(e, "-0", NE, NS), 0x80, "-0");
    assert_code(e, dec(e, "-0.000e-5", NE, NS), 0x80, "-0.000e-5");
    assert_code(e, dec(e, "0e999999999999999999999999", NE, NS), 0x00, "0e(huge)");
    assert_code(e, dec(e, "1e-999999999999999999999999", NE, NS), 0x00, "1e-(huge)");
    assert_code(e, dec(e, "1e-999999999999999999999999", UP, NS), 0x01, "1e-(huge) up");
    assert_code(e, dec(e, "-1e-999999999999999999999999", DN, NS), 0x81, "-1e-(huge) down");
    assert_nan(e, dec(e, "1e999999999999999999999999", NE, NS), "1e(huge)");
    assert_code(e, dec(e, "1e999999999999999999999999", TZ, NS), 0x7E, "1e(huge) tz");
    assert_code(e, dec(e, "0.001953125", NE, NS), 0x01, "2^-9");
    assert_code(e, dec(e, "0.0009765625000000000000000000000001", NE, NS), 0x01, "2^-10+");
    for s in ["nan", "NaN", "-NAN", "+nan"] {
        assert_nan(e, dec(e, s, NE, NS), s);
    }
    let e5 = f("float8_e5m2");
    for (s, c) in [("inf", 0x7C), ("+Inf", 0x7C), ("-infinity", 0xFC), ("INFINITY", 0x7C)] {
        assert_code(e5, dec(e5, s, NE, NS), c, s);
    }
    assert_eq!(parse_decimal("-1.25e1").unwrap(), RefValue::Num(q(-25, 2)));
    assert_eq!(parse_decimal("0.1").unwrap(), RefValue::Num(q(1, 10)));
    assert_eq!(parse_decimal("-0.0").unwrap(), RefValue::Zero { neg: true });

    for bad in [
        "", "+", "-", ".", "e5", "1e", "1e+", "1e-", "1.2.3", "1,5", " 1", "1 ", "0x10", "nana", "in", "--1", "+-1",
        "1e5.0", "1e5e5", "1_000", "infin", "\u{661}", "1\u{661}", "nan(1)", "1f",
    ] {
        assert!(e.from_decimal(bad, NE, NS).is_err(), "{bad:?} should be rejected");
    }
    let err = e.from_decimal("1.2.3", NE, NS).unwrap_err();
    assert!(err.to_string().contains("1.2.3"));
}

// ---------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------

#[test]
fn arithmetic_facts() {
    let e = f("float8_e4m3fn");
    assert_nan(e, e.add(0x7E, 0x7E), "448+448");
    assert_code(e, e.add(0x7E, 0xFE), 0x00, "448-448 = +0");
    assert_code(e, e.sub(0x38, 0x38), 0x00, "1-1 = +0");
    assert_code(e, e.sub(0xB8, 0xB8), 0x00, "-1-(-1) = +0");
    assert_code(e, e.add(0x80, 0x80), 0x80, "-0 + -0 = -0");
    assert_code(e, e.add(0x80, 0x00), 0x00, "-0 + +0 = +0");
    assert_code(e, e.sub(0x80, 0x00), 0x80, "-0 - +0 = -0");
    assert_code(e, e.sub(0x00, 0x00), 0x00, "+0 - +0 = +0");
    assert_code(e, e.add(0x80, 0xB8), 0xB8, "-0 + -1");
    assert_code(e, e.mul(0xB8, 0x00), 0x80, "-1 * +0 = -0");
    assert_code(e, e.mul(0x80, 0x80), 0x00, "-0 * -0 = +0");
    assert_code(e, e.mul(0x39, 0x39), 0x3A, "1.125^2 = 1.265625 -> 1.25");
    assert_nan(e, e.div(0x38, 0x00), "1/0 (no inf)");
    assert_nan(e, e.div(0x00, 0x00), "0/0");
    assert_code(e, e.div(0x00, 0x38), 0x00, "0/1");
    assert_code(e, e.div(0x80, 0x38), 0x80, "-0/1");
    assert_code(e, e.div(0x38, 0x48), 0x28, "1/4");
    assert_code(e, e.sqrt(0x80), 0x80, "sqrt(-0) = -0");
    assert_nan(e, e.sqrt(0xB8), "sqrt(-1)");
    assert_code(e, e.sqrt(0x40), 0x3B, "sqrt(2) -> 1.375");
    assert_code(e, e.sqrt(0x48), 0x40, "sqrt(4) = 2");
    assert_nan(e, e.add(0x7F, 0x38), "NaN + 1");
    assert_nan(e, e.mul_add(0x7F, 0x00, 0x00), "fma NaN");

    // 1/3 through MPFR (3 = 1.5 * 2 = 0x44).
    assert_eq!(val(e, 0x44), 3);
    assert_code(e, e.div(0x38, 0x44), 0x2B, "1/3");

    // Fused multiply-add rounds once: 1.125 * 1.125 - 1.25 = 2^-6 exactly.
    assert_code(e, e.mul_add(0x39, 0x39, 0xBA), 0x08, "fma single rounding");
    assert_code(e, e.add(e.mul(0x39, 0x39), 0xBA), 0x00, "unfused gives 0");
    assert_code(e, e.mul_add(0xB8, 0x00, 0x80), 0x80, "(-1)(+0) + (-0) = -0");
    assert_code(e, e.mul_add(0x38, 0x38, 0xB8), 0x00, "1*1 - 1 = +0");
    assert_code(e, e.mul_add(0x80, 0x80, 0x80), 0x00, "(-0)(-0) + (-0) = +0");
    assert_code(e, e.mul_add(0x80, 0x00, 0x00), 0x00, "(-0)(+0) + (+0) = +0");

    let e = f("float8_e5m2");
    assert_code(e, e.add(0x7B, 0x7B), 0x7C, "max + max = inf");
    assert_code(e, e.mul(0xFB, 0x7B), 0xFC, "-max * max = -inf");
    assert_nan(e, e.mul(0x00, 0x7C), "0 * inf");
    assert_nan(e, e.mul(0xFC, 0x80), "-inf * -0");
    assert_code(e, e.mul(0xFC, 0xBC), 0x7C, "-inf * -1");
    assert_nan(e, e.add(0x7C, 0xFC), "inf - inf");
    assert_nan(e, e.sub(0x7C, 0x7C), "inf - inf (sub)");
    assert_code(e, e.add(0x7C, 0x7C), 0x7C, "inf + inf");
    assert_code(e, e.add(0xFC, 0x7B), 0xFC, "-inf + max");
    assert_code(e, e.div(0x3C, 0x80), 0xFC, "1 / -0 = -inf");
    assert_code(e, e.div(0xBC, 0x80), 0x7C, "-1 / -0 = +inf");
    assert_nan(e, e.div(0x7C, 0xFC), "inf / -inf");
    assert_code(e, e.div(0x3C, 0x7C), 0x00, "1 / inf");
    assert_code(e, e.div(0xBC, 0x7C), 0x80, "-1 / inf");
    assert_code(e, e.div(0xFC, 0x3C), 0xFC, "-inf / 1");
    assert_code(e, e.sqrt(0x40), 0x3E, "sqrt(2) -> 1.5");
    assert_code(e, e.sqrt(0x7C), 0x7C, "sqrt(inf)");
    assert_nan(e, e.sqrt(0xFC), "sqrt(-inf)");
    assert_nan(e, e.mul_add(0x7C, 0x00, 0x3C), "fma inf*0");
    assert_nan(e, e.mul_add(0x7C, 0x3C, 0xFC), "fma inf - inf");
    assert_code(e, e.mul_add(0x3C, 0x3C, 0x7C), 0x7C, "fma 1*1 + inf");
    assert_code(e, e.mul_add(0x7C, 0xBC, 0x3C), 0xFC, "fma inf*-1 + 1");

    let e = f("float8_e4m3fnuz");
    assert_code(e, e.mul(0xC0, 0x00), 0x00, "fnuz -1 * 0 = +0");
    assert_code(e, e.sub(0x40, 0x40), 0x00, "fnuz x - x");
    assert_code(e, e.div(0x40, 0x00), 0x80, "fnuz 1/0 -> NaN");
    assert_code(e, e.sqrt(0x00), 0x00, "fnuz sqrt(0)");

    let e = f("float4_e2m1fn");
    assert_code(e, e.div(0x2, 0x0), 0x7, "fp4 1/0 -> +max");
    assert_code(e, e.div(0x2, 0x8), 0xF, "fp4 1/-0 -> -max");
    assert_code(e, e.div(0x0, 0x0), 0x0, "fp4 0/0 -> NaN -> +0");
    assert_code(e, e.add(0x7, 0x7), 0x7, "fp4 6+6 saturates");
    assert_code(e, e.mul(0x3, 0x3), 0x4, "fp4 1.5*1.5 = 2.25 -> 2");

    let e = f("float8_e8m0fnu");
    assert_code(e, e.add(0x7F, 0x7F), 0x80, "1 + 1 = 2");
    assert_nan(e, e.sub(0x7F, 0x7F), "1 - 1 = 0 -> NaN");
    assert_nan(e, e.sub(0x7F, 0x80), "1 - 2 < 0 -> NaN");
    assert_code(e, e.div(0x7F, 0xFE), 0x00, "1 / 2^127");
    assert_code(e, e.div(0x00, 0xFE), 0x00, "2^-254 -> 2^-127");
    assert_nan(e, e.mul(0xFE, 0x80), "2^128 -> NaN");
    assert_code(e, e.sqrt(0x00), 0x3F, "sqrt(2^-127) = 2^-63.5 -> 2^-64");
    assert_code(e, e.sqrt(0x81), 0x80, "sqrt(4) = 2");
    assert_nan(e, e.mul_add(0x7F, 0x7F, 0xFF), "fma NaN");
}

#[test]
fn conversions() {
    let a = f("float8_e4m3fn");
    let b = f("float8_e5m2");
    assert_code(b, a.convert_to(0x7E, b, NE, NS), 0x5F, "448 -> e5m2");
    assert_eq!(val(b, 0x5F), 448);
    assert_code(b, a.convert_to(0x80, b, NE, NS), 0x80, "-0 -> e5m2");
    assert_nan(b, a.convert_to(0x7F, b, NE, NS), "NaN -> e5m2");
    assert_nan(a, b.convert_to(0x7B, a, NE, NS), "57344 -> e4m3fn");
    assert_code(a, b.convert_to(0x7B, a, NE, SAT), 0x7E, "57344 -> e4m3fn sat");
    assert_nan(a, b.convert_to(0x7C, a, NE, NS), "inf -> e4m3fn");
    assert_code(a, b.convert_to(0xFC, a, NE, SAT), 0xFE, "-inf -> e4m3fn sat");
    let fp4 = f("float4_e2m1fn");
    assert_code(fp4, a.convert_to(0x7E, fp4, NE, NS), 0x7, "448 -> fp4");
    assert_code(fp4, b.convert_to(0x7E, fp4, NE, NS), 0x0, "NaN -> fp4");
    let e8 = f("float8_e8m0fnu");
    assert_code(e8, a.convert_to(0x7E, e8, NE, NS), 0x88, "448 -> 512");
    assert_nan(e8, a.convert_to(0x80, e8, NE, NS), "-0 -> e8m0");
    let fnuz = f("float8_e4m3fnuz");
    assert_code(fnuz, a.convert_to(0x80, fnuz, NE, NS), 0x00, "-0 -> fnuz +0");
    assert_code(a, e8.convert_to(0x7F, a, NE, NS), 0x38, "e8m0 1 -> 1");
    assert_code(a, e8.convert_to(0x00, a, NE, NS), 0x00, "2^-127 -> +0");
    assert_code(a, e8.convert_to(0x00, a, UP, NS), 0x01, "2^-127 up");
    // e5m2 -> e4m3fn one rounding: 0x3D = 1.25, 0x39 = 1.125 in e4m3fn is exact.
    assert_code(a, b.convert_to(0x3D, a, NE, NS), 0x3A, "1.25");
}

// ---------------------------------------------------------------------------------------
// round_float (MPFR approximations) agrees with the exact path
// ---------------------------------------------------------------------------------------

fn mpfr_round(x: &Rational, prec: u32, round: Round) -> (Float, Ordering) {
    let (fl, ternary) = Float::with_val_round(prec, x, round);
    (fl, ternary.reverse())
}

#[test]
fn round_float_matches_exact_on_quotients() {
    let modes =
        [NE, TZ, UP, DN, Rounding::Stochastic(0), Rounding::Stochastic(1 << 31), Rounding::Stochastic(0xDEAD_BEEF)];
    for name in ["float8_e4m3fn", "float8_e5m2", "float4_e2m1fn", "float8_e8m0fnu", "float6_e3m2fn"] {
        let fmt = f(name);
        let vals: Vec<Rational> = (0..fmt.num_codes())
            .filter_map(|c| match fmt.decode(c) {
                RefValue::Num(x) => Some(x),
                _ => None,
            })
            .collect();
        // Keep the run short: every value against a spread of divisors.
        let divisors: Vec<&Rational> = vals.iter().step_by(7).collect();
        for a in &vals {
            for b in &divisors {
                let exact = Rational::from(a / *b);
                for r in modes {
                    for o in [NS, SAT] {
                        let want = rnd(fmt, &exact, r, o);
                        for (prec, round) in
                            [(64, Round::Nearest), (64, Round::Down), (200, Round::Up), (53, Round::Zero)]
                        {
                            let (fl, dir) = mpfr_round(&exact, prec, round);
                            let got = fmt.round_float(&fl, dir, r, o);
                            assert_eq!(got, want, "{name} {a}/{b} prec {prec} {round:?} {r:?} {o:?}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn round_float_breaks_ties_with_the_direction() {
    let e = f("float8_e4m3fn");
    // x exactly on the midpoint 1.0625; the exact value is just above / below / equal.
    let mid = Float::with_val(64, 1.0625);
    assert_eq!(e.round_float(&mid, Ordering::Greater, NE, NS), 0x39);
    assert_eq!(e.round_float(&mid, Ordering::Less, NE, NS), 0x38);
    assert_eq!(e.round_float(&mid, Ordering::Equal, NE, NS), 0x38);
    let neg = Float::with_val(64, -1.0625);
    assert_eq!(e.round_float(&neg, Ordering::Less, NE, NS), 0xB9); // exact < -1.0625
    assert_eq!(e.round_float(&neg, Ordering::Greater, NE, NS), 0xB8);
    // x exactly on a grid point: directed modes need the direction.
    let one = Float::with_val(64, 1.0);
    assert_eq!(e.round_float(&one, Ordering::Greater, UP, NS), 0x39);
    assert_eq!(e.round_float(&one, Ordering::Less, UP, NS), 0x38);
    assert_eq!(e.round_float(&one, Ordering::Less, DN, NS), 0x37);
    assert_eq!(e.round_float(&one, Ordering::Equal, DN, NS), 0x38);
    assert_eq!(e.round_float(&one, Ordering::Less, TZ, NS), 0x37);
    // On the virtual point 480: just below, toward zero gives max and nearest overflows;
    // just above, toward zero still gives max (overflow toward zero saturates).
    let v = Float::with_val(64, 480);
    assert_eq!(e.round_float(&v, Ordering::Less, TZ, NS), 0x7E);
    assert!(e.is_nan_code(e.round_float(&v, Ordering::Less, NE, NS)));
    assert_eq!(e.round_float(&v, Ordering::Greater, TZ, NS), 0x7E);
    assert!(e.is_nan_code(e.round_float(&v, Ordering::Less, UP, NS)));
    // On the midpoint 464 between 448 and 480.
    let m = Float::with_val(64, 464);
    assert_eq!(e.round_float(&m, Ordering::Less, NE, NS), 0x7E);
    assert_eq!(e.round_float(&m, Ordering::Equal, NE, NS), 0x7E);
    assert!(e.is_nan_code(e.round_float(&m, Ordering::Greater, NE, NS)));
    // On the stochastic threshold: 1 + 2^-3 * r / 2^32 with r = 2^31 is the midpoint.
    assert_eq!(e.round_float(&mid, Ordering::Greater, Rounding::Stochastic(1 << 31), NS), 0x39);
    assert_eq!(e.round_float(&mid, Ordering::Equal, Rounding::Stochastic(1 << 31), NS), 0x38);
    // A zero approximation of a tiny nonzero value.
    let z = Float::new(64);
    assert_eq!(e.round_float(&z, Ordering::Greater, UP, NS), 0x01);
    assert_eq!(e.round_float(&z, Ordering::Less, NE, NS), 0x80);
    assert_eq!(e.round_float(&z, Ordering::Greater, Rounding::Stochastic(0), NS), 0x01);
    assert_eq!(e.round_float(&-z.clone(), Ordering::Equal, NE, NS), 0x80);
    // Specials.
    assert!(e.is_nan_code(e.round_float(&Float::with_val(64, f64::NAN), Ordering::Equal, NE, NS)));
    assert_eq!(f("float8_e5m2").round_float(&Float::with_val(64, f64::NEG_INFINITY), Ordering::Equal, NE, NS), 0xFC);
}

#[test]
fn mpfr_ops_match_exact_rationals() {
    // div and sqrt go through MPFR; check them against exact rational arithmetic everywhere.
    for fmt in all_ref_formats() {
        let n = fmt.num_codes();
        for a in 0..n {
            let va = fmt.decode(a);
            if let RefValue::Num(x) = &va {
                if *x > 0 {
                    let c = fmt.sqrt(a);
                    let got = val(fmt, c);
                    // Check that sqrt(x) lies between the midpoints around `got` by
                    // comparing squares exactly.
                    let grid: Vec<Rational> = {
                        let mut g: Vec<Rational> = Vec::new();
                        if fmt.has_zero() {
                            g.push(Rational::new());
                        }
                        g.extend(fmt.values_sorted().iter().map(|(v, _)| v.clone()));
                        g.push(fmt.virtual_above_max().clone());
                        g
                    };
                    let i = grid.iter().position(|g| *g == got).unwrap();
                    let sq = |m: Rational| Rational::from(&m * &m);
                    if i > 0 {
                        let lo_mid = Rational::from(&grid[i - 1] + &grid[i]) / 2u32;
                        assert!(sq(lo_mid) <= *x, "{} sqrt({})", fmt.name(), describe(fmt, a));
                    }
                    let hi_mid = Rational::from(&grid[i] + &grid[i + 1]) / 2u32;
                    assert!(sq(hi_mid) >= *x, "{} sqrt({})", fmt.name(), describe(fmt, a));
                }
            }
            for b in 0..n {
                let vb = fmt.decode(b);
                if let (RefValue::Num(x), RefValue::Num(y)) = (&va, &vb) {
                    let want = rnd(fmt, &Rational::from(x / y), NE, NS);
                    assert_eq!(fmt.div(a, b), want, "{} {} / {}", fmt.name(), describe(fmt, a), describe(fmt, b));
                }
            }
        }
    }
}
