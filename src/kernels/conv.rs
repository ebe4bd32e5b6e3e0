//! The integer path shaped for convolutions and small layers: few weight rows (16–64) against
//! many activation rows (im2col patches), the activations packed without padding.
//!
//! Weights are packed once ([`PackedWeights`]): the integers `q_w` (INT codes, MXINT8 codes,
//! twice the E2M1 values) as `i8`, sixteen rows per group, four consecutive `k` per 32-bit lane
//! (the `vpdpbusd` layout), with each row's decoded block scales `sw_v` (the element factor
//! folded in, as the other kernels do), `128 · Σ_{i∈v} q_w,i` per block and the row scales.
//! Activations ([`PackedActs`]) are the INT8 codes plus 128 (unsigned bytes), each row padded
//! only to a multiple of four with the code 0, and the per-vector scales `s_x,v`.
//!
//! Each output follows the documented order exactly: `d_v = Σ (q_x + 128) · q_w − 128 · Σ q_w`
//! (exact in `i32`: wrapping sums of an exact result), `t_v = (d_v as f32) · (sw_v · s_x,v)`,
//! `acc[v % 16] += t_v` from `+0` in increasing `v`, the fold 8/4/2/1, times the row scale.
//! The same bits as [`BlockMatrix::gemm_prepared`] (tests/nn_layers.rs, tests/kernels_conv.rs).

use super::activations::static_code;
use super::int::{decode_scales, int_plan, WeightKind, E2M1_LUT, INT4_LUT};
use super::KernelError;
use crate::arch::kernels::{first_non_finite, fold16, LANES};
use crate::block::{int_code, quantize::abs_max_scale, BlockMatrix, Outer, Scheme};
use crate::bulk::Backend;

/// Weight rows per group (one 512-bit register of `i32` lanes).
pub(crate) const GROUP: usize = 16;

/// A one-level integer-path [`BlockMatrix`] packed for [`gemm`].
#[derive(Clone, Debug)]
pub(crate) struct PackedWeights {
    /// Rows (outputs) and columns.
    pub n: usize,
    pub k: usize,
    /// Groups of 16 rows, quads of `k` (`⌈k / 4⌉`), vector length, vectors per row.
    pub ng: usize,
    pub kq: usize,
    pub v: usize,
    pub nb: usize,
    /// `[group][quad][16 rows][4]`.
    pub w: Vec<i8>,
    /// `[group][block][16 rows]`: `128 · Σ q_w` over the block.
    pub wsum: Vec<i32>,
    /// `[group][block][16 rows]`: the decoded block scales times the element factor.
    pub sw: Vec<f32>,
    /// The row scales, where the scheme has them.
    pub rs: Option<Vec<f32>>,
}

impl PackedWeights {
    /// Pack `w`, or `None` where this path does not take it (two-level scales, widths other
    /// than 4 and 8 bits, vector lengths that are not a multiple of 4 or above 4096).
    pub(crate) fn new(backend: Backend, w: &BlockMatrix) -> Option<PackedWeights> {
        let s = w.scheme();
        let p = int_plan(s)?;
        if p.two_level || matches!(p.kind, WeightKind::Unpack(_)) || !p.v.is_multiple_of(4) || p.v > 4096 {
            return None;
        }
        let (n, k, v) = (w.rows(), w.cols(), p.v);
        let (ng, kq, nb) = (n.div_ceil(GROUP), k.div_ceil(4), k.div_ceil(v));
        let nr = n.max(1);
        let (cs, ss) = (w.codes().len() / nr, w.scales().len() / nr);
        let mut pw = PackedWeights {
            n,
            k,
            ng,
            kq,
            v,
            nb,
            w: vec![0; ng * kq * GROUP * 4],
            wsum: vec![0; ng * nb * GROUP],
            sw: vec![0.0; ng * nb * GROUP],
            rs: (s.outer() != Outer::None).then(|| w.row_scales().to_vec()),
        };
        let mut sw = vec![0f32; nb];
        for r in 0..n {
            let (g, l) = (r / GROUP, r % GROUP);
            let codes = &w.codes()[r * cs..(r + 1) * cs];
            for i in 0..k {
                let q = match p.kind {
                    WeightKind::Int4 => INT4_LUT[((codes[i / 2] >> ((i & 1) * 4)) & 0xf) as usize] as i32 - 8,
                    WeightKind::E2M1 => E2M1_LUT[((codes[i / 2] >> ((i & 1) * 4)) & 0xf) as usize] as i32 - 12,
                    _ => codes[i] as i8 as i32,
                };
                pw.w[((g * kq + i / 4) * GROUP + l) * 4 + i % 4] = q as i8;
                pw.wsum[(g * nb + i / v) * GROUP + l] += 128 * q;
            }
            decode_scales(backend, s, &w.scales()[r * ss..], nb, p.factor, &mut sw);
            for (b, &x) in sw.iter().enumerate() {
                pw.sw[(g * nb + b) * GROUP + l] = x;
            }
        }
        Some(pw)
    }
}

