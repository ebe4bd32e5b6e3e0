//! A fast, independent oracle for `posit<16, ES>` `+ − × ÷`, built from the MPFR reference
//! (`lowp::reference::posit::RefPosit`) and sharing no code with the library (neither
//! `src/round.rs` nor `src/posit/`).
//!
//! # What it is made of
//!
//! Two tables, filled from the reference's exact (GMP `Rational`) values and checked to convert
//! to `f64` **exactly**:
//!
//! * `val[c]`: the value of every 16-bit code (NaR: NaN), as `RefPosit::value` gives it.
//! * `tie[c]`, `1 ≤ c < maxpos`: the reference's bit-string nearest-even tie point between the
//!   positive codes `c` and `c + 1` (`RefPosit::tie_point`: the value of the 17-bit posit
//!   `2c + 1`), with the sentinels `tie[0] = 0` and `tie[maxpos] = +∞`.
//!
//! The reference's rounding rule (see its module docs) then reads: a nonzero exact result `z`
//! rounds to the sign of `z` and the positive code `c` with `tie[c−1] < |z| < tie[c]`, or, when
//! `|z|` equals one of those two ties, to the even code beside the tie. With the sentinels this
//! includes the saturation rules (`|z| ≤ minpos < tie[1]` gives 1, `|z| ≥ maxpos > tie[maxpos−1]`
//! gives maxpos: never 0, never NaR). An exact zero gives 0; NaR in gives NaR; `x / 0` is NaR.
//!
//! # Why the comparisons are exact in `f64`
//!
//! posit16 values have at most 14 significant bits (ES = 0: 13 fraction bits) and binary
//! exponents within ±56 (ES = 2: maxpos = 2^56); tie points (17-bit posits) at most 15 bits and
//! exponents within ±60. So, with every quantity far inside the normal `f64` range:
//!
//! * `×`: `x·y` has at most 28 significant bits: the `f64` product is exact.
//! * `÷`: for `y ≠ 0`, `|x/y|` vs `t` is `|x|` vs `t·|y|`, and `t·|y|` (≤ 29 bits) is exact.
//! * `+ −`: TwoSum (Knuth) gives `s = fl(x + y)` and `e` with `s + e = x + y` exactly (no
//!   overflow is possible). Rounding to nearest is monotone and fixes every `f64` `t`, so
//!   `s < t ⇒ x + y < t`, `s > t ⇒ x + y > t`, and when `s = t` the sign of `e` decides. The
//!   exact sum is a multiple of 2^-70, so `s = 0` only for an exact zero; for `s < 0`,
//!   `(−s, −e)` is the magnitude (nearest-even rounding is symmetric).
//!
//! Each comparison `|z|` vs `t` is thus `hi` vs `t·w`, then the sign of `lo` on equality, with
//! `(hi, w, lo)` = `(|x·y|, 1, 0)`, `(|x|, |y|, 0)` or `(|s|, 1, ±e)`.
//!
//! [`Oracle16::expect`] rounds by binary search over `tie`; [`Oracle16::accepts`] checks a
//! given result code with the two comparisons of its interval (equivalent: exactly one code is
//! accepted, since the intervals partition `(0, ∞)` and each tie belongs to one even code). The
//! tests cross-check both against `RefPosit`'s own `add`/`sub`/`mul`/`div` (MPFR) on random and
//! edge pairs, so that the oracle cannot drift from the reference.
#![allow(dead_code)]

use lowp::reference::posit::RefPosit;
use rug::Rational;

/// posit16's NaR code.
pub const NAR: u16 = 0x8000;
/// posit16's maxpos code.
pub const MAXPOS: u16 = 0x7fff;

/// The four binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Add, Op::Sub, Op::Mul, Op::Div];
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
        }
    }
    /// The reference (MPFR) result.
    pub fn reference(self, r: &RefPosit, a: u64, b: u64) -> u64 {
        match self {
            Op::Add => r.add(a, b),
            Op::Sub => r.sub(a, b),
            Op::Mul => r.mul(a, b),
            Op::Div => r.div(a, b),
        }
    }
}

