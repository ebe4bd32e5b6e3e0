//! Spec facts written by hand, IEEE comparison semantics, stochastic rounding statistics, and
//! the family trait on f16 / bf16 / f32.

mod common;

use common::{rng_seed, SplitMix};
use half::{bf16, f16};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, Float8E8M0FNU, LowpFloat, Overflow, Rounding,
};

/// Hand-written from the OCP OFP8 / MX specs and ml_dtypes: max, min normal, min subnormal,
/// NaN codes, ∞ codes, whether −0 exists.
struct SpecRow {
    max: f64,
    min_normal: f64,
    min_sub: f64,
    nan: &'static [u8],
    inf: &'static [u8],
    neg_zero: bool,
}

fn check_spec<T: LowpFloat<Bits = u8>>(row: SpecRow) {
    let n = T::NAME;
    assert_eq!(T::max_value().to_f64(), row.max, "{n} max");
    assert_eq!(T::min_positive().to_f64(), row.min_normal, "{n} min normal");
    assert_eq!(T::min_positive_subnormal().to_f64(), row.min_sub, "{n} min subnormal");
    let all: Vec<T> = (0..(1u32 << T::BITS)).map(|c| T::from_bits(c as u8)).collect();
    let nans: Vec<u8> = all.iter().filter(|x| x.is_nan()).map(|x| x.to_bits()).collect();
    assert_eq!(nans, row.nan, "{n} NaN codes");
    let infs: Vec<u8> = all.iter().filter(|x| x.is_infinite()).map(|x| x.to_bits()).collect();
    assert_eq!(infs, row.inf, "{n} inf codes");
    let negz = all.iter().any(|x| x.to_f64() == 0.0 && x.to_f64().is_sign_negative());
    assert_eq!(negz, row.neg_zero, "{n} -0");
    // The largest finite value is the largest finite decoded value, and every finite value is
    // max / 2^k * (integer): i.e. the decoded set is what the layout claims.
    let fmax = all.iter().filter(|x| x.is_finite()).map(|x| x.to_f64()).fold(f64::MIN, f64::max);
    assert_eq!(fmax, row.max, "{n} largest decoded value");
    let fmin = all.iter().filter(|x| x.is_finite() && x.to_f64() > 0.0).map(|x| x.to_f64()).fold(f64::MAX, f64::min);
    assert_eq!(fmin, row.min_sub, "{n} smallest positive decoded value");
}

