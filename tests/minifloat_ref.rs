//! Every minifloat against the independent MPFR reference (`lowp::reference`), bit for bit.
//!
//! Exhaustive where the space is small (every code, every pair of 8-bit codes, every triple of
//! the 4- and 6-bit formats), seeded random plus edge cases where not. Failure messages print
//! the inputs and both results as value, hex and bits, and the seed.
#![cfg(feature = "reference")]

mod common;

use common::{check_code, rng_seed, SplitMix, ALL_MODES};
use lowp::reference::{ref_format, RefFormat, RefValue};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, Float8E8M0FNU, LowpFloat, Overflow, Rounding,
};
use rug::Rational;

fn rf<T: LowpFloat>() -> &'static RefFormat {
    ref_format(T::NAME).unwrap_or_else(|| panic!("reference lacks {}", T::NAME))
}

fn codes<T: LowpFloat<Bits = u8>>() -> impl Iterator<Item = T> + Clone {
    (0..(1u32 << T::BITS)).map(|c| T::from_bits(c as u8))
}

/// The library's decoded value as a reference value.
fn lib_value<T: LowpFloat>(x: T) -> RefValue {
    let v = x.to_f64();
    if v.is_nan() {
        RefValue::Nan
    } else if v.is_infinite() {
        RefValue::Inf { neg: v < 0.0 }
    } else if v == 0.0 {
        RefValue::Zero { neg: v.is_sign_negative() }
    } else {
        RefValue::Num(Rational::from_f64(v).unwrap())
    }
}

fn decode_matches<T: LowpFloat<Bits = u8>>() {
    let r = rf::<T>();
    for x in codes::<T>() {
        let c = x.to_bits() as u32;
        let want = r.decode(c);
        let got = lib_value(x);
        let same = match (&want, &got) {
            (RefValue::Nan, RefValue::Nan) => true,
            (RefValue::Inf { neg: a }, RefValue::Inf { neg: b }) => a == b,
            (RefValue::Zero { neg: a }, RefValue::Zero { neg: b }) => a == b,
            (RefValue::Num(a), RefValue::Num(b)) => a == b,
            _ => false,
        };
        assert!(same, "{}: code {:#04x} ({:#010b}) decodes to {:?}, reference says {:?}", T::NAME, c, c, got, want);
        assert_eq!(x.is_nan(), r.is_nan_code(c), "{} {:#04x} is_nan", T::NAME, c);
        assert_eq!(x.is_infinite(), r.is_inf_code(c), "{} {:#04x} is_infinite", T::NAME, c);
        // next_up / next_down move to the adjacent value in the order of the reals.
        if !x.is_nan() {
            let up = x.next_up();
            if up.to_bits() != x.to_bits() {
                assert!(
                    up.to_f64() > x.to_f64() || (x.is_zero() && up.to_f64() > 0.0),
                    "{} next_up({:#04x})",
                    T::NAME,
                    c
                );
                assert!(
                    codes::<T>().all(|y| y.is_nan() || !(y.to_f64() > x.to_f64() && y.to_f64() < up.to_f64())),
                    "{} next_up({:#04x}) skips a value",
                    T::NAME,
                    c
                );
            }
            let down = x.next_down();
            if down.to_bits() != x.to_bits() {
                assert!(
                    down.to_f64() < x.to_f64() || (x.is_zero() && down.to_f64() < 0.0),
                    "{} next_down({:#04x})",
                    T::NAME,
                    c
                );
            }
        }
    }
}

/// Every pair of codes through `+ - * /`, every code through sqrt, against the reference.
fn ops_exhaustive<T: LowpFloat<Bits = u8>>() {
    let r = rf::<T>();
    for a in codes::<T>() {
        let ca = a.to_bits() as u32;
        check_code(r, "sqrt", &[ca], r.sqrt(ca), a.sqrt().to_bits() as u32, 0);
        for b in codes::<T>() {
            let cb = b.to_bits() as u32;
            check_code(r, "add", &[ca, cb], r.add(ca, cb), (a + b).to_bits() as u32, 0);
            check_code(r, "sub", &[ca, cb], r.sub(ca, cb), (a - b).to_bits() as u32, 0);
            check_code(r, "mul", &[ca, cb], r.mul(ca, cb), (a * b).to_bits() as u32, 0);
            check_code(r, "div", &[ca, cb], r.div(ca, cb), (a / b).to_bits() as u32, 0);
        }
    }
}

