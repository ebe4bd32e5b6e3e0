//! A graph with its weights prepared under a precision plan, ready to run.

use super::graph::{Conv2d, Linear, Op, Operand, ValueId};
use super::plan::{is_integer_scheme, Accumulation, Activations, LayerPlan, Plan, ScalarFormat};
use super::plan::{WeightFormat, FIRST_LAYER, LAST_LAYER};
use super::{ops, Graph, NnError, Tensor};
use crate::block::{BlockMatrix, BlockScaled, BlockVector, QuantizeError, ScaleEncoding, Scheme};
use crate::bulk::Backend;
use crate::dot::kulisch::{add_at, to_exact};
use crate::format::{LowpFloat, Overflow, Rounding};
use crate::kernels::conv::{self, PackedActs, PackedWeights};
use crate::kernels::{ActivationFormat, DenseMatrix, KernelError, QuantizedActivations};

/// Weight rows of one group, prepared for the layer's path.
#[derive(Clone, Debug)]
enum GroupWeights {
    /// The integer kernels (`BlockMatrix::gemm_prepared`), then `+ bias`; with the packing of
    /// the row-tile kernels (`kernels::conv`, the same bits) where they take the scheme.
    Int(BlockMatrix, Option<PackedWeights>),
    /// `f32` accumulation on the float path: one FMA chain per output. With `scale`, the
    /// matrix holds the unscaled code values and no bias: `y = fma(scale, chain, bias)`.
    Dense { m: DenseMatrix, scale: Option<Vec<f32>> },
    /// Exact or ExsdotpChain accumulation: the weight values, row-major `[rows, k]`.
    Values { w: Vec<f32>, scale: Option<Vec<f32>> },
}

/// How a layer's input is quantized.
#[derive(Clone, Copy, Debug)]
enum ActQuant {
    None,
    /// Each element rounded (before im2col; padding zeros stay zeros).
    Scalar(ScalarFormat),
    /// Static INT8 on the float path: `code · scale` per element (before im2col).
    StaticValues(f32),
    /// The integer kernels' dynamic activations (per im2col row).
    IntDynamic(ActivationFormat),
    /// The integer kernels' static activations.
    IntStatic(ActivationFormat, f32),
    /// A block scheme per im2col row, dequantized (the float path).
    BlockRows(Scheme),
}

#[derive(Clone, Copy, Debug)]
struct ConvGeom {
    c_in: usize,
    kh: usize,
    kw: usize,
    stride: [usize; 2],
    pads: [usize; 4],
    dilation: [usize; 2],
}

#[derive(Clone, Debug)]
struct Layer {
    plan: LayerPlan,
    /// `None` for Linear.
    conv: Option<ConvGeom>,
    c_out: usize,
    groups: usize,
    /// Elements per im2col row (per group).
    k: usize,
    bias: Vec<f32>,
    weights: Vec<GroupWeights>,
    act: ActQuant,
    accumulate: Accumulation,
    /// The calibrated static scale, if any.
    static_scale: Option<f32>,
}

#[derive(Clone, Debug)]
enum Step {
    Plain,
    Weighted(Box<Layer>),
}

/// A network ready to run: a [`Graph`] with each weighted layer's weights quantized and
/// packed once under a [`Plan`] (see the [module docs](super) for the exact arithmetic).
///
/// ```
/// use lowp::nn::{Graph, LayerPlan, Linear, Model, Node, Op, Plan, Tensor, ValueId};
/// let fc = Linear { weight: Tensor::new(vec![2, 3], vec![1.0, 2.0, 3.0, -1.0, 0.5, 0.25]).unwrap(), bias: vec![0.5, 0.0] };
/// let g = Graph::new(vec![None, Some(3)],
///     vec![Node { name: "fc".into(), op: Op::Linear(fc), inputs: vec![ValueId(0)], output: ValueId(1) }],
///     ValueId(1)).unwrap();
/// let m = Model::new(&g, &Plan::uniform(LayerPlan::F32), None).unwrap();
/// let y = m.run(&Tensor::new(vec![1, 3], vec![1.0, 1.0, 2.0]).unwrap()).unwrap();
/// assert_eq!(y.data(), &[9.5, 0.0]);
/// assert_eq!((m.weight_count(), m.weight_bytes()), (6, 32.0));
/// ```
#[derive(Clone, Debug)]
pub struct Model {
    graph: Graph,
    steps: Vec<Step>,
    /// Per value: the index of the last node reading it (`usize::MAX`: the output).
    last_use: Vec<usize>,
    weight_count: usize,
    weight_bits: f64,
}

fn kernel_err(node: &str, e: KernelError) -> NnError {
    match e {
        KernelError::NonFinite { value, .. } => {
            NnError::NonFinite(format!("node `{node}`: a non-finite value ({value}) reaches the layer"))
        }
        e => NnError::Kernel(e),
    }
}

fn quant_err(node: &str, e: QuantizeError) -> NnError {
    match e {
        QuantizeError::NonFinite { value, .. } => {
            NnError::NonFinite(format!("node `{node}`: a non-finite value ({value}) reaches the layer"))
        }
        e => NnError::Plan(format!("node `{node}`: {e}")),
    }
}

/// The INT8 vector length for the weights of `w`: the block length, 64 for whole-row
/// schemes and non-block weights.
fn vector_len(w: &WeightFormat) -> usize {
    match w {
        WeightFormat::Block(s) if s.block_len() > 0 => s.block_len(),
        _ => 64,
    }
}

/// The static INT8 value of `x` under `scale`: `round_ties_even(x / scale)` (the quotient in
/// `f64`) clamped to ±127, times `scale`, rounded once to `f32`.
#[inline]
pub(crate) fn static_int8(x: f32, scale: f32) -> f32 {
    (crate::kernels::static_code(x, scale) as f64 * scale as f64) as f32
}

