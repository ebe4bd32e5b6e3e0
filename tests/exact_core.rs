//! The rounding core and the exact arithmetic at full width (f64 / f32 layouts, 64-bit
//! significands, exponent spans of hundreds of bits), against MPFR's own rounding.
#![cfg(feature = "reference")]

mod common;

use common::{rng_seed, SplitMix};
use lowp::round::{round_ieee, F32_LAYOUT, F64_LAYOUT};
use lowp::{Exact, Overflow, Rounding};
use proptest::prelude::*;
use rug::float::Round;
use rug::{Float, Rational};

/// The exact rational of an `Exact` (sticky read as "+ 1/2 unit": any value strictly inside works).
fn rational(x: Exact) -> Option<Rational> {
    match x {
        Exact::Finite { neg, sig, exp, sticky } => {
            let mut q = Rational::from(sig) * 2;
            if sticky {
                q += 1;
            }
            let mut q: Rational = q / 2u32;
            if exp >= 0 {
                q <<= exp as u32;
            } else {
                q >>= (-exp) as u32;
            }
            Some(if neg { -q } else { q })
        }
        Exact::Zero { .. } => Some(Rational::new()),
        _ => None,
    }
}

/// MPFR's rounding of `q` to `prec` bits, for values in the normal range.
fn mpfr_round(q: &Rational, prec: u32, mode: Rounding) -> Float {
    let round = match mode {
        Rounding::NearestEven => Round::Nearest,
        Rounding::TowardZero => Round::Zero,
        Rounding::Up => Round::Up,
        Rounding::Down => Round::Down,
        Rounding::Stochastic(_) => unreachable!(),
    };
    Float::with_val_round(prec, q, round).0
}

const MODES: [Rounding; 4] = [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down];

fn check_f64(x: Exact) {
    let q = rational(x).unwrap();
    for mode in MODES {
        let got = f64::from_bits(round_ieee(x, &F64_LAYOUT, mode, Overflow::NonSaturating));
        let want = mpfr_round(&q, 53, mode).to_f64();
        assert_eq!(got.to_bits(), want.to_bits(), "{x:?} under {mode:?}: core {got:e}, MPFR {want:e}");
        let got32 = f32::from_bits(round_ieee(x, &F32_LAYOUT, mode, Overflow::NonSaturating) as u32);
        let want32 = mpfr_round(&q, 24, mode).to_f32();
        assert_eq!(got32.to_bits(), want32.to_bits(), "{x:?} to f32 under {mode:?}: core {got32:e}, MPFR {want32:e}");
    }
}

proptest! {
    #![proptest_config(common::proptest_config("exact_core", 20_000))]

    /// Rounding an arbitrary (sig, exp, sticky) to f64 and f32 (normal range) equals MPFR.
    #[test]
    fn core_rounds_like_mpfr(sig in 1u64.., exp in -150i32..40, sticky: bool, neg: bool) {
        // A sticky value carries a full-width significand (the type's invariant).
        let sig = if sticky { sig | 1 << 63 } else { sig };
        check_f64(Exact::Finite { neg, sig, exp, sticky });
    }

    /// Exact addition with exponent spans up to ~600 bits (the sticky path), rounded to f64.
    #[test]
    fn exact_add_is_exact(sa in 1u64.., ea in -300i32..300, na: bool, sb in 1u64.., eb in -300i32..300, nb: bool) {
        let a = Exact::Finite { neg: na, sig: sa, exp: ea, sticky: false };
        let b = Exact::Finite { neg: nb, sig: sb, exp: eb, sticky: false };
        let s = a + b;
        let q = rational(a).unwrap() + rational(b).unwrap();
        if q == 0 {
            prop_assert_eq!(s, Exact::Zero { neg: false });
        } else {
            for mode in MODES {
                let got = f64::from_bits(round_ieee(s, &F64_LAYOUT, mode, Overflow::NonSaturating));
                let want = mpfr_round(&q, 53, mode).to_f64();
                prop_assert_eq!(got.to_bits(), want.to_bits(), "{:?} + {:?} under {:?}", a, b, mode);
            }
        }
    }

    /// Exact products, rounded to f64.
    #[test]
    fn exact_mul_is_exact(sa in 1u64.., ea in -200i32..200, na: bool, sb in 1u64.., eb in -200i32..200, nb: bool) {
        let a = Exact::Finite { neg: na, sig: sa, exp: ea, sticky: false };
        let b = Exact::Finite { neg: nb, sig: sb, exp: eb, sticky: false };
        let q = rational(a).unwrap() * rational(b).unwrap();
        for mode in MODES {
            let got = f64::from_bits(round_ieee(a * b, &F64_LAYOUT, mode, Overflow::NonSaturating));
            let want = mpfr_round(&q, 53, mode).to_f64();
            prop_assert_eq!(got.to_bits(), want.to_bits());
        }
    }
}