#[test]
fn spec_table() {
    let p = |e: i32| 2f64.powi(e);
    let n8 = |a: &'static [u8]| a;
    check_spec::<Float8E4M3FN>(SpecRow {
        max: 448.0,
        min_normal: p(-6),
        min_sub: p(-9),
        nan: n8(&[0x7f, 0xff]),
        inf: &[],
        neg_zero: true,
    });
    check_spec::<Float8E5M2>(SpecRow {
        max: 57344.0,
        min_normal: p(-14),
        min_sub: p(-16),
        nan: &[0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff],
        inf: &[0x7c, 0xfc],
        neg_zero: true,
    });
    check_spec::<Float8E4M3FNUZ>(SpecRow {
        max: 240.0,
        min_normal: p(-7),
        min_sub: p(-10),
        nan: &[0x80],
        inf: &[],
        neg_zero: false,
    });
    check_spec::<Float8E5M2FNUZ>(SpecRow {
        max: 57344.0,
        min_normal: p(-15),
        min_sub: p(-17),
        nan: &[0x80],
        inf: &[],
        neg_zero: false,
    });
    check_spec::<Float8E4M3B11FNUZ>(SpecRow {
        max: 30.0,
        min_normal: p(-10),
        min_sub: p(-13),
        nan: &[0x80],
        inf: &[],
        neg_zero: false,
    });
    check_spec::<Float8E4M3>(SpecRow {
        max: 240.0,
        min_normal: p(-6),
        min_sub: p(-9),
        nan: &[0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff],
        inf: &[0x78, 0xf8],
        neg_zero: true,
    });
    check_spec::<Float6E2M3FN>(SpecRow {
        max: 7.5,
        min_normal: 1.0,
        min_sub: 0.125,
        nan: &[],
        inf: &[],
        neg_zero: true,
    });
    check_spec::<Float6E3M2FN>(SpecRow {
        max: 28.0,
        min_normal: 0.25,
        min_sub: 0.0625,
        nan: &[],
        inf: &[],
        neg_zero: true,
    });
    check_spec::<Float4E2M1FN>(SpecRow { max: 6.0, min_normal: 1.0, min_sub: 0.5, nan: &[], inf: &[], neg_zero: true });
    check_spec::<Float8E8M0FNU>(SpecRow {
        max: p(127),
        min_normal: p(-127),
        min_sub: p(-127),
        nan: &[0xff],
        inf: &[],
        neg_zero: false,
    });
    // A few individual codes.
    assert_eq!(Float8E4M3FN::from_bits(0x38).to_f64(), 1.0);
    assert_eq!(Float8E5M2::from_bits(0x3c).to_f64(), 1.0);
    assert_eq!(Float8E4M3FNUZ::from_bits(0x40).to_f64(), 1.0);
    assert_eq!(Float8E5M2FNUZ::from_bits(0x40).to_f64(), 1.0);
    assert_eq!(Float8E4M3B11FNUZ::from_bits(0x58).to_f64(), 1.0);
    assert_eq!(Float6E2M3FN::from_bits(0x08).to_f64(), 1.0);
    assert_eq!(Float6E2M3FN::from_bits(0x3f).to_f64(), -7.5);
    assert_eq!(Float6E3M2FN::from_bits(0x0c).to_f64(), 1.0);
    assert_eq!(Float4E2M1FN::from_bits(0x0f).to_f64(), -6.0);
    assert_eq!(Float8E8M0FNU::from_bits(0x7f).to_f64(), 1.0);
    // High bits beyond a narrow format's width are ignored.
    assert_eq!(Float4E2M1FN::from_bits(0xf2).to_bits(), 0x02);
    // The documented ml_dtypes double-rounding case.
    assert_eq!(Float8E4M3FN::from_f64(-431.99999999999994).to_f64(), -416.0);
}

fn comparisons<T: LowpFloat<Bits = u8>>() {
    let all: Vec<T> = (0..(1u32 << T::BITS)).map(|c| T::from_bits(c as u8)).collect();
    for &a in &all {
        for &b in &all {
            let (x, y) = (a.to_f64(), b.to_f64());
            assert_eq!(a == b, x == y, "{} {a:?} == {b:?}", T::NAME);
            assert_eq!(a.partial_cmp(&b), x.partial_cmp(&y), "{} {a:?} cmp {b:?}", T::NAME);
        }
    }
}

#[test]
fn ieee_comparisons_every_pair() {
    comparisons::<Float8E4M3FN>();
    comparisons::<Float8E5M2>();
    comparisons::<Float8E4M3FNUZ>();
    comparisons::<Float8E4M3>();
    comparisons::<Float6E3M2FN>();
    comparisons::<Float4E2M1FN>();
    comparisons::<Float8E8M0FNU>();
    let z = Float8E4M3FN::from_f64(0.0);
    assert_eq!(z, -z);
    let n = Float8E4M3FN::nan().unwrap();
    assert_ne!(n, n);
}

#[test]
fn total_cmp_is_a_total_order_consistent_with_values() {
    let mut all: Vec<Float8E5M2> = (0..=255u8).map(Float8E5M2::from_bits).collect();
    all.sort_by(|a, b| a.total_cmp(b));
    for w in all.windows(2) {
        assert_eq!(w[0].total_cmp(&w[1]), core::cmp::Ordering::Less, "{:?} {:?}", w[0], w[1]);
        let (x, y) = (w[0].to_f64(), w[1].to_f64());
        if !x.is_nan() && !y.is_nan() {
            assert!(x < y || (x == 0.0 && y == 0.0 && x.is_sign_negative()), "{x} before {y}");
        }
    }
    assert!(all[0].is_nan() && all[255].is_nan());
    let e = Float8E4M3FN::from_f64;
    assert_eq!(e(1.0).min(e(2.0)).to_f64(), 1.0);
    assert_eq!(e(1.0).max(Float8E4M3FN::nan().unwrap()).to_f64(), 1.0);
    assert!(e(-0.0).min(e(0.0)).to_f64().is_sign_negative());
    assert!(!e(-0.0).max(e(0.0)).to_f64().is_sign_negative());
}

