//! Dot products (`lowp::dot::{dot, dot_with}`, `ExactAccumulator`) against the independent
//! reference (`lowp::reference::ref_dot`), bit for bit, NaN codes included.
//!
//! * `Accumulate::Exact` against the exact sum rounded once, for every length 0..=40, then
//!   63..=65, 127..=129, 300, 1000, and a few long vectors (10^4, 10^5), with vectors built to
//!   hit the hard cases: uniform finite codes, any codes, total cancellation (a vector and
//!   its negation), a small term after cancellation, ±max products, subnormal products,
//!   NaN / ∞ / 0·∞ at random places, signed zeros only.
//! * `ExsdotpChain`, `FmaChain` and `F32` against the reference that applies the documented
//!   sequence of roundings step by step (odd and even lengths), same vectors.
//! * Every rounding mode (the deterministic four and Stochastic(r), whose per-step bits come
//!   from SplitMix64(r)) and both overflow rules.
//! * `ExactAccumulator`: add / add_product / add_dot in any mix equal one exact sum; a length
//!   mismatch is an error and leaves it unchanged; clear() empties it.
//! * Length mismatches are `DotError::LengthMismatch` for every discipline.
//!
//! A failing chain reports the shortest prefix on which the library and the reference
//! already disagree.
#![cfg(feature = "reference")]

mod common;

use std::fmt::Write as _;
use std::time::Instant;

use common::{rng_seed, SplitMix};
use half::{bf16, f16};
use lowp::dot::{dot, dot_with, Accumulate, DotError, ExactAccumulator};
use lowp::reference::{describe, ref_dot, ref_dot_exact, ref_dot_round, ref_format, RefFormat, RefValue};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, LowpFloat, Overflow, Rounding,
};
use rug::Rational;

/// A format whose codes travel as `u32`.
trait Code: LowpFloat {
    /// The type's name in Rust, for the reproduction lines.
    const RUST: &'static str;
    fn from_code(c: u32) -> Self;
    fn code(self) -> u32;
}

macro_rules! code_impl {
    ($($t:ty => $b:ty),* $(,)?) => {$(
        impl Code for $t {
            const RUST: &'static str = stringify!($t);
            #[inline]
            fn from_code(c: u32) -> Self {
                <$t as LowpFloat>::from_bits(c as $b)
            }
            #[inline]
            fn code(self) -> u32 {
                <$t as LowpFloat>::to_bits(self) as u32
            }
        }
    )*};
}

code_impl!(
    Float4E2M1FN => u8, Float6E2M3FN => u8, Float6E3M2FN => u8, Float8E4M3FN => u8, Float8E5M2 => u8,
    Float8E4M3FNUZ => u8, Float8E5M2FNUZ => u8, Float8E4M3B11FNUZ => u8, Float8E4M3 => u8,
    f16 => u16, bf16 => u16, f32 => u32,
);

fn rf<T: LowpFloat>() -> &'static RefFormat {
    ref_format(T::NAME).unwrap_or_else(|| panic!("reference lacks {}", T::NAME))
}

fn extensive() -> bool {
    std::env::var("LOWP_EXTENSIVE").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn how_name(how: Accumulate) -> &'static str {
    how.name() // "exact" | "exsdotp" | "fma" | "f32": the reference's names
}

fn mode_str(r: Rounding) -> String {
    match r {
        Rounding::Stochastic(b) => format!("Rounding::Stochastic({b:#010x})"),
        other => format!("Rounding::{other:?}"),
    }
}

/// The library's dot product as a `D` code.
fn lib_dot<S: Code, D: Code>(a: &[u32], b: &[u32], how: Accumulate, r: Rounding, o: Overflow) -> u32 {
    let a: Vec<S> = a.iter().map(|&c| S::from_code(c)).collect();
    let b: Vec<S> = b.iter().map(|&c| S::from_code(c)).collect();
    let y: D = dot_with(&a, &b, how, r, o).expect("equal lengths");
    y.code()
}

