//! The integer path: block-scaled weights (VSQ, MXFP4, NVFP4, MXINT8, per-row and per-tensor
//! integers) against INT8 activations, and the float path for MX float elements.

use super::activations::QuantizedActivations;
use crate::arch::kernels::{combine_f32, combine_i64, fma_rows1, fma_rows4, int_block_dots, IntWeights, LANES};
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
    sw: Vec<f32>,
    swi: Vec<i32>,
    pad: Vec<u8>,
    unpacked: Vec<u8>,
    wf: Vec<f32>,
}

/// Decode a row's block scales into `f32` (times the element factor), `n` of them.
fn decode_scales(s: &Scheme, scales: &[u8], n: usize, factor: f32, out: &mut Vec<f32>) {
    out.clear();
    let enc = s.scale();
    match enc {
        ScaleEncoding::None => out.resize(n, factor),
        ScaleEncoding::F32 => out.extend(
            scales[..4 * n].chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * factor),
        ),
        ScaleEncoding::F16 => out.extend(
            scales[..2 * n].chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32() * factor),
        ),
        ScaleEncoding::BF16 => out.extend(
            scales[..2 * n].chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32() * factor),
        ),
        ScaleEncoding::E4M3 => out.extend(
            scales[..n].iter().map(|&c| f32::from_bits(<crate::minifloat::E4M3FN as FastSpec>::TABLE[c as usize]) * factor),
        ),
        ScaleEncoding::E8M0 => out.extend(scales[..n].iter().map(|&c| {
            let x = if c == 0xff {
                f32::NAN
            } else if c == 0 {
                f32::from_bits(0x0040_0000) // 2^−127
            } else {
                f32::from_bits((c as u32) << 23)
            };
            x * factor
        })),
        ScaleEncoding::UInt(_) => unreachable!("two-level scales take the integer combination"),
    }
}

/// The weight codes of one row in the form the kernel reads, and the kernel's view of them.
fn row_weights<'a>(
    kind: WeightKind,
    codes: &'a [u8],
    k: usize,
    nb_pad: usize,
    v: usize,
    unpacked: &'a mut Vec<u8>,
) -> (IntWeights<'static>, &'a [u8]) {
    match kind {
        WeightKind::Int4 => (IntWeights::Nibbles { lut: &INT4_LUT, offset: 8 }, codes),
        WeightKind::E2M1 => (IntWeights::Nibbles { lut: &E2M1_LUT, offset: 12 }, codes),
        WeightKind::Bytes => (IntWeights::Bytes, codes),
        WeightKind::Unpack(bits) => {
            unpacked.clear();
            unpacked.resize(nb_pad * v, 0);
            let sh = 8 - bits;
            for (i, u) in unpacked[..k].iter_mut().enumerate() {
                let bit = i * bits as usize;
                let lo = codes[bit / 8] as u16;
                let hi = if bit % 8 + bits as usize > 8 { codes[bit / 8 + 1] as u16 } else { 0 };
                let c = (((lo | hi << 8) >> (bit % 8)) as u8) << sh;
                *u = ((c as i8) >> sh) as u8;
            }
            (IntWeights::Bytes, &unpacked[..])
        }
    }
}

/// The exact block dot products `d[r][b]` of one weight row with activation vectors
/// `j0 .. j0 + rows`, into `scratch.d` (stride `qa.nb_pad`).
fn row_dots(backend: Backend, p: &IntPlan, codes: &[u8], qa: &QuantizedActivations, j0: usize, rows: usize, sc: &mut Scratch) {
    let v = p.v;
    let ds = qa.nb_pad;
    sc.d.clear();
    sc.d.resize(rows * ds, 0);
    let (w, codes) = row_weights(p.kind, codes, qa.k, qa.nb_pad, v, &mut sc.unpacked);
    let bits = if matches!(w, IntWeights::Nibbles { .. }) { 4 } else { 8 };
    let x = if bits == 4 { &qa.qs[..] } else { &qa.q[..] };
    let x = &x[j0 * qa.stride..];
    let xsum = &qa.xsum[j0 * ds..];
    let nchunks = ds / LANES;
    let chunk_bytes = LANES * v * bits / 8;
    let full = (codes.len() / chunk_bytes).min(nchunks);
    int_block_dots(backend, w, codes, v, full, x, qa.stride, xsum, ds, rows, &mut sc.d, ds);
    for c in full..nchunks {
        // The last chunk, zero-padded past the row's codes (whole-row schemes pack no padding).
        sc.pad.clear();
        sc.pad.resize(chunk_bytes, 0);
        let src = &codes[(c * chunk_bytes).min(codes.len())..((c + 1) * chunk_bytes).min(codes.len())];
        sc.pad[..src.len()].copy_from_slice(src);
        let o = c * LANES;
        int_block_dots(backend, w, &sc.pad, v, 1, &x[o * v..], qa.stride, &xsum[o..], ds, rows, &mut sc.d[o..], ds);
    }
}

/// `y[r] = row · x_{j0 + r}` for `r < rows` on the integer path (the documented order).
#[allow(clippy::too_many_arguments)]
pub(crate) fn int_row(
    backend: Backend,
    p: &IntPlan,
    s: &Scheme,
    row: &impl BlockScaled,
    qa: &QuantizedActivations,
    j0: usize,
    y: &mut [f32],
    sc: &mut Scratch,
) {
    let rows = y.len();
    let n = qa.nblocks;
    // n = 0 flows through: the empty combinations are +0 and 0.
    row_dots(backend, p, row.codes(), qa, j0, rows, sc);
    let ds = qa.nb_pad;
    if p.two_level {
        let ScaleEncoding::UInt(m) = s.scale() else { unreachable!() };
        let mask = ((1u16 << m) - 1) as u8;
        sc.swi.clear();
        sc.swi.extend(row.scales()[..n].iter().map(|&c| (c & mask) as i32));
        for (r, o) in y.iter_mut().enumerate() {
            let j = j0 + r;
            let big = combine_i64(backend, &sc.d[r * ds..r * ds + n], &sc.swi, &qa.sxi[j * ds..j * ds + n]);
            *o = big as f32 * (row.row_scale() * qa.gamma[j]);
        }
    } else {
        decode_scales(s, row.scales(), n, p.factor, &mut sc.sw);
        for (r, o) in y.iter_mut().enumerate() {
            let j = j0 + r;
            let t = combine_f32(backend, &sc.d[r * ds..r * ds + n], &sc.sw, &qa.sx[j * ds..j * ds + n]);
            *o = if s.outer() == Outer::None { t } else { t * row.row_scale() };
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
    sc.wf.clear();
    sc.wf.resize(rows.len() * k, 0.0);
    for (i, r) in rows.iter().enumerate() {
        r.dequantize_into_on(backend, &mut sc.wf[i * k..(i + 1) * k]).expect("row length");
    }
    fma_block(backend, &sc.wf, rows.len(), qa, y, y_stride, None);
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
        if nrows == 4 {
            fma_rows4(backend, w, x, &mut out);
        } else {
            for i in 0..nrows {
                fma_rows1(backend, &w[i * k..(i + 1) * k], x, &mut out[i..i + 1]);
            }
        }
        for i in 0..nrows {
            let t = out[i];
            y[j * y_stride + i] = match row_scales {
                Some(s) => t * s[i],
                None => t,
            };
        }
    }
}
