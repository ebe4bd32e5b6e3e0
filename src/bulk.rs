//! Bulk slice conversions, bit-identical to the scalar path and fast for the minifloats.
//!
//! Every function here gives, element for element, exactly the bits of the scalar
//! conversion it names (NaN codes included): [`from_f32_slice`] is
//! [`LowpFloat::from_f32`] applied to each element, [`to_f32_slice`] is [`LowpFloat::to_f32`],
//! and so on. A length mismatch between source and destination is an error
//! ([`LengthMismatch`]) and leaves the destination untouched.
//!
//! ```
//! use lowp::{bulk, Float8E4M3FN, LowpFloat};
//! let src = [0.3f32, -1.0, 448.0, 500.0];
//! let mut codes = [Float8E4M3FN::default(); 4];
//! bulk::from_f32_slice(&src, &mut codes)?;
//! let mut back = [0f32; 4];
//! bulk::to_f32_slice(&codes, &mut back)?;
//! assert_eq!(&back[..3], &[0.3125, -1.0, 448.0]);
//! assert!(back[3].is_nan()); // E4M3FN overflows to NaN by default
//! # Ok::<(), lowp::bulk::LengthMismatch>(())
//! ```
//!
//! # How it is fast
//!
//! The nine signed minifloats with subnormals (every FP8 but E8M0, FP6, FP4) have dedicated
//! kernels; other element types use the plain scalar loop. Which kernel runs is decided from
//! the element type by a `TypeId` comparison that is constant after monomorphisation (a
//! downcast of the kernel's function pointer, no `unsafe`), so the generic functions cost
//! nothing extra.
//!
//! * **Portable kernels** (always available, `no_std` too): `f32 → code` is branch-free
//!   integer work on the `u32` bits (nearest-even by "add half − 1 plus the kept LSB, shift"
//!   for the format's normal range, one `f32` addition of a power of two for its subnormal
//!   range, masks for overflow, NaN and the sign), written so LLVM auto-vectorises it; `code →
//!   f32` is a lookup in a 256-entry table built at compile time.
//! * **SIMD kernels** (`std` on x86-64): the same algorithms written with AVX2 or AVX-512F
//!   intrinsics in `src/arch/x86.rs`, chosen at run time by CPU feature detection (cached).
//!   Each has the portable kernel as its twin, which it must match bit for bit; the tests check
//!   all 2³² `f32` bit patterns.
//!
//! [`Backend`] names the kernels; the `*_on` functions pick one explicitly, and [`portable`]
//! forces the portable one (both mainly for tests and benchmarks).

use core::any::Any;
use core::fmt;

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};

use crate::format::{LowpFloat, Overflow};
use crate::minifloat::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, Minifloat, Spec,
};
use crate::round::{IeeeLayout, Specials};

// ---------------------------------------------------------------------------------------------
// Errors and backends
// ---------------------------------------------------------------------------------------------

/// The source and destination slices of a bulk conversion differ in length.
///
/// Nothing is written to the destination when this is returned.
///
/// ```
/// use lowp::{bulk, Float8E5M2};
/// let mut dst = [Float8E5M2::default(); 2];
/// let err = bulk::from_f32_slice(&[1.0, 2.0, 3.0], &mut dst).unwrap_err();
/// assert_eq!(err, bulk::LengthMismatch { src: 3, dst: 2 });
/// assert_eq!(err.to_string(), "bulk conversion: source has 3 elements but destination has 2");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LengthMismatch {
    /// Length of the source slice.
    pub src: usize,
    /// Length of the destination slice.
    pub dst: usize,
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bulk conversion: source has {} elements but destination has {}", self.src, self.dst)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LengthMismatch {}

#[inline]
fn check_len(src: usize, dst: usize) -> Result<(), LengthMismatch> {
    if src == dst {
        Ok(())
    } else {
        Err(LengthMismatch { src, dst })
    }
}

/// A family of conversion kernels.
///
/// The plain functions of this module use [`Backend::best`]; the `*_on` functions take one
/// explicitly (a backend this CPU lacks falls back to [`Backend::Portable`]). All backends give
/// the same bits.
///
/// ```
/// use lowp::bulk::Backend;
/// let b = Backend::best();
/// assert!(b.is_supported());
/// assert!(Backend::Portable.is_supported());
/// println!("bulk conversions use {}", b.name());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Plain Rust, auto-vectorised by the compiler for the build's target features.
    Portable,
    /// x86-64 AVX2 intrinsics (8 lanes).
    Avx2,
    /// x86-64 AVX-512F intrinsics (16 lanes).
    Avx512,
}

