//! Shared pieces of the posit fuzz targets (`posit_ops`, `quire`): codes from fuzzer bytes,
//! rounding modes, Rust source for values, and the mismatch report with a ready-to-paste
//! regression test. Included with `#[path = "common/posit.rs"] mod posit_common;`.

#![allow(dead_code)] // each target uses a different subset

use lowp::reference::posit::RefPosit;
use lowp::Rounding;

/// Four bytes at `at` (zero-padded) as a little-endian `u32`.
pub fn u32_at(data: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    for (i, slot) in b.iter_mut().enumerate() {
        *slot = data.get(at + i).copied().unwrap_or(0);
    }
    u32::from_le_bytes(b)
}

/// A code of posit<n, _> from 32 fuzzer bits (the low `n` bits).
pub fn code_from(bits: u32, n: u32) -> u64 {
    u64::from(bits) & (u64::MAX >> (64 - n))
}

/// A rounding mode from a selector byte and 32 fuzzer-given random bits.
pub fn rounding(sel: u8, r: u32) -> Rounding {
    match sel % 5 {
        0 => Rounding::NearestEven,
        1 => Rounding::TowardZero,
        2 => Rounding::Up,
        3 => Rounding::Down,
        _ => Rounding::Stochastic(r),
    }
}

/// Rust source for a mode (`lowp::Rounding::Stochastic(123)`).
pub fn rounding_src(r: Rounding) -> String {
    format!("lowp::Rounding::{r:?}")
}

/// `0x1234` padded to the width of posit<n, _>.
pub fn hex(n: u32, code: u64) -> String {
    format!("{code:#0w$x}", w = n.div_ceil(4) as usize + 2)
}

/// `P::from_bits(0x1234)` (the regression test defines `type P = lowp::Posit<N, ES>`).
pub fn lit(n: u32, code: u64) -> String {
    format!("P::from_bits({})", hex(n, code))
}

/// A complete `#[test]` for posit<n, es> around `body` (statements, indented by the caller).
pub fn regression_test(n: u32, es: u32, body: &str) -> String {
    format!(
        "#[test]\nfn fuzz_regression() {{\n    #[allow(unused_imports)]\n    use lowp::LowpFloat;\n    \
         #[allow(dead_code)]\n    type P = lowp::Posit<{n}, {es}>;\n{body}}}"
    )
}

/// Panics with the standard mismatch report: what was computed, the inputs, both results
/// (already described, e.g. by [`RefPosit::describe`]) and a ready-to-paste regression test.
pub fn report(r: &RefPosit, what: &str, inputs: &[(String, String)], got: &str, want: &str, test: &str) -> ! {
    let mut msg = format!("\n=== lowp differential mismatch: {what} in {} ===\n", r.name());
    for (name, value) in inputs {
        msg += &format!("  {name:<9} = {value}\n");
    }
    msg += &format!("  library   = {got}\n");
    msg += &format!("  reference = {want}\n");
    msg += "ready-to-paste regression test (expected value from the MPFR reference):\n\n";
    msg += test;
    msg += "\n";
    panic!("{msg}");
}