/// The per-row scales of scaled minifloat weights (`MinifloatMatrix`'s `RowScale::PerRow`):
/// `s = max(amax_row / max(f), 2^−149)` in `f32` (1 for an all-zero row); codes
/// `round(w / s)` with the quotient in `f64`, saturating.
fn scaled_codes(f: ScalarFormat, w: &[f32], rows: usize, k: usize) -> (Vec<f32>, Vec<f32>) {
    let max = f.max();
    let mut codes = vec![0f32; w.len()];
    let mut scales = vec![1f32; rows];
    if k == 0 {
        return (codes, scales);
    }
    for (r, (row, out)) in w.chunks(k).zip(codes.chunks_mut(k)).enumerate() {
        let s = crate::kernels::per_row_scale(row, max);
        scales[r] = s;
        for (o, &v) in out.iter_mut().zip(row) {
            *o = f.round_f64_saturating(crate::kernels::scaled_quotient(v, s));
        }
    }
    (codes, scales)
}

/// An exact sum of `f64` terms (a Kulisch accumulator over `2^−1024 .. 2^960`), rounded once.
struct ExactSum {
    limbs: [u64; 32],
}

const EXACT_UNIT: i32 = -1024;

impl ExactSum {
    fn new() -> ExactSum {
        ExactSum { limbs: [0; 32] }
    }
    #[inline]
    fn add(&mut self, v: f64) {
        if v == 0.0 {
            return;
        }
        let b = v.to_bits();
        let e = ((b >> 52) & 0x7ff) as i32;
        let frac = b & ((1u64 << 52) - 1);
        let (mant, exp) = if e == 0 { (frac, -1074) } else { (frac | (1u64 << 52), e - 1075) };
        // Every term here is a product of at most three f32 values (> 2^−460, < 2^400).
        debug_assert!((EXACT_UNIT..900).contains(&exp));
        add_at(&mut self.limbs, 32, b >> 63 != 0, mant, (exp - EXACT_UNIT) as u32);
    }
    fn round_f32(&mut self) -> f32 {
        let e = to_exact(&self.limbs, 32, EXACT_UNIT);
        self.limbs = [0; 32];
        <f32 as LowpFloat>::round_exact(e, Rounding::NearestEven, Overflow::NonSaturating)
    }
}

#[inline(always)]
fn copy_n<T: Copy, const N: usize>(dst: &mut [T], src: &[T]) {
    let s: &[T; N] = src.try_into().expect("N elements");
    let d: &mut [T; N] = dst.try_into().expect("N elements");
    *d = *s;
}

/// Rows of im2col per tile: about 128 KiB of activations.
fn tile_rows(k: usize) -> usize {
    (32768 / k.max(1)).clamp(16, 4096)
}

impl Layer {
    fn geometry(&self, x: &Tensor, node: &str) -> Result<(usize, usize, usize), NnError> {
        match &self.conv {
            None => match *x.shape() {
                [n, i] if i == self.k => Ok((n, 1, 1)),
                ref s => Err(NnError::Shape(format!("node `{node}`: expects [n, {}] input, got {s:?}", self.k))),
            },
            Some(g) => {
                let [n, c, h, w] = ops::nchw(x, node)?;
                if c != g.c_in {
                    return Err(NnError::Shape(format!(
                        "node `{node}`: expects {} input channels, got {c} (input {:?})",
                        g.c_in,
                        x.shape()
                    )));
                }
                let ekh = g.dilation[0] * (g.kh - 1) + 1;
                let ekw = g.dilation[1] * (g.kw - 1) + 1;
                let (ph, pw) = (h + g.pads[0] + g.pads[2], w + g.pads[1] + g.pads[3]);
                if ph < ekh || pw < ekw {
                    return Err(NnError::Shape(format!(
                        "node `{node}`: a {}×{} kernel (dilated) does not fit a padded {ph}×{pw} input",
                        ekh, ekw
                    )));
                }
                Ok((n, (ph - ekh) / g.stride[0] + 1, (pw - ekw) / g.stride[1] + 1))
            }
        }
    }

    /// im2col rows `r0..r1` of group `g` into `buf` (`(r1 − r0) · k`).
    fn im2col(&self, x: &Tensor, g: usize, (oh, ow): (usize, usize), rows: core::ops::Range<usize>, buf: &mut [f32]) {
        self.im2col_of(x.shape(), x.data(), 0.0, g, (oh, ow), rows, buf, self.k);
    }

