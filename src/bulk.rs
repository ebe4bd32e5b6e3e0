//! Bulk slice conversions.

use crate::format::LowpFloat;

/// Convert an `f32` slice into `T` (nearest-even, `T`'s default overflow rule).
///
/// # Panics
/// Never; a length mismatch converts the common prefix.
pub fn from_f32_slice<T: LowpFloat>(src: &[f32], dst: &mut [T]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = T::from_f32(*s);
    }
}

/// Convert a `T` slice into `f32` (exact for every format of 16 bits or fewer).
pub fn to_f32_slice<T: LowpFloat>(src: &[T], dst: &mut [f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s.to_f32();
    }
}
