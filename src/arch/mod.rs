//! Architecture-specific SIMD kernels, chosen at run time: the hand-written conversion kernels
//! of [`crate::bulk`] (`x86`), and the run-time multiversioned builds of the block quantizer
//! and the posit slice operations (`multiversion!` below).
//!
//! Every kernel here has a portable twin and must give the same bits. The crate's `unsafe`
//! code (blocks and functions) lives only here; the only other `unsafe` are the `unsafe impl`s
//! of bytemuck's `Zeroable`/`Pod` beside the number types, whose `SAFETY` comments say why
//! every bit pattern is valid.

#[cfg(feature = "std")]
pub(crate) mod kernels;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod x86;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
pub(crate) mod x86_kernels;

/// Run-time multiversioning of a portable `#[inline(always)]` body: defines
/// `fn name(backend: Backend, args…)` that runs `body(args…)` compiled under
/// `#[target_feature(enable = "avx512f")]` or `"avx2"` when `backend` asks for it and the CPU
/// has it, and the portable build otherwise (always, off x86-64 or without `std`).
///
/// These builds are not hand-written kernels: they compile the same Rust for wider registers.
/// The bodies use only IEEE basic operations (conversions, `/`, `*`, `+`, `min`, `max`) and
/// integer operations, which give the same bits at every vector width (Rust never contracts
/// `a * b + c` into an FMA), so each build is the portable code's bit-for-bit twin; the tests
/// (tests/block_simd.rs, tests/posit_bulk.rs) compare every backend on every scheme/format.
macro_rules! multiversion {
    ($(#[$m:meta])* fn $name:ident $(<$(const $g:ident: $gt:ty),*>)? ($($a:ident: $at:ty),* $(,)?)
        $(-> $r:ty)? $(where [$($wc:tt)*])? = $($body:ident)::+;) => {
        $(#[$m])*
        #[inline]
        pub(crate) fn $name $(<$(const $g: $gt),*>)? (backend: crate::bulk::Backend, $($a: $at),*) $(-> $r)?
        $(where $($wc)*)?
        {
            #[cfg(all(feature = "std", target_arch = "x86_64"))]
            {
                /// # Safety
                /// The CPU must support AVX-512F.
                #[target_feature(enable = "avx512f")]
                unsafe fn avx512 $(<$(const $g: $gt),*>)? ($($a: $at),*) $(-> $r)? $(where $($wc)*)? {
                    $($body)::+ $(::<$($g),*>)? ($($a),*)
                }
                /// # Safety
                /// The CPU must support AVX2.
                #[target_feature(enable = "avx2")]
                unsafe fn avx2 $(<$(const $g: $gt),*>)? ($($a: $at),*) $(-> $r)? $(where $($wc)*)? {
                    $($body)::+ $(::<$($g),*>)? ($($a),*)
                }
                use crate::bulk::Backend;
                match backend {
                    // SAFETY: `supports` checked that the CPU has AVX-512F.
                    Backend::Avx512 if x86::supports(backend) => return unsafe { avx512 $(::<$($g),*>)? ($($a),*) },
                    // SAFETY: `supports` checked that the CPU has AVX2.
                    Backend::Avx2 if x86::supports(backend) => return unsafe { avx2 $(::<$($g),*>)? ($($a),*) },
                    _ => {}
                }
            }
            let _ = backend;
            $($body)::+ $(::<$($g),*>)? ($($a),*)
        }
    };
}

#[cfg(feature = "std")]
use crate::block::Scheme;
use crate::posit::{Posit, Width, WidthStorage};

multiversion! {
    #[cfg(feature = "std")]
    /// One row of block-scaled quantization ([`crate::block::quantize::quantize_row_body`]).
    fn quantize_row(s: &Scheme, x: &[f32], outer: f32, codes: &mut [u8], scales: &mut [u8]) -> Result<(), usize>
        = crate::block::quantize::quantize_row_body;
}

multiversion! {
    #[cfg(feature = "std")]
    /// The block quantizer's scan ([`crate::block::quantize::scan_body`]).
    fn scan(x: &[f32]) -> (f32, Option<usize>) = crate::block::quantize::scan_body;
}

multiversion! {
    #[cfg(feature = "std")]
    /// One row of block-scaled dequantization ([`crate::block::dequantize_row_body`]).
    fn dequantize_row(s: &Scheme, codes: &[u8], scales: &[u8], row_scale: f32, out: &mut [f32])
        = crate::block::dequantize_row_body;
}

multiversion! {
    /// `out[i] = a[i] OP b[i]` ([`crate::posit::bulk::binary_body`]).
    fn posit_binary<const N: u32, const ES: u32, const OP: u8>(a: &[Posit<N, ES>], b: &[Posit<N, ES>], out: &mut [Posit<N, ES>])
        where [Width<N>: WidthStorage] = crate::posit::bulk::binary_body;
}

multiversion! {
    /// `out[i] = √a[i]` ([`crate::posit::bulk::sqrt_body`]).
    fn posit_sqrt<const N: u32, const ES: u32>(a: &[Posit<N, ES>], out: &mut [Posit<N, ES>])
        where [Width<N>: WidthStorage] = crate::posit::bulk::sqrt_body;
}
