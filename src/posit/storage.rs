//! The storage integer of `Posit<N, ES>`: the narrowest of u8/u16/u32/u64 that holds N bits, so
//! a tensor of 8-bit posits costs one byte per element and of 16-bit posits two. The width
//! also picks the size of the quire's limb array ([`QuireLimbs`]), so that the quires of
//! posits up to 32 bits keep their 32-limb array when posit64's needs 64.

use core::fmt::Debug;
use core::hash::Hash;

use crate::dot::kulisch;
use crate::exact::Exact;

/// An unsigned integer that stores posit codes.
pub trait PositBits:
    Copy + Eq + Ord + Hash + Debug + Default + Send + Sync + 'static + Into<u64> + bytemuck::Pod
{
    /// The low bits of `x` (the caller masks to the posit's width).
    fn from_u64(x: u64) -> Self;
}

macro_rules! bits {
    ($($t:ty),*) => {$(
        impl PositBits for $t {
            #[inline(always)]
            fn from_u64(x: u64) -> Self {
                x as $t
            }
        }
    )*};
}
bits!(u8, u16, u32, u64);

/// A width marker: `Width<N>` names the storage of an N-bit posit through [`WidthStorage`].
///
/// ```
/// use lowp::posit::{Width, WidthStorage};
/// let _: <Width<12> as WidthStorage>::Bits = 0u16;
/// let _: <Width<64> as WidthStorage>::Bits = 0u64;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Width<const N: u32>;

/// The storage integer for N bits.
pub trait WidthStorage {
    /// u8 for N ≤ 8, u16 for N ≤ 16, u32 for N ≤ 32, u64 for N ≤ 64.
    type Bits: PositBits;
    /// The limb array of the quire of an N-bit posit: `[u64; 32]` for N ≤ 32 (posit<32,4>'s
    /// quire of 1952 bits needs 32 limbs), `[u64; 64]` for N ≤ 64 (posit<64,4>'s 4000 bits
    /// need 64).
    type QuireLimbs: QuireLimbs;
}

mod sealed {
    pub trait Sealed {}
}

/// A fixed array of 64-bit limbs for [`crate::Quire`] (implemented for `[u64; 32]` and
/// `[u64; 64]` only; sealed). Its methods are the crate's limb arithmetic at that size.
///
/// ```
/// use lowp::posit::{QuireLimbs, Width, WidthStorage};
/// assert_eq!(<<Width<32> as WidthStorage>::QuireLimbs as QuireLimbs>::LEN, 32);
/// assert_eq!(<<Width<64> as WidthStorage>::QuireLimbs as QuireLimbs>::LEN, 64);
/// ```
pub trait QuireLimbs: sealed::Sealed + Copy + Send + Sync + 'static + AsRef<[u64]> + AsMut<[u64]> {
    /// The number of limbs.
    const LEN: usize;
    #[doc(hidden)]
    const ZERO: Self;
    #[doc(hidden)]
    fn add_at(&mut self, used: usize, neg: bool, p: u64, pos: u32) -> usize;
    #[doc(hidden)]
    fn add_magnitude(&mut self, used: usize, p: u64, pos: u32);
    #[doc(hidden)]
    fn add_limbs(&mut self, src: &Self, used: usize, negate: bool);
    #[doc(hidden)]
    fn negate(&mut self, used: usize);
    #[doc(hidden)]
    fn to_exact(&self, used: usize, unit: i32) -> Exact;
}

macro_rules! limbs {
    ($($l:literal)*) => {$(
        impl sealed::Sealed for [u64; $l] {}
        impl QuireLimbs for [u64; $l] {
            const LEN: usize = $l;
            const ZERO: Self = [0; $l];
            #[inline(always)]
            fn add_at(&mut self, used: usize, neg: bool, p: u64, pos: u32) -> usize {
                kulisch::add_at(self, used, neg, p, pos)
            }
            #[inline(always)]
            fn add_magnitude(&mut self, used: usize, p: u64, pos: u32) {
                kulisch::add_magnitude(self, used, p, pos)
            }
            #[inline(always)]
            fn add_limbs(&mut self, src: &Self, used: usize, negate: bool) {
                kulisch::add_limbs(self, src, used, negate)
            }
            #[inline(always)]
            fn negate(&mut self, used: usize) {
                kulisch::negate(self, used)
            }
            #[inline(always)]
            fn to_exact(&self, used: usize, unit: i32) -> Exact {
                kulisch::to_exact(self, used, unit)
            }
        }
    )*};
}
limbs!(32 64);

macro_rules! widths {
    ($t:ty, $q:ty: $($n:literal)*) => {$(
        impl WidthStorage for Width<$n> {
            type Bits = $t;
            type QuireLimbs = $q;
        }
    )*};
}
widths!(u8, [u64; 32]: 2 3 4 5 6 7 8);
widths!(u16, [u64; 32]: 9 10 11 12 13 14 15 16);
widths!(u32, [u64; 32]: 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
widths!(u64, [u64; 64]: 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64);
