//! Primitives of the quantized GEMV/GEMM kernels (`crate::kernels`), over plain slices: the
//! integer block dot products, the documented `f32` combination of per-block terms, the
//! two-level integer combination, and the `f32` FMA dot of the float path.
//!
//! Everything here knows nothing of schemes or matrices; `crate::kernels` lays the data out
//! and calls these. The portable bodies are the reference twins: the hand-written x86 kernels
//! (`x86_kernels`) must give the same exact integers, and the `f32` bodies are compiled for
//! wider registers by [`kernel_multiversion!`], using only lane-wise IEEE operations
//! (conversions, `*`, `+`, `mul_add`), so every build rounds the same operations in the same
//! order.

use crate::bulk::Backend;

/// Lanes of the `f32` accumulators (and blocks per chunk of the integer kernels).
pub(crate) const LANES: usize = 16;

/// How the integer kernels read weight codes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum IntWeights<'a> {
    /// 4-bit codes, two per byte (element `2j` in the low nibble of byte `j`), worth
    /// `lut[code] − offset` (`lut` entries at most 127, so `u8 × i8` products and `vpmaddubsw`
    /// pair sums stay small). Activations come in the *split* layout (see [`split_index`]).
    Nibbles {
        /// `value + offset` of each code, as an unsigned byte.
        lut: &'a [u8; 16],
        /// The offset the table adds.
        offset: i32,
    },
    /// `i8` codes, one per byte (any value, −128 included). Activations in natural order.
    Bytes,
}

/// Where the integer kernels put their results.
pub(crate) enum Out<'a> {
    /// The exact block sums: weight row `i`, activation row `r`, block `b` at
    /// `d[(i·rows + r)·ds + b]`.
    Dots {
        /// The sums.
        d: &'a mut [i32],
        /// Stride of one (weight row, activation row) pair.
        ds: usize,
    },
    /// Step 3–4 of the documented order fused in: `acc[i·rows + r][b % 16] += (d_b as f32) ·
    /// (sw[i·sws + b] · sx[r·sxs + b])` for the blocks `b < valid` of the call, in increasing
    /// `b` (block indices relative to the call's first chunk, a multiple of 16 blocks into the row).
    Acc {
        /// Weight block scales (with the element factor), row `i` at `i·sws`.
        sw: &'a [f32],
        /// Their row stride.
        sws: usize,
        /// Activation scales, row `r` at `r·sxs`.
        sx: &'a [f32],
        /// Their row stride.
        sxs: usize,
        /// Blocks that count (the rest are padding).
        valid: usize,
        /// The accumulators.
        acc: &'a mut [[f32; LANES]],
    },
}

/// Position of element `e` of a row in the split activation layout of the nibble kernels:
/// within each group of 128 elements, the even elements first (element `2j` at `j`), then the
/// odd ones (element `2j + 1` at `64 + j`), so that the low nibbles of 64 packed weight bytes
/// meet the first 64 activation bytes and the high nibbles the next 64.
#[inline(always)]
pub(crate) fn split_index(e: usize) -> usize {
    let (g, i) = (e / 128, e % 128);
    g * 128 + (i & 1) * 64 + i / 2
}

