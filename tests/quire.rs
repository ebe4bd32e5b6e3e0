//! The quire against an exact `rug::Rational` sum rounded once by the MPFR posit oracle
//! (`RefPosit::round`), bit for bit, for posit<8,0>, posit8, posit16e1, posit16, posit32 and
//! posit<12,1>: seeded random dot products of length 1 to 10^4 (several distributions), heavy
//! cancellation (exactly cancelling pairs plus a tiny term; ±maxpos² with minpos²), sums at
//! and past the quire's capacity, NaR propagation, zero results, consistency of
//! add_quire / sub_quire / negate / sub_*, and the length-mismatch error.
#![cfg(feature = "reference")]

mod common;

use common::{rng_seed, SplitMix};
use lowp::posit::{PositBits, Width, WidthStorage};
use lowp::reference::posit::RefPosit;
use lowp::reference::RefValue;
use lowp::{dot, DotError, Exact, Overflow, Posit, Quire, Rounding};
use rug::{Float, Rational};

fn p<const N: u32, const ES: u32>(c: u64) -> Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    Posit::from_bits(<Width<N> as WidthStorage>::Bits::from_u64(c))
}

fn code<const N: u32, const ES: u32>(x: Posit<N, ES>) -> u64
where
    Width<N>: WidthStorage,
{
    x.to_bits().into()
}

/// The oracle of one format, with the exact values of every code cached for N <= 16.
struct Oracle {
    r: RefPosit,
    cache: Option<Vec<Option<Rational>>>,
}

impl Oracle {
    fn new(n: u32, es: u32) -> Oracle {
        let r = RefPosit::new(n, es);
        let cache = (n <= 16).then(|| (0..1u64 << n).map(|c| r.value(c)).collect());
        Oracle { r, cache }
    }
    fn value(&self, c: u64) -> Option<Rational> {
        match &self.cache {
            Some(v) => v[c as usize].clone(),
            None => self.r.value(c),
        }
    }
    /// The exact sum of `sign · a[i] · b[i]` over the terms, `None` if one is NaR.
    fn exact_dot(&self, terms: &[(bool, u64, u64)]) -> Option<Rational> {
        let mut sum = Rational::new();
        for &(neg, a, b) in terms {
            let x = self.value(a)? * self.value(b)?;
            if neg {
                sum -= x;
            } else {
                sum += x;
            }
        }
        Some(sum)
    }
    fn round(&self, sum: &Option<Rational>, mode: Rounding) -> u64 {
        match sum {
            None => self.r.nar(),
            Some(q) => self.r.round(&RefValue::from_rational(q.clone()), mode, Overflow::Saturating),
        }
    }
    fn maxpos(&self) -> u64 {
        self.r.maxpos_code()
    }
    fn minpos(&self) -> u64 {
        self.r.minpos_code()
    }
    fn neg(&self, c: u64) -> u64 {
        self.r.negate(c)
    }
    fn one(&self) -> u64 {
        1u64 << (self.r.n() - 2)
    }
}

/// Check one quire (filled with `terms`, in order) against the oracle: `to_posit` under
/// nearest-even (and, with `all_modes`, the directed modes too) and `to_exact` as `f64`.
fn check<const N: u32, const ES: u32>(
    o: &Oracle,
    q: &Quire<N, ES>,
    terms: &[(bool, u64, u64)],
    what: &str,
    seed: u64,
    all_modes: bool,
) where
    Width<N>: WidthStorage,
{
    let sum = o.exact_dot(terms);
    let modes: &[Rounding] = if all_modes {
        &[Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down]
    } else {
        &[Rounding::NearestEven]
    };
    for &mode in modes {
        let want = o.round(&sum, mode);
        let got = code(q.to_posit_with(mode));
        if got != want {
            let exact = sum.as_ref().map(|s| Float::with_val(80, s).to_string_radix(10, Some(20)));
            panic!(
                "{} {what} ({} terms, {mode:?}): exact sum {exact:?}\n  lib       {}\n  reference {}\n  quire {q:?}\n  seed {seed:#x}",
                o.r.name(),
                terms.len(),
                o.r.describe(got),
                o.r.describe(want),
            );
        }
    }
    // to_exact keeps 64 bits and a sticky bit: enough for a correct f64 (the sums here are
    // within f64's normal range).
    let want_f64 = sum.as_ref().map_or(f64::NAN, |s| Float::with_val(53, s).to_f64());
    let got_f64 = q.to_exact().to_f64();
    assert!(
        got_f64 == want_f64 || (got_f64.is_nan() && want_f64.is_nan()),
        "{} {what}: to_exact as f64 {got_f64:e}, want {want_f64:e}, seed {seed:#x}",
        o.r.name()
    );
}

