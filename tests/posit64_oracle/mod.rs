//! A fast, independent acceptance oracle for posits of up to 64 bits (`+ − × ÷ √`, fused
//! multiply-add, conversion from `f64`), built beside the MPFR reference
//! (`lowp::reference::posit::RefPosit`) and sharing no code with the library.
//!
//! The reference rounds by searching the code space with exact `Rational` comparisons, which
//! is too slow for 10^6 cases per operation at 64 bits. This oracle only *checks* a given
//! result code `c`, with the reference's own rule (see its module docs): a nonzero exact result
//! `z` rounds to the sign of `z` and the positive code `m` with `tie(m−1) < |z| < tie(m)` — or,
//! when `|z|` equals one of those two ties, to the even code beside it — where `tie(m)` is the
//! value of the (n+1)-bit posit `2m + 1`, and `tie(0) = 0`, `tie(maxpos) = ∞` (saturation:
//! never 0, never NaR). An exact zero gives 0. Exactly one code passes, since the intervals
//! partition `(0, ∞)` and each tie belongs to one even code.
//!
//! Values are dyadic, `m·2^e` with GMP integers: the decoder here ([`Oracle64::dyadic`], a
//! field-by-field reading of the bit string into `u128`) is checked against the reference's
//! [`RefPosit::value`] and [`RefPosit::tie_point`] ([`Oracle64::anchor_decoder`]), and every
//! comparison of an exact result with a tie point is one exact integer comparison:
//! `x + y` vs `t`, `x·y` vs `t`, `x·y + w` vs `t`, `x` vs `t·y` (÷, for `y > 0`), `x` vs `t²`
//! (√). The tests also run the full reference on a sample of the same cases and check that
//! the oracle accepts its answers.

use core::cmp::Ordering;

use lowp::reference::posit::RefPosit;
use rug::{Integer, Rational};

/// A dyadic rational `m · 2^e`.
#[derive(Clone, Debug)]
pub struct Dy {
    pub m: Integer,
    pub e: i32,
}

impl Dy {
    pub fn zero() -> Dy {
        Dy { m: Integer::new(), e: 0 }
    }
    pub fn neg(&self) -> Dy {
        Dy { m: Integer::from(-&self.m), e: self.e }
    }
    pub fn mul(&self, o: &Dy) -> Dy {
        Dy { m: Integer::from(&self.m * &o.m), e: self.e + o.e }
    }
    pub fn from_f64(x: f64) -> Dy {
        assert!(x.is_finite());
        let bits = x.to_bits();
        let (exp, frac) = ((bits >> 52 & 0x7ff) as i32, bits & ((1 << 52) - 1));
        let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | 1 << 52, exp - 1075) };
        let m = Integer::from(m);
        Dy { m: if x < 0.0 { -m } else { m }, e }
    }
    pub fn to_rational(&self) -> Rational {
        let q = Rational::from(&self.m);
        if self.e >= 0 {
            q << self.e as u32
        } else {
            q >> (-self.e) as u32
        }
    }
}

/// The sign of `Σ terms` (exact).
pub fn sign_of_sum(terms: &[&Dy]) -> Ordering {
    let e0 = terms.iter().map(|t| t.e).min().unwrap();
    let mut s = Integer::new();
    for t in terms {
        s += Integer::from(&t.m << (t.e - e0) as u32);
    }
    s.cmp0()
}

/// `posit<n, es>` as the oracle reads it.
#[derive(Clone, Copy, Debug)]
pub struct Oracle64 {
    pub n: u32,
    pub es: u32,
}

impl Oracle64 {
    pub fn new(n: u32, es: u32) -> Oracle64 {
        assert!((2..=64).contains(&n) && es <= 4);
        Oracle64 { n, es }
    }
    pub fn mask(&self) -> u64 {
        u64::MAX >> (64 - self.n)
    }
    pub fn nar(&self) -> u64 {
        1 << (self.n - 1)
    }
    fn maxpos(&self) -> u64 {
        self.nar() - 1
    }

    /// The value of a `width`-bit code (`width ≤ 65`, so that tie points fit): `None` for NaR.
    /// Sign bit, then the regime run (k = run − 1 for ones, −run for zeros) and its terminator
    /// (absent when the run reaches the end), then up to `es` exponent bits (missing ones are
    /// zeros), then the fraction under a hidden one.
    pub fn dyadic(&self, width: u32, code: u128) -> Option<Dy> {
        let es = self.es;
        let sign_bit = 1u128 << (width - 1);
        if code == 0 {
            return Some(Dy::zero());
        }
        if code == sign_bit {
            return None;
        }
        let neg = code & sign_bit != 0;
        let mag = if neg { (sign_bit << 1) - code } else { code };
        let body = width - 1;
        let bit = |i: u32| (mag >> i) & 1; // i from the least significant bit
        let first = bit(body - 1);
        let mut run = 0;
        while run < body && bit(body - 1 - run) == first {
            run += 1;
        }
        let k = if first == 1 { run as i32 - 1 } else { -(run as i32) };
        let rest = body - run - u32::from(run < body);
        let e_len = es.min(rest);
        let f_len = rest - e_len;
        let e_field = ((mag >> f_len) & ((1u128 << e_len) - 1)) as i32;
        let e = e_field << (es - e_len);
        let f = mag & ((1u128 << f_len) - 1);
        let m = Integer::from((1u128 << f_len) | f);
        Some(Dy { m: if neg { -m } else { m }, e: k * (1 << es) + e - f_len as i32 })
    }

    pub fn value(&self, code: u64) -> Option<Dy> {
        self.dyadic(self.n, code as u128)
    }

