//! Integer posit kernels for every `posit<n, es>` with n ≤ 32: decode by a leading-bit count
//! into 32-bit words, `+ − × ÷ √` on the decoded integers (u64 alignment with a sticky flag,
//! one 32 × 32-bit multiply, one 64 / 32-bit division, an integer square root), and the one
//! encoder ([`super::encode_parts`]).
//!
//! Every kernel hands the encoder a value `(−1)^neg · (frac + ε) · 2^(scale − 62 + es)` with the
//! leading one of `frac` at bit 62 − es, and `ε = 0` when `sticky` is false. When `sticky` is
//! true, `ε` is known only to be nonzero and below `2^t`, where every bit of `frac` from `t` up
//! is exact and `t ≤ 31 − es`. A posit with n ≤ 32 keeps at most n − 3 − es ≤ 29 − es fraction
//! bits, so its rounding bit is bit 32 of `frac` or higher, above `t`: everything the encoder
//! needs (the kept bits, the first discarded bit, and whether anything below it is nonzero) is
//! determined, since `frac`'s bits below `t` are zero while `ε` is nonzero and cannot carry into
//! bit `t`. These are the facts the exact path ([`crate::exact`]) provides, so the results are
//! the same bits (checked in the tests below against that path, and against MPFR in
//! tests/posit_ref.rs).
//!
//! The special operands (0, NaR) leave each kernel through a `#[cold]` function (when the
//! kernel's `INLINE_SPECIAL` is false, as for the scalar operators). Without AVX2 it is kept
//! out of line, which keeps the compiler from vectorising a caller's loop over a
//! kernel: with SSE2 alone (no per-lane shifts, leading-zero counts or 32 × 32 → 64 products)
//! that vectorised loop is slower than the scalar one (posit32 `*`: 7.6 against 6.2 ns on
//! Zen 4). With AVX2 (`-C target-cpu=…`) it is inlined as selects, the kernels are
//! branch-free, and such loops vectorise: posit32 `+` 3.7 ns, `*` 2.4 ns there. The slice
//! operations of [`super::bulk`] get that at run time: they pass `INLINE_SPECIAL = true` (the
//! same special-case code, `#[inline(always)]`; the cold function only calls it) and compile
//! their loops again under `#[target_feature(enable = "avx2")]` and `"avx512f"`.

use crate::format::Rounding;

/// The absolute value's n − 1 bits after the sign, left-aligned in 32 bits (the low 33 − n bits
/// zero); 0 exactly for the codes 0 and NaR (its own negation). Magnitudes compare like these.
#[inline(always)]
pub(crate) const fn abs_body(code: u64, n: u32) -> u32 {
    let c = (code as u32) << (32 - n);
    let s = ((c as i32) >> 31) as u32;
    (c ^ s).wrapping_sub(s) << 1
}

/// Decode an absolute body ([`abs_body`]) into `(scale, sig)`: the value is
/// `sig · 2^(scale − 31)` with bit 31 of `sig` set (at most n − 3 ≤ 29 fraction bits follow,
/// so bits 0 and 1 are zero).
#[inline(always)]
pub(crate) const fn unpack(x: u32, es: u32) -> (i32, u32) {
    debug_assert!(x != 0);
    // All ones when the regime is a run of ones.
    let ones = ((x as i32) >> 31) as u32;
    // The run: 1 ..= n − 1 bits.
    let run = (x ^ ones).leading_zeros();
    // k = run − 1 for a run of ones, −run for a run of zeros.
    let k = (run as i32).wrapping_neg() ^ ones as i32;
    // Drop the regime (run ≤ 31 bits): the terminator is now bit 31 (or, when the regime fills
    // the word, everything is 0 — and so are the missing exponent and fraction bits).
    let y = x << run;
    let e = if es == 0 { 0 } else { ((y >> (31 - es)) & ((1 << es) - 1)) as i32 };
    // The fraction under the hidden bit, which replaces the exponent's last bit (or, for
    // es = 0, the terminator) at bit 31.
    let sig = (y << es) | (1 << 31);
    ((k << es) + e, sig)
}