/// A dot product through [`dot`], through a quire term by term (signs honoured), checked.
fn check_terms<const N: u32, const ES: u32>(
    o: &Oracle,
    terms: &[(bool, u64, u64)],
    what: &str,
    seed: u64,
    all_modes: bool,
) where
    Width<N>: WidthStorage,
{
    let mut q = Quire::<N, ES>::new();
    for &(neg, a, b) in terms {
        if neg {
            q.sub_product(p(a), p(b));
        } else {
            q.add_product(p(a), p(b));
        }
    }
    check(o, &q, terms, what, seed, all_modes);
    if terms.iter().all(|t| !t.0) {
        let a: Vec<Posit<N, ES>> = terms.iter().map(|t| p(t.1)).collect();
        let b: Vec<Posit<N, ES>> = terms.iter().map(|t| p(t.2)).collect();
        let d = dot(&a, &b).expect("same lengths");
        assert_eq!(d, q.to_posit(), "{} {what}: dot differs from the quire, seed {seed:#x}", o.r.name());
    }
}

/// Random entries of several kinds (never NaR).
#[derive(Clone, Copy, Debug)]
enum Dist {
    /// Uniform over all codes but NaR: the whole dynamic range.
    Codes,
    /// N(0, 1) rounded to the posit.
    Normal,
    /// Magnitudes 2^U(-12, 12), random sign.
    LogUniform,
    /// Mostly edge values (0, ±minpos, ±maxpos, ±1 and neighbours), some random codes.
    Edges,
}

fn entry<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, d: Dist) -> u64
where
    Width<N>: WidthStorage,
{
    let nar = o.r.nar();
    match d {
        Dist::Codes => loop {
            let c = rng.next_u64() >> (64 - N);
            if c != nar {
                return c;
            }
        },
        Dist::Normal => {
            let (u, v) = (rng.next_f64().max(1e-300), rng.next_f64());
            let g = (-2.0 * u.ln()).sqrt() * (2.0 * core::f64::consts::PI * v).cos();
            code(Posit::<N, ES>::from_f64(g))
        }
        Dist::LogUniform => {
            let m = (rng.next_f64() * 24.0 - 12.0).exp2();
            let c = code(Posit::<N, ES>::from_f64(m));
            if rng.next_u32() & 1 == 1 {
                o.neg(c)
            } else {
                c
            }
        }
        Dist::Edges => {
            if rng.next_u32().is_multiple_of(4) {
                return entry::<N, ES>(o, rng, Dist::Codes);
            }
            let base = [0, o.minpos(), o.maxpos(), o.one()][(rng.next_u32() % 4) as usize];
            let c = match rng.next_u32() % 3 {
                0 => base,
                1 => (base + 1).min(o.maxpos()),
                _ => base.saturating_sub(1),
            };
            if rng.next_u32() & 1 == 1 {
                o.neg(c)
            } else {
                c
            }
        }
    }
}

/// Log-uniform length in 1..=10^4.
fn length(rng: &mut SplitMix) -> usize {
    (10f64.powf(4.0 * rng.next_f64()) as usize).clamp(1, 10_000)
}

fn random_dots<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, seed: u64, cases: usize)
where
    Width<N>: WidthStorage,
{
    let dists = [Dist::Codes, Dist::Normal, Dist::LogUniform, Dist::Edges];
    for i in 0..cases {
        let len = match i {
            0 => 1,
            1 => 2,
            2 => 10_000,
            _ => length(rng),
        };
        let d = dists[i % dists.len()];
        let signed = i % 3 == 2;
        let terms: Vec<(bool, u64, u64)> = (0..len)
            .map(|_| (signed && rng.next_u32() & 1 == 1, entry::<N, ES>(o, rng, d), entry::<N, ES>(o, rng, d)))
            .collect();
        check_terms::<N, ES>(o, &terms, &format!("random dot #{i} ({d:?})"), seed, i % 4 == 0);
    }
}

