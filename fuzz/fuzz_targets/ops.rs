//! Differential fuzzing of the arithmetic (`+ - * /`, `sqrt`, `mul_add`) of all ten formats
//! against the MPFR reference (`lowp::reference`).
//!
//! Input bytes: `[format, op, a, b, c]` (missing bytes read as 0, extra bytes are ignored):
//! `format % 10` picks the format, `op % 6` one of add/sub/mul/div/sqrt/mul_add, and `a`, `b`,
//! `c` are codes (their low `BITS` bits). Results compare bit for bit, NaN codes by class.
#![no_main]

mod common;

use common::{agree, assertion, code, code_from_byte, dispatch, lit, reference, report};
use libfuzzer_sys::fuzz_target;
use lowp::reference::describe;
use lowp::LowpFloat;

const OPS: [&str; 6] = ["add", "sub", "mul", "div", "sqrt", "mul_add"];

fn check<T: LowpFloat<Bits = u8>>(ty: &str, op: u8, ba: u8, bb: u8, bc: u8) {
    let rf = reference::<T>();
    let (a, b, c) = (code_from_byte::<T>(ba), code_from_byte::<T>(bb), code_from_byte::<T>(bc));
    let (x, y, z) = (T::from_bits(a as u8), T::from_bits(b as u8), T::from_bits(c as u8));
    let op = op % OPS.len() as u8;
    let (got, want, expr, arity) = match op {
        0 => (code(x + y), rf.add(a, b), format!("({} + {})", lit(ty, a), lit(ty, b)), 2),
        1 => (code(x - y), rf.sub(a, b), format!("({} - {})", lit(ty, a), lit(ty, b)), 2),
        2 => (code(x * y), rf.mul(a, b), format!("({} * {})", lit(ty, a), lit(ty, b)), 2),
        3 => (code(x / y), rf.div(a, b), format!("({} / {})", lit(ty, a), lit(ty, b)), 2),
        4 => (code(x.sqrt()), rf.sqrt(a), format!("{}.sqrt()", lit(ty, a)), 1),
        _ => (
            code(x.mul_add(y, z)),
            rf.mul_add(a, b, c),
            format!("{}.mul_add({}, {})", lit(ty, a), lit(ty, b), lit(ty, c)),
            3,
        ),
    };
    if !agree(rf, got, want) {
        let inputs: Vec<(String, String)> = [("a", a), ("b", b), ("c", c)]
            .iter()
            .take(arity)
            .map(|&(n, v)| (n.to_string(), describe(rf, v)))
            .collect();
        report(rf, OPS[op as usize], &inputs, got, want, &assertion(rf, &expr, want));
    }
}

fuzz_target!(|data: &[u8]| {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    dispatch!(byte(0), check(byte(1), byte(2), byte(3), byte(4)));
});