impl Backend {
    /// The fastest backend this CPU supports (detected once, then cached).
    ///
    /// ```
    /// use lowp::bulk::Backend;
    /// assert_eq!(Backend::best(), Backend::best());
    /// ```
    #[inline]
    pub fn best() -> Backend {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        {
            crate::arch::x86::best()
        }
        #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
        {
            Backend::Portable
        }
    }

    /// Can this backend run here? (Always true for [`Backend::Portable`].)
    ///
    /// ```
    /// use lowp::bulk::Backend;
    /// for b in [Backend::Portable, Backend::Avx2, Backend::Avx512] {
    ///     println!("{}: {}", b.name(), b.is_supported());
    /// }
    /// ```
    #[inline]
    pub fn is_supported(self) -> bool {
        match self {
            Backend::Portable => true,
            #[cfg(all(feature = "std", target_arch = "x86_64"))]
            _ => crate::arch::x86::supports(self),
            #[cfg(not(all(feature = "std", target_arch = "x86_64")))]
            _ => false,
        }
    }

    /// A short lowercase name (`"portable"`, `"avx2"`, `"avx512"`).
    ///
    /// ```
    /// assert_eq!(lowp::bulk::Backend::Avx2.name(), "avx2");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Convert `f32`s into `T`: each element is `T::from_f32(x)` (nearest-even, `T`'s default
/// overflow rule).
///
/// ```
/// use lowp::{bulk, Float8E5M2, LowpFloat};
/// let mut dst = [Float8E5M2::default(); 3];
/// bulk::from_f32_slice(&[0.1, 1e6, f32::NAN], &mut dst)?;
/// assert_eq!(dst[0].to_f32(), 0.09375);
/// assert!(dst[1].is_infinite());
/// assert!(dst[2].is_nan());
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn from_f32_slice<T: LowpFloat>(src: &[f32], dst: &mut [T]) -> Result<(), LengthMismatch> {
    from_f32_slice_on(Backend::best(), T::DEFAULT_OVERFLOW, src, dst)
}

/// Convert `f32`s into `T`, clamping to ± max: each element is `T::from_f32_saturating(x)`.
///
/// ```
/// use lowp::{bulk, Float8E4M3FN, LowpFloat};
/// let mut dst = [Float8E4M3FN::default(); 3];
/// bulk::from_f32_slice_saturating(&[1e6, f32::NEG_INFINITY, f32::NAN], &mut dst)?;
/// assert_eq!(dst[0].to_f32(), 448.0);
/// assert_eq!(dst[1].to_f32(), -448.0);
/// assert!(dst[2].is_nan()); // NaN stays NaN
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn from_f32_slice_saturating<T: LowpFloat>(src: &[f32], dst: &mut [T]) -> Result<(), LengthMismatch> {
    from_f32_slice_on(Backend::best(), Overflow::Saturating, src, dst)
}

/// Convert `f32`s into `T` under `overflow` (nearest-even) with the kernels of `backend`
/// (the portable ones if this CPU lacks it): each element is
/// `T::from_f32_with(x, Rounding::NearestEven, overflow)`.
///
/// ```
/// use lowp::{bulk::{self, Backend}, Float8E4M3FN, LowpFloat, Overflow};
/// let src = [1.0f32, 1000.0];
/// let mut a = [Float8E4M3FN::default(); 2];
/// let mut b = [Float8E4M3FN::default(); 2];
/// bulk::from_f32_slice_on(Backend::Portable, Overflow::Saturating, &src, &mut a)?;
/// bulk::from_f32_slice_on(Backend::Avx2, Overflow::Saturating, &src, &mut b)?;
/// assert_eq!(a.map(|x| x.to_bits()), b.map(|x| x.to_bits()));
/// assert_eq!(a[1].to_f32(), 448.0);
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
pub fn from_f32_slice_on<T: LowpFloat>(
    backend: Backend,
    overflow: Overflow,
    src: &[f32],
    dst: &mut [T],
) -> Result<(), LengthMismatch> {
    check_len(src.len(), dst.len())?;
    let saturating = overflow == Overflow::Saturating;
    match fast_kernels::<T>() {
        Some(k) => (k.encode)(backend, saturating, src, dst),
        None => {
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = T::from_f32_with(s, crate::format::Rounding::NearestEven, overflow);
            }
        }
    }
    Ok(())
}

