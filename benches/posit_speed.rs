//! Posit arithmetic speed: add, mul, div, sqrt on 4096 random codes for posit8, posit16,
//! posit32 and posit64 (the 2022 standard, es = 2), lowp beside `fast-posit` on the same inputs
//! (and the quire-fused dot product of length 1024 for posit32 and posit64 — fast-posit 0.2's
//! quire has no `add_prod` for p64, so that row is lowp alone): `lowp` is
//! a loop over the scalar operators, `lowp-slice` the slice functions of `lowp::posit::bulk`
//! (run-time-selected AVX2/AVX-512 builds of that loop), `fast-posit` its own element loop.
//!
//! ```text
//! cargo bench --bench posit_speed -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Each iteration runs the operation on 4096 independent random pairs of codes (uniform over
//! all codes), so the throughput criterion reports is in operations: ns/op is the iteration
//! time / 4096. posit8 reads result tables (`+` built on first use, during warm-up; `× ÷ √` at
//! compile time); posit16 and posit32 run the integer kernels of `src/posit/fast.rs`, posit64
//! those of `src/posit/fast64.rs`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fast_posit::RoundFrom;
use lowp::{posit::bulk, LowpFloat, P16, P32, P64, P8};

/// Operations per iteration.
const M: usize = 4096;

use lowp::rng::SplitMix64 as SplitMix;

fn codes(seed: u64) -> Vec<u64> {
    let mut r = SplitMix::new(seed);
    (0..M).map(|_| r.next_u64()).collect()
}

macro_rules! width {
    ($c:expr, $name:literal, $L:ty, $bits:ty, $F:ty, $fbits:ty) => {{
        let a: Vec<$L> = codes(1).into_iter().map(|c| <$L>::from_bits(c as $bits)).collect();
        let b: Vec<$L> = codes(2).into_iter().map(|c| <$L>::from_bits(c as $bits)).collect();
        let fa: Vec<$F> = a.iter().map(|x| <$F>::from_bits(x.to_bits() as $fbits)).collect();
        let fb: Vec<$F> = b.iter().map(|x| <$F>::from_bits(x.to_bits() as $fbits)).collect();
        let mut out = vec![<$L>::default(); M];
        let mut fout = vec![<$F>::ZERO; M];
        macro_rules! binop {
            ($op:tt, $opname:literal, $slice:ident) => {{
                let mut g = $c.benchmark_group(concat!($name, "_", $opname));
                g.throughput(Throughput::Elements(M as u64));
                g.bench_function("lowp", |bn| {
                    bn.iter(|| {
                        for ((o, &x), &y) in out.iter_mut().zip(black_box(&a)).zip(black_box(&b)) {
                            *o = x $op y;
                        }
                        black_box(&mut out);
                    })
                });
                g.bench_function("lowp-slice", |bn| {
                    bn.iter(|| {
                        bulk::$slice(black_box(&a), black_box(&b), &mut out).unwrap();
                        black_box(&mut out);
                    })
                });
                g.bench_function("fast-posit", |bn| {
                    bn.iter(|| {
                        for ((o, &x), &y) in fout.iter_mut().zip(black_box(&fa)).zip(black_box(&fb)) {
                            *o = x $op y;
                        }
                        black_box(&mut fout);
                    })
                });
                g.finish();
            }};
        }
        binop!(+, "add", add);
        binop!(*, "mul", mul);
        binop!(/, "div", div);
        let mut g = $c.benchmark_group(concat!($name, "_sqrt"));
        g.throughput(Throughput::Elements(M as u64));
        g.bench_function("lowp", |bn| {
            bn.iter(|| {
                for (o, &x) in out.iter_mut().zip(black_box(&a)) {
                    *o = x.sqrt();
                }
                black_box(&mut out);
            })
        });
        g.bench_function("lowp-slice", |bn| {
            bn.iter(|| {
                bulk::sqrt(black_box(&a), &mut out).unwrap();
                black_box(&mut out);
            })
        });
        g.bench_function("fast-posit", |bn| {
            bn.iter(|| {
                for (o, &x) in fout.iter_mut().zip(black_box(&fa)) {
                    *o = x.sqrt();
                }
                black_box(&mut fout);
            })
        });
        g.finish();
    }};
}

fn posit_speed(c: &mut Criterion) {
    width!(c, "posit8", P8, u8, fast_posit::p8, i8);
    width!(c, "posit16", P16, u16, fast_posit::p16, i16);
    width!(c, "posit32", P32, u32, fast_posit::p32, i32);
    width!(c, "posit64", P64, u64, fast_posit::p64, i64);
}

/// Length of the quire dot products.
const Q: usize = 1024;

macro_rules! quire_dot {
    ($c:expr, $name:literal, $L:ty, $bits:ty) => {{
        let nar = 1u64 << (<$L>::BITS - 1);
        let a: Vec<$L> = codes(4)
            .into_iter()
            .map(|c| c >> (64 - <$L>::BITS))
            .filter(|&c| c != nar)
            .take(Q)
            .map(|c| <$L>::from_bits(c as $bits))
            .collect();
        let b: Vec<$L> = codes(5)
            .into_iter()
            .map(|c| c >> (64 - <$L>::BITS))
            .filter(|&c| c != nar)
            .take(Q)
            .map(|c| <$L>::from_bits(c as $bits))
            .collect();
        let mut g = $c.benchmark_group(concat!($name, "_dot"));
        g.throughput(Throughput::Elements(a.len() as u64));
        g.bench_function("lowp", |bn| bn.iter(|| lowp::dot(black_box(&a), black_box(&b)).unwrap()));
        g.finish();
    }};
    ($c:expr, $name:literal, $L:ty, $bits:ty, $F:ty, $fbits:ty, $FQ:ty) => {{
        let nar = 1u64 << (<$L>::BITS - 1);
        let keep = |v: Vec<u64>| -> Vec<u64> {
            v.into_iter().map(|c| c >> (64 - <$L>::BITS)).filter(|&c| c != nar).take(Q).collect()
        };
        let a: Vec<$L> = keep(codes(4)).into_iter().map(|c| <$L>::from_bits(c as $bits)).collect();
        let b: Vec<$L> = keep(codes(5)).into_iter().map(|c| <$L>::from_bits(c as $bits)).collect();
        let fa: Vec<$F> = a.iter().map(|x| <$F>::from_bits(x.to_bits() as $fbits)).collect();
        let fb: Vec<$F> = b.iter().map(|x| <$F>::from_bits(x.to_bits() as $fbits)).collect();
        let mut g = $c.benchmark_group(concat!($name, "_dot"));
        g.throughput(Throughput::Elements(a.len() as u64));
        g.bench_function("lowp", |bn| bn.iter(|| lowp::dot(black_box(&a), black_box(&b)).unwrap()));
        g.bench_function("fast-posit", |bn| {
            bn.iter(|| {
                let mut q = <$FQ>::ZERO;
                for (&x, &y) in black_box(&fa).iter().zip(black_box(&fb)) {
                    q.add_prod(x, y);
                }
                <$F as RoundFrom<&$FQ>>::round_from(&q)
            })
        });
        g.finish();
    }};
}

fn quire_speed(c: &mut Criterion) {
    quire_dot!(c, "posit32", P32, u32, fast_posit::p32, i32, fast_posit::q32);
    // fast-posit 0.2's quire implements `add_prod` only up to 32-bit posits (it panics for p64).
    quire_dot!(c, "posit64", P64, u64);
}

criterion_group!(benches, posit_speed, quire_speed);
criterion_main!(benches);
