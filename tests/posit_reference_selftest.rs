//! Self-test of the posit oracle (`lowp::reference::RefPosit`) against facts written by hand
//! from the Posit Standard (2022) and `DESIGN.md` §3, and against brute-force re-derivations
//! written here from scratch (a string-based decoder and a linear-scan rounder that applies
//! the `(n+1)`-bit tie rule). Nothing here uses the library's posit type or rounding core: the
//! only library items used are the `Rounding` / `Overflow` enums and the oracle itself.
#![cfg(feature = "reference")]

use core::cmp::Ordering;

use lowp::reference::{PositEncoder, RefPosit, RefValue};
use lowp::{Overflow, Rounding};
use rug::float::Round;
use rug::{Float, Integer, Rational};

const NE: Rounding = Rounding::NearestEven;
const TZ: Rounding = Rounding::TowardZero;
const UP: Rounding = Rounding::Up;
const DN: Rounding = Rounding::Down;
const SAT: Overflow = Overflow::Saturating;

/// Every rounding mode, with a few stochastic draws.
const MODES: [Rounding; 8] = [
    NE,
    TZ,
    UP,
    DN,
    Rounding::Stochastic(0),
    Rounding::Stochastic(1 << 31),
    Rounding::Stochastic(u32::MAX),
    Rounding::Stochastic(0x1234_5678),
];

fn p(n: u32, es: u32) -> RefPosit {
    RefPosit::new(n, es)
}

/// `2^k`.
fn p2(k: i32) -> Rational {
    Rational::from(1) << k
}

/// `a / b`.
fn q(a: i64, b: i64) -> Rational {
    Rational::from((a, b))
}

fn num(x: Rational) -> RefValue {
    RefValue::from_rational(x)
}

/// The exact value of a non-NaR code.
fn val(f: &RefPosit, code: u64) -> Rational {
    f.value(code).unwrap_or_else(|| panic!("{}: {} is NaR", f.name(), f.describe(code)))
}

