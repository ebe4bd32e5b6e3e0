//! Activations prepared for the kernels: quantized once, reused across weight matrices.

use super::KernelError;
use crate::arch::kernels::{split_index, LANES};
use crate::block::{BlockMatrix, BlockScaled, BlockVector, QuantizeError, ScaleEncoding, Scheme};
use crate::bulk::Backend;

/// The longest activation vector (weight block) the integer kernels take: block sums of up to
/// 65536 products of `|w| ≤ 128` and `|x| ≤ 127` stay below `2^31`.
///
/// ```
/// use lowp::block::{BlockMatrix, ScaleEncoding, Scheme};
/// let s = Scheme::vsq(8, lowp::kernels::MAX_VECTOR_LEN + 8, ScaleEncoding::F32).unwrap();
/// let w = BlockMatrix::quantize(&s, &[1.0; 8], 1, 8).unwrap();
/// assert!(w.gemv(&[1.0; 8]).is_err());   // KernelError::Unsupported
/// ```
pub const MAX_VECTOR_LEN: usize = 65536;

/// How a weight matrix wants its activations (see [`BlockMatrix::activation_format`]).
///
/// ```
/// use lowp::block::{BlockMatrix, Scheme};
/// use lowp::kernels::ActivationFormat;
/// let w = BlockMatrix::quantize(&Scheme::nvfp4(), &[0.5; 64], 2, 32).unwrap();
/// assert_eq!(w.activation_format(), ActivationFormat::Int8 { vector_len: 16 });
/// let w = BlockMatrix::quantize(&"mxfp8-e4m3".parse().unwrap(), &[0.5; 64], 2, 32).unwrap();
/// assert_eq!(w.activation_format(), ActivationFormat::F32);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActivationFormat {
    /// INT8 per vector of `vector_len` elements with one `f32` scale per vector: the block
    /// quantizer's `Scheme::vsq(8, vector_len, ScaleEncoding::F32)` (`q_max` 127, AbsMax scale,
    /// nearest-even codes).
    Int8 {
        /// Elements per vector (the weight's block length; 64 for whole-row weight schemes).
        vector_len: usize,
    },
    /// Two-level INT8 (for two-level VSQ weights): `Scheme::vsq_two_level(8, vector_len,
    /// scale_bits)`, an unsigned `scale_bits`-bit scale per vector under one `f32` γ per vector
    /// of activations.
    Int8TwoLevel {
        /// Elements per vector.
        /// ```
        /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
        /// let q = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 16 }, &[1.0; 40], 2).unwrap();
        /// assert_eq!(q.k(), 20);
        /// ```
        vector_len: usize,
        /// Bits of the per-vector integer scale (8 here).
        scale_bits: u8,
    },
    /// Unquantized `f32` (the float path: MXFP8/MXFP6 and dense minifloat weights).
    F32,
}

impl ActivationFormat {
    /// The activation format of weights under `scheme`.
    ///
    /// ```
    /// use lowp::kernels::ActivationFormat;
    /// let s = "vsq-int4-v64-s6".parse().unwrap();
    /// assert_eq!(ActivationFormat::for_scheme(&s), ActivationFormat::Int8TwoLevel { vector_len: 64, scale_bits: 8 });
    /// let s = "int8-per-row".parse().unwrap();
    /// assert_eq!(ActivationFormat::for_scheme(&s), ActivationFormat::Int8 { vector_len: 64 });
    /// ```
    pub fn for_scheme(scheme: &Scheme) -> ActivationFormat {
        use crate::block::Element;
        let v = if scheme.block_len() == 0 { 64 } else { scheme.block_len() };
        match scheme.element() {
            Element::Int(_) | Element::MxInt8 | Element::E2M1 => match scheme.scale() {
                ScaleEncoding::UInt(_) => ActivationFormat::Int8TwoLevel { vector_len: v, scale_bits: 8 },
                _ => ActivationFormat::Int8 { vector_len: v },
            },
            _ => ActivationFormat::F32,
        }
    }

