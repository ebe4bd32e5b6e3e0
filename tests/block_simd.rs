//! The SIMD builds of the block quantizer and dequantizer against their portable twin: the same
//! bytes, scales and values for every scheme, on seeded random data with edge cases mixed in
//! (zeros, subnormals, huge values, exact ties, NaN blocks), every length from 0 to 300 and a
//! long vector.

mod common;

use lowp::block::{BlockMatrix, BlockScaled, BlockVector, NonFinite, Scheme};
use lowp::bulk::Backend;

fn data(r: &mut common::SplitMix, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let u = r.next_u64();
            match u % 16 {
                0 => 0.0,
                1 => -0.0,
                2 => f32::from_bits((u >> 32) as u32 & 0x807f_ffff), // subnormal
                3 => f32::from_bits(((u >> 32) as u32 & 0x80ff_ffff) | 0x7e00_0000), // huge
                4 => ((u >> 40) % 15) as f32 * 0.5 - 3.5,            // ties for many scales
                _ => f32::from_bits(((u >> 32) as u32 & 0x83ff_ffff) | 0x3c00_0000), // spread binades
            }
        })
        .collect()
}

#[test]
fn simd_builds_match_portable() {
    let seed = common::rng_seed("block_simd");
    let backends = common::simd_backends("block_simd");
    let mut r = common::SplitMix::new(seed);
    let mut schemes = Scheme::catalog();
    schemes.extend(Scheme::catalog().into_iter().map(|s| s.with_non_finite(NonFinite::NanBlock)));
    let lens: Vec<usize> = (0..=300).chain([4096 + 13]).collect();
    for s in &schemes {
        for &n in &lens {
            let mut x = data(&mut r, n);
            if n > 40 && s.non_finite() == NonFinite::NanBlock {
                x[n / 3] = f32::NAN;
                x[n / 2] = f32::INFINITY;
            }
            let p = BlockVector::quantize_on(Backend::Portable, s, &x);
            let mut want = vec![0f32; n];
            if let Ok(p) = &p {
                p.dequantize_into_on(Backend::Portable, &mut want).unwrap();
            }
            for &b in &backends {
                let q = BlockVector::quantize_on(b, s, &x);
                assert_eq!(
                    format!("{q:?}"),
                    format!("{p:?}"),
                    "{s} n={n} on {}: quantize differs (seed {seed:#x})",
                    b.name()
                );
                if let Ok(q) = &q {
                    let mut got = vec![0f32; n];
                    q.dequantize_into_on(b, &mut got).unwrap();
                    for i in 0..n {
                        assert_eq!(
                            got[i].to_bits(),
                            want[i].to_bits(),
                            "{s} n={n} element {i} on {}: {} vs portable {} (seed {seed:#x})",
                            b.name(),
                            got[i],
                            want[i]
                        );
                    }
                }
            }
        }
        // Matrices: row-local and tensor-wide scales.
        let (rows, cols) = (5, 200);
        let x = data(&mut r, rows * cols);
        let p = BlockMatrix::quantize_on(Backend::Portable, s, &x, rows, cols);
        for &b in &backends {
            let q = BlockMatrix::quantize_on(b, s, &x, rows, cols);
            assert_eq!(format!("{q:?}"), format!("{p:?}"), "{s} matrix on {}", b.name());
        }
    }
}
