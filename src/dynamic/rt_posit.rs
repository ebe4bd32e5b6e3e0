//! Posits with N and ES known only at run time: one backend per `posit<N, ES>`, on the posit
//! module's decoder and encoder around exact arithmetic, with an exact fused dot product.

use alloc::string::{String, ToString};
use core::fmt;

use super::backend::{Backend, Constants};
use super::ops::Op;
use crate::decimal::ParseError;
use crate::exact::Exact;
use crate::format::{Overflow, Rounding};
use crate::posit::name_bytes;

/// posit<n, es> with the parameters as data: the posit module's decoder and encoder
/// ([`crate::posit::decode`], [`crate::posit::encode`]) around exact arithmetic, rounded once —
/// the reference semantics of `Posit<n, es>`, so every answer is the one the typed posit gives
/// (checked code for code against the typed named posits in the tests below).
pub(super) struct RtPosit {
    n: u32,
    es: u32,
    /// The name, `posit12e1` (the bytes and their length: [`LowpFloat::NAME`](crate::LowpFloat::NAME) of
    /// `Posit<n, es>`, from the same function).
    name: ([u8; 12], usize),
}

/// One run-time backend per (N, ES): `RT_POSITS[n - 2][es]`.
pub(super) static RT_POSITS: [[RtPosit; 5]; 31] = {
    const fn row(n: u32) -> [RtPosit; 5] {
        [
            RtPosit { n, es: 0, name: name_bytes(n, 0) },
            RtPosit { n, es: 1, name: name_bytes(n, 1) },
            RtPosit { n, es: 2, name: name_bytes(n, 2) },
            RtPosit { n, es: 3, name: name_bytes(n, 3) },
            RtPosit { n, es: 4, name: name_bytes(n, 4) },
        ]
    }
    let mut t = [const { [const { RtPosit { n: 0, es: 0, name: ([0; 12], 0) } }; 5] }; 31];
    let mut i = 0;
    while i < 31 {
        t[i] = row(i as u32 + 2);
        i += 1;
    }
    t
};

impl RtPosit {
    #[inline]
    fn mask(&self) -> u64 {
        u64::MAX >> (64 - self.n)
    }
    #[inline]
    fn nar(&self) -> u64 {
        1 << (self.n - 1)
    }
    #[inline]
    fn x(&self, code: u64) -> Exact {
        crate::posit::decode(code, self.n, self.es)
    }
    #[inline]
    fn round(&self, x: Exact, rounding: Rounding) -> u64 {
        crate::posit::encode(x, self.n, self.es, rounding)
    }
    /// The code of `x` rounded as the operators do (nearest-even; posits always saturate).
    #[inline]
    fn rne(&self, x: Exact) -> u64 {
        self.round(x, Rounding::NearestEven)
    }
}

