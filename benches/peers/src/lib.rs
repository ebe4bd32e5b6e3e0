//! Helpers for the `kernel_speed` bench (see `benches/kernel_speed.rs`).