/// `mul_add` on every triple (formats of 6 bits or fewer) or on `n` seeded random triples
/// plus all triples drawn from the edge set.
fn fma_check<T: LowpFloat<Bits = u8>>(n_random: usize) {
    let r = rf::<T>();
    let fma = |a: u32, b: u32, c: u32| {
        let got = T::from_bits(a as u8).mul_add(T::from_bits(b as u8), T::from_bits(c as u8)).to_bits() as u32;
        (r.mul_add(a, b, c), got)
    };
    if T::BITS <= 6 {
        for a in 0..(1u32 << T::BITS) {
            for b in 0..(1u32 << T::BITS) {
                for c in 0..(1u32 << T::BITS) {
                    let (want, got) = fma(a, b, c);
                    check_code(r, "mul_add", &[a, b, c], want, got, 0);
                }
            }
        }
        return;
    }
    let seed = rng_seed(T::NAME);
    let mut g = SplitMix::new(seed);
    for _ in 0..n_random {
        let (a, b, c) = (g.next_u32() & 0xff, g.next_u32() & 0xff, g.next_u32() & 0xff);
        let (want, got) = fma(a, b, c);
        check_code(r, "mul_add", &[a, b, c], want, got, seed);
    }
    let edges = common::edge_codes::<T>();
    for &a in &edges {
        for &b in &edges {
            for &c in &edges {
                let (want, got) = fma(a, b, c);
                check_code(r, "mul_add", &[a, b, c], want, got, seed);
            }
        }
    }
}

/// Conversion of one f64 under every mode and both overflow rules.
fn conv_one<T: LowpFloat<Bits = u8>>(r: &RefFormat, x: f64, seed: u64, g: &mut SplitMix) {
    for mode in ALL_MODES.iter().copied().chain([Rounding::Stochastic(g.next_u32())]) {
        for o in [Overflow::NonSaturating, Overflow::Saturating] {
            let got = T::from_f64_with(x, mode, o).to_bits() as u32;
            let want = r.from_f64(x, mode, o);
            if want != got {
                panic!(
                    "{}: from_f64({x:e} = {:#018x}) under {mode:?}/{o:?}: lib {}, reference {} (seed {seed:#x})",
                    T::NAME,
                    x.to_bits(),
                    lowp::reference::describe(r, got),
                    lowp::reference::describe(r, want)
                );
            }
            if (x as f32) as f64 == x || x.is_nan() {
                let got32 = T::from_f32_with(x as f32, mode, o).to_bits() as u32;
                assert!(got32 == got, "{}: from_f32({x:e}) under {mode:?}/{o:?} differs from from_f64", T::NAME);
            }
        }
    }
}

/// Every f16 and bf16 value, every f64 within 4 ulps of every midpoint, grid point and
/// overflow threshold, and `n_random` seeded random f64 — under every mode.
fn conversions<T: LowpFloat<Bits = u8>>(n_random: usize) {
    let r = rf::<T>();
    let seed = rng_seed(T::NAME) ^ 0xc0ffee;
    let mut g = SplitMix::new(seed);
    for bits in 0..=u16::MAX {
        conv_one::<T>(r, half::f16::from_bits(bits).to_f64(), seed, &mut g);
        conv_one::<T>(r, half::bf16::from_bits(bits).to_f64(), seed, &mut g);
    }
    // Grid points and midpoints (the grid extended one step above max, and zero).
    let mut grid: Vec<f64> = vec![0.0];
    grid.extend(codes::<T>().filter(|x| x.is_finite() && x.to_f64() > 0.0).map(|x| x.to_f64()));
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let n = grid.len();
    let top_ulp = grid[n - 1] - grid[n - 2];
    grid.push(grid[n - 1] + top_ulp);
    let mut points = grid.clone();
    for w in grid.windows(2) {
        points.push((w[0] + w[1]) / 2.0);
    }
    for p in points {
        for s in [1.0, -1.0] {
            let mut v = p * s;
            let mut u = p * s;
            for _ in 0..=4 {
                conv_one::<T>(r, v, seed, &mut g);
                conv_one::<T>(r, u, seed, &mut g);
                v = v.next_up();
                u = u.next_down();
            }
        }
    }
    for x in
        [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::MIN_POSITIVE, 5e-324, -5e-324, 0.0, -0.0]
    {
        conv_one::<T>(r, x, seed, &mut g);
    }
    let lo = grid[1].log2();
    let hi = grid[n].log2() + 2.0;
    for i in 0..n_random {
        let x = if i % 4 == 0 {
            f64::from_bits(g.next_u64())
        } else {
            // Log-uniform over the format's range and a little beyond, random sign.
            let e = lo - 3.0 + (hi - lo + 3.0) * g.next_f64();
            let v = e.exp2() * if g.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
            f64::from_bits(v.to_bits() ^ (g.next_u64() & 0xff)) // random low bits
        };
        conv_one::<T>(r, x, seed, &mut g);
    }
}

/// Every code converted to every other minifloat, under every mode.
fn cross_conversions<S: LowpFloat<Bits = u8>, D: LowpFloat<Bits = u8>>() {
    let rs = rf::<S>();
    let rd = rf::<D>();
    let mut g = SplitMix::new(rng_seed(S::NAME));
    for x in codes::<S>() {
        for mode in ALL_MODES.iter().copied().chain([Rounding::Stochastic(g.next_u32())]) {
            for o in [Overflow::NonSaturating, Overflow::Saturating] {
                let got = x.convert_with::<D>(mode, o).to_bits() as u32;
                let want = rs.convert_to(x.to_bits() as u32, rd, mode, o);
                assert!(
                    want == got,
                    "{} {} -> {} under {mode:?}/{o:?}: lib {}, reference {}",
                    S::NAME,
                    lowp::reference::describe(rs, x.to_bits() as u32),
                    D::NAME,
                    lowp::reference::describe(rd, got),
                    lowp::reference::describe(rd, want)
                );
            }
        }
    }
}