    /// The bit-string tie point between the positive codes `c` and `c + 1`.
    fn tie(&self, c: u64) -> Dy {
        self.dyadic(self.n + 1, 2 * c as u128 + 1).unwrap()
    }

    /// The decoder and the tie points against the reference on `codes`.
    pub fn anchor_decoder(&self, r: &RefPosit, codes: impl IntoIterator<Item = u64>) {
        for c in codes {
            let c = c & self.mask();
            let mine = self.value(c).map(|d| d.to_rational());
            assert_eq!(mine, r.value(c), "posit<{},{}> value of {c:#x}", self.n, self.es);
            let m = if c >> (self.n - 1) == 1 { c.wrapping_neg() & self.mask() } else { c };
            if m >= 1 && m < self.maxpos() {
                assert_eq!(self.tie(m).to_rational(), r.tie_point(m), "posit<{},{}> tie {m:#x}", self.n, self.es);
            }
        }
    }

    /// Does `c` round the exact real `z` correctly (nearest-even on the bit string)? `cmp(t)`
    /// is the sign of `z − t`.
    pub fn accepts(&self, cmp: impl Fn(&Dy) -> Ordering, c: u64) -> bool {
        let sign = cmp(&Dy::zero());
        if sign == Ordering::Equal {
            return c == 0;
        }
        let neg = sign == Ordering::Less;
        if c == 0 || c == self.nar() || (c >> (self.n - 1) == 1) != neg {
            return false;
        }
        let mag = if neg { c.wrapping_neg() & self.mask() } else { c };
        // The sign of |z| − t.
        let cmp_abs = |t: &Dy| if neg { cmp(&t.neg()).reverse() } else { cmp(t) };
        let even = mag % 2 == 0;
        let ok = |o: Ordering, want: Ordering| o == want || (o == Ordering::Equal && even);
        (mag == 1 || ok(cmp_abs(&self.tie(mag - 1)), Ordering::Greater))
            && (mag == self.maxpos() || ok(cmp_abs(&self.tie(mag)), Ordering::Less))
    }

    /// Checks `got` for `op` on the codes `a`, `b` (`c` for `Fma`: `a·b + c`): NaR exactly
    /// where the standard says (a NaR operand, `x / 0`, `√` of a negative), else [`accepts`].
    ///
    /// [`accepts`]: Oracle64::accepts
    pub fn check(&self, op: Op, a: u64, b: u64, c: u64, got: u64) -> bool {
        let (x, y, w) = (self.value(a), self.value(b), self.value(c));
        let nar = match op {
            Op::Sqrt => x.as_ref().is_none_or(|x| x.m.cmp0() == Ordering::Less),
            Op::Div => x.is_none() || y.as_ref().is_none_or(|y| y.m.cmp0() == Ordering::Equal),
            Op::Fma => x.is_none() || y.is_none() || w.is_none(),
            _ => x.is_none() || y.is_none(),
        };
        if nar {
            return got == self.nar();
        }
        let (x, y) = (x.unwrap(), y.unwrap_or_else(Dy::zero));
        match op {
            Op::Add => self.accepts(|t| sign_of_sum(&[&x, &y, &t.neg()]), got),
            Op::Sub => self.accepts(|t| sign_of_sum(&[&x, &y.neg(), &t.neg()]), got),
            Op::Mul => {
                let p = x.mul(&y);
                self.accepts(|t| sign_of_sum(&[&p, &t.neg()]), got)
            }
            Op::Fma => {
                let (p, w) = (x.mul(&y), w.unwrap());
                self.accepts(|t| sign_of_sum(&[&p, &w, &t.neg()]), got)
            }
            // x/y − t has the sign of (x − t·y)·sign(y).
            Op::Div => {
                let flip = y.m.cmp0() == Ordering::Less;
                self.accepts(
                    |t| {
                        let o = sign_of_sum(&[&x, &t.mul(&y).neg()]);
                        if flip {
                            o.reverse()
                        } else {
                            o
                        }
                    },
                    got,
                )
            }
            // √x − t: positive for t ≤ 0 (x > 0), else the sign of x − t².
            Op::Sqrt => self.accepts(
                |t| {
                    if t.m.cmp0() != Ordering::Greater && x.m.cmp0() == Ordering::Greater {
                        Ordering::Greater
                    } else if t.m.cmp0() != Ordering::Greater {
                        t.m.cmp0().reverse() // x = 0: √x − t = −t
                    } else {
                        sign_of_sum(&[&x, &t.mul(t).neg()])
                    }
                },
                got,
            ),
        }
    }

    /// Checks `got` as the nearest-even rounding of the finite `f64` `v` (NaN and ±∞ give NaR).
    pub fn check_from_f64(&self, v: f64, got: u64) -> bool {
        if !v.is_finite() {
            return got == self.nar();
        }
        let d = Dy::from_f64(v);
        self.accepts(|t| sign_of_sum(&[&d, &t.neg()]), got)
    }
}

/// The operations the oracle checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Sqrt,
    Fma,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
            Op::Sqrt => "sqrt",
            Op::Fma => "mul_add",
        }
    }
    /// The full MPFR reference's answer.
    pub fn reference(self, r: &RefPosit, a: u64, b: u64, c: u64) -> u64 {
        match self {
            Op::Add => r.add(a, b),
            Op::Sub => r.sub(a, b),
            Op::Mul => r.mul(a, b),
            Op::Div => r.div(a, b),
            Op::Sqrt => r.sqrt(a),
            Op::Fma => r.mul_add(a, b, c),
        }
    }
}
