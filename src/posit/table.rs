//! Result tables for posits of 8 bits or fewer (with `std`), so that `+ − × ÷ √` are one load.
//!
//! * `×`, `÷` (every pair of codes) and `√` (every code) are built at compile time, one
//!   associated constant per `posit<N, ES>` ([`mul_div_table`], [`sqrt_table`]): no lazy
//!   initialisation to check on every call. They are built from the definition, independently
//!   of the encoder: the bit-string tie points as (N+1)-bit posits, and exact integer
//!   comparisons of the result with them (`x·y` vs `t`, `x` vs `t·y`, `x` vs `t²`) in a binary
//!   search. The tests below check every entry of every N ≤ 8, ES ≤ 4 against the exact path,
//!   and tests/posit_ref.rs every pair against MPFR.
//! * `+` is built once per `posit<N, ES>` on first use (`OnceLock`, 64 KiB) from the exact path
//!   — `Exact` arithmetic and the one encoder — so every entry is correct by construction.
//!   `a − b` reads `a + (−b)`.
//!
//! The pair index is `a · 2^N + b`, so for N = 8 a table is 64 KiB and smaller N use the first
//! `4^N` entries.
//!
//! Without `std` (no `OnceLock`, possibly no allocator) the integer kernels of
//! [`super::fast`] compute the same results directly.

use std::boxed::Box;
use std::sync::OnceLock;
use std::vec;

use super::{decode, encode};
use crate::format::Rounding;

const PAIRS: usize = 1 << 16;
pub(crate) const ADD: usize = 0;
const LEN: usize = PAIRS;

type Tables = Box<[u8; LEN]>;

/// One slot per (N, ES) with 2 ≤ N ≤ 8, ES ≤ 4.
static SLOTS: [OnceLock<Tables>; 7 * 5] = [const { OnceLock::new() }; 7 * 5];

#[inline(always)]
fn tables(n: u32, es: u32) -> &'static [u8; LEN] {
    let slot = ((n - 2) * 5 + es) as usize;
    match SLOTS[slot].get() {
        Some(t) => t,
        None => init(slot, n, es),
    }
}

#[cold]
#[inline(never)]
fn init(slot: usize, n: u32, es: u32) -> &'static [u8; LEN] {
    SLOTS[slot].get_or_init(|| build(n, es))
}

fn build(n: u32, es: u32) -> Tables {
    let mut t: Tables = vec![0u8; LEN].into_boxed_slice().try_into().expect("table length");
    let count = 1u64 << n;
    let nearest = |v| encode(v, n, es, Rounding::NearestEven) as u8;
    for a in 0..count {
        let x = decode(a, n, es);
        for b in 0..count {
            let y = decode(b, n, es);
            let i = ((a << n) | b) as usize;
            t[ADD + i] = nearest(x + y);
        }
    }
    t
}

/// The entry of table `op` (`ADD`) for the codes `a`, `b` of `posit<n, es>`.
#[inline(always)]
pub(crate) fn binary(op: usize, a: u64, b: u64, n: u32, es: u32) -> u64 {
    let mask = (1u64 << n) - 1;
    // < 4^n ≤ 2^16: in bounds of every table.
    let i = (((a & mask) << n) | (b & mask)) as usize;
    tables(n, es)[op + i] as u64
}

/// `√a` for a code of `posit<N, ES>` (N ≤ 8).
#[inline(always)]
pub(crate) fn sqrt<const N: u32, const ES: u32>(a: u64) -> u64 {
    SqrtTable::<N, ES>::TABLE[(a & 0xff) as usize] as u64
}

struct SqrtTable<const N: u32, const ES: u32>;
impl<const N: u32, const ES: u32> SqrtTable<N, ES> {
    const TABLE: &'static [u8; 256] = &sqrt_table(if N <= 8 { N } else { 8 }, ES);
}

/// `|value|` of a nonzero, non-NaR code of `posit<n, es>` (n ≤ 32) as `(lead, sig)`: the leading
/// one's exponent and the significand left-aligned in 64 bits.
const fn magnitude(code: u64, n: u32, es: u32) -> (i32, u64) {
    let (scale, sig) = super::fast::unpack(super::fast::abs_body(code, n), es);
    (scale, (sig as u64) << 32)
}

