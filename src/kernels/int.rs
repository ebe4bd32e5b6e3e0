//! The integer path: block-scaled weights (VSQ, MXFP4, NVFP4, MXINT8, per-row and per-tensor
//! integers) against INT8 activations, and the float path for MX float elements.

use super::activations::QuantizedActivations;
use crate::arch::kernels::{
    combine_i64, e4m3_decode, e4m3_scales, e5m2_decode, e8m0_scales, fma_rows, fold16, int_block_dots, IntWeights, Out,
    LANES,
};
use crate::block::{BlockScaled, Element, Outer, ScaleEncoding, Scheme};
use crate::bulk::{Backend, FastSpec};

/// `value + 8` of each signed INT4 code (the code XOR 8).
pub(crate) const INT4_LUT: [u8; 16] = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/// `2 · value + 12` of each E2M1 code (`2·value` ∈ ±{0, 1, 2, 3, 4, 6, 8, 12}).
pub(crate) const E2M1_LUT: [u8; 16] = [12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0];

/// How the integer kernels read a scheme's weight codes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum WeightKind {
    /// Signed INT4 nibbles.
    Int4,
    /// E2M1 nibbles, as the integers `2 · value`.
    E2M1,
    /// `i8` bytes (INT8, MXINT8).
    Bytes,
    /// Signed integers of another width, unpacked to bytes first.
    Unpack(u32),
}

/// A block-scaled row's plan: the weight kind, the vector length, the factor folded into the
/// block scale (½ for E2M1, 2^−6 for MXINT8, 1 otherwise).
#[derive(Clone, Copy, Debug)]
pub(crate) struct IntPlan {
    pub kind: WeightKind,
    pub v: usize,
    pub factor: f32,
    pub two_level: bool,
}

pub(crate) fn int_plan(s: &Scheme) -> Option<IntPlan> {
    let v = if s.block_len() == 0 { 64 } else { s.block_len() };
    let (kind, factor) = match s.element() {
        Element::Int(4) => (WeightKind::Int4, 1.0),
        Element::Int(8) => (WeightKind::Bytes, 1.0),
        Element::Int(b) => (WeightKind::Unpack(b as u32), 1.0),
        Element::MxInt8 => (WeightKind::Bytes, 1.0 / 64.0),
        Element::E2M1 => (WeightKind::E2M1, 0.5),
        _ => return None,
    };
    Some(IntPlan { kind, v, factor, two_level: matches!(s.scale(), ScaleEncoding::UInt(_)) })
}

/// Reusable buffers of one kernel call.
#[derive(Default)]
pub(crate) struct Scratch {
    d: Vec<i32>,
    acc: Vec<[f32; LANES]>,
    sw: Vec<f32>,
    swi: Vec<i32>,
    pad: Vec<u8>,
    unpacked: Vec<u8>,
    wf: Vec<f32>,
}

/// Decode a row's block scales into `f32` (times the element factor), `out.len()` of them.
pub(crate) fn decode_scales(backend: Backend, s: &Scheme, scales: &[u8], n: usize, factor: f32, out: &mut [f32]) {
    let enc = s.scale();
    match enc {
        ScaleEncoding::None => out.iter_mut().for_each(|o| *o = factor),
        ScaleEncoding::F32 => {
            for (o, b) in out.iter_mut().zip(scales[..4 * n].chunks_exact(4)) {
                let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                *o = if factor == 1.0 { x } else { x * factor };
            }
        }
        ScaleEncoding::F16 => {
            for (o, b) in out.iter_mut().zip(scales[..2 * n].chunks_exact(2)) {
                *o = half::f16::from_le_bytes([b[0], b[1]]).to_f32() * factor;
            }
        }
        ScaleEncoding::BF16 => {
            for (o, b) in out.iter_mut().zip(scales[..2 * n].chunks_exact(2)) {
                *o = half::bf16::from_le_bytes([b[0], b[1]]).to_f32() * factor;
            }
        }
        ScaleEncoding::E4M3 => {
            if e4m3_scales(backend, &scales[..n], factor, &mut out[..n]) {
                for (o, &c) in out.iter_mut().zip(&scales[..n]) {
                    if c & 0x7f == 0x7f {
                        *o = f32::from_bits(<crate::minifloat::E4M3FN as FastSpec>::TABLE[c as usize]) * factor;
                    }
                }
            }
        }
        // 0xff is NaN, 0 is 2^−127.
        ScaleEncoding::E8M0 => e8m0_scales(backend, &scales[..n], factor, &mut out[..n]),
        ScaleEncoding::UInt(_) => unreachable!("two-level scales take the integer combination"),
    }
}

