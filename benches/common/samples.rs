//! Seeded random data shared by the benches (included with `#[path]`): standard normals by
//! Box–Muller on SplitMix64, both outputs of each pair used (cos first, then sin).
#![allow(dead_code)]

use lowp::rng::SplitMix64;

/// Uniform in the open interval (0, 1): a 53-bit integer plus a half, over 2^53.
pub fn open01(rng: &mut SplitMix64) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// Standard normals by Box–Muller, both outputs of each pair used.
pub struct Normals {
    pub rng: SplitMix64,
    spare: Option<f64>,
}

impl Normals {
    pub fn new(seed: u64) -> Normals {
        Normals { rng: SplitMix64::new(seed), spare: None }
    }

    pub fn next(&mut self) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let r = (-2.0 * open01(&mut self.rng).ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * open01(&mut self.rng);
        self.spare = Some(r * t.sin());
        r * t.cos()
    }
}

/// `n` standard normals as `f32`.
pub fn normals(n: usize, seed: u64) -> Vec<f32> {
    let mut g = Normals::new(seed);
    (0..n).map(|_| g.next() as f32).collect()
}