/// Exact ties plus a tiny term far below them: the sticky bit of the single rounding decides.
/// For a random positive posit `x` (not maxpos), the tie point `t` between `x` and its upper
/// neighbour (from the oracle) is `x + h`; when `h` is a power of two 2^k it is a product of two
/// posits 2^a · 2^(k−a), and `x + h ± minpos²` (or `+ 0`) must round up / down / to even.
fn ties<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, seed: u64, cases: usize)
where
    Width<N>: WidthStorage,
{
    let m = ((N - 2) << ES) as i32;
    // The powers of two that are posits: exponent -> code.
    let pow2: std::collections::HashMap<i32, u64> = (-m..=m)
        .filter_map(|k| {
            let x = Posit::<N, ES>::from_f64((k as f64).exp2());
            (x.to_f64() == (k as f64).exp2()).then(|| (k, code(x)))
        })
        .collect();
    let product_of = |k: i32| -> Option<(u64, u64)> {
        let mut ks: Vec<i32> = pow2.keys().copied().collect();
        ks.sort();
        ks.iter().find_map(|&a| Some((pow2[&a], *pow2.get(&(k - a))?)))
    };
    let (min, one) = (o.minpos(), o.one());
    let mut done = 0;
    for _ in 0..cases * 20 {
        if done == cases {
            break;
        }
        let c = 1 + rng.next_u64() % (o.maxpos() - 2);
        let h = o.r.tie_point(c) - o.value(c).unwrap();
        let (num, den) = (h.numer().clone(), h.denom().clone());
        if num.count_ones() != Some(1) {
            continue; // not a power of two
        }
        let k = num.significant_bits() as i32 - den.significant_bits() as i32;
        let Some((ha, hb)) = product_of(k) else { continue };
        done += 1;
        for tiny in [0, 1, -1] {
            let mut terms = vec![(false, c, one), (false, ha, hb)];
            if tiny != 0 {
                terms.push((tiny < 0, min, min));
            }
            // Some exactly cancelling big products around them, to widen the quire.
            for _ in 0..(rng.next_u32() % 4) {
                let (a, b) = (entry::<N, ES>(o, rng, Dist::Codes), entry::<N, ES>(o, rng, Dist::Codes));
                terms.push((false, a, b));
                terms.push((true, a, b));
            }
            shuffle(&mut terms, rng);
            if rng.next_u32() & 1 == 1 {
                for t in &mut terms {
                    t.0 = !t.0;
                }
            }
            check_terms::<N, ES>(o, &terms, &format!("tie at code {c:#x} with tiny {tiny:+}"), seed, true);
        }
    }
    assert!(done > 0, "{}: no power-of-two ties found", o.r.name());
}