    /// The block scheme that quantizes the activations (`None` for [`F32`](Self::F32)).
    ///
    /// ```
    /// use lowp::kernels::ActivationFormat;
    /// assert_eq!(ActivationFormat::Int8 { vector_len: 32 }.scheme().unwrap().to_string(), "vsq-int8-v32");
    /// assert_eq!(ActivationFormat::F32.scheme(), None);
    /// ```
    pub fn scheme(self) -> Option<Scheme> {
        match self {
            ActivationFormat::Int8 { vector_len } => Scheme::vsq(8, vector_len, ScaleEncoding::F32).ok(),
            ActivationFormat::Int8TwoLevel { vector_len, scale_bits } => {
                Scheme::vsq_two_level(8, vector_len, scale_bits).ok()
            }
            ActivationFormat::F32 => None,
        }
    }

    fn vector_len(self) -> usize {
        match self {
            ActivationFormat::Int8 { vector_len } | ActivationFormat::Int8TwoLevel { vector_len, .. } => vector_len,
            ActivationFormat::F32 => 1,
        }
    }
}

/// A batch of `m` activation vectors of length `k`, prepared once for the kernels and reusable
/// across every weight matrix of the same [`ActivationFormat`] and `k`.
///
/// For the integer formats each vector is quantized by the block quantizer (correctly
/// rounded), and the kernel layouts are kept beside the codes: the codes in natural order and
/// in the split order of the 4-bit kernels, padded with zeros to whole chunks of 16 vectors,
/// the per-vector sums of the codes (for the unsigned-weight corrections), and the scales.
///
/// ```
/// use lowp::block::{BlockMatrix, Scheme};
/// use lowp::kernels::QuantizedActivations;
/// let s: Scheme = "vsq-int4-v64".parse().unwrap();
/// let w1 = BlockMatrix::quantize(&s, &vec![0.25; 3 * 128], 3, 128).unwrap();
/// let w2 = BlockMatrix::quantize(&s, &vec![-0.5; 5 * 128], 5, 128).unwrap();
/// let x = vec![1.0f32; 128];
/// let qx = QuantizedActivations::for_matrix(&w1, &x, 1).unwrap();
/// let mut y1 = vec![0.0; 3];
/// let mut y2 = vec![0.0; 5];
/// w1.gemm_prepared(&qx, &mut y1).unwrap();
/// w2.gemm_prepared(&qx, &mut y2).unwrap();     // the same prepared x
/// assert_eq!(y1, vec![32.0; 3]);
/// assert_eq!(y2, vec![-64.0; 5]);
/// assert_eq!(y1, w1.gemv(&x).unwrap());
/// ```
#[derive(Clone, Debug)]
pub struct QuantizedActivations {
    pub(crate) format: ActivationFormat,
    pub(crate) m: usize,
    pub(crate) k: usize,
    /// Vectors per activation row (`⌈k / V⌉`).
    pub(crate) nblocks: usize,
    /// Padded vectors per row (a multiple of 16).
    pub(crate) nb_pad: usize,
    /// Padded codes per row (`nb_pad · V`).
    pub(crate) stride: usize,
    /// Codes, natural order.
    pub(crate) q: Vec<i8>,
    /// Codes, split order (4-bit kernels).
    pub(crate) qs: Vec<i8>,
    /// Per-vector code sums.
    pub(crate) xsum: Vec<i32>,
    /// Per-vector `f32` scales (one-level).
    pub(crate) sx: Vec<f32>,
    /// Per-vector integer scales (two-level).
    pub(crate) sxi: Vec<i32>,
    /// γ per activation row (two-level).
    pub(crate) gamma: Vec<f32>,
    /// The `f32` activations (float path).
    pub(crate) xf: Vec<f32>,
}

impl QuantizedActivations {
    /// Prepare `m` row-major vectors of length `x.len() / m` in `format`.
    ///
    /// Errors: [`KernelError::Shape`] when `m` does not divide `x.len()` (or `m = 0` with data),
    /// [`KernelError::NonFinite`] for NaN/±∞ in `x`, [`KernelError::Unsupported`] for vector
    /// lengths above [`MAX_VECTOR_LEN`].
    ///
    /// ```
    /// use lowp::kernels::{ActivationFormat, KernelError, QuantizedActivations};
    /// let f = ActivationFormat::Int8 { vector_len: 32 };
    /// let q = QuantizedActivations::new(f, &[0.5; 96], 2).unwrap();
    /// assert_eq!((q.m(), q.k()), (2, 48));
    /// assert!(matches!(QuantizedActivations::new(f, &[0.5; 96], 5), Err(KernelError::Shape { .. })));
    /// assert!(matches!(QuantizedActivations::new(f, &[f32::NAN], 1), Err(KernelError::NonFinite { index: 0, .. })));
    /// ```
    pub fn new(format: ActivationFormat, x: &[f32], m: usize) -> Result<QuantizedActivations, KernelError> {
        QuantizedActivations::new_on(Backend::best(), format, x, m)
    }