/// The 14 (mode, overflow) cases.
fn all_cases(rng: &mut SplitMix) -> Vec<(Rounding, Overflow)> {
    let modes = [
        Rounding::NearestEven,
        Rounding::TowardZero,
        Rounding::Up,
        Rounding::Down,
        Rounding::Stochastic(rng.next_u32()),
        Rounding::Stochastic(rng.next_u32()),
        Rounding::Stochastic(0),
    ];
    let mut v = Vec::with_capacity(14);
    for o in [Overflow::NonSaturating, Overflow::Saturating] {
        for &r in &modes {
            v.push((r, o));
        }
    }
    v
}

/// Counts and reports disagreements.
struct Checker {
    test: String,
    seed: u64,
    dots: u64,
    terms: u64,
    fails: u64,
    shown: usize,
    start: Instant,
}

impl Checker {
    fn new(test: &str) -> Self {
        let seed = rng_seed(test);
        Checker { test: test.to_string(), seed, dots: 0, terms: 0, fails: 0, shown: 0, start: Instant::now() }
    }

    /// Compare one dot product; on a mismatch, print it with the shortest failing prefix.
    #[allow(clippy::too_many_arguments)]
    fn check<S: Code, D: Code>(&mut self, kind: &str, a: &[u32], b: &[u32], how: Accumulate, r: Rounding, o: Overflow) {
        let (src, dst) = (rf::<S>(), rf::<D>());
        self.dots += 1;
        self.terms += a.len() as u64;
        let want = ref_dot(src, dst, a, b, how_name(how), r, o);
        let got = lib_dot::<S, D>(a, b, how, r, o);
        if want == got {
            return;
        }
        self.fails += 1;
        if self.shown >= 8 {
            return;
        }
        self.shown += 1;
        // The shortest prefix that already disagrees (chains: the first bad step).
        let mut prefix = a.len();
        if matches!(how, Accumulate::FmaChain | Accumulate::ExsdotpChain) {
            for n in 0..=a.len() {
                if ref_dot(src, dst, &a[..n], &b[..n], how_name(how), r, o)
                    != lib_dot::<S, D>(&a[..n], &b[..n], how, r, o)
                {
                    prefix = n;
                    break;
                }
            }
        }
        let mut msg = format!(
            "dot {} -> {} {:?} under {}, {:?}: length {} ({kind})\n",
            S::NAME,
            D::NAME,
            how,
            mode_str(r),
            o,
            a.len()
        );
        let _ = writeln!(msg, "  exact     {}", ref_dot_exact(src, a, b));
        let _ = writeln!(msg, "  lib       {}", describe(dst, got));
        let _ = writeln!(msg, "  reference {}", describe(dst, want));
        if prefix < a.len() {
            let _ = writeln!(
                msg,
                "  first disagreement at prefix length {prefix}: lib {} reference {}",
                describe(dst, lib_dot::<S, D>(&a[..prefix], &b[..prefix], how, r, o)),
                describe(dst, ref_dot(src, dst, &a[..prefix], &b[..prefix], how_name(how), r, o))
            );
        }
        let show = prefix.min(48);
        for i in 0..show {
            let _ = writeln!(msg, "  [{i:>2}] a {}   b {}", describe(src, a[i]), describe(src, b[i]));
        }
        if show < prefix {
            let _ = writeln!(msg, "  … ({} more terms)", prefix - show);
        }
        let hex = |v: &[u32]| v[..prefix].iter().map(|c| format!("{c:#x}")).collect::<Vec<_>>().join(", ");
        if prefix <= 64 {
            let _ = writeln!(
                msg,
                "  repro: dot_with::<{}, {}>(&[{}].map({}::from_bits), &[{}].map({}::from_bits), Accumulate::{:?}, {}, Overflow::{:?})",
                S::RUST,
                D::RUST,
                hex(a),
                S::RUST,
                hex(b),
                S::RUST,
                how,
                mode_str(r),
                o
            );
        }
        let _ = write!(msg, "  seed {:#x} (LOWP_SEED={:x})", self.seed, self.seed);
        eprintln!("MISMATCH {msg}");
    }

    fn finish(self) {
        eprintln!(
            "{}: {} dot products, {} terms, {} mismatches, {:.1} s{}",
            self.test,
            self.dots,
            self.terms,
            self.fails,
            self.start.elapsed().as_secs_f64(),
            if extensive() { " [LOWP_EXTENSIVE]" } else { "" }
        );
        assert_eq!(
            self.fails, 0,
            "{}: {} dot products disagree with the reference (seed {:#x})",
            self.test, self.fails, self.seed
        );
    }
}