/// A tile of consecutive weight rows: row `i`'s codes at `codes[i·cstride..][..cbytes]`, its
/// block scales at `scales[i·sstride..]`, its row scale `row_scales[i]`.
pub(crate) struct Tile<'a> {
    pub codes: &'a [u8],
    pub cstride: usize,
    pub cbytes: usize,
    pub scales: &'a [u8],
    pub sstride: usize,
    pub row_scales: &'a [f32],
}

impl Tile<'_> {
    fn rows(&self) -> usize {
        self.row_scales.len()
    }
}

/// Sign-extend `bits`-bit codes of a packed row into bytes.
fn unpack_row(codes: &[u8], bits: u32, k: usize, out: &mut [u8]) {
    let sh = 8 - bits;
    for (i, u) in out[..k].iter_mut().enumerate() {
        let bit = i * bits as usize;
        let lo = codes[bit / 8] as u16;
        let hi = if bit % 8 + bits as usize > 8 { codes[bit / 8 + 1] as u16 } else { 0 };
        let c = (((lo | hi << 8) >> (bit % 8)) as u8) << sh;
        *u = ((c as i8) >> sh) as u8;
    }
}

/// The integer kernels over every row of `t` with activation vectors `j0 .. j0 + rows`: the
/// exact block sums into `sc.d` (row `i`, vector `r` at `(i·rows + r)·nb_pad`) when `fused` is
/// false, else steps 3–4 of the documented order into `sc.acc` with the weight block scales
/// `sw` (row `i` at `i·sws`; ignored when `fused` is false).
#[allow(clippy::too_many_arguments)]
fn tile_dots(
    backend: Backend,
    p: &IntPlan,
    t: &Tile<'_>,
    qa: &QuantizedActivations,
    j0: usize,
    rows: usize,
    fused: bool,
    (sw, sws): (&[f32], usize),
    sc: &mut Scratch,
) {
    let v = p.v;
    let ds = qa.nb_pad;
    let nchunks = ds / LANES;
    let wr = t.rows();
    if fused {
        sc.acc.clear();
        sc.acc.resize(wr * rows, [0.0; LANES]);
    } else {
        sc.d.clear();
        sc.d.resize(wr * rows * ds, 0);
    }
    let xs = qa.stride;
    let (w, bits) = match p.kind {
        WeightKind::Int4 => (IntWeights::Nibbles { lut: &INT4_LUT, offset: 8 }, 4),
        WeightKind::E2M1 => (IntWeights::Nibbles { lut: &E2M1_LUT, offset: 12 }, 4),
        WeightKind::Bytes | WeightKind::Unpack(_) => (IntWeights::Bytes, 8),
    };
    let x = if bits == 4 { &qa.qs[j0 * xs..] } else { &qa.q[j0 * xs..] };
    let xsum = &qa.xsum[j0 * ds..];
    let sx = if fused { &qa.sx[j0 * ds..] } else { &[][..] };
    let n = qa.nblocks;
    // The output of the chunks from block `b0` of weight rows `i0..`.
    macro_rules! out {
        ($i0:expr, $b0:expr) => {
            if fused {
                Out::Acc {
                    sw: &sw[$i0 * sws + $b0..],
                    sws,
                    sx: &sx[$b0..],
                    sxs: ds,
                    valid: n.saturating_sub($b0),
                    acc: &mut sc.acc[$i0 * rows..],
                }
            } else {
                Out::Dots { d: &mut sc.d[$i0 * rows * ds + $b0..], ds }
            }
        };
    }
    if let WeightKind::Unpack(b) = p.kind {
        let us = nchunks * LANES * v;
        let mut un = core::mem::take(&mut sc.unpacked);
        un.clear();
        un.resize(wr * us, 0);
        for i in 0..wr {
            unpack_row(&t.codes[i * t.cstride..], b, qa.k, &mut un[i * us..(i + 1) * us]);
        }
        int_block_dots(backend, w, &un, wr, us, v, nchunks, x, xs, xsum, ds, rows, out!(0, 0));
        sc.unpacked = un;
        return;
    }
    let chunk_bytes = LANES * v * bits / 8;
    let full = (t.cbytes / chunk_bytes).min(nchunks);
    int_block_dots(backend, w, t.codes, wr, t.cstride, v, full, x, xs, xsum, ds, rows, out!(0, 0));
    let mut pad = core::mem::take(&mut sc.pad);
    for c in full..nchunks {
        // The last chunk, zero-padded past the row's codes (whole-row schemes pack no padding).
        for i in 0..wr {
            pad.clear();
            pad.resize(chunk_bytes, 0);
            let row = &t.codes[i * t.cstride..i * t.cstride + t.cbytes];
            let src = &row[(c * chunk_bytes).min(row.len())..((c + 1) * chunk_bytes).min(row.len())];
            pad[..src.len()].copy_from_slice(src);
            let o = c * LANES;
            int_block_dots(backend, w, &pad, 1, 0, v, 1, &x[o * v..], xs, &xsum[o..], ds, rows, out!(i, o));
        }
    }
    sc.pad = pad;
}

