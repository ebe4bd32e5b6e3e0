//! `half::f16`, `half::bf16` and `f32` (the library's `LowpFloat` impls) against the independent
//! MPFR reference (`lowp::reference`, formats `float16`, `bfloat16`, `float32`), bit for bit.
//!
//! Exhaustive over the 16-bit codes where that is cheap (decoding, sqrt, conversions to and
//! from every minifloat under every mode), every `f64` within 4 ulps of every 16-bit midpoint
//! and boundary, and seeded random inputs elsewhere (the seed is printed; replay with
//! `LOWP_SEED=<hex> cargo test --features reference --test ieee_ref`). The first tests check
//! the reference's new formats themselves against the hardware / `half` decoders and its
//! direct encoder (float32) against its table encoder.
//!
//! Failure messages print the inputs and both results as value, hex and bits, and the seed.
#![cfg(feature = "reference")]

mod common;

use common::{check_code_native, rng_seed, SplitMix, ALL_MODES};
use half::{bf16, f16};
use lowp::reference::{
    all_ref_formats, all_ref_formats_with_ieee, describe, exact_add, exact_mul, exact_mul_add, exact_sub,
    ieee_ref_formats, ref_format, RefFormat, RefValue,
};
use lowp::{
    Exact, Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ,
    Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU, LowpFloat, Overflow, Rounding,
};
use rug::Rational;

const NS: Overflow = Overflow::NonSaturating;
const SAT: Overflow = Overflow::Saturating;
const NE: Rounding = Rounding::NearestEven;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Storage integers that a `u32` code converts into.
trait CodeBits {
    fn from_code(c: u32) -> Self;
}
impl CodeBits for u8 {
    fn from_code(c: u32) -> Self {
        u8::try_from(c).expect("code fits")
    }
}
impl CodeBits for u16 {
    fn from_code(c: u32) -> Self {
        u16::try_from(c).expect("code fits")
    }
}
impl CodeBits for u32 {
    fn from_code(c: u32) -> Self {
        c
    }
}

fn from_code<T: LowpFloat>(c: u32) -> T
where
    T::Bits: CodeBits,
{
    T::from_bits(T::Bits::from_code(c))
}

fn code<T: LowpFloat>(x: T) -> u32 {
    let b: u64 = x.to_bits().into();
    u32::try_from(b).expect("code fits in u32")
}

fn rf<T: LowpFloat>() -> &'static RefFormat {
    ref_format(T::NAME).unwrap_or_else(|| panic!("reference lacks {}", T::NAME))
}

/// Every code of a format of at most 16 bits.
fn all_codes<T: LowpFloat>() -> impl Iterator<Item = u32> {
    assert!(T::BITS <= 16);
    0..(1u32 << T::BITS)
}

/// The four deterministic modes, then stochastic with `r`, each under both overflow rules.
fn cases_with(r: u32) -> Vec<(Rounding, Overflow)> {
    ALL_MODES.iter().copied().chain([Rounding::Stochastic(r)]).flat_map(|m| [(m, NS), (m, SAT)]).collect()
}

/// Random bits for `Stochastic` rounding of `v` into `r`: two times in three uniform, else
/// critical, i.e. `F - 1`, `F` or `F + 1` with `F = floor(frac * 2^32)` (`frac` the
/// position of `|v|` between its neighbours), so that `frac * 2^32 == r` (must round down:
/// the rule is `>`) is exercised wherever `frac * 2^32` is an integer.
fn stochastic_bits(r: &RefFormat, v: &RefValue, g: &mut SplitMix) -> u32 {
    let random = g.next_u32();
    let pick = g.next_u32() % 9;
    if pick >= 3 {
        return random;
    }
    let Some(q) = v.to_rational().map(|q| q.abs()) else {
        return random;
    };
    let value_of = |c: u32| r.decode(c).to_rational();
    let down_up =
        r.round_each(&RefValue::from_rational(q.clone()), &[(Rounding::TowardZero, SAT), (Rounding::Up, SAT)]);
    let Some(lo) = value_of(down_up[0]) else {
        return random;
    };
    let hi = if lo == *r.max_finite() { Some(r.virtual_above_max().clone()) } else { value_of(down_up[1]) };
    match hi {
        Some(hi) if lo < q && q < hi => {
            let f = (Rational::from(&q - &lo) << 32u32) / Rational::from(&hi - &lo);
            let f = f.floor().numer().to_u32().expect("frac * 2^32 < 2^32");
            [f.wrapping_sub(1), f, f.wrapping_add(1)][pick as usize]
        }
        _ => random,
    }
}

/// The cases of `cases_with` with stochastic bits from [`stochastic_bits`].
fn cases_for(r: &RefFormat, v: &RefValue, g: &mut SplitMix) -> Vec<(Rounding, Overflow)> {
    cases_with(stochastic_bits(r, v, g))
}

/// Library results vs reference results under each case; NaNs compare by class.
fn check_cases(
    r: &RefFormat,
    what: &dyn Fn() -> String,
    cases: &[(Rounding, Overflow)],
    want: &[u32],
    got: &[u32],
    seed: u64,
) {
    for (i, &(m, o)) in cases.iter().enumerate() {
        if want[i] != got[i] {
            panic!(
                "{}: {} under {m:?}/{o:?}:\n  lib       {}\n  reference {}\n  seed {seed:#x} (replay with LOWP_SEED={seed:x})",
                r.name(),
                what(),
                describe(r, got[i]),
                describe(r, want[i])
            );
        }
    }
}

/// An `f64` for failure messages: decimal, bits and exact value.
fn show_f64(x: f64) -> String {
    format!("{x:e} ({:#018x} = {})", x.to_bits(), RefValue::from_f64(x))
}

