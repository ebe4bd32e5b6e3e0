//! Differential fuzzing of the mixed-precision dot operations (`lowp::dot`) against the MPFR
//! reference (`lowp::reference::{ref_fused, ref_dot}`), and of the disciplines against each
//! other.
//!
//! Input bytes (missing bytes read as 0, extra bytes are ignored):
//! `[pair, op, mode, overflow, r (4 bytes), len, then codes…]`.
//!
//! * `pair % 12` picks the source format `S` (the ten minifloats in the order of
//!   notes/SEMANTICS.md, then `f16`, `bf16`); `pair / 12 % 3` the destination `D` of a
//!   minifloat (`f16`, `bf16`, `f32`); `f16` and `bf16` go into `f32`.
//! * `op % 4`: `exfma`, `exsdotp`, `exvsum`, or a dot product of `len % 65` pairs.
//! * `mode % 5`: nearest-even, toward-zero, up, down, stochastic with the bits `r`;
//!   `overflow & 1`: non-saturating or saturating.
//! * codes: each `S` code from `ceil(S::BITS / 8)` bytes (little-endian, the low `BITS`
//!   bits), then (fused operations) the `D` code `c` from `ceil(D::BITS / 8)` bytes; a dot
//!   product reads `a1 b1 a2 b2 …`.
//!
//! Checks, bit for bit (NaN codes too: the contract gives `D`'s canonical NaN):
//! * `exfma_with` / `exsdotp_with` / `exvsum_with` equal `ref_fused`;
//! * `dot_with` under each [`Accumulate`] equals `ref_dot` (so `Exact` equals the reference's
//!   exact dot rounded once);
//! * `dot_with` equals its documented steps replayed with the library's own fused operations:
//!   `FmaChain` one `exfma_with` per product from `+0`, `ExsdotpChain` one `exsdotp_with` per
//!   pair (an odd last element through `exfma_with`; so for length ≤ 2 one `exsdotp` from
//!   `+0`), `F32` the sixteen-lane `f32` sum then one rounding to `D` — with the `k`-th step's
//!   stochastic bits the `k`-th draw of `SplitMix64::new(r)`;
//! * a length mismatch is an error, never a panic.
#![no_main]

mod common;

use common::{overflow, overflow_src, report, rounding, rounding_src, u32_at};
use libfuzzer_sys::fuzz_target;
use lowp::dot::{dot_with, exfma_with, exsdotp_with, exvsum_with, Accumulate};
use lowp::reference::{describe, ref_dot, ref_format, ref_fused, FusedOp, RefFormat};
use lowp::rng::SplitMix64;
use lowp::{LowpFloat, Overflow, Rounding};

/// The longest dot product (pairs).
const MAX_LEN: usize = 64;

/// Reads codes from the input, zeros past its end.
struct Bytes<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bytes<'_> {
    /// A code of `bits` bits from `ceil(bits / 8)` little-endian bytes.
    fn code(&mut self, bits: u32) -> u32 {
        let n = bits.div_ceil(8) as usize;
        let mut v = 0u32;
        for i in 0..n {
            v |= u32::from(self.data.get(self.at + i).copied().unwrap_or(0)) << (8 * i);
        }
        self.at += n;
        v & (u32::MAX >> (32 - bits))
    }
}

fn rf<T: LowpFloat>() -> &'static RefFormat {
    ref_format(T::NAME).unwrap_or_else(|| panic!("no reference format named {}", T::NAME))
}

fn val<T: LowpFloat>(code: u32) -> T
where
    T::Bits: TryFrom<u64>,
{
    match T::Bits::try_from(u64::from(code)) {
        Ok(b) => T::from_bits(b),
        Err(_) => unreachable!("codes are masked to the format's width"),
    }
}

fn code<T: LowpFloat>(x: T) -> u32 {
    let c: u64 = x.to_bits().into();
    c as u32
}

/// Same result, bit for bit (NaN included: the fused operations and the disciplines give
/// `D`'s canonical NaN; `common::agree`, which matches NaN codes by class, cannot count
/// `f32`'s codes anyway).
fn agree(_d: &RefFormat, got: u32, want: u32) -> bool {
    got == want
}

/// `lowp::Float8E4M3FN::from_bits(0x38)`.
fn lit(ty: &str, code: u32) -> String {
    format!("{ty}::from_bits({code:#04x})")
}

/// The rounding of step `k` of a dot discipline (see `Accumulate`).
struct Steps {
    r: Rounding,
    rng: SplitMix64,
}

