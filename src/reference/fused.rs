//! The reference for the fused expanding operations and the dot-product disciplines of
//! `lowp::dot` (issue 8), written independently of the library's rounding code.
//!
//! * [`ref_fused`]: `c + a·b` (exfma), `c + a0·b0 + a1·b1` (exsdotp), `c + a0 + a1` (exvsum)
//!   with the `a`/`b` codes in a source format and `c` and the result in a destination
//!   format: every term decoded from its bit fields ([`RefFormat::decode`]), the products and
//!   the sum computed **exactly** (as integers over a common power of two), then **one**
//!   rounding by the reference encoder ([`RefFormat::round`]).
//! * [`ref_dot`]: `Σ a[i]·b[i]` under the four accumulation disciplines of
//!   `lowp::dot::Accumulate`, step by step as documented there, each rounding step one call of
//!   the reference encoder (the `f32` steps too: `float32` is a reference format).
//!
//! The special-value rules are written out here as separate steps (nothing is taken from the
//! library but the `Rounding` / `Overflow` enums):
//!
//! 1. a NaN among the inputs gives the destination's NaN (its canonical code; `+0` for the
//!    NaN-free FP6 / FP4);
//! 2. `0 · ∞` and a sum holding both `+∞` and `−∞` give NaN;
//! 3. otherwise an infinite term makes the result that infinity, converted to the destination
//!    as an infinite input (under `Overflow::Saturating` that is `±max`);
//! 4. a finite sum is exact, then rounded once (overflow decided after rounding);
//! 5. an exact zero sum whose addends are all zeros of one sign has that sign in every mode
//!    (a product's zero carries the xor of its factors' signs); any other exact zero sum is
//!    `+0`, except under `Rounding::Down`, where it is `−0` (IEEE 754 §6.3).
//!
//! Stochastic rounding: the fused operations use the caller's 32 bits as they are; the dot
//! disciplines give their `k`-th rounding step (`k = 0, 1, …`; the single rounding of `exact`
//! and `f32` is step 0) the `k`-th `next_u32` of a SplitMix64 seeded with the caller's bits
//! ([`RefSplitMix64`], written out again here from the published algorithm).

use rug::{Integer, Rational};

use super::{ref_format, RefFormat, RefValue};
use crate::{Overflow, Rounding};

/// One of the fused expanding operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FusedOp {
    /// `c + a·b`; arguments `a b`.
    Exfma,
    /// `c + a0·b0 + a1·b1`; arguments `a0 b0 a1 b1`.
    Exsdotp,
    /// `c + a0 + a1`; arguments `a0 a1`.
    Exvsum,
}

impl FusedOp {
    /// The three operations.
    pub const ALL: [FusedOp; 3] = [FusedOp::Exfma, FusedOp::Exsdotp, FusedOp::Exvsum];

    /// How many source-format codes the operation takes (besides `c`).
    pub fn arity(self) -> usize {
        match self {
            FusedOp::Exfma => 2,
            FusedOp::Exsdotp => 4,
            FusedOp::Exvsum => 2,
        }
    }

    /// The operation's name: `exfma`, `exsdotp`, `exvsum`.
    pub fn name(self) -> &'static str {
        match self {
            FusedOp::Exfma => "exfma",
            FusedOp::Exsdotp => "exsdotp",
            FusedOp::Exvsum => "exvsum",
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014), written out again from the published algorithm
/// (not the crate's `lowp::rng::SplitMix64`): the source of the stochastic bits of the dot
/// disciplines' rounding steps.
#[derive(Clone, Debug)]
pub struct RefSplitMix64 {
    state: u64,
}

impl RefSplitMix64 {
    /// The generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        RefSplitMix64 { state: seed }
    }

    /// The next 64 bits: add the golden gamma `0x9E3779B97F4A7C15`, then mix (shifts 30,
    /// 27, 31; multipliers `0xBF58476D1CE4E5B9`, `0x94D049BB133111EB`).
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z ^= z >> 30;
        z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z ^= z >> 27;
        z = z.wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next 32 bits: the high half of the next 64.
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
}

/// The rounding modes of the successive steps of a dot discipline: the caller's mode for
/// every step, except that `Stochastic(r)` gives step `k` the `k`-th 32 bits of
/// `SplitMix64(r)`.
struct StepModes {
    base: Rounding,
    rng: Option<RefSplitMix64>,
}