/// The library's decoded value, from `to_exact` (checked against `to_f64`).
fn lib_value<T: LowpFloat>(x: T) -> RefValue {
    let from_exact = match x.to_exact() {
        Exact::Nan => RefValue::Nan,
        Exact::Inf { neg } => RefValue::Inf { neg },
        Exact::Zero { neg } => RefValue::Zero { neg },
        Exact::Finite { neg, sig, exp, sticky } => {
            assert!(!sticky, "{} {:#x}: to_exact of a code is sticky", T::NAME, code(x));
            let mag = Rational::from(sig) << exp;
            RefValue::Num(if neg { -mag } else { mag })
        }
    };
    let from_f64 = RefValue::from_f64(x.to_f64());
    let same = match (&from_exact, &from_f64) {
        (RefValue::Nan, RefValue::Nan) => true,
        (a, b) => a == b,
    };
    assert!(same, "{} {:#x}: to_exact {from_exact} but to_f64 {from_f64}", T::NAME, code(x));
    from_exact
}

/// The next `f64` toward +inf (`f64::next_up`, which is newer than the crate's MSRV).
fn f64_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        x
    } else if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// `x` and its neighbours up to `k` f64 ulps away on each side.
fn f64_neighbourhood(x: f64, k: usize, out: &mut Vec<f64>) {
    out.push(x);
    let (mut u, mut d) = (x, x);
    for _ in 0..k {
        u = f64_up(u);
        d = -f64_up(-d);
        out.push(u);
        out.push(d);
    }
}

/// The exact value of a reference rational as `f64`, asserting exactness.
fn exact_f64(q: &Rational) -> f64 {
    let v = q.to_f64();
    assert_eq!(Rational::from_f64(v).as_ref(), Some(q), "{q} is not an f64");
    v
}

// ---------------------------------------------------------------------------------------
// The reference's new formats, checked on their own
// ---------------------------------------------------------------------------------------

#[test]
fn reference_format_lists() {
    assert_eq!(all_ref_formats().len(), 10);
    let names: Vec<_> = ieee_ref_formats().iter().map(|f| f.name()).collect();
    assert_eq!(names, ["float16", "bfloat16", "float32"]);
    assert_eq!(all_ref_formats_with_ieee().len(), 13);
    assert_eq!(<f16 as LowpFloat>::NAME, "float16");
    assert_eq!(<bf16 as LowpFloat>::NAME, "bfloat16");
    assert_eq!(<f32 as LowpFloat>::NAME, "float32");
    for f in ieee_ref_formats() {
        assert!(std::ptr::eq(ref_format(f.name()).unwrap(), f));
        assert!(f.has_inf() && f.has_nan() && f.has_zero() && f.has_neg_zero() && f.is_signed());
        assert_eq!(f.code_count(), 1u64 << f.bits());
    }
    assert!(std::panic::catch_unwind(|| ref_format("float32").unwrap().num_codes()).is_err());
    assert!(std::panic::catch_unwind(|| ref_format("float32").unwrap().values_sorted().len()).is_err());
}

