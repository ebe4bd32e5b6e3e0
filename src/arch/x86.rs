//! x86-64 kernels: AVX2 (8 lanes) and AVX-512F (16 lanes) versions of the portable kernels of
//! [`crate::bulk`], selected at run time by CPU feature detection (cached in an atomic).
//!
//! Each `unsafe fn` here is `#[target_feature]`-gated and may only run on a CPU with that
//! feature (its `# Safety` section); the safe entry points [`encode`] and [`decode`] check the
//! cached detection before calling one. The kernels' own memory accesses stay below
//! `min(src.len(), dst.len())` whatever the slices (each kernel's `// SAFETY:` comment).
//!
//! Every kernel has a portable twin in `crate::bulk` that it must match bit for bit, and
//! leaves the tail (fewer elements than one unrolled step) to that twin:
//!
//! * `f32 → code`: the same branch-free algorithm as `encode_lane`, step for step;
//! * `code → f32`: the portable decoder reads a 256-entry table, the SIMD ones compute the
//!   same values by arithmetic (a gather from the table, `_mm256_i32gather_epi32`, measured
//!   about 2× slower than the arithmetic on this machine); the tests compare all 256 codes.

use core::arch::x86_64::*;
use core::sync::atomic::{AtomicU8, Ordering};

use crate::bulk::{decode_portable, encode_portable, Backend, FastSpec};
use crate::round::Specials;

/// A vector of eight equal `u32` lanes (a macro, not a closure, so it is inlined in the
/// `#[target_feature]` functions on every supported compiler).
macro_rules! c256 {
    ($v:expr) => {
        _mm256_set1_epi32(($v) as i32)
    };
}

/// A vector of sixteen equal `u32` lanes.
macro_rules! c512 {
    ($v:expr) => {
        _mm512_set1_epi32(($v) as i32)
    };
}

// ---------------------------------------------------------------------------------------------
// Run-time detection
// ---------------------------------------------------------------------------------------------

/// Bit flags of the detected features; 0 means "not detected yet".
static FEATURES: AtomicU8 = AtomicU8::new(0);
const DETECTED: u8 = 1;
const AVX2: u8 = 2;
const AVX512: u8 = 4;

#[inline]
fn features() -> u8 {
    let f = FEATURES.load(Ordering::Relaxed);
    if f != 0 {
        return f;
    }
    let mut f = DETECTED;
    if std::is_x86_feature_detected!("avx2") {
        f |= AVX2;
    }
    if std::is_x86_feature_detected!("avx512f") {
        f |= AVX512;
    }
    // Racing threads store the same value.
    FEATURES.store(f, Ordering::Relaxed);
    f
}

/// The fastest backend this CPU runs.
#[inline]
pub(crate) fn best() -> Backend {
    let f = features();
    if f & AVX512 != 0 {
        Backend::Avx512
    } else if f & AVX2 != 0 {
        Backend::Avx2
    } else {
        Backend::Portable
    }
}