/// Integers (the edge values of every width and random ones) into the format.
fn integers<T: LowpFloat<Bits = u8>>() {
    let r = rf::<T>();
    let seed = rng_seed(T::NAME) ^ 0x1;
    let mut g = SplitMix::new(seed);
    let mut ints: Vec<i64> =
        vec![0, 1, -1, 2, 3, 5, 7, 15, 17, 255, 448, 464, 465, 480, i64::MAX, i64::MIN, i64::MIN + 1];
    for k in 0..63 {
        for d in [-1i64, 0, 1] {
            ints.push((1i64 << k).wrapping_add(d));
            ints.push(-(1i64 << k).wrapping_add(d));
            ints.push(((3i64 << k) >> 1).wrapping_add(d));
        }
    }
    for _ in 0..20_000 {
        ints.push((g.next_u64() as i64) >> (g.next_u32() % 64));
    }
    for i in ints {
        for mode in ALL_MODES {
            for o in [Overflow::NonSaturating, Overflow::Saturating] {
                let got = T::from_i64_with(i, mode, o).to_bits() as u32;
                let want = r.round(&RefValue::from_rational(Rational::from(i)), mode, o);
                assert!(
                    want == got,
                    "{}: from_i64({i}) under {mode:?}/{o:?}: lib {}, reference {} (seed {seed:#x})",
                    T::NAME,
                    lowp::reference::describe(r, got),
                    lowp::reference::describe(r, want)
                );
            }
        }
        if i >= 0 {
            let got = T::from_u64_with(i as u64, Rounding::NearestEven, Overflow::NonSaturating).to_bits() as u32;
            assert_eq!(got, T::from_i64_with(i, Rounding::NearestEven, Overflow::NonSaturating).to_bits() as u32);
        }
    }
    // And back: every code to an integer under every mode agrees with rounding the exact value.
    for x in codes::<T>() {
        for mode in ALL_MODES {
            let got = x.to_i64_with(mode);
            let v = x.to_f64();
            let want = if v.is_nan() || v.is_infinite() {
                None
            } else {
                let q = Rational::from_f64(v).unwrap();
                let (fl, ce) = (q.clone().floor(), q.clone().ceil());
                let pick = match mode {
                    Rounding::TowardZero => q.clone().trunc(),
                    Rounding::Up => ce,
                    Rounding::Down => fl,
                    _ => {
                        let twice = Rational::from(&q * 2u32);
                        let d = &twice - Rational::from(&fl * 2u32);
                        if d < 1 || (d == 1 && fl.numer().is_even()) {
                            fl
                        } else {
                            ce
                        }
                    }
                };
                pick.numer().to_i64()
            };
            assert_eq!(got.ok(), want, "{}: {:?}.to_i64_with({mode:?})", T::NAME, x);
        }
    }
}

macro_rules! per_format {
    ($($m:ident: $t:ty, $n_fma:expr, $n_conv:expr;)*) => {$(
        mod $m {
            use super::*;
            #[test]
            fn decode_every_code() { decode_matches::<$t>(); }
            #[test]
            fn ops_every_pair() { ops_exhaustive::<$t>(); }
            #[test]
            fn mul_add() { fma_check::<$t>($n_fma); }
            #[test]
            fn conversions_from_f64_f32() { conversions::<$t>($n_conv); }
            #[test]
            fn integers_both_ways() { integers::<$t>(); }
            #[test]
            fn to_every_other_format() {
                cross_conversions::<$t, Float8E4M3FN>();
                cross_conversions::<$t, Float8E5M2>();
                cross_conversions::<$t, Float8E4M3FNUZ>();
                cross_conversions::<$t, Float8E5M2FNUZ>();
                cross_conversions::<$t, Float8E4M3B11FNUZ>();
                cross_conversions::<$t, Float8E4M3>();
                cross_conversions::<$t, Float6E2M3FN>();
                cross_conversions::<$t, Float6E3M2FN>();
                cross_conversions::<$t, Float4E2M1FN>();
                cross_conversions::<$t, Float8E8M0FNU>();
            }
        }
    )*};
}

per_format! {
    e4m3fn: Float8E4M3FN, 1_000_000, 1_000_000;
    e5m2: Float8E5M2, 1_000_000, 1_000_000;
    e4m3fnuz: Float8E4M3FNUZ, 1_000_000, 1_000_000;
    e5m2fnuz: Float8E5M2FNUZ, 1_000_000, 1_000_000;
    e4m3b11fnuz: Float8E4M3B11FNUZ, 1_000_000, 1_000_000;
    e4m3: Float8E4M3, 1_000_000, 1_000_000;
    e2m3fn: Float6E2M3FN, 0, 1_000_000;
    e3m2fn: Float6E3M2FN, 0, 1_000_000;
    e2m1fn: Float4E2M1FN, 0, 1_000_000;
    e8m0fnu: Float8E8M0FNU, 1_000_000, 1_000_000;
}