#[test]
fn reference_ieee_facts() {
    let p2 = |k: i32| Rational::from(1) << k;
    let num = |f: &RefFormat, c: u32| f.decode(c).to_rational().unwrap();
    // float16
    let h = ref_format("float16").unwrap();
    assert_eq!((h.bits(), h.exp_bits(), h.man_bits(), h.bias()), (16, 5, 10, 15));
    assert_eq!(*h.max_finite(), 65504);
    assert_eq!(h.max_finite_code(), 0x7BFF);
    assert_eq!(*h.virtual_above_max(), 65536);
    assert_eq!(*h.min_positive(), p2(-24));
    assert_eq!(h.canonical_nan(), Some(0x7E00));
    assert_eq!((h.inf_code(false), h.inf_code(true)), (Some(0x7C00), Some(0xFC00)));
    assert_eq!(num(h, 0x3C00), 1);
    assert_eq!(num(h, 0x0400), p2(-14));
    assert_eq!(num(h, 0x03FF), Rational::from(1023) * p2(-24));
    assert_eq!(num(h, 0xC000), -2);
    assert_eq!(h.decode(0x8000), RefValue::Zero { neg: true });
    assert!(h.is_nan_code(0x7C01) && h.is_nan_code(0xFE00) && !h.is_nan_code(0x7C00));
    assert_eq!(describe(h, 0x3C00), "0x3c00 (0b0011_1100_0000_0000) = 1");
    assert_eq!(describe(h, 0x0001), "0x0001 (0b0000_0000_0000_0001) = 0.000000059604644775390625");
    // Rounding facts: 65520 is the midpoint of max and the virtual 65536 (even code 0x7C00).
    assert_eq!(h.from_f64(65520.0, NE, NS), 0x7C00);
    assert_eq!(h.from_f64(65520.0, NE, SAT), 0x7BFF);
    assert_eq!(h.from_f64(65519.996, NE, NS), 0x7BFF);
    assert_eq!(h.from_f64(65504.0 + 1e-9, Rounding::Up, NS), 0x7C00);
    assert_eq!(h.from_f64(-65504.0 - 1e-9, Rounding::Up, NS), 0xFBFF);
    assert_eq!(h.from_f64(2f64.powi(-25), NE, NS), 0x0000); // tie between 0 and 2^-24
    assert_eq!(h.from_f64(-(2f64.powi(-25)), NE, NS), 0x8000);
    assert_eq!(h.from_f64(3.0 * 2f64.powi(-25), NE, NS), 0x0002); // tie, even code 2
    assert_eq!(h.from_f64(1.0 + 2f64.powi(-11), NE, NS), 0x3C00);
    assert_eq!(h.from_f64(1.0 + 3.0 * 2f64.powi(-11), NE, NS), 0x3C02);
    assert_eq!(h.from_f64(f64::NAN, NE, NS), 0x7E00);
    // bfloat16
    let b = ref_format("bfloat16").unwrap();
    assert_eq!((b.bits(), b.exp_bits(), b.man_bits(), b.bias()), (16, 8, 7, 127));
    assert_eq!(*b.max_finite(), Rational::from(255) * p2(120));
    assert_eq!(b.max_finite_code(), 0x7F7F);
    assert_eq!(*b.virtual_above_max(), p2(128));
    assert_eq!(*b.min_positive(), p2(-133));
    assert_eq!(b.canonical_nan(), Some(0x7FC0));
    assert_eq!(b.inf_code(false), Some(0x7F80));
    assert_eq!(num(b, 0x3F80), 1);
    assert_eq!(describe(b, 0x0001), "0x0001 (0b0000_0000_0000_0001) = 2^-133 (~9.18354962e-41)");
    assert_eq!(num(b, 0x0080), p2(-126));
    assert_eq!(b.from_f64(1.0 + 2f64.powi(-8), NE, NS), 0x3F80);
    assert_eq!(b.from_f64(1.0 + 2f64.powi(-8), Rounding::Up, NS), 0x3F81);
    assert_eq!(b.from_f64(f64::MAX, Rounding::TowardZero, NS), 0x7F7F);
    assert_eq!(b.from_f64(f64::MAX, NE, NS), 0x7F80);
    // float32
    let s = ref_format("float32").unwrap();
    assert!(s.uses_direct_encoder() && !h.uses_direct_encoder() && !b.uses_direct_encoder());
    assert_eq!((s.bits(), s.exp_bits(), s.man_bits(), s.bias()), (32, 8, 23, 127));
    assert_eq!(s.code_mask(), u32::MAX);
    assert_eq!(*s.max_finite(), Rational::from((1u32 << 24) - 1) * p2(104));
    assert_eq!(s.max_finite_code(), 0x7F7F_FFFF);
    assert_eq!(*s.virtual_above_max(), p2(128));
    assert_eq!(*s.min_positive(), p2(-149));
    assert_eq!(s.canonical_nan(), Some(0x7FC0_0000));
    assert_eq!(s.inf_code(true), Some(0xFF80_0000));
    assert_eq!(num(s, 0x3F80_0000), 1);
    assert_eq!(num(s, 0x0000_0001), p2(-149));
    assert!(s.is_nan_code(0xFFFF_FFFF) && s.is_nan_code(0x7F80_0001) && !s.is_nan_code(0x7F80_0000));
    assert_eq!(s.from_f64(2f64.powi(-150), NE, NS), 0);
    assert_eq!(s.from_f64(f64_up(2f64.powi(-150)), NE, NS), 1);
    assert_eq!(s.from_f64(3.0 * 2f64.powi(-150), NE, NS), 2);
    assert_eq!(s.from_f64(-(2f64.powi(-160)), Rounding::Down, NS), 0x8000_0001);
    assert_eq!(s.from_f64(-(2f64.powi(-160)), Rounding::Up, NS), 0x8000_0000);
    assert_eq!(s.from_f64(2f64.powi(128) - 2f64.powi(103), NE, NS), 0x7F80_0000); // tie above max
    assert_eq!(s.from_f64(-f64_up(-(2f64.powi(128) - 2f64.powi(103))), NE, NS), 0x7F7F_FFFF);
    assert_eq!(s.from_f64(1e300, Rounding::Down, NS), 0x7F7F_FFFF);
    assert_eq!(s.from_f64(1e300, NE, SAT), 0x7F7F_FFFF);
    assert_eq!(s.from_f64(f64::INFINITY, NE, SAT), 0x7F7F_FFFF);
    assert_eq!(s.from_f64(f64::NEG_INFINITY, NE, NS), 0xFF80_0000);
    assert_eq!(s.from_f64(1.0 + 2f64.powi(-24), NE, NS), 0x3F80_0000);
    assert_eq!(s.from_f64(1.0 + 2f64.powi(-24), Rounding::Stochastic(u32::MAX), NS), 0x3F80_0000);
    assert_eq!(s.from_f64(1.0 + 2f64.powi(-24), Rounding::Stochastic(1 << 31), NS), 0x3F80_0000);
    assert_eq!(s.from_f64(1.0 + 2f64.powi(-24), Rounding::Stochastic((1 << 31) - 1), NS), 0x3F80_0001);
    assert_eq!(s.from_decimal("0.1", NE, NS).unwrap(), 0.1f32.to_bits());
    assert_eq!(s.from_decimal("3.4028235e38", NE, NS).unwrap(), f32::MAX.to_bits());
}

/// The reference decoder against `half`'s and the hardware's (every 16-bit code; f32 codes
/// sampled).
#[test]
fn reference_decode_matches_half_and_hardware() {
    let check = |r: &RefFormat, c: u32, v: f64| {
        let want = RefValue::from_f64(v);
        let got = r.decode(c);
        assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "{} {c:#x}: reference decodes to {got}, the platform to {want}",
            r.name()
        );
        assert_eq!(r.is_nan_code(c), v.is_nan());
        assert_eq!(r.is_inf_code(c), v.is_infinite());
    };
    let (h, b, s) = (rf::<f16>(), rf::<bf16>(), rf::<f32>());
    for c in 0..=u16::MAX {
        check(h, c as u32, f16::from_bits(c).to_f64());
        check(b, c as u32, bf16::from_bits(c).to_f64());
    }
    let seed = rng_seed("reference_decode_matches_half_and_hardware");
    let mut g = SplitMix::new(seed);
    let mut codes: Vec<u32> = (0..300_000).map(|_| g.next_u32()).collect();
    for base in [0u32, 0x0080_0000, 0x3F80_0000, 0x7F80_0000] {
        for d in 0..64 {
            codes.extend([base.wrapping_add(d), base.wrapping_sub(d), base.wrapping_add(d) | 0x8000_0000]);
        }
    }
    for c in codes {
        check(s, c, f32::from_bits(c) as f64);
    }
}

/// Inputs for the encoder cross-checks and hardware checks: every grid point and midpoint of
/// a format with its f64 neighbours (`step` thins the list), plus some random values.
fn grid_probe_values(r: &RefFormat, step: usize, g: &mut SplitMix) -> Vec<f64> {
    let mut grid: Vec<f64> = vec![0.0];
    grid.extend(r.values_sorted().iter().map(|(q, _)| exact_f64(q)));
    grid.push(exact_f64(r.virtual_above_max()));
    let mut xs = vec![];
    for (i, w) in grid.windows(2).enumerate() {
        if i % step != 0 && i + 2 < grid.len() {
            continue;
        }
        for p in [w[0], (w[0] + w[1]) / 2.0] {
            for s in [1.0, -1.0] {
                f64_neighbourhood(p * s, 1, &mut xs);
            }
        }
        // A random point strictly inside the interval.
        xs.push(w[0] + (w[1] - w[0]) * g.next_f64());
    }
    xs.extend([grid[grid.len() - 1] * 3.0, f64::MAX, -f64::MAX, 5e-324, f64::INFINITY, f64::NAN]);
    xs
}