impl StepModes {
    fn new(r: Rounding) -> Self {
        let rng = match r {
            Rounding::Stochastic(seed) => Some(RefSplitMix64::new(u64::from(seed))),
            _ => None,
        };
        StepModes { base: r, rng }
    }

    /// The mode of the next step.
    fn next(&mut self) -> Rounding {
        match &mut self.rng {
            Some(g) => Rounding::Stochastic(g.next_u32()),
            None => self.base,
        }
    }
}

/// An addend of an exact sum: a special value, or the nonzero dyadic `num / 2^den_log2`.
#[derive(Clone, Debug)]
enum Term {
    Nan,
    Inf { neg: bool },
    Zero { neg: bool },
    Num { num: Integer, den_log2: u32 },
}

/// A decoded value as a term. Every finite value of every reference format is a dyadic
/// rational (denominator a power of two), which is checked.
fn term(v: &RefValue) -> Term {
    match v {
        RefValue::Nan => Term::Nan,
        RefValue::Inf { neg } => Term::Inf { neg: *neg },
        RefValue::Zero { neg } => Term::Zero { neg: *neg },
        RefValue::Num(q) => {
            let den = q.denom();
            assert!(den.is_power_of_two(), "not a dyadic value: {q}");
            let den_log2 = den.significant_bits() - 1;
            Term::Num { num: q.numer().clone(), den_log2 }
        }
    }
}

/// The exact product of two decoded values, IEEE 754's special cases written out: NaN
/// propagates, `0 · ∞` is NaN, otherwise the sign is the xor of the factors' signs.
fn product(x: &Term, y: &Term) -> Term {
    use Term::*;
    let sign = |t: &Term| match t {
        Nan => false,
        Inf { neg } | Zero { neg } => *neg,
        Num { num, .. } => *num < 0,
    };
    let neg = sign(x) != sign(y);
    match (x, y) {
        (Nan, _) | (_, Nan) => Nan,
        (Inf { .. }, Zero { .. }) | (Zero { .. }, Inf { .. }) => Nan,
        (Inf { .. }, _) | (_, Inf { .. }) => Inf { neg },
        (Zero { .. }, _) | (_, Zero { .. }) => Zero { neg },
        (Num { num: n1, den_log2: k1 }, Num { num: n2, den_log2: k2 }) => {
            Num { num: Integer::from(n1 * n2), den_log2: k1 + k2 }
        }
    }
}

/// The exact sum of a list of terms, before the sign of an exact zero is decided.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sum {
    /// NaN, infinity or a nonzero finite value: a value independent of the rounding mode.
    Value(RefValue),
    /// An exact zero; `same_sign` when every addend was a zero of one sign (that sign), or
    /// `None` (zeros of both signs, or cancelling nonzero terms; also no addend at all is
    /// `Some(false)`: `+0`).
    Zero { same_sign: Option<bool> },
}

/// The exact sum of `terms` (rules 1–3 and the exact part of 4 and 5 of the module's docs).
fn exact_sum(terms: &[Term]) -> Sum {
    if terms.iter().any(|t| matches!(t, Term::Nan)) {
        return Sum::Value(RefValue::Nan);
    }
    let pos_inf = terms.iter().any(|t| matches!(t, Term::Inf { neg: false }));
    let neg_inf = terms.iter().any(|t| matches!(t, Term::Inf { neg: true }));
    match (pos_inf, neg_inf) {
        (true, true) => return Sum::Value(RefValue::Nan),
        (true, false) => return Sum::Value(RefValue::Inf { neg: false }),
        (false, true) => return Sum::Value(RefValue::Inf { neg: true }),
        (false, false) => {}
    }
    // Finite: integers over the common denominator 2^k.
    let k = terms
        .iter()
        .filter_map(|t| match t {
            Term::Num { den_log2, .. } => Some(*den_log2),
            _ => None,
        })
        .max();
    let total = match k {
        None => Integer::new(),
        Some(k) => {
            let mut s = Integer::new();
            for t in terms {
                if let Term::Num { num, den_log2 } = t {
                    s += Integer::from(num << (k - den_log2));
                }
            }
            s
        }
    };
    if total == 0 {
        let all = |sign: bool| terms.iter().all(|t| matches!(t, Term::Zero { neg } if *neg == sign));
        let same_sign = if terms.is_empty() || all(false) {
            Some(false)
        } else if all(true) {
            Some(true)
        } else {
            None
        };
        return Sum::Zero { same_sign };
    }
    let den = Integer::from(1) << k.expect("a nonzero sum has a finite term");
    Sum::Value(RefValue::Num(Rational::from((total, den))))
}

