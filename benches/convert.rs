//! Bulk and scalar FP8 conversions: lowp (default dispatch, each SIMD level, portable) against
//! the `float8` and `microfloat` crates, with `half`'s F16C `f32 ↔ f16` slice conversion as
//! the speed of light.
//!
//! ```text
//! cargo bench --bench convert -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Throughput is in elements, so criterion reports elements per second; ns per element is its
//! reciprocal. Semantics differ between the crates and are not checked here (`float8`
//! saturates on overflow, `microfloat` and lowp's default do not); `tests/bulk.rs` checks lowp
//! bit for bit against its scalar path.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use half::f16;
use half::slice::HalfFloatSliceExt;
use lowp::bulk::{self, Backend};
use lowp::{Float8E4M3FN, Float8E5M2, LowpFloat};

/// Elements per bulk conversion.
const N: usize = 1 << 20;
/// Elements per scalar-operation batch.
const M: usize = 4096;

use lowp::rng::SplitMix64 as SplitMix;

/// `n` activation-like `f32`s: random sign and mantissa, exponent uniform in −12..=9 (so some
/// values are subnormal in E4M3, a few overflow it).
fn inputs(n: usize, seed: u64) -> Vec<f32> {
    let mut r = SplitMix::new(seed);
    (0..n)
        .map(|_| {
            let b = r.next_u32();
            let e = 127 - 12 + (r.next_u32() % 22);
            f32::from_bits((b & 0x807f_ffff) | (e << 23))
        })
        .collect()
}

/// Backends to show individually (those this CPU has, beyond the default dispatch).
fn simd_backends() -> Vec<Backend> {
    [Backend::Avx2, Backend::Avx512].into_iter().filter(|b| b.is_supported()).collect()
}

fn encode(c: &mut Criterion) {
    let src = inputs(N, 1);
    println!("lowp default backend: {}", Backend::best().name());

    let mut g = c.benchmark_group("f32_to_e4m3fn");
    g.throughput(Throughput::Elements(N as u64));
    let mut dst = vec![Float8E4M3FN::default(); N];
    g.bench_function("lowp", |b| b.iter(|| bulk::from_f32_slice(black_box(&src), &mut dst).unwrap()));
    g.bench_function("lowp_saturating", |b| {
        b.iter(|| bulk::from_f32_slice_saturating(black_box(&src), &mut dst).unwrap())
    });
    for be in simd_backends() {
        g.bench_function(BenchmarkId::new("lowp", be.name()), |b| {
            b.iter(|| bulk::from_f32_slice_on(be, Float8E4M3FN::DEFAULT_OVERFLOW, black_box(&src), &mut dst).unwrap())
        });
    }
    g.bench_function("lowp_portable", |b| {
        b.iter(|| bulk::portable::from_f32_slice(black_box(&src), &mut dst).unwrap())
    });
    g.bench_function("lowp_scalar_loop", |b| {
        b.iter(|| {
            for (d, &s) in dst.iter_mut().zip(black_box(&src)) {
                *d = Float8E4M3FN::from_f32(s);
            }
        })
    });
    let mut d8 = vec![float8::F8E4M3::from_bits(0); N];
    g.bench_function("float8", |b| {
        b.iter(|| {
            for (d, &s) in d8.iter_mut().zip(black_box(&src)) {
                *d = float8::F8E4M3::from_f32(s);
            }
        })
    });
    let mut dm = vec![microfloat::f8e4m3fn::from_bits(0); N];
    g.bench_function("microfloat", |b| {
        b.iter(|| {
            for (d, &s) in dm.iter_mut().zip(black_box(&src)) {
                *d = microfloat::f8e4m3fn::from_f32(s);
            }
        })
    });
    let mut dh = vec![f16::ZERO; N];
    g.bench_function("half_f16_f16c", |b| b.iter(|| dh.convert_from_f32_slice(black_box(&src))));
    g.finish();

    let mut g = c.benchmark_group("f32_to_e5m2");
    g.throughput(Throughput::Elements(N as u64));
    let mut dst = vec![Float8E5M2::default(); N];
    g.bench_function("lowp", |b| b.iter(|| bulk::from_f32_slice(black_box(&src), &mut dst).unwrap()));
    g.bench_function("lowp_saturating", |b| {
        b.iter(|| bulk::from_f32_slice_saturating(black_box(&src), &mut dst).unwrap())
    });
    for be in simd_backends() {
        g.bench_function(BenchmarkId::new("lowp", be.name()), |b| {
            b.iter(|| bulk::from_f32_slice_on(be, Float8E5M2::DEFAULT_OVERFLOW, black_box(&src), &mut dst).unwrap())
        });
    }
    g.bench_function("lowp_portable", |b| {
        b.iter(|| bulk::portable::from_f32_slice(black_box(&src), &mut dst).unwrap())
    });
    let mut d8 = vec![float8::F8E5M2::from_bits(0); N];
    g.bench_function("float8", |b| {
        b.iter(|| {
            for (d, &s) in d8.iter_mut().zip(black_box(&src)) {
                *d = float8::F8E5M2::from_f32(s);
            }
        })
    });
    let mut dm = vec![microfloat::f8e5m2::from_bits(0); N];
    g.bench_function("microfloat", |b| {
        b.iter(|| {
            for (d, &s) in dm.iter_mut().zip(black_box(&src)) {
                *d = microfloat::f8e5m2::from_f32(s);
            }
        })
    });
    g.bench_function("half_f16_f16c", |b| b.iter(|| dh.convert_from_f32_slice(black_box(&src))));
    g.finish();
}

