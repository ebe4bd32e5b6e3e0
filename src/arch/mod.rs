//! Architecture-specific SIMD kernels for [`crate::bulk`], chosen at run time.
//!
//! Every kernel here has a portable twin in `crate::bulk` and must give the same bits; the
//! `unsafe` of the crate's bulk conversions lives only in these kernels.

#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod x86;