/// Whether the one-level kernels read `s`'s block scales where they lie (`f32`, no element
/// factor, whole chunks of 16 blocks per row), rather than decoding them first.
pub(crate) fn scales_in_place(p: &IntPlan, s: &Scheme, nblocks: usize) -> bool {
    !p.two_level && s.scale() == ScaleEncoding::F32 && p.factor == 1.0 && nblocks.is_multiple_of(LANES)
}

/// `out[i·rows + r] = row_i · x_{j0 + r}` for every row of the tile and `rows ≤ 4` activation
/// vectors, on the integer path (the documented order).
#[allow(clippy::too_many_arguments)]
pub(crate) fn int_tile(
    backend: Backend,
    p: &IntPlan,
    s: &Scheme,
    t: &Tile<'_>,
    qa: &QuantizedActivations,
    j0: usize,
    rows: usize,
    out: &mut [f32],
    sc: &mut Scratch,
) {
    // n = 0 flows through: the empty combinations are +0 and 0.
    let n = qa.nblocks;
    let ds = qa.nb_pad;
    let wr = t.rows();
    if p.two_level {
        tile_dots(backend, p, t, qa, j0, rows, false, (&[], 0), sc);
        let ScaleEncoding::UInt(m) = s.scale() else { unreachable!() };
        let mask = ((1u16 << m) - 1) as u8;
        for i in 0..wr {
            sc.swi.clear();
            sc.swi.extend(t.scales[i * t.sstride..i * t.sstride + n].iter().map(|&c| (c & mask) as i32));
            for r in 0..rows {
                let j = j0 + r;
                let o = i * rows + r;
                let big = combine_i64(backend, &sc.d[o * ds..o * ds + n], &sc.swi, &qa.sxi[j * ds..j * ds + n]);
                // One f64 rounding of `D · (γ_w · γ_x)` (the γ product is exact in f64, and so is
                // `D` below 2^53), then one to f32: no f32 underflow of the γ product.
                out[o] = (big as f64 * (t.row_scales[i] as f64 * qa.gamma[j] as f64)) as f32;
            }
        }
    } else {
        // `f32` block scales with no factor, a whole number of chunks per row and 4-byte
        // alignment are read where they lie; other encodings are decoded into `sc.sw` (the
        // kernels never use the scales of padding blocks, so stale values there are harmless).
        let direct = if scales_in_place(p, s, n) && t.sstride.is_multiple_of(4) {
            bytemuck::try_cast_slice::<u8, f32>(&t.scales[..t.scales.len() / 4 * 4])
                .ok()
                .filter(|f| f.len() >= (wr - 1) * (t.sstride / 4) + n)
        } else {
            None
        };
        if let Some(sw) = direct {
            tile_dots(backend, p, t, qa, j0, rows, true, (sw, t.sstride / 4), sc);
        } else {
            let mut sw = core::mem::take(&mut sc.sw);
            if sw.len() < wr * ds {
                sw.resize(wr * ds, 0.0);
            }
            for i in 0..wr {
                decode_scales(backend, s, &t.scales[i * t.sstride..], n, p.factor, &mut sw[i * ds..i * ds + n]);
            }
            tile_dots(backend, p, t, qa, j0, rows, true, (&sw, ds), sc);
            sc.sw = sw;
        }
        for (o, acc) in out[..wr * rows].iter_mut().zip(&sc.acc) {
            *o = fold16(*acc);
        }
        if s.outer() != Outer::None {
            for i in 0..wr {
                for o in &mut out[i * rows..(i + 1) * rows] {
                    *o *= t.row_scales[i];
                }
            }
        }
    }
}