/// `a + b` for two codes of `posit<n, es>` (n ≤ 32), nearest-even.
#[inline(always)]
pub(crate) fn add<const INLINE_SPECIAL: bool>(a: u64, b: u64, n: u32, es: u32) -> u64 {
    let (ba, bb) = (abs_body(a, n), abs_body(b, n));
    if ba == 0 || bb == 0 {
        // 0 or NaR
        return if INLINE_SPECIAL { add_special_inline(a, b, n) } else { add_special(a, b, n) };
    }
    // Put the larger magnitude first; the result has its sign.
    let a_big = ba >= bb;
    let (big, small) = if a_big { (ba, bb) } else { (bb, ba) };
    let neg = (if a_big { a } else { b }) >> (n - 1) & 1 != 0;
    // All ones when the signs differ.
    let m = (((((a ^ b) as u32) << (32 - n)) as i32) >> 31) as i64 as u64;
    let (sa, xa) = unpack(big, es);
    let (sb, xb) = unpack(small, es);
    // Leading ones at bit 61 − es (one bit of headroom for a carry into 62 − es); at most 30
    // significant bits each, so bits 0..=31 − es are zero.
    let x = (xa as u64) << (30 - es);
    let yf = (xb as u64) << (30 - es);
    // sa ≥ sb; a shift by 63 leaves 0 or −1 (bit 63 of yf is 0).
    let d = ((sa - sb) as u32).min(63);
    // The smaller term signed (negated when the signs differ), aligned by an arithmetic shift:
    // ⌊±yf / 2^d⌋. When bits are lost that is ⌊yf / 2^d⌋ for the same signs and
    // −(⌊yf / 2^d⌋ + 1) for different ones, so the sum is the exact one truncated toward −∞ at
    // the unit bit — the true value lies strictly between it and it + 1 there, which the sticky
    // flag says. Same signs: 2^(61 − es) ≤ x + y < 2^(63 − es). Different: x ≥ y, so the sum is
    // ≥ 0; a lost tail only when d ≥ 33 − es, where y < 2^30 and x − y − 1 > 2^(60 − es), so
    // at most two normalising bits (t ≤ 2); cancellation beyond that loses nothing.
    let ys = (yf ^ m).wrapping_sub(m) as i64;
    let y = ys >> d;
    let lost = (y << d) != ys;
    let s = x.wrapping_add(y as u64);
    if s == 0 {
        return 0; // exact cancellation (never with a lost tail)
    }
    // The leading one (lz ≥ es + 1) from bit 63 − lz to 62 − es.
    let lz = s.leading_zeros();
    super::encode_parts(neg, sa + 2 + es as i32 - lz as i32, s << (lz - es - 1), lost, n, es, Rounding::NearestEven)
}

#[cold]
#[cfg_attr(not(target_feature = "avx2"), inline(never))]
pub(super) fn add_special(a: u64, b: u64, n: u32) -> u64 {
    add_special_inline(a, b, n)
}

#[inline(always)]
pub(super) fn add_special_inline(a: u64, b: u64, n: u32) -> u64 {
    let nar = 1u64 << (n - 1);
    if a == nar || b == nar {
        nar
    } else if a == 0 {
        b
    } else {
        a
    }
}

/// `a · b`, nearest-even: one exact 32 × 32-bit product.
#[inline(always)]
pub(crate) fn mul<const INLINE_SPECIAL: bool>(a: u64, b: u64, n: u32, es: u32) -> u64 {
    let (ba, bb) = (abs_body(a, n), abs_body(b, n));
    if ba == 0 || bb == 0 {
        // 0 or NaR
        return if INLINE_SPECIAL { mul_special_inline(a, b, n) } else { mul_special(a, b, n) };
    }
    let neg = (a ^ b) >> (n - 1) & 1 != 0;
    let (sa, xa) = unpack(ba, es);
    let (sb, xb) = unpack(bb, es);
    // Both in [2^31, 2^32) with bits 0 and 1 zero: the product is in [2^62, 2^64), exact, with
    // bits 0..=3 zero.
    let p = xa as u64 * xb as u64;
    let top = (p >> 63) as u32;
    // The leading one from bit 62 + top to 62 − es: the es + top bits shifted out are zero
    // for es + top ≤ 4.
    let sh = es + top;
    let sticky = if es <= 3 { false } else { p << (64 - sh) != 0 };
    super::encode_parts(neg, sa + sb + top as i32, p >> sh, sticky, n, es, Rounding::NearestEven)
}

#[cold]
#[cfg_attr(not(target_feature = "avx2"), inline(never))]
pub(super) fn mul_special(a: u64, b: u64, n: u32) -> u64 {
    mul_special_inline(a, b, n)
}

#[inline(always)]
pub(super) fn mul_special_inline(a: u64, b: u64, n: u32) -> u64 {
    let nar = 1u64 << (n - 1);
    if a == nar || b == nar {
        nar
    } else {
        0
    }
}