/// Does this CPU run `backend`?
#[inline]
pub(crate) fn supports(backend: Backend) -> bool {
    let f = features();
    match backend {
        Backend::Portable => true,
        Backend::Avx2 => f & AVX2 != 0,
        Backend::Avx512 => f & AVX512 != 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Safe entry points
// ---------------------------------------------------------------------------------------------

/// `f32` → codes of `S` with `backend`'s kernel; `false` (nothing written) if `backend` is
/// portable or this CPU lacks it.
#[inline]
pub(crate) fn encode<S: FastSpec>(backend: Backend, saturating: bool, src: &[f32], dst: &mut [u8]) -> bool {
    if !supports(backend) {
        return false;
    }
    match (backend, saturating) {
        // SAFETY (all four calls): `supports` checked that the CPU has the kernel's feature.
        (Backend::Avx512, false) => unsafe { encode_avx512::<S, false>(src, dst) },
        (Backend::Avx512, true) => unsafe { encode_avx512::<S, true>(src, dst) },
        (Backend::Avx2, false) => unsafe { encode_avx2::<S, false>(src, dst) },
        (Backend::Avx2, true) => unsafe { encode_avx2::<S, true>(src, dst) },
        (Backend::Portable, _) => return false,
    }
    true
}

/// Codes of `S` → `f32` with `backend`'s kernel; `false` (nothing written) if `backend` is
/// portable or this CPU lacks it.
#[inline]
pub(crate) fn decode<S: FastSpec>(backend: Backend, src: &[u8], dst: &mut [f32]) -> bool {
    if !supports(backend) {
        return false;
    }
    match backend {
        // SAFETY (both calls): `supports` checked that the CPU has the kernel's feature.
        Backend::Avx512 => unsafe { decode_avx512::<S>(src, dst) },
        Backend::Avx2 => unsafe { decode_avx2::<S>(src, dst) },
        Backend::Portable => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------------
// AVX2
// ---------------------------------------------------------------------------------------------

/// Eight `f32`s (as bits) → eight codes of `S` in the low byte of each `u32` lane: the
/// portable `encode_lane`, step for step, with compares giving all-ones lane masks.
///
/// # Safety
/// The CPU must support AVX2.
// SAFETY: register-only arithmetic; no memory access.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn encode8_avx2<S: FastSpec, const SAT: bool>(x: __m256i) -> __m256i {
    let k = S::K;
    let shift = _mm_cvtsi32_si128(k.shift as i32);
    let a = _mm256_and_si256(x, c256!(0x7fff_ffff));
    let sign = _mm256_sll_epi32(_mm256_srli_epi32(x, 31), _mm_cvtsi32_si128(k.width as i32 - 1));
    // 1. normal range: re-bias, add half − 1 and the kept LSB, shift.
    let lsb = _mm256_and_si256(_mm256_srl_epi32(a, shift), c256!(1));
    let norm = _mm256_srl_epi32(_mm256_add_epi32(_mm256_add_epi32(a, c256!(k.round_add)), lsb), shift);
    // 2. subnormal range: the FPU rounds |x| + magic onto the subnormal grid.
    let sum = _mm256_add_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(c256!(k.magic)));
    let sub = _mm256_sub_epi32(_mm256_castps_si256(sum), c256!(k.magic));
    let mag = _mm256_blendv_epi8(norm, sub, _mm256_cmpgt_epi32(c256!(k.min_normal), a));
    // 3. sign (none on a zero result without −0).
    let fin_sign =
        if k.has_neg_zero { sign } else { _mm256_andnot_si256(_mm256_cmpeq_epi32(mag, _mm256_setzero_si256()), sign) };
    // 4. overflow.
    let over = if SAT {
        _mm256_or_si256(sign, c256!(k.max_finite))
    } else if k.over_signed {
        _mm256_or_si256(sign, c256!(k.over_mag))
    } else {
        c256!(k.over_mag)
    };
    let r = _mm256_blendv_epi8(_mm256_or_si256(fin_sign, mag), over, _mm256_cmpgt_epi32(mag, c256!(k.max_finite)));
    // 5. NaN inputs.
    _mm256_blendv_epi8(r, c256!(k.nan_or_zero), _mm256_cmpgt_epi32(a, c256!(0x7f80_0000)))
}

/// `f32` → codes of `S`, 32 per step; the tail goes to the portable twin.
///
/// # Safety
/// The CPU must support AVX2 (the only requirement: the slices are accessed in bounds).
// SAFETY: every pointer access below is to an index `< main <= n = min(src.len(), dst.len())`
// (the loop steps by the vector width and `main` is a multiple of it).
#[target_feature(enable = "avx2")]
unsafe fn encode_avx2<S: FastSpec, const SAT: bool>(src: &[f32], dst: &mut [u8]) {
    let n = src.len().min(dst.len());
    let main = n - n % 32;
    // After the two packs, 32-bit group j of the vector holds codes from source vector
    // j % 4, lanes 4·(j / 4)..; this puts the groups back in order.
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let mut i = 0;
    while i < main {
        let p = src.as_ptr().add(i) as *const __m256i;
        let r0 = encode8_avx2::<S, SAT>(_mm256_loadu_si256(p));
        let r1 = encode8_avx2::<S, SAT>(_mm256_loadu_si256(p.add(1)));
        let r2 = encode8_avx2::<S, SAT>(_mm256_loadu_si256(p.add(2)));
        let r3 = encode8_avx2::<S, SAT>(_mm256_loadu_si256(p.add(3)));
        // Codes are 0..=255, so the saturating packs are exact.
        let bytes = _mm256_packus_epi16(_mm256_packus_epi32(r0, r1), _mm256_packus_epi32(r2, r3));
        _mm256_storeu_si256(dst.as_mut_ptr().add(i) as *mut __m256i, _mm256_permutevar8x32_epi32(bytes, order));
        i += 32;
    }
    encode_portable::<S, SAT>(&src[main..n], &mut dst[main..n]);
}

/// Eight codes of `S` (one per `u32` lane) → their `f32` bits, the entries of `S::TABLE`
/// computed branch-free: a normal code's exponent and mantissa fields shifted into `f32` place
/// plus the exponent re-bias; a subnormal code `m` as `m · 2^(emin - M)` (a small integer
/// times a power of two: exact); the sign ORed in; then the specials (±∞, and NaN → the
/// canonical `0x7fc0_0000` whatever its sign, as `to_f32` gives).
///
/// # Safety
/// The CPU must support AVX2.
// SAFETY: register-only arithmetic; no memory access.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn decode8_avx2<S: FastSpec>(code: __m256i) -> __m256i {
    let k = S::K;
    let mag = _mm256_and_si256(code, c256!((1 << (k.width - 1)) - 1));
    let sign = _mm256_slli_epi32(_mm256_srl_epi32(code, _mm_cvtsi32_si128(k.width as i32 - 1)), 31);
    let norm = _mm256_add_epi32(_mm256_sll_epi32(mag, _mm_cvtsi32_si128(k.shift as i32)), c256!(k.dec_rebias));
    let sub = _mm256_castps_si256(_mm256_mul_ps(_mm256_cvtepi32_ps(mag), _mm256_castsi256_ps(c256!(k.dec_unit))));
    let v = _mm256_blendv_epi8(norm, sub, _mm256_cmpgt_epi32(c256!(1 << k.man), mag));
    let v = _mm256_or_si256(v, sign);
    let nan = c256!(0x7fc0_0000);
    match S::LAYOUT.specials {
        Specials::IeeeInfNan => {
            let inf = c256!(k.over_mag);
            let v = _mm256_blendv_epi8(v, _mm256_or_si256(sign, c256!(0x7f80_0000)), _mm256_cmpeq_epi32(mag, inf));
            _mm256_blendv_epi8(v, nan, _mm256_cmpgt_epi32(mag, inf))
        }
        Specials::NanAllOnes => _mm256_blendv_epi8(v, nan, _mm256_cmpeq_epi32(mag, c256!((1 << (k.width - 1)) - 1))),
        Specials::NanNegZero => _mm256_blendv_epi8(v, nan, _mm256_cmpeq_epi32(code, c256!(1 << (k.width - 1)))),
        Specials::None | Specials::NanTop => v,
    }
}

/// Codes of `S` → `f32`, 8 per step ([`decode8_avx2`]); the tail goes to the portable twin.
///
/// # Safety
/// The CPU must support AVX2 (the only requirement: the slices are accessed in bounds).
// SAFETY: every pointer access below is to an index `< main <= n = min(src.len(), dst.len())`
// (the loop steps by the vector width and `main` is a multiple of it).
#[target_feature(enable = "avx2")]
unsafe fn decode_avx2<S: FastSpec>(src: &[u8], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let main = n - n % 8;
    let mut i = 0;
    while i < main {
        let code = _mm256_cvtepu8_epi32(_mm_loadl_epi64(src.as_ptr().add(i) as *const __m128i));
        _mm256_storeu_si256(dst.as_mut_ptr().add(i) as *mut __m256i, decode8_avx2::<S>(code));
        i += 8;
    }
    decode_portable::<S>(&src[main..n], &mut dst[main..n]);
}

// ---------------------------------------------------------------------------------------------
// AVX-512F
// ---------------------------------------------------------------------------------------------

/// Sixteen `f32`s (as bits) → sixteen codes: [`encode8_avx2`] with mask registers.
///
/// # Safety
/// The CPU must support AVX-512F.
// SAFETY: register-only arithmetic; no memory access.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn encode16_avx512<S: FastSpec, const SAT: bool>(x: __m512i) -> __m512i {
    let k = S::K;
    let shift = _mm_cvtsi32_si128(k.shift as i32);
    let a = _mm512_and_si512(x, c512!(0x7fff_ffff));
    let sign = _mm512_sll_epi32(_mm512_srli_epi32(x, 31), _mm_cvtsi32_si128(k.width as i32 - 1));
    let lsb = _mm512_and_si512(_mm512_srl_epi32(a, shift), c512!(1));
    let norm = _mm512_srl_epi32(_mm512_add_epi32(_mm512_add_epi32(a, c512!(k.round_add)), lsb), shift);
    let sum = _mm512_add_ps(_mm512_castsi512_ps(a), _mm512_castsi512_ps(c512!(k.magic)));
    let sub = _mm512_sub_epi32(_mm512_castps_si512(sum), c512!(k.magic));
    // `_mm512_mask_blend_epi32(m, a, b)` takes `b` where `m` is set.
    let mag = _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(a, c512!(k.min_normal)), norm, sub);
    let fin_sign = if k.has_neg_zero { sign } else { _mm512_maskz_mov_epi32(_mm512_test_epi32_mask(mag, mag), sign) };
    let over = if SAT {
        _mm512_or_si512(sign, c512!(k.max_finite))
    } else if k.over_signed {
        _mm512_or_si512(sign, c512!(k.over_mag))
    } else {
        c512!(k.over_mag)
    };
    let r = _mm512_mask_blend_epi32(
        _mm512_cmpgt_epi32_mask(mag, c512!(k.max_finite)),
        _mm512_or_si512(fin_sign, mag),
        over,
    );
    _mm512_mask_blend_epi32(_mm512_cmpgt_epi32_mask(a, c512!(0x7f80_0000)), r, c512!(k.nan_or_zero))
}