    /// [`new`](Self::new) with the block quantizer on a chosen backend (the same bits on each).
    pub fn new_on(
        backend: Backend,
        format: ActivationFormat,
        x: &[f32],
        m: usize,
    ) -> Result<QuantizedActivations, KernelError> {
        QuantizedActivations::build(backend, format, x, m, true)
    }

    /// The checks and buffers of [`new_on`](Self::new_on); the codes and scales only when
    /// `quantize` (else all zero, for [`with_scale`](Self::with_scale) to fill).
    fn build(
        backend: Backend,
        format: ActivationFormat,
        x: &[f32],
        m: usize,
        quantize: bool,
    ) -> Result<QuantizedActivations, KernelError> {
        let k = x.len().checked_div(m).unwrap_or(0);
        if (m == 0 && !x.is_empty()) || m.checked_mul(k) != Some(x.len()) {
            return Err(KernelError::Shape { m, k: None, len: x.len() });
        }
        let v = format.vector_len();
        if v > MAX_VECTOR_LEN {
            return Err(KernelError::Unsupported { reason: "vectors longer than 65536 elements" });
        }
        if v == 0 {
            return Err(KernelError::Unsupported { reason: "no INT8 block scheme has this vector length" });
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(KernelError::NonFinite { index: i, value: x[i] });
        }
        let nblocks = k.div_ceil(v);
        let nb_pad = nblocks.next_multiple_of(LANES);
        let stride = nb_pad * v;
        let mut a = QuantizedActivations {
            format,
            m,
            k,
            nblocks,
            nb_pad,
            stride,
            q: vec![],
            qs: vec![],
            xsum: vec![],
            sx: vec![],
            sxi: vec![],
            gamma: vec![],
            xf: vec![],
        };
        let Some(scheme) = format.scheme() else {
            if format != ActivationFormat::F32 {
                return Err(KernelError::Unsupported { reason: "no INT8 block scheme has this vector length" });
            }
            a.xf = x.to_vec();
            return Ok(a);
        };
        a.q = vec![0; m * stride];
        a.qs = vec![0; m * stride];
        a.xsum = vec![0; m * nb_pad];
        let two = matches!(format, ActivationFormat::Int8TwoLevel { .. });
        if two {
            a.sxi = vec![0; m * nb_pad];
            a.gamma = vec![0.0; m];
        } else {
            a.sx = vec![0.0; m * nb_pad];
        }
        if k == 0 || !quantize {
            return Ok(a);
        }
        for (r, row) in x.chunks_exact(k).enumerate() {
            let qv = BlockVector::quantize_on(backend, &scheme, row).map_err(|e| match e {
                QuantizeError::NonFinite { index, value } => KernelError::NonFinite { index: r * k + index, value },
                _ => KernelError::Unsupported { reason: "activation quantization failed" },
            })?;
            let codes = qv.codes();
            let q = &mut a.q[r * stride..(r + 1) * stride];
            let qs = &mut a.qs[r * stride..(r + 1) * stride];
            fill_codes(codes, q, qs);
            for (b, s) in a.xsum[r * nb_pad..r * nb_pad + nblocks].iter_mut().enumerate() {
                *s = q[b * v..(b + 1) * v].iter().map(|&c| c as i32).sum();
            }
            let sc = qv.scales();
            if two {
                for (o, &c) in a.sxi[r * nb_pad..r * nb_pad + nblocks].iter_mut().zip(sc) {
                    *o = c as i32;
                }
                a.gamma[r] = qv.row_scale();
            } else {
                for b in 0..nblocks {
                    a.sx[r * nb_pad + b] = f32::from_le_bytes([sc[4 * b], sc[4 * b + 1], sc[4 * b + 2], sc[4 * b + 3]]);
                }
            }
        }
        Ok(a)
    }