fn shuffle<T>(v: &mut [T], rng: &mut SplitMix) {
    for i in (1..v.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// Pairs that cancel exactly, plus a few tiny (or random) terms, shuffled.
fn cancellation<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, seed: u64, cases: usize)
where
    Width<N>: WidthStorage,
{
    let (max, min) = (o.maxpos(), o.minpos());
    for i in 0..cases {
        let pairs = length(rng) / 2 + 1;
        let d = [Dist::Codes, Dist::Normal, Dist::LogUniform, Dist::Edges][i % 4];
        let mut terms = Vec::with_capacity(2 * pairs + 3);
        for _ in 0..pairs {
            let (a, b) = (entry::<N, ES>(o, rng, d), entry::<N, ES>(o, rng, d));
            // a·b and then −(a·b) as (−a)·b, a·(−b) or a subtraction.
            terms.push((false, a, b));
            terms.push(match rng.next_u32() % 3 {
                0 => (false, o.neg(a), b),
                1 => (false, a, o.neg(b)),
                _ => (true, a, b),
            });
        }
        // The survivors: minpos², a random product, or nothing (zero result).
        match i % 3 {
            0 => terms.push((false, min, min)),
            1 => terms.push((rng.next_u32() & 1 == 1, entry::<N, ES>(o, rng, Dist::Codes), min)),
            _ => {}
        }
        shuffle(&mut terms, rng);
        check_terms::<N, ES>(o, &terms, &format!("cancellation #{i} ({d:?})"), seed, i % 2 == 0);
    }
    // ±maxpos² and minpos² together: k maxpos², k −maxpos², m minpos², shuffled.
    for i in 0..cases {
        let k = length(rng) / 2;
        let m = 1 + rng.next_u64() % 5;
        let mut terms = Vec::new();
        for _ in 0..k {
            terms.push((false, max, max));
            terms.push((false, o.neg(max), max));
        }
        for _ in 0..m {
            terms.push((rng.next_u32().is_multiple_of(4), min, min));
        }
        terms.push((false, max, min)); // 1
        terms.push((true, min, max)); // −1
        shuffle(&mut terms, rng);
        check_terms::<N, ES>(o, &terms, &format!("±maxpos² with minpos² #{i}"), seed, true);
    }
}

/// Many maxpos² products; the exact capacity boundary reached by doubling.
fn capacity<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, seed: u64)
where
    Width<N>: WidthStorage,
{
    let name = o.r.name();
    let (max, min) = (p::<N, ES>(o.maxpos()), p::<N, ES>(o.minpos()));
    // 10^4 maxpos² plus small terms, then all of them taken away again.
    let mut terms = vec![(false, o.maxpos(), o.maxpos()); 10_000];
    terms.push((false, o.minpos(), o.minpos()));
    terms.push((true, o.one(), o.minpos()));
    check_terms::<N, ES>(o, &terms, "10^4 maxpos² + minpos² − minpos", seed, true);
    terms.extend(vec![(true, o.maxpos(), o.maxpos()); 10_000]);
    shuffle(&mut terms, rng);
    check_terms::<N, ES>(o, &terms, "10^4 maxpos² − 10^4 maxpos² + minpos² − minpos", seed, true);

    // A loop of 2^20 maxpos² products, checked, then subtracted back to zero.
    let mut q = Quire::<N, ES>::new();
    for _ in 0..1 << 20 {
        q.add_product(max, max);
    }
    assert!(!q.is_nar(), "{name}: 2^20 maxpos² overflowed");
    assert_eq!(q.to_posit(), max, "{name}: 2^20 maxpos²");
    for _ in 0..1 << 20 {
        q.sub_product(max, max);
    }
    assert!(q.is_zero(), "{name}: 2^20 maxpos² − 2^20 maxpos² is not zero: {q:?}");

    // unit = maxpos²; cap(j) = j · maxpos² built with add_quire (binary doubling).
    let unit = {
        let mut u = Quire::<N, ES>::new();
        u.add_product(max, max);
        u
    };
    let times = |j: u64, negative: bool| -> Quire<N, ES> {
        let mut acc = Quire::<N, ES>::new();
        let mut pow = unit.clone();
        for bit in 0..31 {
            if j >> bit & 1 == 1 {
                acc.add_quire(&pow);
            }
            let twice = pow.clone();
            pow.add_quire(&twice);
        }
        if negative {
            acc.negate();
        }
        acc
    };
    let cap = Quire::<N, ES>::CAPACITY;
    assert_eq!(cap, (1 << 31) - 1);
    for negative in [false, true] {
        let sign = if negative { "−" } else { "+" };
        let (mx, mn) = if negative { (-max, -min) } else { (max, min) };
        // (2^31 − 1) maxpos²: in range, rounds to ±maxpos.
        let q = times(cap, negative);
        assert!(!q.is_nar(), "{name}: {sign}(2^31 − 1) maxpos² overflowed");
        assert_eq!(q.to_posit(), mx, "{name}: {sign}(2^31 − 1) maxpos²");
        // + (maxpos² − minpos²): the largest magnitude the quire holds, 2^(Q−1) − 1 units.
        // (minpos² first: the intermediate 2^31 maxpos² would overflow, and overflow is sticky.)
        let mut top = q.clone();
        top.sub_product(mn, min);
        top.add_product(mx, max);
        assert!(!top.is_nar(), "{name}: {sign}(2^(Q−1) − 1) units overflowed");
        assert_eq!(top.to_posit(), mx);
        // The range is the Q-bit two's-complement one: −2^(Q−1) units still fit (NaR is a flag,
        // not the pattern 100…0), +2^(Q−1) does not.
        let mut over = top.clone();
        over.add_product(mn, min);
        if negative {
            assert!(!over.is_nar(), "{name}: −2^(Q−1) units overflowed: {over:?}");
            assert_eq!(over.to_posit(), mx);
            let mut neg = over.clone();
            neg.negate();
            assert!(neg.is_overflowed(), "{name}: −(−2^(Q−1)) did not overflow");
            over.add_product(mn, min);
        }
        // One more unit overflows; the overflow is sticky and reads as NaR.
        assert!(over.is_overflowed() && over.is_nar(), "{name}: {sign}2^(Q−1) units did not overflow: {over:?}");
        assert!(over.to_posit().is_nar() && over.to_exact() == Exact::Nan);
        assert_eq!(format!("{over:?}"), format!("Quire<{N},{ES}>(overflow)"));
        // A NaR operand after the overflow: still overflowed (the first one wins).
        let mut both = over.clone();
        both.add_posit(Posit::nar());
        assert!(both.is_overflowed() && both.is_nar());
        // An overflow after a NaR operand: NaR, not overflowed.
        let mut nar_first = top.clone();
        nar_first.add_product(Posit::nar(), max);
        nar_first.add_quire(&top);
        assert!(nar_first.is_nar() && !nar_first.is_overflowed(), "{name}: NaR then overflow: {nar_first:?}");
        let mut other_first = Quire::<N, ES>::new();
        other_first.add_quire(&both);
        assert!(other_first.is_overflowed());
        over.sub_product(mn, min);
        over.sub_product(mn, min);
        assert!(over.is_overflowed(), "{name}: overflow is not sticky");
        over.negate();
        assert!(over.is_overflowed());
        let mut sum = Quire::<N, ES>::new();
        sum.add_quire(&over);
        assert!(sum.is_overflowed(), "{name}: add_quire of an overflowed quire");
        over.clear();
        assert!(over.is_zero() && !over.is_nar() && !over.is_overflowed());
        // Taking (2^31 − 1) maxpos² away again leaves exactly maxpos² − minpos².
        let mut back = top.clone();
        back.add_quire(&times(cap, !negative));
        let mut want = Quire::<N, ES>::new();
        want.add_product(mx, max);
        want.sub_product(mn, min);
        assert_eq!(back, want, "{name}: {sign}capacity round trip");
        // Near capacity by a loop of products: (2^31 − 1000) maxpos², then 999 more fit; the
        // 1000th overflows (−2^31 maxpos² still fits: then one minpos² more overflows).
        let mut q = times(cap - 999, negative);
        for i in 0..999 {
            q.add_product(mx, max);
            assert!(!q.is_nar(), "{name}: {sign}overflow after {i} of 999 products");
        }
        q.add_product(mx, max);
        if negative {
            assert!(!q.is_nar(), "{name}: −2^31 maxpos² by products overflowed");
            assert_eq!(q.to_posit(), mx);
            q.add_product(mn, min);
        }
        assert!(q.is_overflowed(), "{name}: {sign}2^31 maxpos² by products did not overflow");
        // Adding two in-range quires that together overflow.
        let mut a = times(1 << 30, negative);
        a.add_quire(&times(1 << 30, negative));
        let mut b = times(1 << 30, negative);
        b.sub_quire(&times(1 << 30, !negative));
        assert_eq!(a, b);
        if negative {
            assert!(!a.is_nar(), "{name}: −2^30 − 2^30 maxpos² overflowed");
            a.sub_posit(min);
            b.add_quire(&Quire::from(mn));
        }
        assert!(a.is_overflowed(), "{name}: {sign}2^30 + 2^30 maxpos² did not overflow");
        assert!(b.is_overflowed(), "{name}: {sign}2^30 − (∓2^30) maxpos² did not overflow");
        // Negation of the extremes stays in range.
        let mut t = top.clone();
        t.negate();
        assert!(!t.is_nar());
        t.add_quire(&top);
        assert!(t.is_zero());
    }
}