/// Convert `T`s into `f32`: each element is `x.to_f32()` (exact for every minifloat).
///
/// ```
/// use lowp::{bulk, Float8E4M3FN, LowpFloat};
/// let src = [Float8E4M3FN::from_bits(0x38), Float8E4M3FN::from_bits(0x01), Float8E4M3FN::from_bits(0xff)];
/// let mut dst = [0f32; 3];
/// bulk::to_f32_slice(&src, &mut dst)?;
/// assert_eq!(&dst[..2], &[1.0, 0.001953125]); // 2^-9, the smallest subnormal
/// assert!(dst[2].is_nan());
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn to_f32_slice<T: LowpFloat>(src: &[T], dst: &mut [f32]) -> Result<(), LengthMismatch> {
    to_f32_slice_on(Backend::best(), src, dst)
}

/// Convert `T`s into `f32` with the kernels of `backend` (the portable ones if this CPU lacks
/// it): each element is `x.to_f32()`.
///
/// ```
/// use lowp::{bulk::{self, Backend}, Float8E5M2, LowpFloat};
/// let src: Vec<Float8E5M2> = Float8E5M2::all_codes().collect();
/// let mut a = vec![0f32; 256];
/// let mut b = vec![0f32; 256];
/// bulk::to_f32_slice_on(Backend::Portable, &src, &mut a)?;
/// bulk::to_f32_slice_on(Backend::best(), &src, &mut b)?;
/// assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
pub fn to_f32_slice_on<T: LowpFloat>(backend: Backend, src: &[T], dst: &mut [f32]) -> Result<(), LengthMismatch> {
    check_len(src.len(), dst.len())?;
    match fast_kernels::<T>() {
        Some(k) => (k.decode)(backend, src, dst),
        None => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s.to_f32();
            }
        }
    }
    Ok(())
}

/// Convert `f16`s into `T`, rounding each exact `f16` value once (nearest-even, `T`'s default
/// overflow rule): each element is `x.convert::<T>()`, which is also `T::from_f32(x.to_f32())`
/// since every `f16` is an `f32`.
///
/// ```
/// use half::f16;
/// use lowp::{bulk, Float8E4M3FN, LowpFloat};
/// let src = [f16::from_f32(0.3), f16::from_f32(-2.0)];
/// let mut dst = [Float8E4M3FN::default(); 2];
/// bulk::from_f16_slice(&src, &mut dst)?;
/// assert_eq!(dst[0], Float8E4M3FN::from_f32(src[0].to_f32()));
/// assert_eq!(dst[1].to_f32(), -2.0);
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn from_f16_slice<T: LowpFloat>(src: &[f16], dst: &mut [T]) -> Result<(), LengthMismatch> {
    from_half_slice(Backend::best(), src, dst)
}

/// Convert `bf16`s into `T`, rounding each exact `bf16` value once: each element is
/// `x.convert::<T>()`, also `T::from_f32(x.to_f32())`.
///
/// ```
/// use half::bf16;
/// use lowp::{bulk, Float8E5M2, LowpFloat};
/// let src = [bf16::from_f32(3.0e4), bf16::from_f32(1e30)];
/// let mut dst = [Float8E5M2::default(); 2];
/// bulk::from_bf16_slice(&src, &mut dst)?;
/// assert_eq!(dst[0].to_f32(), 28672.0); // bf16(3e4) = 29952, nearest E5M2 value 28672
/// assert!(dst[1].is_infinite());
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn from_bf16_slice<T: LowpFloat>(src: &[bf16], dst: &mut [T]) -> Result<(), LengthMismatch> {
    from_half_slice(Backend::best(), src, dst)
}