fn decode(c: &mut Criterion) {
    let mut r = SplitMix::new(2);
    let codes: Vec<u8> = (0..N).map(|_| r.next_u32() as u8).collect();
    let mut dst = vec![0f32; N];
    let halves: Vec<f16> = codes.iter().map(|&c| f16::from_bits((c as u16) << 8)).collect();

    let mut g = c.benchmark_group("e4m3fn_to_f32");
    g.throughput(Throughput::Elements(N as u64));
    let src: Vec<Float8E4M3FN> = codes.iter().map(|&c| Float8E4M3FN::from_bits(c)).collect();
    g.bench_function("lowp", |b| b.iter(|| bulk::to_f32_slice(black_box(&src), &mut dst).unwrap()));
    for be in simd_backends() {
        g.bench_function(BenchmarkId::new("lowp", be.name()), |b| {
            b.iter(|| bulk::to_f32_slice_on(be, black_box(&src), &mut dst).unwrap())
        });
    }
    g.bench_function("lowp_portable", |b| b.iter(|| bulk::portable::to_f32_slice(black_box(&src), &mut dst).unwrap()));
    let s8: Vec<float8::F8E4M3> = codes.iter().map(|&c| float8::F8E4M3::from_bits(c)).collect();
    g.bench_function("float8", |b| {
        b.iter(|| {
            for (d, s) in dst.iter_mut().zip(black_box(&s8)) {
                *d = s.to_f32();
            }
        })
    });
    let sm: Vec<microfloat::f8e4m3fn> = codes.iter().map(|&c| microfloat::f8e4m3fn::from_bits(c)).collect();
    g.bench_function("microfloat", |b| {
        b.iter(|| {
            for (d, s) in dst.iter_mut().zip(black_box(&sm)) {
                *d = s.to_f32();
            }
        })
    });
    g.bench_function("half_f16_f16c", |b| b.iter(|| black_box(&halves).convert_to_f32_slice(&mut dst)));
    g.finish();

    let mut g = c.benchmark_group("e5m2_to_f32");
    g.throughput(Throughput::Elements(N as u64));
    let src: Vec<Float8E5M2> = codes.iter().map(|&c| Float8E5M2::from_bits(c)).collect();
    g.bench_function("lowp", |b| b.iter(|| bulk::to_f32_slice(black_box(&src), &mut dst).unwrap()));
    for be in simd_backends() {
        g.bench_function(BenchmarkId::new("lowp", be.name()), |b| {
            b.iter(|| bulk::to_f32_slice_on(be, black_box(&src), &mut dst).unwrap())
        });
    }
    g.bench_function("lowp_portable", |b| b.iter(|| bulk::portable::to_f32_slice(black_box(&src), &mut dst).unwrap()));
    let s8: Vec<float8::F8E5M2> = codes.iter().map(|&c| float8::F8E5M2::from_bits(c)).collect();
    g.bench_function("float8", |b| {
        b.iter(|| {
            for (d, s) in dst.iter_mut().zip(black_box(&s8)) {
                *d = s.to_f32();
            }
        })
    });
    let sm: Vec<microfloat::f8e5m2> = codes.iter().map(|&c| microfloat::f8e5m2::from_bits(c)).collect();
    g.bench_function("microfloat", |b| {
        b.iter(|| {
            for (d, s) in dst.iter_mut().zip(black_box(&sm)) {
                *d = s.to_f32();
            }
        })
    });
    g.bench_function("half_f16_f16c", |b| b.iter(|| black_box(&halves).convert_to_f32_slice(&mut dst)));
    g.finish();
}