    /// Static (calibrated) INT8 activations: every vector of [`ActivationFormat::Int8`] gets the
    /// same given `scale`, and each code is `x / scale` rounded to the nearest integer (ties to
    /// even) and clamped to `[-127, 127]` — the per-tensor activation quantization of static
    /// post-training quantization (a scale calibrated once, for example `amax / 127` over a
    /// calibration set). The quotient is taken in `f64` and rounded once, which gives the
    /// correctly rounded code (an `f32` quotient is never within `2^-46` of a half-integer
    /// without being one).
    ///
    /// Errors as [`new`](Self::new), plus [`KernelError::Unsupported`] for another format or a
    /// scale that is not finite and positive.
    ///
    /// ```
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let f = ActivationFormat::Int8 { vector_len: 8 };
    /// let q = QuantizedActivations::with_scale(f, &[0.25, 0.75, -1.0, 100.0], 1, 0.5).unwrap();
    /// assert_eq!(q.dequantize(0), vec![0.0, 1.0, -1.0, 63.5]);   // 0.5 → 0 (tie to even), 200 → 127
    /// assert!(QuantizedActivations::with_scale(f, &[1.0; 4], 1, 0.0).is_err());
    /// // A vector length no INT8 scheme takes is refused, not silently run in f32:
    /// assert!(QuantizedActivations::with_scale(ActivationFormat::Int8 { vector_len: 0 }, &[1.0], 1, 1.0).is_err());
    /// ```
    pub fn with_scale(
        format: ActivationFormat,
        x: &[f32],
        m: usize,
        scale: f32,
    ) -> Result<QuantizedActivations, KernelError> {
        let ActivationFormat::Int8 { vector_len: v } = format else {
            return Err(KernelError::Unsupported { reason: "static scales are for one-level INT8 activations" });
        };
        if !(scale.is_finite() && scale > 0.0) {
            return Err(KernelError::Unsupported { reason: "a static activation scale must be finite and positive" });
        }
        // The shape and value checks, and the (zeroed) buffers, as for dynamic scales.
        let mut a = QuantizedActivations::build(Backend::Portable, format, x, m, false)?;
        let (k, nb_pad, stride) = (a.k, a.nb_pad, a.stride);
        if k == 0 {
            return Ok(a);
        }
        for (r, row) in x.chunks_exact(k).enumerate() {
            let q = &mut a.q[r * stride..(r + 1) * stride];
            let qs = &mut a.qs[r * stride..(r + 1) * stride];
            for (i, &xv) in row.iter().enumerate() {
                let c = static_code(xv, scale);
                q[i] = c;
                qs[split_index(i)] = c;
            }
            for b in 0..a.nblocks {
                a.xsum[r * nb_pad + b] = q[b * v..(b + 1) * v].iter().map(|&c| c as i32).sum();
                a.sx[r * nb_pad + b] = scale;
            }
        }
        Ok(a)
    }

