//! Dense minifloat weight matrices (FP8 E4M3/E5M2 and every other one-byte minifloat) on the
//! float path.

use core::marker::PhantomData;

use super::activations::{ActivationFormat, QuantizedActivations};
use super::{best, check_format, check_y, effective_backend, for_rows, shape_error, KernelError};
use crate::arch::kernels::{e4m3_decode, e5m2_decode, table_decode};
use crate::bulk::{Backend, FastSpec};
use crate::minifloat::{Minifloat, Spec};

/// Whether a [`MinifloatMatrix`] carries a per-row `f32` scale.
///
/// ```
/// use lowp::kernels::{MinifloatMatrix, RowScale};
/// use lowp::Float8E4M3FN;
/// let w = MinifloatMatrix::<lowp::minifloat::E4M3FN>::quantize(&[1000.0, 1.0], 1, 2, RowScale::PerRow).unwrap();
/// assert_eq!(w.row_scales().unwrap(), &[1000.0 / 448.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowScale {
    /// Codes are the values themselves (saturating at the format's largest finite value).
    None,
    /// Each row divided by `amax_row / max` (in `f32`) before rounding; the scale multiplies
    /// each output once at the end.
    PerRow,
}

/// The [`RowScale::PerRow`] rule: `amax_row / max` in `f32`, at least the smallest subnormal
/// `2^−149`; 1 for an all-zero row. Shared with `lowp::nn`'s scaled minifloat weights.
pub(crate) fn per_row_scale(row: &[f32], max: f32) -> f32 {
    let amax = row.iter().fold(0f32, |m, v| m.max(v.abs()));
    if amax == 0.0 {
        1.0
    } else {
        (amax / max).max(f32::from_bits(1))
    }
}

/// The quotient a scaled weight's code rounds: `v / s` in `f64` (`v` itself when `s = 1`).
pub(crate) fn scaled_quotient(v: f32, s: f32) -> f64 {
    if s == 1.0 {
        v as f64
    } else {
        v as f64 / s as f64
    }
}

/// A dense `rows × cols` matrix of one-byte minifloat codes of layout `S` (for example
/// [`crate::minifloat::E4M3FN`] or [`crate::minifloat::E5M2`]), row-major, with an optional
/// `f32` scale per row; `y = W·x` on the float path of the [module docs](crate::kernels).
///
/// ```
/// use lowp::kernels::{MinifloatMatrix, RowScale};
/// use lowp::minifloat::E4M3FN;
/// let w = MinifloatMatrix::<E4M3FN>::quantize(&[0.5, -1.5, 2.0, 0.25, 3.0, -6.0], 2, 3, RowScale::None).unwrap();
/// assert_eq!(w.gemv(&[1.0, 2.0, 4.0]).unwrap(), vec![0.5 - 3.0 + 8.0, 0.25 + 6.0 - 24.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MinifloatMatrix<S: Spec> {
    rows: usize,
    cols: usize,
    codes: Vec<u8>,
    row_scales: Option<Vec<f32>>,
    _spec: PhantomData<S>,
}

