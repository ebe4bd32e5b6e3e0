//! Posits against the independent MPFR reference (`lowp::reference::posit`), bit for bit:
//! every pair of every posit<N, ES> with N <= 8 and ES <= 3 for + - * /, every code through
//! sqrt and the conversions; posit16 (ES 0, 1, 2) every code through sqrt and conversions, every
//! pair with an edge operand, and 10^7 seeded random pairs per op (through the MPFR-built oracle
//! of `posit16_oracle`, itself checked against MPFR on 2·10^5 of them and on every edge pair);
//! posit32 and posit<12,1> seeded random cases; posit64 (ES 2, and ES 0, 3, 4, and 40- and
//! 48-bit posits) with 10^6 seeded random cases per op for posit64 through the acceptance oracle
//! of `posit64_oracle` (itself checked against the MPFR reference on a sample and on the edge
//! pairs), all edge and regime-boundary pairs, fma, and the conversions.
//!
//! posit64 alone: `cargo test --release --features reference --test posit_ref posit64`.
#![cfg(feature = "reference")]

mod common;
mod posit16_oracle;
mod posit64_oracle;

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
    let mask = u64::MAX >> (64 - N);
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
    let mask = u64::MAX >> (64 - n);
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
    let mask = u64::MAX >> (64 - N);
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

// ---------------------------------------------------------------------------------------------
// Posits of more than 32 bits: posit64 and friends.
// ---------------------------------------------------------------------------------------------

use lowp::reference::RefValue;
use lowp::Exact;
use posit64_oracle::{Op as Op64, Oracle64};
use rug::{Float, Rational};

/// A random code of an n-bit posit from one of several generators (`kind`): uniform; the
/// regime stretched by a random amount (every scale about equally likely); near ±1 (long
/// fractions); a stretched code with a random number of low bits cleared (short fractions:
/// exact products and sums, ties).
fn wide_code(g: &mut SplitMix, n: u32, kind: u64) -> u64 {
    let mask = u64::MAX >> (64 - n);
    let r = g.next_u64();
    let stretched = |g: &mut SplitMix| {
        // The n − 1 bits after the sign, left-aligned; the first regime bit repeated s times.
        let w = ((r << 1) as i64 >> (g.next_u64() % u64::from(n - 1))) as u64;
        w >> (65 - n)
    };
    let mag = match kind % 4 {
        0 => r >> (65 - n),
        1 => stretched(g),
        2 => {
            let one = 1u64 << (n - 2);
            let d = g.next_u64() >> (64 - (g.next_u64() % u64::from(n - 3) + 1));
            if r & 1 == 0 {
                one + d
            } else {
                one - d
            }
        }
        _ => {
            let z = g.next_u64() % u64::from(n);
            stretched(g) & !((1u64 << z) - 1)
        }
    };
    if g.next_u64() & 1 == 0 {
        mag & mask
    } else {
        mag.wrapping_neg() & mask
    }
}

/// The edge set of `edges` plus the regime boundaries: every power of two code and its
/// neighbours (`2^k − 1`, `2^k`, `2^k + 1`, `3·2^k`), both signs.
fn wide_edges(n: u32) -> Vec<u64> {
    let mask = u64::MAX >> (64 - n);
    let mut v = edges(n);
    for k in 0..n - 1 {
        for c in [(1u64 << k) - 1, 1 << k, (1 << k) + 1, (3u64 << k) & (mask >> 1)] {
            v.push(c & mask);
            v.push(c.wrapping_neg() & mask);
        }
    }
    v.sort();
    v.dedup();
    v
}

fn fail64(r: &RefPosit, op: Op64, args: &[u64], got: u64, seed: u64) -> ! {
    let want = op.reference(r, args[0], *args.get(1).unwrap_or(&0), *args.get(2).unwrap_or(&0));
    fail(r, op.name(), args, want, got, seed)
}