impl Steps {
    fn new(r: Rounding) -> Steps {
        let seed = if let Rounding::Stochastic(b) = r { u64::from(b) } else { 0 };
        Steps { r, rng: SplitMix64::new(seed) }
    }
    fn next(&mut self) -> Rounding {
        match self.r {
            Rounding::Stochastic(_) => Rounding::Stochastic(self.rng.next_u32()),
            r => r,
        }
    }
}

/// `FmaChain` and `ExsdotpChain` replayed with the fused operations, `F32` with `f32`
/// arithmetic, each as `Accumulate` documents it.
fn replay<S: LowpFloat, D: LowpFloat>(a: &[S], b: &[S], how: Accumulate, r: Rounding, o: Overflow) -> Option<D> {
    let mut steps = Steps::new(r);
    let zero = D::from_f64(0.0);
    match how {
        Accumulate::FmaChain => {
            Some(a.iter().zip(b).fold(zero, |acc, (&x, &y)| exfma_with(x, y, acc, steps.next(), o)))
        }
        Accumulate::ExsdotpChain => {
            let mut acc = zero;
            let mut i = 0;
            while i + 1 < a.len() {
                acc = exsdotp_with(a[i], b[i], a[i + 1], b[i + 1], acc, steps.next(), o);
                i += 2;
            }
            if i < a.len() {
                acc = exfma_with(a[i], b[i], acc, steps.next(), o);
            }
            Some(acc)
        }
        Accumulate::F32 => {
            let mut lanes = [0f32; 16];
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                lanes[i % 16] += x.to_f32() * y.to_f32();
            }
            for h in [8, 4, 2, 1] {
                for j in 0..h {
                    lanes[j] += lanes[j + h];
                }
            }
            Some(D::round_exact(<f32 as LowpFloat>::to_exact(lanes[0]), steps.next(), o))
        }
        _ => None,
    }
}

fn fused_src(op: FusedOp, s: &str, d: &str, args: &[u32], c: u32, r: Rounding, o: Overflow) -> String {
    let a: Vec<String> = args.iter().map(|&x| lit(s, x)).collect();
    let (name, generics) = match op {
        FusedOp::Exfma => ("exfma_with", format!("{s}, {d}")),
        FusedOp::Exsdotp => ("exsdotp_with", format!("{s}, {d}")),
        FusedOp::Exvsum => ("exvsum_with", format!("{s}, {d}")),
    };
    format!(
        "lowp::dot::{name}::<{generics}>({}, {}, {}, {})",
        a.join(", "),
        lit(d, c),
        rounding_src(r),
        overflow_src(o)
    )
}

fn dot_src(s: &str, d: &str, a: &[u32], b: &[u32], how: Accumulate, r: Rounding, o: Overflow) -> String {
    let arr = |v: &[u32]| v.iter().map(|&x| lit(s, x)).collect::<Vec<_>>().join(", ");
    format!(
        "lowp::dot::dot_with::<{s}, {d}>(&[{}], &[{}], lowp::dot::Accumulate::{how:?}, {}, {}).unwrap()",
        arr(a),
        arr(b),
        rounding_src(r),
        overflow_src(o)
    )
}

fn assertion(d: &RefFormat, expr: &str, want: u32) -> String {
    if d.is_nan_code(want) {
        format!("assert!({expr}.is_nan());")
    } else {
        format!("assert_eq!({expr}.to_bits(), {want:#x});")
    }
}

