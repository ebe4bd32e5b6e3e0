//! # lowp — correctly rounded low-precision number formats
//!
//! FP8 (OCP E4M3/E5M2 and the ml_dtypes variants), OCP MX element formats (FP6, FP4), the E8M0
//! shared scale — each a `#[repr(transparent)]` byte, each conversion and operation correctly
//! rounded by one shared rounding core and checked bit for bit against an MPFR reference
//! (feature `reference`).
//!
//! ```
//! use lowp::{LowpFloat, Float8E4M3FN, Float8E5M2, Rounding, Overflow};
//!
//! let x = Float8E4M3FN::from_f32(0.3);          // nearest-even
//! assert_eq!(x.to_f32(), 0.3125);
//! assert_eq!(x.to_string(), "0.3");               // shortest decimal that reads back
//! let y: Float8E5M2 = x.convert();                // one rounding between formats
//! assert_eq!(y.to_f32(), 0.3125);
//! let z = Float8E4M3FN::from_f64_with(0.3, Rounding::TowardZero, Overflow::Saturating);
//! assert_eq!(z.to_f32(), 0.28125);
//! assert_eq!((x * x).to_f32(), 0.09375);           // 0.09765625 is a tie: to even
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
extern crate alloc;

mod arch;
#[cfg(feature = "std")]
pub mod block;
pub mod bulk;
pub mod decimal;
pub mod dot;
#[cfg(feature = "alloc")]
pub mod dynamic;
pub mod exact;
pub mod format;
mod ieee;
#[cfg(feature = "std")]
pub mod kernels;
pub mod minifloat;
#[cfg(feature = "std")]
pub mod nn;
mod num;
pub mod posit;
pub mod rng;
pub mod round;

#[cfg(feature = "reference")]
pub mod reference;

pub use exact::Exact;
pub use format::{ConversionError, LowpFloat, Overflow, Rounding};
pub use minifloat::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, Float8E8M0FNU, Minifloat, SignedSpec, Spec,
};
pub use posit::{dot, DotError, Posit, Quire, P16, P16E1, P32, P32E2, P64, P8, P8E0};

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