/// Exact integer dot products of `wrows` rows of weight codes with `rows` activation
/// vectors, per block of `v` elements, over `nchunks` chunks of [`LANES`] blocks:
/// `d[(i·rows + r)·ds + b] = Σ_{e in block b} w_i,e · x_r,e` for every block `b < nchunks·LANES`.
///
/// Weight row `i` starts at `codes[i·wstride]` and holds at least `nchunks · LANES · v · bits / 8`
/// bytes (`bits` = 4 or 8); activation row `r` starts at `x[r·xs]` and holds `nchunks·LANES·v`
/// codes (split layout for nibbles); `xsum[r·ss + b]` is `Σ x_r,e` over block `b` (the kernels
/// that offset the weights subtract `offset · xsum`). Every backend gives the same exact
/// integers (each `|d| < 2^31` for `v ≤ 65536`, since `|w| ≤ 128` and `|x| ≤ 127`;
/// intermediate sums wrap in `i32` and so come back exact). `rows ≤ 4`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn int_block_dots(
    backend: Backend,
    w: IntWeights<'_>,
    codes: &[u8],
    wrows: usize,
    wstride: usize,
    v: usize,
    nchunks: usize,
    x: &[i8],
    xs: usize,
    xsum: &[i32],
    ss: usize,
    rows: usize,
    out: Out<'_>,
) {
    if wrows == 0 || rows == 0 || nchunks == 0 {
        return;
    }
    let bits = if matches!(w, IntWeights::Nibbles { .. }) { 4 } else { 8 };
    let n = nchunks * LANES;
    assert!(rows <= 4);
    assert!(codes.len() >= (wrows - 1) * wstride + n * v * bits / 8, "weight codes too short");
    assert!(x.len() >= (rows - 1) * xs + n * v && xsum.len() >= (rows - 1) * ss + n);
    match &out {
        Out::Dots { d, ds } => assert!(d.len() >= (wrows * rows - 1) * ds + n),
        Out::Acc { sw, sws, sx, sxs, acc, .. } => {
            assert!(sw.len() >= (wrows - 1) * sws + n && sx.len() >= (rows - 1) * sxs + n);
            assert!(acc.len() >= wrows * rows);
        }
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    let out = match super::x86_kernels::int_block_dots(
        backend, w, codes, wrows, wstride, v, nchunks, x, xs, xsum, ss, rows, out,
    ) {
        None => return,
        Some(out) => out,
    };
    let _ = (backend, xsum, ss);
    match out {
        Out::Dots { d, ds } => {
            for i in 0..wrows {
                int_block_dots_portable(w, &codes[i * wstride..], v, n, x, xs, rows, &mut d[i * rows * ds..], ds);
            }
        }
        Out::Acc { sw, sws, sx, sxs, valid, acc } => {
            let mut d = vec![0i32; rows * n];
            for i in 0..wrows {
                int_block_dots_portable(w, &codes[i * wstride..], v, n, x, xs, rows, &mut d, n);
                for r in 0..rows {
                    let a = &mut acc[i * rows + r];
                    for b in 0..valid.min(n) {
                        a[b % LANES] += d[r * n + b] as f32 * (sw[i * sws + b] * sx[r * sxs + b]);
                    }
                }
            }
        }
    }
}

/// The portable twin of [`int_block_dots`] for one weight row (plain loops, no offsets).
#[allow(clippy::too_many_arguments)]
pub(crate) fn int_block_dots_portable(
    w: IntWeights<'_>,
    codes: &[u8],
    v: usize,
    nblocks: usize,
    x: &[i8],
    xs: usize,
    rows: usize,
    d: &mut [i32],
    ds: usize,
) {
    for r in 0..rows {
        let x = &x[r * xs..];
        for b in 0..nblocks {
            let mut s = 0i32;
            match w {
                IntWeights::Nibbles { lut, offset } => {
                    let bytes = &codes[b * v / 2..(b + 1) * v / 2];
                    for (j, &c) in bytes.iter().enumerate() {
                        let e = b * v + 2 * j;
                        let lo = lut[(c & 0xf) as usize] as i32 - offset;
                        let hi = lut[(c >> 4) as usize] as i32 - offset;
                        s += lo * x[split_index(e)] as i32 + hi * x[split_index(e + 1)] as i32;
                    }
                }
                IntWeights::Bytes => {
                    for i in b * v..(b + 1) * v {
                        s += codes[i] as i8 as i32 * x[i] as i32;
                    }
                }
            }
            d[r * ds + b] = s;
        }
    }
}

/// Run-time multiversioning for the kernel bodies below: `avx512f` (which implies FMA) and
/// `avx2,fma` builds of the same Rust, picked when `backend` asks for them and the CPU has the
/// features, the portable build otherwise. FMA is enabled in both SIMD builds so `mul_add`
/// becomes one instruction (the portable build calls the C library's correctly rounded
/// `fmaf`: the same result).
macro_rules! kernel_multiversion {
    ($(#[$m:meta])* fn $name:ident ($($a:ident: $at:ty),* $(,)?) $(-> $r:ty)? = $body:ident;) => {
        $(#[$m])*
        #[inline]
        pub(crate) fn $name(backend: Backend, $($a: $at),*) $(-> $r)? {
            #[cfg(all(feature = "std", target_arch = "x86_64"))]
            {
                /// # Safety
                /// The CPU must support AVX-512F.
                #[target_feature(enable = "avx512f,fma")]
                unsafe fn avx512($($a: $at),*) $(-> $r)? {
                    $body($($a),*)
                }
                /// # Safety
                /// The CPU must support AVX2 and FMA.
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2($($a: $at),*) $(-> $r)? {
                    $body($($a),*)
                }
                use super::x86_kernels::{has_avx2_fma, has_avx512f};
                match backend {
                    // SAFETY: `has_avx512f` checked that the CPU has AVX-512F (and so FMA).
                    Backend::Avx512 if has_avx512f() => return unsafe { avx512($($a),*) },
                    // SAFETY: `has_avx2_fma` checked that the CPU has AVX2 and FMA.
                    Backend::Avx2 | Backend::Avx512 if has_avx2_fma() => return unsafe { avx2($($a),*) },
                    _ => {}
                }
            }
            let _ = backend;
            $body($($a),*)
        }
    };
}

/// `acc[j] += acc[j + h]` for `h = 8, 4, 2, 1`, then `acc[0]`: the documented fold.
#[inline(always)]
pub(crate) fn fold16(mut acc: [f32; LANES]) -> f32 {
    let mut h = LANES / 2;
    while h > 0 {
        for j in 0..h {
            acc[j] += acc[j + h];
        }
        h /= 2;
    }
    acc[0]
}

/// The two-level integer combination `Σ_b (sw_b · sx_b) · d_b` in `i64` (exact: each term is
/// below `2^16 · 2^31`); the order does not matter.
#[inline(always)]
fn combine_i64_body(d: &[i32], sw: &[i32], sx: &[i32]) -> i64 {
    let n = d.len().min(sw.len()).min(sx.len());
    let mut acc = [0i64; 8];
    let full = n / 8 * 8;
    for ((d, sw), sx) in d[..full].chunks_exact(8).zip(sw[..full].chunks_exact(8)).zip(sx[..full].chunks_exact(8)) {
        for j in 0..8 {
            acc[j] += (sw[j] * sx[j]) as i64 * d[j] as i64;
        }
    }
    for j in full..n {
        acc[0] += (sw[j] * sx[j]) as i64 * d[j] as i64;
    }
    acc.iter().sum()
}

kernel_multiversion! {
    /// [`combine_i64_body`] on a chosen backend.
    fn combine_i64(d: &[i32], sw: &[i32], sx: &[i32]) -> i64 = combine_i64_body;
}

/// The float path's order for up to four weight rows against one `f32` vector: for row `r`,
/// `acc[i % 16] = fma(w_r,i, x_i, acc[i % 16])` for `i` in increasing order, then [`fold16`]
/// into `out[r]`. `w` holds the rows (`x.len()` values each) one after another.
pub(crate) fn fma_rows(backend: Backend, w: &[f32], x: &[f32], out: &mut [f32]) {
    let k = x.len();
    let r = out.len();
    assert!(r <= 4 && w.len() >= r * k);
    let mut acc = [[0f32; LANES]; 4];
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    let done = super::x86_kernels::fma_rows(backend, w, x, &mut acc[..r]);
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    let done = false;
    let _ = backend;
    if !done {
        for (ri, a) in acc.iter_mut().enumerate().take(r) {
            for (i, (&wi, &xi)) in w[ri * k..(ri + 1) * k].iter().zip(x).enumerate() {
                a[i % LANES] = wi.mul_add(xi, a[i % LANES]);
            }
        }
    }
    for (o, a) in out.iter_mut().zip(acc) {
        *o = fold16(a);
    }
}

/// Decode `f32` bits through a 256-entry table (the dense minifloat matrices).
#[inline(always)]
fn table_decode_body(table: &[u32; 256], codes: &[u8], out: &mut [f32]) {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = f32::from_bits(table[c as usize]);
    }
}

kernel_multiversion! {
    /// [`table_decode_body`] on a chosen backend.
    fn table_decode(table: &[u32; 256], codes: &[u8], out: &mut [f32]) = table_decode_body;
}

/// OCP E4M3 (`float8_e4m3fn`) codes to `f32` by arithmetic: the 7 magnitude bits shifted into
/// an `f32` whose exponent is 120 too small (subnormal codes land on `f32` subnormals), times
/// `2^120` (exact), the sign copied, NaN for `S.1111.111`. Equal to the table on all 256 codes
/// (tested).
#[inline(always)]
fn e4m3_decode_body(codes: &[u8], out: &mut [f32]) {
    const P120: f32 = 1.329_228e36; // 2^120
    for (o, &c) in out.iter_mut().zip(codes) {
        let m = (c & 0x7f) as u32;
        let v = f32::from_bits(m << 20) * P120;
        let v = f32::from_bits(v.to_bits() | ((c as u32 & 0x80) << 24));
        *o = if m == 0x7f { f32::NAN } else { v };
    }
}

kernel_multiversion! {
    /// [`e4m3_decode_body`] on a chosen backend.
    fn e4m3_decode(codes: &[u8], out: &mut [f32]) = e4m3_decode_body;
}

/// OCP E5M2 codes to `f32` by arithmetic (as [`e4m3_decode_body`], `2^112`; exponent 31 is
/// ±∞ or NaN).
#[inline(always)]
fn e5m2_decode_body(codes: &[u8], out: &mut [f32]) {
    const P112: f32 = 5.192_297e33; // 2^112
    for (o, &c) in out.iter_mut().zip(codes) {
        let m = (c & 0x7f) as u32;
        let v = f32::from_bits(m << 21) * P112;
        let s = (c as u32 & 0x80) << 24;
        let v = if m >= 0x7c { f32::from_bits(if m == 0x7c { 0x7f80_0000 } else { 0x7fc0_0000 }) } else { v };
        *o = f32::from_bits(v.to_bits() | s);
    }
}

kernel_multiversion! {
    /// [`e5m2_decode_body`] on a chosen backend.
    fn e5m2_decode(codes: &[u8], out: &mut [f32]) = e5m2_decode_body;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bulk::FastSpec;

    #[test]
    fn arithmetic_fp8_decoders_match_tables() {
        let codes: Vec<u8> = (0..=255).collect();
        for b in [Backend::Portable, Backend::Avx2, Backend::Avx512] {
            let mut o = vec![0f32; 256];
            e4m3_decode(b, &codes, &mut o);
            for (c, v) in o.iter().enumerate() {
                let t = f32::from_bits(<crate::minifloat::E4M3FN as FastSpec>::TABLE[c]);
                assert!(v.to_bits() == t.to_bits() || (v.is_nan() && t.is_nan()), "e4m3 {c:#x}: {v} vs {t}");
            }
            e5m2_decode(b, &codes, &mut o);
            for (c, v) in o.iter().enumerate() {
                let t = f32::from_bits(<crate::minifloat::E5M2 as FastSpec>::TABLE[c]);
                assert!(v.to_bits() == t.to_bits() || (v.is_nan() && t.is_nan()), "e5m2 {c:#x}: {v} vs {t}");
            }
        }
    }
}

/// E4M3 block scales times `factor`: `out[i] = e4m3(codes[i]) · factor` (one `f32` rounding of
/// the product, as a table decode then `*`), the element decoded by arithmetic as
/// [`e4m3_decode_body`] (the sign-extended code shifted so its magnitude bits land 120 binades
/// low, times `2^120`). Gives whether any code was a NaN (`S.1111.111`): those outputs are not
/// NaN here and the caller must fix them.
#[inline(always)]
fn e4m3_scales_body(codes: &[u8], factor: f32, out: &mut [f32]) -> bool {
    const P120: f32 = 1.329_228e36; // 2^120
    let mut nan = 0u8;
    for (o, &c) in out.iter_mut().zip(codes) {
        let b = (((c as i8 as i32) << 20) as u32) & 0x87f0_0000;
        *o = f32::from_bits(b) * P120 * factor;
        nan |= (c & 0x7f == 0x7f) as u8;
    }
    nan != 0
}

kernel_multiversion! {
    /// [`e4m3_scales_body`] on a chosen backend.
    fn e4m3_scales(codes: &[u8], factor: f32, out: &mut [f32]) -> bool = e4m3_scales_body;
}

/// E8M0 block scales times `factor` (`0xff` NaN, `0` is `2^−127`).
#[inline(always)]
fn e8m0_scales_body(codes: &[u8], factor: f32, out: &mut [f32]) {
    for (o, &c) in out.iter_mut().zip(codes) {
        let bits = if c == 0xff {
            0x7fc0_0000
        } else if c == 0 {
            0x0040_0000
        } else {
            (c as u32) << 23
        };
        *o = f32::from_bits(bits) * factor;
    }
}

kernel_multiversion! {
    /// [`e8m0_scales_body`] on a chosen backend.
    fn e8m0_scales(codes: &[u8], factor: f32, out: &mut [f32]) = e8m0_scales_body;
}

/// The index of the first NaN or ±∞ in `x`, if any: a branch-free scan of 64-value chunks
/// (exponent bits all ones), then the exact position inside the chunk that has one.
#[inline(always)]
fn first_non_finite_body(x: &[f32]) -> Option<usize> {
    const C: usize = 64;
    for (c, chunk) in x.chunks(C).enumerate() {
        let bad = chunk.iter().fold(0u32, |a, v| a | (v.to_bits() & 0x7f80_0000 == 0x7f80_0000) as u32);
        if bad != 0 {
            return chunk.iter().position(|v| !v.is_finite()).map(|i| c * C + i);
        }
    }
    None
}

kernel_multiversion! {
    /// [`first_non_finite_body`] on a chosen backend.
    fn first_non_finite(x: &[f32]) -> Option<usize> = first_non_finite_body;
}

/// A register tile of [`crate::kernels::DenseMatrix`]: `J` activation rows against `NP`
/// consecutive 16-row panels. `w` starts at the first panel (`NP · k · 16` values, panel `q`
/// at `q · k · 16`, `[k][lane]`), `bias` at its first row (`NP · 16` values), `x` at the first
/// activation row (`J · k` values), `y` at output `(j0, r0)` (row `jj` at `jj · rows`); the
/// first `nr` of the `NP · 16` lanes are stored. Each lane is one chain: `acc = bias`, then
/// `acc = fma(w[k][lane], x_jj[k], acc)` in increasing `k` (the tile only picks which chains
/// run side by side).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dense_tile<const J: usize, const NP: usize>(
    w: &[f32],
    bias: &[f32],
    x: &[f32],
    k: usize,
    y: &mut [f32],
    rows: usize,
    nr: usize,
) {
    const P: usize = crate::kernels::DENSE_PANEL;
    let wq: [&[f32]; NP] = core::array::from_fn(|q| &w[q * k * P..(q + 1) * k * P]);
    let xr: [&[f32]; J] = core::array::from_fn(|jj| &x[jj * k..(jj + 1) * k]);
    let mut b = [[0f32; P]; NP];
    for (q, bq) in b.iter_mut().enumerate() {
        bq.copy_from_slice(&bias[q * P..(q + 1) * P]);
    }
    let mut acc = [b; J];
    for kk in 0..k {
        let mut wv = [[0f32; P]; NP];
        for q in 0..NP {
            wv[q].copy_from_slice(&wq[q][kk * P..(kk + 1) * P]);
        }
        for jj in 0..J {
            let xv = xr[jj][kk];
            for q in 0..NP {
                for l in 0..P {
                    acc[jj][q][l] = wv[q][l].mul_add(xv, acc[jj][q][l]);
                }
            }
        }
    }
    if nr >= NP * P {
        for (jj, a) in acc.iter().enumerate() {
            for (q, aq) in a.iter().enumerate() {
                y[jj * rows + q * P..jj * rows + (q + 1) * P].copy_from_slice(aq);
            }
        }
    } else {
        for (jj, a) in acc.iter().enumerate() {
            for (q, aq) in a.iter().enumerate() {
                let n = nr.saturating_sub(q * P).min(P);
                y[jj * rows + q * P..jj * rows + q * P + n].copy_from_slice(&aq[..n]);
            }
        }
    }
}

/// [`crate::kernels::DenseMatrix`] on activation rows `x` (`m · k` values, row-major) into `y`
/// (`m · rows`, `y[j · rows + r]`): `w` holds the `⌈rows / 16⌉` packed panels one after
/// another, `bias` the biases padded to whole panels. Every output is its own chain (see
/// [`dense_tile`]); the tiles (here four activation rows by one panel) decide only which
/// chains run together, so the x86 twins, with other tiles, give the same bits.
#[inline(always)]
fn dense_gemm_body(w: &[f32], bias: &[f32], x: &[f32], k: usize, m: usize, y: &mut [f32], rows: usize) {
    const P: usize = crate::kernels::DENSE_PANEL;
    let panels = rows.div_ceil(P);
    assert!(w.len() >= panels * k * P && bias.len() >= panels * P);
    assert!(x.len() >= m * k && y.len() >= m * rows);
    for p in 0..panels {
        let (r0, nr) = (p * P, rows - p * P);
        let (wp, bp) = (&w[p * k * P..(p + 1) * k * P], &bias[r0..r0 + P]);
        let mut j = 0;
        while m - j >= 4 {
            dense_tile::<4, 1>(wp, bp, &x[j * k..], k, &mut y[j * rows + r0..], rows, nr);
            j += 4;
        }
        while j < m {
            dense_tile::<1, 1>(wp, bp, &x[j * k..], k, &mut y[j * rows + r0..], rows, nr);
            j += 1;
        }
    }
}

/// [`dense_gemm_body`] on a chosen backend: the hand-written AVX-512F and AVX2+FMA tiles of
/// `x86_kernels` (the same chains, so the same bits) where the CPU has them, this body
/// otherwise.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dense_gemm(
    backend: Backend,
    w: &[f32],
    bias: &[f32],
    x: &[f32],
    k: usize,
    m: usize,
    y: &mut [f32],
    rows: usize,
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::x86_kernels::dense_gemm(backend, w, bias, x, k, m, y, rows) {
        return;
    }
    let _ = backend;
    dense_gemm_body(w, bias, x, k, m, y, rows)
}