/// Activation rows for [`gemm`]: codes plus 128, `4 · kq` bytes per row; `nb` scales per row.
#[derive(Clone, Debug, Default)]
pub(crate) struct PackedActs {
    pub m: usize,
    pub k: usize,
    pub kq: usize,
    pub v: usize,
    pub nb: usize,
    pub x: Vec<u8>,
    pub sx: Vec<f32>,
}

impl PackedActs {
    /// Room for `m` rows of `k` codes; the padding past `k` in each row is 128 (code 0). The
    /// callers write every code and scale, so only a change of `k` or `v` refills.
    fn reset(&mut self, m: usize, k: usize, v: usize) {
        let (kq, nb) = (k.div_ceil(4), k.div_ceil(v));
        if (k, v) != (self.k, self.v) {
            self.x.clear();
            self.sx.clear();
        }
        *self = PackedActs { m, k, kq, v, nb, ..core::mem::take(self) };
        self.x.resize(m * kq * 4, 128);
        self.sx.resize(m * nb, 0.0);
    }

    /// Dynamic per-vector INT8 (`Scheme::vsq(8, v, F32)`, the block quantizer row by row):
    /// the codes and scales [`QuantizedActivations::new_on`](super::QuantizedActivations::new_on)
    /// gives, and its errors.
    pub(crate) fn quantize(
        &mut self,
        backend: Backend,
        x: &[f32],
        m: usize,
        k: usize,
        v: usize,
    ) -> Result<(), KernelError> {
        debug_assert_eq!(x.len(), m * k);
        if let Some(i) = first_non_finite(backend, x) {
            return Err(KernelError::NonFinite { index: i, value: x[i] });
        }
        // The vector lengths the block quantizer takes for INT8 (the same error as
        // `QuantizedActivations::new_on`).
        let scheme = Scheme::vsq(8, v, crate::block::ScaleEncoding::F32)
            .map_err(|_| KernelError::Unsupported { reason: "no INT8 block scheme has this vector length" })?;
        self.reset(m, k, v);
        if k == 0 {
            return Ok(());
        }
        int8_vectors(backend, x, k, &scheme, self.kq * 4, &mut self.x, &mut self.sx);
        Ok(())
    }

    /// Static INT8 under one `scale`: the rows to fill with the codes plus 128
    /// ([`static_codes`]), `4 · kq` bytes apart, the padding past `k` already 128 (code 0);
    /// every vector's scale is `scale`.
    pub(crate) fn static_rows(&mut self, m: usize, k: usize, v: usize, scale: f32) -> &mut [u8] {
        self.reset(m, k, v);
        self.sx.fill(scale);
        &mut self.x
    }
}

crate::arch::multiversion! {
    /// Dynamic per-vector INT8 of the rows of `x` (`k` each, all finite) into
    /// `out` (codes plus 128, rows `xs` apart) and `sx` (`⌈k / v⌉` scales per row) under `s =
    /// Scheme::vsq(8, v, F32)`: the block quantizer's steps (`block::quantize::quantize_row`)
    /// written out for this one scheme — per vector the largest `|x|`, its scale by the block
    /// quantizer's own rule (`abs_max_scale`; `+0` and codes 0 for an all-zero vector), each
    /// code the nearest-even integer to `x / g` (`f64` quotient) clamped to ±127. The same
    /// codes and scales (tests/nn_layers.rs and tests/kernels_conv.rs replay the block
    /// quantizer).
    fn int8_vectors(x: &[f32], k: usize, s: &Scheme, xs: usize, out: &mut [u8], sx: &mut [f32])
        = int8_vectors_body;
}