/// `a / b`, nearest-even (x/0 and NaR operands give NaR): one 64 / 32-bit integer division
/// giving at least 32 quotient bits and an exact remainder.
#[inline(always)]
pub(crate) fn div<const INLINE_SPECIAL: bool>(a: u64, b: u64, n: u32, es: u32) -> u64 {
    let (ba, bb) = (abs_body(a, n), abs_body(b, n));
    if ba == 0 || bb == 0 {
        // 0 or NaR
        return if INLINE_SPECIAL { div_special_inline(a, b, n) } else { div_special(a, b, n) };
    }
    let neg = (a ^ b) >> (n - 1) & 1 != 0;
    let (sa, xa) = unpack(ba, es);
    let (sb, xb) = unpack(bb, es);
    // Dividend in [2^63, 2^64), divisor in [2^31, 2^32): q in (2^31, 2^33). Its unit bit lands
    // at bit 29 − es or 30 − es of `frac` (t = that), below the rounding bit (≥ 32).
    let num = (xa as u64) << 32;
    let d = xb as u64;
    let q = num / d;
    let r = num % d;
    // num / d = (a / b) · 2^(sb − sa + 32), and q's top bit is 63 − lz (lz = 30 or 31).
    let lz = q.leading_zeros();
    super::encode_parts(neg, sa - sb + 31 - lz as i32, q << (lz - es - 1), r != 0, n, es, Rounding::NearestEven)
}

#[cold]
#[cfg_attr(not(target_feature = "avx2"), inline(never))]
pub(super) fn div_special(a: u64, b: u64, n: u32) -> u64 {
    div_special_inline(a, b, n)
}

#[inline(always)]
pub(super) fn div_special_inline(a: u64, b: u64, n: u32) -> u64 {
    let nar = 1u64 << (n - 1);
    if a == nar || b == nar || b == 0 {
        nar
    } else {
        0
    }
}

/// `√a`, nearest-even (NaR for NaR and negative operands).
#[inline(always)]
pub(crate) fn sqrt(a: u64, n: u32, es: u32) -> u64 {
    let nar = 1u64 << (n - 1);
    if a == 0 || a & nar != 0 {
        return if a == 0 { 0 } else { nar }; // 0, NaR or negative
    }
    let (s, x) = unpack((a as u32) << (33 - n), es);
    // m · 2^(2h) = a with m in [2^62, 2^64): m = x · 2^32 when s is odd (x · 2^(s − 31),
    // s − 31 even), else x · 2^31. The root is in [2^31, 2^32); its unit bit lands at bit
    // 31 − es of `frac` (t = that), below the rounding bit.
    let m = (x as u64) << (31 + (s & 1) as u32);
    let (root, exact) = isqrt(m);
    super::encode_parts(false, s >> 1, root << (31 - es), !exact, n, es, Rounding::NearestEven)
}

/// `(⌊√m⌋, whether m is a perfect square)` for `m` in `[2^62, 2^64)` with at most 31
/// significant bits.
#[inline(always)]
fn isqrt(m: u64) -> (u64, bool) {
    #[cfg(feature = "std")]
    let r = {
        // An estimate, corrected exactly. m has at most 31 significant bits, so `m as f64` is
        // exact, and the IEEE square root is correctly rounded, hence monotone: ⌊√m⌋ ≤ √m <
        // ⌊√m⌋ + 1 are f64 integers, so ⌊√m⌋ ≤ sqrt(m) ≤ ⌊√m⌋ + 1 and the truncation r0 is
        // ⌊√m⌋ or ⌊√m⌋ + 1. The exact integer test r0² > m tells which.
        let r0 = (m as f64).sqrt() as u64;
        r0 - ((r0 as u128 * r0 as u128) > m as u128) as u64
    };
    #[cfg(not(feature = "std"))]
    let r = m.isqrt();
    (r, r * r == m)
}

#[cfg(test)]
mod tests {
    //! The kernels against the exact path (`Exact` arithmetic, then `encode`) — every pair for
    //! n ≤ 8 (every es ≤ 4), random pairs and edge pairs beyond. The MPFR reference checks the
    //! public operators in tests/posit_ref.rs; these also cover the kernels that the tables
    //! hide under `std`.
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
    fn every_pair_up_to_8_bits() {
        for n in 2..=8 {
            for es in 0..=4 {
                for a in 0..1u64 << n {
                    for b in 0..1u64 << n {
                        check(a, b, n, es);
                    }
                }
            }
        }
    }

    #[test]
    fn random_and_edge_pairs_wider() {
        let mut g = crate::rng::SplitMix64::new(0x5eed);
        for n in [9, 12, 16, 20, 24, 31, 32] {
            let mask = u64::MAX >> (64 - n);
            let nar = 1u64 << (n - 1);
            let one = nar >> 1;
            // No allocation: these tests also run without `std`.
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
                for _ in 0..100_000 {
                    let (a, b) = (g.next_u64() & mask, g.next_u64() & mask);
                    check(a, b, n, es);
                    // Near operands: cancellation in add/sub.
                    let c = b.wrapping_add(g.next_u64() & 0xff) & mask;
                    check(a, a.wrapping_neg().wrapping_add(g.next_u64() & 3) & mask, n, es);
                    check(b, c, n, es);
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