proptest! {
    #![proptest_config(common::proptest_config("exact_core_ops", 20_000))]

    /// Exact quotients (64 bits + sticky), rounded to f64 and f32, against MPFR's division.
    #[test]
    fn exact_div_rounds_like_mpfr(sa in 1u64.., ea in -100i32..100, na: bool, sb in 1u64.., eb in -100i32..100, nb: bool) {
        let a = Exact::Finite { neg: na, sig: sa, exp: ea, sticky: false };
        let b = Exact::Finite { neg: nb, sig: sb, exp: eb, sticky: false };
        let q = rational(a).unwrap() / rational(b).unwrap();
        for mode in MODES {
            let got = f64::from_bits(round_ieee(a / b, &F64_LAYOUT, mode, Overflow::NonSaturating));
            prop_assert_eq!(got.to_bits(), mpfr_round(&q, 53, mode).to_f64().to_bits());
        }
    }

    /// Exact square roots (64 bits + sticky), rounded to f64, against MPFR's square root.
    #[test]
    fn exact_sqrt_rounds_like_mpfr(s in 1u64.., e in -300i32..300) {
        let a = Exact::Finite { neg: false, sig: s, exp: e, sticky: false };
        let x = Float::with_val(200, &rational(a).unwrap());
        for mode in MODES {
            let round = match mode {
                Rounding::NearestEven => Round::Nearest,
                Rounding::TowardZero => Round::Zero,
                Rounding::Up => Round::Up,
                _ => Round::Down,
            };
            // x is exact at 200 bits (s has <= 64); MPFR rounds its root once to 53 bits.
            let want = Float::with_val_round(53, x.sqrt_ref(), round).0.to_f64();
            let got = f64::from_bits(round_ieee(a.sqrt(), &F64_LAYOUT, mode, Overflow::NonSaturating));
            prop_assert_eq!(got.to_bits(), want.to_bits(), "sqrt({:?}) under {:?}", a, mode);
        }
    }
}

#[test]
fn exact_specials() {
    let f = Exact::from_f64;
    assert_eq!(f(1.0) / f(0.0), Exact::Inf { neg: false });
    assert_eq!(f(-1.0) / f(0.0), Exact::Inf { neg: true });
    assert_eq!(f(0.0) / f(0.0), Exact::Nan);
    assert_eq!(f(-0.0).sqrt(), Exact::Zero { neg: true });
    assert_eq!(f(-4.0).sqrt(), Exact::Nan);
    assert_eq!((f(1.0) / f(3.0)).to_f64(), 1.0 / 3.0);
}

/// Cancellation right at the sticky boundary: a - tiny where tiny falls just outside the window.
#[test]
fn add_cancellation_edges() {
    let seed = rng_seed("add_cancellation_edges");
    let mut g = SplitMix::new(seed);
    for _ in 0..200_000 {
        let sa = g.next_u64() | 1 << 63;
        let ea = (g.next_u32() % 200) as i32 - 100;
        let sb = (g.next_u64() >> (g.next_u32() % 64)).max(1);
        let eb = ea - 60 - (g.next_u32() % 140) as i32;
        let a = Exact::Finite { neg: false, sig: sa, exp: ea, sticky: false };
        let b = Exact::Finite { neg: true, sig: sb, exp: eb, sticky: false };
        let q = rational(a).unwrap() + rational(b).unwrap();
        for mode in MODES {
            let got = f64::from_bits(round_ieee(a + b, &F64_LAYOUT, mode, Overflow::NonSaturating));
            let want = mpfr_round(&q, 53, mode).to_f64();
            assert_eq!(got.to_bits(), want.to_bits(), "{a:?} + {b:?} under {mode:?} (seed {seed:#x})");
        }
    }
}

