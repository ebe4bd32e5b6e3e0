//! Block-scaled quantization and weight-file reading on arbitrary input: no panic, the SIMD
//! build equals the portable one, every dequantized element equals `get(i)` and the correctly
//! rounded `get_exact(i)`, and packed parts round-trip.
//!
//! Input bytes: `0`: scheme (`% catalog length`, twice that for the NaN-block variants);
//! `1`: shape (`% 4`: vector, or a matrix of 2, 3 or 5 rows when the length allows);
//! `2..`: the data as little-endian `f32`s (NaN, ∞ and subnormals included). The whole input is
//! also handed to the safetensors reader, which must answer with a value or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowp::block::{BlockMatrix, BlockScaled, BlockVector, NonFinite, Scheme};
use lowp::bulk::Backend;

fuzz_target!(|bytes: &[u8]| {
    let _ = lowp::block::io::read_safetensors(bytes);
    if bytes.len() < 2 {
        return;
    }
    let cat = Scheme::catalog();
    let k = bytes[0] as usize % (2 * cat.len());
    let s = if k < cat.len() { cat[k] } else { cat[k - cat.len()].with_non_finite(NonFinite::NanBlock) };
    let x: Vec<f32> = bytes[2..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let rows = [1usize, 2, 3, 5][bytes[1] as usize % 4];
    if x.len() % rows == 0 {
        let p = BlockMatrix::quantize_on(Backend::Portable, &s, &x, rows, x.len() / rows);
        let q = BlockMatrix::quantize_on(Backend::best(), &s, &x, rows, x.len() / rows);
        assert_eq!(format!("{p:?}"), format!("{q:?}"), "{s}: matrix backends differ");
    }
    let p = BlockVector::quantize_on(Backend::Portable, &s, &x);
    let q = BlockVector::quantize_on(Backend::best(), &s, &x);
    assert_eq!(format!("{p:?}"), format!("{q:?}"), "{s}: backends differ");
    let Ok(q) = q else { return };
    let mut a = vec![0f32; x.len()];
    let mut b = vec![0f32; x.len()];
    q.dequantize_into_on(Backend::Portable, &mut a).unwrap();
    q.dequantize_into_on(Backend::best(), &mut b).unwrap();
    for i in 0..x.len() {
        let (g, e) = (q.get(i), q.get_exact(i));
        assert_eq!(a[i].to_bits(), b[i].to_bits(), "{s}: dequantize backends differ at {i}");
        assert!(a[i].to_bits() == g.to_bits() || (a[i].is_nan() && g.is_nan()), "{s}: get({i})");
        assert!(g.to_bits() == (e as f32).to_bits() || (g.is_nan() && e.is_nan()), "{s}: get_exact({i})");
    }
    let r = BlockVector::from_parts(s, q.len(), q.codes().to_vec(), q.scales().to_vec(), q.row_scale()).unwrap();
    assert_eq!(format!("{r:?}"), format!("{q:?}"));
});
