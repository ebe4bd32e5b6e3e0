//! Differential fuzzing of posit operations on arbitrary codes against the MPFR reference
//! (`lowp::reference::posit::RefPosit`), for posit16 and posit32 (the 2022 standard, es = 2)
//! and the non-standard posit<12,1>.
//!
//! Input bytes: `[format, op, mode, a (4 bytes), b (4 bytes), c (4 bytes)]`, little-endian,
//! missing bytes read as 0, extra bytes ignored. `format % 3` picks posit16, posit32 or
//! posit<12,1>; `a`, `b`, `c` are codes (their low N bits); `mode % 5` is the rounding mode
//! (`Stochastic` takes `c` as its random bits) for the operations that take one; `op % 10`:
//!
//! | op | checks |
//! |---|---|
//! | 0–3 | `a + b`, `a - b`, `a * b`, `a / b` vs `RefPosit::{add, sub, mul, div}` |
//! | 4 | `a.sqrt()` vs `RefPosit::sqrt` |
//! | 5 | `a.mul_add(b, c)` vs `RefPosit::mul_add` |
//! | 6 | `from_f64_with(f64::from_bits(b << 32 \| a), mode)` vs `RefPosit::from_f64` |
//! | 7 | `a.convert_with::<Posit<M, MES>>(mode)` into one of eight formats (`mode / 5 % 8`) vs `RefPosit::convert_to` |
//! | 8 | `a.to_i64_with(mode)` vs `RefPosit::to_i64` (`None` ⇔ an error) |
//! | 9 | `a.round_integral(mode)` vs the reference's integer (`RefPosit::to_i64`) rounded back nearest-even |
//!
//! Results compare bit for bit (posits have one NaR code).
#![no_main]

#[path = "common/posit.rs"]
mod posit_common;

use libfuzzer_sys::fuzz_target;
use lowp::posit::{PositBits, Width, WidthStorage};
use lowp::reference::posit::RefPosit;
use lowp::reference::RefValue;
use lowp::{LowpFloat, Overflow, Posit, Rounding};
use posit_common::{code_from, hex, lit, regression_test, report, rounding, rounding_src, u32_at};
use rug::Rational;

fn p<const N: u32, const ES: u32>(c: u64) -> Posit<N, ES>
where
    Width<N>: WidthStorage,
{
    Posit::from_bits(<Width<N> as WidthStorage>::Bits::from_u64(c))
}

fn code<const N: u32, const ES: u32>(x: Posit<N, ES>) -> u64
where
    Width<N>: WidthStorage,
{
    x.to_bits().into()
}

/// Fails with a report whose regression test asserts `expr` (a posit<N, ES>-typed expression
/// giving a value of `out`'s format) has the reference's code.
#[allow(clippy::too_many_arguments)]
fn fail_code(r: &RefPosit, out: &RefPosit, what: &str, inputs: &[(&str, u64)], expr: &str, got: u64, want: u64) -> ! {
    let inputs: Vec<(String, String)> = inputs.iter().map(|&(n, c)| (n.to_string(), r.describe(c))).collect();
    let body = format!("    assert_eq!({expr}.to_bits(), {});\n", hex(out.n(), want));
    report(r, what, &inputs, &out.describe(got), &out.describe(want), &regression_test(r.n(), r.es(), &body))
}

fn binary<const N: u32, const ES: u32>(r: &RefPosit, op: u8, a: u64, b: u64)
where
    Width<N>: WidthStorage,
{
    let (x, y) = (p::<N, ES>(a), p::<N, ES>(b));
    let (got, want, sym, name) = match op {
        0 => (code(x + y), r.add(a, b), "+", "add"),
        1 => (code(x - y), r.sub(a, b), "-", "sub"),
        2 => (code(x * y), r.mul(a, b), "*", "mul"),
        _ => (code(x / y), r.div(a, b), "/", "div"),
    };
    if got != want {
        let expr = format!("({} {sym} {})", lit(N, a), lit(N, b));
        fail_code(r, r, name, &[("a", a), ("b", b)], &expr, got, want);
    }
}

/// Conversion into posit<M, MES> under `mode`.
fn convert<const N: u32, const ES: u32, const M: u32, const MES: u32>(r: &RefPosit, a: u64, mode: Rounding)
where
    Width<N>: WidthStorage,
    Width<M>: WidthStorage,
{
    let dst = RefPosit::new(M, MES);
    let got = code(p::<N, ES>(a).convert_with::<Posit<M, MES>>(mode, Overflow::Saturating));
    let want = r.convert_to(a, &dst, mode);
    if got != want {
        let expr = format!(
            "{}.convert_with::<lowp::Posit<{M}, {MES}>>({}, lowp::Overflow::Saturating)",
            lit(N, a),
            rounding_src(mode)
        );
        fail_code(r, &dst, &format!("convert to {} ({mode:?})", dst.name()), &[("a", a)], &expr, got, want);
    }
}