fn nar_and_zero<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, seed: u64)
where
    Width<N>: WidthStorage,
{
    let name = o.r.name();
    let nar = Posit::<N, ES>::nar();
    for i in 0..20 {
        let len = length(rng).min(2000);
        let mut a: Vec<Posit<N, ES>> = (0..len).map(|_| p(entry::<N, ES>(o, rng, Dist::Normal))).collect();
        let mut b: Vec<Posit<N, ES>> = (0..len).map(|_| p(entry::<N, ES>(o, rng, Dist::Codes))).collect();
        let at = (rng.next_u64() % len as u64) as usize;
        if i % 2 == 0 {
            a[at] = nar;
        } else {
            b[at] = nar;
        }
        // NaR × 0 is NaR too.
        if i % 3 == 0 {
            if i % 2 == 0 {
                b[at] = Posit::default();
            } else {
                a[at] = Posit::default();
            }
        }
        let d = dot(&a, &b).unwrap();
        assert!(d.is_nar(), "{name}: NaR at {at} of {len} gave {d:?}, seed {seed:#x}");
        let mut q = Quire::<N, ES>::new();
        q.add_dot(&a, &b).unwrap();
        assert!(q.is_nar() && !q.is_overflowed() && !q.is_zero());
        q.add_product(a[0], b[0]);
        q.negate();
        assert!(q.is_nar() && q.to_exact() == Exact::Nan);
        let mut r = Quire::<N, ES>::from(p::<N, ES>(o.one()));
        r.add_quire(&q);
        assert!(r.is_nar(), "{name}: add_quire(NaR)");
        let mut r = Quire::<N, ES>::from(p::<N, ES>(o.one()));
        r.sub_quire(&q);
        assert!(r.is_nar(), "{name}: sub_quire(NaR)");
        q.clear();
        assert!(q.is_zero() && !q.is_nar());
        q.add_posit(p(o.one()));
        assert_eq!(code(q.to_posit()), o.one(), "{name}: cleared quire");
        let mut s = Quire::<N, ES>::new();
        s.sub_posit(nar);
        assert!(s.is_nar());
        let mut s = Quire::<N, ES>::new();
        s.sub_product(p(o.one()), nar);
        assert!(s.is_nar());
    }
    // Zero results.
    assert_eq!(dot::<N, ES>(&[], &[]).unwrap(), Posit::default(), "{name}: empty dot");
    let zeros = vec![Posit::<N, ES>::default(); 100];
    let any: Vec<Posit<N, ES>> = (0..100).map(|_| p(entry::<N, ES>(o, rng, Dist::Codes))).collect();
    assert_eq!(dot(&zeros, &any).unwrap(), Posit::default(), "{name}: 0 · x");
    assert_eq!(dot(&any, &zeros).unwrap(), Posit::default(), "{name}: x · 0");
    let q = Quire::<N, ES>::new();
    assert_eq!(q.to_exact(), Exact::Zero { neg: false });
    assert!(q.is_zero());
}