/// Codes of a format sorted into kinds.
struct Codes {
    finite: Vec<u32>,
    subnormal: Vec<u32>,
    big: Vec<u32>,
    specials: Vec<u32>, // NaN and ∞ codes
    zero: u32,
    neg_zero: u32,
    one: u32,
    min_sub: u32,
    sign: u32,
}

impl Codes {
    fn of(f: &RefFormat) -> Codes {
        let sign = f.sign_mask().expect("signed");
        let m = f.man_bits();
        let mut finite = vec![];
        let mut subnormal = vec![];
        let mut big = vec![];
        let mut specials = vec![];
        // Every code for the small formats; a sample of codes for the 16-bit ones.
        let codes: Vec<u32> = (0..=f.code_mask()).collect();
        let max = f.max_finite_code();
        for c in codes {
            match f.decode(c) {
                RefValue::Nan | RefValue::Inf { .. } => specials.push(c),
                _ => {
                    finite.push(c);
                    let mag = c & !sign;
                    if mag != 0 && mag < (1 << m) {
                        subnormal.push(c);
                    }
                    if mag + 4 > max && mag <= max {
                        big.push(c);
                    }
                }
            }
        }
        let one = f.round(&RefValue::Num(Rational::from(1)), Rounding::NearestEven, Overflow::NonSaturating);
        let neg_zero = f.zero_code(true).expect("zero");
        Codes { finite, subnormal, big, specials, zero: 0, neg_zero, one, min_sub: 1, sign }
    }

    fn pick(v: &[u32], rng: &mut SplitMix) -> u32 {
        v[rng.next_u32() as usize % v.len()]
    }

    /// `−x` (for a signed format; the fnuz `−0` pattern is NaN, so zero stays `+0`).
    fn neg(&self, x: u32) -> u32 {
        if x & !self.sign == 0 {
            x
        } else {
            x ^ self.sign
        }
    }
}

/// The vector kinds.
const KINDS: [&str; 9] = [
    "uniform finite",
    "any codes",
    "total cancellation",
    "small term after cancellation",
    "±max products",
    "subnormal products",
    "NaN / inf / 0·inf placed",
    "signed zeros only",
    "one big term, many small",
];