/// `f32` → codes of `S`, 64 per step; the tail goes to the portable twin.
///
/// # Safety
/// The CPU must support AVX-512F (the only requirement: the slices are accessed in bounds).
// SAFETY: every pointer access below is to an index `< main <= n = min(src.len(), dst.len())`
// (the loop steps by the unrolled width and `main` is a multiple of it).
#[target_feature(enable = "avx512f")]
unsafe fn encode_avx512<S: FastSpec, const SAT: bool>(src: &[f32], dst: &mut [u8]) {
    let n = src.len().min(dst.len());
    let main = n - n % 64;
    let mut i = 0;
    while i < main {
        let p = src.as_ptr().add(i);
        let q = dst.as_mut_ptr().add(i) as *mut __m128i;
        for j in 0..4 {
            let r = encode16_avx512::<S, SAT>(_mm512_loadu_si512(p.add(16 * j) as *const _));
            // Truncating narrow; codes are 0..=255.
            _mm_storeu_si128(q.add(j), _mm512_cvtepi32_epi8(r));
        }
        i += 64;
    }
    encode_portable::<S, SAT>(&src[main..n], &mut dst[main..n]);
}

/// Sixteen codes of `S` (one per `u32` lane) → their `f32` bits: [`decode8_avx2`] with mask
/// registers.
///
/// # Safety
/// The CPU must support AVX-512F.
// SAFETY: register-only arithmetic; no memory access.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn decode16_avx512<S: FastSpec>(code: __m512i) -> __m512i {
    let k = S::K;
    let mag = _mm512_and_si512(code, c512!((1 << (k.width - 1)) - 1));
    let sign = _mm512_slli_epi32(_mm512_srl_epi32(code, _mm_cvtsi32_si128(k.width as i32 - 1)), 31);
    let norm = _mm512_add_epi32(_mm512_sll_epi32(mag, _mm_cvtsi32_si128(k.shift as i32)), c512!(k.dec_rebias));
    let sub = _mm512_castps_si512(_mm512_mul_ps(_mm512_cvtepi32_ps(mag), _mm512_castsi512_ps(c512!(k.dec_unit))));
    let v = _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(mag, c512!(1 << k.man)), norm, sub);
    let v = _mm512_or_si512(v, sign);
    let nan = c512!(0x7fc0_0000);
    match S::LAYOUT.specials {
        Specials::IeeeInfNan => {
            let inf = c512!(k.over_mag);
            let v = _mm512_mask_blend_epi32(
                _mm512_cmpeq_epi32_mask(mag, inf),
                v,
                _mm512_or_si512(sign, c512!(0x7f80_0000)),
            );
            _mm512_mask_blend_epi32(_mm512_cmpgt_epi32_mask(mag, inf), v, nan)
        }
        Specials::NanAllOnes => {
            _mm512_mask_blend_epi32(_mm512_cmpeq_epi32_mask(mag, c512!((1 << (k.width - 1)) - 1)), v, nan)
        }
        Specials::NanNegZero => {
            _mm512_mask_blend_epi32(_mm512_cmpeq_epi32_mask(code, c512!(1 << (k.width - 1))), v, nan)
        }
        Specials::None | Specials::NanTop => v,
    }
}

/// Codes of `S` → `f32`, 16 per step ([`decode16_avx512`]); the tail goes to the portable
/// twin.
///
/// # Safety
/// The CPU must support AVX-512F (the only requirement: the slices are accessed in bounds).
// SAFETY: every pointer access below is to an index `< main <= n = min(src.len(), dst.len())`
// (the loop steps by the unrolled width and `main` is a multiple of it).
#[target_feature(enable = "avx512f")]
unsafe fn decode_avx512<S: FastSpec>(src: &[u8], dst: &mut [f32]) {
    let n = src.len().min(dst.len());
    let main = n - n % 16;
    let mut i = 0;
    while i < main {
        let code = _mm512_cvtepu8_epi32(_mm_loadu_si128(src.as_ptr().add(i) as *const __m128i));
        _mm512_storeu_si512(dst.as_mut_ptr().add(i) as *mut _, decode16_avx512::<S>(code));
        i += 16;
    }
    decode_portable::<S>(&src[main..n], &mut dst[main..n]);
}