/// The float path for up to four block-scaled rows (MX float elements): each row dequantized
/// (the exact `f32` values `dequantize` gives), then the `f32` FMA order against each `f32`
/// activation vector; `y[j·stride + i]` for row `i` and vector `j`.
pub(crate) fn float_rows<R: BlockScaled>(
    backend: Backend,
    rows: &[R],
    qa: &QuantizedActivations,
    y: &mut [f32],
    y_stride: usize,
    sc: &mut Scratch,
) {
    let k = qa.k;
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if qa.m < 4 && backend == Backend::Avx512 && fused_mx_fp8(backend, rows, qa, y, y_stride) {
        return;
    }
    sc.wf.clear();
    sc.wf.resize(rows.len() * k, 0.0);
    for (i, r) in rows.iter().enumerate() {
        let out = &mut sc.wf[i * k..(i + 1) * k];
        let s = r.scheme();
        let fp8 = matches!(s.element(), Element::E4M3 | Element::E5M2);
        if fp8 && s.scale() == ScaleEncoding::E8M0 && s.outer() == Outer::None && s.block_len() > 0 {
            // MXFP8: the element decoded by arithmetic, times the power of two `X` in `f32` —
            // one rounding of the exact `element · X`, which is what `dequantize` returns.
            if s.element() == Element::E4M3 {
                e4m3_decode(backend, &r.codes()[..k], out);
            } else {
                e5m2_decode(backend, &r.codes()[..k], out);
            }
            let mut x = vec![0f32; r.num_blocks()];
            decode_scales(backend, s, r.scales(), x.len(), 1.0, &mut x);
            for (chunk, &xv) in out.chunks_mut(s.block_len()).zip(&x) {
                for v in chunk {
                    *v *= xv;
                }
            }
        } else {
            r.dequantize_into_on(backend, out).expect("row length");
        }
    }
    fma_block(backend, &sc.wf, rows.len(), qa, y, y_stride, None);
}

/// MXFP8 rows (E4M3/E5M2 elements, E8M0 block scales) with the decode fused into the FMA
/// loop (`x86_kernels::fp8_fma_rows`); `false` (nothing written) where it does not run.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
fn fused_mx_fp8<R: BlockScaled>(
    backend: Backend,
    rows: &[R],
    qa: &QuantizedActivations,
    y: &mut [f32],
    y_stride: usize,
) -> bool {
    let k = qa.k;
    let Some(r0) = rows.first() else { return true };
    let s = r0.scheme();
    let e5 = match s.element() {
        Element::E4M3 => false,
        Element::E5M2 => true,
        _ => return false,
    };
    if rows.len() > 4 || s.scale() != ScaleEncoding::E8M0 || s.outer() != Outer::None || s.block_len() == 0 {
        return false;
    }
    let v = s.block_len();
    let nb = k.div_ceil(v);
    let mut sx = [0f32; 4 * 64];
    let mut sxv;
    let scales: &mut [f32] = if rows.len() * nb <= sx.len() {
        &mut sx[..rows.len() * nb]
    } else {
        sxv = vec![0f32; rows.len() * nb];
        &mut sxv
    };
    let mut codes: [&[u8]; 4] = [&[]; 4];
    for (i, r) in rows.iter().enumerate() {
        if r.scheme() != s || r.codes().len() < k {
            return false;
        }
        decode_scales(backend, s, r.scales(), nb, 1.0, &mut scales[i * nb..(i + 1) * nb]);
        codes[i] = r.codes();
    }
    let mut out = [[0f32; 4]; 4];
    for (j, oj) in out.iter_mut().enumerate().take(qa.m) {
        let mut acc = [[0f32; LANES]; 4];
        if !crate::arch::x86_kernels::fp8_fma_rows(
            e5,
            &codes[..rows.len()],
            k,
            &qa.xf[j * k..(j + 1) * k],
            Some((scales, v)),
            &mut acc[..rows.len()],
        ) {
            return false;
        }
        for (o, a) in oj.iter_mut().zip(&acc[..rows.len()]) {
            *o = fold16(*a);
        }
    }
    for j in 0..qa.m {
        for i in 0..rows.len() {
            y[j * y_stride + i] = out[j][i];
        }
    }
    true
}

/// `y[j·stride + i] = fold(fma order of row i with vector j)` (times `row_scales[i]` when
/// given), for `nrows ≤ 4` rows of `w` (`nrows · k` values).
pub(crate) fn fma_block(
    backend: Backend,
    w: &[f32],
    nrows: usize,
    qa: &QuantizedActivations,
    y: &mut [f32],
    y_stride: usize,
    row_scales: Option<&[f32]>,
) {
    let k = qa.k;
    let mut out = [0f32; 4];
    for j in 0..qa.m {
        let x = &qa.xf[j * k..(j + 1) * k];
        fma_rows(backend, &w[..nrows * k], x, &mut out[..nrows]);
        for i in 0..nrows {
            let t = out[i];
            y[j * y_stride + i] = match row_scales {
                Some(s) => t * s[i],
                None => t,
            };
        }
    }
}