/// Scalar E4M3FN operations on random codes / values, `M` per iteration.
fn scalar(c: &mut Criterion) {
    let mut r = SplitMix::new(3);
    let xs = inputs(M, 4);
    let ca: Vec<u8> = (0..M).map(|_| r.next_u32() as u8).collect();
    let cb: Vec<u8> = (0..M).map(|_| r.next_u32() as u8).collect();

    let la: Vec<Float8E4M3FN> = ca.iter().map(|&c| Float8E4M3FN::from_bits(c)).collect();
    let lb: Vec<Float8E4M3FN> = cb.iter().map(|&c| Float8E4M3FN::from_bits(c)).collect();
    let fa: Vec<float8::F8E4M3> = ca.iter().map(|&c| float8::F8E4M3::from_bits(c)).collect();
    let fb: Vec<float8::F8E4M3> = cb.iter().map(|&c| float8::F8E4M3::from_bits(c)).collect();
    let ma: Vec<microfloat::f8e4m3fn> = ca.iter().map(|&c| microfloat::f8e4m3fn::from_bits(c)).collect();
    let mb: Vec<microfloat::f8e4m3fn> = cb.iter().map(|&c| microfloat::f8e4m3fn::from_bits(c)).collect();

    let mut g = c.benchmark_group("scalar_e4m3fn");
    g.throughput(Throughput::Elements(M as u64));

    // Each closure maps a batch element-wise through the scalar API; black_box on the inputs
    // keeps the compiler from hoisting work out of the timing loop.
    macro_rules! bench_map {
        ($name:expr, $out:ty, $f:expr) => {{
            let mut out: Vec<$out> = Vec::with_capacity(M);
            g.bench_function($name, |b| {
                b.iter(|| {
                    out.clear();
                    out.extend((0..M).map(|i| $f(black_box(i))));
                    black_box(&out);
                })
            });
        }};
    }

    bench_map!("from_f32/lowp", Float8E4M3FN, |i: usize| Float8E4M3FN::from_f32(xs[i]));
    bench_map!("from_f32/float8", float8::F8E4M3, |i: usize| float8::F8E4M3::from_f32(xs[i]));
    bench_map!("from_f32/microfloat", microfloat::f8e4m3fn, |i: usize| microfloat::f8e4m3fn::from_f32(xs[i]));
    bench_map!("to_f32/lowp", f32, |i: usize| la[i].to_f32());
    bench_map!("to_f32/float8", f32, |i: usize| fa[i].to_f32());
    bench_map!("to_f32/microfloat", f32, |i: usize| ma[i].to_f32());
    bench_map!("add/lowp", Float8E4M3FN, |i: usize| la[i] + lb[i]);
    bench_map!("add/float8", float8::F8E4M3, |i: usize| fa[i] + fb[i]);
    bench_map!("add/microfloat", microfloat::f8e4m3fn, |i: usize| ma[i] + mb[i]);
    bench_map!("mul/lowp", Float8E4M3FN, |i: usize| la[i] * lb[i]);
    bench_map!("mul/float8", float8::F8E4M3, |i: usize| fa[i] * fb[i]);
    bench_map!("mul/microfloat", microfloat::f8e4m3fn, |i: usize| ma[i] * mb[i]);
    g.finish();
}

criterion_group!(benches, encode, decode, scalar);
criterion_main!(benches);