    /// im2col of any element type: the values `xd` of a tensor of shape `shape`, `zero` for
    /// the padding, row `ri` at `buf[ri · stride..][..k]`.
    #[allow(clippy::too_many_arguments)]
    fn im2col_of<T: Copy>(
        &self,
        shape: &[usize],
        xd: &[T],
        zero: T,
        g: usize,
        (oh, ow): (usize, usize),
        rows: core::ops::Range<usize>,
        buf: &mut [T],
        stride: usize,
    ) {
        let c = self.conv.as_ref().expect("conv");
        let [h, w] = [shape[2], shape[3]];
        let cg = c.c_in / self.groups;
        let (kh, kw) = (c.kh, c.kw);
        let [sh, sw] = c.stride;
        let [dh, dw] = c.dilation;
        let (pt, pl) = (c.pads[0] as isize, c.pads[1] as isize);
        let p = oh * ow;
        // Runs of rows on one output line (same image and `oy`), then for each input channel
        // and kernel row the same source line for every pixel of the run: the inner loop is a
        // strided copy of `kw` values per pixel, its bounds checks hoisted to the run's edges.
        let mut r = rows.start;
        while r < rows.end {
            let (n, q) = (r / p.max(1), r % p.max(1));
            let (oy, ox0) = (q / ow.max(1), q % ow.max(1));
            let ox1 = (ox0 + (rows.end - r)).min(ow);
            let base = r - rows.start;
            // Output pixels `lo..hi` of the run read only inside the line (interior).
            let first_in = (pl as usize).div_ceil(sw).max(ox0).min(ox1);
            let last_in = if w + pl as usize > (kw - 1) * dw {
                ((w + pl as usize - (kw - 1) * dw - 1) / sw + 1).min(ox1)
            } else {
                first_in
            };
            let (lo, hi) = (first_in, last_in.max(first_in));
            for ci in 0..cg {
                let plane = &xd[(n * c.c_in + g * cg + ci) * h * w..][..h * w];
                for ky in 0..kh {
                    let idx = (ci * kh + ky) * kw;
                    let iy = (oy * sh + ky * dh) as isize - pt;
                    let dst = |ox: usize| (base + ox - ox0) * stride + idx;
                    if iy < 0 || iy >= h as isize {
                        for ox in ox0..ox1 {
                            buf[dst(ox)..dst(ox) + kw].fill(zero);
                        }
                        continue;
                    }
                    let line = &plane[iy as usize * w..(iy as usize + 1) * w];
                    let edge = |ox: usize, buf: &mut [T]| {
                        let ix0 = (ox * sw) as isize - pl;
                        for (kx, o) in buf[dst(ox)..dst(ox) + kw].iter_mut().enumerate() {
                            let ix = ix0 + (kx * dw) as isize;
                            *o = if ix >= 0 && ix < w as isize { line[ix as usize] } else { zero };
                        }
                    };
                    for ox in (ox0..lo).chain(hi..ox1) {
                        edge(ox, buf);
                    }
                    if dw == 1 {
                        // Fixed-size copies for the usual widths (a memcpy call costs more).
                        match kw {
                            3 => {
                                // Four values where the line and the buffer have a fourth: the
                                // extra one lands on the first value of the next slot, which a
                                // later (ci, ky) step writes — except after a row's last slot,
                                // which copies exactly three.
                                let last_slot = ci + 1 == cg && ky + 1 == kh;
                                (lo..hi).for_each(|ox| {
                                    let (s0, d) = (ox * sw - pl as usize, dst(ox));
                                    if !last_slot && s0 + 4 <= w {
                                        copy_n::<T, 4>(&mut buf[d..d + 4], &line[s0..s0 + 4])
                                    } else {
                                        copy_n::<T, 3>(&mut buf[d..d + 3], &line[s0..s0 + 3])
                                    }
                                })
                            }
                            1 => (lo..hi).for_each(|ox| buf[dst(ox)] = line[ox * sw - pl as usize]),
                            5 => (lo..hi).for_each(|ox| {
                                let s0 = ox * sw - pl as usize;
                                copy_n::<T, 5>(&mut buf[dst(ox)..dst(ox) + 5], &line[s0..s0 + 5])
                            }),
                            _ => (lo..hi).for_each(|ox| {
                                let s0 = ox * sw - pl as usize;
                                buf[dst(ox)..dst(ox) + kw].copy_from_slice(&line[s0..s0 + kw])
                            }),
                        }
                    } else {
                        for ox in lo..hi {
                            edge(ox, buf);
                        }
                    }
                }
            }
            r += ox1 - ox0;
        }
    }

