//! Mixed-precision dot products: the fused expanding operations of mixed-precision hardware
//! (golden models), and dot products under named accumulation disciplines.
//!
//! * [`exfma`], [`exsdotp`], [`exvsum`]: `c + a·b`, `c + a0·b0 + a1·b1` and `c + a0 + a1` with
//!   the `a`/`b` inputs in a source format `S` and the accumulator `c` and the result in a
//!   (usually wider) destination format `D`, computed **exactly** and rounded **once** to `D` —
//!   the expanding FMA and the ExSdotp unit of MiniFloat-NN (Bertaccini et al., ARITH 2022).
//! * [`dot`] / [`dot_with`]: `Σ a[i]·b[i]` into `D` under an [`Accumulate`] discipline: exact
//!   (a Kulisch accumulator, rounded once), a chain of `exsdotp`, a chain of `exfma`, or `f32`
//!   accumulation in a fixed lane order.
//! * [`ExactAccumulator`]: the Kulisch accumulator itself, sized for the products of `S`; the
//!   posit quire ([`crate::Quire`]) is built on the same limb arithmetic.
//!
//! ```
//! use lowp::dot::{exsdotp, exfma, dot, Accumulate};
//! use lowp::{Float8E5M2, LowpFloat};
//! use half::f16;
//! let (a0, b0) = (Float8E5M2::from_f64(3.0), Float8E5M2::from_f64(1.25));
//! let (a1, b1) = (Float8E5M2::from_f64(-0.5), Float8E5M2::from_f64(0.75));
//! let c = f16::from_f64(1.0);
//! assert_eq!(exsdotp(a0, b0, a1, b1, c).to_f64(), 1.0 + 3.75 - 0.375);
//! assert_eq!(exfma(a0, b0, c).to_f64(), 4.75);
//! let a = [a0, a1];
//! let b = [b0, b1];
//! let y: f32 = dot(&a, &b, Accumulate::Exact).unwrap();
//! assert_eq!(y, 3.375);
//! ```

mod accumulate;
mod fused;
pub(crate) mod kulisch;

pub use crate::posit::DotError;
pub use accumulate::{dot, dot_with, Accumulate, ParseAccumulateError};
pub use fused::{exfma, exfma_with, exsdotp, exsdotp_with, exvsum, exvsum_with};
pub use kulisch::ExactAccumulator;
