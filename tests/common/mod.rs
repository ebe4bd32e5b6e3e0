//! Shared test helpers: seeded generators, mode lists, failure messages.
#![allow(dead_code)]

use lowp::{LowpFloat, Rounding};

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "reference")]
pub mod codes;

/// The deterministic rounding modes (stochastic ones are added with random bits by callers).
pub const ALL_MODES: [Rounding; 4] = [Rounding::NearestEven, Rounding::TowardZero, Rounding::Up, Rounding::Down];

/// SplitMix64, the crate's own generator.
#[allow(unused_imports)]
pub use lowp::rng::SplitMix64 as SplitMix;

/// The seed of a random test: `LOWP_SEED` if set, else one derived from the test's name.
/// Printed so a failure can be replayed (`LOWP_SEED=0x... cargo test ...`).
pub fn rng_seed(name: &str) -> u64 {
    let seed = match std::env::var("LOWP_SEED") {
        Ok(s) => {
            let s = s.trim_start_matches("0x");
            u64::from_str_radix(s, 16).expect("LOWP_SEED must be hex")
        }
        Err(_) => name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3)),
    };
    eprintln!("{name}: seed {seed:#x} (replay with LOWP_SEED={seed:x})");
    seed
}

/// Compare a library result code with the reference's, exactly (NaN too: operations and
/// conversions produce the format's canonical NaN code, notes/SEMANTICS.md). On a mismatch the
/// panic prints both results, the seed and a ready-to-paste regression test
/// ([`regression_test`]).
#[cfg(feature = "reference")]
pub fn check_code(r: &lowp::reference::RefFormat, op: &str, args: &[u32], want: u32, got: u32, seed: u64) {
    if want == got {
        return;
    }
    let shown: Vec<String> = args.iter().map(|&a| lowp::reference::describe(r, a)).collect();
    panic!(
        "{} {op}({}):\n  lib       {}\n  reference {}\n  seed {seed:#x}\n  regression test:\n{}",
        r.name(),
        shown.join(", "),
        lowp::reference::describe(r, got),
        lowp::reference::describe(r, want),
        regression_test(r.name(), op, args, want),
    );
}

/// [`check_code`] for results of the native arithmetic of `f16`, `bf16` and `f32` (the
/// `half` crate and the hardware), whose NaNs carry the operands' payloads as IEEE 754 allows:
/// NaN by class there, every other code exactly. (The crate's own operations and conversions,
/// minifloats and the fused/dot operations into these formats, give the canonical NaN and are
/// checked with [`check_code`].)
#[cfg(feature = "reference")]
pub fn check_code_native(r: &lowp::reference::RefFormat, op: &str, args: &[u32], want: u32, got: u32, seed: u64) {
    if r.is_nan_code(want) && r.is_nan_code(got) {
        return;
    }
    check_code(r, op, args, want, got, seed);
}

/// A self-contained `#[test]` (public API only: `lowp::dynamic`) asserting that `op` on the
/// codes `args` of format `name` gives `want` — paste it into `tests/regressions.rs`.
pub fn regression_test(name: &str, op: &str, args: &[u32], want: u32) -> String {
    let call = match op {
        "add" | "sub" | "mul" | "div" | "sqrt" | "mul_add" | "fma" => {
            let v = match op {
                "add" => "Add",
                "sub" => "Sub",
                "mul" => "Mul",
                "div" => "Div",
                "sqrt" => "Sqrt",
                _ => "Fma",
            };
            let a: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
            format!("f.op(lowp::dynamic::Op::{v}, &[{}]).unwrap()", a.join(", "))
        }
        "next_up" | "next_down" => format!("f.{op}({:#x}).unwrap()", args[0]),
        _ => {
            return format!("    // (no paste-able form for `{op}`: check {name} {op}({args:x?}) = {want:#x} by hand)")
        }
    };
    let id: Vec<String> = args.iter().map(|a| format!("{a:x}")).collect();
    format!(
        "#[test]\nfn regression_{}_{op}_{}() {{\n    let f = lowp::dynamic::FormatId::from_name(\"{name}\").unwrap();\n    assert_eq!({call}, {want:#x});\n}}",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        id.join("_"),
    )
}

/// Edge codes of a format: zeros, the smallest and largest subnormals and normals, ±1 and
/// neighbours, max and its neighbours, NaN and ∞ codes.
pub fn edge_codes<T: LowpFloat<Bits = u8>>() -> Vec<u32> {
    let mut v = vec![];
    let mut push = |x: T| {
        for y in [x, x.next_up(), x.next_down(), -x, -x.next_up(), -x.next_down()] {
            v.push(y.to_bits() as u32);
        }
    };
    push(T::from_f64(0.0));
    push(T::min_positive_subnormal());
    push(T::min_positive());
    push(T::max_value());
    push(T::from_f64(1.0));
    push(T::epsilon());
    if let Some(n) = T::nan() {
        push(n);
    }
    if let Some(i) = T::infinity() {
        push(i);
    }
    v.sort();
    v.dedup();
    v
}

/// The SIMD backends this CPU runs (not the portable one). A test that compares SIMD builds
/// with the portable one must not pass having compared nothing: on x86-64 with AVX2 at least
/// one backend must be there (else this panics); elsewhere the skip is printed where
/// `cargo test` shows it (stderr, even with output captured it appears on failure and with
/// `--nocapture`, and in the summary line's name).
pub fn simd_backends(test: &str) -> Vec<lowp::bulk::Backend> {
    use lowp::bulk::Backend;
    let found: Vec<Backend> = [Backend::Avx2, Backend::Avx512].into_iter().filter(|b| b.is_supported()).collect();
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        assert!(!found.is_empty(), "{test}: the CPU has AVX2 but no SIMD backend is offered");
    }
    if found.is_empty() {
        eprintln!("SKIPPED {test}: no SIMD backend on this CPU; only the portable build was checked");
    } else {
        eprintln!("{test}: SIMD backends {:?}", found.iter().map(|b| b.name()).collect::<Vec<_>>());
    }
    found
}

/// A proptest configuration whose random seed is [`rng_seed`]`(name)` — `LOWP_SEED` when set —
/// printed, so that a failure replays; failures persist in `tests/*.proptest-regressions`
/// (committed).
pub fn proptest_config(name: &str, cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(rng_seed(name)),
        ..proptest::test_runner::Config::default()
    }
}
