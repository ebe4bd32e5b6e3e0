//! Result tables for posits of 8 bits or fewer (with `std`): `+`, `×` and `÷` of every pair of
//! codes and `√` of every code, built once per `posit<N, ES>` on first use (`OnceLock`) from the
//! exact path — `Exact` arithmetic and the one encoder, the same functions every wider posit's
//! results are checked against — so every entry is correct by construction (and
//! tests/posit_ref.rs checks every pair against MPFR). `a − b` reads `a + (−b)`.
//!
//! One table set is `3 · 2^16 + 2^8` bytes (≈ 192 KiB, allocated on first use); the pair index
//! is `a · 2^N + b`, so for N = 8 all of it is used and smaller N use the first `4^N` entries.
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
const SQRT: usize = 3 * PAIRS;
const LEN: usize = 3 * PAIRS + 256;

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
        t[SQRT + a as usize] = nearest(x.sqrt());
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

/// `√a` for a code of `posit<n, es>`.
#[inline(always)]
pub(crate) fn sqrt(a: u64, n: u32, es: u32) -> u64 {
    tables(n, es)[SQRT + (a & 0xff) as usize] as u64
}
