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
