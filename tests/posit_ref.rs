//! Posits against the independent MPFR reference (`lowp::reference::posit`), bit for bit:
//! every pair of every posit<N, ES> with N <= 8 and ES <= 3 for + - * /, every code through
//! sqrt and the conversions; posit16 (ES 0, 1, 2) every code through sqrt and conversions, every
//! pair with an edge operand, and 10^7 seeded random pairs per op (through the MPFR-built oracle
//! of `posit16_oracle`, itself checked against MPFR on 2·10^5 of them and on every edge pair);
//! posit32 and posit<12,1> seeded random cases.
#![cfg(feature = "reference")]

mod common;
mod posit16_oracle;

use common::{rng_seed, SplitMix, ALL_MODES};
use lowp::posit::{PositBits, Width, WidthStorage};
use lowp::reference::posit::RefPosit;
use lowp::{LowpFloat, Overflow, Posit, Rounding};
use posit16_oracle::{Op, Oracle16};

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

fn fail(r: &RefPosit, what: &str, args: &[u64], want: u64, got: u64, seed: u64) -> ! {
    let args: Vec<String> = args.iter().map(|&a| r.describe(a)).collect();
    panic!(
        "posit<{},{}> {what}({}):\n  lib       {}\n  reference {}\n  seed {seed:#x}",
        r.n(),
        r.es(),
        args.join(", "),
        r.describe(got),
        r.describe(want)
    )
}

fn check_op<const N: u32, const ES: u32>(r: &RefPosit, a: u64, b: u64, seed: u64)
where
    Width<N>: WidthStorage,
{
    let (x, y) = (p::<N, ES>(a), p::<N, ES>(b));
    for (name, want, got) in [
        ("add", r.add(a, b), code(x + y)),
        ("sub", r.sub(a, b), code(x - y)),
        ("mul", r.mul(a, b), code(x * y)),
        ("div", r.div(a, b), code(x / y)),
    ] {
        if want != got {
            fail(r, name, &[a, b], want, got, seed);
        }
    }
}

/// Every pair, every unary op, every code through f64 under every mode.
fn exhaustive_small<const N: u32, const ES: u32>()
where
    Width<N>: WidthStorage,
{
    let r = RefPosit::new(N, ES);
    let count = 1u64 << N;
    let mut g = SplitMix::new(rng_seed(<Posit<N, ES> as LowpFloat>::NAME));
    for a in 0..count {
        let x = p::<N, ES>(a);
        let want = r.sqrt(a);
        if want != code(x.sqrt()) {
            fail(&r, "sqrt", &[a], want, code(x.sqrt()), 0);
        }
        for b in 0..count {
            check_op::<N, ES>(&r, a, b, 0);
        }
        // Conversions of values between and around codes: every code's value, and random
        // f64 around it, under every mode.
        let v = x.to_f64();
        for y in [v, v * (1.0 + 1e-9), v * (1.0 - 1e-9), v * 1.37, v * 0.71] {
            for mode in ALL_MODES.iter().copied().chain([Rounding::Stochastic(g.next_u32())]) {
                let got = code(Posit::<N, ES>::from_f64_with(y, mode, Overflow::Saturating));
                let want = r.from_f64(y, mode);
                if want != got {
                    fail(&r, &format!("from_f64({y:e}, {mode:?})"), &[], want, got, 0);
                }
            }
        }
    }
}

macro_rules! small {
    ($($name:ident: $n:literal, $es:literal;)*) => {$(
        #[test]
        fn $name() { exhaustive_small::<$n, $es>(); }
    )*};
}

small! {
    p2e0: 2, 0; p3e0: 3, 0; p3e1: 3, 1; p4e0: 4, 0; p4e1: 4, 1; p4e2: 4, 2; p4e3: 4, 3;
    p5e0: 5, 0; p5e1: 5, 1; p5e2: 5, 2; p5e3: 5, 3; p6e0: 6, 0; p6e1: 6, 1; p6e2: 6, 2; p6e3: 6, 3;
    p7e0: 7, 0; p7e1: 7, 1; p7e2: 7, 2; p7e3: 7, 3; p8e0: 8, 0; p8e1: 8, 1; p8e2: 8, 2; p8e3: 8, 3;
}

