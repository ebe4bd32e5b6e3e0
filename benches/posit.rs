//! Posits side by side with the Rust peers, in one run: lowp's `P8`/`P16`/`P32`/`P64` (es = 2,
//! the 2022 standard) beside `fast-posit`'s `p8`/`p16`/`p32`/`p64`, and lowp's `P8E0`/`P16E1`/`P32E2`
//! beside `softposit`'s types of the same names (posit32 is the same format in all three;
//! softposit has no posit64).
//!
//! ```text
//! cargo bench --bench posit -- --warm-up-time 1 --measurement-time 2
//! ```
//!
//! * `posit{8,16,32}_{add,mul,div,sqrt}`: one iteration runs the operation on 4096 random
//!   codes (pairs for the binary ops; uniform over all codes, NaR and zero included, the same
//!   inputs for every implementation; sqrt takes the non-negative codes only, since negative
//!   inputs are an early NaR in every implementation).
//! * `posit{8,16,32}_quire_add_product`: 1024 exact products added into a fresh quire.
//! * `posit{8,16,32}_dot`: the quire-fused dot product of length 1024, rounded once
//!   (`lowp::dot`; for the peers their quire, `add_prod`/`add_product` and the rounding).
//!   Quire inputs are random codes without NaR (a NaR would make every later step a no-op).
//!
//! Throughput is in elements (operations or products), so criterion's `thrpt` is operations
//! per second and ns/op is the iteration time divided by 4096 (or 1024). The correctness of
//! the peers is checked separately in `tests/posit_peers.rs`.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use fast_posit::RoundFrom;
use lowp::posit::{PositBits, Width, WidthStorage};
use lowp::rng::SplitMix64 as SplitMix;
use lowp::{LowpFloat, Posit, Quire};

/// Operations per iteration of the arithmetic benches.
const M: usize = 4096;
/// Length of the quire benches.
const Q: usize = 1024;

/// A posit type of any of the three crates, as the benches use it.
trait BenchPosit: Copy {
    fn from_code(c: u64) -> Self;
    fn add(self, b: Self) -> Self;
    fn mul(self, b: Self) -> Self;
    fn div(self, b: Self) -> Self;
    fn sqrt(self) -> Self;
    fn zero() -> Self;
}

impl<const N: u32, const ES: u32> BenchPosit for Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    #[inline(always)]
    fn from_code(c: u64) -> Self {
        Posit::from_bits(<Width<N> as WidthStorage>::Bits::from_u64(c))
    }
    #[inline(always)]
    fn add(self, b: Self) -> Self {
        self + b
    }
    #[inline(always)]
    fn mul(self, b: Self) -> Self {
        self * b
    }
    #[inline(always)]
    fn div(self, b: Self) -> Self {
        self / b
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        LowpFloat::sqrt(self)
    }
    #[inline(always)]
    fn zero() -> Self {
        Self::default()
    }
}

macro_rules! peer {
    ($t:ty, $from:expr, $zero:expr) => {
        impl BenchPosit for $t {
            #[inline(always)]
            fn from_code(c: u64) -> Self {
                $from(c)
            }
            #[inline(always)]
            fn add(self, b: Self) -> Self {
                self + b
            }
            #[inline(always)]
            fn mul(self, b: Self) -> Self {
                self * b
            }
            #[inline(always)]
            fn div(self, b: Self) -> Self {
                self / b
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn zero() -> Self {
                $zero
            }
        }
    };
}
peer!(softposit::P8E0, |c| softposit::P8E0::from_bits(c as u8), softposit::P8E0::ZERO);
peer!(softposit::P16E1, |c| softposit::P16E1::from_bits(c as u16), softposit::P16E1::ZERO);
peer!(softposit::P32E2, |c| softposit::P32E2::from_bits(c as u32), softposit::P32E2::ZERO);
peer!(fast_posit::p8, |c| fast_posit::p8::from_bits(c as i8), fast_posit::p8::ZERO);
peer!(fast_posit::p16, |c| fast_posit::p16::from_bits(c as i16), fast_posit::p16::ZERO);
peer!(fast_posit::p32, |c| fast_posit::p32::from_bits(c as i32), fast_posit::p32::ZERO);
peer!(fast_posit::p64, |c| fast_posit::p64::from_bits(c as i64), fast_posit::p64::ZERO);

/// `len` random codes of `bits` bits; `keep` filters them.
fn codes(seed: u64, len: usize, bits: u32, keep: impl Fn(u64) -> bool) -> Vec<u64> {
    let mut r = SplitMix::new(seed);
    let mask = u64::MAX >> (64 - bits);
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        let c = r.next_u64() & mask;
        if keep(c) {
            v.push(c);
        }
    }
    v
}