/// The exact result of an operation, as the oracle sees it.
#[derive(Clone, Copy, Debug)]
enum Exact {
    Nar,
    Zero,
    /// `(−1)^neg · |z|`, where `|z|` vs `t` is `hi` vs `t·w`, then the sign of `lo`.
    Num {
        neg: bool,
        hi: f64,
        w: f64,
        lo: f64,
    },
}

/// `|z| > t`.
#[inline(always)]
fn above(hi: f64, w: f64, lo: f64, t: f64) -> bool {
    let r = t * w;
    hi > r || (hi == r && lo > 0.0)
}
/// `|z| < t`.
#[inline(always)]
fn below(hi: f64, w: f64, lo: f64, t: f64) -> bool {
    let r = t * w;
    hi < r || (hi == r && lo < 0.0)
}

/// The oracle for one `posit<16, ES>`.
pub struct Oracle16 {
    es: u32,
    /// Value of every code (NaR: NaN).
    val: Vec<f64>,
    /// `tie[c]` for `0 ≤ c ≤ maxpos` (sentinels at both ends).
    tie: Vec<f64>,
}

/// A rational as `f64`, asserting that the conversion is exact.
fn exact_f64(q: &Rational, what: &dyn Fn() -> String) -> f64 {
    let f = q.to_f64();
    assert!(Rational::from_f64(f).as_ref() == Some(q), "{} is not exact in f64", what());
    f
}

impl Oracle16 {
    /// Build the tables for `posit<16, es>` from the MPFR reference.
    pub fn new(es: u32) -> Oracle16 {
        let r = RefPosit::new(16, es);
        let r17 = RefPosit::new(17, es);
        let mut val = vec![0.0f64; 1 << 16];
        for c in 0..(1u64 << 16) {
            val[c as usize] = match r.value(c) {
                None => f64::NAN,
                Some(q) => {
                    // The 16-bit string followed by a 0 is the same value: a check on both
                    // decoders (the tie points below are 17-bit codes).
                    if c != 0 && c != 0x8000 {
                        assert_eq!(r17.value((2 * c) & 0x1ffff), Some(q.clone()), "posit<16,{es}> {c:#x} as 17 bits");
                    }
                    exact_f64(&q, &|| format!("posit<16,{es}> code {c:#x}"))
                }
            };
        }
        let mut tie = vec![0.0f64; MAXPOS as usize + 1];
        tie[MAXPOS as usize] = f64::INFINITY;
        for c in 1..MAXPOS as u64 {
            let t = r.tie_point(c);
            tie[c as usize] = exact_f64(&t, &|| format!("posit<16,{es}> tie point {c:#x}"));
        }
        // The tables are increasing and the ties lie strictly between their codes.
        for c in 1..MAXPOS as usize {
            assert!(val[c] < tie[c] && tie[c] < val[c + 1], "posit<16,{es}>: tie {c:#x}");
            assert_eq!(val[c], -val[(c as u16).wrapping_neg() as usize], "posit<16,{es}>: -{c:#x}");
        }
        assert!(val[1] > 0.0 && tie[MAXPOS as usize - 1] < val[MAXPOS as usize]);
        Oracle16 { es, val, tie }
    }

    pub fn es(&self) -> u32 {
        self.es
    }

    /// The value of a code (NaR: NaN).
    pub fn value(&self, c: u16) -> f64 {
        self.val[c as usize]
    }