/// Convert `T`s into `f16`: each element is `x.convert::<f16>()` (exact for every minifloat
/// but E8M0, whose extreme values overflow or underflow `f16`).
///
/// ```
/// use half::f16;
/// use lowp::{bulk, Float8E5M2, LowpFloat};
/// let src = [Float8E5M2::from_f32(1.5), Float8E5M2::from_f32(-57344.0)];
/// let mut dst = [f16::ZERO; 2];
/// bulk::to_f16_slice(&src, &mut dst)?;
/// assert_eq!(dst, [f16::from_f32(1.5), f16::from_f32(-57344.0)]);
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn to_f16_slice<T: LowpFloat>(src: &[T], dst: &mut [f16]) -> Result<(), LengthMismatch> {
    to_half_slice(Backend::best(), src, dst)
}

/// Convert `T`s into `bf16`: each element is `x.convert::<bf16>()` (exact for every
/// minifloat).
///
/// ```
/// use half::bf16;
/// use lowp::{bulk, Float8E4M3FN, LowpFloat};
/// let src = [Float8E4M3FN::from_f32(-0.75)];
/// let mut dst = [bf16::ZERO; 1];
/// bulk::to_bf16_slice(&src, &mut dst)?;
/// assert_eq!(dst[0].to_f32(), -0.75);
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn to_bf16_slice<T: LowpFloat>(src: &[T], dst: &mut [bf16]) -> Result<(), LengthMismatch> {
    to_half_slice(Backend::best(), src, dst)
}

/// Does `T` have dedicated bulk kernels? (True for the nine signed minifloats with
/// subnormals — every FP8 format but E8M0, and FP6/FP4; other types use a scalar loop.)
///
/// ```
/// use lowp::{bulk, Float8E4M3FN, Float8E8M0FNU};
/// assert!(bulk::has_fast_path::<Float8E4M3FN>());
/// assert!(!bulk::has_fast_path::<Float8E8M0FNU>());
/// assert!(!bulk::has_fast_path::<f32>());
/// ```
pub fn has_fast_path<T: LowpFloat>() -> bool {
    fast_kernels::<T>().is_some()
}

/// The same conversions as the parent module, forced onto the portable kernels (no SIMD
/// intrinsics, whatever the CPU): the twins the SIMD kernels are tested against.
///
/// ```
/// use lowp::{bulk, Float8E4M3FN, LowpFloat};
/// let src: Vec<f32> = (0..100).map(|i| i as f32 * 0.37 - 18.0).collect();
/// let mut a = vec![Float8E4M3FN::default(); 100];
/// let mut b = vec![Float8E4M3FN::default(); 100];
/// bulk::portable::from_f32_slice(&src, &mut a)?;
/// bulk::from_f32_slice(&src, &mut b)?;
/// assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
pub mod portable {
    use super::{Backend, LengthMismatch};
    use crate::format::LowpFloat;
    use half::{bf16, f16};

    /// [`super::from_f32_slice`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E4M3FN, LowpFloat};
    /// let mut d = [Float8E4M3FN::default(); 1];
    /// bulk::portable::from_f32_slice(&[500.0], &mut d)?;
    /// assert!(d[0].is_nan());
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn from_f32_slice<T: LowpFloat>(src: &[f32], dst: &mut [T]) -> Result<(), LengthMismatch> {
        super::from_f32_slice_on(Backend::Portable, T::DEFAULT_OVERFLOW, src, dst)
    }

    /// [`super::from_f32_slice_saturating`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E4M3FN, LowpFloat};
    /// let mut d = [Float8E4M3FN::default(); 1];
    /// bulk::portable::from_f32_slice_saturating(&[500.0], &mut d)?;
    /// assert_eq!(d[0].to_f32(), 448.0);
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn from_f32_slice_saturating<T: LowpFloat>(src: &[f32], dst: &mut [T]) -> Result<(), LengthMismatch> {
        super::from_f32_slice_on(Backend::Portable, crate::format::Overflow::Saturating, src, dst)
    }

    /// [`super::to_f32_slice`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E5M2, LowpFloat};
    /// let mut d = [0f32; 1];
    /// bulk::portable::to_f32_slice(&[Float8E5M2::from_bits(0x7c)], &mut d)?;
    /// assert_eq!(d[0], f32::INFINITY);
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn to_f32_slice<T: LowpFloat>(src: &[T], dst: &mut [f32]) -> Result<(), LengthMismatch> {
        super::to_f32_slice_on(Backend::Portable, src, dst)
    }

