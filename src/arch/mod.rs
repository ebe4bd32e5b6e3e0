//! Architecture-specific SIMD kernels, chosen at run time: the hand-written conversion kernels
//! of [`crate::bulk`] (`x86`), the integer and float kernels of `crate::kernels`
//! (`x86_kernels`, with their portable twins in `kernels`), and `multiversion!`, which the
//! block quantizer and the posit slice operations invoke beside their own portable bodies to
//! get AVX2/AVX-512 builds of them picked at run time. Nothing here imports those callers.
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
                    Backend::Avx512 if crate::arch::x86::supports(backend) => return unsafe { avx512 $(::<$($g),*>)? ($($a),*) },
                    // SAFETY: `supports` checked that the CPU has AVX2.
                    Backend::Avx2 if crate::arch::x86::supports(backend) => return unsafe { avx2 $(::<$($g),*>)? ($($a),*) },
                    _ => {}
                }
            }
            let _ = backend;
            $($body)::+ $(::<$($g),*>)? ($($a),*)
        }
    };
}

// Each module invokes the macro beside its own bodies (block/quantize.rs, block/storage.rs,
// posit/bulk.rs): the dispatch and its `unsafe` stay here, the imports run downhill.
pub(crate) use multiversion;