/// The inputs of one width: operand pairs for the binary ops, non-negative codes for sqrt,
/// NaR-free pairs for the quire.
struct Inputs {
    a: Vec<u64>,
    b: Vec<u64>,
    s: Vec<u64>,
    qa: Vec<u64>,
    qb: Vec<u64>,
}

impl Inputs {
    fn new(bits: u32) -> Inputs {
        let nar = 1u64 << (bits - 1);
        Inputs {
            a: codes(1, M, bits, |_| true),
            b: codes(2, M, bits, |_| true),
            s: codes(3, M, bits, |c| c < nar),
            qa: codes(4, Q, bits, |c| c != nar),
            qb: codes(5, Q, bits, |c| c != nar),
        }
    }
}

fn conv<T: BenchPosit>(c: &[u64]) -> Vec<T> {
    c.iter().map(|&c| T::from_code(c)).collect()
}

/// The four arithmetic benches of one width for a list of implementations.
macro_rules! arith_width {
    ($c:expr, $width:literal, $inp:expr, [$($T:ty => $id:literal),* $(,)?]) => {{
        for (k, op) in ["add", "mul", "div", "sqrt"].iter().enumerate() {
            let mut g = $c.benchmark_group(format!("{}_{}", $width, op));
            g.throughput(Throughput::Elements(M as u64));
            $( arith_one::<$T>(&mut g, k, $id, $inp); )*
            g.finish();
        }
    }};
}

/// Operation `k` (add, mul, div, sqrt) of one implementation.
fn arith_one<T: BenchPosit>(g: &mut BenchmarkGroup<'_, WallTime>, k: usize, id: &str, inp: &Inputs) {
    let (a, b, s) = (conv::<T>(&inp.a), conv::<T>(&inp.b), conv::<T>(&inp.s));
    let mut out = vec![T::zero(); M];
    macro_rules! binary {
        ($op:ident) => {
            g.bench_function(id, |bch| {
                bch.iter(|| {
                    let (x, y) = (black_box(&a[..]), black_box(&b[..]));
                    for ((o, &x), &y) in out.iter_mut().zip(x).zip(y) {
                        *o = T::$op(x, y);
                    }
                    black_box(&mut out);
                })
            })
        };
    }
    match k {
        0 => binary!(add),
        1 => binary!(mul),
        2 => binary!(div),
        _ => g.bench_function(id, |bch| {
            bch.iter(|| {
                for (o, &x) in out.iter_mut().zip(black_box(&s[..])) {
                    *o = T::sqrt(x);
                }
                black_box(&mut out);
            })
        }),
    };
}

fn arithmetic(c: &mut Criterion) {
    let i8 = Inputs::new(8);
    arith_width!(c, "posit8", &i8, [
        Posit<8, 2> => "lowp_P8",
        fast_posit::p8 => "fast-posit_p8",
        Posit<8, 0> => "lowp_P8E0",
        softposit::P8E0 => "softposit_P8E0",
    ]);
    let i16 = Inputs::new(16);
    arith_width!(c, "posit16", &i16, [
        Posit<16, 2> => "lowp_P16",
        fast_posit::p16 => "fast-posit_p16",
        Posit<16, 1> => "lowp_P16E1",
        softposit::P16E1 => "softposit_P16E1",
    ]);
    let i32 = Inputs::new(32);
    arith_width!(c, "posit32", &i32, [
        Posit<32, 2> => "lowp_P32",
        fast_posit::p32 => "fast-posit_p32",
        softposit::P32E2 => "softposit_P32E2",
    ]);
    // softposit has no posit64.
    let i64 = Inputs::new(64);
    arith_width!(c, "posit64", &i64, [
        Posit<64, 2> => "lowp_P64",
        fast_posit::p64 => "fast-posit_p64",
    ]);
}

// ---------------------------------------------------------------------------------------------
// Quires.

/// A quire of any of the three crates: a fresh one, an exact product added, rounded once.
trait BenchQuire {
    type P: BenchPosit;
    fn fresh() -> Self;
    fn add_product(&mut self, a: Self::P, b: Self::P);
    fn round(&self) -> Self::P;
    /// The fused dot product (lowp: `lowp::dot`; the peers: their quire).
    fn dot(a: &[Self::P], b: &[Self::P]) -> Self::P
    where
        Self: Sized,
    {
        let mut q = Self::fresh();
        for (&x, &y) in a.iter().zip(b) {
            q.add_product(x, y);
        }
        q.round()
    }
}

