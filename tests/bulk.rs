//! Bulk conversions (`lowp::bulk`) against the scalar path, bit for bit.
//!
//! The scalar conversions (`LowpFloat::from_f32`, `from_f32_saturating`, `to_f32`, `convert`)
//! are the ground truth; every backend the CPU has (portable, AVX2, AVX-512) and the default
//! dispatch must give exactly their bits, NaN codes included. Inputs: a seeded random sample
//! (set `LOWP_BULK_SEED` to replay; the seed is printed), every `f32` within a few ulps of each
//! value, rounding midpoint and overflow threshold of each format, the specials, all `f32`
//! subnormals, all `f16`/`bf16` values and all codes. The `#[ignore]`d
//! `extensive_all_f32_bit_patterns` checks all 2³² `f32` patterns:
//! `cargo test --release --test bulk -- --ignored`.

use std::time::Instant;

use half::{bf16, f16};
use lowp::bulk::{self, Backend, LengthMismatch};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, Float8E8M0FNU, LowpFloat, Overflow,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

use lowp::rng::SplitMix64 as SplitMix;

/// The seed: `LOWP_BULK_SEED` if set, else the clock; printed either way.
fn seed(test: &str) -> u64 {
    let s = match std::env::var("LOWP_BULK_SEED") {
        Ok(v) => v.parse().expect("LOWP_BULK_SEED must be a u64"),
        Err(_) => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64,
    };
    println!("{test}: seed {s} (replay with LOWP_BULK_SEED={s})");
    s
}

/// Every backend this CPU runs (the others are reported and skipped).
fn backends() -> Vec<Backend> {
    let all = [Backend::Portable, Backend::Avx2, Backend::Avx512];
    for b in all {
        if !b.is_supported() {
            println!("backend {} not supported here: skipped", b.name());
        }
    }
    all.into_iter().filter(|b| b.is_supported()).collect()
}

fn overflow_name(o: Overflow) -> &'static str {
    match o {
        Overflow::Saturating => "saturating",
        Overflow::NonSaturating => "non-saturating",
    }
}

/// The scalar ground truth for `f32 → T`.
fn scalar<T: LowpFloat>(x: f32, o: Overflow) -> T {
    match o {
        Overflow::Saturating => T::from_f32_saturating(x),
        Overflow::NonSaturating => {
            assert_eq!(T::DEFAULT_OVERFLOW, Overflow::NonSaturating);
            T::from_f32(x)
        }
    }
}

/// Panic with the first mismatches (input bits, expected and actual codes) if any.
fn report<T: LowpFloat<Bits = u8>>(what: &str, inputs: &[f32], want: &[T], got: &[T]) {
    let bad: Vec<usize> = (0..inputs.len()).filter(|&i| want[i].to_bits() != got[i].to_bits()).collect();
    if bad.is_empty() {
        return;
    }
    let mut msg = format!("{what} ({}): {} of {} differ; first ones:\n", T::NAME, bad.len(), inputs.len());
    for &i in bad.iter().take(12) {
        msg += &format!(
            "  x = {:e} (0x{:08x}): scalar 0x{:02x}, bulk 0x{:02x}\n",
            inputs[i],
            inputs[i].to_bits(),
            want[i].to_bits(),
            got[i].to_bits()
        );
    }
    panic!("{msg}");
}

/// Check `f32 → T` on `inputs`: every backend and the default functions against the scalar
/// path, in both overflow modes.
///
/// The SIMD kernels leave the last `len % 32` (AVX2) or `len % 64` (AVX-512) elements to the
/// portable code, so those are checked again at the front of a longer slice, where the SIMD
/// code converts them.
fn check_encode<T: LowpFloat<Bits = u8>>(inputs: &[f32], backends: &[Backend]) {
    check_encode_once::<T>(inputs, backends);
    let tail = inputs.len() % 64;
    if tail != 0 {
        let mut v = inputs[inputs.len() - tail..].to_vec();
        while v.len() < tail + 128 {
            v.extend_from_slice(inputs);
        }
        check_encode_once::<T>(&v, backends);
    }
}