/// Stochastic rounding: the probability of rounding up matches the distance, and the mean of
/// many roundings converges to x (5-sigma bounds: a correct implementation fails with
/// probability ~1e-6 per check, a biased one fails reliably).
fn stochastic<T: LowpFloat<Bits = u8>>() {
    let seed = rng_seed(T::NAME);
    let mut g = SplitMix::new(seed);
    let n = 40_000usize;
    let finite: Vec<f64> = (0..(1u32 << T::BITS))
        .map(|c| T::from_bits(c as u8))
        .filter(|x| x.is_finite())
        .map(|x| x.to_f64())
        .filter(|v| *v > 0.0)
        .collect();
    let mut finite = finite;
    finite.sort_by(f64::total_cmp);
    for i in (0..finite.len() - 1).step_by((finite.len() / 6).max(1)) {
        let (lo, hi) = (finite[i], finite[i + 1]);
        for frac in [0.03125, 0.3, 0.5, 0.77] {
            let signs: &[f64] = if T::min_value().to_f64() < 0.0 { &[1.0, -1.0] } else { &[1.0] };
            for &sign in signs {
                let x = sign * (lo + frac * (hi - lo));
                let mut ups = 0usize;
                let mut sum = 0.0f64;
                for _ in 0..n {
                    let r = T::from_f64_with(x, Rounding::Stochastic(g.next_u32()), Overflow::Saturating).to_f64();
                    assert!(r.abs() == lo || r.abs() == hi, "{} stochastic({x}) gave {r}, not a neighbour", T::NAME);
                    if r.abs() == hi {
                        ups += 1;
                    }
                    sum += r;
                }
                let p = ups as f64 / n as f64;
                let sigma = (frac * (1.0 - frac) / n as f64).sqrt();
                assert!(
                    (p - frac).abs() <= 5.0 * sigma + 1e-9,
                    "{}: P(up) at {x} = {p}, want {frac} (seed {seed:#x})",
                    T::NAME
                );
                let mean = sum / n as f64;
                assert!(
                    (mean - x).abs() <= 5.0 * sigma * (hi - lo) + 1e-12,
                    "{}: mean of roundings of {x} = {mean} (seed {seed:#x})",
                    T::NAME
                );
            }
        }
        // Exact values never move.
        assert_eq!(T::from_f64_with(lo, Rounding::Stochastic(0), Overflow::Saturating).to_f64(), lo);
        assert_eq!(T::from_f64_with(lo, Rounding::Stochastic(u32::MAX), Overflow::Saturating).to_f64(), lo);
    }
}

#[test]
fn stochastic_rounding_statistics() {
    stochastic::<Float8E4M3FN>();
    stochastic::<Float8E5M2>();
    stochastic::<Float4E2M1FN>();
    stochastic::<Float6E2M3FN>();
    stochastic::<Float8E8M0FNU>();
}