/// `y = fma(s_c, y, b_c)` for every row of `y` (`scale.len()` channels per row): the scaled
/// minifloat layers' last step, one rounding per output.
#[inline(always)]
fn scale_bias_rows_body(y: &mut [f32], scale: &[f32], bias: &[f32]) {
    let n = scale.len();
    if n == 0 {
        return;
    }
    for r in y.chunks_exact_mut(n) {
        for ((v, &b), &s) in r.iter_mut().zip(bias).zip(scale) {
            *v = s.mul_add(*v, b);
        }
    }
}

kernel_multiversion! {
    /// [`scale_bias_rows_body`] on a chosen backend (FMA in every SIMD build; the portable one
    /// calls the correctly rounded `fmaf`: the same bits).
    fn scale_bias_rows(y: &mut [f32], scale: &[f32], bias: &[f32]) = scale_bias_rows_body;
}

/// Round each `f32` to `bf16` (nearest-even; overflow to ±∞, NaN kept) and back: the bits of
/// `x + 0x7fff + lsb`, cut to the top 16 (exact integer rounding of the low half).
#[inline(always)]
fn round_bf16_body(data: &mut [f32]) {
    for v in data.iter_mut() {
        let b = v.to_bits();
        let r = b.wrapping_add(0x7fff + ((b >> 16) & 1)) & 0xffff_0000;
        *v = if v.is_nan() { *v } else { f32::from_bits(r) };
    }
}