    fn run(&self, backend: Backend, x: &Tensor, node: &str) -> Result<Tensor, NnError> {
        let (n, oh, ow) = self.geometry(x, node)?;
        // The row-tile integer kernels (`kernels::conv`): one-level INT8 activations and packed
        // weights. Static scales quantize each input element once, before the im2col copies
        // (the code depends only on the element); non-finite inputs take the other path, which
        // reports them.
        let packed = self.weights.iter().all(|g| matches!(g, GroupWeights::Int(_, Some(_))));
        let fast_v = match self.act {
            ActQuant::IntDynamic(ActivationFormat::Int8 { vector_len }) if packed => Some(vector_len),
            ActQuant::IntStatic(ActivationFormat::Int8 { vector_len }, _)
                if packed && crate::arch::kernels::first_non_finite(backend, x.data()).is_none() =>
            {
                Some(vector_len)
            }
            _ => None,
        };
        let xcodes = match self.act {
            ActQuant::IntStatic(_, s) if fast_v.is_some() => conv::static_codes(backend, x.data(), s),
            _ => Vec::new(),
        };
        let static_fast = fast_v.is_some() && matches!(self.act, ActQuant::IntStatic(..));
        // Elementwise activation quantization, once per call.
        let pre;
        let x = match self.act {
            ActQuant::Scalar(f) => {
                let mut t = x.clone();
                f.round_slice_on(backend, t.data_mut());
                pre = t;
                &pre
            }
            ActQuant::StaticValues(s) => {
                let mut t = x.clone();
                for v in t.data_mut() {
                    *v = static_int8(*v, s);
                }
                pre = t;
                &pre
            }
            _ => x,
        };
        let p = oh * ow;
        let m_total = n * p;
        let ng = self.c_out / self.groups;
        let k = self.k;
        let mut out = vec![0f32; n * self.c_out * p];
        let tr = match self.act {
            _ if fast_v.is_some() => tile_rows(k),
            // The integer kernels pad each activation row to whole chunks of 16 vectors.
            ActQuant::IntDynamic(f) | ActQuant::IntStatic(f, _) => {
                let v = match f {
                    ActivationFormat::Int8 { vector_len } | ActivationFormat::Int8TwoLevel { vector_len, .. } => {
                        vector_len
                    }
                    ActivationFormat::F32 => 1,
                };
                tile_rows(k.div_ceil(v.max(1)).next_multiple_of(16) * v)
            }
            _ => tile_rows(k),
        };
        let mut cols = if self.conv.is_some() && !static_fast { vec![0f32; tr.min(m_total) * k] } else { Vec::new() };
        let mut deq =
            if matches!(self.act, ActQuant::BlockRows(_)) { vec![0f32; tr.min(m_total) * k] } else { Vec::new() };
        let mut raw = vec![0f32; tr.min(m_total) * ng];
        let mut acc = ExactSum::new();
        let mut pa = PackedActs::default();
        for (g, gw) in self.weights.iter().enumerate() {
            let bias = &self.bias[g * ng..(g + 1) * ng];
            let mut r0 = 0;
            while r0 < m_total {
                let r1 = (r0 + tr).min(m_total);
                let rows = r1 - r0;
                // The activation rows of this tile.
                let tile: &[f32] = if static_fast {
                    &[]
                } else if self.conv.is_some() {
                    self.im2col(x, g, (oh, ow), r0..r1, &mut cols[..rows * k]);
                    &cols[..rows * k]
                } else {
                    &x.data()[r0 * k..r1 * k]
                };
                let tile: &[f32] = if let ActQuant::BlockRows(s) = self.act {
                    let d = &mut deq[..rows * k];
                    if k > 0 {
                        for (src, dst) in tile.chunks_exact(k).zip(d.chunks_exact_mut(k)) {
                            let q = BlockVector::quantize_on(backend, &s, src).map_err(|e| quant_err(node, e))?;
                            q.dequantize_into_on(backend, dst).map_err(|e| quant_err(node, e))?;
                        }
                    }
                    d
                } else {
                    tile
                };
                let raw = &mut raw[..rows * ng];
                // `post(c, v)`: the layer's output from the kernel's value for channel c.
                match gw {
                    GroupWeights::Int(_, Some(pw)) if fast_v.is_some() => {
                        let v = fast_v.unwrap_or(64);
                        match self.act {
                            ActQuant::IntStatic(_, s) => {
                                // The codes straight into the kernel's rows.
                                let st = k.div_ceil(4) * 4;
                                let xs = pa.static_rows(rows, k, v, s);
                                if self.conv.is_some() {
                                    self.im2col_of(x.shape(), &xcodes, 128u8, g, (oh, ow), r0..r1, xs, st);
                                } else if k > 0 {
                                    for (r, d) in xs.chunks_exact_mut(st).enumerate() {
                                        d[..k].copy_from_slice(&xcodes[(r0 + r) * k..(r0 + r + 1) * k]);
                                    }
                                }
                            }
                            _ => pa.quantize(backend, tile, rows, k, v).map_err(|e| kernel_err(node, e))?,
                        }
                        conv::gemm(backend, pw, &pa, raw);
                        for r in raw.chunks_exact_mut(ng) {
                            for (v, &b) in r.iter_mut().zip(bias) {
                                *v += b;
                            }
                        }
                    }
                    GroupWeights::Int(w, _) => {
                        let qa = match self.act {
                            ActQuant::IntDynamic(f) => QuantizedActivations::new_on(backend, f, tile, rows),
                            ActQuant::IntStatic(f, s) => QuantizedActivations::with_scale(f, tile, rows, s),
                            _ => unreachable!("integer weights take integer activations"),
                        }
                        .map_err(|e| kernel_err(node, e))?;
                        w.gemm_prepared_on(backend, &qa, raw).map_err(|e| kernel_err(node, e))?;
                        for r in raw.chunks_exact_mut(ng) {
                            for (v, &b) in r.iter_mut().zip(bias) {
                                *v += b;
                            }
                        }
                    }
                    GroupWeights::Dense { m, scale } => {
                        m.gemm_into_on(backend, tile, rows, raw).map_err(|e| kernel_err(node, e))?;
                        if let Some(s) = scale {
                            crate::arch::kernels::scale_bias_rows(backend, raw, s, bias);
                        }
                    }
                    GroupWeights::Values { w, scale } => {
                        if let Some(i) = tile.iter().position(|v| !v.is_finite()) {
                            return Err(kernel_err(node, KernelError::NonFinite { index: i, value: tile[i] }));
                        }
                        for (xr, yr) in tile.chunks_exact(k.max(1)).zip(raw.chunks_exact_mut(ng)) {
                            for (c, y) in yr.iter_mut().enumerate() {
                                let wr = &w[c * k..(c + 1) * k];
                                let s = scale.as_ref().map(|s| s[c]);
                                *y = match self.accumulate {
                                    Accumulation::Exact => exact_dot(&mut acc, wr, xr, s, bias[c]),
                                    _ => exsdotp_dot(wr, xr, s, bias[c]),
                                };
                            }
                        }
                        if k == 0 {
                            for yr in raw.chunks_exact_mut(ng) {
                                yr.copy_from_slice(bias);
                            }
                        }
                    }
                }
                // Scatter [rows, ng] into NCHW: runs of rows within one image, transposed in
                // chunks of 64 rows (so the reads stay in L1).
                let mut a = r0;
                while a < r1 {
                    let (img, q0) = (a / p, a % p);
                    let b = (a + p - q0).min(r1).min(a + 64);
                    let dst = &mut out[(img * self.c_out + g * ng) * p + q0..];
                    crate::arch::kernels::transpose_into(backend, &raw[(a - r0) * ng..], ng, b - a, dst, p);
                    a = b;
                }
                r0 = r1;
            }
        }
        let shape = if self.conv.is_some() { vec![n, self.c_out, oh, ow] } else { vec![n, self.c_out] };
        Tensor::new(shape, out)
    }
}

