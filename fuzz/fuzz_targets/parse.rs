//! Differential fuzzing of decimal parsing: `lowp::decimal::parse_with` against the reference's
//! exact `RefFormat::from_decimal`, for every format. Both must accept or reject the same
//! strings and give the same code (NaN by class); neither may panic. `str::parse` (`FromStr`,
//! nearest-even with the format's default overflow rule) is checked the same way.
//!
//! Input bytes: `[rounding, r0, r1, r2, r3, overflow, string…]`: `rounding % 5` picks the mode
//! (NearestEven, TowardZero, Up, Down, Stochastic with `r = u32::from_le_bytes(r0..r3)`), the
//! low bit of `overflow` the overflow rule (0 NonSaturating, 1 Saturating), and the rest must
//! be UTF-8 (other inputs are skipped). Inputs shorter than 6 bytes are the string alone,
//! parsed under NearestEven / NonSaturating.
#![no_main]

mod common;

use common::{
    agree, dispatch, overflow, overflow_src, reference, regression_test, rounding, rounding_src, u32_at,
    NUM_FORMATS,
};
use libfuzzer_sys::fuzz_target;
use lowp::reference::describe;
use lowp::{decimal, LowpFloat, Overflow, Rounding};

/// The library's answer as "a code or an error".
fn lib_code<T: LowpFloat<Bits = u8>, E: core::fmt::Debug>(res: &Result<T, E>) -> Result<u32, String> {
    match res {
        Ok(v) => Ok(u32::from(v.to_bits())),
        Err(e) => Err(format!("{e:?}")),
    }
}

fn check_one<T: LowpFloat<Bits = u8>>(
    s: &str,
    r: Rounding,
    o: Overflow,
    what: &str,
    got: Result<u32, String>,
    call: &str,
) {
    let rf = reference::<T>();
    let want = rf.from_decimal(s, r, o);
    let ok = match (&got, &want) {
        (Ok(g), Ok(w)) => agree(rf, *g, *w),
        (Err(_), Err(_)) => true,
        _ => false,
    };
    if ok {
        return;
    }
    let show_lib = match &got {
        Ok(c) => describe(rf, *c),
        Err(e) => format!("Err({e})"),
    };
    let (show_ref, test) = match &want {
        Ok(w) => {
            let assertion = if rf.is_nan_code(*w) {
                format!("assert!({call}.unwrap().is_nan());")
            } else {
                format!("assert_eq!({call}.unwrap().to_bits(), {w:#04x});")
            };
            (describe(rf, *w), regression_test(&assertion))
        }
        Err(e) => (format!("Err({e})"), regression_test(&format!("assert!({call}.is_err());"))),
    };
    panic!(
        "\n=== lowp differential mismatch: {what} in {} ===\n  input     = {s:?}\n  rounding  = {r:?}\n  overflow  = {o:?}\n  library   = {show_lib}\n  reference = {show_ref}\nready-to-paste regression test (expected value from the MPFR reference):\n\n{test}\n",
        rf.name()
    );
}

fn check<T: LowpFloat<Bits = u8>>(ty: &str, s: &str, r: Rounding, o: Overflow)
where
    T: core::str::FromStr,
    <T as core::str::FromStr>::Err: core::fmt::Debug,
{
    let got = lib_code(&decimal::parse_with::<T>(s, r, o));
    let call = format!("lowp::decimal::parse_with::<lowp::{ty}>({s:?}, {}, {})", rounding_src(r), overflow_src(o));
    check_one::<T>(s, r, o, "decimal::parse_with", got, &call);

    let got = lib_code(&s.parse::<T>());
    let call = format!("{s:?}.parse::<lowp::{ty}>()");
    check_one::<T>(s, Rounding::NearestEven, T::DEFAULT_OVERFLOW, "FromStr", got, &call);
}

fuzz_target!(|data: &[u8]| {
    let (r, o, body) = if data.len() >= 6 {
        (rounding(data[0], u32_at(data, 1)), overflow(data[5]), &data[6..])
    } else {
        (Rounding::NearestEven, Overflow::NonSaturating, data)
    };
    let Ok(s) = core::str::from_utf8(body) else { return };
    for f in 0..NUM_FORMATS {
        dispatch!(f, check(s, r, o));
    }
});
