//! Dense `f32` weight matrices for the network layers (`lowp::nn`'s float path): an
//! output-stationary GEMM whose every output is one sequential FMA chain.

use super::{best, check_y, effective_backend, KernelError};
use crate::arch::kernels::{dense_gemm, first_non_finite};
use crate::bulk::Backend;

/// Output rows per packed panel (one 512-bit register of `f32`).
pub(crate) const PANEL: usize = 16;

/// With the `rayon` feature, calls with at least this many FMAs are split across threads.
#[cfg(feature = "rayon")]
const PAR_MIN_WORK: usize = 1 << 21;

/// Activation rows per thread band are a multiple of this (whole register tiles).
#[cfg(feature = "rayon")]
const PAR_ROWS: usize = 8;

/// A dense `rows × cols` matrix of `f32` weights with one bias per row, packed for
/// `y = W·x + b` over batches of activation vectors.
///
/// **Order.** Every output is one FMA chain in increasing `k`, started at the bias:
/// `acc = b_r`, then `acc = fma(w_r,k, x_k, acc)` for `k = 0, 1, …, cols − 1`; `y_r = acc`.
/// One rounding per step, no reassociation, so a designer can replay it with any FMA (and
/// every backend gives the same bits: SIMD lanes hold different outputs, never parts of one).
///
/// The weights are packed in panels of 16 rows (`[k][16]`), so the kernels broadcast one
/// activation and update 16 outputs per FMA; this is the layout convolutions (im2col rows
/// against few output channels) want.
///
/// ```
/// use lowp::kernels::DenseMatrix;
/// let w = DenseMatrix::new(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3, Some(&[0.5, -1.0])).unwrap();
/// let y = w.gemm(&[1.0, 1.0, 1.0, 0.0, 1.0, 0.0], 2).unwrap();   // two vectors of 3
/// assert_eq!(y, vec![6.5, 14.0, 2.5, 4.0]);                      // y[j * rows + r]
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DenseMatrix {
    rows: usize,
    cols: usize,
    /// Panels of 16 rows, each `cols × 16` (`[k][lane]`), the last one zero-padded.
    packed: Vec<f32>,
    /// Biases, padded to whole panels with zeros.
    bias: Vec<f32>,
}

impl DenseMatrix {
    /// Pack a row-major `rows × cols` matrix and its biases (`None`: zeros). NaN/±∞ weights
    /// or biases are refused ([`KernelError::NonFinite`], index into `w`, then into `bias`
    /// counted after `w`), as are shapes that do not fit.
    ///
    /// ```
    /// use lowp::kernels::{DenseMatrix, KernelError};
    /// assert!(matches!(DenseMatrix::new(&[1.0; 5], 2, 3, None), Err(KernelError::Length { .. })));
    /// assert!(matches!(DenseMatrix::new(&[f32::NAN], 1, 1, None), Err(KernelError::NonFinite { .. })));
    /// ```
    pub fn new(w: &[f32], rows: usize, cols: usize, bias: Option<&[f32]>) -> Result<DenseMatrix, KernelError> {
        let n = rows.checked_mul(cols).ok_or(KernelError::Unsupported { reason: "matrix size overflows usize" })?;
        if w.len() != n {
            return Err(KernelError::Length { what: "w", expected: n, got: w.len() });
        }
        if let Some(b) = bias {
            if b.len() != rows {
                return Err(KernelError::Length { what: "bias", expected: rows, got: b.len() });
            }
        }
        if let Some(i) = w.iter().position(|v| !v.is_finite()) {
            return Err(KernelError::NonFinite { index: i, value: w[i] });
        }
        if let Some(b) = bias {
            if let Some(i) = b.iter().position(|v| !v.is_finite()) {
                return Err(KernelError::NonFinite { index: n + i, value: b[i] });
            }
        }
        let panels = rows.div_ceil(PANEL);
        let mut packed = vec![0f32; panels * cols * PANEL];
        for r in 0..rows {
            let (p, l) = (r / PANEL, r % PANEL);
            for k in 0..cols {
                packed[(p * cols + k) * PANEL + l] = w[r * cols + k];
            }
        }
        let mut b = vec![0f32; panels * PANEL];
        if let Some(bias) = bias {
            b[..rows].copy_from_slice(bias);
        }
        Ok(DenseMatrix { rows, cols, packed, bias: b })
    }

    /// Output rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Elements per activation vector.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The weights back, row-major (exactly as given).
    ///
    /// ```
    /// let w = lowp::kernels::DenseMatrix::new(&[1.0, 2.0, 3.0], 3, 1, None).unwrap();
    /// assert_eq!(w.weights(), vec![1.0, 2.0, 3.0]);
    /// ```
    pub fn weights(&self) -> Vec<f32> {
        let mut w = vec![0f32; self.rows * self.cols];
        for r in 0..self.rows {
            for k in 0..self.cols {
                w[r * self.cols + k] = self.packed[((r / PANEL) * self.cols + k) * PANEL + r % PANEL];
            }
        }
        w
    }

    /// The biases.
    pub fn bias(&self) -> &[f32] {
        &self.bias[..self.rows]
    }

    /// `y[j · rows + r]` for `m` row-major activation vectors `x` (`m · cols` elements).
    pub fn gemm(&self, x: &[f32], m: usize) -> Result<Vec<f32>, KernelError> {
        let len = m.checked_mul(self.rows).ok_or(KernelError::Unsupported { reason: "output size overflows usize" })?;
        let mut y = vec![0f32; len];
        self.gemm_into_on(best(), x, m, &mut y)?;
        Ok(y)
    }

    /// [`gemm`](Self::gemm) into `y` (`m · rows` elements).
    pub fn gemm_into(&self, x: &[f32], m: usize, y: &mut [f32]) -> Result<(), KernelError> {
        self.gemm_into_on(best(), x, m, y)
    }

    /// [`gemm_into`](Self::gemm_into) on a chosen backend (the same bits on each). With the
    /// `rayon` feature, large calls are split into bands of activation rows across threads
    /// (the same bits again: every output is its own chain).
    pub fn gemm_into_on(&self, backend: Backend, x: &[f32], m: usize, y: &mut [f32]) -> Result<(), KernelError> {
        let k = self.cols;
        if m.checked_mul(k) != Some(x.len()) {
            return Err(KernelError::Shape { m, k: Some(k), len: x.len() });
        }
        check_y(y, m, self.rows)?;
        let backend = effective_backend(backend);
        if let Some(i) = first_non_finite(backend, x) {
            return Err(KernelError::NonFinite { index: i, value: x[i] });
        }
        #[cfg(feature = "rayon")]
        {
            // Bands of activation rows across threads: every output is still its own chain,
            // so the bits are those of one thread.
            let threads = rayon::current_num_threads();
            let work = m.saturating_mul(self.rows).saturating_mul(k);
            if threads > 1 && k > 0 && self.rows > 0 && work >= PAR_MIN_WORK && m >= 2 * PAR_ROWS {
                use rayon::prelude::*;
                let band = m.div_ceil(threads * 4).next_multiple_of(PAR_ROWS);
                y.par_chunks_mut(band * self.rows).zip(x.par_chunks(band * k)).for_each(|(yb, xb)| {
                    dense_gemm(backend, &self.packed, &self.bias, xb, k, xb.len() / k, yb, self.rows)
                });
                return Ok(());
            }
        }
        dense_gemm(backend, &self.packed, &self.bias, x, k, m, y, self.rows);
        Ok(())
    }
}