/// add_quire / sub_quire / negate / sub_posit / sub_product / add_posit agree with each other
/// and with the oracle.
fn consistency<const N: u32, const ES: u32>(o: &Oracle, rng: &mut SplitMix, seed: u64)
where
    Width<N>: WidthStorage,
{
    let name = o.r.name();
    let one = p::<N, ES>(o.one());
    for i in 0..40 {
        let d = [Dist::Codes, Dist::Normal, Dist::LogUniform, Dist::Edges][i % 4];
        let len = length(rng).min(3000);
        let a: Vec<Posit<N, ES>> = (0..len).map(|_| p(entry::<N, ES>(o, rng, d))).collect();
        let b: Vec<Posit<N, ES>> = (0..len).map(|_| p(entry::<N, ES>(o, rng, d))).collect();
        let mut full = Quire::<N, ES>::new();
        full.add_dot(&a, &b).unwrap();
        // Split at k: the two halves added as quires.
        let k = (rng.next_u64() % (len as u64 + 1)) as usize;
        let mut q1 = Quire::<N, ES>::new();
        q1.add_dot(&a[..k], &b[..k]).unwrap();
        let mut q2 = Quire::<N, ES>::new();
        q2.add_dot(&a[k..], &b[k..]).unwrap();
        let mut sum = q1.clone();
        sum.add_quire(&q2);
        assert_eq!(sum, full, "{name}: q1 + q2 != full (k = {k} of {len}), seed {seed:#x}");
        // full − q2 = q1; q2 negated and added is the same.
        let mut diff = full.clone();
        diff.sub_quire(&q2);
        assert_eq!(diff, q1, "{name}: full − q2 != q1, seed {seed:#x}");
        let mut neg2 = q2.clone();
        neg2.negate();
        let mut diff2 = full.clone();
        diff2.add_quire(&neg2);
        assert_eq!(diff2, q1, "{name}: full + (−q2) != q1, seed {seed:#x}");
        // Negation: rounding is symmetric, so round(−s) = −round(s).
        let mut neg = full.clone();
        neg.negate();
        assert_eq!(neg.to_posit(), -full.to_posit(), "{name}: negate, seed {seed:#x}");
        let terms: Vec<(bool, u64, u64)> = a.iter().zip(&b).map(|(&x, &y)| (true, code(x), code(y))).collect();
        check(o, &neg, &terms, "negated dot", seed, i % 4 == 0);
        neg.negate();
        assert_eq!(neg, full, "{name}: double negation");
        // Taking every product away again leaves exactly zero.
        let mut z = full.clone();
        for (&x, &y) in a.iter().zip(&b) {
            z.sub_product(x, y);
        }
        assert!(z.is_zero(), "{name}: Σ − Σ = {z:?}, seed {seed:#x}");
        let mut z = full.clone();
        z.sub_quire(&full);
        assert!(z.is_zero(), "{name}: q − q");
        // add_posit(x) = add_product(x, 1); sub_posit(x) = add_posit(−x) = sub_product(x, 1).
        let mut s1 = Quire::<N, ES>::new();
        let mut s2 = Quire::<N, ES>::new();
        let mut s3 = Quire::<N, ES>::new();
        let mut s4 = Quire::<N, ES>::new();
        let mut terms = Vec::new();
        for (j, &x) in a.iter().enumerate() {
            if j % 3 == 0 {
                s1.sub_posit(x);
                s2.add_posit(-x);
                s3.sub_product(x, one);
                s4.add_product(one, -x);
                terms.push((true, code(x), o.one()));
            } else {
                s1.add_posit(x);
                s2.add_posit(x);
                s3.add_product(x, one);
                s4.add_product(one, x);
                terms.push((false, code(x), o.one()));
            }
        }
        assert!(s1 == s2 && s2 == s3 && s3 == s4, "{name}: add/sub_posit vs products, seed {seed:#x}");
        check(o, &s1, &terms, "posit sum", seed, i % 4 == 0);
        assert_eq!(Quire::from(a[0]).to_posit(), a[0], "{name}: a posit round-trips through the quire");
    }
    // A random mix of every operation against the oracle.
    for i in 0..40 {
        let mut q = Quire::<N, ES>::new();
        let mut terms: Vec<(bool, u64, u64)> = Vec::new();
        for _ in 0..length(rng).min(2000) {
            let (x, y) = (entry::<N, ES>(o, rng, Dist::Codes), entry::<N, ES>(o, rng, Dist::Edges));
            match rng.next_u32() % 5 {
                0 => {
                    q.add_posit(p(x));
                    terms.push((false, x, o.one()));
                }
                1 => {
                    q.sub_posit(p(x));
                    terms.push((true, x, o.one()));
                }
                2 => {
                    q.add_product(p(x), p(y));
                    terms.push((false, x, y));
                }
                3 => {
                    q.sub_product(p(x), p(y));
                    terms.push((true, x, y));
                }
                _ => {
                    q.negate();
                    for t in &mut terms {
                        t.0 = !t.0;
                    }
                }
            }
        }
        check(o, &q, &terms, &format!("operation mix #{i}"), seed, true);
    }
}

