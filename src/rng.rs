//! A small seedable generator for the random bits of [`Rounding::Stochastic`](crate::Rounding).
//!
//! Stochastic rounding takes its random bits from the caller, so that results are reproducible;
//! [`SplitMix64`] is a convenient, fast, `no_std` source of them (also used by the crate's tests,
//! benches and CLI).

/// SplitMix64 (Steele, Lea and Flood, 2014): 64 bits of state, one add and three xor-shift-
/// multiplies per output. Not cryptographic.
///
/// ```
/// use lowp::{rng::SplitMix64, Float8E4M3FN, LowpFloat, Overflow, Rounding};
/// let mut rng = SplitMix64::new(42);
/// let x = Float8E4M3FN::from_f64_with(1.03, Rounding::Stochastic(rng.next_u32()), Overflow::Saturating);
/// assert!(x.to_f64() == 1.0 || x.to_f64() == 1.125);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator seeded with `seed` (every seed, 0 included, is fine).
    pub const fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }
    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// The next 32 random bits (the high half of [`next_u64`](Self::next_u64)).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    /// Uniform in `[0, 1)`, a multiple of 2^-53.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}
