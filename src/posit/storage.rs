//! The storage integer of `Posit<N, ES>`: the narrowest of u8/u16/u32 that holds N bits, so a
//! tensor of 8-bit posits costs one byte per element and of 16-bit posits two.

use core::fmt::Debug;
use core::hash::Hash;

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
bits!(u8, u16, u32);

/// A width marker: `Width<N>` names the storage of an N-bit posit through [`WidthStorage`].
///
/// ```
/// use lowp::posit::{Width, WidthStorage};
/// let _: <Width<12> as WidthStorage>::Bits = 0u16;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Width<const N: u32>;

/// The storage integer for N bits.
pub trait WidthStorage {
    /// u8 for N ≤ 8, u16 for N ≤ 16, u32 for N ≤ 32.
    type Bits: PositBits;
}

macro_rules! widths {
    ($t:ty: $($n:literal)*) => {$(
        impl WidthStorage for Width<$n> {
            type Bits = $t;
        }
    )*};
}
widths!(u8: 2 3 4 5 6 7 8);
widths!(u16: 9 10 11 12 13 14 15 16);
widths!(u32: 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
