//! Integer posit kernels for `posit<n, es>` with 32 < n ≤ 64: the 64-bit twins of [`super::fast`]
//! — decode by a leading-bit count into 64-bit words, `+` on 128-bit aligned integers with a
//! sticky flag, one 64 × 64 → 128-bit multiply, one 128 / 64-bit division, an integer square
//! root of a 128-bit number — feeding the same encoder ([`super::encode_parts`]).
//!
//! Every kernel hands the encoder `(−1)^neg · (frac + ε) · 2^(scale − 62 + es)` with the leading
//! one of `frac` at bit 62 − es and `0 < ε < 1` exactly when `sticky` (`ε = 0` otherwise): every
//! bit of `frac` is exact, and `sticky` says whether anything below it is nonzero. A posit of
//! n ≤ 64 bits keeps at most n − 3 − es ≤ 61 − es fraction bits, so `frac` (62 − es bits below
//! its leading one) holds the kept bits and the rounding bit, and `sticky` the rest: that is
//! everything round-to-nearest-even on the bit string needs (the facts the exact path
//! ([`crate::exact`]) provides, so the results are the same bits; checked in the tests below
//! against that path, and against MPFR in tests/posit_ref.rs).

use super::fast::{add_special, add_special_inline, div_special, div_special_inline, mul_special, mul_special_inline};
use crate::format::Rounding;

/// The absolute value's n − 1 bits after the sign, left-aligned in 64 bits (the low 65 − n bits
/// zero); 0 exactly for the codes 0 and NaR.
#[inline(always)]
pub(crate) const fn abs_body(code: u64, n: u32) -> u64 {
    let c = code << (64 - n);
    let s = ((c as i64) >> 63) as u64;
    (c ^ s).wrapping_sub(s) << 1
}

/// Decode an absolute body ([`abs_body`]) into `(scale, sig)`: the value is
/// `sig · 2^(scale − 63)` with bit 63 of `sig` set (at most n − 3 − es ≤ 61 − es fraction bits
/// follow, so bits 0 ..= 1 + es are zero).
#[inline(always)]
pub(crate) const fn unpack(x: u64, es: u32) -> (i32, u64) {
    debug_assert!(x != 0);
    let ones = ((x as i64) >> 63) as u64;
    // The run: 1 ..= n − 1 ≤ 63 bits.
    let run = (x ^ ones).leading_zeros();
    let k = (run as i32).wrapping_neg() ^ ones as i32;
    let y = x << run;
    let e = if es == 0 { 0 } else { ((y >> (63 - es)) & ((1 << es) - 1)) as i32 };
    let sig = (y << es) | (1 << 63);
    ((k << es) + e, sig)
}

/// `a + b` for two codes of `posit<n, es>` (32 < n ≤ 64), nearest-even.
#[inline(always)]
pub(crate) fn add<const INLINE_SPECIAL: bool>(a: u64, b: u64, n: u32, es: u32) -> u64 {
    let (ba, bb) = (abs_body(a, n), abs_body(b, n));
    if ba == 0 || bb == 0 {
        return if INLINE_SPECIAL { add_special_inline(a, b, n) } else { add_special(a, b, n) };
    }
    let a_big = ba >= bb;
    let (big, small) = if a_big { (ba, bb) } else { (bb, ba) };
    let neg = (if a_big { a } else { b }) >> (n - 1) & 1 != 0;
    // All ones when the signs differ.
    let m = ((((a ^ b) << (64 - n)) as i64) >> 63) as i128 as u128;
    let (sa, xa) = unpack(big, es);
    let (sb, xb) = unpack(small, es);
    // Leading ones at bit 125 − es (a carry may reach 126 − es; bit 127 stays clear), and bits
    // 0 ..= 63 − es zero (those of the significands were).
    let x = (xa as u128) << (62 - es);
    let yf = (xb as u128) << (62 - es);
    // sa ≥ sb; a shift by 127 leaves 0 or −1.
    let d = ((sa - sb) as u32).min(127);
    // As in the 32-bit kernel: the smaller term signed and shifted arithmetically, so the sum
    // is the exact one truncated toward −∞ at the unit bit, and `lost` says the true value lies
    // strictly between it and it + 1. Bits are lost only for d ≥ 64 − es, where |y| < 2^62 and
    // x − |y| − 1 > 2^124 − es: at most one normalising bit, and the unit bit stays far below
    // the 64 bits of `frac`.
    let ys = (yf ^ m).wrapping_sub(m) as i128;
    let y = ys >> d;
    let lost = (y << d) != ys;
    let s = x.wrapping_add(y as u128);
    if s == 0 {
        return 0; // exact cancellation (never with a lost tail)
    }
    // The leading one (lz ≥ es + 1) moved to bit 126 − es: `frac` is the top 64 bits, the
    // rest (and a lost tail) the sticky flag.
    let lz = s.leading_zeros();
    let t = s << (lz - es - 1);
    let sticky = lost | (t as u64 != 0);
    super::encode_parts(neg, sa + 2 + es as i32 - lz as i32, (t >> 64) as u64, sticky, n, es, Rounding::NearestEven)
}