/// Exact: `s · Σ w·x + b` (or `Σ w·x + b`) rounded once to `f32`. Every `w·x` is exact in
/// `f64` (24 + 24 bits), as is `(s·w)·x` for the scaled minifloats (`s·w` has at most
/// 24 + 4 bits).
fn exact_dot(acc: &mut ExactSum, w: &[f32], x: &[f32], s: Option<f32>, b: f32) -> f32 {
    match s {
        None => {
            for (&a, &v) in w.iter().zip(x) {
                acc.add(a as f64 * v as f64);
            }
        }
        Some(s) => {
            for (&a, &v) in w.iter().zip(x) {
                acc.add((s as f64 * a as f64) * v as f64);
            }
        }
    }
    acc.add(b as f64);
    acc.round_f32()
}

/// ExsdotpChain: `acc = b` (scaled weights: `0`), `acc = exsdotp(w_k, x_k, w_k+1, x_k+1, acc)`
/// for `k = 0, 2, 4, …`, an odd tail by `exfma`; scaled weights then `fma(s, acc, b)`.
fn exsdotp_dot(w: &[f32], x: &[f32], s: Option<f32>, b: f32) -> f32 {
    use crate::dot::{exfma, exsdotp};
    let mut acc = if s.is_some() { 0.0f32 } else { b };
    let pairs = w.len() / 2;
    for i in 0..pairs {
        acc = exsdotp(w[2 * i], x[2 * i], w[2 * i + 1], x[2 * i + 1], acc);
    }
    if w.len() % 2 == 1 {
        acc = exfma(w[w.len() - 1], x[w.len() - 1], acc);
    }
    match s {
        Some(s) => s.mul_add(acc, b),
        None => acc,
    }
}

/// Weight tensor data, rows = output channels, with the layer's shape facts.
struct WeightView<'a> {
    data: &'a [f32],
    bias: &'a [f32],
    c_out: usize,
    groups: usize,
    k: usize,
    conv: Option<ConvGeom>,
}

fn weight_view<'a>(op: &'a Op, node: &str) -> Result<WeightView<'a>, NnError> {
    let unsupported = |why: String| NnError::Unsupported { node: node.into(), op: op.kind().into(), why };
    match op {
        Op::Conv(Conv2d { weight, bias, stride, pads, dilation, groups }) => {
            let [c_out, cg, kh, kw] = match *weight.shape() {
                [a, b, c, d] => [a, b, c, d],
                ref s => return Err(unsupported(format!("weight shape {s:?} is not [c_out, c_in/g, kh, kw]"))),
            };
            let g = *groups;
            if g == 0 || c_out % g != 0 || kh == 0 || kw == 0 || stride.contains(&0) || dilation.contains(&0) {
                return Err(unsupported(format!(
                    "groups {g}, kernel {kh}×{kw}, stride {stride:?}, dilation {dilation:?} for {c_out} outputs"
                )));
            }
            if bias.len() != c_out {
                return Err(NnError::Shape(format!("node `{node}`: {} biases for {c_out} outputs", bias.len())));
            }
            let conv = ConvGeom { c_in: cg * g, kh, kw, stride: *stride, pads: *pads, dilation: *dilation };
            Ok(WeightView { data: weight.data(), bias, c_out, groups: g, k: cg * kh * kw, conv: Some(conv) })
        }
        Op::Linear(Linear { weight, bias }) => {
            let [out, inp] = match *weight.shape() {
                [a, b] => [a, b],
                ref s => return Err(unsupported(format!("weight shape {s:?} is not [out, in]"))),
            };
            if bias.len() != out {
                return Err(NnError::Shape(format!("node `{node}`: {} biases for {out} outputs", bias.len())));
            }
            Ok(WeightView { data: weight.data(), bias, c_out: out, groups: 1, k: inp, conv: None })
        }
        _ => unreachable!("weighted ops only"),
    }
}

