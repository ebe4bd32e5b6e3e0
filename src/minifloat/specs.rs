//! The ten minifloat layouts (OCP OFP8 2023, OCP MX v1.0, and the ml_dtypes variants).

use super::{Minifloat, SignedSpec, Spec};
use crate::round::{IeeeLayout, Specials};

/// The branch-free nearest-even `f32` encoder of [`crate::bulk`] (exhaustively checked
/// against the rounding core on all 2^32 inputs by `tests/bulk.rs`) as the scalar fast path.
macro_rules! fast_f32 {
    (fast) => {
        #[inline(always)]
        fn encode_f32_nearest(x: f32, saturating: bool) -> Option<u8> {
            Some(if saturating {
                crate::bulk::encode_lane::<Self, true>(x.to_bits())
            } else {
                crate::bulk::encode_lane::<Self, false>(x.to_bits())
            })
        }
    };
}

macro_rules! spec {
    ($(#[$m:meta])* $marker:ident, $ty:ident, $name:literal, [$($alias:literal),*],
     e = $e:literal, m = $mb:literal, bias = $bias:literal, signed = $signed:literal,
     subnormals = $sub:literal, specials = $sp:ident $(, $fast:ident)?) => {
        #[doc = concat!("Spec marker of `", $name, "`.")]
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $marker;
        impl Spec for $marker {
            const NAME: &'static str = $name;
            const TYPE_NAME: &'static str = stringify!($ty);
            const ALIASES: &'static [&'static str] = &[$($alias),*];
            const LAYOUT: IeeeLayout = IeeeLayout {
                exp_bits: $e,
                man_bits: $mb,
                bias: $bias,
                signed: $signed,
                subnormals: $sub,
                specials: Specials::$sp,
            };
            $(fast_f32!($fast);)?
        }
        $(#[$m])*
        pub type $ty = Minifloat<$marker>;
    };
}

spec!(
    /// OCP FP8 E4M3 (`float8_e4m3fn`): bias 7, no ∞, NaN = S.1111.111, max 448.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E4M3FN};
    /// assert_eq!(Float8E4M3FN::max_value().to_f32(), 448.0);
    /// assert!(Float8E4M3FN::from_f32(500.0).is_nan()); // non-saturating by default
    /// assert_eq!(Float8E4M3FN::from_f32_saturating(500.0).to_f32(), 448.0);
    /// ```
    E4M3FN, Float8E4M3FN, "float8_e4m3fn", ["e4m3fn", "e4m3", "fp8-e4m3", "f8e4m3fn"],
    e = 4, m = 3, bias = 7, signed = true, subnormals = true, specials = NanAllOnes, fast
);
spec!(
    /// OCP FP8 E5M2 (`float8_e5m2`): IEEE-like, bias 15, ±∞, max 57344.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E5M2};
    /// assert_eq!(Float8E5M2::max_value().to_f32(), 57344.0);
    /// assert!(Float8E5M2::from_f32(1e6).is_infinite());
    /// ```
    E5M2, Float8E5M2, "float8_e5m2", ["e5m2", "fp8-e5m2", "f8e5m2"],
    e = 5, m = 2, bias = 15, signed = true, subnormals = true, specials = IeeeInfNan, fast
);
spec!(
    /// `float8_e4m3fnuz` (Graphcore/AMD): bias 8, no ∞, no −0, NaN = 0x80 only, max 240.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E4M3FNUZ};
    /// assert_eq!(Float8E4M3FNUZ::max_value().to_f32(), 240.0);
    /// assert_eq!(Float8E4M3FNUZ::from_f32(-0.0).to_bits(), 0x00);
    /// ```
    E4M3FNUZ, Float8E4M3FNUZ, "float8_e4m3fnuz", ["e4m3fnuz"],
    e = 4, m = 3, bias = 8, signed = true, subnormals = true, specials = NanNegZero, fast
);
spec!(
    /// `float8_e5m2fnuz`: bias 16, no ∞, no −0, NaN = 0x80 only, max 57344.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E5M2FNUZ};
    /// assert_eq!(Float8E5M2FNUZ::max_value().to_f32(), 57344.0);
    /// assert!(Float8E5M2FNUZ::from_bits(0x80).is_nan());
    /// ```
    E5M2FNUZ, Float8E5M2FNUZ, "float8_e5m2fnuz", ["e5m2fnuz"],
    e = 5, m = 2, bias = 16, signed = true, subnormals = true, specials = NanNegZero, fast
);
spec!(
    /// `float8_e4m3b11fnuz`: bias 11, no ∞, no −0, NaN = 0x80 only, max 30.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E4M3B11FNUZ};
    /// assert_eq!(Float8E4M3B11FNUZ::max_value().to_f32(), 30.0);
    /// ```
    E4M3B11FNUZ, Float8E4M3B11FNUZ, "float8_e4m3b11fnuz", ["e4m3b11fnuz", "e4m3b11"],
    e = 4, m = 3, bias = 11, signed = true, subnormals = true, specials = NanNegZero, fast
);
spec!(
    /// IEEE-style FP8 E4M3 (`float8_e4m3`, "FP8alt" of the RISC-V ExSdotp units): bias 7,
    /// ±∞ = S.1111.000, NaN = S.1111.{nonzero}, max 240.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E4M3};
    /// assert_eq!(Float8E4M3::max_value().to_f32(), 240.0);
    /// assert!(Float8E4M3::from_bits(0x78).is_infinite());
    /// ```
    E4M3, Float8E4M3, "float8_e4m3", ["e4m3ieee", "fp8alt", "e4m3-ieee"],
    e = 4, m = 3, bias = 7, signed = true, subnormals = true, specials = IeeeInfNan, fast
);
spec!(
    /// OCP MX FP6 E2M3 (`float6_e2m3fn`): bias 1, no ∞/NaN, max 7.5. Stored in the low 6 bits.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float6E2M3FN};
    /// assert_eq!(Float6E2M3FN::max_value().to_f32(), 7.5);
    /// assert_eq!(Float6E2M3FN::from_f32(100.0).to_f32(), 7.5); // no ∞, no NaN: saturates
    /// ```
    E2M3FN, Float6E2M3FN, "float6_e2m3fn", ["e2m3", "fp6-e2m3", "e2m3fn"],
    e = 2, m = 3, bias = 1, signed = true, subnormals = true, specials = None, fast
);
spec!(
    /// OCP MX FP6 E3M2 (`float6_e3m2fn`): bias 3, no ∞/NaN, max 28.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float6E3M2FN};
    /// assert_eq!(Float6E3M2FN::max_value().to_f32(), 28.0);
    /// ```
    E3M2FN, Float6E3M2FN, "float6_e3m2fn", ["e3m2", "fp6-e3m2", "e3m2fn"],
    e = 3, m = 2, bias = 3, signed = true, subnormals = true, specials = None, fast
);
spec!(
    /// OCP MX FP4 E2M1 (`float4_e2m1fn`): bias 1, values ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float4E2M1FN};
    /// let v: Vec<f32> = Float4E2M1FN::all_codes().take(8).map(|x| x.to_f32()).collect();
    /// assert_eq!(v, [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]);
    /// ```
    E2M1FN, Float4E2M1FN, "float4_e2m1fn", ["e2m1", "fp4", "fp4-e2m1", "e2m1fn"],
    e = 2, m = 1, bias = 1, signed = true, subnormals = true, specials = None, fast
);
spec!(
    /// OCP MX shared scale E8M0 (`float8_e8m0fnu`): unsigned powers of two 2^-127..=2^127,
    /// NaN = 0xFF, no zero. Negative inputs and zero convert to NaN; positive values below
    /// 2^-127 convert to 2^-127.
    ///
    /// ```
    /// use lowp::{LowpFloat, Float8E8M0FNU};
    /// assert_eq!(Float8E8M0FNU::from_f32(1.0).to_bits(), 127);
    /// assert_eq!(Float8E8M0FNU::from_bits(0).to_f64(), 2f64.powi(-127));
    /// assert!(Float8E8M0FNU::from_f32(0.0).is_nan());
    /// ```
    E8M0FNU, Float8E8M0FNU, "float8_e8m0fnu", ["e8m0", "e8m0fnu", "ue8m0"],
    e = 8, m = 0, bias = 127, signed = false, subnormals = false, specials = NanTop
);

impl SignedSpec for E4M3FN {}
impl SignedSpec for E5M2 {}
impl SignedSpec for E4M3FNUZ {}
impl SignedSpec for E5M2FNUZ {}
impl SignedSpec for E4M3B11FNUZ {}
impl SignedSpec for E4M3 {}
impl SignedSpec for E2M3FN {}
impl SignedSpec for E3M2FN {}
impl SignedSpec for E2M1FN {}