kernel_multiversion! {
    /// [`round_bf16_body`] on a chosen backend.
    fn round_bf16(data: &mut [f32]) = round_bf16_body;
}

/// Round each finite `f32` to `f16` (nearest-even, subnormals, overflow to ±∞) and back;
/// NaN and ±∞ kept. For `|x|` with exponent `e` (at least −14, f16's smallest normal
/// exponent; at most 16, beyond which everything overflows), `c = 2^(e+13)`: `c + |x|` lies in `[c, 2c)`, whose `f32` ulp is f16's quantum
/// `2^(e−10)`, so the one `f32` rounding of that sum is the rounding to f16; `− c` is exact.
/// Results above f16's largest finite value (65504) are the overflow to ∞.
#[inline(always)]
fn round_f16_body(data: &mut [f32]) {
    for v in data.iter_mut() {
        let a = v.abs();
        let e = ((a.to_bits() >> 23) as i32 - 127).clamp(-14, 16);
        let c = f32::from_bits(((e + 13 + 127) as u32) << 23);
        let r = (c + a) - c;
        let r = if r > 65504.0 { f32::INFINITY } else { r };
        *v = if a.is_finite() { r.copysign(*v) } else { *v };
    }
}

kernel_multiversion! {
    /// [`round_f16_body`] on a chosen backend.
    fn round_f16(data: &mut [f32]) = round_f16_body;
}