/// mul_add on random triples plus edge triples.
fn fma_random<const N: u32, const ES: u32>(n: usize)
where
    Width<N>: WidthStorage,
{
    let r = RefPosit::new(N, ES);
    let seed = rng_seed(&format!("fma {}", <Posit<N, ES> as LowpFloat>::NAME));
    let mut g = SplitMix::new(seed);
    let mask = (1u64 << N) - 1;
    for _ in 0..n {
        let (a, b, c) = (g.next_u64() & mask, g.next_u64() & mask, g.next_u64() & mask);
        let got = code(p::<N, ES>(a).mul_add(p::<N, ES>(b), p::<N, ES>(c)));
        let want = r.mul_add(a, b, c);
        if want != got {
            fail(&r, "mul_add", &[a, b, c], want, got, seed);
        }
    }
}

#[test]
fn fma_small_and_16() {
    fma_random::<8, 0>(200_000);
    fma_random::<8, 2>(200_000);
    fma_random::<16, 1>(200_000);
    fma_random::<16, 2>(200_000);
}

/// The edge set: 0, NaR, ±minpos, ±maxpos, ±1 and their neighbours.
fn edges(n: u32) -> Vec<u64> {
    let mask = (1u64 << n) - 1;
    let one = 1u64 << (n - 2);
    let nar = 1u64 << (n - 1);
    let mut v = vec![];
    for c in [0, nar, 1, nar - 1, one] {
        for d in [0u64, 1, 2, mask, mask - 1] {
            v.push(c.wrapping_add(d) & mask);
            v.push(c.wrapping_add(d).wrapping_neg() & mask);
        }
    }
    v.sort();
    v.dedup();
    v
}

/// posit16 with ES 0, 1, 2: every code through sqrt and f64 and to the other sizes; every pair
/// with an edge operand and `n_mpfr` random pairs straight against MPFR (also checking the
/// oracle there); `n_random` random pairs per op through the oracle.
fn posit16<const ES: u32>(n_mpfr: usize, n_random: u64) {
    let r = RefPosit::new(16, ES);
    let seed = rng_seed(<Posit<16, ES> as LowpFloat>::NAME);
    let mut g = SplitMix::new(seed);
    let r8 = RefPosit::new(8, ES);
    let r32 = RefPosit::new(32, 2);
    for a in 0..(1u64 << 16) {
        let x = p::<16, ES>(a);
        let (want, got) = (r.sqrt(a), code(x.sqrt()));
        if want != got {
            fail(&r, "sqrt", &[a], want, got, seed);
        }
        let v = x.to_f64();
        if !x.is_nan() {
            assert_eq!(r.from_f64(v, Rounding::NearestEven), a, "posit16e{ES} {a:#x} to f64 and back");
        }
        for mode in ALL_MODES {
            let got8 = code(x.convert_with::<Posit<8, ES>>(mode, Overflow::Saturating));
            let want8 = r.convert_to(a, &r8, mode);
            if want8 != got8 {
                fail(&r8, &format!("from posit16e{ES} {a:#x} {mode:?}"), &[], want8, got8, seed);
            }
            let got32 = code(x.convert_with::<Posit<32, 2>>(mode, Overflow::Saturating));
            let want32 = r.convert_to(a, &r32, mode);
            if want32 != got32 {
                fail(&r32, &format!("from posit16e{ES} {a:#x} {mode:?}"), &[], want32, got32, seed);
            }
        }
    }
    let oracle = Oracle16::new(ES);
    // Straight against MPFR, and the oracle against MPFR on the same pairs.
    for _ in 0..n_mpfr {
        let (a, b) = (g.next_u64() & 0xffff, g.next_u64() & 0xffff);
        let (x, y) = (p::<16, ES>(a), p::<16, ES>(b));
        for (op, got) in [(Op::Add, x + y), (Op::Sub, x - y), (Op::Mul, x * y), (Op::Div, x / y)] {
            let want = op.reference(&r, a, b);
            if want != code(got) {
                fail(&r, op.name(), &[a, b], want, code(got), seed);
            }
            oracle.anchor_op(&r, op, a as u16, b as u16, want as u16, seed);
        }
    }
    for &e in &edges(16) {
        for b in 0..(1u64 << 16) {
            check_op::<16, ES>(&r, e, b, seed);
            check_op::<16, ES>(&r, b, e, seed);
        }
        // The oracle on a sample of them (every pair with an edge goes through MPFR above).
        for b in (0..(1u64 << 16)).step_by(61) {
            oracle.anchor(&r, e as u16, b as u16, seed);
            oracle.anchor(&r, b as u16, e as u16, seed);
        }
    }
    posit16_oracle_random::<ES>(&r, &oracle, n_random, seed);
}