#[inline(always)]
fn int8_vectors_body(x: &[f32], k: usize, s: &Scheme, xs: usize, out: &mut [u8], sx: &mut [f32]) {
    let v = s.block_len();
    let nb = k.div_ceil(v.max(1));
    if k == 0 {
        return;
    }
    for (r, row) in x.chunks_exact(k).enumerate() {
        let codes = &mut out[r * xs..r * xs + k];
        for ((blk, cb), sv) in row.chunks(v).zip(codes.chunks_mut(v)).zip(&mut sx[r * nb..(r + 1) * nb]) {
            let amax = blk.iter().fold(0f32, |a, &t| a.max(t.abs()));
            if amax == 0.0 {
                *sv = 0.0;
                cb.fill(128);
                continue;
            }
            let g = abs_max_scale(s, amax, 1.0, 64);
            *sv = f32::from_bits(g.code);
            for (c, &t) in cb.iter_mut().zip(blk) {
                *c = int_code(t as f64 / g.d, 127.0, 0xff) ^ 0x80;
            }
        }
    }
}

/// The static INT8 codes of `x` under `scale`, plus 128: the codes
/// [`QuantizedActivations::with_scale`](super::QuantizedActivations::with_scale) gives, taken
/// once per element before the im2col copies (the padding zeros are code 0, byte 128).
pub(crate) fn static_codes(backend: Backend, x: &[f32], scale: f32) -> Vec<u8> {
    let mut out = vec![0u8; x.len()];
    static_codes_into(backend, x, scale, &mut out);
    out
}

crate::arch::multiversion! {
    /// [`static_codes`] into `out` (as long as `x`), on `backend`: the same `f64` quotient,
    /// clamp and nearest-even rounding per element, in wider registers.
    fn static_codes_into(x: &[f32], scale: f32, out: &mut [u8]) = static_codes_body;
}

#[inline(always)]
fn static_codes_body(x: &[f32], scale: f32, out: &mut [u8]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = static_code(v, scale) as u8 ^ 0x80;
    }
}

/// `y[j · n + i]` = weight row `i` · activation row `j` in the documented order (before any
/// bias), for every row of `a`.
pub(crate) fn gemm(backend: Backend, w: &PackedWeights, a: &PackedActs, y: &mut [f32]) {
    assert!(a.k == w.k && a.v == w.v && y.len() == a.m * w.n, "packed shapes");
    let ws = w.ng * GROUP;
    // Whole groups write straight into `y`; otherwise through a padded buffer.
    let mut buf = Vec::new();
    let direct = w.n == ws;
    let out: &mut [f32] = if direct {
        y
    } else {
        buf.resize(a.m * ws, 0.0);
        &mut buf
    };
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    let done = crate::arch::x86_kernels::conv_gemm(backend, w, a, out);
    #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
    let done = {
        let _ = backend;
        false
    };
    if !done {
        gemm_portable(w, a, out);
    }
    if !direct {
        for (yr, or) in y.chunks_exact_mut(w.n.max(1)).zip(buf.chunks_exact(ws.max(1))) {
            yr.copy_from_slice(&or[..w.n]);
        }
    }
    if let Some(rs) = &w.rs {
        for yr in y.chunks_exact_mut(w.n.max(1)) {
            for (o, &s) in yr.iter_mut().zip(rs) {
                *o *= s;
            }
        }
    }
}

/// The portable twin: `out[j · 16·ng + i]`, the folded sums before the row scale.
pub(crate) fn gemm_portable(w: &PackedWeights, a: &PackedActs, out: &mut [f32]) {
    let (kq, nb, qv) = (w.kq, w.nb, w.v / 4);
    let ws = w.ng * GROUP;
    for j in 0..a.m {
        let x = &a.x[j * kq * 4..(j + 1) * kq * 4];
        for g in 0..w.ng {
            for l in 0..GROUP {
                let mut acc = [0f32; LANES];
                for b in 0..nb {
                    let mut d = 0i32;
                    for q in b * qv..((b + 1) * qv).min(kq) {
                        let wq = &w.w[((g * kq + q) * GROUP + l) * 4..][..4];
                        for e in 0..4 {
                            d = d.wrapping_add(x[4 * q + e] as i32 * wq[e] as i32);
                        }
                    }
                    let d = d.wrapping_sub(w.wsum[(g * nb + b) * GROUP + l]);
                    let s = w.sw[(g * nb + b) * GROUP + l] * a.sx[j * nb + b];
                    acc[b % LANES] += d as f32 * s;
                }
                out[j * ws + g * GROUP + l] = fold16(acc);
            }
        }
    }
}

