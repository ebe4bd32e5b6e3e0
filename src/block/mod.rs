//! Block-scaled vectors: VSQ (per-vector scaled integers), OCP MX v1.0, NVFP4, and the
//! per-row / per-tensor integer baselines they are measured against.
//!
//! A [`Scheme`] says how: the element format ([`Element`]: INT2..INT8, MXINT8, E4M3, E5M2,
//! E2M3, E3M2, E2M1), the block length along the row, the block scale's encoding
//! ([`ScaleEncoding`]: f32, f16, bf16, E4M3, E8M0, or an unsigned integer under a per-row `f32`),
//! the scale above the blocks ([`Outer`]: per row or per tensor), and the rule that picks the
//! scales ([`ScaleRule`]). [`BlockVector`] (one row) and [`BlockMatrix`] (rows × K, blocked
//! along K) hold the packed result; both present the [`BlockScaled`] trait: read one element,
//! dequantize, the packed bytes, and the storage cost in bits per element.
//!
//! # Rounding
//!
//! Every element code is the correctly rounded (nearest-even, saturating) value of
//! `x / scale` for the exact scale — one `f64` division, shown innocuous in [`quantize`]'s
//! docs — and every block scale is the correctly rounded value its rule asks for. Dequantized
//! values are exact in `f64` ([`BlockScaled::get_exact`]) and rounded once to `f32`.
//! The tests check all of it against an MPFR reference written apart from this module.
//!
//! # Scales
//!
//! * **VSQ one level**: `s = amax / q_max` per vector (`q_max = 2^(b−1) − 1`), rounded to
//!   nearest in the scale's encoding, saturating at its largest value (elements then saturate
//!   too); a nonzero vector whose scale would round to 0 gets the smallest positive scale.
//! * **VSQ two levels** (VS-Quant): per row `γ = amax_row / (q_max · (2^M − 1))` in `f32`, per
//!   vector `S = round(amax_v / (q_max · γ))` clamped to `1 ..= 2^M − 1`; elements
//!   `round(x / (γ · S))`.
//! * **MX**: `X = 2^(⌊log2 amax⌋ − emax_elem)` (or the round-up rule), clamped to
//!   `2^−127 ..= 2^127`.
//! * **NVFP4**: tensor scale `t = amax_tensor / (448 · 6)` in `f32`, block scale
//!   `E4M3(amax_block / (6 · t))`.
//! * **Per row / per tensor**: `amax / q_max` in `f32`.
//! * **MSE search** (VSQ and NVFP4, `-mse`): the candidate block scale with the least squared
//!   error (see [`ScaleRule::Mse`]).
//!
//! # Edge cases
//!
//! * A block of zeros gets scale 0 (E8M0: `2^−127`, the MX rule's clamp) and zero codes;
//!   nothing is divided by zero. A tensor of zeros gets row/tensor scale 0.
//! * A length that is not a multiple of the block pads the last block with zero codes; the
//!   scale comes from the real elements.
//! * NaN or ±∞ in the input is [`QuantizeError::NonFinite`] by default. The alternative of the
//!   OCP MX specification, [`NonFinite::NanBlock`], stores the block's scale as NaN, which
//!   makes the whole block read NaN.
//!
//! ```
//! use lowp::block::{BlockScaled, BlockVector, Scheme};
//! let x = [0.1f32, -0.7, 2.5, 0.0, 3.0, -6.5, 1.25, 0.3];
//! let q = BlockVector::quantize(&"vsq-int4-v64-s6".parse::<Scheme>().unwrap(), &x).unwrap();
//! assert_eq!(q.len(), 8);
//! assert_eq!(q.dequantize().len(), 8);
//! assert!(BlockVector::quantize(&Scheme::mxfp4(), &[1.0, f32::NAN]).is_err());
//! ```

#[cfg(feature = "safetensors")]
pub mod io;
pub mod quantize;
mod scheme;
mod stats;
mod storage;

pub(crate) use scheme::int_code;
pub use scheme::{Element, NonFinite, Outer, ScaleEncoding, ScaleRule, Scheme, SchemeError};
pub use stats::ErrorStats;
pub use storage::{BlockMatrix, BlockRow, BlockScaled, BlockVector, QuantizeError};
