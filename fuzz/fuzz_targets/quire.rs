//! Differential fuzzing of the quire (`lowp::Quire`) against an exact model: arbitrary
//! sequences of quire operations, the model summing in `rug::Rational` and rounding through the
//! MPFR reference (`RefPosit::round`).
//!
//! Input bytes: `[format, mode, r (4 bytes), then 9-byte steps [op, a (4 bytes), b (4 bytes)]…]`
//! (little-endian; a trailing partial step is ignored; at most 4096 steps). `format % 4` picks
//! posit16 (0 and 1), posit<12,1> (2) or posit32 (3); `a`, `b` are codes (their low N bits);
//! `op % 8`:
//!
//! | op | step |
//! |---|---|
//! | 0 | `q.add_posit(a)` |
//! | 1 | `q.sub_posit(a)` |
//! | 2 | `q.add_product(a, b)` |
//! | 3 | `q.sub_product(a, b)` |
//! | 4 | `q.negate()` |
//! | 5 | `q.clear()` |
//! | 6 | `q.add_quire(&q.clone())` (doubling: reaches the capacity in about 31 steps) |
//! | 7 | `q.sub_quire(&Quire::from(a))` |
//!
//! After every step `q.to_posit()`, `q.is_nar()`, `q.is_zero()` and `q.is_overflowed()` must
//! match the model; after the last, `q.to_posit_with(mode)` too (`mode % 5`, `Stochastic(r)`).
//!
//! The model: the exact sum, NaR (a NaR operand), or overflowed (the sum reached
//! 2^(2M+31) = 2^31·maxpos² in magnitude, M = (N − 2)·2^ES, the documented capacity of the
//! `4M + 32`-bit quire); NaR and overflow are sticky until `clear`, the first one wins, and
//! both round to NaR.
#![no_main]

#[path = "common/posit.rs"]
mod posit_common;

use libfuzzer_sys::fuzz_target;
use lowp::posit::{PositBits, Width, WidthStorage};
use lowp::reference::posit::RefPosit;
use lowp::reference::RefValue;
use lowp::{Overflow, Posit, Quire, Rounding};
use posit_common::{code_from, hex, lit, regression_test, report, rounding, rounding_src, u32_at};
use rug::Rational;

const HEADER: usize = 6;
const STEP: usize = 9;
const MAX_STEPS: usize = 4096;
const OPS: [&str; 8] =
    ["add_posit", "sub_posit", "add_product", "sub_product", "negate", "clear", "add_quire(self)", "sub_quire(a)"];

#[derive(Clone, Debug, PartialEq)]
enum Model {
    Num(Rational),
    NaR,
    Overflow,
}

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

/// The steps of an input: `(op, a, b)`.
fn steps(data: &[u8], n: u32) -> Vec<(u8, u64, u64)> {
    data.get(HEADER..)
        .unwrap_or(&[])
        .chunks_exact(STEP)
        .take(MAX_STEPS)
        .map(|s| (s[0] % 8, code_from(u32_at(s, 1), n), code_from(u32_at(s, 5), n)))
        .collect()
}

/// The Rust source of the first `upto` steps.
fn program(n: u32, es: u32, steps: &[(u8, u64, u64)]) -> String {
    let mut s = format!("    let mut q = lowp::Quire::<{n}, {es}>::new();\n");
    for &(op, a, b) in steps {
        s += &match op {
            0 => format!("    q.add_posit({});\n", lit(n, a)),
            1 => format!("    q.sub_posit({});\n", lit(n, a)),
            2 => format!("    q.add_product({}, {});\n", lit(n, a), lit(n, b)),
            3 => format!("    q.sub_product({}, {});\n", lit(n, a), lit(n, b)),
            4 => "    q.negate();\n".to_string(),
            5 => "    q.clear();\n".to_string(),
            6 => "    q.add_quire(&q.clone());\n".to_string(),
            _ => format!("    q.sub_quire(&lowp::Quire::from({}));\n", lit(n, a)),
        };
    }
    s
}