/// A pair of vectors of length `n` of the given kind (`None` if the format cannot make it).
fn vectors(kind: usize, n: usize, cs: &Codes, rng: &mut SplitMix) -> Option<(Vec<u32>, Vec<u32>)> {
    let fin = |rng: &mut SplitMix| Codes::pick(&cs.finite, rng);
    let mut a: Vec<u32> = (0..n).map(|_| fin(rng)).collect();
    let mut b: Vec<u32> = (0..n).map(|_| fin(rng)).collect();
    match kind {
        0 => {}
        1 => {
            let all = |rng: &mut SplitMix| {
                if !cs.specials.is_empty() && rng.next_u32().is_multiple_of(16) {
                    Codes::pick(&cs.specials, rng)
                } else {
                    fin(rng)
                }
            };
            a = (0..n).map(|_| all(rng)).collect();
            b = (0..n).map(|_| all(rng)).collect();
        }
        2 | 3 => {
            // x·y and x·(−y) for half of the terms each (a zero product if that is odd),
            // shuffled or not; kind 3 adds a smallest product (last, or anywhere).
            let m = if kind == 3 { n.saturating_sub(1) } else { n };
            let h = m / 2;
            let mut pairs: Vec<(u32, u32)> = (0..h).map(|i| (a[i], b[i])).collect();
            pairs.extend((0..h).map(|i| (a[i], cs.neg(b[i]))));
            if m % 2 == 1 {
                pairs.push((cs.zero, fin(rng)));
            }
            if rng.next_u32().is_multiple_of(2) {
                for i in (1..pairs.len()).rev() {
                    let j = rng.next_u32() as usize % (i + 1);
                    pairs.swap(i, j);
                }
            }
            if kind == 3 && n > 0 {
                let t = if rng.next_u32().is_multiple_of(2) {
                    pairs.len()
                } else {
                    rng.next_u32() as usize % (pairs.len() + 1)
                };
                let s = if rng.next_u32().is_multiple_of(2) { cs.min_sub } else { cs.neg(cs.min_sub) };
                pairs.insert(t, (s, if rng.next_u32().is_multiple_of(2) { cs.one } else { cs.min_sub }));
            }
            a = pairs.iter().map(|p| p.0).collect();
            b = pairs.iter().map(|p| p.1).collect();
        }
        4 => {
            for i in 0..n {
                if !rng.next_u32().is_multiple_of(8) {
                    a[i] = Codes::pick(&cs.big, rng);
                    b[i] = Codes::pick(&cs.big, rng);
                }
            }
        }
        5 => {
            for i in 0..n {
                a[i] = Codes::pick(&cs.subnormal, rng);
                if rng.next_u32().is_multiple_of(2) {
                    b[i] = Codes::pick(&cs.subnormal, rng);
                }
            }
        }
        6 => {
            if cs.specials.is_empty() || n == 0 {
                return None;
            }
            for _ in 0..1 + rng.next_u32() % 2 {
                let i = rng.next_u32() as usize % n;
                match rng.next_u32() % 3 {
                    0 => a[i] = Codes::pick(&cs.specials, rng),
                    1 => b[i] = Codes::pick(&cs.specials, rng),
                    _ => {
                        // 0·∞ (if the format has ∞; else a NaN).
                        a[i] = if rng.next_u32().is_multiple_of(2) { cs.zero } else { cs.neg_zero };
                        b[i] = Codes::pick(&cs.specials, rng);
                    }
                }
            }
        }
        7 => {
            let z = |rng: &mut SplitMix| if rng.next_u32().is_multiple_of(2) { cs.zero } else { cs.neg_zero };
            if rng.next_u32().is_multiple_of(2) {
                // Every product −0 (where the format has −0).
                a = vec![cs.neg_zero; n];
                b = (0..n)
                    .map(|_| if rng.next_u32().is_multiple_of(2) { cs.zero } else { fin(rng) & !cs.sign })
                    .collect();
            } else {
                a = (0..n).map(|_| z(rng)).collect();
                b = (0..n).map(|_| z(rng)).collect();
            }
        }
        8 => {
            if n > 0 {
                let i = rng.next_u32() as usize % n.min(3);
                a[i] = Codes::pick(&cs.big, rng);
                b[i] = cs.one;
                for j in 0..n {
                    if j != i {
                        a[j] = Codes::pick(&cs.subnormal, rng);
                        b[j] = cs.one;
                    }
                }
            }
        }
        _ => unreachable!(),
    }
    Some((a, b))
}

/// The lengths every discipline is checked at.
fn lengths() -> Vec<usize> {
    let mut v: Vec<usize> = (0..=40).collect();
    v.extend([63, 64, 65, 127, 128, 129, 300]);
    v
}

