//! Shared pieces of the differential fuzz targets: format dispatch, the reference lookup, the
//! NaN-by-class comparison, and the ready-to-paste regression test in every failure message.

#![allow(dead_code)] // each target uses a different subset

use lowp::reference::{describe, ref_format, RefFormat};
use lowp::{LowpFloat, Overflow, Rounding};

/// Number of formats [`dispatch!`] chooses among.
pub const NUM_FORMATS: u8 = 10;

/// Calls `$f::<lowp::Ty>("Ty", args…)` for the format picked by `$sel % 10` (a `u8`), so a
/// check is written once as a generic function `fn f<T: LowpFloat<Bits = u8>>(ty: &str, …)`.
/// The order is the one of `all_ref_formats()` / notes/SEMANTICS.md.
macro_rules! dispatch {
    ($sel:expr, $f:ident($($arg:expr),* $(,)?)) => {
        dispatch!(@table $sel, $f, ($($arg),*);
            0 Float8E4M3FN, 1 Float8E5M2, 2 Float8E4M3FNUZ, 3 Float8E5M2FNUZ,
            4 Float8E4M3B11FNUZ, 5 Float8E4M3, 6 Float6E2M3FN, 7 Float6E3M2FN,
            8 Float4E2M1FN, 9 Float8E8M0FNU)
    };
    (@table $sel:expr, $f:ident, $args:tt; $($i:literal $ty:ident),*) => {
        match ($sel) % $crate::common::NUM_FORMATS {
            $($i => dispatch!(@call $f, $ty, $args),)*
            _ => unreachable!(),
        }
    };
    (@call $f:ident, $ty:ident, ($($arg:expr),*)) => {
        $f::<lowp::$ty>(stringify!($ty), $($arg),*)
    };
}
pub(crate) use dispatch;

/// The reference description of `T`.
pub fn reference<T: LowpFloat>() -> &'static RefFormat {
    ref_format(T::NAME).unwrap_or_else(|| panic!("no reference format named {}", T::NAME))
}

/// The code of a library value, as the reference numbers codes.
pub fn code<T: LowpFloat<Bits = u8>>(v: T) -> u32 {
    u32::from(v.to_bits())
}

/// A code of `T` taken from a fuzzer byte (the low `BITS` bits).
pub fn code_from_byte<T: LowpFloat>(b: u8) -> u32 {
    u32::from(b) & ((1u32 << T::BITS) - 1)
}

/// Same result? NaN codes compare by class (any NaN code matches any NaN code), everything
/// else bit for bit (so the sign of zero and the sign of infinity count).
pub fn agree(rf: &RefFormat, got: u32, want: u32) -> bool {
    if rf.is_nan_code(want) {
        got < rf.num_codes() && rf.is_nan_code(got)
    } else {
        got == want
    }
}

/// `lowp::Ty::from_bits(0x12)`.
pub fn lit(ty: &str, code: u32) -> String {
    format!("lowp::{ty}::from_bits({code:#04x})")
}

/// The assertion of a regression test: `expr` (a value of the format) must give `want`.
pub fn assertion(rf: &RefFormat, expr: &str, want: u32) -> String {
    if rf.is_nan_code(want) {
        format!("assert!({expr}.is_nan());")
    } else {
        format!("assert_eq!({expr}.to_bits(), {want:#04x});")
    }
}

/// A complete `#[test]` around one assertion.
pub fn regression_test(assertion: &str) -> String {
    format!(
        "#[test]\nfn fuzz_regression() {{\n    #[allow(unused_imports)]\n    use lowp::LowpFloat;\n    {assertion}\n}}"
    )
}

/// Panics with the standard mismatch report: what was computed, the inputs, both results
/// (via the reference's `describe`) and a ready-to-paste regression test.
pub fn report(rf: &RefFormat, what: &str, inputs: &[(String, String)], got: u32, want: u32, assertion: &str) -> ! {
    let mut msg = format!("\n=== lowp differential mismatch: {what} in {} ===\n", rf.name());
    for (name, value) in inputs {
        msg += &format!("  {name:<9} = {value}\n");
    }
    msg += &format!("  library   = {}\n", describe(rf, got));
    msg += &format!("  reference = {}\n", describe(rf, want));
    msg += "ready-to-paste regression test (expected value from the MPFR reference):\n\n";
    msg += &regression_test(assertion);
    msg += "\n";
    panic!("{msg}");
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

/// An overflow mode from the low bit of a byte.
pub fn overflow(sel: u8) -> Overflow {
    if sel & 1 == 0 {
        Overflow::NonSaturating
    } else {
        Overflow::Saturating
    }
}

/// Rust source for a mode (`lowp::Rounding::Stochastic(123)`).
pub fn rounding_src(r: Rounding) -> String {
    format!("lowp::Rounding::{r:?}")
}

/// Rust source for an overflow mode.
pub fn overflow_src(o: Overflow) -> String {
    format!("lowp::Overflow::{o:?}")
}

/// Four bytes (zero-padded) as a little-endian `u32`.
pub fn u32_at(data: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    for (i, slot) in b.iter_mut().enumerate() {
        *slot = data.get(at + i).copied().unwrap_or(0);
    }
    u32::from_le_bytes(b)
}
