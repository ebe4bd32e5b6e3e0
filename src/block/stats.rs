//! Error measures of a quantization: what the `analyze` command and the accuracy bench print.

use super::storage::QuantizeError;

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
        let (mut sig, mut noise, mut max_abs) = (0f64, 0f64, 0f64);
        for (&a, &b) in x.iter().zip(y) {
            let (a, b) = (a as f64, b as f64);
            let d = a - b;
            sig += a * a;
            noise += d * d;
            max_abs = max_abs.max(d.abs());
        }
        let ratio = |num: f64, den: f64| if num == 0.0 { 0.0 } else { num / den };
        Ok(ErrorStats {
            n: x.len(),
            sqnr_db: if noise == 0.0 { f64::INFINITY } else { 10.0 * (sig / noise).log10() },
            max_abs,
            rel_rms: ratio(noise, sig).sqrt(),
            mse: if x.is_empty() { 0.0 } else { noise / x.len() as f64 },
        })
    }
}