/// The direct encoder (float32's) agrees with the table encoder wherever both exist: the 16-bit
/// formats and every minifloat with a zero; `round_each` agrees with `round`.
#[test]
fn reference_direct_encoder_matches_table() {
    let seed = rng_seed("reference_direct_encoder_matches_table");
    let mut g = SplitMix::new(seed);
    let formats: Vec<&RefFormat> =
        all_ref_formats_with_ieee().iter().filter(|f| f.has_zero() && !f.uses_direct_encoder()).collect();
    assert_eq!(formats.len(), 11);
    for r in formats {
        let step = if r.bits() == 16 { 23 } else { 1 };
        for x in grid_probe_values(r, step, &mut g) {
            let v = RefValue::from_f64(x);
            let cases = cases_for(r, &v, &mut g);
            let each = r.round_each(&v, &cases);
            for (i, &(m, o)) in cases.iter().enumerate() {
                let table = r.round(&v, m, o);
                let direct = r.round_direct(&v, m, o);
                assert!(
                    table == direct && table == each[i],
                    "{}: {} under {m:?}/{o:?}: table {}, direct {}, round_each {} (seed {seed:#x})",
                    r.name(),
                    show_f64(x),
                    describe(r, table),
                    describe(r, direct),
                    describe(r, each[i])
                );
            }
        }
    }
}