/// Every discipline for the pair (S, D): every length × every vector kind, the (mode,
/// overflow) cases in turn (all 14 for Exact, four per vector for the stepwise disciplines).
fn pair_test<S: Code, D: Code>(test: &str, reps: usize) {
    let mut chk = Checker::new(test);
    let mut rng = SplitMix::new(chk.seed);
    let cs = Codes::of(rf::<S>());
    let reps = if extensive() { reps * 5 } else { reps };
    let mut turn = 0usize;
    for n in lengths() {
        for (kind, kind_name) in KINDS.iter().enumerate() {
            for _ in 0..reps {
                let Some((a, b)) = vectors(kind, n, &cs, &mut rng) else { continue };
                let cases = all_cases(&mut rng);
                for &(r, o) in &cases {
                    chk.check::<S, D>(kind_name, &a, &b, Accumulate::Exact, r, o);
                }
                for how in [Accumulate::ExsdotpChain, Accumulate::FmaChain, Accumulate::F32] {
                    for _ in 0..4 {
                        turn += 1;
                        let (r, o) = cases[turn % cases.len()];
                        chk.check::<S, D>(kind_name, &a, &b, how, r, o);
                    }
                }
            }
        }
    }
    // A long one per kind (1000 terms), every discipline, two cases each.
    for (kind, kind_name) in KINDS.iter().enumerate() {
        let Some((a, b)) = vectors(kind, 1000, &cs, &mut rng) else { continue };
        let cases = all_cases(&mut rng);
        for how in Accumulate::ALL {
            for _ in 0..2 {
                turn += 1;
                let (r, o) = cases[turn % cases.len()];
                chk.check::<S, D>(kind_name, &a, &b, how, r, o);
            }
        }
    }
    // The default wrapper is dot_with under (NearestEven, D's default overflow).
    for n in [0, 1, 2, 7, 33] {
        let (a, b) = vectors(1, n, &cs, &mut rng).expect("any codes");
        for how in Accumulate::ALL {
            let want = ref_dot(rf::<S>(), rf::<D>(), &a, &b, how_name(how), Rounding::NearestEven, D::DEFAULT_OVERFLOW);
            let av: Vec<S> = a.iter().map(|&c| S::from_code(c)).collect();
            let bv: Vec<S> = b.iter().map(|&c| S::from_code(c)).collect();
            let y: D = dot(&av, &bv, how).expect("equal lengths");
            assert_eq!(
                y.code(),
                want,
                "{test}: dot(…, {how:?}) of length {n} differs from dot_with(NearestEven, default overflow)"
            );
        }
    }
    chk.finish();
}

macro_rules! pairs {
    ($($name:ident: $s:ty => $d:ty, $reps:expr;)*) => {$(
        #[test]
        fn $name() {
            pair_test::<$s, $d>(stringify!($name), $reps);
        }
    )*};
}

pairs! {
    fp4_f16: Float4E2M1FN => f16, 1;
    fp4_bf16: Float4E2M1FN => bf16, 1;
    fp4_f32: Float4E2M1FN => f32, 1;
    e2m3_f16: Float6E2M3FN => f16, 1;
    e2m3_f32: Float6E2M3FN => f32, 1;
    e3m2_bf16: Float6E3M2FN => bf16, 1;
    e3m2_f16: Float6E3M2FN => f16, 1;
    e4m3fn_f16: Float8E4M3FN => f16, 2;
    e4m3fn_bf16: Float8E4M3FN => bf16, 1;
    e4m3fn_f32: Float8E4M3FN => f32, 2;
    e5m2_f16: Float8E5M2 => f16, 2;
    e5m2_bf16: Float8E5M2 => bf16, 1;
    e5m2_f32: Float8E5M2 => f32, 2;
    e4m3fnuz_f16: Float8E4M3FNUZ => f16, 1;
    e4m3fnuz_f32: Float8E4M3FNUZ => f32, 1;
    e5m2fnuz_bf16: Float8E5M2FNUZ => bf16, 1;
    e5m2fnuz_f16: Float8E5M2FNUZ => f16, 1;
    e4m3b11fnuz_f16: Float8E4M3B11FNUZ => f16, 1;
    e4m3b11fnuz_f32: Float8E4M3B11FNUZ => f32, 1;
    e4m3_f16: Float8E4M3 => f16, 1;
    e4m3_bf16: Float8E4M3 => bf16, 1;
    f16_f32: f16 => f32, 1;
    bf16_f32: bf16 => f32, 1;
}

/// Long vectors (10^4 and 10^5 terms): Exact against the reference under several modes;
/// the stepwise disciplines at 10^4 (and FmaChain / ExsdotpChain at 10^5 under one mode).
fn long_test<S: Code, D: Code>(test: &str) {
    let mut chk = Checker::new(test);
    let mut rng = SplitMix::new(chk.seed);
    let cs = Codes::of(rf::<S>());
    for (n, kind) in [(10_000, 0), (10_000, 2), (10_000, 3), (100_000, 0), (100_000, 3), (100_000, 8)] {
        let (a, b) = vectors(kind, n, &cs, &mut rng).expect("finite kinds");
        let cases = all_cases(&mut rng);
        for &(r, o) in cases.iter().step_by(3) {
            chk.check::<S, D>(KINDS[kind], &a, &b, Accumulate::Exact, r, o);
        }
        let stepwise = if n <= 10_000 {
            vec![Accumulate::ExsdotpChain, Accumulate::FmaChain, Accumulate::F32]
        } else {
            vec![Accumulate::ExsdotpChain]
        };
        for how in stepwise {
            let (r, o) = cases[rng.next_u32() as usize % cases.len()];
            chk.check::<S, D>(KINDS[kind], &a, &b, how, r, o);
        }
    }
    chk.finish();
}