impl Backend for RtPosit {
    fn name(&self) -> &'static str {
        // The name as a `'static` borrow of the table (ASCII only).
        let Some(p) = RT_POSITS.get(self.n as usize - 2).and_then(|row| row.get(self.es as usize)) else {
            return "posit";
        };
        let (bytes, len) = &p.name;
        core::str::from_utf8(bytes.split_at(*len).0).unwrap_or("posit")
    }
    fn bits(&self) -> u32 {
        self.n
    }
    fn default_overflow(&self) -> Overflow {
        Overflow::Saturating
    }
    fn to_exact(&self, code: u64) -> Exact {
        self.x(code)
    }
    fn decode(&self, code: u64) -> f64 {
        self.x(code).to_f64()
    }
    fn round_exact(&self, x: Exact, rounding: Rounding, _overflow: Overflow) -> u64 {
        self.round(x, rounding)
    }
    fn parse(&self, s: &str, rounding: Rounding, _overflow: Overflow) -> Result<u64, ParseError> {
        crate::decimal::parse_exact(s).map(|x| self.round(x, rounding))
    }
    fn display(&self, code: u64) -> String {
        /// The code's value printed by [`crate::decimal`]'s shortest printer, reading
        /// candidates back through this posit's rounding.
        struct Text<'a>(&'a RtPosit, u64);
        impl fmt::Display for Text<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let Text(p, code) = *self;
                let x = p.x(code);
                crate::decimal::fmt_shortest_by(x, x.to_f64(), |y| p.rne(y) == code, f)
            }
        }
        Text(self, code).to_string()
    }
    fn op(&self, op: Op, a: &[u64]) -> Option<u64> {
        let x = |i: usize| self.x(a[i]);
        Some(match op {
            Op::Add => self.rne(x(0) + x(1)),
            // `Posit`'s `a - b` is `a + (-b)`, the negation being two's complement.
            Op::Sub => self.rne(x(0) + self.x(a[1].wrapping_neg() & self.mask())),
            Op::Mul => self.rne(x(0) * x(1)),
            Op::Div => self.rne(x(0) / x(1)),
            Op::Sqrt => self.rne(x(0).sqrt()),
            Op::Fma => self.rne(Exact::fma(x(0), x(1), x(2))),
            Op::Qdot => exact_dot(a, |c| self.x(c), |s| self.rne(s)),
        })
    }
    fn next_up(&self, code: u64) -> u64 {
        if code == self.nar() || code == self.nar() - 1 {
            code
        } else {
            code.wrapping_add(1) & self.mask()
        }
    }
    fn next_down(&self, code: u64) -> u64 {
        if code == self.nar() || code == self.nar() + 1 {
            code
        } else {
            code.wrapping_sub(1) & self.mask()
        }
    }
    fn is_nan(&self, code: u64) -> bool {
        code == self.nar()
    }
    fn is_infinite(&self, _code: u64) -> bool {
        false
    }
    fn constants(&self) -> Constants {
        let one = self.rne(Exact::from_u64(1));
        Constants {
            max: self.decode(self.nar() - 1),
            min_normal: self.decode(1),
            min_subnormal: self.decode(1),
            // (1 + ε) - 1 is exact in f64: both are posits of at most 32 bits.
            epsilon: self.decode(self.next_up(one)) - 1.0,
            has_nan: true,
            has_inf: false,
        }
    }
}

/// Least significant bit of the exact accumulator of [`exact_dot`]: below `minpos² = 2^-960`
/// of every posit here (and below the unit of any product of two posit significands).
const WIDE_LSB: i32 = -1152;
/// Limbs of that accumulator: 2368 bits, from `2^-1152` to `2^1215` (two's complement): room
/// for `2^190` products of magnitude up to `maxpos² ≤ 2^960` — no line of input comes near.
const WIDE_LIMBS: usize = 37;

