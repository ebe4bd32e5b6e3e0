//! The one error type of `lowp::nn`.

use core::fmt;

/// Why loading or running a network failed.
///
/// ```
/// use lowp::nn::{NnError, Tensor};
/// let e = Tensor::new(vec![2], vec![1.0]).unwrap_err();
/// assert!(matches!(e, NnError::Shape(_)));
/// assert_eq!(e.to_string(), "shape error: shape [2] needs 2 elements, got 1");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum NnError {
    /// The model file is not valid (truncated, not protobuf, missing or inconsistent fields).
    Model(String),
    /// An operator (or an attribute value of one) this crate does not run.
    Unsupported {
        /// The node's name (or its index when it has none).
        node: String,
        /// The ONNX operator type.
        op: String,
        /// What is not supported.
        why: String,
    },
    /// Shapes that do not fit (the input, a layer's operands, a reshape target).
    Shape(String),
    /// NaN or ±∞ where a finite number is required (inputs, calibration data).
    NonFinite(String),
    /// A precision plan that cannot be applied (an unknown format, a combination no kernel runs).
    Plan(String),
    /// A data file (IDX, image folder) that is missing, truncated or corrupt.
    Data(String),
    /// A kernel refused its operands (see [`crate::kernels::KernelError`]).
    Kernel(crate::kernels::KernelError),
}

impl fmt::Display for NnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NnError::Model(m) => write!(f, "invalid model: {m}"),
            NnError::Unsupported { node, op, why } => write!(f, "node `{node}` ({op}): {why}"),
            NnError::Shape(m) => write!(f, "shape error: {m}"),
            NnError::NonFinite(m) => write!(f, "non-finite value: {m}"),
            NnError::Plan(m) => write!(f, "precision plan: {m}"),
            NnError::Data(m) => write!(f, "data: {m}"),
            NnError::Kernel(e) => write!(f, "kernel: {e}"),
        }
    }
}

impl std::error::Error for NnError {}

impl From<crate::kernels::KernelError> for NnError {
    fn from(e: crate::kernels::KernelError) -> NnError {
        NnError::Kernel(e)
    }
}