fn lib_op<const N: u32, const ES: u32>(op: Op64, a: u64, b: u64, c: u64) -> u64
where
    Width<N>: WidthStorage,
{
    let (x, y, z) = (p::<N, ES>(a), p::<N, ES>(b), p::<N, ES>(c));
    code(match op {
        Op64::Add => x + y,
        Op64::Sub => x - y,
        Op64::Mul => x * y,
        Op64::Div => x / y,
        Op64::Sqrt => x.sqrt(),
        Op64::Fma => x.mul_add(y, z),
    })
}

/// The per-iteration work of [`wide_random`]: operands from the generators, then every op
/// checked by the oracle. Iteration `i` picks the generators; kinds 4 and 5 make the second
/// operand half an ulp of the first (a tie of `+` on the bit string when that is a posit) or
/// its near negation (cancellation).
fn wide_case<const N: u32, const ES: u32>(o: &Oracle64, r: &RefPosit, g: &mut SplitMix, i: u64, fma: bool, seed: u64)
where
    Width<N>: WidthStorage,
{
    let mask = o.mask();
    let a = wide_code(g, N, i);
    let b = match i % 6 {
        4 => match o.value(a) {
            Some(d) if d.m != 0 => {
                let half = 2f64.powi(d.e - 1) * if g.next_u64() & 1 == 0 { 1.0 } else { -1.0 };
                let h = code(Posit::<N, ES>::from_f64(half));
                // Sometimes a hair off the tie.
                match g.next_u64() % 3 {
                    0 => h,
                    1 => h.wrapping_add(1) & mask,
                    _ => h.wrapping_sub(1) & mask,
                }
            }
            _ => wide_code(g, N, i / 6),
        },
        5 => a.wrapping_neg().wrapping_add(g.next_u64() % 5).wrapping_sub(2) & mask,
        _ => wide_code(g, N, i / 6),
    };
    for op in [Op64::Add, Op64::Sub, Op64::Mul, Op64::Div] {
        let got = lib_op::<N, ES>(op, a, b, 0);
        if !o.check(op, a, b, 0, got) {
            fail64(r, op, &[a, b], got, seed);
        }
    }
    // √ of the magnitude (a negative operand is an early NaR, checked on the edges).
    let m = if a >> (N - 1) == 1 && a != o.nar() { a.wrapping_neg() & mask } else { a };
    let got = lib_op::<N, ES>(Op64::Sqrt, m, 0, 0);
    if !o.check(Op64::Sqrt, m, 0, 0, got) {
        fail64(r, Op64::Sqrt, &[m], got, seed);
    }
    if fma {
        // Third operand near −a·b sometimes (cancellation inside the fused sum).
        let c = if i.is_multiple_of(3) {
            let prod = p::<N, ES>(a) * p::<N, ES>(b);
            (code(-prod).wrapping_add(g.next_u64() % 3).wrapping_sub(1)) & mask
        } else {
            wide_code(g, N, i / 3)
        };
        let got = lib_op::<N, ES>(Op64::Fma, a, b, c);
        if !o.check(Op64::Fma, a, b, c, got) {
            fail64(r, Op64::Fma, &[a, b, c], got, seed);
        }
    }
    // From f64: random bits (NaN, ±∞, subnormals included) or a value spread over the range.
    let x = if i.is_multiple_of(2) {
        f64::from_bits(g.next_u64())
    } else {
        let top = ((N - 2) << ES) as f64 + 8.0;
        (g.next_f64() * 2.0 * top - top).exp2() * if i % 4 == 1 { 1.0 } else { -1.0 }
    };
    let got = code(Posit::<N, ES>::from_f64(x));
    if !o.check_from_f64(x, got) {
        fail(r, &format!("from_f64({x:e})"), &[], r.from_f64(x, Rounding::NearestEven), got, seed);
    }
}