    /// [`super::from_f16_slice`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E5M2, LowpFloat};
    /// let mut d = [Float8E5M2::default(); 1];
    /// bulk::portable::from_f16_slice(&[half::f16::from_f32(0.75)], &mut d)?;
    /// assert_eq!(d[0].to_f32(), 0.75);
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn from_f16_slice<T: LowpFloat>(src: &[f16], dst: &mut [T]) -> Result<(), LengthMismatch> {
        super::from_half_slice(Backend::Portable, src, dst)
    }

    /// [`super::from_bf16_slice`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E5M2, LowpFloat};
    /// let mut d = [Float8E5M2::default(); 1];
    /// bulk::portable::from_bf16_slice(&[half::bf16::from_f32(0.75)], &mut d)?;
    /// assert_eq!(d[0].to_f32(), 0.75);
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn from_bf16_slice<T: LowpFloat>(src: &[bf16], dst: &mut [T]) -> Result<(), LengthMismatch> {
        super::from_half_slice(Backend::Portable, src, dst)
    }

    /// [`super::to_f16_slice`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E5M2, LowpFloat};
    /// let mut d = [half::f16::ZERO; 1];
    /// bulk::portable::to_f16_slice(&[Float8E5M2::from_f32(3.0)], &mut d)?;
    /// assert_eq!(d[0].to_f32(), 3.0);
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn to_f16_slice<T: LowpFloat>(src: &[T], dst: &mut [f16]) -> Result<(), LengthMismatch> {
        super::to_half_slice(Backend::Portable, src, dst)
    }

    /// [`super::to_bf16_slice`] on the portable kernels.
    ///
    /// ```
    /// use lowp::{bulk, Float8E5M2, LowpFloat};
    /// let mut d = [half::bf16::ZERO; 1];
    /// bulk::portable::to_bf16_slice(&[Float8E5M2::from_f32(3.0)], &mut d)?;
    /// assert_eq!(d[0].to_f32(), 3.0);
    /// # Ok::<(), lowp::bulk::LengthMismatch>(())
    /// ```
    #[inline]
    pub fn to_bf16_slice<T: LowpFloat>(src: &[T], dst: &mut [bf16]) -> Result<(), LengthMismatch> {
        super::to_half_slice(Backend::Portable, src, dst)
    }
}

// ---------------------------------------------------------------------------------------------
// f16 / bf16 through f32
// ---------------------------------------------------------------------------------------------

/// Elements converted per block when going through an `f32` buffer on the stack.
const BLOCK: usize = 256;

/// `f16` and `bf16`: both widen to `f32` exactly, and `half` converts their slices.
trait Half: LowpFloat + Default {
    fn widen(src: &[Self], dst: &mut [f32]);
    fn narrow(src: &[f32], dst: &mut [Self]);
}

impl Half for f16 {
    #[inline]
    fn widen(src: &[f16], dst: &mut [f32]) {
        src.convert_to_f32_slice(dst);
    }
    #[inline]
    fn narrow(src: &[f32], dst: &mut [f16]) {
        dst.convert_from_f32_slice(src);
    }
}

impl Half for bf16 {
    #[inline]
    fn widen(src: &[bf16], dst: &mut [f32]) {
        src.convert_to_f32_slice(dst);
    }
    #[inline]
    fn narrow(src: &[f32], dst: &mut [bf16]) {
        dst.convert_from_f32_slice(src);
    }
}

/// `f16`/`bf16` → `T`: widen a block to `f32` (exact), then the `f32` kernel (one rounding).
fn from_half_slice<H: Half, T: LowpFloat>(backend: Backend, src: &[H], dst: &mut [T]) -> Result<(), LengthMismatch> {
    check_len(src.len(), dst.len())?;
    match fast_kernels::<T>() {
        Some(k) => {
            let saturating = T::DEFAULT_OVERFLOW == Overflow::Saturating;
            let mut buf = [0f32; BLOCK];
            for (s, d) in src.chunks(BLOCK).zip(dst.chunks_mut(BLOCK)) {
                let buf = &mut buf[..s.len()];
                H::widen(s, buf);
                (k.encode)(backend, saturating, buf, d);
            }
        }
        None => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s.convert::<T>();
            }
        }
    }
    Ok(())
}