fn check<const N: u32, const ES: u32>(data: &[u8])
where
    Width<N>: WidthStorage,
{
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let r = RefPosit::new(N, ES);
    let (ra, rb, rc) = (u32_at(data, 3), u32_at(data, 7), u32_at(data, 11));
    let (a, b, c) = (code_from(ra, N), code_from(rb, N), code_from(rc, N));
    let mode = rounding(byte(2), rc);
    let x = p::<N, ES>(a);
    match byte(1) % 10 {
        op @ 0..=3 => binary::<N, ES>(&r, op, a, b),
        4 => {
            let (got, want) = (code(x.sqrt()), r.sqrt(a));
            if got != want {
                fail_code(&r, &r, "sqrt", &[("a", a)], &format!("{}.sqrt()", lit(N, a)), got, want);
            }
        }
        5 => {
            let (got, want) = (code(x.mul_add(p(b), p(c))), r.mul_add(a, b, c));
            if got != want {
                let expr = format!("{}.mul_add({}, {})", lit(N, a), lit(N, b), lit(N, c));
                fail_code(&r, &r, "mul_add", &[("a", a), ("b", b), ("c", c)], &expr, got, want);
            }
        }
        6 => {
            let v = f64::from_bits((u64::from(rb) << 32) | u64::from(ra));
            let got = code(Posit::<N, ES>::from_f64_with(v, mode, Overflow::Saturating));
            let want = r.from_f64(v, mode);
            if got != want {
                let expr = format!(
                    "P::from_f64_with(f64::from_bits({:#018x}), {}, lowp::Overflow::Saturating)",
                    v.to_bits(),
                    rounding_src(mode)
                );
                let inputs = [("x".to_string(), format!("{v:e} ({:#018x})", v.to_bits()))];
                let body = format!("    assert_eq!({expr}.to_bits(), {});\n", hex(N, want));
                report(
                    &r,
                    &format!("from_f64 ({mode:?})"),
                    &inputs,
                    &r.describe(got),
                    &r.describe(want),
                    &regression_test(N, ES, &body),
                );
            }
        }
        7 => match (byte(2) / 5) % 8 {
            0 => convert::<N, ES, 8, 0>(&r, a, mode),
            1 => convert::<N, ES, 8, 2>(&r, a, mode),
            2 => convert::<N, ES, 12, 1>(&r, a, mode),
            3 => convert::<N, ES, 16, 1>(&r, a, mode),
            4 => convert::<N, ES, 16, 2>(&r, a, mode),
            5 => convert::<N, ES, 20, 3>(&r, a, mode),
            6 => convert::<N, ES, 32, 2>(&r, a, mode),
            _ => convert::<N, ES, 32, 4>(&r, a, mode),
        },
        8 => {
            let got = x.to_i64_with(mode).ok();
            let want = r.to_i64(a, mode);
            if got != want {
                let body =
                    format!("    assert_eq!({}.to_i64_with({}).ok(), {want:?});\n", lit(N, a), rounding_src(mode));
                report(
                    &r,
                    &format!("to_i64 ({mode:?})"),
                    &[("a".to_string(), r.describe(a))],
                    &format!("{got:?}"),
                    &format!("{want:?}"),
                    &regression_test(N, ES, &body),
                );
            }
        }
        _ => {
            let got = code(x.round_integral(mode));
            let want = if r.is_nar(a) {
                r.nar()
            } else {
                match r.to_i64(a, mode) {
                    Some(m) => r.round(
                        &RefValue::from_rational(Rational::from(m)),
                        Rounding::NearestEven,
                        Overflow::Saturating,
                    ),
                    // Beyond i64: every such posit (N ≤ 32, ES ≤ 2 here) is an integer already.
                    None => a,
                }
            };
            if got != want {
                let expr = format!("{}.round_integral({})", lit(N, a), rounding_src(mode));
                fail_code(&r, &r, &format!("round_integral ({mode:?})"), &[("a", a)], &expr, got, want);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.first().copied().unwrap_or(0) % 3 {
        0 => check::<16, 2>(data),
        1 => check::<32, 2>(data),
        _ => check::<12, 1>(data),
    }
});