/// The transpose of `rows` rows of `ng` values (`raw`, row-major) into `ng` runs of `rows`
/// values `stride` apart: `out[c · stride + i] = raw[i · ng + c]` (the conv layers' move from
/// `[pixels, channels]` to NCHW). Blocks of 8 × 8 so the moves vectorise; values are copied,
/// never computed.
#[inline(always)]
fn transpose_into_body(raw: &[f32], ng: usize, rows: usize, out: &mut [f32], stride: usize) {
    let mut c0 = 0;
    while c0 + 8 <= ng {
        let mut i = 0;
        while i + 8 <= rows {
            let mut blk = [[0f32; 8]; 8];
            for (ii, row) in blk.iter_mut().enumerate() {
                row.copy_from_slice(&raw[(i + ii) * ng + c0..][..8]);
            }
            for cc in 0..8 {
                let dst: &mut [f32; 8] = (&mut out[(c0 + cc) * stride + i..][..8]).try_into().expect("8");
                for (ii, d) in dst.iter_mut().enumerate() {
                    *d = blk[ii][cc];
                }
            }
            i += 8;
        }
        for cc in c0..c0 + 8 {
            for ii in i..rows {
                out[cc * stride + ii] = raw[ii * ng + cc];
            }
        }
        c0 += 8;
    }
    for cc in c0..ng {
        for ii in 0..rows {
            out[cc * stride + ii] = raw[ii * ng + cc];
        }
    }
}

kernel_multiversion! {
    /// [`transpose_into_body`] on a chosen backend.
    fn transpose_portable(raw: &[f32], ng: usize, rows: usize, out: &mut [f32], stride: usize) = transpose_into_body;
}

/// [`transpose_into_body`] on a chosen backend: AVX-512 16 × 16 register tiles where the
/// backend and CPU allow (`x86_kernels::transpose_512`), the multiversioned loops for the rest
/// (the same values: a transpose only moves them).
pub(crate) fn transpose_into(backend: Backend, raw: &[f32], ng: usize, rows: usize, out: &mut [f32], stride: usize) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if backend == Backend::Avx512 && super::x86_kernels::has_avx512f() {
        let (c16, r16) = (ng / 16 * 16, rows / 16 * 16);
        super::x86_kernels::transpose_512(raw, ng, c16, r16, out, stride);
        // The rows past the whole tiles (every channel), then the channels past them.
        if r16 < rows {
            transpose_portable(backend, &raw[r16 * ng..], ng, rows - r16, &mut out[r16..], stride);
        }
        for c in c16..ng {
            for i in 0..r16 {
                out[c * stride + i] = raw[i * ng + c];
            }
        }
        return;
    }
    transpose_portable(backend, raw, ng, rows, out, stride)
}