    /// Prepare `m` vectors for the weights `w` (in `w`'s [`activation_format`](BlockMatrix::activation_format);
    /// each vector must have `w.cols()` elements).
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, Scheme};
    /// use lowp::kernels::QuantizedActivations;
    /// let w = BlockMatrix::quantize(&Scheme::mxfp4(), &[1.0; 64], 1, 64).unwrap();
    /// let q = QuantizedActivations::for_matrix(&w, &[2.0; 128], 2).unwrap();
    /// assert_eq!(q.m(), 2);
    /// assert!(QuantizedActivations::for_matrix(&w, &[2.0; 100], 2).is_err());
    /// ```
    pub fn for_matrix(w: &BlockMatrix, x: &[f32], m: usize) -> Result<QuantizedActivations, KernelError> {
        if m.checked_mul(w.cols()) != Some(x.len()) {
            return Err(KernelError::Shape { m, k: Some(w.cols()), len: x.len() });
        }
        QuantizedActivations::new(w.activation_format(), x, m)
    }

    /// Vectors in the batch.
    /// ```
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let q = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 16 }, &[1.0; 40], 2).unwrap();
    /// assert_eq!(q.m(), 2);
    /// ```
    pub fn m(&self) -> usize {
        self.m
    }
    /// Elements per vector.
    /// ```
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let q = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 16 }, &[1.0; 40], 2).unwrap();
    /// assert_eq!(q.k(), 20);
    /// ```
    pub fn k(&self) -> usize {
        self.k
    }
    /// The format.
    /// ```
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let q = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 16 }, &[1.0; 40], 2).unwrap();
    /// assert_eq!(q.format(), ActivationFormat::Int8 { vector_len: 16 });
    /// ```
    pub fn format(&self) -> ActivationFormat {
        self.format
    }
    /// Vector `j`'s values as the kernels see them, dequantized: `code · scale` (two-level:
    /// `code · S · γ`) rounded once to `f32`, or the `f32` input for the float path.
    ///
    /// ```
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let x = [1.0f32, -0.5, 0.25, 0.0];
    /// let q = QuantizedActivations::new(ActivationFormat::Int8 { vector_len: 8 }, &x, 1).unwrap();
    /// for (a, b) in q.dequantize(0).iter().zip(&x) {
    ///     assert!((a - b).abs() <= 0.5 / 127.0);      // half a step of the scale amax / 127
    /// }
    /// ```
    pub fn dequantize(&self, j: usize) -> Vec<f32> {
        assert!(j < self.m, "vector {j} of {}", self.m);
        let v = self.format.vector_len();
        (0..self.k)
            .map(|i| match self.format {
                ActivationFormat::F32 => self.xf[j * self.k + i],
                ActivationFormat::Int8 { .. } => {
                    (self.q[j * self.stride + i] as f64 * self.sx[j * self.nb_pad + i / v] as f64) as f32
                }
                ActivationFormat::Int8TwoLevel { .. } => {
                    (self.q[j * self.stride + i] as f64
                        * self.sxi[j * self.nb_pad + i / v] as f64
                        * self.gamma[j] as f64) as f32
                }
            })
            .collect()
    }
}

/// The static INT8 code of `x` under `scale`: the `f64` quotient `x / scale` clamped to ±127
/// and rounded to the nearest integer, ties to even (clamping to integer bounds commutes with
/// rounding to an integer). Adding `1.5 · 2^52` makes the FPU round with its own nearest-even
/// rule (the sum lies where the `f64` spacing is 1), which spares a libm `rint` call.
#[inline(always)]
pub(crate) fn static_code(x: f32, scale: f32) -> i8 {
    const MAGIC: f64 = 6755399441055744.0; // 1.5 · 2^52
    let q = (x as f64 / scale as f64).clamp(-127.0, 127.0);
    ((q + MAGIC).to_bits() as u8) as i8
}

/// The codes of one row in natural order (`q`) and in the split layout of the nibble kernels
/// (`qs`, see [`split_index`]): whole groups of 128 as two de-interleaved halves (a loop the
/// compiler vectorizes), the tail element by element.
fn fill_codes(codes: &[u8], q: &mut [i8], qs: &mut [i8]) {
    let whole = codes.len() / 128 * 128;
    for ((g, gq), gs) in codes[..whole].chunks_exact(128).zip(q.chunks_exact_mut(128)).zip(qs.chunks_exact_mut(128)) {
        let (even, odd) = gs.split_at_mut(64);
        for (j, pair) in g.chunks_exact(2).enumerate() {
            even[j] = pair[0] as i8;
            odd[j] = pair[1] as i8;
        }
        for (o, &c) in gq.iter_mut().zip(g) {
            *o = c as i8;
        }
    }
    for (i, &c) in codes.iter().enumerate().skip(whole) {
        q[i] = c as i8;
        qs[split_index(i)] = c as i8;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn static_code_is_round_ties_even() {
        for &(x, s) in &[
            (0.25f32, 0.5f32),
            (0.75, 0.5),
            (-0.25, 0.5),
            (-0.75, 0.5),
            (1e9, 1.0),
            (-1e9, 1.0),
            (3.3, 0.1),
            (-0.0, 1.0),
        ] {
            let want = (x as f64 / s as f64).round_ties_even().clamp(-127.0, 127.0) as i8;
            assert_eq!(super::static_code(x, s), want, "{x} / {s}");
        }
    }
}