/// The AVX-512 VNNI GEMM on the block-transposed layout (see `x86_kernels::gemm_t`): the
/// activations packed once, each tile of four weight rows decoded once and run against every
/// activation row, four at a time. `false` (nothing done) where it does not apply: another
/// backend, two-level scales, unpacked widths, or a block length the layout does not take.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) fn gemm_t_rows(
    backend: Backend,
    p: &IntPlan,
    w: &crate::block::BlockMatrix,
    qa: &QuantizedActivations,
    rows: core::ops::Range<usize>,
    y: &mut [f32],
) -> bool {
    use crate::arch::x86_kernels::{gemm_t, gemm_t_leaves, pack_acts_t, pack_weights_t, GemmT};
    if p.two_level || qa.m == 0 || qa.nblocks == 0 {
        return false;
    }
    let (iw, nib, off) = match p.kind {
        WeightKind::Int4 => (IntWeights::Nibbles { lut: &INT4_LUT, offset: 8 }, true, 8),
        WeightKind::E2M1 => (IntWeights::Nibbles { lut: &E2M1_LUT, offset: 12 }, true, 12),
        WeightKind::Bytes => (IntWeights::Bytes, false, 128),
        WeightKind::Unpack(_) => return false,
    };
    let Some(l) = gemm_t_leaves(backend, iw, p.v) else { return false };
    let s = w.scheme();
    let n = w.rows();
    let (m, ds, xs) = (qa.m, qa.nb_pad, qa.stride);
    let nch = ds / LANES;
    let steps = l * if nib { 2 } else { 1 };
    let prow = nch * steps * 64;
    debug_assert_eq!(prow, xs);
    // The activations, packed, and their corrections.
    let mut a = vec![0u8; m * prow];
    let src = if nib { &qa.qs } else { &qa.q };
    for r in 0..m {
        pack_acts_t(nib, l, &src[r * xs..(r + 1) * xs], nch, &mut a[r * prow..(r + 1) * prow]);
    }
    let corr: Vec<i32> = qa.xsum.iter().map(|&v| v.wrapping_mul(-off)).collect();
    let nr = n.max(1);
    let (cs, ss) = (w.codes().len() / nr, w.scales().len() / nr);
    let mut wt = vec![0u8; 4 * prow];
    let mut sw = vec![0f32; 4 * ds];
    let mut out = [0f32; 16];
    let mut t0 = rows.start;
    while t0 < rows.end {
        let wr = (rows.end - t0).min(4);
        // Fetch the next tile's codes while this one runs (they are read once, from memory).
        let next = (t0 + wr).min(rows.end)..(t0 + 2 * wr).min(rows.end);
        if !next.is_empty() {
            let bytes = &w.codes()[next.start * cs..next.end * cs];
            for line in bytes.chunks(64) {
                // SAFETY: a prefetch reads nothing architecturally; the address is in `bytes`.
                unsafe {
                    core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast())
                };
            }
        }
        for i in 0..wr {
            let r = t0 + i;
            pack_weights_t(iw, l, &w.codes()[r * cs..(r + 1) * cs], nch, &mut wt[i * prow..(i + 1) * prow]);
            decode_scales(
                backend,
                s,
                &w.scales()[r * ss..],
                qa.nblocks,
                p.factor,
                &mut sw[i * ds..i * ds + qa.nblocks],
            );
        }
        let mut j0 = 0;
        while j0 < m {
            let ar = (m - j0).min(4);
            let g = GemmT {
                w: &wt,
                wst: prow,
                a: &a[j0 * prow..],
                ast: prow,
                corr: &corr[j0 * ds..],
                sw: &sw,
                sx: &qa.sx[j0 * ds..],
                bst: ds,
                steps,
                valid: qa.nblocks,
            };
            gemm_t(&g, wr, ar, &mut out);
            for i in 0..wr {
                let rs = if s.outer() != Outer::None { Some(w.row_scales()[t0 + i]) } else { None };
                for jj in 0..ar {
                    let v = out[i * ar + jj];
                    y[(j0 + jj) * n + t0 + i] = match rs {
                        Some(f) => v * f,
                        None => v,
                    };
                }
            }
            j0 += ar;
        }
        t0 += wr;
    }
    true
}