fn length_mismatch<const N: u32, const ES: u32>(o: &Oracle)
where
    Width<N>: WidthStorage,
{
    let a = vec![p::<N, ES>(o.one()); 5];
    assert_eq!(dot(&a, &a[..4]), Err(DotError::LengthMismatch { left: 5, right: 4 }));
    assert_eq!(dot(&a[..0], &a), Err(DotError::LengthMismatch { left: 0, right: 5 }));
    let mut q = Quire::<N, ES>::from(a[0]);
    let before = q.clone();
    assert_eq!(q.add_dot(&a[..2], &a[..3]), Err(DotError::LengthMismatch { left: 2, right: 3 }));
    assert_eq!(q, before, "a failed add_dot leaves the quire unchanged");
    let e = DotError::LengthMismatch { left: 2, right: 3 };
    let _: &dyn std::error::Error = &e;
    assert_eq!(e.to_string(), "dot product of slices of different lengths (2 and 3)");
}

fn all<const N: u32, const ES: u32>(random_cases: usize)
where
    Width<N>: WidthStorage,
{
    let o = Oracle::new(N, ES);
    let seed = rng_seed(&format!("quire posit<{N},{ES}>"));
    let mut rng = SplitMix::new(seed);
    length_mismatch::<N, ES>(&o);
    nar_and_zero::<N, ES>(&o, &mut rng, seed);
    random_dots::<N, ES>(&o, &mut rng, seed, random_cases);
    cancellation::<N, ES>(&o, &mut rng, seed, random_cases / 2);
    ties::<N, ES>(&o, &mut rng, seed, random_cases);
    capacity::<N, ES>(&o, &mut rng, seed);
    consistency::<N, ES>(&o, &mut rng, seed);
}