/// `n` seeded random cases per op (`n / 5` for fma) through the oracle, on 64 fixed streams
/// shared out over the threads (the cases do not depend on the thread count); the first
/// `anchored` cases of stream 0 also through the full MPFR reference, which the oracle must
/// accept and the library match. Then every pair of the edge and regime-boundary set through
/// the oracle, and the plain edge pairs through the reference.
fn wide_random<const N: u32, const ES: u32>(n: u64, anchored: u64)
where
    Width<N>: WidthStorage,
{
    const STREAMS: u64 = 64;
    let start = std::time::Instant::now();
    let o = Oracle64::new(N, ES);
    let r = RefPosit::new(N, ES);
    let seed = rng_seed(&format!("wide {}", <Posit<N, ES> as LowpFloat>::NAME));
    // The oracle's decoder against the reference.
    let mut g = SplitMix::new(seed);
    let mut codes: Vec<u64> = (0..2000).map(|i| wide_code(&mut g, N, i)).collect();
    codes.extend(wide_edges(N));
    o.anchor_decoder(&r, codes);
    // The oracle against the reference, and the library against both.
    for i in 0..anchored {
        let (a, b, c) = (wide_code(&mut g, N, i), wide_code(&mut g, N, i + 1), wide_code(&mut g, N, i + 2));
        for op in [Op64::Add, Op64::Sub, Op64::Mul, Op64::Div, Op64::Sqrt, Op64::Fma] {
            let want = op.reference(&r, a, b, c);
            assert!(o.check(op, a, b, c, want), "oracle rejects the reference: {} {a:#x} {b:#x} {c:#x}", op.name());
            // …and only it: the neighbouring codes are rejected.
            for wrong in [want.wrapping_add(1) & o.mask(), want.wrapping_sub(1) & o.mask()] {
                assert!(!o.check(op, a, b, c, wrong), "oracle accepts {wrong:#x} beside {want:#x}: {}", op.name());
            }
            let got = lib_op::<N, ES>(op, a, b, c);
            if got != want {
                fail(&r, op.name(), &[a, b, c], want, got, seed);
            }
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).min(STREAMS as usize) as u64;
    std::thread::scope(|s| {
        for t in 0..threads {
            let (o, r) = (&o, &r);
            s.spawn(move || {
                for stream in (t..STREAMS).step_by(threads as usize) {
                    let mut g = SplitMix::new(seed ^ (stream + 1).wrapping_mul(0xd605_bbb5_8c8a_bbbd));
                    let count = n / STREAMS + u64::from(stream < n % STREAMS);
                    for i in 0..count {
                        wide_case::<N, ES>(o, r, &mut g, i, i % 5 == 0, seed);
                    }
                }
            });
        }
    });
    let random = start.elapsed();
    // Every pair of the edge and regime-boundary set through the oracle.
    let e = wide_edges(N);
    std::thread::scope(|s| {
        for t in 0..threads as usize {
            let (o, r, e) = (&o, &r, &e);
            s.spawn(move || {
                for &a in e.iter().skip(t).step_by(threads as usize) {
                    for &b in e {
                        for op in [Op64::Add, Op64::Sub, Op64::Mul, Op64::Div] {
                            let got = lib_op::<N, ES>(op, a, b, 0);
                            if !o.check(op, a, b, 0, got) {
                                fail64(r, op, &[a, b], got, seed);
                            }
                        }
                    }
                    let got = lib_op::<N, ES>(Op64::Sqrt, a, 0, 0);
                    if !o.check(Op64::Sqrt, a, 0, 0, got) {
                        fail64(r, Op64::Sqrt, &[a], got, seed);
                    }
                }
            });
        }
    });
    // The plain edge pairs straight against the reference.
    for &a in &edges(N) {
        for &b in &edges(N) {
            check_op::<N, ES>(&r, a, b, seed);
        }
    }
    eprintln!(
        "posit<{N},{ES}>: {n} random cases per op ({} fma), {anchored} through MPFR, {} edge pairs: {:.1?} (random {:.1?})",
        n.div_ceil(5),
        e.len() * e.len(),
        start.elapsed(),
        random
    );
}

#[test]
fn posit64_es2_random_and_edges() {
    wide_random::<64, 2>(1_000_000, 300);
}
#[test]
fn posit64_es0_es3_es4_random() {
    wide_random::<64, 0>(100_000, 100);
    wide_random::<64, 3>(100_000, 100);
    wide_random::<64, 4>(100_000, 100);
}
#[test]
fn posit48_es1_and_posit40_es3_random() {
    wide_random::<48, 1>(100_000, 100);
    wide_random::<40, 3>(100_000, 100);
    wide_random::<33, 0>(50_000, 50);
}

/// Conversions of posit64 against the reference, under every rounding mode: from `f64`,
/// `f32`, integers (`i64`, `u64`, `i128`), other posits (posit32 and posit<64,4> into posit64,
/// posit64 into posit32, posit16 and posit<64,4>) and `Exact`; to `f64`, `f32` (where the
/// value is in f32's normal range), integers under every mode; `next_up` / `next_down`.
#[test]
fn posit64_conversions() {
    type P = Posit<64, 2>;
    let r = RefPosit::new(64, 2);
    let (r32, r16, r644) = (RefPosit::new(32, 2), RefPosit::new(16, 2), RefPosit::new(64, 4));
    let seed = rng_seed("posit64 conversions");
    let mut g = SplitMix::new(seed);
    let modes =
        |g: &mut SplitMix| ALL_MODES.iter().copied().chain([Rounding::Stochastic(g.next_u32())]).collect::<Vec<_>>();
    let mut codes: Vec<u64> = (0..3000).map(|i| wide_code(&mut g, 64, i)).collect();
    codes.extend(wide_edges(64));
    for &a in &codes {
        let x = p::<64, 2>(a);
        // To f64: MPFR's nearest-even at 53 bits (every posit64 is inside f64's normal range).
        if let Some(q) = r.value(a) {
            let want = Float::with_val(53, &q).to_f64();
            assert_eq!(x.to_f64().to_bits(), want.to_bits(), "{} to f64", r.describe(a));
            // Round trip through Exact.
            assert_eq!(P::round_exact(x.to_exact(), Rounding::NearestEven, Overflow::Saturating), x);
            let f = Float::with_val(24, &q);
            if q != 0 && f.clone().abs() >= f32::MIN_POSITIVE && f.clone().abs() <= f32::MAX {
                assert_eq!(x.to_f32().to_bits(), f.to_f32().to_bits(), "{} to f32", r.describe(a));
            }
        } else {
            assert!(x.to_f64().is_nan() && x.to_f32().is_nan());
        }
        for mode in modes(&mut g) {
            let want = r.to_i64(a, mode);
            assert_eq!(x.to_i64_with(mode).ok(), want, "{} to i64 {mode:?}", r.describe(a));
            for (dst, got) in [
                (&r32, code(x.convert_with::<Posit<32, 2>>(mode, Overflow::Saturating))),
                (&r16, code(x.convert_with::<Posit<16, 2>>(mode, Overflow::Saturating))),
                (&r644, code(x.convert_with::<Posit<64, 4>>(mode, Overflow::Saturating))),
            ] {
                let want = r.convert_to(a, dst, mode);
                if want != got {
                    fail(dst, &format!("from posit64 {a:#x} {mode:?}"), &[], want, got, seed);
                }
            }
        }
        // next_up / next_down: the neighbouring codes (maxpos and NaR stay; −maxpos down stays).
        let (up, down) = (code(x.next_up()), code(x.next_down()));
        let want_up = if a == r.nar() || a == r.maxpos_code() { a } else { a.wrapping_add(1) };
        let want_down = if a == r.nar() || a == r.nar() + 1 { a } else { a.wrapping_sub(1) };
        assert_eq!((up, down), (want_up, want_down), "{} next_up/down", r.describe(a));
        if a != r.nar() && a != r.maxpos_code() {
            assert_eq!(r.compare(a, up), core::cmp::Ordering::Less);
        }
    }
    // Into posit64 from other posits (every mode: exact except posit<64,4>'s long values).
    for i in 0..3000u64 {
        let (c32, c644) = (wide_code(&mut g, 32, i), wide_code(&mut g, 64, i));
        for mode in modes(&mut g) {
            let got = code(p::<32, 2>(c32).convert_with::<P>(mode, Overflow::Saturating));
            assert_eq!(got, r32.convert_to(c32, &r, mode), "posit32 {c32:#x} to posit64 {mode:?}");
            let got = code(p::<64, 4>(c644).convert_with::<P>(mode, Overflow::Saturating));
            assert_eq!(got, r644.convert_to(c644, &r, mode), "posit<64,4> {c644:#x} to posit64 {mode:?}");
        }
    }
    // From f64, f32 and integers under every mode.
    let num = |q: Rational| if q == 0 { RefValue::Zero { neg: false } } else { RefValue::Num(q) };
    for i in 0..20_000u64 {
        let v = match i % 3 {
            0 => f64::from_bits(g.next_u64()),
            1 => (g.next_f64() * 520.0 - 260.0).exp2(),
            _ => -(g.next_f64() * 120.0).exp2(),
        };
        let f = f32::from_bits(g.next_u64() as u32);
        let k = (g.next_u64() as i64) >> (g.next_u64() % 64);
        let u = g.next_u64() >> (g.next_u64() % 64);
        let w = ((g.next_u64() as i128) << 64 | g.next_u64() as i128) >> (g.next_u64() % 128);
        for mode in modes(&mut g) {
            assert_eq!(
                code(P::from_f64_with(v, mode, Overflow::Saturating)),
                r.from_f64(v, mode),
                "from_f64({v:e}) {mode:?}"
            );
            assert_eq!(
                code(P::from_f32_with(f, mode, Overflow::Saturating)),
                r.from_f64(f as f64, mode),
                "from_f32({f:e}) {mode:?}"
            );
            let want = r.round(&num(Rational::from(k)), mode, Overflow::Saturating);
            assert_eq!(code(P::from_i64_with(k, mode, Overflow::Saturating)), want, "from_i64({k}) {mode:?}");
            let want = r.round(&num(Rational::from(u)), mode, Overflow::Saturating);
            assert_eq!(code(P::from_u64_with(u, mode, Overflow::Saturating)), want, "from_u64({u}) {mode:?}");
        }
        let want = r.round(&num(Rational::from(w)), Rounding::NearestEven, Overflow::Saturating);
        assert_eq!(code(<P as num_traits::FromPrimitive>::from_i128(w).unwrap()), want, "from_i128({w})");
        // Exact with a sticky tail (as exact arithmetic produces it): (sig + δ)·2^exp.
        let sig = g.next_u64() | 1 << 63;
        let exp = (g.next_u64() % 600) as i32 - 300;
        let x = Exact::Finite { neg: false, sig, exp, sticky: true };
        // (sig + 1/2) · 2^exp has the same rounding as every δ in (0, 1) at ≤ 62 bits.
        let q = Rational::from(2 * sig as u128 + 1) << (exp - 1);
        let mode = ALL_MODES[(i % 4) as usize];
        assert_eq!(
            code(P::round_exact(x, mode, Overflow::Saturating)),
            r.round(&num(q), mode, Overflow::Saturating),
            "{x:?} {mode:?}"
        );
    }
}

/// Stochastic rounding of a 64-bit value into a 64-bit posit reads 32 bits past the cut, below
/// the bits the encoder used to keep (the significand's last es + 1 bits were only a sticky
/// flag). Regression: posit64 0xc0000000071ff0f1 into posit<64,4> is 3/4 of the way between
/// two codes, so r ≈ 0.645·2^32 must round away from zero; with the last bit lost it was 1/2.
#[test]
fn posit64_stochastic_reads_every_bit() {
    let (r, r4) = (RefPosit::new(64, 2), RefPosit::new(64, 4));
    let a = 0xc000_0000_071f_f0f1;
    for bits in [0, 1 << 30, 1 << 31, 2768470313, 3 << 30, u32::MAX] {
        let mode = Rounding::Stochastic(bits);
        let got = code(p::<64, 2>(a).convert_with::<Posit<64, 4>>(mode, Overflow::Saturating));
        let want = r.convert_to(a, &r4, mode);
        if want != got {
            fail(&r4, &format!("from posit64 {a:#x} {mode:?}"), &[], want, got, 0);
        }
    }
    assert_eq!(r.convert_to(a, &r4, Rounding::Stochastic(2768470313)), 0xc000_0000_01c7_fc3c);
}