#[test]
fn long_e4m3fn_f32() {
    long_test::<Float8E4M3FN, f32>("long_e4m3fn_f32");
}

#[test]
fn long_e5m2_f16() {
    long_test::<Float8E5M2, f16>("long_e5m2_f16");
}

#[test]
fn long_bf16_f32() {
    long_test::<bf16, f32>("long_bf16_f32");
}

/// `ExactAccumulator`: any mix of add / add_product / add_dot is the one exact sum of all the
/// products (`add(x)` being `x·1`), rounded once; a mismatched add_dot is an error and changes
/// nothing; clear() gives the empty sum.
fn accumulator_test<S: Code, D: Code>(test: &str) {
    let mut chk = Checker::new(test);
    let mut rng = SplitMix::new(chk.seed);
    let (src, dst) = (rf::<S>(), rf::<D>());
    let cs = Codes::of(src);
    for round in 0..300 {
        let mut acc = ExactAccumulator::<S>::new();
        let (mut fa, mut fb) = (vec![], vec![]);
        let kind = round % KINDS.len();
        for _ in 0..rng.next_u32() % 6 {
            let n = rng.next_u32() as usize % 40;
            let Some((a, b)) = vectors(kind, n, &cs, &mut rng) else { continue };
            match rng.next_u32() % 4 {
                0 => {
                    for (&x, &y) in a.iter().zip(&b) {
                        acc.add_product(S::from_code(x), S::from_code(y));
                    }
                    fa.extend(&a);
                    fb.extend(&b);
                }
                1 => {
                    for &x in &a {
                        acc.add(S::from_code(x));
                        fa.push(x);
                        fb.push(cs.one);
                    }
                }
                2 => {
                    let av: Vec<S> = a.iter().map(|&c| S::from_code(c)).collect();
                    let bv: Vec<S> = b.iter().map(|&c| S::from_code(c)).collect();
                    acc.add_dot(&av, &bv).expect("equal lengths");
                    fa.extend(&a);
                    fb.extend(&b);
                }
                _ => {
                    // A mismatched add_dot: an error, the accumulator unchanged.
                    let av: Vec<S> = a.iter().map(|&c| S::from_code(c)).collect();
                    let bv: Vec<S> = b.iter().map(|&c| S::from_code(c)).collect();
                    let before: D = acc.round(Rounding::NearestEven, Overflow::NonSaturating);
                    let was_nan = acc.is_nan();
                    let e = acc.add_dot(&av, &bv[..n.saturating_sub(1)]);
                    if n > 0 {
                        assert_eq!(
                            e,
                            Err(DotError::LengthMismatch { left: n, right: n - 1 }),
                            "{test}: add_dot mismatch"
                        );
                        let after: D = acc.round(Rounding::NearestEven, Overflow::NonSaturating);
                        assert_eq!(after.code(), before.code(), "{test}: a failed add_dot changed the sum");
                        assert_eq!(acc.is_nan(), was_nan);
                    } else {
                        assert_eq!(e, Ok(()));
                    }
                }
            }
        }
        let exact = ref_dot_exact(src, &fa, &fb);
        assert_eq!(acc.is_nan(), exact.is_nan(), "{test}: is_nan() with {} terms (exact {exact})", fa.len());
        for (r, o) in all_cases(&mut rng) {
            chk.dots += 1;
            chk.terms += fa.len() as u64;
            // round() takes the caller's rounding as it is (one rounding, no step bits).
            let want = ref_dot_round(src, dst, &fa, &fb, r, o);
            let got: D = acc.round(r, o);
            if got.code() != want {
                chk.fails += 1;
                eprintln!(
                    "MISMATCH {test}: ExactAccumulator<{}>::round::<{}>({}, {o:?}) over {} terms: lib {} reference {} (exact {exact}); terms a {:x?} b {:x?}",
                    S::NAME,
                    D::NAME,
                    mode_str(r),
                    fa.len(),
                    describe(dst, got.code()),
                    describe(dst, want),
                    fa,
                    fb
                );
            }
            // The same sum through dot_with(Exact), whose one rounding is step 0: under
            // Stochastic(s) it uses SplitMix64(s)'s first 32 bits.
            let av: Vec<S> = fa.iter().map(|&c| S::from_code(c)).collect();
            let bv: Vec<S> = fb.iter().map(|&c| S::from_code(c)).collect();
            let d: D = dot_with(&av, &bv, Accumulate::Exact, r, o).expect("equal lengths");
            let r0 = match r {
                Rounding::Stochastic(s) => Rounding::Stochastic(SplitMix::new(s as u64).next_u32()),
                other => other,
            };
            let via_acc: D = acc.round(r0, o);
            assert_eq!(
                d.code(),
                via_acc.code(),
                "{test}: dot_with(Exact, {r:?}) and the accumulator's round({r0:?}) differ"
            );
        }
        // to_exact() (64 bits and sticky) rounds to the same code.
        let via_d: D = D::round_exact(acc.to_exact(), Rounding::NearestEven, Overflow::NonSaturating);
        assert_eq!(
            via_d.code(),
            ref_dot(src, dst, &fa, &fb, "exact", Rounding::NearestEven, Overflow::NonSaturating),
            "{test}: to_exact()"
        );
        acc.clear();
        let z: D = acc.round(Rounding::Down, Overflow::NonSaturating);
        assert_eq!(z.code(), 0, "{test}: clear() is the empty sum, +0");
    }
    chk.finish();
}