#[test]
fn quire_posit8e0() {
    all::<8, 0>(300);
}

#[test]
fn quire_posit8() {
    all::<8, 2>(300);
}

#[test]
fn quire_posit12e1() {
    all::<12, 1>(300);
}

#[test]
fn quire_posit16e1() {
    all::<16, 1>(300);
}

#[test]
fn quire_posit16() {
    all::<16, 2>(300);
}

#[test]
fn quire_posit32() {
    all::<32, 2>(300);
}

/// posit64: 128-bit products over two limbs, the 1024-bit quire.
#[test]
fn quire_posit64() {
    all::<64, 2>(300);
}

/// posit<64,4>: the largest quire (4000 bits in 64 limbs); posit<33,0>: the narrowest of the
/// 64-bit kernels.
#[test]
fn quire_posit64e4_and_posit33e0() {
    all::<64, 4>(100);
    all::<33, 0>(100);
}

/// Sizes (the standard's 16N for ES = 2) and the Debug form.
#[test]
fn quire_sizes_and_debug() {
    assert_eq!(Quire::<8, 2>::BITS, 128);
    assert_eq!(Quire::<16, 2>::BITS, 256);
    assert_eq!(Quire::<32, 2>::BITS, 512);
    assert_eq!(Quire::<8, 0>::BITS, 56);
    assert_eq!(Quire::<16, 1>::BITS, 144);
    assert_eq!(Quire::<12, 1>::BITS, 112);
    assert_eq!(Quire::<32, 4>::BITS, 1952);
    assert_eq!(Quire::<64, 2>::BITS, 1024);
    assert_eq!(Quire::<64, 4>::BITS, 4000);
    // posit64: 1.0 at bit 2M = 496 of the 1024-bit pattern.
    let d = format!("{:?}", Quire::<64, 2>::from(lowp::P64::from_f64(1.0)));
    assert_eq!(d.len(), "Quire<64,2>()".len() + 2 + 16 + 15 * 17);
    assert!(d.ends_with(&format!("_0001000000000000{})", "_0000000000000000".repeat(7))), "{d}");
    let q = Quire::<8, 2>::from(lowp::P8::from_f64(1.0));
    // 1.0 is bit 2M = 48 of the 128-bit pattern.
    assert_eq!(format!("{q:?}"), "Quire<8,2>(0x0000000000000000_0001000000000000)");
    // posit<8,0>: 56 bits in one limb, 1.0 at bit 2M = 12.
    assert_eq!(format!("{:?}", Quire::<8, 0>::from(lowp::P8E0::from_f64(1.0))), "Quire<8,0>(0x00000000001000)");
    let mut q = Quire::<8, 2>::from(lowp::P8::from_f64(-1.0));
    assert_eq!(format!("{q:?}"), "Quire<8,2>(0xffffffffffffffff_ffff000000000000)");
    q.add_posit(lowp::P8::nar());
    assert_eq!(format!("{q:?}"), "Quire<8,2>(NaR)");
}
