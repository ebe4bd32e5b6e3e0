//! Differential fuzzing of `T::from_f64_with` and `T::from_f32_with` (every rounding mode,
//! `Stochastic` with fuzzer-given bits, both overflow rules) against the MPFR reference.
//!
//! Input bytes (missing bytes read as 0):
//! * `0`: format (`% 10`);
//! * `1`: rounding mode (`% 5`: NearestEven, TowardZero, Up, Down, Stochastic);
//! * `2`: bit 0: overflow (0 NonSaturating, 1 Saturating); bit 1: round `x` to `f32` first, so
//!   that the `f32` path is exercised on every other input;
//! * `3..7`: the stochastic random bits `r` (little-endian `u32`);
//! * `7..15`: the bits of `x` (little-endian `f64`);
//! * `15..17` (optional): when present, replace the exponent of `x` by
//!   `u16 % 300 - 150`, i.e. steer `x` into `2^-150 ..= 2^150`, where every format's
//!   rounding thresholds lie (raw random bits mostly hit far above or below).
//!
//! `from_f64_with(x)` is always checked; `from_f32_with(x as f32)` whenever `x` is an `f32`
//! value (or NaN). The expected code is `RefFormat::from_f64` of the same exact value.
#![no_main]

mod common;

use common::{
    agree, assertion, code, dispatch, overflow, overflow_src, reference, report, rounding, rounding_src, u32_at,
};
use libfuzzer_sys::fuzz_target;
use lowp::{LowpFloat, Overflow, Rounding};

fn check<T: LowpFloat<Bits = u8>>(ty: &str, x: f64, r: Rounding, o: Overflow) {
    let rf = reference::<T>();
    let want = rf.from_f64(x, r, o);
    let inputs = |src: String| {
        vec![
            ("x".to_string(), format!("{x:e} ({src})")),
            ("rounding".to_string(), format!("{r:?}")),
            ("overflow".to_string(), format!("{o:?}")),
        ]
    };

    let got = code(T::from_f64_with(x, r, o));
    if !agree(rf, got, want) {
        let src = format!("f64::from_bits({:#018x})", x.to_bits());
        let expr = format!("lowp::{ty}::from_f64_with({src}, {}, {})", rounding_src(r), overflow_src(o));
        report(rf, "from_f64_with", &inputs(src), got, want, &assertion(rf, &expr, want));
    }

    let xf = x as f32;
    if x.is_nan() || f64::from(xf) == x {
        let got = code(T::from_f32_with(xf, r, o));
        if !agree(rf, got, want) {
            let src = format!("f32::from_bits({:#010x})", xf.to_bits());
            let expr = format!("lowp::{ty}::from_f32_with({src}, {}, {})", rounding_src(r), overflow_src(o));
            report(rf, "from_f32_with", &inputs(src), got, want, &assertion(rf, &expr, want));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let r = rounding(byte(1), u32_at(data, 3));
    let o = overflow(byte(2));
    let mut bits = u64::from(u32_at(data, 7)) | (u64::from(u32_at(data, 11)) << 32);
    if data.len() >= 17 {
        let e = i64::from(u16::from_le_bytes([byte(15), byte(16)]) % 300) - 150;
        bits = (bits & !(0x7ffu64 << 52)) | (((e + 1023) as u64) << 52);
    }
    let mut x = f64::from_bits(bits);
    if byte(2) & 2 != 0 {
        x = f64::from(x as f32);
    }
    dispatch!(byte(0), check(x, r, o));
});
