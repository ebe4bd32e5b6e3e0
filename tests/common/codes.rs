//! Formats whose codes travel as `u32` (the fused/dot reference tests).
#![allow(dead_code)]

use half::{bf16, f16};
use lowp::reference::{ref_format, RefFormat};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, LowpFloat,
};

/// A format whose codes travel as `u32`.
pub trait Code: LowpFloat {
    /// The type's name in Rust, for the reproduction lines.
    const RUST: &'static str;
    fn from_code(c: u32) -> Self;
    fn code(self) -> u32;
}

macro_rules! code_impl {
    ($($t:ty => $b:ty),* $(,)?) => {$(
        impl Code for $t {
            const RUST: &'static str = stringify!($t);
            #[inline]
            fn from_code(c: u32) -> Self {
                <$t as LowpFloat>::from_bits(c as $b)
            }
            #[inline]
            fn code(self) -> u32 {
                <$t as LowpFloat>::to_bits(self) as u32
            }
        }
    )*};
}

code_impl!(
    Float4E2M1FN => u8, Float6E2M3FN => u8, Float6E3M2FN => u8, Float8E4M3FN => u8, Float8E5M2 => u8,
    Float8E4M3FNUZ => u8, Float8E5M2FNUZ => u8, Float8E4M3B11FNUZ => u8, Float8E4M3 => u8,
    f16 => u16, bf16 => u16, f32 => u32,
);

pub fn rf<T: LowpFloat>() -> &'static RefFormat {
    ref_format(T::NAME).unwrap_or_else(|| panic!("reference lacks {}", T::NAME))
}

pub fn extensive() -> bool {
    std::env::var("LOWP_EXTENSIVE").is_ok_and(|v| !v.is_empty() && v != "0")
}