/// Rule 5: the value of an exact zero sum under rounding mode `r`.
fn zero_sum(same_sign: Option<bool>, r: Rounding) -> RefValue {
    RefValue::Zero { neg: same_sign.unwrap_or(r == Rounding::Down) }
}

/// Rounds an exact sum into `dst` under each of `cases` (the value's neighbours are searched
/// for once).
fn round_sum(dst: &RefFormat, s: &Sum, cases: &[(Rounding, Overflow)]) -> Vec<u32> {
    match s {
        Sum::Value(v) => dst.round_each(v, cases),
        Sum::Zero { same_sign } => cases.iter().map(|&(r, o)| dst.round(&zero_sum(*same_sign, r), r, o)).collect(),
    }
}

/// The addends of a fused operation, decoded from the codes.
fn fused_terms(op: FusedOp, src: &RefFormat, dst: &RefFormat, args: &[u32], c: u32) -> Vec<Term> {
    assert_eq!(args.len(), op.arity(), "{} takes {} source codes", op.name(), op.arity());
    let t: Vec<Term> = args.iter().map(|&x| term(&src.decode(x))).collect();
    let tc = term(&dst.decode(c));
    match op {
        FusedOp::Exfma => vec![product(&t[0], &t[1]), tc],
        FusedOp::Exsdotp => vec![product(&t[0], &t[1]), product(&t[2], &t[3]), tc],
        FusedOp::Exvsum => vec![t[0].clone(), t[1].clone(), tc],
    }
}

/// A fused expanding operation: `args` are the source codes (`a b` for exfma, `a0 b0 a1 b1`
/// for exsdotp, `a0 a1` for exvsum), `c` the destination code; returns the destination code
/// of the exact result rounded once under `r` and `o` (see the module's rules).
///
/// Panics if `args` has the wrong length or a code is out of range for its format.
pub fn ref_fused(op: FusedOp, src: &RefFormat, dst: &RefFormat, args: &[u32], c: u32, r: Rounding, o: Overflow) -> u32 {
    ref_fused_each(op, src, dst, args, c, &[(r, o)])[0]
}

/// [`ref_fused`] under each of several (rounding, overflow) pairs: the same results, with the
/// exact sum computed and located on the destination's grid only once.
pub fn ref_fused_each(
    op: FusedOp,
    src: &RefFormat,
    dst: &RefFormat,
    args: &[u32],
    c: u32,
    cases: &[(Rounding, Overflow)],
) -> Vec<u32> {
    round_sum(dst, &exact_sum(&fused_terms(op, src, dst, args, c)), cases)
}

/// The exact value of a fused operation before rounding (zero sign as under nearest-even),
/// for failure messages and for building test cases (e.g. near-cancellations).
pub fn ref_fused_exact(op: FusedOp, src: &RefFormat, dst: &RefFormat, args: &[u32], c: u32) -> RefValue {
    match exact_sum(&fused_terms(op, src, dst, args, c)) {
        Sum::Value(v) => v,
        Sum::Zero { same_sign } => zero_sum(same_sign, Rounding::NearestEven),
    }
}

/// The exact value of `Σ a[i]·b[i]` over source codes (zero sign as under nearest-even:
/// `−0` only when every product is `−0`; the empty sum is `+0`), for failure messages and for
/// building test vectors.
pub fn ref_dot_exact(src: &RefFormat, a: &[u32], b: &[u32]) -> RefValue {
    assert_eq!(a.len(), b.len(), "dot: length mismatch");
    if a.is_empty() {
        return RefValue::Zero { neg: false };
    }
    let terms: Vec<Term> =
        a.iter().zip(b).map(|(&x, &y)| product(&term(&src.decode(x)), &term(&src.decode(y)))).collect();
    match exact_sum(&terms) {
        Sum::Value(v) => v,
        Sum::Zero { same_sign } => zero_sum(same_sign, Rounding::NearestEven),
    }
}

/// The exact dot product `Σ a[i]·b[i]` of source codes rounded **once** into the destination
/// under `r` exactly as given (a `Stochastic(bits)` uses `bits` themselves, not a SplitMix64
/// step): what `ExactAccumulator::round` computes. Specials and the sign of a zero sum as in
/// the fused operations (the products are the addends); the empty sum is `+0`.
pub fn ref_dot_round(src: &RefFormat, dst: &RefFormat, a: &[u32], b: &[u32], r: Rounding, o: Overflow) -> u32 {
    assert_eq!(a.len(), b.len(), "dot: length mismatch");
    if a.is_empty() {
        return dst.round(&RefValue::Zero { neg: false }, Rounding::NearestEven, o);
    }
    let terms: Vec<Term> =
        a.iter().zip(b).map(|(&x, &y)| product(&term(&src.decode(x)), &term(&src.decode(y)))).collect();
    round_sum(dst, &exact_sum(&terms), &[(r, o)])[0]
}