fn check_encode_once<T: LowpFloat<Bits = u8>>(inputs: &[f32], backends: &[Backend]) {
    let mut got = vec![T::default(); inputs.len()];
    for o in [Overflow::NonSaturating, Overflow::Saturating] {
        let want: Vec<T> = inputs.iter().map(|&x| scalar::<T>(x, o)).collect();
        for &b in backends {
            got.fill(T::default());
            bulk::from_f32_slice_on(b, o, inputs, &mut got).unwrap();
            report(&format!("from_f32 {} on {}", overflow_name(o), b.name()), inputs, &want, &got);
        }
        got.fill(T::default());
        match o {
            Overflow::NonSaturating => bulk::from_f32_slice(inputs, &mut got).unwrap(),
            Overflow::Saturating => bulk::from_f32_slice_saturating(inputs, &mut got).unwrap(),
        }
        report(&format!("from_f32 {} default dispatch", overflow_name(o)), inputs, &want, &got);
        got.fill(T::default());
        match o {
            Overflow::NonSaturating => bulk::portable::from_f32_slice(inputs, &mut got).unwrap(),
            Overflow::Saturating => bulk::portable::from_f32_slice_saturating(inputs, &mut got).unwrap(),
        }
        report(&format!("from_f32 {} bulk::portable", overflow_name(o)), inputs, &want, &got);
    }
}

/// [`check_encode`] over an iterator of bit patterns, a million at a time.
fn check_encode_bits<T: LowpFloat<Bits = u8>>(bits: impl Iterator<Item = u32>, backends: &[Backend]) -> usize {
    let mut buf = Vec::with_capacity(1 << 20);
    let mut n = 0;
    for b in bits {
        buf.push(f32::from_bits(b));
        if buf.len() == buf.capacity() {
            check_encode::<T>(&buf, backends);
            n += buf.len();
            buf.clear();
        }
    }
    check_encode::<T>(&buf, backends);
    n + buf.len()
}

/// Run `$body` once per fast-path format, with `$T` the type.
macro_rules! for_fast_formats {
    ($T:ident => $body:block) => {{
        {
            type $T = Float8E4M3FN;
            $body
        }
        {
            type $T = Float8E5M2;
            $body
        }
        {
            type $T = Float8E4M3;
            $body
        }
        {
            type $T = Float8E4M3FNUZ;
            $body
        }
        {
            type $T = Float8E5M2FNUZ;
            $body
        }
        {
            type $T = Float8E4M3B11FNUZ;
            $body
        }
        {
            type $T = Float6E2M3FN;
            $body
        }
        {
            type $T = Float6E3M2FN;
            $body
        }
        {
            type $T = Float4E2M1FN;
            $body
        }
    }};
}

// ---------------------------------------------------------------------------------------------
// Input sets
// ---------------------------------------------------------------------------------------------

/// The special `f32` patterns: zeros, infinities, NaNs of several payloads and both signs,
/// the extremes of the normal and subnormal ranges.
fn specials() -> Vec<u32> {
    let pos = [
        0x0000_0000, // +0
        0x0000_0001, // smallest subnormal
        0x0000_0002,
        0x003f_ffff,
        0x0040_0000,
        0x007f_ffff, // largest subnormal
        0x0080_0000, // smallest normal
        0x0080_0001,
        0x3f80_0000, // 1
        0x7f7f_ffff, // MAX
        0x7f80_0000, // inf
        0x7f80_0001, // signalling NaNs
        0x7fa0_0000,
        0x7fbf_ffff,
        0x7fc0_0000, // quiet NaNs
        0x7fc0_0001,
        0x7fff_ffff,
    ];
    pos.iter().flat_map(|&b| [b, b | 0x8000_0000]).collect()
}

/// Every `f32` within `ulps` of each value, each midpoint between neighbours and the overflow
/// threshold of `T` (the midpoint between max and the next value of the top binade's grid),
/// both signs; plus the neighbourhoods of powers of two over the format's range.
fn near_grid<T: LowpFloat<Bits = u8>>(ulps: i64) -> Vec<u32> {
    let max = T::max_value().to_bits();
    let values: Vec<f32> = (0..=max).map(|c| T::from_bits(c).to_f32()).collect();
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{}: codes 0..=max not increasing", T::NAME);
    let mut centres: Vec<f32> = values.clone();
    for w in values.windows(2) {
        centres.push((w[0] + w[1]) / 2.0); // exact: at most M + 2 significant bits
    }
    let top_step = values[values.len() - 1] - values[values.len() - 2];
    centres.push(values[values.len() - 1] + top_step / 2.0); // overflow threshold
    centres.push(values[values.len() - 1] + top_step);
    for e in -149..=127 {
        centres.push(2f32.powi(e));
    }
    let mut out = Vec::new();
    for c in centres {
        assert!(c.is_finite());
        let b = c.to_bits() as i64;
        for d in -ulps..=ulps {
            let x = b + d;
            if (0..0x7f80_0000).contains(&x) {
                out.push(x as u32);
                out.push(x as u32 | 0x8000_0000);
            }
        }
    }
    out
}