/// `a · b`, nearest-even: one exact 64 × 64 → 128-bit product.
#[inline(always)]
pub(crate) fn mul<const INLINE_SPECIAL: bool>(a: u64, b: u64, n: u32, es: u32) -> u64 {
    let (ba, bb) = (abs_body(a, n), abs_body(b, n));
    if ba == 0 || bb == 0 {
        return if INLINE_SPECIAL { mul_special_inline(a, b, n) } else { mul_special(a, b, n) };
    }
    let neg = (a ^ b) >> (n - 1) & 1 != 0;
    let (sa, xa) = unpack(ba, es);
    let (sb, xb) = unpack(bb, es);
    // In [2^126, 2^128), exact.
    let p = xa as u128 * xb as u128;
    let top = (p >> 127) as u32;
    // The leading one from bit 126 + top to 62 − es.
    let sh = 64 + es + top;
    let sticky = p << (128 - sh) != 0;
    super::encode_parts(neg, sa + sb + top as i32, (p >> sh) as u64, sticky, n, es, Rounding::NearestEven)
}

/// `a / b`, nearest-even (x/0 and NaR operands give NaR): one 128 / 64-bit division giving a
/// 63- or 64-bit quotient and an exact remainder.
#[inline(always)]
pub(crate) fn div<const INLINE_SPECIAL: bool>(a: u64, b: u64, n: u32, es: u32) -> u64 {
    let (ba, bb) = (abs_body(a, n), abs_body(b, n));
    if ba == 0 || bb == 0 {
        return if INLINE_SPECIAL { div_special_inline(a, b, n) } else { div_special(a, b, n) };
    }
    let neg = (a ^ b) >> (n - 1) & 1 != 0;
    let (sa, xa) = unpack(ba, es);
    let (sb, xb) = unpack(bb, es);
    // Dividend in [2^126, 2^127), divisor in [2^63, 2^64): q in (2^62, 2^64), so it fits 64 bits.
    let num = (xa as u128) << 63;
    let (q, r) = div_rem(num, xb);
    // q = (a / b) · 2^(sb − sa + 63), its top bit at 63 − lz (lz = 0 or 1); moved to 62 − es.
    let lz = q.leading_zeros();
    let sh = 1 + es - lz;
    let sticky = r != 0 || q & ((1 << sh) - 1) != 0;
    super::encode_parts(neg, sa - sb - lz as i32, q >> sh, sticky, n, es, Rounding::NearestEven)
}

/// `(num / d, num % d)` for a quotient that fits 64 bits (on x86-64 the runtime's 128-bit
/// division takes its one-`div` path for a 64-bit divisor).
#[inline(always)]
fn div_rem(num: u128, d: u64) -> (u64, u64) {
    debug_assert!((num >> 64) < d as u128);
    ((num / d as u128) as u64, (num % d as u128) as u64)
}

/// `√a`, nearest-even (NaR for NaR and negative operands).
#[inline(always)]
pub(crate) fn sqrt(a: u64, n: u32, es: u32) -> u64 {
    let nar = 1u64 << (n - 1);
    if a == 0 || a & nar != 0 {
        return if a == 0 { 0 } else { nar };
    }
    let (s, x) = unpack(a << (65 - n), es);
    // m · 2^(2h) = a with m in [2^126, 2^128); the root is in [2^63, 2^64).
    let m = (x as u128) << (63 + (s & 1) as u32);
    let (root, exact) = isqrt(m);
    let sticky = !exact || root << (63 - es) != 0;
    super::encode_parts(false, s >> 1, root >> (es + 1), sticky, n, es, Rounding::NearestEven)
}