/// MPFR's rounding of `q` into an IEEE binary format of `prec` bits (24: binary32, 53:
/// binary64) with subnormals emulated (`subnormalize`), values below the smallest subnormal
/// decided by hand (MPFR's subnormalize leaves them alone) and overflow by IEEE 754's rule
/// (±max when the mode rounds toward zero for that sign, else ±∞) — written apart from the core.
fn mpfr_ieee(q: &Rational, prec: u32, mode: Rounding) -> f64 {
    let (emin_sub, emax) = if prec == 24 { (-149, 127) } else { (-1074, 1023) };
    let max = if prec == 24 { f32::MAX as f64 } else { f64::MAX };
    let round = match mode {
        Rounding::NearestEven => Round::Nearest,
        Rounding::TowardZero => Round::Zero,
        Rounding::Up => Round::Up,
        Rounding::Down => Round::Down,
        Rounding::Stochastic(_) => unreachable!(),
    };
    let neg = *q < 0;
    let tiny = Rational::from(1) >> (-emin_sub) as u32; // the smallest subnormal
    let mag = Rational::from(q.abs_ref());
    let signed = |x: f64| if neg { -x } else { x };
    if mag < tiny {
        let half = Rational::from(&tiny / 2u32);
        let up = match mode {
            Rounding::NearestEven => mag > half,
            Rounding::TowardZero => false,
            Rounding::Up => !neg,
            Rounding::Down => neg,
            Rounding::Stochastic(_) => unreachable!(),
        };
        return signed(if up { 2f64.powi(emin_sub) } else { 0.0 });
    }
    let (mut f, dir) = Float::with_val_round(prec, q, round);
    f.subnormalize_ieee_round(dir, round);
    let big = Rational::from(1) << (emax + 1) as u32;
    if Rational::from(f.to_rational().unwrap().abs_ref()) >= big {
        let toward_zero = match mode {
            Rounding::TowardZero => true,
            Rounding::Up => neg,
            Rounding::Down => !neg,
            _ => false,
        };
        return signed(if toward_zero { max } else { f64::INFINITY });
    }
    f.to_f64()
}

/// The core where it is hardest (issue 10 item 12): small significands (a few bits) and full
/// ones with sticky bits, at exponents around the f32 and f64 subnormal ranges, underflow to
/// zero and overflow, under every directed mode, against MPFR with emulated subnormals.
#[test]
fn core_rounds_edges_like_mpfr() {
    let seed = rng_seed("core_rounds_edges_like_mpfr");
    let mut g = SplitMix::new(seed);
    // Where the value's leading bit lands: around f32's and f64's smallest subnormal, their
    // smallest normal, their overflow threshold, and zero-underflow far below.
    let windows: [(i32, i32); 8] = [
        (-153, -145),
        (-130, -122),
        (124, 130),
        (-1079, -1070),
        (-1026, -1018),
        (1020, 1026),
        (-1200, -1160),
        (-170, -150),
    ];
    let mut n = 0u64;
    for _ in 0..60_000 {
        let sticky = g.next_u32().is_multiple_of(4);
        let bits = if sticky { 64 } else { 1 + g.next_u32() % 64 };
        let mut sig = g.next_u64() >> (64 - bits) | 1 << (bits - 1);
        if g.next_u32().is_multiple_of(3) {
            sig |= 1; // odd: ties and near-ties in the last place
        }
        let (lo, hi) = windows[(g.next_u32() % windows.len() as u32) as usize];
        let top = lo + (g.next_u32() % (hi - lo + 1) as u32) as i32; // floor(log2) of the value
        let exp = top - (bits as i32 - 1);
        let x = Exact::Finite { neg: g.next_u32().is_multiple_of(2), sig, exp, sticky };
        let q = rational(x).unwrap();
        for mode in MODES {
            for (prec, layout) in [(53, &F64_LAYOUT), (24, &F32_LAYOUT)] {
                let got = round_ieee(x, layout, mode, Overflow::NonSaturating);
                let want = mpfr_ieee(&q, prec, mode);
                let want_bits = if prec == 24 { (want as f32).to_bits() as u64 } else { want.to_bits() };
                assert_eq!(
                    got,
                    want_bits,
                    "{x:?} to binary{} under {mode:?}: core {got:#x}, MPFR {want:e} ({want_bits:#x}) (seed {seed:#x})",
                    if prec == 24 { 32 } else { 64 }
                );
                n += 1;
            }
        }
    }
    eprintln!("core_rounds_edges_like_mpfr: {n} roundings");
}
