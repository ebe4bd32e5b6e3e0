//! Result tables for posits of 8 bits or fewer (with `std`): `+`, `×` and `÷` of every pair of
//! codes and `√` of every code, built once per `posit<N, ES>` on first use (`OnceLock`) from the
//! exact path — `Exact` arithmetic and the one encoder, the same functions every wider posit's
//! results are checked against — so every entry is correct by construction (and
//! tests/posit_ref.rs checks every pair against MPFR). `a − b` reads `a + (−b)`.
//!
//! One table set is `3 · 2^16` bytes (192 KiB, allocated on first use); the pair index is
//! `a · 2^N + b`, so for N = 8 all of it is used and smaller N use the first `4^N` entries.
//!
//! `√` reads a 256-byte table built at compile time ([`sqrt_table`], an associated constant per
//! `posit<N, ES>`): no lazy initialisation to check on every call. It is built from the
//! definition — the bit-string tie points as (N+1)-bit posits, exact integer comparisons of
//! squares — and checked below against the exact path for every code of every N ≤ 8, ES ≤ 4.
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
pub(crate) const MUL: usize = PAIRS;
pub(crate) const DIV: usize = 2 * PAIRS;
const LEN: usize = 3 * PAIRS;

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
            t[MUL + i] = nearest(x * y);
            t[DIV + i] = nearest(x / y);
        }
    }
    t
}

/// The entry of table `op` (`ADD`, `MUL` or `DIV`) for the codes `a`, `b` of `posit<n, es>`.
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

#[cfg(test)]
mod tests {
    use super::super::{decode, encode};
    use crate::format::Rounding;

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