/// `a1·b1 + a2·b2 + …` from the codes `a1 b1 a2 b2 …`, exactly (a Kulisch accumulator, as the
/// quire does), then rounded once by `round`; NaR when any operand is NaR (`to_exact` gives NaN).
fn exact_dot(codes: &[u64], to_exact: impl Fn(u64) -> Exact, round: impl Fn(Exact) -> u64) -> u64 {
    // The crate's one Kulisch accumulator (`dot::kulisch`), sized for every posit here.
    let mut acc = [0u64; crate::dot::kulisch::MAX_LIMBS];
    for pair in codes.chunks_exact(2) {
        match (to_exact(pair[0]), to_exact(pair[1])) {
            (Exact::Nan, _) | (_, Exact::Nan) | (Exact::Inf { .. }, _) | (_, Exact::Inf { .. }) => {
                return round(Exact::Nan)
            }
            (Exact::Finite { neg: na, sig: sa, exp: ea, .. }, Exact::Finite { neg: nb, sig: sb, exp: eb, .. }) => {
                let t = crate::dot::kulisch::Term::new(na ^ nb, sa as u128 * sb as u128, ea + eb);
                crate::dot::kulisch::add_term(&mut acc, WIDE_LIMBS, t, WIDE_LSB);
            }
            _ => {} // a zero product
        }
    }
    round(crate::dot::kulisch::to_exact(&acc, WIDE_LIMBS, WIDE_LSB))
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use super::*;
    use crate::dynamic::{FormatId, Op};

    /// The run-time backend of a named posit against its typed backend.
    fn rt_vs_typed(n: u32, es: u32, pairs: usize, text_step: u64) {
        let id = FormatId::posit(n, es).unwrap();
        let typed = id.backend();
        let rt = &RT_POSITS[n as usize - 2][es as usize];
        assert!(!core::ptr::addr_eq(typed as *const dyn Backend, rt as *const dyn Backend));
        assert_eq!(rt.name(), typed.name());
        assert_eq!((rt.bits(), rt.default_overflow()), (typed.bits(), typed.default_overflow()));
        let (a, b) = (rt.constants(), typed.constants());
        assert_eq!(
            (a.max, a.min_normal, a.min_subnormal, a.epsilon, a.has_nan, a.has_inf),
            (b.max, b.min_normal, b.min_subnormal, b.epsilon, b.has_nan, b.has_inf)
        );
        let mask = id.max_code();
        let step = if n > 16 { 4099 } else { 1 };
        for c in (0..=mask).step_by(step).chain([mask, mask / 2, mask / 2 + 1, mask / 2 + 2, 1]) {
            assert_eq!(rt.to_exact(c), typed.to_exact(c), "{id} {c:#x}");
            assert_eq!(rt.decode(c).to_bits(), typed.decode(c).to_bits(), "{id} {c:#x}");
            assert_eq!(rt.next_up(c), typed.next_up(c), "{id} {c:#x}");
            assert_eq!(rt.next_down(c), typed.next_down(c), "{id} {c:#x}");
            assert_eq!(rt.is_nan(c), typed.is_nan(c));
            assert_eq!(rt.op(Op::Sqrt, &[c]), typed.op(Op::Sqrt, &[c]), "sqrt {id} {c:#x}");
            // Text (slow: each candidate decimal is parsed) on every `text_step`-th code.
            if c % text_step != 0 && c != mask {
                continue;
            }
            let text = typed.display(c);
            assert_eq!(rt.display(c), text, "{id} {c:#x}");
            assert_eq!(rt.parse(&text, Rounding::NearestEven, Overflow::NonSaturating), Ok(c), "{id} {text}");
            if c % (text_step * 16) != 0 {
                continue;
            }
            for r in [
                Rounding::NearestEven,
                Rounding::TowardZero,
                Rounding::Up,
                Rounding::Down,
                Rounding::Stochastic(0x9e37_79b9),
            ] {
                for s in [text.as_str(), "0.1", "-3.75e-3", "1e30", "-7e-40", "12345.678"] {
                    assert_eq!(
                        rt.parse(s, r, Overflow::NonSaturating),
                        typed.parse(s, r, Overflow::NonSaturating),
                        "{id} {s} {r:?}"
                    );
                }
            }
        }
        let mut rng = crate::rng::SplitMix64::new(u64::from(n * 8 + es));
        let mut code = || rng.next_u64() & mask;
        let all = n <= 8;
        let count = if all { (mask as usize + 1).pow(2) } else { pairs };
        for i in 0..count {
            let (x, y, z) = if all { (i as u64 >> n, i as u64 & mask, code()) } else { (code(), code(), code()) };
            for op in [Op::Add, Op::Sub, Op::Mul, Op::Div] {
                assert_eq!(rt.op(op, &[x, y]), typed.op(op, &[x, y]), "{id} {op} {x:#x} {y:#x}");
            }
            assert_eq!(rt.op(Op::Fma, &[x, y, z]), typed.op(Op::Fma, &[x, y, z]), "{id} fma {x:#x} {y:#x} {z:#x}");
            let q = [x, y, z, x, y, y];
            assert_eq!(rt.op(Op::Qdot, &q), typed.op(Op::Qdot, &q), "{id} qdot {q:x?}");
            let f = f64::from_bits(rng_f64_bits(x, y));
            for r in [Rounding::NearestEven, Rounding::Up, Rounding::Down, Rounding::TowardZero] {
                let e = Exact::from_f64(f);
                assert_eq!(
                    rt.round_exact(e, r, Overflow::NonSaturating),
                    typed.round_exact(e, r, Overflow::NonSaturating),
                    "{id} {f:e}"
                );
            }
        }
    }

    /// An f64 with an exponent near the posit range, from two codes.
    fn rng_f64_bits(x: u64, y: u64) -> u64 {
        let mixed = (x.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ y.rotate_left(29)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        // Exponent within 2^±200 of 1, any sign and significand.
        let exp = 1023 - 200 + (mixed >> 52) % 401;
        (mixed & (1 << 63)) | (exp << 52) | (mixed & ((1 << 52) - 1))
    }

    #[test]
    fn runtime_posits_match_typed_8() {
        rt_vs_typed(8, 2, 0, 1);
        rt_vs_typed(8, 0, 0, 1);
    }

    #[test]
    fn runtime_posits_match_typed_16_32() {
        rt_vs_typed(16, 2, 100_000, 1);
        rt_vs_typed(16, 1, 100_000, 1);
        rt_vs_typed(32, 2, 100_000, 3);
    }

    /// The wide accumulator against a simple exact sum (products of small integers scaled by
    /// powers of two, exact in i128 after alignment), and against heavy cancellation.
    #[test]
    fn wide_accumulator_is_exact() {
        let p = &RT_POSITS[30][4];
        let maxpos = p.nar() - 1;
        // maxpos² - maxpos² + minpos² = minpos² -> rounds to minpos.
        assert_eq!(p.op(Op::Qdot, &[maxpos, maxpos, maxpos, maxpos.wrapping_neg() & p.mask(), 1, 1]), Some(1));
        // maxpos² + minpos² - maxpos² = minpos², in the other order.
        assert_eq!(p.op(Op::Qdot, &[maxpos, maxpos, 1, 1, maxpos, maxpos.wrapping_neg() & p.mask()]), Some(1));
        // A sum that is exactly zero, and a NaR operand.
        let one = p.rne(Exact::from_u64(1));
        let m1 = one.wrapping_neg() & p.mask();
        assert_eq!(p.op(Op::Qdot, &[one, one, one, m1]), Some(0));
        assert_eq!(p.op(Op::Qdot, &[one, one, p.nar(), 0]), Some(p.nar()));
        assert_eq!(p.op(Op::Qdot, &[]), Some(0));
        // Random sums of posit<16,1> products against f64-free i128 arithmetic on the units:
        // every posit<16,1> is a multiple of 2^-28 below 2^28, so every product is an integer
        // multiple of 2^-56 below 2^56.
        let q = &RT_POSITS[14][1];
        let mut rng = crate::rng::SplitMix64::new(5);
        for len in [1usize, 2, 3, 10, 100, 1000] {
            for _ in 0..50 {
                let codes: Vec<u64> = (0..2 * len).map(|_| rng.next_u64() & 0xffff).filter(|&c| c != 0x8000).collect();
                let codes = &codes[..codes.len() & !1];
                let mut sum: i128 = 0;
                for pr in codes.chunks(2) {
                    let u = |c| match q.x(c) {
                        Exact::Finite { neg, sig, exp, .. } => {
                            (if neg { -1 } else { 1 }) * ((sig as i128) << (exp + 28))
                        }
                        _ => 0,
                    };
                    sum += u(pr[0]) * u(pr[1]);
                }
                let want = match sum {
                    0 => Exact::Zero { neg: false },
                    s => {
                        let (neg, m) = (s < 0, s.unsigned_abs());
                        let sh = (128 - m.leading_zeros()).saturating_sub(64);
                        let sticky = m & ((1u128 << sh) - 1) != 0;
                        let sig = (m >> sh) as u64;
                        let (sig, sticky) = if sticky { (sig, true) } else { (sig, false) };
                        Exact::Finite { neg, sig, exp: sh as i32 - 56, sticky }
                    }
                };
                assert_eq!(q.op(Op::Qdot, codes), Some(q.rne(want)), "{codes:x?}");
            }
        }
    }
}