/// A dot product `Σ a[i]·b[i]` of source codes into the destination under a discipline of
/// `lowp::dot::Accumulate`, returning the destination code. `how`:
///
/// * `"exact"`: every product and the sum exact, rounded once (step 0) under `r` and `o`; a
///   zero sum follows rule 5 (with the products as the addends); the empty sum is `+0`;
/// * `"exsdotp"`: `acc = +0`; for `i = 0, 2, 4, …`: `acc = exsdotp(a[i], b[i], a[i+1],
///   b[i+1], acc)`, an odd last element through `acc = exfma(a[n−1], b[n−1], acc)`: one
///   rounding step per call, in order;
/// * `"fma"`: `acc = +0`; for `i = 0, 1, …`: `acc = exfma(a[i], b[i], acc)`;
/// * `"f32"`: `p[i] = f32(a[i]) · f32(b[i])` rounded to `float32` (nearest-even,
///   non-saturating, as IEEE multiplication); sixteen lanes start at `+0`,
///   `lane[i mod 16] += p[i]` for increasing `i`, then `lane[j] += lane[j + h]` for `j < h`,
///   `h = 8, 4, 2, 1` (each sum an IEEE `float32` addition, nearest-even); `lane[0]` is then
///   converted to the destination under `r` (step 0) and `o`.
///
/// Panics on a length mismatch (the library reports it as an error; the reference has
/// nothing to compute), an unknown `how`, or a code out of range.
pub fn ref_dot(src: &RefFormat, dst: &RefFormat, a: &[u32], b: &[u32], how: &str, r: Rounding, o: Overflow) -> u32 {
    assert_eq!(a.len(), b.len(), "dot: length mismatch");
    let n = a.len();
    let mut steps = StepModes::new(r);
    let plus_zero = dst.round(&RefValue::Zero { neg: false }, Rounding::NearestEven, o);
    match how {
        "exact" => {
            if n == 0 {
                return plus_zero;
            }
            ref_dot_round(src, dst, a, b, steps.next(), o)
        }
        "exsdotp" => {
            let mut acc = plus_zero;
            let mut i = 0;
            while i + 1 < n {
                acc = ref_fused(FusedOp::Exsdotp, src, dst, &[a[i], b[i], a[i + 1], b[i + 1]], acc, steps.next(), o);
                i += 2;
            }
            if i < n {
                acc = ref_fused(FusedOp::Exfma, src, dst, &[a[i], b[i]], acc, steps.next(), o);
            }
            acc
        }
        "fma" => {
            let mut acc = plus_zero;
            for i in 0..n {
                acc = ref_fused(FusedOp::Exfma, src, dst, &[a[i], b[i]], acc, steps.next(), o);
            }
            acc
        }
        "f32" => {
            let f32f = ref_format("float32").expect("float32 is a reference format");
            let ne = Rounding::NearestEven;
            let ns = Overflow::NonSaturating;
            // IEEE float32 operations, each one reference rounding.
            let to_f32 = |code: u32| f32f.round(&src.decode(code), ne, ns);
            let mul = |x: u32, y: u32| {
                let p = product(&term(&f32f.decode(x)), &term(&f32f.decode(y)));
                round_sum(f32f, &exact_sum(&[p]), &[(ne, ns)])[0]
            };
            let add = |x: u32, y: u32| {
                let s = exact_sum(&[term(&f32f.decode(x)), term(&f32f.decode(y))]);
                round_sum(f32f, &s, &[(ne, ns)])[0]
            };
            let mut lanes = [0u32; 16]; // +0.0
            for i in 0..n {
                let p = mul(to_f32(a[i]), to_f32(b[i]));
                lanes[i % 16] = add(lanes[i % 16], p);
            }
            for h in [8, 4, 2, 1] {
                for j in 0..h {
                    lanes[j] = add(lanes[j], lanes[j + h]);
                }
            }
            dst.round(&f32f.decode(lanes[0]), steps.next(), o)
        }
        other => panic!("unknown accumulation discipline {other:?} (exact, exsdotp, fma, f32)"),
    }
}