#[test]
fn accumulator_e4m3fn_f16() {
    accumulator_test::<Float8E4M3FN, f16>("accumulator_e4m3fn_f16");
}

#[test]
fn accumulator_e5m2_f32() {
    accumulator_test::<Float8E5M2, f32>("accumulator_e5m2_f32");
}

#[test]
fn accumulator_fp4_bf16() {
    accumulator_test::<Float4E2M1FN, bf16>("accumulator_fp4_bf16");
}

#[test]
fn accumulator_bf16_f32() {
    accumulator_test::<bf16, f32>("accumulator_bf16_f32");
}

#[test]
fn accumulator_e4m3fnuz_f16() {
    accumulator_test::<Float8E4M3FNUZ, f16>("accumulator_e4m3fnuz_f16");
}

#[test]
fn length_mismatch_is_an_error() {
    let a = [Float8E4M3FN::from_f64(1.0); 5];
    let b = [Float8E4M3FN::from_f64(2.0); 3];
    for how in Accumulate::ALL {
        for (x, y) in [(&a[..], &b[..]), (&b[..], &a[..]), (&a[..0], &b[..1])] {
            let e = DotError::LengthMismatch { left: x.len(), right: y.len() };
            assert_eq!(dot::<_, f16>(x, y, how), Err(e), "{how:?}");
            assert_eq!(dot_with::<_, f32>(x, y, how, Rounding::Up, Overflow::Saturating), Err(e), "{how:?}");
        }
    }
    let mut acc = ExactAccumulator::<Float8E4M3FN>::new();
    assert_eq!(acc.add_dot(&a, &b), Err(DotError::LengthMismatch { left: 5, right: 3 }));
    assert_eq!(acc.to_exact(), lowp::Exact::Zero { neg: false });
}

#[test]
fn reference_splitmix_is_the_crates() {
    // The reference's own SplitMix64 gives the same bits as lowp::rng::SplitMix64 (which the
    // library's stochastic steps use), so a disagreement is about the discipline, not the generator.
    for seed in [0u64, 1, 42, 0xFFFF_FFFF, u64::MAX] {
        let mut ours = lowp::reference::RefSplitMix64::new(seed);
        let mut lib = SplitMix::new(seed);
        for _ in 0..100 {
            assert_eq!(ours.next_u32(), lib.next_u32(), "seed {seed:#x}");
            assert_eq!(ours.next_u64(), lib.next_u64(), "seed {seed:#x}");
        }
    }
}