/// `T` → `f16`/`bf16`: decode a block to `f32` (exact), then narrow it. Every value of a
/// fast-path format is exactly representable in `f16` and `bf16`, so the narrowing is exact
/// too, and a NaN becomes the canonical quiet NaN in both paths.
fn to_half_slice<H: Half, T: LowpFloat>(backend: Backend, src: &[T], dst: &mut [H]) -> Result<(), LengthMismatch> {
    check_len(src.len(), dst.len())?;
    match fast_kernels::<T>() {
        Some(k) => {
            let mut buf = [0f32; BLOCK];
            for (s, d) in src.chunks(BLOCK).zip(dst.chunks_mut(BLOCK)) {
                let buf = &mut buf[..s.len()];
                (k.decode)(backend, s, buf);
                H::narrow(buf, d);
            }
        }
        None => {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s.convert::<H>();
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Dispatch from a generic `T` to the kernels of a concrete minifloat
// ---------------------------------------------------------------------------------------------

/// The kernels of one element type. For `T = Minifloat<S>` they convert between `f32` and the
/// codes of `S`; `saturating` picks the overflow rule (nearest-even always).
struct Kernels<T> {
    encode: fn(Backend, bool, &[f32], &mut [T]),
    decode: fn(Backend, &[T], &mut [f32]),
}

/// `Some(k)` if `T` and `U` are the same type, `k` retyped; `None` otherwise.
///
/// The function-pointer types `fn(…, &mut [U])` are `'static` (their lifetimes are higher-ranked),
/// so they can be downcast through [`Any`]: the `TypeId` test is a constant after
/// monomorphisation, and no `unsafe` is needed to turn a kernel for `&mut [Minifloat<S>]` into
/// one for `&mut [T]`.
fn cast_kernel<K: 'static + Copy, L: 'static + Copy>(k: K) -> Option<L> {
    (&k as &dyn Any).downcast_ref::<L>().copied()
}

/// [`Kernels`] for `U`, retyped as kernels for `T` if `T` is `U`.
fn cast_kernels<T: 'static, U: 'static>(k: Kernels<U>) -> Option<Kernels<T>> {
    Some(Kernels {
        encode: cast_kernel::<_, fn(Backend, bool, &[f32], &mut [T])>(k.encode)?,
        decode: cast_kernel::<_, fn(Backend, &[T], &mut [f32])>(k.decode)?,
    })
}

/// The dedicated kernels for `T`, if it is one of the fast-path minifloats.
#[inline]
fn fast_kernels<T: LowpFloat>() -> Option<Kernels<T>> {
    macro_rules! try_types {
        ($($ty:ty),*) => {$(
            if let Some(k) = cast_kernels::<T, $ty>(minifloat_kernels()) {
                return Some(k);
            }
        )*};
    }
    try_types!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float6E2M3FN,
        Float6E3M2FN,
        Float4E2M1FN
    );
    None
}

fn minifloat_kernels<S: Spec>() -> Kernels<Minifloat<S>> {
    Kernels { encode: encode_minifloat::<S>, decode: decode_minifloat::<S> }
}

/// `f32` → `Minifloat<S>` codes on `backend` (portable where the CPU lacks it).
fn encode_minifloat<S: Spec>(backend: Backend, saturating: bool, src: &[f32], dst: &mut [Minifloat<S>]) {
    let dst: &mut [u8] = bytemuck::cast_slice_mut(dst);
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if crate::arch::x86::encode::<S>(backend, saturating, src, dst) {
        return;
    }
    let _ = backend;
    if saturating {
        encode_portable::<S, true>(src, dst);
    } else {
        encode_portable::<S, false>(src, dst);
    }
}

/// `Minifloat<S>` → `f32` on `backend` (portable where the CPU lacks it).
fn decode_minifloat<S: Spec>(backend: Backend, src: &[Minifloat<S>], dst: &mut [f32]) {
    let src: &[u8] = bytemuck::cast_slice(src);
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if crate::arch::x86::decode::<S>(backend, src, dst) {
        return;
    }
    let _ = backend;
    decode_portable::<S>(src, dst);
}

// ---------------------------------------------------------------------------------------------
// The portable kernels and the constants every kernel shares
// ---------------------------------------------------------------------------------------------

/// Constants of the `f32` ↔ code kernels for one layout, all derived from the
/// [`IeeeLayout`] at compile time. Names follow the encoder's steps (see [`encode_lane`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Consts {
    /// Encoding width (the sign bit is bit `width - 1`).
    pub width: u32,
    /// Stored mantissa bits `M`.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), allow(dead_code))]
    pub man: u32,
    /// `23 - M`: `f32` mantissa bits dropped in the normal range.
    pub shift: u32,
    /// Added to `|x|`'s bits before the shift: re-biases the exponent field from 127 to the
    /// format's bias and adds half a unit minus one (ties then go up exactly when the kept LSB,
    /// added separately, is odd). Wrapping arithmetic.
    pub round_add: u32,
    /// `f32` bits of the format's smallest normal value; below it the subnormal path rounds.
    pub min_normal: u32,
    /// `f32` bits of `2^(emin - M + 23)`, a power of two whose `f32` ulp is the format's
    /// subnormal unit: `|x| + magic` is rounded by the FPU (nearest-even) onto the subnormal
    /// grid, and its bits minus `magic`'s bits are the code.
    pub magic: u32,
    /// Largest finite magnitude code.
    pub max_finite: u32,
    /// The code of a NaN input (the canonical NaN, or 0 for formats without NaN).
    pub nan_or_zero: u32,
    /// Whether there is a −0 (if not, a negative value that rounds to zero gives +0).
    pub has_neg_zero: bool,
    /// Magnitude code of a non-saturating overflow (∞, else NaN, else max finite).
    pub over_mag: u32,
    /// Whether a non-saturating overflow keeps the input's sign (not when it is NaN).
    pub over_signed: bool,
    /// Decoder: `(127 - bias) << 23`, the exponent re-bias of a normal code shifted into place.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), allow(dead_code))]
    pub dec_rebias: u32,
    /// Decoder: `f32` bits of the subnormal unit `2^(emin - M)`.
    #[cfg_attr(not(all(feature = "std", target_arch = "x86_64")), allow(dead_code))]
    pub dec_unit: u32,
}

impl Consts {
    const fn new(l: &IeeeLayout) -> Consts {
        assert!(fast_path_layout(l), "layout has no fast bulk path");
        let man = l.man_bits;
        let shift = 23 - man;
        let emin = 1 - l.bias; // subnormals: field 0 has the exponent of field 1
        let (over_mag, over_signed) = match (l.inf_code(), l.nan_code()) {
            (Some(inf), _) => (inf as u32, true),
            (None, Some(nan)) => (nan as u32, false),
            (None, None) => (l.max_finite() as u32, true),
        };
        Consts {
            width: l.width(),
            man,
            shift,
            round_add: (((l.bias - 127) << 23) as u32).wrapping_add((1u32 << (shift - 1)) - 1),
            min_normal: ((emin + 127) as u32) << 23,
            magic: ((emin - man as i32 + 23 + 127) as u32) << 23,
            max_finite: l.max_finite() as u32,
            nan_or_zero: match l.nan_code() {
                Some(n) => n as u32,
                None => 0,
            },
            has_neg_zero: l.has_neg_zero(),
            over_mag,
            over_signed,
            dec_rebias: ((127 - l.bias) as u32) << 23,
            dec_unit: ((emin - man as i32 + 127) as u32) << 23,
        }
    }
}

/// Layouts the kernels handle: signed, with subnormals, at most 8 bits, at least one mantissa
/// bit, and a range inside `f32`'s normal range.
const fn fast_path_layout(l: &IeeeLayout) -> bool {
    l.signed
        && l.subnormals
        && l.width() <= 8
        && l.man_bits >= 1
        && l.man_bits <= 22
        && 1 - l.bias - (l.man_bits as i32) >= -126
        && l.emax() <= 126
        && !matches!(l.specials, Specials::NanTop)
}

/// Exact `f32` bits of every byte `c` read as a code of `l` (NaN: the canonical `0x7fc0_0000`,
/// as [`Minifloat::to_f32`] gives).
const fn f32_table(l: &IeeeLayout) -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match l.decode(c as u64) {
            crate::exact::Exact::Nan => 0x7fc0_0000,
            crate::exact::Exact::Inf { neg } => ((neg as u32) << 31) | 0x7f80_0000,
            crate::exact::Exact::Zero { neg } => (neg as u32) << 31,
            crate::exact::Exact::Finite { neg, sig, exp, .. } => {
                // sig · 2^exp, sig < 2^4: normalise into f32 fields (always normal in f32
                // for the fast-path layouts).
                let len = 64 - sig.leading_zeros() as i32;
                let e = exp + len - 1;
                let frac = ((sig << (24 - len)) as u32) & 0x7f_ffff;
                ((neg as u32) << 31) | (((e + 127) as u32) << 23) | frac
            }
        };
        c += 1;
    }
    t
}