    #[inline(always)]
    fn exact(&self, op: Op, a: u16, b: u16) -> Exact {
        if a == NAR || b == NAR {
            return Exact::Nar;
        }
        let (x, y) = (self.val[a as usize], self.val[b as usize]);
        match op {
            Op::Add | Op::Sub => {
                let y = if op == Op::Sub { -y } else { y };
                // TwoSum (Knuth): s + e = x + y exactly.
                let s = x + y;
                let bv = s - x;
                let av = s - bv;
                let e = (x - av) + (y - bv);
                if s == 0.0 {
                    debug_assert!(e == 0.0);
                    Exact::Zero
                } else if s < 0.0 {
                    Exact::Num { neg: true, hi: -s, w: 1.0, lo: -e }
                } else {
                    Exact::Num { neg: false, hi: s, w: 1.0, lo: e }
                }
            }
            Op::Mul => {
                let p = x * y; // exact (module docs)
                if p == 0.0 {
                    Exact::Zero
                } else {
                    Exact::Num { neg: p < 0.0, hi: p.abs(), w: 1.0, lo: 0.0 }
                }
            }
            Op::Div => {
                if y == 0.0 {
                    Exact::Nar
                } else if x == 0.0 {
                    Exact::Zero
                } else {
                    Exact::Num { neg: (x < 0.0) != (y < 0.0), hi: x.abs(), w: y.abs(), lo: 0.0 }
                }
            }
        }
    }

    /// The correctly rounded result code of `a op b`, by binary search over the tie points.
    pub fn expect(&self, op: Op, a: u16, b: u16) -> u16 {
        match self.exact(op, a, b) {
            Exact::Nar => NAR,
            Exact::Zero => 0,
            Exact::Num { neg, hi, w, lo } => {
                // The smallest c in 1..=maxpos with |z| <= tie[c] (tie[maxpos] = +inf).
                let (mut l, mut h) = (1usize, MAXPOS as usize);
                while l < h {
                    let m = (l + h) / 2;
                    if above(hi, w, lo, self.tie[m]) {
                        l = m + 1;
                    } else {
                        h = m;
                    }
                }
                let mut c = l as u16;
                // On the tie between c and c + 1 (never at the +inf sentinel): the even one.
                if !below(hi, w, lo, self.tie[l]) && c % 2 == 1 {
                    c += 1;
                }
                if neg {
                    c.wrapping_neg()
                } else {
                    c
                }
            }
        }
    }

    /// Whether `got` is the correctly rounded result code of `a op b` (two comparisons).
    #[inline(always)]
    pub fn accepts(&self, op: Op, a: u16, b: u16, got: u16) -> bool {
        match self.exact(op, a, b) {
            Exact::Nar => got == NAR,
            Exact::Zero => got == 0,
            Exact::Num { neg, hi, w, lo } => {
                let c = if neg { got.wrapping_neg() } else { got };
                // 1 <= c <= maxpos: the right sign, neither 0 nor NaR.
                if c.wrapping_sub(1) >= MAXPOS {
                    return false;
                }
                let even = c % 2 == 0;
                let (tl, th) = (self.tie[c as usize - 1], self.tie[c as usize]);
                (above(hi, w, lo, tl) || (even && !below(hi, w, lo, tl)))
                    && (below(hi, w, lo, th) || (even && !above(hi, w, lo, th)))
            }
        }
    }

    /// Cross-check the oracle against the MPFR reference on the pair `(a, b)` for every op
    /// (see [`Oracle16::anchor_op`]).
    pub fn anchor(&self, r: &RefPosit, a: u16, b: u16, seed: u64) {
        for op in Op::ALL {
            self.anchor_op(r, op, a, b, op.reference(r, a as u64, b as u64) as u16, seed);
        }
    }

    /// Cross-check the oracle against `want`, the MPFR reference's result of `a op b`: its
    /// rounding equals `want`, its checker accepts `want` and rejects the neighbouring codes.
    /// Panics with a description otherwise.
    pub fn anchor_op(&self, r: &RefPosit, op: Op, a: u16, b: u16, want: u16, seed: u64) {
        let got = self.expect(op, a, b);
        let ok = got == want
            && self.accepts(op, a, b, want)
            && !self.accepts(op, a, b, want.wrapping_add(1))
            && !self.accepts(op, a, b, want.wrapping_sub(1));
        assert!(
            ok,
            "oracle posit<16,{}> {}({}, {}):\n  oracle    {}\n  reference {}\n  seed {seed:#x}",
            self.es,
            op.name(),
            r.describe(a as u64),
            r.describe(b as u64),
            r.describe(got as u64),
            r.describe(want as u64)
        );
    }
}