fn check<S: LowpFloat, D: LowpFloat>(sname: &str, dname: &str, data: &[u8])
where
    S::Bits: TryFrom<u64>,
    D::Bits: TryFrom<u64>,
{
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let (sr, dr) = (rf::<S>(), rf::<D>());
    let r = rounding(byte(2), u32_at(data, 4));
    let o = overflow(byte(3));
    let mut bytes = Bytes { data, at: 9 };
    let op = match byte(1) % 4 {
        0 => Some(FusedOp::Exfma),
        1 => Some(FusedOp::Exsdotp),
        2 => Some(FusedOp::Exvsum),
        _ => None,
    };
    if let Some(op) = op {
        let n = if op == FusedOp::Exsdotp { 4 } else { 2 };
        let args: Vec<u32> = (0..n).map(|_| bytes.code(S::BITS)).collect();
        let c = bytes.code(D::BITS);
        let x: Vec<S> = args.iter().map(|&a| val::<S>(a)).collect();
        let cv = val::<D>(c);
        let got = code(match op {
            FusedOp::Exfma => exfma_with(x[0], x[1], cv, r, o),
            FusedOp::Exsdotp => exsdotp_with(x[0], x[1], x[2], x[3], cv, r, o),
            FusedOp::Exvsum => exvsum_with(x[0], x[1], cv, r, o),
        });
        let want = ref_fused(op, sr, dr, &args, c, r, o);
        if !agree(dr, got, want) {
            let mut inputs: Vec<(String, String)> =
                args.iter().enumerate().map(|(i, &a)| (format!("arg{i}"), describe(sr, a))).collect();
            inputs.push(("c".into(), describe(dr, c)));
            inputs.push(("mode".into(), format!("{r:?}, {o:?}")));
            let expr = fused_src(op, sname, dname, &args, c, r, o);
            report(dr, &format!("{op:?} from {}", sr.name()), &inputs, got, want, &assertion(dr, &expr, want));
        }
        return;
    }
    let len = (byte(8) as usize % (MAX_LEN + 1)).min(data.len().saturating_sub(9) / (2 * S::BITS.div_ceil(8) as usize));
    let (mut ac, mut bc) = (Vec::with_capacity(len), Vec::with_capacity(len));
    for _ in 0..len {
        ac.push(bytes.code(S::BITS));
        bc.push(bytes.code(S::BITS));
    }
    let a: Vec<S> = ac.iter().map(|&c| val::<S>(c)).collect();
    let b: Vec<S> = bc.iter().map(|&c| val::<S>(c)).collect();
    let terms = || -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = ac
            .iter()
            .zip(&bc)
            .enumerate()
            .map(|(i, (&x, &y))| (format!("a{i}·b{i}"), format!("{} · {}", describe(sr, x), describe(sr, y))))
            .collect();
        v.push(("mode".into(), format!("{r:?}, {o:?}")));
        v
    };
    for how in Accumulate::ALL {
        let got = match dot_with::<S, D>(&a, &b, how, r, o) {
            Ok(y) => code(y),
            Err(e) => panic!("dot_with({how:?}) of equal lengths {len}: {e:?}"),
        };
        let want = ref_dot(sr, dr, &ac, &bc, how.name(), r, o);
        let expr = dot_src(sname, dname, &ac, &bc, how, r, o);
        if !agree(dr, got, want) {
            report(dr, &format!("dot ({how:?}) from {}", sr.name()), &terms(), got, want, &assertion(dr, &expr, want));
        }
        if let Some(steps) = replay::<S, D>(&a, &b, how, r, o) {
            let steps = code(steps);
            if !agree(dr, got, steps) {
                report(
                    dr,
                    &format!("dot ({how:?}) from {} against its documented steps (the 'reference' line)", sr.name()),
                    &terms(),
                    got,
                    steps,
                    &assertion(dr, &expr, steps),
                );
            }
        }
    }
    if len > 0 {
        assert!(dot_with::<S, D>(&a, &b[..len - 1], Accumulate::Exact, r, o).is_err(), "length mismatch accepted");
    }
}

/// Calls `check::<S, D>("S", "D", data)` for the pair picked by `sel` (see the module docs).
macro_rules! pairs {
    ($sel:expr, $data:expr; $($i:literal $s:ty),* ; $($j:literal $w:ty),*) => {{
        let sel = $sel as usize;
        match sel % 12 {
            $( $i => match sel / 12 % 3 {
                0 => check::<$s, half::f16>(stringify!($s), "half::f16", $data),
                1 => check::<$s, half::bf16>(stringify!($s), "half::bf16", $data),
                _ => check::<$s, f32>(stringify!($s), "f32", $data),
            }, )*
            $( $j => check::<$w, f32>(stringify!($w), "f32", $data), )*
            _ => unreachable!(),
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let sel = data.first().copied().unwrap_or(0);
    pairs!(sel, data;
        0 lowp::Float8E4M3FN, 1 lowp::Float8E5M2, 2 lowp::Float8E4M3FNUZ, 3 lowp::Float8E5M2FNUZ,
        4 lowp::Float8E4M3B11FNUZ, 5 lowp::Float8E4M3, 6 lowp::Float6E2M3FN, 7 lowp::Float6E3M2FN,
        8 lowp::Float4E2M1FN, 9 lowp::Float8E8M0FNU;
        10 half::f16, 11 half::bf16);
});