/// The float32 reference (direct encoder, exact and MPFR paths) against the hardware's
/// correctly rounded binary32 arithmetic and `f64 -> f32` casts (nearest-even).
#[test]
fn reference_f32_matches_hardware() {
    let s = rf::<f32>();
    let seed = rng_seed("reference_f32_matches_hardware");
    let mut g = SplitMix::new(seed);
    let mut xs = vec![];
    for _ in 0..30_000 {
        xs.push(f64::from_bits(g.next_u64()));
        let e = -160.0 + 300.0 * g.next_f64();
        xs.push(e.exp2() * if g.next_u32() & 1 == 0 { 1.0 } else { -1.0 });
        // Near an f32 midpoint.
        let c = g.next_u32() % 0x7F7F_FFFF;
        let mid = (f32::from_bits(c) as f64 + f32::from_bits(c + 1) as f64) / 2.0;
        f64_neighbourhood(mid, 1, &mut xs);
    }
    for x in xs {
        let want = (x as f32).to_bits();
        let got = s.from_f64(x, NE, NS);
        assert!(
            // Hardware NaNs keep payloads (IEEE 754 leaves them open): NaN by class here.
            want == got || (s.is_nan_code(want) && s.is_nan_code(got)),
            "float32 reference from_f64({}): {}, hardware {} (seed {seed:#x})",
            show_f64(x),
            describe(s, got),
            describe(s, want)
        );
    }
    let any = |g: &mut SplitMix| -> u32 {
        if g.next_u32().is_multiple_of(3) {
            g.next_u32()
        } else {
            // Moderate exponents, so that sums cancel and products stay finite.
            (g.next_u32() & 0x807F_FFFF) | ((100 + g.next_u32() % 56) << 23)
        }
    };
    for _ in 0..20_000 {
        let (a, b, c) = (any(&mut g), any(&mut g), any(&mut g));
        let (x, y, z) = (f32::from_bits(a), f32::from_bits(b), f32::from_bits(c));
        let hw = [(x + y), (x - y), (x * y), (x / y), x.sqrt(), x.mul_add(y, z)];
        let rf = [s.add(a, b), s.sub(a, b), s.mul(a, b), s.div(a, b), s.sqrt(a), s.mul_add(a, b, c)];
        for (i, op) in ["add", "sub", "mul", "div", "sqrt", "mul_add"].iter().enumerate() {
            let want = hw[i].to_bits();
            assert!(
                // Hardware NaNs carry payloads (IEEE 754 leaves them open): NaN by class here.
                want == rf[i] || (s.is_nan_code(want) && s.is_nan_code(rf[i])),
                "float32 reference {op}({}, {}, {}): {}, hardware {} (seed {seed:#x})",
                describe(s, a),
                describe(s, b),
                describe(s, c),
                describe(s, rf[i]),
                describe(s, want)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Library: decoding, classification, neighbours, sqrt (every 16-bit code)
// ---------------------------------------------------------------------------------------

fn decode_every_code<T: LowpFloat>()
where
    T::Bits: CodeBits,
{
    let r = rf::<T>();
    let tiny = Rational::from(r.min_positive() / 4u32);
    for c in all_codes::<T>() {
        let x: T = from_code(c);
        let want = r.decode(c);
        let got = lib_value(x);
        assert!(
            got == want || (got.is_nan() && want.is_nan()),
            "{}: {} decodes to {got} in the library",
            T::NAME,
            describe(r, c)
        );
        assert_eq!(x.is_nan(), r.is_nan_code(c), "{} is_nan({})", T::NAME, describe(r, c));
        assert_eq!(x.is_infinite(), r.is_inf_code(c), "{} is_infinite({})", T::NAME, describe(r, c));
        assert_eq!(x.is_zero(), matches!(want, RefValue::Zero { .. }), "{} is_zero({})", T::NAME, describe(r, c));
        let min_normal = Rational::from(1) << (1 - r.bias());
        let sub = matches!(&want, RefValue::Num(q) if q.clone().abs() < min_normal);
        assert_eq!(x.is_subnormal(), sub, "{} is_subnormal({})", T::NAME, describe(r, c));
        if !want.is_nan() {
            assert_eq!(x.is_sign_negative(), want.is_neg(), "{} is_sign_negative({})", T::NAME, describe(r, c));
        }
        // next_up: the smallest value above x, i.e. x + tiny rounded up (tiny is below every
        // gap; the successor of -min_subnormal is -0, the sign of zero following x).
        // next_down(x) = -next_up(-x).
        let succ = |v: &RefValue| -> Option<u32> {
            match v {
                RefValue::Nan | RefValue::Inf { neg: false } => None,
                RefValue::Inf { neg: true } => Some(r.max_finite_code() | r.sign_mask().unwrap()),
                other => {
                    let q = other.to_rational().unwrap();
                    Some(r.round(&RefValue::from_rational(q + &tiny), Rounding::Up, NS))
                }
            }
        };
        if let Some(want_up) = succ(&want) {
            check_code_native(r, "next_up", &[c], want_up, code(x.next_up()), 0);
        }
        if let Some(up_of_neg) = succ(&want.negated()) {
            check_code_native(r, "next_down", &[c], up_of_neg ^ r.sign_mask().unwrap(), code(x.next_down()), 0);
        }
        check_code_native(r, "sqrt", &[c], r.sqrt(c), code(LowpFloat::sqrt(x)), 0);
        check_code_native(r, "neg", &[c], r.round(&want.negated(), NE, NS), code(-x), 0);
    }
    assert_eq!(code(T::max_value()), r.max_finite_code());
    assert_eq!(code(T::min_positive_subnormal()), r.values_sorted()[0].1);
    assert_eq!(code(T::nan().unwrap()), r.canonical_nan().unwrap(), "{} canonical NaN", T::NAME);
    assert_eq!(Some(code(T::infinity().unwrap())), r.inf_code(false));
}

#[test]
fn f16_decode_classify_neighbours_sqrt_every_code() {
    decode_every_code::<f16>();
}

#[test]
fn bf16_decode_classify_neighbours_sqrt_every_code() {
    decode_every_code::<bf16>();
}

// ---------------------------------------------------------------------------------------
// Library: conversions between formats (every code, every mode)
// ---------------------------------------------------------------------------------------

/// Every code of `S` into `D` under every mode and both overflow rules, and the plain
/// `convert` (nearest-even, `D`'s default overflow rule).
fn convert_every_code<S: LowpFloat, D: LowpFloat>(g: &mut SplitMix, seed: u64)
where
    S::Bits: CodeBits,
{
    let (rs, rd) = (rf::<S>(), rf::<D>());
    for c in all_codes::<S>() {
        let x: S = from_code(c);
        let v = rs.decode(c);
        let cases = cases_for(rd, &v, g);
        let want = rd.round_each(&v, &cases);
        let got: Vec<u32> = cases.iter().map(|&(m, o)| code(x.convert_with::<D>(m, o))).collect();
        let what = || format!("convert_with from {} {}", S::NAME, describe(rs, c));
        check_cases(rd, &what, &cases, &want, &got, seed);
        let plain = code(x.convert::<D>());
        let want_plain = rd.round(&v, NE, D::DEFAULT_OVERFLOW);
        check_cases(
            rd,
            &|| format!("convert from {} {}", S::NAME, describe(rs, c)),
            &[(NE, D::DEFAULT_OVERFLOW)],
            &[want_plain],
            &[plain],
            seed,
        );
    }
}

macro_rules! into_every_minifloat {
    ($s:ty, $g:expr, $seed:expr) => {{
        convert_every_code::<$s, Float8E4M3FN>($g, $seed);
        convert_every_code::<$s, Float8E5M2>($g, $seed);
        convert_every_code::<$s, Float8E4M3FNUZ>($g, $seed);
        convert_every_code::<$s, Float8E5M2FNUZ>($g, $seed);
        convert_every_code::<$s, Float8E4M3B11FNUZ>($g, $seed);
        convert_every_code::<$s, Float8E4M3>($g, $seed);
        convert_every_code::<$s, Float6E2M3FN>($g, $seed);
        convert_every_code::<$s, Float6E3M2FN>($g, $seed);
        convert_every_code::<$s, Float4E2M1FN>($g, $seed);
        convert_every_code::<$s, Float8E8M0FNU>($g, $seed);
    }};
}

#[test]
fn f16_to_bf16_and_every_minifloat() {
    let seed = rng_seed("f16_to_bf16_and_every_minifloat");
    let mut g = SplitMix::new(seed);
    convert_every_code::<f16, bf16>(&mut g, seed);
    into_every_minifloat!(f16, &mut g, seed);
}

#[test]
fn bf16_to_f16_and_every_minifloat() {
    let seed = rng_seed("bf16_to_f16_and_every_minifloat");
    let mut g = SplitMix::new(seed);
    convert_every_code::<bf16, f16>(&mut g, seed);
    into_every_minifloat!(bf16, &mut g, seed);
}

#[test]
fn every_minifloat_to_f16_bf16_f32() {
    let seed = rng_seed("every_minifloat_to_f16_bf16_f32");
    let mut g = SplitMix::new(seed);
    macro_rules! from_minifloat {
        ($($t:ty),*) => {$(
            convert_every_code::<$t, f16>(&mut g, seed);
            convert_every_code::<$t, bf16>(&mut g, seed);
            convert_every_code::<$t, f32>(&mut g, seed);
        )*};
    }
    from_minifloat!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float8E4M3,
        Float6E2M3FN,
        Float6E3M2FN,
        Float4E2M1FN,
        Float8E8M0FNU
    );
    // And the 16-bit formats into float32 (exact, but through the same code path).
    convert_every_code::<f16, f32>(&mut g, seed);
    convert_every_code::<bf16, f32>(&mut g, seed);
}

// ---------------------------------------------------------------------------------------
// Library: from_f64_with / from_f32_with
// ---------------------------------------------------------------------------------------

/// One f64 under every mode and both overflow rules (and `from_f32_with` where `x` is an
/// `f32`, and the plain `from_f64`). Returns the nearest-even non-saturating code.
fn from_f64_one<T: LowpFloat>(r: &RefFormat, x: f64, g: &mut SplitMix, seed: u64) -> u32 {
    let v = RefValue::from_f64(x);
    let cases = cases_for(r, &v, g);
    let want = r.round_each(&v, &cases);
    let got: Vec<u32> = cases.iter().map(|&(m, o)| code(T::from_f64_with(x, m, o))).collect();
    check_cases(r, &|| format!("from_f64_with({})", show_f64(x)), &cases, &want, &got, seed);
    assert_eq!(cases[0], (NE, NS));
    let plain = code(<T as LowpFloat>::from_f64(x));
    check_cases(r, &|| format!("from_f64({})", show_f64(x)), &[(NE, NS)], &want[..1], &[plain], seed);
    if x.is_nan() || (x as f32) as f64 == x {
        let got32: Vec<u32> = cases.iter().map(|&(m, o)| code(T::from_f32_with(x as f32, m, o))).collect();
        check_cases(r, &|| format!("from_f32_with({})", show_f64(x)), &cases, &want, &got32, seed);
    }
    want[0]
}

/// Every f64 within 4 ulps of every midpoint of the format (the grid extended by the virtual
/// point above max, and zero), of the boundaries max / virtual point / smallest normal /
/// smallest subnormal, both signs; then the specials.
fn from_f64_near_midpoints<T: LowpFloat>(name: &str) {
    let r = rf::<T>();
    let seed = rng_seed(name);
    let mut g = SplitMix::new(seed);
    let mut grid: Vec<f64> = vec![0.0];
    grid.extend(r.values_sorted().iter().map(|(q, _)| exact_f64(q)));
    grid.push(exact_f64(r.virtual_above_max()));
    let mut points: Vec<f64> = grid.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    let min_normal = 2f64.powi(1 - r.bias());
    points.extend([exact_f64(r.max_finite()), exact_f64(r.virtual_above_max()), min_normal, grid[1]]);
    let mut xs = vec![];
    for p in points {
        f64_neighbourhood(p, 4, &mut xs);
        f64_neighbourhood(-p, 4, &mut xs);
    }
    xs.extend([f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, 5e-324, -5e-324, 0.0, -0.0]);
    xs.push(f64::from_bits(0x7FF0_0000_0000_0001)); // signalling NaN
    for x in xs {
        from_f64_one::<T>(r, x, &mut g, seed);
    }
}

/// `n` seeded random f64: raw bit patterns, log-uniform over the format's range and beyond,
/// perturbations of the format's values and midpoints, and random `f32`s. Counts how often
/// `half`'s own `from_f64` (which double-rounds through f32) differs from the correctly
/// rounded result.
fn from_f64_random<T: LowpFloat>(name: &str, n: usize, half_from_f64: Option<fn(f64) -> u32>)
where
    T::Bits: CodeBits,
{
    let r = rf::<T>();
    let seed = rng_seed(name);
    let mut g = SplitMix::new(seed);
    let lo = -(r.bias() as f64) - r.man_bits() as f64 - 4.0;
    let hi = r.bias() as f64 + 4.0;
    let finite_code = |g: &mut SplitMix| loop {
        let c = g.next_u32() & r.code_mask();
        if matches!(r.decode(c), RefValue::Num(_) | RefValue::Zero { .. }) {
            return c;
        }
    };
    let mut half_differs = 0usize;
    for i in 0..n {
        let x = match i % 8 {
            0 => f64::from_bits(g.next_u64()),
            1..=3 => {
                let e = lo + (hi - lo) * g.next_f64();
                let v = e.exp2() * if g.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
                f64::from_bits(v.to_bits() ^ (g.next_u64() & 0xFFFF_FFFF))
            }
            4 | 5 => {
                // A value or midpoint of the format, moved by up to 2^20 f64 ulps.
                let c = finite_code(&mut g);
                let v = from_code::<T>(c).to_f64();
                let w = from_code::<T>(c).next_up().to_f64();
                let p = if g.next_u32() & 1 == 0 || !w.is_finite() { v } else { (v + w) / 2.0 };
                let k = (g.next_u64() % (1 << 21)) as i64 - (1 << 20);
                let b = (p.to_bits() as i64).wrapping_add(k) as u64;
                if p == 0.0 {
                    f64::from_bits(b & 0x000F_FFFF_FFFF_FFFF)
                } else {
                    f64::from_bits(b)
                }
            }
            6 => {
                // value + j * ulp / 2^32: frac * 2^32 is the integer j, so the critical
                // stochastic bits hit the threshold exactly.
                let c = finite_code(&mut g);
                let v = from_code::<T>(c).to_f64();
                let w = from_code::<T>(c).next_up().to_f64();
                if w.is_finite() {
                    v + (w - v) * (g.next_u32() as f64) * 2f64.powi(-32)
                } else {
                    v
                }
            }
            _ => f32::from_bits(g.next_u32()) as f64,
        };
        let cr = from_f64_one::<T>(r, x, &mut g, seed);
        if let Some(h) = half_from_f64 {
            let hc = h(x);
            if hc != cr && !(r.is_nan_code(hc) && r.is_nan_code(cr)) {
                half_differs += 1;
            }
        }
    }
    if half_from_f64.is_some() {
        eprintln!(
            "{name}: half's own from_f64 differs from the correctly rounded result on {half_differs} of {n} inputs"
        );
    }
}

#[test]
fn f16_from_f64_near_every_midpoint() {
    from_f64_near_midpoints::<f16>("f16_from_f64_near_every_midpoint");
}

#[test]
fn bf16_from_f64_near_every_midpoint() {
    from_f64_near_midpoints::<bf16>("bf16_from_f64_near_every_midpoint");
}

#[test]
fn f16_from_f64_random() {
    from_f64_random::<f16>("f16_from_f64_random", 1_000_000, Some(|x| f16::from_f64(x).to_bits() as u32));
}

#[test]
fn bf16_from_f64_random() {
    from_f64_random::<bf16>("bf16_from_f64_random", 1_000_000, Some(|x| bf16::from_f64(x).to_bits() as u32));
}

/// float32: near f32 midpoints (random ones, and every one around zero, the smallest normal,
/// 1 and the maximum), the overflow and subnormal boundaries, then `n` random f64.
#[test]
fn f32_from_f64_all_modes() {
    let r = rf::<f32>();
    let seed = rng_seed("f32_from_f64_all_modes");
    let mut g = SplitMix::new(seed);
    let mut xs = vec![];
    let mid = |c: u32| (f32::from_bits(c) as f64 + f32::from_bits(c + 1) as f64) / 2.0;
    let near = |c: u32, xs: &mut Vec<f64>| {
        for p in [mid(c), f32::from_bits(c) as f64] {
            f64_neighbourhood(p, 4, xs);
            f64_neighbourhood(-p, 4, xs);
        }
    };
    for c in 0..512 {
        near(c, &mut xs);
    }
    for base in [0x0080_0000u32, 0x3F80_0000, 0x7F7F_FFFF] {
        for c in base - 256..base.min(0x7F7F_FFFF - 256) + 256 {
            near(c, &mut xs);
        }
    }
    // Max, the midpoint above it (the overflow threshold of nearest-even), the virtual 2^128.
    for p in [
        f32::MAX as f64,
        2f64.powi(128) - 2f64.powi(103),
        2f64.powi(128),
        2f64.powi(-126),
        2f64.powi(-149),
        2f64.powi(-150),
    ] {
        f64_neighbourhood(p, 4, &mut xs);
        f64_neighbourhood(-p, 4, &mut xs);
    }
    for _ in 0..5_000 {
        near(g.next_u32() % 0x7F7F_FFFF, &mut xs);
    }
    xs.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, 5e-324, -5e-324, 0.0, -0.0]);
    let n_near = xs.len();
    for i in 0..1_000_000 {
        xs.push(match i % 5 {
            4 => {
                // An f32 value + j * ulp / 2^32 (j with 3 trailing zero bits so that the sum
                // is an f64): the critical stochastic bits hit the threshold exactly.
                let c = g.next_u32() % 0x7F7F_FFFF;
                let (v, w) = (f32::from_bits(c) as f64, f32::from_bits(c + 1) as f64);
                let x = v + (w - v) * ((g.next_u32() & !7) as f64) * 2f64.powi(-32);
                if g.next_u32() & 1 == 0 {
                    x
                } else {
                    -x
                }
            }
            0 => f64::from_bits(g.next_u64()),
            1 => {
                let e = -155.0 + 285.0 * g.next_f64();
                let v = e.exp2() * if g.next_u32() & 1 == 0 { 1.0 } else { -1.0 };
                f64::from_bits(v.to_bits() ^ (g.next_u64() & 0x3FFF_FFFF))
            }
            _ => {
                // An f32 value or midpoint moved by up to 2^12 f64 ulps.
                let c = g.next_u32() % 0x7F7F_FFFF;
                let p = if g.next_u32() & 1 == 0 { f32::from_bits(c) as f64 } else { mid(c) };
                let k = (g.next_u64() % (1 << 13)) as i64 - (1 << 12);
                let p = if g.next_u32() & 1 == 0 { p } else { -p };
                f64::from_bits((p.to_bits() as i64).wrapping_add(k) as u64)
            }
        });
    }
    eprintln!("f32_from_f64_all_modes: {n_near} boundary inputs, {} random", xs.len() - n_near);
    for x in xs {
        from_f64_one::<f32>(r, x, &mut g, seed);
    }
}

/// float32 codes (random and around the boundaries) into f16 and bf16 under every mode.
#[test]
fn f32_to_f16_bf16_random_codes() {
    let seed = rng_seed("f32_to_f16_bf16_random_codes");
    let mut g = SplitMix::new(seed);
    let s = rf::<f32>();
    let (h, b) = (rf::<f16>(), rf::<bf16>());
    let mut codes: Vec<u32> = (0..100_000).map(|_| g.next_u32()).collect();
    // f32 values near the 16-bit formats' midpoints and boundaries.
    for _ in 0..100_000 {
        let c = g.next_u32() & 0xFFFF;
        let m = (f16::from_bits(c as u16).to_f32().to_bits() as i64 + (g.next_u32() % 64) as i64 - 32) as u32;
        codes.push(m);
        codes.push(((c << 16) as i64 + (g.next_u32() % 0x10000) as i64 - 0x8000) as u32);
    }
    for c in codes {
        let x = f32::from_bits(c);
        let v = s.decode(c);
        let what = || format!("convert_with from float32 {}", describe(s, c));
        let cases = cases_for(h, &v, &mut g);
        let want = h.round_each(&v, &cases);
        let got: Vec<u32> = cases.iter().map(|&(m, o)| code(x.convert_with::<f16>(m, o))).collect();
        check_cases(h, &what, &cases, &want, &got, seed);
        let cases = cases_for(b, &v, &mut g);
        let want = b.round_each(&v, &cases);
        let got: Vec<u32> = cases.iter().map(|&(m, o)| code(x.convert_with::<bf16>(m, o))).collect();
        check_cases(b, &what, &cases, &want, &got, seed);
    }
}

// ---------------------------------------------------------------------------------------
// Library: mul_add
// ---------------------------------------------------------------------------------------

/// Edge codes of a 16- or 32-bit format: zeros, smallest / largest subnormal, smallest normal,
/// 1 and its neighbours, epsilon, max, infinities, NaN, and their neighbours and negations.
fn edge_codes<T: LowpFloat>() -> Vec<u32> {
    let mut v = vec![];
    let mut push = |x: T| {
        for y in [x, x.next_up(), x.next_down(), -x, -x.next_up(), -x.next_down()] {
            v.push(code(y));
        }
    };
    push(T::from_f64(0.0));
    push(T::min_positive_subnormal());
    push(T::min_positive());
    push(T::from_f64(1.0));
    push(T::from_f64(1.5));
    push(T::from_f64(3.0));
    push(T::epsilon());
    push(T::max_value());
    push(T::nan().unwrap());
    push(T::infinity().unwrap());
    v.sort();
    v.dedup();
    v
}

/// `mul_add` (fused, one rounding) against the reference on all triples of edge codes and
/// `n` random triples: uniform codes, and triples built for cancellation (`c ≈ -a*b`) and
/// for sticky bits (`c` far below `a*b`, or `a*b` far below `c`).
fn mul_add_check<T: LowpFloat>(name: &str, n: usize)
where
    T::Bits: CodeBits,
{
    let r = rf::<T>();
    let seed = rng_seed(name);
    let mut g = SplitMix::new(seed);
    let mask = r.code_mask();
    let m = r.man_bits() as i32;
    // Codes with a chosen (unbiased) exponent, clamped into the format's normal range.
    let with_exp = |g: &mut SplitMix, e: i32| -> u32 {
        let field = (e + r.bias()).clamp(1, (1 << r.exp_bits()) - 2) as u32;
        let sign = if g.next_u32() & 1 == 0 { 0 } else { r.sign_mask().unwrap() };
        sign | (field << r.man_bits()) | (g.next_u32() & ((1u32 << r.man_bits()) - 1))
    };
    let emax = r.bias();
    let emin = 1 - r.bias();
    // How often the fused result differs from the unfused `x * y + z` (two roundings): a
    // measure of how much the inputs exercise the single rounding.
    let mut unfused_differs = 0usize;
    let mut one = |a: u32, b: u32, c: u32| {
        let (x, y, z): (T, T, T) = (from_code(a), from_code(b), from_code(c));
        let got = code(LowpFloat::mul_add(x, y, z));
        let want = r.round(&exact_mul_add(&r.decode(a), &r.decode(b), &r.decode(c)), NE, NS);
        check_code_native(r, "mul_add", &[a, b, c], want, got, seed);
        let unfused = code(x * y + z);
        if unfused != got && !(r.is_nan_code(unfused) && r.is_nan_code(got)) {
            unfused_differs += 1;
        }
    };
    let edges = edge_codes::<T>();
    for &a in &edges {
        for &b in &edges {
            for &c in &edges {
                one(a, b, c);
            }
        }
    }
    for i in 0..n {
        let (a, b, c) = match i % 5 {
            0 => (g.next_u32() & mask, g.next_u32() & mask, g.next_u32() & mask),
            1 => {
                // Cancellation: c = -(a*b) rounded, moved by a few codes.
                let ea = (g.next_u32() % (emax as u32)) as i32 - emax / 2;
                let eb = (g.next_u32() % (emax as u32)) as i32 - emax / 2;
                let (a, b) = (with_exp(&mut g, ea), with_exp(&mut g, eb));
                let p = r.round(&exact_mul(&r.decode(a), &r.decode(b)), NE, NS);
                let c = (p ^ r.sign_mask().unwrap()).wrapping_add(g.next_u32() % 5).wrapping_sub(2) & mask;
                (a, b, c)
            }
            2 => {
                // Sticky: c far below the product (up to 2p + 4 binades).
                let ea = (g.next_u32() % 40) as i32 - 20;
                let eb = (g.next_u32() % 40) as i32 - 20;
                let ec = ea + eb - (g.next_u32() % (2 * m as u32 + 6)) as i32;
                (with_exp(&mut g, ea), with_exp(&mut g, eb), with_exp(&mut g, ec))
            }
            3 => {
                // Sticky the other way: the product far below c.
                let ea = (g.next_u32() % 40) as i32 - 20;
                let eb = (g.next_u32() % 40) as i32 - 20;
                let ec = ea + eb + (g.next_u32() % (2 * m as u32 + 6)) as i32;
                (with_exp(&mut g, ea), with_exp(&mut g, eb), with_exp(&mut g, ec))
            }
            _ => {
                // Around the subnormal range and the overflow threshold.
                let target = if g.next_u32() & 1 == 0 { emin - (g.next_u32() % (m as u32 + 3)) as i32 } else { emax };
                let ea = (g.next_u32() % (emax as u32)) as i32 - emax / 2;
                let a = with_exp(&mut g, ea);
                let b = with_exp(&mut g, target - ea);
                let ec = target - (g.next_u32() % 4) as i32;
                let c = if g.next_u32() & 1 == 0 { g.next_u32() & mask } else { with_exp(&mut g, ec) };
                (a, b, c)
            }
        };
        one(a, b, c);
    }
    let total = edges.len().pow(3) + n;
    eprintln!("{name}: the unfused x * y + z differs from mul_add on {unfused_differs} of {total} triples");
}

#[test]
fn f16_mul_add() {
    mul_add_check::<f16>("f16_mul_add", 1_000_000);
}

#[test]
fn bf16_mul_add() {
    mul_add_check::<bf16>("bf16_mul_add", 1_000_000);
}

#[test]
fn f32_mul_add() {
    mul_add_check::<f32>("f32_mul_add", 100_000);
}

// ---------------------------------------------------------------------------------------
// Native `half` arithmetic (through f32) against the reference
// ---------------------------------------------------------------------------------------

/// `+ - * /` of `n` random pairs: uniform codes, and pairs with close exponents (cancellation,
/// products and quotients near the subnormal range and overflow).
fn native_ops<T: LowpFloat>(name: &str, n: usize)
where
    T::Bits: CodeBits,
{
    let r = rf::<T>();
    let seed = rng_seed(name);
    let mut g = SplitMix::new(seed);
    let mask = r.code_mask();
    let values: Vec<RefValue> = (0..=mask).map(|c| r.decode(c)).collect();
    for i in 0..n {
        let a = g.next_u32() & mask;
        let b = if i % 2 == 0 {
            g.next_u32() & mask
        } else {
            // Same sign-less exponent region: flip a few low bits and maybe the sign.
            (a ^ (g.next_u32() & ((4u32 << r.man_bits()) - 1)) ^ (g.next_u32() & r.sign_mask().unwrap())) & mask
        };
        let (x, y): (T, T) = (from_code(a), from_code(b));
        let (va, vb) = (&values[a as usize], &values[b as usize]);
        let round = |v: RefValue| r.round(&v, NE, NS);
        check_code_native(r, "add", &[a, b], round(exact_add(va, vb)), code(x + y), seed);
        check_code_native(r, "sub", &[a, b], round(exact_sub(va, vb)), code(x - y), seed);
        check_code_native(r, "mul", &[a, b], round(exact_mul(va, vb)), code(x * y), seed);
        check_code_native(r, "div", &[a, b], r.div(a, b), code(x / y), seed);
    }
}

#[test]
fn f16_native_ops() {
    native_ops::<f16>("f16_native_ops", 1_000_000);
}

#[test]
fn bf16_native_ops() {
    native_ops::<bf16>("bf16_native_ops", 1_000_000);
}