/// Does the square root of the positive value `v` (as [`magnitude`]) exceed the tie point `t`
/// (also as [`magnitude`]), equal it, or stay below? Compares `v` with `t²` exactly.
const fn cmp_sqrt(v: (i32, u64), t: (i32, u64)) -> i32 {
    // t² = (t.1 / 2^63)² · 2^(2 t.0): 64-bit significands with at most 32 significant bits.
    let sq = (t.1 >> 32) * (t.1 >> 32); // in [2^62, 2^64)
    let top = (sq >> 63) as i32;
    let lead = 2 * t.0 + top;
    if v.0 != lead {
        return if v.0 > lead { 1 } else { -1 };
    }
    let sq = sq << (1 - top);
    if v.1 > sq {
        1
    } else if v.1 < sq {
        -1
    } else {
        0
    }
}

/// `√` of every code of `posit<n, es>` (n ≤ 8), by definition: for a positive code, the smallest
/// positive code `c` whose upper bit-string tie point — the (n+1)-bit posit `2c + 1` — is at
/// least the root (maxpos when there is none), moved to `c + 1` when the root is that tie and
/// `c` is odd (ties to even). 0 gives 0; NaR and negative codes give NaR.
pub(crate) const fn sqrt_table(n: u32, es: u32) -> [u8; 256] {
    let mut t = [0u8; 256];
    let nar = 1u64 << (n - 1);
    let maxpos = nar - 1;
    let mut a = 1;
    while a < 1u64 << n {
        t[a as usize] = if a >= nar {
            nar as u8
        } else {
            let v = magnitude(a, n, es);
            // Binary search: the smallest c in 1 ..= maxpos with √v ≤ tie(c), where
            // tie(maxpos) = +∞.
            let (mut lo, mut hi) = (1, maxpos);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if cmp_sqrt(v, magnitude(2 * mid + 1, n + 1, es)) > 0 {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let on_tie = lo < maxpos && cmp_sqrt(v, magnitude(2 * lo + 1, n + 1, es)) == 0;
            let r = if on_tie && lo % 2 == 1 { lo + 1 } else { lo };
            r as u8
        };
        a += 1;
    }
    t
}

/// Stride of the magnitude tables: magnitudes `0 ..= 2^(N−1)` (the last is NaR's).
const STRIDE: usize = 129;

/// `a · b` (`DIV` false) or `a / b` (`DIV` true) for codes of `posit<N, ES>` (N ≤ 8), from a
/// table built at compile time ([`mul_div_table`]): no lazy initialisation to check per call.
#[inline(always)]
pub(crate) fn mul_div<const N: u32, const ES: u32, const DIV: bool>(a: u64, b: u64) -> u64 {
    let mask = (1u64 << N) - 1;
    // < 4^N ≤ 2^16: in bounds.
    let i = (((a & mask) << N) | (b & mask)) as usize;
    MulDivTable::<N, ES, DIV>::TABLE[i] as u64
}

struct MulDivTable<const N: u32, const ES: u32, const DIV: bool>;
impl<const N: u32, const ES: u32, const DIV: bool> MulDivTable<N, ES, DIV> {
    const TABLE: &'static [u8; PAIRS] = &signed_table(if N <= 8 { N } else { 8 }, ES, DIV);
}

/// [`mul_div_table`] for every pair of codes (index `a · 2^n + b`): both operations are odd in
/// each operand, and 0 and NaR are their own negations.
const fn signed_table(n: u32, es: u32, div: bool) -> [u8; PAIRS] {
    let m = mul_div_table(n, es, div);
    let mask = (1u64 << n) - 1;
    let mut t = [0u8; PAIRS];
    let mut a = 0;
    while a <= mask {
        let mut b = 0;
        while b <= mask {
            let (sa, sb) = (a >> (n - 1) == 1, b >> (n - 1) == 1);
            let ma = if sa { a.wrapping_neg() & mask } else { a };
            let mb = if sb { b.wrapping_neg() & mask } else { b };
            let r = m[(ma * STRIDE as u64 + mb) as usize] as u64;
            t[((a << n) | b) as usize] = (if sa != sb { r.wrapping_neg() & mask } else { r }) as u8;
            b += 1;
        }
        a += 1;
    }
    t
}

/// The sign of `l − p·q` for magnitudes as [`magnitude`] gives them (exact).
const fn cmp_prod(l: (i32, u64), p: (i32, u64), q: (i32, u64)) -> i32 {
    let pq = (p.1 >> 32) * (q.1 >> 32); // in [2^62, 2^64)
    let top = (pq >> 63) as i32;
    let lead = p.0 + q.0 + top;
    if l.0 != lead {
        return if l.0 > lead { 1 } else { -1 };
    }
    let pq = pq << (1 - top);
    if l.1 > pq {
        1
    } else if l.1 < pq {
        -1
    } else {
        0
    }
}

/// `|a| · |b|` or `|a| / |b|` for every pair of magnitude codes `0 ..= 2^(n−1)` of
/// `posit<n, es>` (n ≤ 8; index `|a| · 129 + |b|`), by definition as for [`sqrt_table`]: the
/// smallest positive code whose upper bit-string tie point (an (n+1)-bit posit) is at least the
/// exact result (maxpos when there is none: saturation), moved up by one when the result is
/// exactly that tie and the code is odd (ties to even); the exact result is never formed, only
/// compared (`x·y` vs `t`, `x` vs `t·y`). NaR operands and `x / 0` give NaR; other zeros
/// give 0; a nonzero result never rounds to 0.
pub(crate) const fn mul_div_table(n: u32, es: u32, div: bool) -> [u8; STRIDE * STRIDE] {
    let half = 1u64 << (n - 1);
    let maxpos = half - 1;
    let mut val = [(0i32, 0u64); 128];
    let mut tie = [(0i32, 0u64); 128];
    let mut c = 1;
    while c <= maxpos {
        val[c as usize] = magnitude(c, n, es);
        if c < maxpos {
            tie[c as usize] = magnitude(2 * c + 1, n + 1, es);
        }
        c += 1;
    }
    // The sign of (exact result − tie[c]).
    const fn cmp(div: bool, x: (i32, u64), y: (i32, u64), t: (i32, u64)) -> i32 {
        if div {
            cmp_prod(x, t, y)
        } else {
            -cmp_prod(t, x, y)
        }
    }
    let mut t = [0u8; STRIDE * STRIDE];
    let mut x = 0;
    while x <= half {
        let mut y = 0;
        while y <= half {
            let r = if x == half || y == half || (div && y == 0) {
                half
            } else if x == 0 || y == 0 {
                0
            } else {
                let (vx, vy) = (val[x as usize], val[y as usize]);
                let (mut lo, mut hi) = (1, maxpos);
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if cmp(div, vx, vy, tie[mid as usize]) > 0 {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                let on_tie = lo < maxpos && cmp(div, vx, vy, tie[lo as usize]) == 0;
                if on_tie && lo % 2 == 1 {
                    lo + 1
                } else {
                    lo
                }
            };
            t[(x * STRIDE as u64 + y) as usize] = r as u8;
            y += 1;
        }
        x += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::super::{decode, encode};
    use crate::format::Rounding;

    #[test]
    fn mul_div_tables_are_the_exact_path() {
        for n in 2..=8 {
            for es in 0..=4 {
                let (tm, td) = (super::mul_div_table(n, es, false), super::mul_div_table(n, es, true));
                let (sm, sd) = (super::signed_table(n, es, false), super::signed_table(n, es, true));
                for a in 0..1u64 << n {
                    for b in 0..1u64 << n {
                        let (x, y) = (decode(a, n, es), decode(b, n, es));
                        let want_m = encode(x * y, n, es, Rounding::NearestEven);
                        let want_d = encode(x / y, n, es, Rounding::NearestEven);
                        let mask = (1u64 << n) - 1;
                        let (sa, sb) = (a >> (n - 1) & 1 == 1, b >> (n - 1) & 1 == 1);
                        let ma = if sa { a.wrapping_neg() & mask } else { a };
                        let mb = if sb { b.wrapping_neg() & mask } else { b };
                        let fix = |r: u8| if sa != sb { (r as u64).wrapping_neg() & mask } else { r as u64 };
                        let i = (ma * 129 + mb) as usize;
                        assert_eq!(fix(tm[i]), want_m, "posit<{n},{es}> {a:#x} * {b:#x}");
                        assert_eq!(fix(td[i]), want_d, "posit<{n},{es}> {a:#x} / {b:#x}");
                        let j = ((a << n) | b) as usize;
                        assert_eq!(sm[j] as u64, want_m, "posit<{n},{es}> {a:#x} * {b:#x} (signed)");
                        assert_eq!(sd[j] as u64, want_d, "posit<{n},{es}> {a:#x} / {b:#x} (signed)");
                    }
                }
            }
        }
    }

    #[test]
    fn sqrt_table_is_the_exact_path() {
        for n in 2..=8 {
            for es in 0..=4 {
                let t = super::sqrt_table(n, es);
                for a in 0..1u64 << n {
                    let want = encode(decode(a, n, es).sqrt(), n, es, Rounding::NearestEven);
                    assert_eq!(t[a as usize] as u64, want, "posit<{n},{es}> sqrt {a:#x}");
                }
            }
        }
    }
}