/// Prepare one weighted layer under `plan` (`amax`: calibrated input magnitude).
fn prepare(op: &Op, node: &str, plan: LayerPlan, amax: Option<f32>) -> Result<(Layer, usize, f64), NnError> {
    let v = weight_view(op, node)?;
    if let Some(i) = v.data.iter().chain(v.bias).position(|x| !x.is_finite()) {
        return Err(NnError::NonFinite(format!("node `{node}`: weight or bias {i} is not finite")));
    }
    let ng = v.c_out / v.groups;
    let k = v.k;
    let integer = plan.is_integer_path();
    let static_scale = match plan.activations {
        Activations::Int8PerTensor => {
            let a = amax.ok_or_else(|| {
                NnError::Plan(format!("node `{node}`: int8-per-tensor activations need calibration data"))
            })?;
            Some(if a == 0.0 { 1.0 } else { a / 127.0 })
        }
        _ => None,
    };
    let mut weights = Vec::with_capacity(v.groups);
    let mut bits = 32.0 * v.c_out as f64;
    let mut int_format = None;
    for g in 0..v.groups {
        let wd = &v.data[g * ng * k..(g + 1) * ng * k];
        let bias = &v.bias[g * ng..(g + 1) * ng];
        let (values, scale): (Vec<f32>, Option<Vec<f32>>) = match plan.weights {
            WeightFormat::F32 => {
                bits += 32.0 * wd.len() as f64;
                (wd.to_vec(), None)
            }
            WeightFormat::Scalar(f) if f.is_scaled() => {
                let (c, s) = scaled_codes(f, wd, ng, k);
                bits += f.bits() as f64 * wd.len() as f64 + 32.0 * ng as f64;
                (c, Some(s))
            }
            WeightFormat::Scalar(f) => {
                bits += f.bits() as f64 * wd.len() as f64;
                (wd.iter().map(|&x| f.round(x)).collect(), None)
            }
            WeightFormat::Block(s) => {
                let bm = BlockMatrix::quantize(&s, wd, ng, k).map_err(|e| quant_err(node, e))?;
                bits += bm.bits_per_element() * wd.len() as f64;
                if integer {
                    int_format = Some(bm.activation_format());
                    let packed = PackedWeights::new(Backend::best(), &bm);
                    weights.push(GroupWeights::Int(bm, packed));
                    continue;
                }
                (bm.dequantize(), None)
            }
        };
        if let Some(i) = values.iter().position(|x| !x.is_finite()) {
            return Err(NnError::NonFinite(format!(
                "node `{node}`: weight {} overflows {} (to {})",
                i, plan.weights, values[i]
            )));
        }
        weights.push(match plan.accumulate {
            Accumulation::F32 => {
                let b = if scale.is_some() { None } else { Some(bias) };
                let m = DenseMatrix::new(&values, ng, k, b).map_err(|e| kernel_err(node, e))?;
                GroupWeights::Dense { m, scale }
            }
            _ => GroupWeights::Values { w: values, scale },
        });
    }
    let act = match plan.activations {
        Activations::F32 => ActQuant::None,
        Activations::Scalar(f) => ActQuant::Scalar(f),
        Activations::Int8PerTensor => {
            let s = static_scale.expect("calibrated");
            match int_format {
                Some(ActivationFormat::Int8 { vector_len }) => {
                    ActQuant::IntStatic(ActivationFormat::Int8 { vector_len }, s)
                }
                Some(_) => {
                    return Err(NnError::Plan(format!(
                        "node `{node}`: two-level VSQ weights ({}) take two-level INT8 activations; use \
                         activations=int8 (per vector), not int8-per-tensor",
                        plan.weights
                    )))
                }
                None => ActQuant::StaticValues(s),
            }
        }
        Activations::Int8PerVector => match int_format {
            Some(f) => ActQuant::IntDynamic(f),
            None => {
                let scheme = match plan.weights {
                    WeightFormat::Block(s) if is_integer_scheme(&s) => ActivationFormat::for_scheme(&s).scheme(),
                    w => Scheme::vsq(8, vector_len(&w), ScaleEncoding::F32).ok(),
                }
                .ok_or_else(|| {
                    NnError::Plan(format!("node `{node}`: no INT8 activation scheme for {}", plan.weights))
                })?;
                ActQuant::BlockRows(scheme)
            }
        },
        Activations::Block(s) => ActQuant::BlockRows(s),
    };
    debug_assert!(!integer || matches!(act, ActQuant::IntDynamic(_) | ActQuant::IntStatic(..)));
    let layer = Layer {
        plan,
        conv: v.conv,
        c_out: v.c_out,
        groups: v.groups,
        k,
        bias: v.bias.to_vec(),
        weights,
        act,
        accumulate: plan.accumulate,
        static_scale,
    };
    Ok((layer, v.data.len(), bits))
}

/// Calibration chunk (images per pass).
const CALIBRATION_BATCH: usize = 64;

