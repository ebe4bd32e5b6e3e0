//! Links lowp into a freestanding binary (no std, no allocator, no C runtime start files).
#![no_std]
#![no_main]

use core::hint::black_box;
use lowp::dot::{dot, exsdotp, Accumulate, ExactAccumulator};
use lowp::{Float8E4M3FN, Float8E5M2, LowpFloat, Quire, P16};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}

/// The precompiled `core` refers to the unwinding personality even under `panic = "abort"`;
/// nothing here unwinds, so an empty one satisfies the linker.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// The entry point (linked with `-nostartfiles`): uses the scalar formats, posits and the
/// quire, the fused operations and the exact accumulator, so that all of them are linked. The
/// check is that this links; it is never run.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let x = Float8E4M3FN::from_f32(black_box(0.3));
    let y: Float8E5M2 = x.convert();
    let z: f32 = exsdotp(x, x, y.convert(), x, black_box(1.0f32));
    let p = P16::from_f64(black_box(z as f64)) * P16::from_f64(1.5);
    let mut q = Quire::<16, 2>::new();
    q.add_product(p, p);
    let mut acc = ExactAccumulator::<Float8E4M3FN>::new();
    acc.add_product(x, x);
    let d: f32 = dot(&[x, x], &[x, x], Accumulate::ExsdotpChain).unwrap_or(0.0);
    let code = (q.to_posit().to_bits() as i32) ^ (d.to_bits() as i32) ^ acc.to_exact().to_f64() as i32;
    black_box(code);
    loop {}
}