/// Compile-time constants of a fast-path spec (a blanket impl: evaluated per `S`, and a
/// compile error if a kernel is instantiated for a layout it cannot handle).
pub(crate) trait FastSpec: Spec {
    /// Kernel constants.
    const K: Consts = Consts::new(&Self::LAYOUT);
    /// `f32` bits of each code.
    const TABLE: [u32; 256] = f32_table(&Self::LAYOUT);
}

impl<S: Spec> FastSpec for S {}

/// `m` where `c` is true, else `0` (a full-width mask, so selections stay branch-free).
#[inline(always)]
fn mask(c: bool) -> u32 {
    0u32.wrapping_sub(c as u32)
}

/// `a` where `m` is all ones, `b` where it is zero.
#[inline(always)]
fn select(m: u32, a: u32, b: u32) -> u32 {
    (a & m) | (b & !m)
}

/// One `f32` (as bits) → one code of `S`, nearest-even, branch-free.
///
/// 1. Normal range of the format (`|x| >= min_normal`): add `round_add` (re-bias + half − 1)
///    and the LSB that will be kept, then shift out `23 - M` bits. A carry out of the mantissa
///    bumps the exponent, which is exactly the next code; the result may exceed the largest
///    finite code (overflow, step 4) but never wraps.
/// 2. Subnormal range: `|x| + 2^(emin - M + 23)` in `f32` rounds `|x|` to a multiple of the
///    subnormal unit (nearest-even: the FPU does it, on the same grid); the low bits of the sum
///    are the code (up to `2^M`, the smallest normal, if it rounds up).
/// 3. Sign: ORed in, except that a zero result gets no sign in formats without −0.
/// 4. Overflow (magnitude code above max finite, ±∞ inputs included): ±max when saturating;
///    otherwise ±∞, or the (unsigned) NaN, or ±max, by what the format has.
/// 5. NaN inputs give the canonical NaN (or 0 where there is none), whatever their sign.
///
/// The one floating-point operation (step 2) relies on the default round-to-nearest mode, as
/// all Rust code does; flush-to-zero / denormals-are-zero modes cannot change its result (an
/// `f32` subnormal input is far below half the format's smallest subnormal, and the sum is
/// normal).
#[inline(always)]
pub(crate) fn encode_lane<S: FastSpec, const SAT: bool>(x: u32) -> u8 {
    let k = S::K;
    let a = x & 0x7fff_ffff;
    let sign = (x >> 31) << (k.width - 1);
    let norm = a.wrapping_add(k.round_add).wrapping_add((a >> k.shift) & 1) >> k.shift;
    let sub = (f32::from_bits(a) + f32::from_bits(k.magic)).to_bits().wrapping_sub(k.magic);
    let mag = select(mask((a as i32) < k.min_normal as i32), sub, norm);
    let fin_sign = if k.has_neg_zero { sign } else { sign & !mask(mag == 0) };
    let over = if SAT {
        sign | k.max_finite
    } else if k.over_signed {
        sign | k.over_mag
    } else {
        k.over_mag
    };
    let r = select(mask(mag as i32 > k.max_finite as i32), over, fin_sign | mag);
    select(mask(a as i32 > 0x7f80_0000), k.nan_or_zero, r) as u8
}

/// `f32` → codes of `S`, portable (`dst.len() == src.len()`).
#[inline]
pub(crate) fn encode_portable<S: FastSpec, const SAT: bool>(src: &[f32], dst: &mut [u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = encode_lane::<S, SAT>(s.to_bits());
    }
}

/// Codes of `S` → `f32`, portable: a lookup in the 256-entry table (exact by construction, and
/// faster than the arithmetic of the SIMD decoders when only SSE2 can be assumed). The SIMD
/// decoders compute the same table by arithmetic; the tests compare them on every code.
#[inline]
pub(crate) fn decode_portable<S: FastSpec>(src: &[u8], dst: &mut [f32]) {
    let table: &[u32; 256] = &S::TABLE;
    for (d, &c) in dst.iter_mut().zip(src) {
        *d = f32::from_bits(table[c as usize]);
    }
}