impl Model {
    /// Prepare `graph` under `plan`. `calibration` (a batch of inputs) is needed when a layer
    /// takes [`Activations::Int8PerTensor`]: it runs through the model in `f32` (in chunks of
    /// 64 inputs) and each such layer's scale is `amax / 127` of its input (1 when `amax` is
    /// 0).
    ///
    /// Errors: [`NnError::Plan`] for plan entries naming no weighted layer, combinations no
    /// kernel runs (two-level VSQ weights with static INT8 activations) or missing calibration
    /// data; [`NnError::Shape`] / [`NnError::NonFinite`] for bad calibration data or weights;
    /// [`NnError::Unsupported`] for layer attributes outside the supported range.
    pub fn new(graph: &Graph, plan: &Plan, calibration: Option<&Tensor>) -> Result<Model, NnError> {
        let nodes = graph.nodes();
        let weighted: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].op.has_weights()).collect();
        for (name, _) in &plan.layers {
            let known = name == FIRST_LAYER || name == LAST_LAYER || weighted.iter().any(|&i| nodes[i].name == *name);
            if !known {
                let names: Vec<&str> = weighted.iter().map(|&i| nodes[i].name.as_str()).collect();
                return Err(NnError::Plan(format!(
                    "the plan names `{name}`, which is no weighted layer of the graph (those are: {}; or @first, @last)",
                    names.join(", ")
                )));
            }
        }
        let plans: Vec<LayerPlan> = weighted
            .iter()
            .enumerate()
            .map(|(j, &i)| plan.plan_for(&nodes[i].name, j == 0, j + 1 == weighted.len()))
            .collect();
        let mut amax = vec![None; nodes.len()];
        if plans.iter().any(|p| p.needs_calibration()) {
            let cal = calibration.ok_or_else(|| {
                NnError::Plan("the plan has int8-per-tensor activations, which need calibration data".into())
            })?;
            let f32_model = Model::new(graph, &Plan::uniform(LayerPlan::F32), None)?;
            f32_model.check_input(cal)?;
            let mut rec = vec![0f32; nodes.len()];
            let n = cal.shape()[0];
            let per: usize = cal.shape()[1..].iter().product();
            let mut i0 = 0;
            while i0 < n {
                let i1 = (i0 + CALIBRATION_BATCH).min(n);
                let mut shape = cal.shape().to_vec();
                shape[0] = i1 - i0;
                let chunk = Tensor::new(shape, cal.data()[i0 * per..i1 * per].to_vec())?;
                f32_model.exec(Backend::best(), &chunk, Some(&mut rec))?;
                i0 = i1;
            }
            for &i in &weighted {
                amax[i] = Some(rec[i]);
            }
        }
        let mut steps = Vec::with_capacity(nodes.len());
        let (mut count, mut bits) = (0usize, 0f64);
        let mut j = 0;
        for (i, node) in nodes.iter().enumerate() {
            if node.op.has_weights() {
                let (layer, c, b) = prepare(&node.op, &node.name, plans[j], amax[i])?;
                count += c;
                bits += b;
                j += 1;
                steps.push(Step::Weighted(Box::new(layer)));
            } else {
                steps.push(Step::Plain);
            }
        }
        let mut last_use = vec![0usize; graph.num_values().max(graph.output().0 + 1)];
        for (i, node) in nodes.iter().enumerate() {
            for v in &node.inputs {
                if v.0 < last_use.len() {
                    last_use[v.0] = i;
                }
            }
        }
        last_use[graph.output().0] = usize::MAX;
        Ok(Model { graph: graph.clone(), steps, last_use, weight_count: count, weight_bits: bits })
    }

    /// The graph this model runs.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Weights of the weighted layers (biases not counted).
    pub fn weight_count(&self) -> usize {
        self.weight_count
    }

    /// Nominal storage of the weighted layers in bytes: each weight at its format's bits
    /// (block schemes: [`BlockMatrix::bits_per_element`], block, row and tensor scales
    /// included; scaled minifloats: 32 bits per output channel for the scale), plus 4 bytes
    /// per `f32` bias.
    pub fn weight_bytes(&self) -> f64 {
        self.weight_bits / 8.0
    }

    /// `8 · weight_bytes / weight_count` (scales and biases included).
    pub fn bits_per_weight(&self) -> f64 {
        if self.weight_count == 0 {
            0.0
        } else {
            self.weight_bits / self.weight_count as f64
        }
    }

    /// The plan each weighted layer got, in execution order, by node name.
    pub fn layer_plans(&self) -> Vec<(String, LayerPlan)> {
        self.graph
            .nodes()
            .iter()
            .zip(&self.steps)
            .filter_map(|(n, s)| match s {
                Step::Weighted(l) => Some((n.name.clone(), l.plan)),
                Step::Plain => None,
            })
            .collect()
    }

    /// The calibrated static activation scales (`amax / 127`) of the layers with
    /// [`Activations::Int8PerTensor`], by node name.
    pub fn activation_scales(&self) -> Vec<(String, f32)> {
        self.graph
            .nodes()
            .iter()
            .zip(&self.steps)
            .filter_map(|(n, s)| match s {
                Step::Weighted(l) => l.static_scale.map(|s| (n.name.clone(), s)),
                Step::Plain => None,
            })
            .collect()
    }

    fn check_input(&self, x: &Tensor) -> Result<(), NnError> {
        let want = self.graph.input_shape();
        let s = x.shape();
        let show = || {
            let dims: Vec<String> = want.iter().map(|d| d.map_or("?".into(), |d| d.to_string())).collect();
            format!("[{}]", dims.join(", "))
        };
        if s.len() != want.len() {
            return Err(NnError::Shape(format!("the input has shape {s:?}, the model takes {}", show())));
        }
        if s.first() == Some(&0) {
            return Err(NnError::Shape("an empty batch".into()));
        }
        for (i, (&d, w)) in s.iter().zip(want).enumerate() {
            if let Some(w) = *w {
                if i > 0 && d != w {
                    return Err(NnError::Shape(format!("the input has shape {s:?}, the model takes {}", show())));
                }
            }
        }
        if let Some(i) = x.data().iter().position(|v| !v.is_finite()) {
            return Err(NnError::NonFinite(format!("input element {i} is {}", x.data()[i])));
        }
        Ok(())
    }

    /// Run a batch (the first dimension is the batch, any size ≥ 1; the other dimensions must
    /// match the graph's fixed ones) on the fastest backend.
    ///
    /// Errors: [`NnError::Shape`] for a wrong input shape (or shapes that do not fit inside
    /// the graph, naming the node), [`NnError::NonFinite`] for NaN/±∞ inputs (or values that
    /// overflow to ±∞ on their way).
    pub fn run(&self, input: &Tensor) -> Result<Tensor, NnError> {
        self.run_on(Backend::best(), input)
    }

    /// [`run`](Self::run) on a chosen backend (the same bits on each). With the `rayon`
    /// feature the batch is split across threads (the same bits: every image is computed
    /// alone).
    pub fn run_on(&self, backend: Backend, input: &Tensor) -> Result<Tensor, NnError> {
        self.check_input(input)?;
        #[cfg(feature = "rayon")]
        if let Some(y) = self.run_parallel(backend, input) {
            return Ok(y);
        }
        self.exec(backend, input, None)
    }

    #[cfg(feature = "rayon")]
    fn run_parallel(&self, backend: Backend, input: &Tensor) -> Option<Tensor> {
        use rayon::prelude::*;
        let n = input.shape()[0];
        let threads = rayon::current_num_threads();
        // Only graphs that never mix images: no batch axis in softmax/flatten/reshape.
        let batch_safe = self.graph.nodes().iter().all(|nd| match &nd.op {
            Op::Softmax { axis } => *axis > 0,
            Op::Flatten { axis } => *axis > 0,
            Op::Reshape { shape } => matches!(shape.first(), Some(0) | Some(-1)),
            Op::Binary { lhs, rhs, .. } => [lhs, rhs].iter().all(|o| match o {
                Operand::Const(t) => t.shape().len() < input.shape().len() || t.shape()[0] == 1,
                Operand::Value(_) => true,
            }),
            _ => true,
        });
        if threads < 2 || n < 2 || !batch_safe {
            return None;
        }
        let per: usize = input.shape()[1..].iter().product();
        let chunk = n.div_ceil(threads);
        let parts: Vec<Result<Tensor, NnError>> = (0..n)
            .step_by(chunk)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|i0| {
                let i1 = (i0 + chunk).min(n);
                let mut shape = input.shape().to_vec();
                shape[0] = i1 - i0;
                let t = Tensor::new(shape, input.data()[i0 * per..i1 * per].to_vec())?;
                self.exec(backend, &t, None)
            })
            .collect();
        let mut data = Vec::new();
        let mut shape: Option<Vec<usize>> = None;
        let mut rows = 0;
        for p in parts {
            let t = p.ok()?;
            if t.shape().is_empty() {
                return None;
            }
            match &shape {
                None => shape = Some(t.shape().to_vec()),
                Some(s) if s[1..] != t.shape()[1..] => return None,
                _ => {}
            }
            rows += t.shape()[0];
            data.extend_from_slice(t.data());
        }
        let mut s = shape?;
        s[0] = rows;
        Tensor::new(s, data).ok()
    }

    /// Run the graph; `record[i]` (when given) is raised to the largest `|x|` of weighted node
    /// `i`'s input.
    fn exec(&self, backend: Backend, input: &Tensor, mut record: Option<&mut Vec<f32>>) -> Result<Tensor, NnError> {
        let nodes = self.graph.nodes();
        let mut values: Vec<Option<Tensor>> = vec![None; self.last_use.len()];
        values[0] = Some(input.clone());
        let missing =
            |v: ValueId, node: &str| NnError::Model(format!("node `{node}` reads value {} which is gone", v.0));
        for (i, (node, step)) in nodes.iter().zip(&self.steps).enumerate() {
            let name = node.name.as_str();
            // The first input: moved out when this node is its last reader.
            let take = |values: &mut Vec<Option<Tensor>>, v: ValueId| -> Result<Tensor, NnError> {
                if self.last_use[v.0] == i && !node.inputs[1..].contains(&v) {
                    values[v.0].take().ok_or_else(|| missing(v, name))
                } else {
                    values[v.0].clone().ok_or_else(|| missing(v, name))
                }
            };
            let first = *node.inputs.first().ok_or_else(|| NnError::Model(format!("node `{name}` has no input")))?;
            let y = match (&node.op, step) {
                (_, Step::Weighted(layer)) => {
                    let x = values[first.0].as_ref().ok_or_else(|| missing(first, name))?;
                    if let Some(rec) = record.as_deref_mut() {
                        let m = x.data().iter().fold(0f32, |m, v| m.max(v.abs()));
                        rec[i] = rec[i].max(m);
                    }
                    layer.run(backend, x, name)?
                }
                (Op::Relu, _) => {
                    let mut x = take(&mut values, first)?;
                    for v in x.data_mut() {
                        *v = v.max(0.0);
                    }
                    x
                }
                (Op::Clip { min, max }, _) => {
                    let mut x = take(&mut values, first)?;
                    for v in x.data_mut() {
                        *v = v.max(*min).min(*max);
                    }
                    x
                }
                (Op::MaxPool(p), _) => {
                    ops::pool(values[first.0].as_ref().ok_or_else(|| missing(first, name))?, p, true, name)?
                }
                (Op::AvgPool(p), _) => {
                    ops::pool(values[first.0].as_ref().ok_or_else(|| missing(first, name))?, p, false, name)?
                }
                (Op::GlobalAvgPool, _) => {
                    ops::global_avg(values[first.0].as_ref().ok_or_else(|| missing(first, name))?, name)?
                }
                (Op::Flatten { axis }, _) => ops::flatten(take(&mut values, first)?, *axis, name)?,
                (Op::Reshape { shape }, _) => ops::reshape(take(&mut values, first)?, shape, name)?,
                (Op::Binary { op, lhs, rhs }, _) => {
                    fn get<'a>(values: &'a [Option<Tensor>], o: &'a Operand) -> Option<&'a Tensor> {
                        match o {
                            Operand::Const(t) => Some(t),
                            Operand::Value(v) => values[v.0].as_ref(),
                        }
                    }
                    let gone = || NnError::Model(format!("node `{name}` reads a value which is gone"));
                    ops::binary(*op, get(&values, lhs).ok_or_else(gone)?, get(&values, rhs).ok_or_else(gone)?, name)?
                }
                (Op::ChannelAffine { scale, shift }, _) => {
                    ops::channel_affine(take(&mut values, first)?, scale, shift, name)?
                }
                (Op::Softmax { axis }, _) => ops::softmax(take(&mut values, first)?, *axis, name)?,
                (Op::Identity, _) => take(&mut values, first)?,
                (Op::Conv(_) | Op::Linear(_), Step::Plain) => unreachable!("weighted ops are prepared"),
            };
            // Free what no later node reads.
            for v in &node.inputs {
                if self.last_use[v.0] == i {
                    values[v.0] = None;
                }
            }
            if node.output.0 >= values.len() {
                values.resize(node.output.0 + 1, None);
            }
            values[node.output.0] = Some(y);
        }
        let out = self.graph.output();
        values
            .get_mut(out.0)
            .and_then(Option::take)
            .ok_or_else(|| NnError::Model("the output was never written".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sum_rounds_once() {
        let mut a = ExactSum::new();
        a.add(1.0);
        a.add(2f64.powi(-30));
        a.add(-1.0);
        assert_eq!(a.round_f32(), 2f32.powi(-30));
        a.add(1.0);
        a.add(2f64.powi(-24)); // a tie: to even
        assert_eq!(a.round_f32(), 1.0);
        a.add(1.0);
        a.add(2f64.powi(-24));
        a.add(2f64.powi(-80));
        assert_eq!(a.round_f32(), 1.0 + 2f32.powi(-23));
        a.add(-3.5);
        assert_eq!(a.round_f32(), -3.5);
        assert_eq!(a.round_f32(), 0.0);
    }
}