fn check<const N: u32, const ES: u32>(data: &[u8])
where
    Width<N>: WidthStorage,
{
    let r = RefPosit::new(N, ES);
    let m = ((N - 2) << ES) as u32;
    let cap = Rational::from(rug::Integer::from(1) << (2 * m + 31));
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let mode = rounding(byte(1), u32_at(data, 2));
    let steps = steps(data, N);

    let mut q = Quire::<N, ES>::new();
    let mut model = Model::Num(Rational::new());
    let value = |c: u64| r.value(c); // None for NaR

    // Adds `t` (None: a NaR term) to the model.
    fn add(model: &mut Model, t: Option<Rational>, cap: &Rational) {
        if let Model::Num(s) = model {
            match t {
                None => *model = Model::NaR,
                Some(t) => {
                    *s += t;
                    if Rational::from(s.abs_ref()) >= *cap {
                        *model = Model::Overflow;
                    }
                }
            }
        }
    }

    for (i, &(op, a, b)) in steps.iter().enumerate() {
        let (x, y) = (p::<N, ES>(a), p::<N, ES>(b));
        match op {
            0 => {
                q.add_posit(x);
                add(&mut model, value(a), &cap);
            }
            1 => {
                q.sub_posit(x);
                add(&mut model, value(a).map(|v| -v), &cap);
            }
            2 | 3 => {
                if op == 2 {
                    q.add_product(x, y);
                } else {
                    q.sub_product(x, y);
                }
                let t = match (value(a), value(b)) {
                    (Some(u), Some(v)) => Some(if op == 2 { u * v } else { -(u * v) }),
                    _ => None,
                };
                add(&mut model, t, &cap);
            }
            4 => {
                q.negate();
                if let Model::Num(s) = &mut model {
                    *s = -s.clone();
                }
            }
            5 => {
                q.clear();
                model = Model::Num(Rational::new());
            }
            6 => {
                let twice = q.clone();
                q.add_quire(&twice);
                if let Model::Num(s) = &model {
                    let s = s.clone();
                    add(&mut model, Some(s), &cap);
                }
            }
            _ => {
                q.sub_quire(&Quire::from(x));
                add(&mut model, value(a).map(|v| -v), &cap);
            }
        }
        compare(&r, &q, &model, Rounding::NearestEven, &steps[..=i], OPS[op as usize]);
    }
    compare(&r, &q, &model, mode, &steps, "final rounding");
}

/// The model's rounding under `mode`.
fn expected(r: &RefPosit, model: &Model, mode: Rounding) -> u64 {
    match model {
        Model::Num(s) => r.round(&RefValue::from_rational(s.clone()), mode, Overflow::Saturating),
        _ => r.nar(),
    }
}

fn compare<const N: u32, const ES: u32>(
    r: &RefPosit,
    q: &Quire<N, ES>,
    model: &Model,
    mode: Rounding,
    done: &[(u8, u64, u64)],
    last: &str,
) where
    Width<N>: WidthStorage,
{
    let got = code(q.to_posit_with(mode));
    let want = expected(r, model, mode);
    let flags = (q.is_nar(), q.is_zero(), q.is_overflowed());
    let want_flags =
        (!matches!(model, Model::Num(_)), matches!(model, Model::Num(s) if *s == 0), matches!(model, Model::Overflow));
    if got == want && flags == want_flags {
        return;
    }
    let sum = match model {
        Model::Num(s) => {
            let f = s.to_f64();
            format!("{s} (~{f:e})")
        }
        other => format!("{other:?}"),
    };
    let inputs = vec![
        ("steps".to_string(), done.len().to_string()),
        ("last".to_string(), last.to_string()),
        ("exact sum".to_string(), sum),
        ("flags".to_string(), format!("(is_nar, is_zero, is_overflowed) lib {flags:?}, model {want_flags:?}")),
    ];
    let mut body = program(N, ES, done);
    body += &format!("    assert_eq!(q.to_posit_with({}).to_bits(), {});\n", rounding_src(mode), hex(N, want));
    body += &format!("    assert_eq!((q.is_nar(), q.is_zero(), q.is_overflowed()), {want_flags:?});\n");
    report(
        r,
        &format!("quire after {last} ({mode:?})"),
        &inputs,
        &r.describe(got),
        &r.describe(want),
        &regression_test(N, ES, &body),
    );
}

fuzz_target!(|data: &[u8]| {
    match data.first().copied().unwrap_or(0) % 4 {
        0 | 1 => check::<16, 2>(data),
        2 => check::<12, 1>(data),
        _ => check::<32, 2>(data),
    }
});