/// `(⌊√m⌋, whether m is a perfect square)` for `m` in `[2^126, 2^128)`.
#[inline(always)]
fn isqrt(m: u128) -> (u64, bool) {
    #[cfg(feature = "std")]
    let r = {
        // An f64 estimate (relative error below 2^-51, so within 2^14 of √m), one Newton step
        // r0 + (m − r0²) / (2 r0) in f64 (the residual |m − r0²| < 2^80 and the step below
        // 2^15: its rounding error is far below 1/4, and the exact step exceeds √m − r0 by
        // less than 2^-35), then an exact fix-up of the last unit by integer comparisons.
        let r0 = (((m >> 64) as u64 as f64).sqrt() * 4294967296.0) as u64;
        let e = m.wrapping_sub(r0 as u128 * r0 as u128) as i128;
        // The residual without its last 16 bits (so that it converts from i64, not i128): an
        // error below 2^-47 in the step.
        let step = ((e >> 16) as i64 as f64 * (32768.0 / r0 as f64)).floor() as i64;
        // Now |r − ⌊√m⌋| ≤ 1, and ⌊√m⌋ < 2^64.
        let mut r = (r0 as u128).wrapping_add(step as i128 as u128).min(u64::MAX as u128);
        if r * r > m {
            r -= 1;
        }
        if r < u64::MAX as u128 && (r + 1) * (r + 1) <= m {
            r += 1;
        }
        r
    };
    #[cfg(not(feature = "std"))]
    let r = m.isqrt();
    debug_assert!(r == m.isqrt());
    (r as u64, r * r == m)
}

#[cfg(test)]
mod tests {
    //! The kernels against the exact path (`Exact` arithmetic, then `encode`): random pairs and
    //! edge pairs for every width from 33 to 64 bits that matters. The MPFR reference checks
    //! the public operators in tests/posit_ref.rs.
    use super::super::{decode, encode};
    use crate::format::Rounding;

    fn exact_op(op: u8, a: u64, b: u64, n: u32, es: u32) -> u64 {
        let (x, y) = (decode(a, n, es), decode(b, n, es));
        let v = match op {
            0 => x + y,
            1 => x * y,
            2 => x / y,
            _ => x.sqrt(),
        };
        encode(v, n, es, Rounding::NearestEven)
    }

    fn fast_op(op: u8, a: u64, b: u64, n: u32, es: u32) -> u64 {
        match op {
            0 => super::add::<false>(a, b, n, es),
            1 => super::mul::<false>(a, b, n, es),
            2 => super::div::<false>(a, b, n, es),
            _ => super::sqrt(a, n, es),
        }
    }

    fn check(a: u64, b: u64, n: u32, es: u32) {
        for op in 0..4 {
            let (want, got) = (exact_op(op, a, b, n, es), fast_op(op, a, b, n, es));
            assert_eq!(got, want, "posit<{n},{es}> op {op} ({a:#x}, {b:#x})");
        }
    }

    #[test]
    fn isqrt_is_exact() {
        let mut g = crate::rng::SplitMix64::new(0x5171);
        for _ in 0..200_000 {
            let m = ((g.next_u64() as u128) << 64 | g.next_u64() as u128) | 1 << 126;
            let (r, exact) = super::isqrt(m);
            assert_eq!(r as u128, m.isqrt(), "{m:#x}");
            assert_eq!(exact, (r as u128) * (r as u128) == m);
        }
        for r in [1u128 << 63, (1 << 64) - 1, 3 << 62, (1 << 63) + 1] {
            for m in [r * r, r * r - 1, r * r + 1] {
                if m >> 126 != 0 {
                    assert_eq!(super::isqrt(m).0 as u128, m.isqrt(), "{m:#x}");
                }
            }
        }
    }

    #[test]
    fn random_and_edge_pairs_33_to_64() {
        let mut g = crate::rng::SplitMix64::new(0x5eed64);
        for n in [33, 40, 48, 57, 63, 64] {
            let mask = u64::MAX >> (64 - n);
            let nar = 1u64 << (n - 1);
            let one = nar >> 1;
            let mut edges = [0u64; 50];
            let mut i = 0;
            for c in [0, nar, 1, nar - 1, one] {
                for d in [0u64, 1, 2, mask, mask - 1] {
                    edges[i] = c.wrapping_add(d) & mask;
                    edges[i + 1] = c.wrapping_add(d).wrapping_neg() & mask;
                    i += 2;
                }
            }
            for es in 0..=4 {
                for _ in 0..40_000 {
                    let (a, b) = (g.next_u64() & mask, g.next_u64() & mask);
                    check(a, b, n, es);
                    let c = b.wrapping_add(g.next_u64() & 0xff) & mask;
                    check(a, a.wrapping_neg().wrapping_add(g.next_u64() & 3) & mask, n, es);
                    check(b, c, n, es);
                    // Values near 1 (long fractions, ties on the last bit).
                    let (u, v) = ((one ^ (g.next_u64() >> 4)) & mask, (one ^ (g.next_u64() >> 4)) & mask);
                    check(u, v, n, es);
                }
                for &a in &edges {
                    for &b in &edges {
                        check(a, b, n, es);
                    }
                }
            }
        }
    }
}