/// Rounds an exact rational.
fn rnd(f: &RefPosit, x: Rational, r: Rounding) -> u64 {
    f.round(&num(x), r, SAT)
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

// ---------------------------------------------------------------------------------------------
// An independent decoder and rounder, written from the standard's text with strings.
// ---------------------------------------------------------------------------------------------

/// Decodes `code` of `posit<n, es>` (any `n <= 100`) by reading its binary string:
/// `None` for NaR.
fn decode_str(n: u32, es: u32, code: u128) -> Option<Rational> {
    let s = format!("{:0w$b}", code, w = n as usize);
    assert_eq!(s.len(), n as usize);
    if !s.contains('1') {
        return Some(Rational::new());
    }
    if s[1..].chars().all(|c| c == '0') {
        return None; // 1000…0
    }
    let neg = s.starts_with('1');
    let mag = if neg { (1u128 << n) - code } else { code };
    let s = format!("{:0w$b}", mag, w = n as usize);
    let body = &s[1..];
    let first = body.chars().next().unwrap();
    let m = body.chars().take_while(|&c| c == first).count();
    let k: i32 = if first == '1' { m as i32 - 1 } else { -(m as i32) };
    let after = if m < body.len() { &body[m + 1..] } else { "" };
    let (e_bits, f_bits) = after.split_at((es as usize).min(after.len()));
    let mut e_str = e_bits.to_string();
    while e_str.len() < es as usize {
        e_str.push('0');
    }
    let e = if es == 0 { 0 } else { i32::from_str_radix(&e_str, 2).unwrap() };
    let f = if f_bits.is_empty() {
        Rational::new()
    } else {
        Rational::from(Integer::from_str_radix(f_bits, 2).unwrap()) / p2(f_bits.len() as i32)
    };
    let v = (Rational::from(1) + f) * p2(k * (1 << es) + e);
    Some(if neg { -v } else { v })
}

/// Brute-force nearest-even rounding on the bit string: a linear scan of all positive codes
/// (values from `decode_str`), the tie between `c` and `c + 1` being the `(n+1)`-bit code
/// `2c + 1`; saturating at minpos / maxpos.
struct Brute {
    n: u32,
    es: u32,
    /// `vals[c]` is the value of positive code `c` (index 0 unused).
    vals: Vec<Rational>,
}

impl Brute {
    fn new(n: u32, es: u32) -> Brute {
        let mut vals = vec![Rational::new()];
        for c in 1..(1u128 << (n - 1)) {
            vals.push(decode_str(n, es, c).unwrap());
        }
        Brute { n, es, vals }
    }

    fn nearest(&self, x: &Rational) -> u64 {
        if *x == 0 {
            return 0;
        }
        let a = Rational::from(x.abs_ref());
        let maxc = self.vals.len() - 1;
        let mag = if a <= self.vals[1] {
            1
        } else if a >= self.vals[maxc] {
            maxc
        } else {
            let c = (1..maxc).rev().find(|&c| self.vals[c] <= a).unwrap();
            if self.vals[c] == a {
                c
            } else {
                let tie = decode_str(self.n + 1, self.es, 2 * c as u128 + 1).unwrap();
                match a.cmp(&tie) {
                    Ordering::Less => c,
                    Ordering::Greater => c + 1,
                    Ordering::Equal => {
                        if c % 2 == 0 {
                            c
                        } else {
                            c + 1
                        }
                    }
                }
            }
        } as u64;
        if *x < 0 {
            ((1u64 << self.n) - mag) & ((1u64 << self.n) - 1)
        } else {
            mag
        }
    }

    /// The value of a code, `None` for NaR.
    fn value(&self, code: u64) -> Option<Rational> {
        decode_str(self.n, self.es, u128::from(code))
    }
}

// ---------------------------------------------------------------------------------------------
// Hand facts.
// ---------------------------------------------------------------------------------------------

#[test]
fn hand_facts_posit8_es0() {
    let f = p(8, 0);
    assert_eq!(f.decode(0x00), RefValue::Zero { neg: false });
    assert_eq!(f.decode(0x80), RefValue::Nan);
    assert!(f.is_nar(0x80));
    assert!(!f.is_nar(0x00) && !f.is_nar(0x7F) && !f.is_nar(0xFF));
    assert_eq!(val(&f, 0x40), 1); // 0|10|00000
    assert_eq!(val(&f, 0x7F), 64); // 0|1111111: k = 6, useed = 2
    assert_eq!(f.maxpos(), 64);
    assert_eq!(val(&f, 0x01), q(1, 64)); // 0|0000001: k = -6
    assert_eq!(f.minpos(), q(1, 64));
    assert_eq!(val(&f, 0xC0), -1); // two's complement of 0x40
    assert_eq!(val(&f, 0x60), 2); // 0|110|0000: k = 1
    assert_eq!(val(&f, 0x70), 4); // 0|1110|000: k = 2
    assert_eq!(val(&f, 0x50), q(3, 2)); // 0|10|10000: f = 1/2
    assert_eq!(val(&f, 0x48), q(5, 4)); // 0|10|01000: f = 1/4
    assert_eq!(val(&f, 0x20), q(1, 2)); // 0|01|00000: k = -1
    assert_eq!(val(&f, 0x30), q(3, 4)); // 0|01|10000
    assert_eq!(val(&f, 0x64), q(5, 2)); // 0|110|0100: 2 * (1 + 4/16)
    assert_eq!(val(&f, 0x81), -64); // -maxpos
    assert_eq!(val(&f, 0xFF), q(-1, 64)); // -minpos
    assert_eq!(f.maxpos_code(), 0x7F);
    assert_eq!(f.nar(), 0x80);
    assert_eq!(f.code_mask(), 0xFF);
}

#[test]
fn hand_facts_posit8_es2() {
    let f = RefPosit::standard(8);
    assert_eq!((f.n(), f.es()), (8, 2));
    assert_eq!(val(&f, 0x40), 1);
    assert_eq!(val(&f, 0x7F), p2(24)); // useed = 16, k = 6
    assert_eq!(f.maxpos(), p2(24));
    assert_eq!(val(&f, 0x01), p2(-24));
    assert_eq!(f.minpos(), p2(-24));
    assert_eq!(val(&f, 0x50), 4); // 0|10|10|000: e = 2
    assert_eq!(val(&f, 0x48), 2); // 0|10|01|000: e = 1
    assert_eq!(val(&f, 0x44), q(3, 2)); // 0|10|00|100
    assert_eq!(val(&f, 0x60), 16); // 0|110|00|00: k = 1
    assert_eq!(val(&f, 0x61), 20); // 0|110|00|01: 16 * 5/4
    assert_eq!(val(&f, 0x7E), p2(20)); // 0|111110|: k = 5, exponent bits cut off
    assert_eq!(val(&f, 0x7D), p2(18)); // 0|11110|1|: k = 4, exponent "1" + cut "0" = 2
    assert_eq!(val(&f, 0x02), p2(-20)); // 0|000001|0|: k = -5, e = 0
    assert_eq!(val(&f, 0x03), p2(-18)); // 0|000001|1|: k = -5, e = 2
    assert_eq!(val(&f, 0x20), p2(-4)); // 0|01|00|000: k = -1
    assert_eq!(val(&f, 0xC0), -1);
    assert_eq!(val(&f, 0xB0), -4); // two's complement of 0x50
}

#[test]
fn maxpos_minpos_of_the_usual_formats() {
    for (n, es, top) in [(16, 1, 28), (16, 2, 56), (32, 2, 120), (32, 3, 240), (64, 2, 248), (64, 4, 992), (2, 0, 0)] {
        let f = p(n, es);
        assert_eq!(f.maxpos(), p2(top), "{}", f.name());
        assert_eq!(f.minpos(), p2(-top), "{}", f.name());
        assert_eq!(val(&f, f.maxpos_code()), p2(top), "{}", f.name());
        assert_eq!(val(&f, 1), p2(-top), "{}", f.name());
        assert_eq!(f.maxpos_code(), (1u64 << (n - 1)) - 1);
        assert_eq!(val(&f, 1u64 << (n - 2)), 1, "{}: 0100…0 is 1", f.name());
        assert_eq!(val(&f, f.code_mask()), -p2(-top), "{}: all ones is -minpos", f.name());
        assert_eq!(val(&f, f.nar() + 1), -p2(top), "{}: 100…01 is -maxpos", f.name());
        assert!(f.is_nar(1u64 << (n - 1)));
    }
    assert_eq!(p(16, 1).maxpos_code(), 0x7FFF);
    assert_eq!(p(32, 2).maxpos_code(), 0x7FFF_FFFF);
    assert_eq!(p(32, 2).nar(), 0x8000_0000);
    assert_eq!(p(64, 2).nar(), 1 << 63);
    assert_eq!(p(64, 2).code_mask(), u64::MAX);
}

#[test]
fn tiny_widths() {
    // posit<2, es>: 00 = 0, 01 = 1 (regime "1" to the end: k = 0), 10 = NaR, 11 = -1.
    for es in 0..=4 {
        let f = p(2, es);
        assert_eq!(val(&f, 1), 1);
        assert_eq!(val(&f, 3), -1);
        assert!(f.is_nar(2));
        assert_eq!(rnd(&f, Rational::from(1000), NE), 1);
        assert_eq!(rnd(&f, q(1, 1000), DN), 1);
        assert_eq!(rnd(&f, q(-1, 1000), UP), 3);
        assert_eq!(f.add(1, 1), 1);
        assert_eq!(f.add(1, 3), 0);
    }
    // posit<3, 0>: 001 = 1/2, 010 = 1, 011 = 2; tie 1/2..1 is the 4-bit 0011 = 3/4.
    let f = p(3, 0);
    assert_eq!([val(&f, 1), val(&f, 2), val(&f, 3)], [q(1, 2), q(1, 1), q(2, 1)]);
    assert_eq!(f.tie_point(1), q(3, 4));
    assert_eq!(rnd(&f, q(3, 4), NE), 2); // tie -> even code 010
    assert_eq!(rnd(&f, q(3, 2), NE), 2); // tie 1..2 at 3/2 -> 010
                                         // posit<3, 2>: 001 = 2^-4, 010 = 1, 011 = 2^4; tie 1..16 is 0101 = 0|10|1 = 2^2.
    let f = p(3, 2);
    assert_eq!([val(&f, 1), val(&f, 2), val(&f, 3)], [p2(-4), p2(0), p2(4)]);
    assert_eq!(f.tie_point(2), 4);
    assert_eq!(rnd(&f, Rational::from(5), NE), 3);
    assert_eq!(rnd(&f, Rational::from(4), NE), 2);
}

#[test]
fn pi_by_hand() {
    // pi = 1.5707963... * 2^1; f64 mantissa of pi: 0x921FB54442D18.
    // posit<32,2>: 0|10|01|100100100001111110110101010 (next bit 0): 0x4C90FDAA.
    assert_eq!(p(32, 2).from_f64(std::f64::consts::PI, NE), 0x4C90_FDAA);
    // posit<16,1>: 0|10|1|100100100001 then 1111…: rounds up to …0010: 0x5922.
    assert_eq!(p(16, 1).from_f64(std::f64::consts::PI, NE), 0x5922);
    // posit<8,0>: 0|110|1001 (next bit 0): 0x69 = 3.125.
    assert_eq!(p(8, 0).from_f64(std::f64::consts::PI, NE), 0x69);
    assert_eq!(val(&p(8, 0), 0x69), q(25, 8));
    // Negative: two's complement.
    assert_eq!(p(32, 2).from_f64(-std::f64::consts::PI, NE), 0x4C90_FDAAu64.wrapping_neg() & 0xFFFF_FFFF);
}

// ---------------------------------------------------------------------------------------------
// Rounding on the bit string.
// ---------------------------------------------------------------------------------------------

#[test]
fn bit_string_rounding_is_not_value_space_rounding() {
    let f = p(8, 2);
    // Near maxpos: 0x7E = 2^20 (exponent bits cut), 0x7F = 2^24. The string 0x7E followed by
    // 1 is the 9-bit 0|111110|1 = k 5, exponent "1" + cut "0" = 2: 2^22.
    assert_eq!(f.tie_point(0x7E), p2(22));
    assert_ne!(f.tie_point(0x7E), (p2(20) + p2(24)) / 2u32);
    // 3 * 2^21 lies above the tie, below the arithmetic midpoint 17 * 2^19: bit-string
    // nearest gives 2^24 although 2^20 is nearer in value.
    let x = Rational::from(3) * p2(21);
    assert!(&x - p2(20) < p2(24) - &x);
    assert_eq!(rnd(&f, x.clone(), NE), 0x7F);
    assert_eq!(rnd(&f, -x.clone(), NE), 0x81);
    // Exactly on the tie: the even code 0x7E; just off it: the side it is on.
    assert_eq!(rnd(&f, p2(22), NE), 0x7E);
    assert_eq!(rnd(&f, p2(22) + p2(-30), NE), 0x7F);
    assert_eq!(rnd(&f, p2(22) - p2(-30), NE), 0x7E);
    assert_eq!(rnd(&f, -p2(22), NE), 0x82);
    // Near minpos: 0x01 = 2^-24, 0x02 = 2^-20, tie = 9-bit 0|0000001|1 = 2^-22.
    assert_eq!(f.tie_point(0x01), p2(-22));
    let y = Rational::from(3) * p2(-23); // above 2^-22, below the midpoint 17 * 2^-25
    assert_eq!(rnd(&f, y.clone(), NE), 0x02);
    assert_eq!(rnd(&f, p2(-22), NE), 0x02); // tie -> even code 0x02
                                            // Directed modes are value-space floor / ceiling.
    assert_eq!(rnd(&f, x.clone(), TZ), 0x7E);
    assert_eq!(rnd(&f, x.clone(), DN), 0x7E);
    assert_eq!(rnd(&f, x.clone(), UP), 0x7F);
    assert_eq!(rnd(&f, -x.clone(), TZ), 0x82);
    assert_eq!(rnd(&f, -x.clone(), UP), 0x82);
    assert_eq!(rnd(&f, -x.clone(), DN), 0x81);
    // The brute force agrees.
    let b = Brute::new(8, 2);
    assert_eq!(b.nearest(&x), 0x7F);
    assert_eq!(b.nearest(&y), 0x02);
}

#[test]
fn es0_ties_are_arithmetic_midpoints_and_es_positive_ones_are_not_always() {
    for n in 3..=12 {
        let f = p(n, 0);
        for c in 1..f.maxpos_code() {
            let mid = (val(&f, c) + val(&f, c + 1)) / 2u32;
            assert_eq!(f.tie_point(c), mid, "{} code {c:#x}", f.name());
        }
        for es in 1..=4 {
            let f = p(n, es);
            let differs = (1..f.maxpos_code()).any(|c| f.tie_point(c) != (val(&f, c) + val(&f, c + 1)) / 2u32);
            assert!(differs, "{}", f.name());
        }
    }
}

#[test]
fn stochastic_and_exact_values() {
    // posit<8,0>: 1 + 1/64 is halfway between 0x40 = 1 and 0x41 = 1 + 1/32: frac * 2^32 = 2^31.
    let f = p(8, 0);
    let x = Rational::from(1) + p2(-6);
    assert_eq!(rnd(&f, x.clone(), Rounding::Stochastic((1 << 31) - 1)), 0x41);
    assert_eq!(rnd(&f, x.clone(), Rounding::Stochastic(1 << 31)), 0x40);
    assert_eq!(rnd(&f, -x.clone(), Rounding::Stochastic((1 << 31) - 1)), 0xBF);
    assert_eq!(rnd(&f, -x, Rounding::Stochastic(1 << 31)), 0xC0);
    // posit<8,2>: 3 * 2^21 between 2^20 and 2^24, in value space frac = 5/15 = 1/3:
    // frac * 2^32 = 1431655765.33…
    let f = p(8, 2);
    let x = Rational::from(3) * p2(21);
    assert_eq!(rnd(&f, x.clone(), Rounding::Stochastic(1_431_655_765)), 0x7F);
    assert_eq!(rnd(&f, x, Rounding::Stochastic(1_431_655_766)), 0x7E);
    // Exact values never move, in any mode.
    for n in [5, 8, 16] {
        for es in 0..=4 {
            let f = p(n, es);
            for c in (0..=f.code_mask()).step_by(if n == 16 { 97 } else { 1 }) {
                for r in MODES {
                    assert_eq!(f.round(&f.decode(c), r, SAT), c, "{} {} {r:?}", f.name(), f.describe(c));
                }
            }
        }
    }
}

#[test]
fn never_rounds_to_zero_or_nar() {
    for n in [2, 3, 5, 8, 13, 16, 17, 32, 64] {
        for es in 0..=4 {
            let f = p(n, es);
            let neg = |c: u64| c.wrapping_neg() & f.code_mask();
            let tiny = f.minpos() / 3u32;
            let tinier = f.minpos() * p2(-2000);
            let huge = f.maxpos() * 3u32;
            let huger = f.maxpos() * p2(2000);
            for r in MODES {
                for t in [&tiny, &tinier] {
                    assert_eq!(rnd(&f, t.clone(), r), 1, "{} {r:?}", f.name());
                    assert_eq!(rnd(&f, -t.clone(), r), neg(1), "{} {r:?}", f.name());
                }
                for h in [&huge, &huger] {
                    assert_eq!(rnd(&f, h.clone(), r), f.maxpos_code(), "{} {r:?}", f.name());
                    assert_eq!(rnd(&f, -h.clone(), r), neg(f.maxpos_code()), "{} {r:?}", f.name());
                }
                // The products and quotients of the extremes saturate too.
                let (mn, mx) = (f.minpos_code(), f.maxpos_code());
                assert_eq!(f.mul(mn, mn), mn, "{}", f.name());
                assert_eq!(f.mul(mx, mx), mx, "{}", f.name());
                assert_eq!(f.div(mn, mx), mn, "{}", f.name());
                assert_eq!(f.div(mx, mn), mx, "{}", f.name());
                assert_eq!(f.mul(neg(mn), mn), neg(mn), "{}", f.name());
            }
            // 1e-300 / 1e300 as f64 (the f64 path).
            if f.minpos() > Rational::from_f64(1e-300).unwrap() {
                assert_eq!(f.from_f64(1e-300, NE), 1);
                assert_eq!(f.from_f64(-1e-300, TZ), neg(1));
                assert_eq!(f.from_f64(1e300, NE), f.maxpos_code());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Special cases.
// ---------------------------------------------------------------------------------------------

#[test]
fn specials() {
    for (n, es) in [(8, 0), (8, 2), (16, 1), (32, 2), (64, 2)] {
        let f = p(n, es);
        let one = 1u64 << (n - 2);
        let m_one = f.negate(one);
        let nar = f.nar();
        assert_eq!(f.div(one, 0), nar, "{}: 1/0", f.name());
        assert_eq!(f.div(m_one, 0), nar, "{}: -1/0", f.name());
        assert_eq!(f.div(0, 0), nar, "{}: 0/0", f.name());
        assert_eq!(f.div(0, one), 0, "{}: 0/1", f.name());
        assert_eq!(f.div(0, m_one), 0, "{}: 0/-1 (no negative zero)", f.name());
        assert_eq!(f.div(nar, one), nar);
        assert_eq!(f.div(one, nar), nar);
        assert_eq!(f.sqrt(m_one), nar, "{}: sqrt(-1)", f.name());
        assert_eq!(f.sqrt(f.code_mask()), nar, "{}: sqrt(-minpos)", f.name());
        assert_eq!(f.sqrt(0), 0);
        assert_eq!(f.sqrt(nar), nar);
        assert_eq!(f.sqrt(one), one);
        assert_eq!(f.sqrt(rnd(&f, Rational::from(4), NE)), rnd(&f, Rational::from(2), NE));
        assert_eq!(f.add(nar, one), nar);
        assert_eq!(f.add(one, nar), nar);
        assert_eq!(f.sub(nar, nar), nar);
        assert_eq!(f.mul(nar, 0), nar);
        assert_eq!(f.mul(0, nar), nar);
        assert_eq!(f.mul_add(one, one, nar), nar);
        assert_eq!(f.mul_add(nar, 0, 0), nar);
        assert_eq!(f.sub(one, one), 0, "{}: x - x", f.name());
        assert_eq!(f.add(one, m_one), 0);
        assert_eq!(f.mul(m_one, 0), 0, "{}: no negative zero", f.name());
        assert_eq!(f.mul(m_one, m_one), one);
        assert_eq!(f.mul_add(m_one, one, one), 0);
        assert_eq!(f.add(one, one), rnd(&f, Rational::from(2), NE));
        assert_eq!(f.from_f64(f64::NAN, NE), nar);
        assert_eq!(f.from_f64(f64::INFINITY, NE), nar);
        assert_eq!(f.from_f64(f64::NEG_INFINITY, TZ), nar);
        assert_eq!(f.from_f64(-0.0, NE), 0);
        assert_eq!(f.from_f64(0.0, UP), 0);
        assert_eq!(f.from_f64(1.0, NE), one);
        assert_eq!(f.from_f64(-1.0, NE), m_one);
        assert_eq!(f.round(&RefValue::Inf { neg: false }, NE, SAT), nar);
        assert_eq!(f.round(&RefValue::Zero { neg: true }, NE, SAT), 0);
        assert_eq!(f.round(&RefValue::Nan, NE, Overflow::NonSaturating), nar);
        // Overflow is ignored: posits saturate in both.
        assert_eq!(f.round(&num(f.maxpos() * 2u32), NE, Overflow::NonSaturating), f.maxpos_code());
        assert_eq!(f.negate(0), 0);
        assert_eq!(f.negate(nar), nar);
        assert_eq!(f.convert_to(nar, &p(8, 0), NE), 0x80);
        assert_eq!(f.to_i64(nar, NE), None);
        assert_eq!(f.round_float(&Float::with_val(64, f64::NAN), Ordering::Equal, NE), nar);
        assert_eq!(f.round_float(&Float::with_val(64, f64::INFINITY), Ordering::Equal, NE), nar);
    }
}

#[test]
fn round_float_uses_the_error_direction() {
    // posit<8,0>: tie between 0x40 = 1 and 0x41 = 1 + 1/32 at 1 + 1/64.
    let f = p(8, 0);
    let t = Float::with_val(64, 1.0 + 1.0 / 64.0);
    assert_eq!(f.round_float(&t, Ordering::Equal, NE), 0x40);
    assert_eq!(f.round_float(&t, Ordering::Greater, NE), 0x41);
    assert_eq!(f.round_float(&t, Ordering::Less, NE), 0x40);
    let mt = Float::with_val(64, -(1.0 + 1.0 / 64.0));
    // inexact_dir = sign(e - x): Less means e is more negative, |e| > |x|.
    assert_eq!(f.round_float(&mt, Ordering::Less, NE), 0xBF);
    assert_eq!(f.round_float(&mt, Ordering::Greater, NE), 0xC0);
    assert_eq!(f.round_float(&mt, Ordering::Equal, NE), 0xC0);
    // On a posit with an error: the directed modes see which side.
    let one = Float::with_val(64, 1.0);
    assert_eq!(f.round_float(&one, Ordering::Less, DN), 0x3F);
    assert_eq!(f.round_float(&one, Ordering::Greater, UP), 0x41);
    assert_eq!(f.round_float(&one, Ordering::Greater, TZ), 0x40);
    assert_eq!(f.round_float(&one, Ordering::Less, NE), 0x40);
    // A zero approximation of a nonzero value: ±minpos.
    let z = Float::new(64);
    assert_eq!(f.round_float(&z, Ordering::Equal, NE), 0);
    assert_eq!(f.round_float(&z, Ordering::Greater, TZ), 0x01);
    assert_eq!(f.round_float(&z, Ordering::Less, NE), 0xFF);
}

#[test]
fn twos_complement_negation_and_decoders_agree() {
    for n in 2..=12 {
        for es in 0..=4 {
            let f = p(n, es);
            for c in 0..=f.code_mask() {
                let v = f.value(c);
                assert_eq!(v, decode_str(n, es, u128::from(c)), "{} {}", f.name(), f.describe(c));
                let m = f.negate(c);
                assert_eq!(m, ((1u64 << n) - c) & f.code_mask());
                match v {
                    None => assert_eq!(m, c),
                    Some(x) => assert_eq!(f.value(m), Some(-x), "{} {}", f.name(), f.describe(c)),
                }
            }
        }
    }
    let mut rng = Rng(1);
    for (n, es) in [(16, 0), (16, 1), (16, 2), (31, 3), (32, 2), (32, 4), (33, 1), (48, 2), (63, 0), (64, 2), (64, 4)] {
        let f = p(n, es);
        for _ in 0..2000 {
            let c = rng.next() & f.code_mask();
            assert_eq!(f.value(c), decode_str(n, es, u128::from(c)), "{} {}", f.name(), f.describe(c));
            if let Some(x) = f.value(c) {
                assert_eq!(f.value(f.negate(c)), Some(-x));
            }
        }
    }
}

#[test]
fn order_is_twos_complement_integer_order() {
    for es in 0..=4 {
        for n in [5u32, 8] {
            let f = p(n, es);
            let signed = |c: u64| ((c << (64 - n)) as i64) >> (64 - n);
            for a in 0..=f.code_mask() {
                for b in 0..=f.code_mask() {
                    assert_eq!(f.compare(a, b), signed(a).cmp(&signed(b)), "{} {a:#x} {b:#x}", f.name());
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arithmetic against the brute force.
// ---------------------------------------------------------------------------------------------

#[test]
fn all_pairs_add_sub_mul_posit6_1_against_brute_force() {
    let (n, es) = (6, 1);
    let f = p(n, es);
    let b = Brute::new(n, es);
    // Whether value-space nearest would have answered differently (some posit other than
    // the result strictly closer to the exact value).
    let all: Vec<Rational> = (1..32usize).flat_map(|c| [b.vals[c].clone(), -b.vals[c].clone()]).collect();
    let value_space_differs = |exact: &Rational, code: u64| {
        let d = Rational::from(&val(&f, code) - exact).abs();
        *exact != 0 && all.iter().any(|o| Rational::from(o - exact).abs() < d)
    };
    let mut differs = 0;
    for x in 0..64u64 {
        for y in 0..64u64 {
            let (add, sub, mul) = match (b.value(x), b.value(y)) {
                (Some(vx), Some(vy)) => {
                    let exact = [Rational::from(&vx + &vy), Rational::from(&vx - &vy), Rational::from(&vx * &vy)];
                    let got = exact.clone().map(|e| b.nearest(&e));
                    for (e, g) in exact.iter().zip(got) {
                        if value_space_differs(e, g) {
                            differs += 1;
                        }
                    }
                    (got[0], got[1], got[2])
                }
                _ => (32, 32, 32),
            };
            assert_eq!(f.add(x, y), add, "{} + {}", f.describe(x), f.describe(y));
            assert_eq!(f.sub(x, y), sub, "{} - {}", f.describe(x), f.describe(y));
            assert_eq!(f.mul(x, y), mul, "{} * {}", f.describe(x), f.describe(y));
        }
    }
    // E.g. 2^-4 * 2^-3 = 2^-7: the tie between minpos 2^-8 and 2^-6 (0|00010|), which goes
    // to the even code 0x02 although 2^-8 is nearer in value.
    assert_eq!(f.mul(0x04, 0x06), 0x02);
    assert!(differs > 0, "posit<6,1> should exercise non-midpoint ties");
}

#[test]
fn all_triples_mul_add_posit5_1_single_rounding() {
    let (n, es) = (5, 1);
    let f = p(n, es);
    let b = Brute::new(n, es);
    let mut fused_differs = 0;
    for x in 0..32u64 {
        for y in 0..32u64 {
            for z in 0..32u64 {
                let want = match (b.value(x), b.value(y), b.value(z)) {
                    (Some(vx), Some(vy), Some(vz)) => b.nearest(&(vx * vy + vz)),
                    _ => 16,
                };
                let got = f.mul_add(x, y, z);
                assert_eq!(got, want, "fma({}, {}, {})", f.describe(x), f.describe(y), f.describe(z));
                if got != f.add(f.mul(x, y), z) {
                    fused_differs += 1;
                }
            }
        }
    }
    assert!(fused_differs > 0);
}

#[test]
fn div_through_mpfr_matches_exact_rational_division() {
    for (n, es) in [(6, 1), (8, 0), (8, 2), (7, 4)] {
        let f = p(n, es);
        let b = Brute::new(n, es);
        for x in 0..=f.code_mask() {
            for y in 0..=f.code_mask() {
                let want = match (b.value(x), b.value(y)) {
                    (Some(_), Some(vy)) if vy == 0 => f.nar(),
                    (Some(vx), Some(vy)) => b.nearest(&(vx / vy)),
                    _ => f.nar(),
                };
                assert_eq!(f.div(x, y), want, "{} / {}", f.describe(x), f.describe(y));
            }
        }
    }
    let mut rng = Rng(7);
    for (n, es) in [(16, 1), (32, 2), (64, 2), (64, 4)] {
        let f = p(n, es);
        for _ in 0..1000 {
            let (x, y) = (rng.next() & f.code_mask(), rng.next() & f.code_mask());
            let want = match (f.value(x), f.value(y)) {
                (Some(_), Some(vy)) if vy == 0 => f.nar(),
                (Some(vx), Some(vy)) => rnd(&f, vx / vy, NE),
                _ => f.nar(),
            };
            assert_eq!(f.div(x, y), want, "{} / {}", f.describe(x), f.describe(y));
        }
    }
}

/// Checks that `r` is the nearest-even (bit-string) rounding of `sqrt(x)` for `x > 0`,
/// without square roots: `tie(r - 1)^2 <= x <= tie(r)^2`, equality only for even `r`.
fn check_sqrt(f: &RefPosit, a: u64) {
    let x = val(f, a);
    let r = f.sqrt(a);
    let ctx = || format!("{}: sqrt({}) = {}", f.name(), f.describe(a), f.describe(r));
    assert!(r >= 1 && r <= f.maxpos_code(), "{}", ctx());
    if r > 1 {
        let t = f.tie_point(r - 1);
        let t2 = Rational::from(&t * &t);
        assert!(t2 < x || (t2 == x && r.is_multiple_of(2)), "{}", ctx());
    }
    if r < f.maxpos_code() {
        let t = f.tie_point(r);
        let t2 = Rational::from(&t * &t);
        assert!(x < t2 || (t2 == x && r.is_multiple_of(2)), "{}", ctx());
    }
}

#[test]
fn sqrt_is_correctly_rounded_on_the_bit_string() {
    for n in [3, 6, 8, 11] {
        for es in 0..=4 {
            let f = p(n, es);
            for a in 1..=f.maxpos_code() {
                check_sqrt(&f, a);
            }
        }
    }
    let mut rng = Rng(11);
    for (n, es) in [(16, 1), (32, 2), (32, 0), (64, 2), (64, 4)] {
        let f = p(n, es);
        for _ in 0..1000 {
            check_sqrt(&f, 1 + rng.next() % f.maxpos_code());
        }
        // Squares of posits with short fractions are exact.
        let three = rnd(&f, Rational::from(3), NE);
        assert_eq!(f.sqrt(rnd(&f, Rational::from(9), NE)), three, "{}", f.name());
    }
}

// ---------------------------------------------------------------------------------------------
// The three encoders agree.
// ---------------------------------------------------------------------------------------------

/// Probe values around the posits of `f`: every value of `posit<n+2, es>` (which contains
/// all posits of `f`, all their tie points and the points halfway in between), nudged up and
/// down, both signs.
fn dense_probes(f: &RefPosit) -> Vec<Rational> {
    let g = p(f.n() + 2, f.es());
    let mut out = Vec::new();
    for c in 1..=g.maxpos_code() {
        let v = val(&g, c);
        let eps = &v * p2(-80);
        for x in [Rational::from(&v - &eps), v.clone(), Rational::from(&v + &eps)] {
            out.push(-x.clone());
            out.push(x);
        }
    }
    out
}

/// Random probes for a large format: posits, tie points, and nudged versions of them, around
/// the codes next to minpos and maxpos (where exponent bits are cut off) and around random
/// codes.
fn random_probes(f: &RefPosit, rng: &mut Rng, count: usize) -> Vec<Rational> {
    let mut out = Vec::new();
    let max = f.maxpos_code();
    let mut extremes = (1..=6).chain(max - 6..max);
    while out.len() < count {
        let c = extremes.next().unwrap_or_else(|| 1 + rng.next() % (max - 1));
        let v = val(f, c);
        let t = f.tie_point(c);
        let between = &v + Rational::from(&t - &v) * Rational::from(rng.next() >> 11) * p2(-53);
        let eps = &t * p2(-150);
        for x in [v, Rational::from(&t - &eps), t.clone(), Rational::from(&t + &eps), between] {
            out.push(if rng.next() & 1 == 1 { -x } else { x });
        }
    }
    out
}

#[test]
fn encoders_agree_on_small_formats() {
    for n in 2..=9 {
        for es in 0..=4 {
            let f = p(n, es);
            let b = Brute::new(n, es);
            for x in dense_probes(&f) {
                let v = num(x.clone());
                for r in MODES {
                    let t = f.round_using(&v, r, PositEncoder::Table);
                    assert_eq!(f.round_using(&v, r, PositEncoder::Direct), t, "{} {x} {r:?}", f.name());
                    assert_eq!(f.round_using(&v, r, PositEncoder::Bisect), t, "{} {x} {r:?}", f.name());
                }
                assert_eq!(f.round_using(&v, NE, PositEncoder::Table), b.nearest(&x), "{} {x}", f.name());
            }
        }
    }
}

#[test]
fn encoders_agree_on_16_bits_and_beyond() {
    let mut rng = Rng(3);
    for es in 0..=4 {
        let f = p(16, es);
        for x in random_probes(&f, &mut rng, 3000) {
            let v = num(x.clone());
            for r in MODES {
                let t = f.round_using(&v, r, PositEncoder::Table);
                assert_eq!(f.round_using(&v, r, PositEncoder::Direct), t, "{} {x} {r:?}", f.name());
                assert_eq!(f.round_using(&v, r, PositEncoder::Bisect), t, "{} {x} {r:?}", f.name());
            }
        }
    }
    for (n, es) in [(17, 1), (24, 2), (32, 0), (32, 2), (32, 4), (64, 2), (64, 4)] {
        let f = p(n, es);
        for x in random_probes(&f, &mut rng, 1000) {
            let v = num(x.clone());
            for r in MODES {
                let d = f.round_using(&v, r, PositEncoder::Direct);
                assert_eq!(f.round_using(&v, r, PositEncoder::Bisect), d, "{} {x} {r:?}", f.name());
            }
        }
    }
}

#[test]
fn nearest_rounding_picks_around_random_ties_correctly() {
    // For a tie point t between c and c + 1: below -> c, above -> c + 1, on it -> even.
    let mut rng = Rng(5);
    for (n, es) in [(8, 2), (16, 1), (16, 2), (32, 2), (32, 3), (64, 2), (64, 4)] {
        let f = p(n, es);
        for _ in 0..500 {
            let c = 1 + rng.next() % (f.maxpos_code() - 1);
            let t = f.tie_point(c);
            assert!(val(&f, c) < t && t < val(&f, c + 1), "{}", f.name());
            let eps = &t * p2(-200);
            assert_eq!(rnd(&f, Rational::from(&t - &eps), NE), c, "{}", f.describe(c));
            assert_eq!(rnd(&f, Rational::from(&t + &eps), NE), c + 1, "{}", f.describe(c));
            assert_eq!(rnd(&f, t.clone(), NE), if c.is_multiple_of(2) { c } else { c + 1 }, "{}", f.describe(c));
            assert_eq!(rnd(&f, -t.clone(), NE), f.negate(if c.is_multiple_of(2) { c } else { c + 1 }));
            assert_eq!(rnd(&f, t.clone(), TZ), c);
            assert_eq!(rnd(&f, t.clone(), UP), c + 1);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips, conversions, integers, helpers.
// ---------------------------------------------------------------------------------------------

#[test]
fn random_posit32_round_trips() {
    let mut rng = Rng(42);
    let f = p(32, 2);
    let wide = p(64, 2);
    for i in 0..10_000 {
        let c = rng.next() & f.code_mask();
        let r = MODES[i % MODES.len()];
        let v = f.decode(c);
        assert_eq!(f.round(&v, r, SAT), c, "{} {r:?}", f.describe(c));
        if let Some(x) = v.to_rational() {
            let (fl, dir) = Float::with_val_round(128, &x, Round::Nearest);
            assert_eq!(dir, Ordering::Equal);
            assert_eq!(f.round_float(&fl, Ordering::Equal, r), c, "{}", f.describe(c));
        }
        // posit<64,2> holds every posit<32,2> exactly: there and back.
        let w = f.convert_to(c, &wide, r);
        assert_eq!(wide.value(w), f.value(c), "{}", f.describe(c));
        assert_eq!(wide.convert_to(w, &f, r), c, "{}", f.describe(c));
    }
    for es in [0, 1, 3, 4] {
        let f = p(32, es);
        for _ in 0..1000 {
            let c = rng.next() & f.code_mask();
            assert_eq!(f.round(&f.decode(c), NE, SAT), c, "{}", f.describe(c));
        }
    }
}

#[test]
fn conversions_by_hand() {
    // 1.0 everywhere.
    assert_eq!(p(16, 1).convert_to(0x4000, &p(8, 0), NE), 0x40);
    assert_eq!(p(8, 0).convert_to(0x40, &p(32, 2), NE), 0x4000_0000);
    // posit<8,0> maxpos 64 = 2^6 = 16^1 * 2^2 in posit<8,2>: 0|110|10|00 = 0x68.
    assert_eq!(p(8, 0).convert_to(0x7F, &p(8, 2), NE), 0x68);
    assert_eq!(val(&p(8, 2), 0x68), 64);
    // posit<8,2> maxpos 2^24 saturates in posit<8,0> (maxpos 64), in every mode.
    for r in MODES {
        assert_eq!(p(8, 2).convert_to(0x7F, &p(8, 0), r), 0x7F);
        assert_eq!(p(8, 2).convert_to(0x81, &p(8, 0), r), 0x81);
        assert_eq!(p(8, 2).convert_to(0x01, &p(8, 0), r), 0x01);
    }
    // Narrowing a posit<16,1> 1 + 2^-12 (0|10|0|000000000001) to posit<8,1>
    // (0|10|0|0000: ulp 1/16): far below the tie 1 + 1/32 -> 1.
    assert_eq!(val(&p(16, 1), 0x4001), Rational::from(1) + p2(-12));
    assert_eq!(p(16, 1).convert_to(0x4001, &p(8, 1), NE), 0x40);
    assert_eq!(p(16, 1).convert_to(0x4001, &p(8, 1), UP), 0x41);
}

#[test]
fn to_i64_by_hand() {
    let f = p(8, 0);
    assert_eq!(f.to_i64(0x50, NE), Some(2)); // 1.5 -> 2 (even)
    assert_eq!(f.to_i64(0x50, TZ), Some(1));
    assert_eq!(f.to_i64(0x64, NE), Some(2)); // 2.5 -> 2 (even)
    assert_eq!(f.to_i64(0x64, UP), Some(3));
    assert_eq!(f.to_i64(0x64, DN), Some(2));
    let m25 = f.negate(0x64);
    assert_eq!(f.to_i64(m25, NE), Some(-2));
    assert_eq!(f.to_i64(m25, DN), Some(-3));
    assert_eq!(f.to_i64(m25, UP), Some(-2));
    assert_eq!(f.to_i64(m25, TZ), Some(-2));
    assert_eq!(f.to_i64(0x7F, NE), Some(64));
    assert_eq!(f.to_i64(0x01, NE), Some(0));
    assert_eq!(f.to_i64(0x01, UP), Some(1));
    assert_eq!(f.to_i64(0xFF, DN), Some(-1));
    assert_eq!(f.to_i64(0x00, UP), Some(0));
    assert_eq!(f.to_i64(0x80, NE), None);
    // 2.5: frac 1/2, frac * 2^32 = 2^31.
    assert_eq!(f.to_i64(0x64, Rounding::Stochastic((1 << 31) - 1)), Some(3));
    assert_eq!(f.to_i64(0x64, Rounding::Stochastic(1 << 31)), Some(2));
    assert_eq!(f.to_i64(m25, Rounding::Stochastic(0)), Some(-3));
    assert_eq!(p(16, 1).to_i64(0x7FFF, NE), Some(1 << 28));
    assert_eq!(p(32, 2).to_i64(0x7FFF_FFFF, NE), None); // 2^120
    assert_eq!(p(32, 2).to_i64(0x8000_0001, NE), None); // -2^120
                                                        // 2^62 fits, 2^63 does not, -2^63 does.
    let g = p(64, 2);
    assert_eq!(g.to_i64(rnd(&g, p2(62), NE), NE), Some(1 << 62));
    assert_eq!(g.to_i64(rnd(&g, p2(63), NE), NE), None);
    assert_eq!(g.to_i64(rnd(&g, -p2(63), NE), NE), Some(i64::MIN));
}

#[test]
fn values_sorted_and_describe() {
    let f = p(8, 0);
    let v = f.values_sorted();
    assert_eq!(v.len(), 127);
    assert_eq!(v[0], (q(1, 64), 1));
    assert_eq!(v[126], (Rational::from(64), 0x7F));
    assert!(v.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 + 1 == w[1].1));
    assert_eq!(p(16, 1).values_sorted().len(), 0x7FFF);
    assert_eq!(p(2, 3).values_sorted(), &[(Rational::from(1), 1u64)]);

    let g = p(8, 2);
    assert_eq!(g.describe(0x50), "0x50 (0b0|10|10|000) = 4");
    assert_eq!(g.describe(0x7F), "0x7f (0b0|1111111||) = 16777216");
    assert_eq!(g.describe(0x7D), "0x7d (0b0|111110|1|) = 262144");
    assert_eq!(g.describe(0x80), "0x80 (0b10000000) = NaR");
    assert_eq!(g.describe(0x00), "0x00 (0b00000000) = 0");
    assert_eq!(g.describe(0xB0), "0xb0 (0b10110000 = -[0x50 0b0|10|10|000]) = -4");
    assert_eq!(f.describe(0x50), "0x50 (0b0|10||10000) = 1.5");
    assert!(p(32, 2).describe(1).contains("2^-120"));
    assert!(g.describe(0x1FF).contains("invalid"));
}