/// `n` random patterns: half uniform over all 2³², half with an exponent near the format's
/// range (uniform sign and mantissa), where the rounding is interesting.
fn random_bits<T: LowpFloat>(rng: &mut SplitMix, n: usize) -> impl Iterator<Item = u32> + '_ {
    let lo = T::min_positive_subnormal().to_f32().to_bits() >> 23; // biased exponent field
    let hi = (T::max_value().to_f32().to_bits() >> 23) + 2;
    let lo = lo.saturating_sub(3);
    (0..n).map(move |i| {
        let r = rng.next_u32();
        if i % 2 == 0 {
            r
        } else {
            let e = lo + rng.next_u32() % (hi - lo + 1);
            (r & 0x807f_ffff) | (e.min(254) << 23)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// f32 → code
// ---------------------------------------------------------------------------------------------

#[test]
fn backends_report() {
    let best = Backend::best();
    println!("best backend: {}", best.name());
    assert!(best.is_supported());
    assert!(Backend::Portable.is_supported());
    for_fast_formats!(T => {
        assert!(bulk::has_fast_path::<T>(), "{}", T::NAME);
    });
    assert!(!bulk::has_fast_path::<Float8E8M0FNU>());
    assert!(!bulk::has_fast_path::<f16>());
    assert!(!bulk::has_fast_path::<f32>());
}

#[test]
fn encode_random_e4m3fn_e5m2() {
    let backends = backends();
    let s = seed("encode_random_e4m3fn_e5m2");
    let mut rng = SplitMix::new(s);
    let t = Instant::now();
    let n = check_encode_bits::<Float8E4M3FN>(random_bits::<Float8E4M3FN>(&mut rng, 1 << 24), &backends);
    let m = check_encode_bits::<Float8E5M2>(random_bits::<Float8E5M2>(&mut rng, 1 << 24), &backends);
    println!("{n} + {m} random patterns, both modes, {} backends: {:?}", backends.len(), t.elapsed());
}

#[test]
fn encode_random_other_formats() {
    let backends = backends();
    let mut rng = SplitMix::new(seed("encode_random_other_formats"));
    for_fast_formats!(T => {
        check_encode_bits::<T>(random_bits::<T>(&mut rng, 1 << 20), &backends);
    });
}

#[test]
fn encode_near_values_midpoints_and_overflow_thresholds() {
    let backends = backends();
    for_fast_formats!(T => {
        let bits = near_grid::<T>(8);
        let n = check_encode_bits::<T>(bits.into_iter(), &backends);
        println!("{}: {n} patterns near values, midpoints, thresholds", T::NAME);
    });
}

#[test]
fn encode_specials() {
    let backends = backends();
    let x: Vec<f32> = specials().into_iter().map(f32::from_bits).collect();
    for_fast_formats!(T => {
        check_encode::<T>(&x, &backends);
    });
    // Spot checks of the documented behaviour.
    let mut d = [Float8E4M3FN::default(); 4];
    bulk::from_f32_slice(&[-f32::NAN, f32::INFINITY, -1e9, -0.0], &mut d).unwrap();
    assert_eq!(d.map(|x| x.to_bits()), [0x7f, 0x7f, 0x7f, 0x80]);
    bulk::from_f32_slice_saturating(&[-f32::NAN, f32::INFINITY, -1e9, -0.0], &mut d).unwrap();
    assert_eq!(d.map(|x| x.to_bits()), [0x7f, 0x7e, 0xfe, 0x80]);
    let mut e = [Float8E5M2::default(); 4];
    bulk::from_f32_slice(&[-f32::NAN, f32::INFINITY, -1e9, -0.0], &mut e).unwrap();
    assert_eq!(e.map(|x| x.to_bits()), [0x7e, 0x7c, 0xfc, 0x80]);
    bulk::from_f32_slice_saturating(&[-f32::NAN, f32::INFINITY, -1e9, -0.0], &mut e).unwrap();
    assert_eq!(e.map(|x| x.to_bits()), [0x7e, 0x7b, 0xfb, 0x80]);
}

#[test]
fn encode_all_f32_subnormals() {
    let backends = backends();
    // Every f32 subnormal, both signs, for the two hot formats; every 61st for the others.
    for_fast_formats!(T => {
        let step = if T::NAME == "float8_e4m3fn" || T::NAME == "float8_e5m2" { 1 } else { 61 };
        let bits = (0u32..0x0080_0000).step_by(step).flat_map(|b| [b, b | 0x8000_0000]);
        check_encode_bits::<T>(bits, &backends);
    });
}

/// Every length 0..70 at several start offsets (the SIMD tails and misaligned starts).
#[test]
fn lengths_and_offsets() {
    let backends = backends();
    let mut rng = SplitMix::new(seed("lengths_and_offsets"));
    let pool: Vec<f32> = random_bits::<Float8E4M3FN>(&mut rng, 200).map(f32::from_bits).collect();
    fn one<T: LowpFloat<Bits = u8>>(pool: &[f32], backends: &[Backend]) {
        for len in 0..70 {
            for off in 0..5 {
                let src = &pool[off..off + len];
                check_encode::<T>(src, backends);
                // Decode the same lengths: codes from the pool.
                let codes: Vec<T> = src.iter().map(|&x| T::from_f32(x)).collect();
                let want: Vec<u32> = codes.iter().map(|c| c.to_f32().to_bits()).collect();
                for &b in backends {
                    let mut out = vec![0f32; len + 3];
                    bulk::to_f32_slice_on(b, &codes, &mut out[1..len + 1]).unwrap();
                    let got: Vec<u32> = out[1..len + 1].iter().map(|x| x.to_bits()).collect();
                    assert_eq!(got, want, "{} to_f32 len {len} off {off} on {}", T::NAME, b.name());
                    assert!(out[0] == 0.0 && out[len + 1..].iter().all(|&x| x == 0.0), "wrote outside");
                }
            }
        }
    }
    one::<Float8E4M3FN>(&pool, &backends);
    one::<Float8E5M2>(&pool, &backends);
    one::<Float6E2M3FN>(&pool, &backends);
}

// ---------------------------------------------------------------------------------------------
// code → f32, f16, bf16
// ---------------------------------------------------------------------------------------------

#[test]
fn decode_all_codes() {
    let backends = backends();
    fn one<T: LowpFloat<Bits = u8>>(backends: &[Backend]) {
        let codes: Vec<T> = (0..(1u32 << T::BITS)).map(|c| T::from_bits(c as u8)).collect();
        let n = codes.len();
        // f32, on every backend and the default path.
        let want: Vec<u32> = codes.iter().map(|c| c.to_f32().to_bits()).collect();
        let mut out = vec![0f32; n];
        for &b in backends {
            out.fill(0.0);
            bulk::to_f32_slice_on(b, &codes, &mut out).unwrap();
            let got: Vec<u32> = out.iter().map(|x| x.to_bits()).collect();
            assert_eq!(got, want, "{} to_f32 on {}", T::NAME, b.name());
        }
        bulk::to_f32_slice(&codes, &mut out).unwrap();
        assert_eq!(out.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want, "{} to_f32", T::NAME);
        bulk::portable::to_f32_slice(&codes, &mut out).unwrap();
        assert_eq!(out.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want, "{} portable to_f32", T::NAME);
        // f16 and bf16: one rounding of the exact value (`convert`).
        let want16: Vec<u16> = codes.iter().map(|c| c.convert::<f16>().to_bits()).collect();
        let mut h = vec![f16::ZERO; n];
        bulk::to_f16_slice(&codes, &mut h).unwrap();
        assert_eq!(h.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want16, "{} to_f16", T::NAME);
        h.fill(f16::ZERO);
        bulk::portable::to_f16_slice(&codes, &mut h).unwrap();
        assert_eq!(h.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want16, "{} portable to_f16", T::NAME);
        let wantb: Vec<u16> = codes.iter().map(|c| c.convert::<bf16>().to_bits()).collect();
        let mut g = vec![bf16::ZERO; n];
        bulk::to_bf16_slice(&codes, &mut g).unwrap();
        assert_eq!(g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), wantb, "{} to_bf16", T::NAME);
        g.fill(bf16::ZERO);
        bulk::portable::to_bf16_slice(&codes, &mut g).unwrap();
        assert_eq!(g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), wantb, "{} portable to_bf16", T::NAME);
    }
    for_fast_formats!(T => {
        one::<T>(&backends);
    });
    one::<Float8E8M0FNU>(&backends); // generic path
}

// ---------------------------------------------------------------------------------------------
// f16 / bf16 → code
// ---------------------------------------------------------------------------------------------

#[test]
fn from_all_f16_and_bf16() {
    fn one<T: LowpFloat<Bits = u8>>() {
        let h: Vec<f16> = (0..=u16::MAX).map(f16::from_bits).collect();
        let g: Vec<bf16> = (0..=u16::MAX).map(bf16::from_bits).collect();
        let mut out = vec![T::default(); h.len()];
        let codes = |v: &[T]| v.iter().map(|x| x.to_bits()).collect::<Vec<u8>>();
        // Rounded once from the exact f16 value; f16 → f32 is exact, so from_f32 agrees.
        let want: Vec<u8> = h.iter().map(|x| x.convert::<T>().to_bits()).collect();
        let want32: Vec<u8> = h.iter().map(|x| T::from_f32(x.to_f32()).to_bits()).collect();
        assert_eq!(want, want32, "{}: convert vs from_f32", T::NAME);
        bulk::from_f16_slice(&h, &mut out).unwrap();
        assert_eq!(codes(&out), want, "{} from_f16", T::NAME);
        out.fill(T::default());
        bulk::portable::from_f16_slice(&h, &mut out).unwrap();
        assert_eq!(codes(&out), want, "{} portable from_f16", T::NAME);
        let want: Vec<u8> = g.iter().map(|x| x.convert::<T>().to_bits()).collect();
        let want32: Vec<u8> = g.iter().map(|x| T::from_f32(x.to_f32()).to_bits()).collect();
        assert_eq!(want, want32, "{}: convert vs from_f32", T::NAME);
        bulk::from_bf16_slice(&g, &mut out).unwrap();
        assert_eq!(codes(&out), want, "{} from_bf16", T::NAME);
        out.fill(T::default());
        bulk::portable::from_bf16_slice(&g, &mut out).unwrap();
        assert_eq!(codes(&out), want, "{} portable from_bf16", T::NAME);
    }
    for_fast_formats!(T => {
        one::<T>();
    });
    one::<Float8E8M0FNU>();
}

// ---------------------------------------------------------------------------------------------
// Other element types (the generic loop) and errors
// ---------------------------------------------------------------------------------------------

#[test]
fn generic_types_match_scalar() {
    let mut rng = SplitMix::new(seed("generic_types_match_scalar"));
    let x: Vec<f32> =
        (0..4096).map(|_| f32::from_bits(rng.next_u32())).chain(specials().into_iter().map(f32::from_bits)).collect();
    fn one<T: LowpFloat>(x: &[f32]) {
        for o in [Overflow::NonSaturating, Overflow::Saturating] {
            let mut out = vec![T::default(); x.len()];
            bulk::from_f32_slice_on(Backend::best(), o, x, &mut out).unwrap();
            for (i, (&a, &b)) in x.iter().zip(&out).enumerate() {
                let w: T = scalar(a, o);
                assert_eq!(w.to_bits(), b.to_bits(), "{} {} #{i} x = 0x{:08x}", T::NAME, overflow_name(o), a.to_bits());
            }
            let mut back = vec![0f32; x.len()];
            bulk::to_f32_slice(&out, &mut back).unwrap();
            for (b, y) in out.iter().zip(&back) {
                assert_eq!(b.to_f32().to_bits(), y.to_bits(), "{} to_f32", T::NAME);
            }
        }
    }
    one::<Float8E8M0FNU>(&x);
    one::<f16>(&x);
    one::<bf16>(&x);
    one::<f32>(&x);
}

#[test]
fn length_mismatch_is_an_error_and_writes_nothing() {
    let src = [1.0f32, 2.0, 3.0];
    let sentinel = Float8E4M3FN::from_bits(0x55);
    let mut dst = [sentinel; 2];
    let e = LengthMismatch { src: 3, dst: 2 };
    assert_eq!(bulk::from_f32_slice(&src, &mut dst), Err(e));
    assert_eq!(bulk::from_f32_slice_saturating(&src, &mut dst), Err(e));
    assert_eq!(bulk::portable::from_f32_slice(&src, &mut dst), Err(e));
    for b in [Backend::Portable, Backend::Avx2, Backend::Avx512] {
        assert_eq!(bulk::from_f32_slice_on(b, Overflow::Saturating, &src, &mut dst), Err(e));
    }
    assert_eq!(bulk::from_f16_slice(&[f16::ONE; 3], &mut dst), Err(e));
    assert_eq!(bulk::from_bf16_slice(&[bf16::ONE; 3], &mut dst), Err(e));
    assert_eq!(dst, [sentinel; 2], "nothing may be written on a length mismatch");
    let mut e8 = [Float8E8M0FNU::from_bits(3); 2];
    assert_eq!(bulk::from_f32_slice(&src, &mut e8), Err(e));
    assert_eq!(e8[0].to_bits(), 3);

    let codes = [Float8E5M2::from_bits(0x3c); 4];
    let mut out = [7.0f32; 5];
    let e = LengthMismatch { src: 4, dst: 5 };
    assert_eq!(bulk::to_f32_slice(&codes, &mut out), Err(e));
    assert_eq!(bulk::portable::to_f32_slice(&codes, &mut out), Err(e));
    assert_eq!(out, [7.0; 5]);
    assert_eq!(bulk::to_f16_slice(&codes, &mut [f16::ZERO; 5]), Err(e));
    assert_eq!(bulk::to_bf16_slice(&codes, &mut [bf16::ZERO; 5]), Err(e));
    assert_eq!(bulk::to_f32_slice::<Float8E5M2>(&[], &mut []), Ok(()));

    let msg = e.to_string();
    assert!(msg.contains('4') && msg.contains('5'), "{msg}");
    let boxed: Box<dyn std::error::Error> = Box::new(e);
    assert_eq!(boxed.to_string(), msg);
}

// ---------------------------------------------------------------------------------------------
// All 2^32 patterns
// ---------------------------------------------------------------------------------------------

/// All 2³² `f32` patterns through every backend against the scalar path, both overflow modes.
fn all_patterns<T: LowpFloat<Bits = u8>>() {
    let backends = backends();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    const CHUNK: u64 = 1 << 20;
    let next = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut x = vec![0f32; CHUNK as usize];
                let mut want = vec![T::default(); CHUNK as usize];
                let mut got = vec![T::default(); CHUNK as usize];
                loop {
                    let start = next.fetch_add(CHUNK, std::sync::atomic::Ordering::Relaxed);
                    if start >= 1 << 32 {
                        break;
                    }
                    for (i, v) in x.iter_mut().enumerate() {
                        *v = f32::from_bits((start + i as u64) as u32);
                    }
                    for o in [Overflow::NonSaturating, Overflow::Saturating] {
                        for (w, &v) in want.iter_mut().zip(&x) {
                            *w = scalar(v, o);
                        }
                        for &b in &backends {
                            bulk::from_f32_slice_on(b, o, &x, &mut got).unwrap();
                            report(&format!("all patterns, {} on {}", overflow_name(o), b.name()), &x, &want, &got);
                        }
                    }
                }
            });
        }
    });
    println!(
        "{}: all 2^32 f32 patterns x 2 overflow modes x {} backends ({}) on {threads} threads: {:?}",
        T::NAME,
        backends.len(),
        backends.iter().map(|b| b.name()).collect::<Vec<_>>().join(", "),
        t.elapsed()
    );
}

#[test]
#[ignore = "2^32 patterns per format: run with `cargo test --release --test bulk -- --ignored`"]
fn extensive_all_f32_bit_patterns() {
    all_patterns::<Float8E4M3FN>();
    all_patterns::<Float8E5M2>();
}

#[test]
#[ignore = "2^32 patterns for each of the seven other fast-path formats (slow)"]
fn extensive_all_f32_bit_patterns_other_formats() {
    all_patterns::<Float8E4M3>();
    all_patterns::<Float8E4M3FNUZ>();
    all_patterns::<Float8E5M2FNUZ>();
    all_patterns::<Float8E4M3B11FNUZ>();
    all_patterns::<Float6E2M3FN>();
    all_patterns::<Float6E3M2FN>();
    all_patterns::<Float4E2M1FN>();
}