/// A [`BlockMatrix`] on the integer path packed for few weight rows against many activation
/// rows (convolutions as im2col GEMMs, small layers): the same bits as
/// [`BlockMatrix::gemm_prepared`] on [`QuantizedActivations`](super::QuantizedActivations)
/// built by `new_on` (dynamic per-vector INT8) or `with_scale` (one static scale), without
/// padding each activation row to whole chunks of 16 vectors.
///
/// ```
/// use lowp::block::{BlockMatrix, Scheme};
/// use lowp::kernels::{QuantizedActivations, RowTileMatrix};
/// let (n, k, m) = (16, 9, 5);
/// let w: Vec<f32> = (0..n * k).map(|i| ((i * 7) % 13) as f32 / 13.0 - 0.5).collect();
/// let x: Vec<f32> = (0..m * k).map(|i| ((i * 5) % 11) as f32 / 11.0 - 0.5).collect();
/// let wq = BlockMatrix::quantize(&"vsq-int4-v64".parse::<Scheme>().unwrap(), &w, n, k).unwrap();
/// let rt = RowTileMatrix::new(&wq).unwrap();
/// let mut y = vec![0.0; m * n];
/// rt.gemm(&x, m, None, &mut y).unwrap();
/// let mut want = vec![0.0; m * n];
/// wq.gemm_prepared(&QuantizedActivations::for_matrix(&wq, &x, m).unwrap(), &mut want).unwrap();
/// assert_eq!(y, want);
/// ```
#[derive(Clone, Debug)]
pub struct RowTileMatrix {
    w: PackedWeights,
}

impl RowTileMatrix {
    /// Pack `w`; `None` for what this path does not take (two-level VSQ, integer widths other
    /// than 4 and 8, vector lengths that are not a multiple of 4 or above 4096, the float path).
    pub fn new(w: &BlockMatrix) -> Option<RowTileMatrix> {
        PackedWeights::new(Backend::best(), w).map(|w| RowTileMatrix { w })
    }

    /// Weight rows (outputs per activation row).
    pub fn rows(&self) -> usize {
        self.w.n
    }

    /// Columns (elements per activation row).
    pub fn cols(&self) -> usize {
        self.w.k
    }

    /// [`gemm_on`](Self::gemm_on) on the fastest backend.
    pub fn gemm(&self, x: &[f32], m: usize, static_scale: Option<f32>, y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_on(Backend::best(), x, m, static_scale, y)
    }

    /// `y[j · rows + i]` = row `i` · activation row `j` of the row-major `m × cols` matrix `x`,
    /// with the activations quantized per vector (`static_scale = None`, as
    /// `QuantizedActivations::new_on`) or under one static scale (as `with_scale`). The same
    /// bits on every backend, and the same errors as those constructors give.
    pub fn gemm_on(
        &self,
        backend: Backend,
        x: &[f32],
        m: usize,
        static_scale: Option<f32>,
        y: &mut [f32],
    ) -> Result<(), KernelError> {
        let (n, k, v) = (self.w.n, self.w.k, self.w.v);
        if m.checked_mul(k) != Some(x.len()) {
            return Err(KernelError::Shape { m, k: Some(k), len: x.len() });
        }
        if m.checked_mul(n) != Some(y.len()) {
            return Err(KernelError::Length { what: "y", expected: m * n, got: y.len() });
        }
        let backend = super::effective_backend(backend);
        let mut pa = PackedActs::default();
        match static_scale {
            None => pa.quantize(backend, x, m, k, v)?,
            Some(s) => {
                if !(s.is_finite() && s > 0.0) {
                    return Err(KernelError::Unsupported {
                        reason: "a static activation scale must be finite and positive",
                    });
                }
                if let Some(i) = first_non_finite(backend, x) {
                    return Err(KernelError::NonFinite { index: i, value: x[i] });
                }
                let codes = static_codes(backend, x, s);
                let st = k.div_ceil(4) * 4;
                let xs = pa.static_rows(m, k, v, s);
                if k > 0 {
                    for (d, c) in xs.chunks_exact_mut(st).zip(codes.chunks_exact(k)) {
                        d[..k].copy_from_slice(c);
                    }
                }
            }
        }
        gemm(backend, &self.w, &pa, y);
        Ok(())
    }
}