/// f16, bf16 and f32 through the family trait: directed modes bracket the exact value between
/// adjacent neighbours, nearest-even picks the nearer one (ties to the even code), and f32
/// agrees with Rust's `as f32`. `half`'s own `f16::from_f64` double-rounds through f32 (e.g.
/// -4685.999884519227 -> -4688 instead of -4684); the count of such cases is printed.
fn ieee_family<T: LowpFloat>(native: impl Fn(f64) -> T, native_is_exact: bool) {
    let mut native_wrong = 0usize;
    let seed = rng_seed(T::NAME);
    let mut g = SplitMix::new(seed);
    for i in 0..400_000 {
        let x = if i % 2 == 0 {
            f64::from_bits(g.next_u64())
        } else {
            (g.next_f64() * 300.0 - 150.0).exp2() * if g.next_u32() & 1 == 0 { 1.0 } else { -1.0 }
        };
        let rn = T::from_f64(x);
        let nat = native(x);
        let agree = rn.to_bits() == nat.to_bits() || (rn.is_nan() && nat.is_nan());
        assert!(agree || !native_is_exact, "{}: from_f64({x:e}) = {rn:?}, native {nat:?} (seed {seed:#x})", T::NAME);
        native_wrong += !agree as usize;
        if !x.is_finite() {
            continue;
        }
        let dn = T::from_f64_with(x, Rounding::Down, Overflow::NonSaturating);
        let up = T::from_f64_with(x, Rounding::Up, Overflow::NonSaturating);
        if dn.is_finite() && up.is_finite() {
            let (dd, du) = (x - dn.to_f64(), up.to_f64() - x);
            let want = if dd < du || (dd == du && dn.to_bits().into() % 2 == 0) { dn } else { up };
            assert_eq!(rn.to_bits(), want.to_bits(), "{} nearest-even of {x:e}", T::NAME);
        }
        let tz = T::from_f64_with(x, Rounding::TowardZero, Overflow::NonSaturating);
        assert!(dn.to_f64() <= x && x <= up.to_f64(), "{} {x:e}: down {dn:?} up {up:?}", T::NAME);
        if dn.to_f64() != x {
            assert_eq!(dn.next_up().to_bits(), up.to_bits(), "{} {x:e}: down/up not adjacent", T::NAME);
        } else {
            assert_eq!(dn.to_bits(), up.to_bits());
        }
        assert_eq!(tz.to_bits(), if x < 0.0 { up.to_bits() } else { dn.to_bits() });
    }
    eprintln!(
        "{}: native conversion differs from the correctly rounded one on {native_wrong} of 400000 inputs",
        T::NAME
    );
}

#[test]
fn f16_bf16_f32_implement_the_family() {
    ieee_family::<f16>(f16::from_f64, false);
    ieee_family::<bf16>(bf16::from_f64, false);
    ieee_family::<f32>(|x| x as f32, true);
    // Fused multiply-add rounds once: 1 + 2^-11 squared in f16 has the 2^-22 term, which a
    // separate multiply would drop.
    let a = f16::from_f64(1.0 + 2f64.powi(-10));
    let c = f16::from_f64(-1.0);
    let want = f16::from_f64((1.0 + 2f64.powi(-10)).powi(2) - 1.0);
    assert_eq!(LowpFloat::mul_add(a, a, c), want);
    // f16 next_up over every value is the next code in order.
    for b in 0..=u16::MAX {
        let x = f16::from_bits(b);
        if x.is_nan() || x == f16::INFINITY {
            continue;
        }
        let u = LowpFloat::next_up(x);
        assert!(u > x, "{x:?} next_up {u:?}");
    }
}

#[test]
fn conversions_between_standard_and_minifloats() {
    // Every f16 value into E4M3 via the family trait equals the f64 route (f16 -> f64 exact).
    for b in 0..=u16::MAX {
        let h = f16::from_bits(b);
        let via: Float8E4M3FN = h.convert();
        let direct = Float8E4M3FN::from_f64(h.to_f64());
        assert!(via.to_bits() == direct.to_bits() || (via.is_nan() && direct.is_nan()));
    }
    // And back: every minifloat is exactly an f16/bf16/f32 value where in range.
    for c in 0..=255u8 {
        let x = Float8E5M2::from_bits(c);
        let h: f16 = x.convert();
        assert!(h.to_f64() == x.to_f64() || (h.is_nan() && x.is_nan()));
        let f: f32 = x.convert();
        assert!(f as f64 == x.to_f64() || (f.is_nan() && x.is_nan()));
    }
}