/// `n` seeded random pairs of posit16 codes through every op, checked by the oracle (which
/// accepts exactly the correctly rounded code: see `posit16_oracle`). The pairs come from 64
/// fixed streams derived from `seed`, shared out over the available threads, so the set of
/// pairs does not depend on the thread count.
fn posit16_oracle_random<const ES: u32>(r: &RefPosit, oracle: &Oracle16, n: u64, seed: u64) {
    const STREAMS: u64 = 64;
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).min(STREAMS as usize) as u64;
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for stream in (t..STREAMS).step_by(threads as usize) {
                    let mut g = SplitMix::new(seed ^ (stream + 1).wrapping_mul(0xd605_bbb5_8c8a_bbbd));
                    let count = n / STREAMS + u64::from(stream < n % STREAMS);
                    for _ in 0..count {
                        let v = g.next_u64();
                        let (a, b) = (v as u16, (v >> 16) as u16);
                        let (x, y) = (p::<16, ES>(a as u64), p::<16, ES>(b as u64));
                        for (op, got) in [(Op::Add, x + y), (Op::Sub, x - y), (Op::Mul, x * y), (Op::Div, x / y)] {
                            let got = code(got) as u16;
                            if !oracle.accepts(op, a, b, got) {
                                let want = op.reference(r, a as u64, b as u64);
                                fail(r, op.name(), &[a as u64, b as u64], want, got as u64, seed);
                            }
                        }
                    }
                }
            });
        }
    });
}

#[test]
fn posit16e0() {
    posit16::<0>(200_000, 10_000_000);
}
#[test]
fn posit16e1() {
    posit16::<1>(200_000, 10_000_000);
}
#[test]
fn posit16e2() {
    posit16::<2>(200_000, 10_000_000);
}

/// Wider and odd sizes: seeded random pairs and conversions from random f64.
fn random_wide<const N: u32, const ES: u32>(n: usize)
where
    Width<N>: WidthStorage,
{
    let r = RefPosit::new(N, ES);
    let seed = rng_seed(<Posit<N, ES> as LowpFloat>::NAME);
    let mut g = SplitMix::new(seed);
    let mask = (1u64 << N) - 1;
    for i in 0..n {
        let (a, b) = (g.next_u64() & mask, g.next_u64() & mask);
        check_op::<N, ES>(&r, a, b, seed);
        let (want, got) = (r.sqrt(a), code(p::<N, ES>(a).sqrt()));
        if want != got {
            fail(&r, "sqrt", &[a], want, got, seed);
        }
        let x = if i % 2 == 0 { f64::from_bits(g.next_u64()) } else { (g.next_f64() * 260.0 - 130.0).exp2() };
        let mode = [
            Rounding::NearestEven,
            Rounding::TowardZero,
            Rounding::Up,
            Rounding::Down,
            Rounding::Stochastic(g.next_u32()),
        ][i % 5];
        let (want, got) = (r.from_f64(x, mode), code(Posit::<N, ES>::from_f64_with(x, mode, Overflow::Saturating)));
        if want != got {
            fail(&r, &format!("from_f64({x:e}, {mode:?})"), &[], want, got, seed);
        }
    }
    for &a in &edges(N) {
        for &b in &edges(N) {
            check_op::<N, ES>(&r, a, b, seed);
        }
    }
}

#[test]
fn posit32_es2_random() {
    random_wide::<32, 2>(300_000);
}
#[test]
fn posit32_es3_random() {
    random_wide::<32, 3>(200_000);
}
#[test]
fn posit12_es1_random() {
    random_wide::<12, 1>(300_000);
}

/// Stochastic rounding where the cut falls in the regime (decided in value space): bits of the
/// significand that the bit-string shift drops are part of the value, not a sticky tail.
/// Regression: 2^116 + 15·2^84 lies 2^-32 of the way from 2^116 to 2^120 (posit32's two top
/// codes), so r = 1 must round down; it rounded up when those bits were taken for a sticky flag.
#[test]
fn posit32_stochastic_in_regime() {
    let r = RefPosit::new(32, 2);
    let x = 2f64.powi(116) + 15.0 * 2f64.powi(84);
    for bits in [0, 1, 2, u32::MAX] {
        let mode = Rounding::Stochastic(bits);
        let got = code(Posit::<32, 2>::from_f64_with(x, mode, Overflow::Saturating));
        let want = r.from_f64(x, mode);
        if want != got {
            fail(&r, &format!("from_f64({x:e}, {mode:?})"), &[], want, got, 0);
        }
    }
    assert_eq!(r.from_f64(x, Rounding::Stochastic(1)), 0x7fff_fffe);
}