impl<const N: u32, const ES: u32> BenchQuire for Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    type P = Posit<N, ES>;
    #[inline(always)]
    fn fresh() -> Self {
        Quire::new()
    }
    #[inline(always)]
    fn add_product(&mut self, a: Self::P, b: Self::P) {
        Quire::add_product(self, a, b)
    }
    #[inline(always)]
    fn round(&self) -> Self::P {
        self.to_posit()
    }
    #[inline(always)]
    fn dot(a: &[Self::P], b: &[Self::P]) -> Self::P {
        lowp::dot(a, b).unwrap()
    }
}

macro_rules! softposit_quire {
    ($q:ty, $p:ty) => {
        impl BenchQuire for $q {
            type P = $p;
            #[inline(always)]
            fn fresh() -> Self {
                <$q>::init()
            }
            #[inline(always)]
            fn add_product(&mut self, a: $p, b: $p) {
                <$q>::add_product(self, a, b)
            }
            #[inline(always)]
            fn round(&self) -> $p {
                <$q>::to_posit(self)
            }
        }
    };
}
softposit_quire!(softposit::Q8E0, softposit::P8E0);
softposit_quire!(softposit::Q16E1, softposit::P16E1);
softposit_quire!(softposit::Q32E2, softposit::P32E2);

macro_rules! fast_posit_quire {
    ($q:ty, $p:ty) => {
        impl BenchQuire for $q {
            type P = $p;
            #[inline(always)]
            fn fresh() -> Self {
                <$q>::ZERO
            }
            #[inline(always)]
            fn add_product(&mut self, a: $p, b: $p) {
                self.add_prod(a, b)
            }
            #[inline(always)]
            fn round(&self) -> $p {
                <$p as RoundFrom<&$q>>::round_from(self)
            }
        }
    };
}
fast_posit_quire!(fast_posit::q8, fast_posit::p8);
fast_posit_quire!(fast_posit::q16, fast_posit::p16);
fast_posit_quire!(fast_posit::q32, fast_posit::p32);

/// 1024 exact products into a fresh quire (no rounding).
fn quire_add<Qu: BenchQuire>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, inp: &Inputs) {
    let (a, b) = (conv::<Qu::P>(&inp.qa), conv::<Qu::P>(&inp.qb));
    g.bench_function(id, |bch| {
        bch.iter(|| {
            let mut q = Qu::fresh();
            for (&x, &y) in black_box(&a[..]).iter().zip(black_box(&b[..])) {
                q.add_product(x, y);
            }
            black_box(&q);
        })
    });
}

macro_rules! quire_width {
    ($c:expr, $width:literal, $inp:expr, [$($Qu:ty => $id:literal),* $(,)?]) => {{
        for (k, what) in ["quire_add_product", "dot"].iter().enumerate() {
            let mut g = $c.benchmark_group(format!("{}_{}", $width, what));
            g.throughput(Throughput::Elements(Q as u64));
            $(
                if k == 0 {
                    quire_add::<$Qu>(&mut g, $id, $inp);
                } else {
                    quire_dot::<$Qu>(&mut g, $id, $inp);
                }
            )*
            g.finish();
        }
    }};
}

/// The fused dot product of length 1024, rounded once.
fn quire_dot<Qu: BenchQuire>(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, inp: &Inputs) {
    let (a, b) = (conv::<Qu::P>(&inp.qa), conv::<Qu::P>(&inp.qb));
    g.bench_function(id, |bch| bch.iter(|| Qu::dot(black_box(&a[..]), black_box(&b[..]))));
}

fn quires(c: &mut Criterion) {
    let i8 = Inputs::new(8);
    quire_width!(c, "posit8", &i8, [
        Quire<8, 2> => "lowp_P8",
        fast_posit::q8 => "fast-posit_p8",
        Quire<8, 0> => "lowp_P8E0",
        softposit::Q8E0 => "softposit_P8E0",
    ]);
    let i16 = Inputs::new(16);
    quire_width!(c, "posit16", &i16, [
        Quire<16, 2> => "lowp_P16",
        fast_posit::q16 => "fast-posit_p16",
        Quire<16, 1> => "lowp_P16E1",
        softposit::Q16E1 => "softposit_P16E1",
    ]);
    let i32 = Inputs::new(32);
    quire_width!(c, "posit32", &i32, [
        Quire<32, 2> => "lowp_P32",
        fast_posit::q32 => "fast-posit_p32",
        softposit::Q32E2 => "softposit_P32E2",
    ]);
    let i64 = Inputs::new(64);
    // fast-posit 0.2's quire implements `add_prod` only up to 32-bit posits (it panics for p64).
    quire_width!(c, "posit64", &i64, [
        Quire<64, 2> => "lowp_P64",
    ]);
}

criterion_group!(benches, arithmetic, quires);
criterion_main!(benches);