#[test]
fn checked_conversion_reports_nan_for_formats_without_nan() {
    assert!(Float4E2M1FN::try_from_f64_with(f64::NAN, Rounding::NearestEven, Overflow::Saturating).is_err());
    assert!(Float6E3M2FN::try_from_f64_with(f64::NAN, Rounding::NearestEven, Overflow::Saturating).is_err());
    assert!(Float8E4M3FN::try_from_f64_with(f64::NAN, Rounding::NearestEven, Overflow::Saturating).unwrap().is_nan());
    let e = Float4E2M1FN::try_from_f64_with(f64::NAN, Rounding::NearestEven, Overflow::Saturating).unwrap_err();
    assert!(e.to_string().contains("float4_e2m1fn"));
    assert_eq!(Float4E2M1FN::from_f64(f64::INFINITY).to_f64(), 6.0);
    assert_eq!(Float8E4M3FN::from_f64(-0.0).to_bits(), 0x80);
    assert!(Float8E4M3FN::from_bits(0x7e).to_i64_with(Rounding::NearestEven).unwrap() == 448);
    assert!(Float8E4M3FN::nan().unwrap().to_i64_with(Rounding::NearestEven).is_err());
}

#[test]
fn num_traits_and_bytemuck() {
    use num_traits::{Bounded, FromPrimitive, NumCast, One, Signed, ToPrimitive, Zero};
    let x = Float8E4M3FN::from_f64(-2.5);
    assert_eq!(x.abs().to_f64(), 2.5);
    assert_eq!(Signed::signum(&x).to_f64(), -1.0);
    assert!(Float8E4M3FN::zero().is_zero());
    assert_eq!(Float8E8M0FNU::one().to_f64(), 1.0);
    assert_eq!(<Float8E4M3FN as Bounded>::max_value().to_f64(), 448.0);
    assert_eq!(x.to_i64(), Some(-2));
    assert_eq!(Float8E4M3FN::from_f64(300.0).to_u8(), None);
    assert_eq!(<Float8E4M3FN as FromPrimitive>::from_u64(17).unwrap().to_f64(), 16.0);
    let big: Float8E8M0FNU = NumCast::from(u64::MAX).unwrap();
    assert_eq!(big.to_f64(), 2f64.powi(64));
    let c: Float8E4M3FN = NumCast::from(2.5f32).unwrap();
    assert_eq!(c.to_f64(), 2.5);
    let v = [Float8E4M3FN::from_f64(1.0), Float8E4M3FN::from_f64(-2.0)];
    let bytes: &[u8] = bytemuck::cast_slice(&v);
    assert_eq!(bytes, &[0x38, 0xc0]);
    let back: &[Float8E4M3FN] = bytemuck::cast_slice(bytes);
    assert_eq!(back[1].to_f64(), -2.0);
    assert_eq!(core::mem::size_of::<Float4E2M1FN>(), 1);
}

/// `%` (truncated remainder, needed by num-traits' `Num`) is exact: the remainder of two
/// values of a format is a value of the format.
fn remainder_exact<T: LowpFloat<Bits = u8> + core::ops::Rem<Output = T>>() {
    for a in 0..(1u32 << T::BITS) {
        for b in 0..(1u32 << T::BITS) {
            let (x, y) = (T::from_bits(a as u8), T::from_bits(b as u8));
            let want = x.to_f64() % y.to_f64();
            let got = (x % y).to_f64();
            if want.is_nan() {
                assert!(got.is_nan() || T::nan().is_none(), "{} {x:?} % {y:?}", T::NAME);
            } else if want == 0.0 && T::min_value().to_f64() >= 0.0 {
                assert!(got.is_nan(), "{} {x:?} % {y:?}: unsigned format has no zero", T::NAME);
            } else {
                assert_eq!(got, want, "{} {x:?} % {y:?}", T::NAME);
            }
        }
    }
}

#[test]
fn remainder_every_pair() {
    remainder_exact::<Float8E4M3FN>();
    remainder_exact::<Float8E5M2>();
    remainder_exact::<Float8E4M3FNUZ>();
    remainder_exact::<Float8E5M2FNUZ>();
    remainder_exact::<Float8E4M3B11FNUZ>();
    remainder_exact::<Float8E4M3>();
    remainder_exact::<Float6E2M3FN>();
    remainder_exact::<Float6E3M2FN>();
    remainder_exact::<Float4E2M1FN>();
    remainder_exact::<Float8E8M0FNU>();
}
