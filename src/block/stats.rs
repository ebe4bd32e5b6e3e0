//! Error measures of a quantization: what the `analyze` command and the accuracy bench print.

use super::storage::QuantizeError;
use super::{BlockMatrix, BlockScaled};

/// Running sums of a comparison (sequential, in element order).
#[derive(Default)]
struct Sums {
    n: usize,
    sig: f64,
    noise: f64,
    max_abs: f64,
}

impl Sums {
    fn add(&mut self, x: &[f32], y: &[f32]) {
        for (&a, &b) in x.iter().zip(y) {
            let (a, b) = (a as f64, b as f64);
            let d = a - b;
            self.sig += a * a;
            self.noise += d * d;
            self.max_abs = self.max_abs.max(d.abs());
        }
        self.n += x.len();
    }
    fn stats(&self) -> ErrorStats {
        let ratio = |num: f64, den: f64| if num == 0.0 { 0.0 } else { num / den };
        ErrorStats {
            n: self.n,
            sqnr_db: if self.noise == 0.0 { f64::INFINITY } else { 10.0 * (self.sig / self.noise).log10() },
            max_abs: self.max_abs,
            rel_rms: ratio(self.noise, self.sig).sqrt(),
            mse: if self.n == 0 { 0.0 } else { self.noise / self.n as f64 },
        }
    }
}

/// How far dequantized data `y` lies from the original `x` (sums in `f64`).
///
/// ```
/// use lowp::block::ErrorStats;
/// let s = ErrorStats::measure(&[1.0, -2.0, 4.0], &[1.0, -2.5, 4.0]).unwrap();
/// assert_eq!(s.max_abs, 0.5);
/// assert!((s.sqnr_db - 10.0 * (21.0f64 / 0.25).log10()).abs() < 1e-12);
/// assert!((s.rel_rms - (0.25f64 / 21.0).sqrt()).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ErrorStats {
    /// Elements compared.
    pub n: usize,
    /// Signal-to-quantization-noise ratio `10 log10(Σx² / Σ(x − y)²)` in dB (∞ when exact,
    /// NaN for an all-zero signal with nonzero error... which cannot happen: 0 maps to 0).
    pub sqnr_db: f64,
    /// Largest `|x − y|`.
    pub max_abs: f64,
    /// Relative RMS error `sqrt(Σ(x − y)² / Σx²)` (0 when exact).
    pub rel_rms: f64,
    /// Mean squared error `Σ(x − y)² / n`.
    pub mse: f64,
}

impl ErrorStats {
    /// Compare `x` with `y` (same length).
    pub fn measure(x: &[f32], y: &[f32]) -> Result<ErrorStats, QuantizeError> {
        if x.len() != y.len() {
            return Err(QuantizeError::Length { expected: x.len(), got: y.len() });
        }
        let mut sums = Sums::default();
        sums.add(x, y);
        Ok(sums.stats())
    }

    /// Compare row-major `x` with the dequantized `m` (its shape), one row at a time: the same
    /// result as [`measure`](Self::measure) of `x` and `m.dequantize()`, without the second
    /// full-size copy.
    ///
    /// ```
    /// use lowp::block::{BlockMatrix, ErrorStats, Scheme};
    /// let x: Vec<f32> = (0..96).map(|i| (i as f32 * 0.37).sin()).collect();
    /// let m = BlockMatrix::quantize(&Scheme::mxfp4(), &x, 3, 32).unwrap();
    /// assert_eq!(ErrorStats::measure_matrix(&x, &m).unwrap(), ErrorStats::measure(&x, &m.dequantize()).unwrap());
    /// ```
    pub fn measure_matrix(x: &[f32], m: &BlockMatrix) -> Result<ErrorStats, QuantizeError> {
        if x.len() != m.rows() * m.cols() {
            return Err(QuantizeError::Length { expected: m.rows() * m.cols(), got: x.len() });
        }
        let mut sums = Sums::default();
        let mut row = vec![0f32; m.cols()];
        for (r, xr) in x.chunks(m.cols().max(1)).enumerate().take(m.rows()) {
            m.row(r).dequantize_into(&mut row)?;
            sums.add(xr, &row);
        }
        Ok(sums.stats())
    }
}