impl<S: Spec> MinifloatMatrix<S> {
    /// Round a row-major `f32` matrix to `S` (nearest-even, saturating), optionally with a
    /// per-row scale `amax_row / max(S)` (1 for an all-zero row). NaN/∞ weights are an error.
    ///
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E5M2;
    /// let w = MinifloatMatrix::<E5M2>::quantize(&[1.0, 3.0], 1, 2, RowScale::None).unwrap();
    /// assert_eq!(w.dequantize(), vec![1.0, 3.0]);
    /// assert!(MinifloatMatrix::<E5M2>::quantize(&[1.0], 1, 2, RowScale::None).is_err());
    /// ```
    pub fn quantize(data: &[f32], rows: usize, cols: usize, scale: RowScale) -> Result<Self, KernelError> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(KernelError::Shape { m: rows, k: Some(cols), len: data.len() });
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            return Err(KernelError::NonFinite { index: i, value: data[i] });
        }
        let max = <Minifloat<S> as crate::LowpFloat>::max_value().to_f32();
        let mut codes = vec![0u8; data.len()];
        let mut scales = vec![1f32; rows];
        if cols > 0 {
            for (r, (row, out)) in data.chunks(cols).zip(codes.chunks_mut(cols)).enumerate() {
                let s = match scale {
                    RowScale::None => 1.0,
                    RowScale::PerRow => per_row_scale(row, max),
                };
                scales[r] = s;
                for (o, &v) in out.iter_mut().zip(row) {
                    *o = Minifloat::<S>::from_f64_saturating(scaled_quotient(v, s)).to_bits();
                }
            }
        }
        let row_scales = (scale == RowScale::PerRow).then_some(scales);
        Ok(MinifloatMatrix { rows, cols, codes, row_scales, _spec: PhantomData })
    }

    /// From codes (row-major, one per byte) and optional row scales (one per row).
    ///
    /// ```
    /// use lowp::kernels::MinifloatMatrix;
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::from_codes(vec![0x38, 0x40], 1, 2, Some(vec![0.5])).unwrap();
    /// assert_eq!(w.gemv(&[1.0, 1.0]).unwrap(), vec![1.5]);
    /// assert!(MinifloatMatrix::<E4M3FN>::from_codes(vec![0x38], 1, 2, None).is_err());
    /// ```
    pub fn from_codes(
        codes: Vec<u8>,
        rows: usize,
        cols: usize,
        row_scales: Option<Vec<f32>>,
    ) -> Result<Self, KernelError> {
        if rows.checked_mul(cols) != Some(codes.len()) {
            return Err(KernelError::Shape { m: rows, k: Some(cols), len: codes.len() });
        }
        if let Some(s) = &row_scales {
            if s.len() != rows {
                return Err(KernelError::Length { what: "row scales", expected: rows, got: s.len() });
            }
        }
        Ok(MinifloatMatrix { rows, cols, codes, row_scales, _spec: PhantomData })
    }

    /// Rows.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.rows(), 2);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns (K).
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.cols(), 2);
    /// ```
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The codes, row-major.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.codes(), &[0x38, 0x40, 0x44, 0x48]);
    /// ```
    pub fn codes(&self) -> &[u8] {
        &self.codes
    }
    /// The row scales, if any.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.row_scales(), None);
    /// ```
    pub fn row_scales(&self) -> Option<&[f32]> {
        self.row_scales.as_deref()
    }
    /// The values (code value · row scale, rounded once to `f32`), row-major.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.dequantize(), vec![1.0, 2.0, 3.0, 4.0]);
    /// ```
    pub fn dequantize(&self) -> Vec<f32> {
        self.codes
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let v = f32::from_bits(S::TABLE[c as usize]);
                match &self.row_scales {
                    Some(s) => v * s[i / self.cols.max(1)],
                    None => v,
                }
            })
            .collect()
    }

    /// `y = W · x` on the fastest backend.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.gemv(&[1.0, 1.0]).unwrap(), vec![3.0, 7.0]);
    /// ```
    pub fn gemv(&self, x: &[f32]) -> Result<Vec<f32>, KernelError> {
        self.gemm_on(best(), x, 1)
    }
    /// [`gemv`](Self::gemv) on a chosen backend (the same bits on each).
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// let x = [0.1f32, 0.7];
    /// assert_eq!(w.gemv_on(lowp::bulk::Backend::Portable, &x).unwrap(), w.gemv(&x).unwrap());
    /// ```
    pub fn gemv_on(&self, backend: Backend, x: &[f32]) -> Result<Vec<f32>, KernelError> {
        self.gemm_on(backend, x, 1)
    }
    /// [`gemv`](Self::gemv) into `y` (`y.len() == rows`).
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// let mut y = [0.0; 2];
    /// w.gemv_into(&[1.0, 0.0], &mut y).unwrap();
    /// assert_eq!(y, [1.0, 3.0]);
    /// ```
    pub fn gemv_into(&self, x: &[f32], y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_into_on(best(), x, 1, y)
    }
    /// `Y = X · Wᵀ` (`x` row-major `m × cols`, result `m × rows`; row `j` equals `gemv(x_j)`).
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.gemm(&[1.0, 0.0, 0.0, 1.0], 2).unwrap(), vec![1.0, 3.0, 2.0, 4.0]);
    /// ```
    pub fn gemm(&self, x: &[f32], m: usize) -> Result<Vec<f32>, KernelError> {
        self.gemm_on(best(), x, m)
    }
    /// [`gemm`](Self::gemm) on a chosen backend.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// assert_eq!(w.gemm_on(lowp::bulk::Backend::Avx2, &[1.0; 4], 2).unwrap(), vec![3.0, 7.0, 3.0, 7.0]);
    /// ```
    pub fn gemm_on(&self, backend: Backend, x: &[f32], m: usize) -> Result<Vec<f32>, KernelError> {
        if m.checked_mul(self.cols) != Some(x.len()) {
            return Err(shape_error(m, self.cols, x.len()));
        }
        let mut y = vec![0f32; m * self.rows];
        self.gemm_into_on(backend, x, m, &mut y)?;
        Ok(y)
    }
    /// [`gemm`](Self::gemm) into `y` (`y.len() == m · rows`).
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// let mut y = [0.0; 4];
    /// w.gemm_into(&[1.0; 4], 2, &mut y).unwrap();
    /// assert_eq!(y, [3.0, 7.0, 3.0, 7.0]);
    /// ```
    pub fn gemm_into(&self, x: &[f32], m: usize, y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_into_on(best(), x, m, y)
    }
    /// [`gemm_into`](Self::gemm_into) on a chosen backend.
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// let mut y = [0.0; 4];
    /// assert!(w.gemm_into_on(lowp::bulk::Backend::Portable, &[1.0; 4], 2, &mut y[..3]).is_err());
    /// ```
    pub fn gemm_into_on(&self, backend: Backend, x: &[f32], m: usize, y: &mut [f32]) -> Result<(), KernelError> {
        if m.checked_mul(self.cols) != Some(x.len()) {
            return Err(shape_error(m, self.cols, x.len()));
        }
        check_y(y, m, self.rows)?;
        let qa = QuantizedActivations::new(ActivationFormat::F32, x, m)?;
        self.gemm_prepared_on(backend, &qa, y)
    }
    /// `Y = X · Wᵀ` for prepared ([`ActivationFormat::F32`]) activations (checked finite once,
    /// reusable across matrices).
    /// ```
    /// use lowp::kernels::{MinifloatMatrix, RowScale};
    /// use lowp::minifloat::E4M3FN;
    /// let w = MinifloatMatrix::<E4M3FN>::quantize(&[1.0, 2.0, 3.0, 4.0], 2, 2, RowScale::None).unwrap();
    /// use lowp::kernels::{ActivationFormat, QuantizedActivations};
    /// let x = QuantizedActivations::new(ActivationFormat::F32, &[1.0, 1.0], 1).unwrap();
    /// let mut y = [0.0; 2];
    /// w.gemm_prepared_on(lowp::bulk::Backend::best(), &x, &mut y).unwrap();
    /// assert_eq!(y, [3.0, 7.0]);
    /// ```
    pub fn gemm_prepared_on(
        &self,
        backend: Backend,
        x: &QuantizedActivations,
        y: &mut [f32],
    ) -> Result<(), KernelError> {
        check_format(ActivationFormat::F32, self.cols, x)?;
        check_y(y, x.m, self.rows)?;
        let backend = effective_backend(backend);
        let (n, k) = (self.rows, self.cols);
        for_rows(n, x.m, y, |rows, y| {
            let mut wf = vec![0f32; 4 * k];
            let mut i0 = rows.start;
            while i0 < rows.end {
                let i1 = (i0 + 4).min(rows.end);
                let nr = i1 - i0;
                let (src, dst) = (&self.codes[i0 * k..i1 * k], &mut wf[..nr * k]);
                let id = core::any::TypeId::of::<S>();
                let rs = self.row_scales.as_ref().map(|s| &s[i0..i1]);
                // GEMV-sized batches: the decode fused into the FMA loop (AVX-512), each row
                // group read once per activation row.
                #[cfg(all(feature = "std", target_arch = "x86_64"))]
                if x.m < 4 && backend == Backend::Avx512 {
                    let e5 = if id == core::any::TypeId::of::<crate::minifloat::E4M3FN>() {
                        Some(false)
                    } else if id == core::any::TypeId::of::<crate::minifloat::E5M2>() {
                        Some(true)
                    } else {
                        None
                    };
                    if let Some(e5) = e5 {
                        let mut done = true;
                        let rows: [&[u8]; 4] = core::array::from_fn(|r| &src[(r * k).min(src.len())..]);
                        for j in 0..x.m {
                            let mut acc = [[0f32; crate::arch::kernels::LANES]; 4];
                            if !crate::arch::x86_kernels::fp8_fma_rows(
                                e5,
                                &rows[..nr],
                                k,
                                &x.xf[j * k..(j + 1) * k],
                                None,
                                &mut acc[..nr],
                            ) {
                                done = false;
                                break;
                            }
                            for r in 0..nr {
                                let t = crate::arch::kernels::fold16(acc[r]);
                                y[j * n + i0 + r] = match rs {
                                    Some(s) => t * s[r],
                                    None => t,
                                };
                            }
                        }
                        if done {
                            i0 = i1;
                            continue;
                        }
                    }
                }
                if id == core::any::TypeId::of::<crate::minifloat::E4M3FN>() {
                    e4m3_decode(backend, src, dst);
                } else if id == core::any::TypeId::of::<crate::minifloat::E5M2>() {
                    e5m2_decode(backend, src, dst);
                } else {
                    table_decode(backend, &S::TABLE, src, dst);
                }
                super::int::fma_block(backend, &wf[..nr * k], nr, x, &mut y[i0..], n, rs);
                i0 = i1;
            }
        });
        Ok(())
    }
}
