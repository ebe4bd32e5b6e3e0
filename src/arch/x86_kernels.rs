//! x86-64 integer block dot products for the quantized GEMV/GEMM kernels: AVX-512 VNNI
//! (`vpdpbusd`) and AVX2 (`vpmaddubsw` + `vpmaddwd`), twins of
//! [`super::kernels::int_block_dots_portable`] (exact integers, so any summation order
//! inside a block gives the same bits).
//!
//! # Layout of the work
//!
//! A *chunk* is 16 blocks of `v` elements. Each instruction sequence produces a *leaf*: 16
//! `i32` lanes, each the exact dot product of `G` consecutive elements (`G = 8` for 4-bit
//! codes, whose 64 packed bytes are split into low and high nibbles against the split
//! activation layout; `G = 4` for bytes). A chunk is `L = v / G` leaves; a block is `L / 16`
//! leaves when `L ≥ 16` (added together), or `L` lanes of `16 / L` blocks per leaf otherwise.
//! [`hadd2`] adds adjacent lane pairs of two vectors into one, keeping block order, so
//! `log2(min(L, 16))` rounds of it leave one vector whose lane `b` is block `b`'s sum. Other `v`
//! (`L` neither a power of two up to 16 nor a multiple of 16) return `false` and the caller
//! runs the portable code.
//!
//! # Signedness
//!
//! `vpdpbusd` and `vpmaddubsw` multiply unsigned by signed bytes. The activations (signed,
//! `|x| ≤ 127`) stay signed; the weights are made unsigned:
//!
//! * 4-bit codes as `value + offset` (INT4: code XOR 8 = value + 8; E2M1 × 2: value + 12),
//!   corrected by `offset · Σx` per block: through a 16-entry table (`vpshufb`; `vpermb`
//!   where AVX-512 VBMI is present, which needs no masking), or for INT4 on VNNI by
//!   arithmetic, `(code XOR 8) AND 0x0f` in one `vpternlogd` (no shuffle);
//! * bytes on VNNI: XOR 0x80 = value + 128, corrected by `128 · Σx`;
//! * bytes on AVX2: `|w|` against `sign(x, w)` (`vpsignb`), no correction.
//!
//! `vpmaddubsw` saturates its `i16` pair sums; here they cannot: for nibbles a pair is at
//! most `2 · 24 · 127 = 6096` and two of them are added (`12192 < 32767`); for bytes
//! `|w| ≤ 128` and `|x| ≤ 127` give at most `2 · 128 · 127 = 32512 < 32767`. `vpdpbusd`'s
//! `i32` sums wrap; the true block sums fit in `i32` (see `int_block_dots`), so the wrapped
//! results come back exact after the correction.

use core::arch::x86_64::*;
use core::sync::atomic::{AtomicU8, Ordering};

use super::kernels::{IntWeights, Out, LANES};
use crate::bulk::Backend;

static FEATURES: AtomicU8 = AtomicU8::new(0);
const DETECTED: u8 = 1;
const AVX2_FMA: u8 = 2;
const AVX512F: u8 = 4;
const VNNI: u8 = 8;
const VBMI: u8 = 16;

#[inline]
fn features() -> u8 {
    let f = FEATURES.load(Ordering::Relaxed);
    if f != 0 {
        return f;
    }
    let mut f = DETECTED;
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        f |= AVX2_FMA;
    }
    if std::is_x86_feature_detected!("avx512f") {
        f |= AVX512F;
    }
    if std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vnni")
    {
        f |= VNNI;
        if std::is_x86_feature_detected!("avx512vbmi") {
            f |= VBMI;
        }
    }
    FEATURES.store(f, Ordering::Relaxed);
    f
}

/// AVX2 and FMA present.
#[inline]
pub(crate) fn has_avx2_fma() -> bool {
    features() & AVX2_FMA != 0
}

/// AVX-512F present.
#[inline]
pub(crate) fn has_avx512f() -> bool {
    features() & AVX512F != 0
}

/// AVX-512F, AVX-512BW and AVX-512 VNNI present.
#[inline]
pub(crate) fn has_vnni() -> bool {
    features() & VNNI != 0
}

/// [`has_vnni`] and AVX-512 VBMI (`vpermb`) present.
#[inline]
pub(crate) fn has_vbmi() -> bool {
    features() & VBMI != 0
}

/// The integer kernel that `backend` runs here.
pub(crate) fn effective_int(backend: Backend) -> Backend {
    match backend {
        Backend::Avx512 if has_vnni() => Backend::Avx512,
        Backend::Avx512 | Backend::Avx2 if has_avx2_fma() => Backend::Avx2,
        _ => Backend::Portable,
    }
}

/// Leaves per chunk and their element width, or `None` where the fast path does not apply.
fn leaves(w: IntWeights<'_>, v: usize) -> Option<usize> {
    let g = if matches!(w, IntWeights::Nibbles { .. }) { 8 } else { 4 };
    if !v.is_multiple_of(g) {
        return None;
    }
    let l = v / g;
    (l.is_power_of_two() && l <= 16 || l.is_multiple_of(16)).then_some(l)
}

/// The x86 kernels of [`super::kernels::int_block_dots`] (same contract, checked there);
/// `false` when `backend` is portable, this CPU lacks it, or `v` is not one the fast path takes.
/// The x86 kernels of [`super::kernels::int_block_dots`] (same contract, checked there);
/// gives `out` back when `backend` is portable, this CPU lacks it, or `v` is not one the fast
/// path takes.
#[allow(clippy::too_many_arguments)]
pub(crate) fn int_block_dots<'o>(
    backend: Backend,
    w: IntWeights<'_>,
    codes: &[u8],
    wrows: usize,
    wstride: usize,
    v: usize,
    nchunks: usize,
    x: &[i8],
    xs: usize,
    xsum: &[i32],
    ss: usize,
    rows: usize,
    mut out: Out<'o>,
) -> Option<Out<'o>> {
    let Some(l) = leaves(w, v) else { return Some(out) };
    let be = effective_int(backend);
    if be == Backend::Portable {
        return Some(out);
    }
    if rows == 0 || wrows == 0 || nchunks == 0 {
        return None;
    }
    let n = nchunks * LANES;
    let bits = if matches!(w, IntWeights::Nibbles { .. }) { 4 } else { 8 };
    // The bounds every kernel below relies on (the caller asserted them too).
    assert!(codes.len() >= (wrows - 1) * wstride + n * v * bits / 8);
    assert!(x.len() >= (rows - 1) * xs + n * v && xsum.len() >= (rows - 1) * ss + n);
    match &out {
        Out::Dots { d, ds } => assert!(d.len() >= (wrows * rows - 1) * ds + n),
        Out::Acc { sw, sws, sx, sxs, acc, .. } => {
            assert!(sw.len() >= (wrows - 1) * sws + n && sx.len() >= (rows - 1) * sxs + n);
            assert!(acc.len() >= wrows * rows);
        }
    }
    let a = Args { codes, wrows, wstride, v, l, nchunks, x, xs, xsum, ss };
    let o = &mut out;
    // `$wr1`: weight rows interleaved per step for one activation row (a GEMV); one otherwise.
    macro_rules! go {
        ($f:ident, $nib:expr, $wr1:literal) => {
            // SAFETY: `effective_int` checked the CPU features of the kernel; the asserts
            // above give the slice lengths the kernel reads and writes (its contract).
            unsafe {
                macro_rules! by_l {
                    ($r:literal, $wr:literal) => {
                        match l {
                            1 => $f::<$r, $nib, 1, $wr>(w, &a, o),
                            2 => $f::<$r, $nib, 2, $wr>(w, &a, o),
                            4 => $f::<$r, $nib, 4, $wr>(w, &a, o),
                            8 => $f::<$r, $nib, 8, $wr>(w, &a, o),
                            _ => $f::<$r, $nib, 16, $wr>(w, &a, o),
                        }
                    };
                }
                match rows {
                    1 => by_l!(1, $wr1),
                    2 => by_l!(2, 1),
                    3 => by_l!(3, 1),
                    _ => by_l!(4, 1),
                }
            }
        };
    }
    assert!(rows <= 4, "at most four activation rows per call");
    let nib = matches!(w, IntWeights::Nibbles { .. });
    match (be, nib) {
        (Backend::Avx512, true) if is_int4(w) => go!(dots_vnni_int4, true, 2),
        (Backend::Avx512, true) if has_vbmi() => go!(dots_vnni_vbmi, true, 2),
        (Backend::Avx512, true) => go!(dots_vnni, true, 2),
        (Backend::Avx512, false) => go!(dots_vnni, false, 2),
        (_, true) => go!(dots_avx2, true, 1),
        (_, false) => go!(dots_avx2, false, 1),
    }
    None
}

/// Whether `w` holds signed INT4 codes (the table `code XOR 8`, offset 8).
fn is_int4(w: IntWeights<'_>) -> bool {
    matches!(w, IntWeights::Nibbles { lut, offset: 8 } if *lut == crate::kernels::int::INT4_LUT)
}

/// The shapes of one kernel call (see [`super::kernels::int_block_dots`]).
struct Args<'a> {
    codes: &'a [u8],
    wrows: usize,
    wstride: usize,
    v: usize,
    l: usize,
    nchunks: usize,
    x: &'a [i8],
    xs: usize,
    xsum: &'a [i32],
    ss: usize,
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI
// ---------------------------------------------------------------------------------------------

/// How many weight rows ahead the GEMV kernels prefetch block scales.
const SCALE_ROWS_AHEAD: usize = 8;

/// How far ahead of the leaf being read the GEMV kernels prefetch weight codes (bytes).
const PREFETCH: usize = 8192;

/// Adjacent lane pairs of `a` then of `b`: `[a0+a1, a2+a3, …, a14+a15, b0+b1, …, b14+b15]`.
#[inline]
#[target_feature(enable = "avx512f")]
fn hadd2_512(a: __m512i, b: __m512i) -> __m512i {
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    _mm512_add_epi32(_mm512_permutex2var_epi32(a, even, b), _mm512_permutex2var_epi32(a, odd, b))
}

/// The AVX-512 VNNI GEMV kernel, stamped out once per way of splitting 4-bit codes into the
/// unsigned bytes `vpdpbusd` takes (`$nibbles(codes, lut, 0x0f) → (low, high)`), each under
/// the CPU features that way needs.
macro_rules! dots_vnni_kernel {
    ($name:ident, $features:literal, $nibbles:ident) => {
        /// # Safety
        /// The CPU must support AVX-512F, AVX-512BW and AVX-512 VNNI ($features). For each weight row `i <
        /// a.wrows`, `codes[i·wstride..]` must hold `nchunks·16·v·bits/8` bytes; for each of the `R`
        /// activation rows `r`, `x[r·xs..]` must hold `nchunks·16·v` codes and `xsum[r·ss..]`
        /// `nchunks·16` values; `d[(i·R + r)·ds..]` `nchunks·16` values; `a.l` = `leaves(w, v)`, equal
        /// to `LC` when `LC` is 1, 2, 4 or 8, a multiple of 16 when `LC` is 16.
        #[target_feature(enable = $features)]
        unsafe fn $name<const R: usize, const NIB: bool, const LC: usize, const WR: usize>(
            w: IntWeights<'_>,
            a: &Args<'_>,
            out: &mut Out<'_>,
        ) {
            let (lut, offset) = match w {
                IntWeights::Nibbles { lut, offset } => {
                    // SAFETY: `lut` is 16 readable bytes.
                    (unsafe { _mm512_broadcast_i32x4(_mm_loadu_si128(lut.as_ptr().cast())) }, offset)
                }
                IntWeights::Bytes => (_mm512_setzero_si512(), 128),
            };
            let m4 = _mm512_set1_epi8(0x0f);
            let flip = _mm512_set1_epi8(-128);
            let off = _mm512_set1_epi32(offset);
            let l = if LC == 16 { a.l } else { LC };
            let per_block = if LC == 16 { l / LANES } else { 1 };
            let n = l.min(LANES); // vectors entering the tree
            let v = a.v;
            let xp = a.x.as_ptr();
            // `WR` weight rows at a time, their instruction streams interleaved so the
            // out-of-order core always has an independent chain at hand (an odd last row is
            // computed twice and written twice, with the same values).
            let mut i = 0;
            while i < a.wrows {
                let row: [usize; WR] = core::array::from_fn(|q| (i + q).min(a.wrows - 1));
                let cps: [*const u8; WR] = core::array::from_fn(|q| a.codes[row[q] * a.wstride..].as_ptr());
                let mut accv = [[_mm512_setzero_ps(); R]; WR];
                if let Out::Acc { acc, .. } = out {
                    for (q, aq) in accv.iter_mut().enumerate() {
                        for (r, av) in aq.iter_mut().enumerate() {
                            *av = _mm512_loadu_ps(acc[row[q] * R + r].as_ptr());
                        }
                    }
                }
                for c in 0..a.nchunks {
                    // The codes a few rows on, from memory while this chunk computes (a prefetch
                    // never faults; the address is only computed, wrapping).
                    for cp in cps {
                        for j in 0..l {
                            _mm_prefetch::<_MM_HINT_T0>(cp.wrapping_add((c * l + j) * 64 + PREFETCH).cast());
                        }
                    }
                    let mut s = [[[_mm512_setzero_si512(); LC]; R]; WR];
                    for j in 0..l {
                        let slot = if LC == 16 { j / per_block } else { j };
                        for (sq, cp) in s.iter_mut().zip(cps) {
                            // SAFETY (loads): leaf `j` of chunk `c` reads 64 code bytes at
                            // `(c·l + j)·64` of a weight row (below `nchunks·16·v·bits/8`, as
                            // `l·64 = 16·v·bits/8`) and 64 or 128 activation bytes at
                            // `c·16·v + j·G·16` of each row (below `nchunks·16·v`).
                            unsafe {
                                let wv = _mm512_loadu_si512(cp.add((c * l + j) * 64).cast());
                                if NIB {
                                    let (lo, hi) = $nibbles(wv, lut, m4);
                                    for (r, sr) in sq.iter_mut().enumerate() {
                                        let xo = xp.add(r * a.xs + c * 16 * v + j * 128);
                                        let xe = _mm512_loadu_si512(xo.cast());
                                        let xd = _mm512_loadu_si512(xo.add(64).cast());
                                        sr[slot] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(sr[slot], lo, xe), hi, xd);
                                    }
                                } else {
                                    let u = _mm512_xor_si512(wv, flip);
                                    for (r, sr) in sq.iter_mut().enumerate() {
                                        let xv = _mm512_loadu_si512(xp.add(r * a.xs + c * 16 * v + j * 64).cast());
                                        sr[slot] = _mm512_dpbusd_epi32(sr[slot], u, xv);
                                    }
                                }
                            }
                        }
                    }
                    for (q, sq) in s.iter_mut().enumerate() {
                        let i = row[q];
                        for (r, sr) in sq.iter_mut().enumerate() {
                            let mut k = n;
                            while k > 1 {
                                for t in 0..k / 2 {
                                    sr[t] = hadd2_512(sr[2 * t], sr[2 * t + 1]);
                                }
                                k /= 2;
                            }
                            // SAFETY: 16 values at `c·16` of row `r` of `xsum` and of `d`, `sw`,
                            // `sx`: the contract.
                            unsafe {
                                let xsv = _mm512_loadu_si512(a.xsum.as_ptr().add(r * a.ss + c * LANES).cast());
                                let dv = _mm512_sub_epi32(sr[0], _mm512_mullo_epi32(xsv, off));
                                match out {
                                    Out::Dots { d, ds } => _mm512_storeu_si512(
                                        d.as_mut_ptr().add((i * R + r) * *ds + c * LANES).cast(),
                                        dv,
                                    ),
                                    Out::Acc { sw, sws, sx, sxs, valid, .. } => {
                                        let k = valid.saturating_sub(c * LANES).min(LANES);
                                        let mask = ((1u32 << k) - 1) as u16;
                                        let swv = _mm512_loadu_ps(sw.as_ptr().add(i * *sws + c * LANES));
                                        // The same scales a few rows on (block scales read
                                        // where they lie stream with the codes).
                                        _mm_prefetch::<_MM_HINT_T0>(
                                            sw.as_ptr().wrapping_add((i + SCALE_ROWS_AHEAD) * *sws + c * LANES).cast(),
                                        );
                                        let sxv = _mm512_loadu_ps(sx.as_ptr().add(r * *sxs + c * LANES));
                                        let t = _mm512_mul_ps(_mm512_cvtepi32_ps(dv), _mm512_mul_ps(swv, sxv));
                                        accv[q][r] = _mm512_mask_add_ps(accv[q][r], mask, accv[q][r], t);
                                    }
                                }
                            }
                        }
                    }
                }
                if let Out::Acc { acc, .. } = out {
                    for (q, aq) in accv.iter().enumerate() {
                        for (r, av) in aq.iter().enumerate() {
                            // SAFETY: 16 f32 of a `[f32; 16]`.
                            unsafe { _mm512_storeu_ps(acc[row[q] * R + r].as_mut_ptr(), *av) };
                        }
                    }
                }
                i += WR;
            }
        }
    };
}

/// Low and high nibbles through `vpshufb` (AVX-512BW): the index's bit 7 zeroes a byte, so
/// both are masked to 4 bits first.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn nibbles_pshufb(wv: __m512i, lut: __m512i, m4: __m512i) -> (__m512i, __m512i) {
    let lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(wv, m4));
    let hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(wv, 4), m4));
    (lo, hi)
}

/// Low and high nibbles through `vpermb` (AVX-512 VBMI): it reads only the index's low six
/// bits and `lut` holds the 16-entry table four times, so no masking — two instructions fewer
/// per 64 code bytes. The same bytes as [`nibbles_pshufb`].
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
fn nibbles_vpermb(wv: __m512i, lut: __m512i, _m4: __m512i) -> (__m512i, __m512i) {
    (_mm512_permutexvar_epi8(wv, lut), _mm512_permutexvar_epi8(_mm512_srli_epi16(wv, 4), lut))
}

/// Signed INT4 codes only (the table [`crate::kernels::int::INT4_LUT`], `code XOR 8`): the
/// unsigned bytes by arithmetic, `(code XOR 8) AND 0x0f` as one `vpternlogd` per half — no
/// shuffle at all, leaving the shuffle units to the reduction tree. The same bytes as
/// [`nibbles_pshufb`] with that table.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn nibbles_int4(wv: __m512i, _lut: __m512i, m4: __m512i) -> (__m512i, __m512i) {
    let k8 = _mm512_set1_epi8(0x08);
    // imm 0x28: (A XOR B) AND C.
    let lo = _mm512_ternarylogic_epi32::<0x28>(wv, k8, m4);
    let hi = _mm512_ternarylogic_epi32::<0x28>(_mm512_srli_epi16::<4>(wv), k8, m4);
    (lo, hi)
}

dots_vnni_kernel!(dots_vnni, "avx512f,avx512bw,avx512vnni", nibbles_pshufb);
dots_vnni_kernel!(dots_vnni_int4, "avx512f,avx512bw,avx512vnni", nibbles_int4);
dots_vnni_kernel!(dots_vnni_vbmi, "avx512f,avx512bw,avx512vnni,avx512vbmi", nibbles_vpermb);

// ---------------------------------------------------------------------------------------------
// AVX2
// ---------------------------------------------------------------------------------------------

/// Sixteen `i32` lanes as two AVX2 registers.
type V16 = [__m256i; 2];

/// [`hadd2_512`] on pairs of AVX2 registers.
#[inline]
#[target_feature(enable = "avx2")]
fn hadd2_256(a: V16, b: V16) -> V16 {
    // hadd gives [a0₀₁ a0₂₃ a1₀₁ a1₂₃ | a0₄₅ a0₆₇ a1₄₅ a1₆₇]; the permute restores the order.
    let lo = _mm256_permute4x64_epi64(_mm256_hadd_epi32(a[0], a[1]), 0b11_01_10_00);
    let hi = _mm256_permute4x64_epi64(_mm256_hadd_epi32(b[0], b[1]), 0b11_01_10_00);
    [lo, hi]
}

/// # Safety
/// As [`dots_vnni`], with AVX2 instead of the AVX-512 features. One weight row at a time
/// (`WR` must be 1: sixteen `ymm` registers leave no room to interleave rows).
#[target_feature(enable = "avx2")]
unsafe fn dots_avx2<const R: usize, const NIB: bool, const LC: usize, const WR: usize>(
    w: IntWeights<'_>,
    a: &Args<'_>,
    out: &mut Out<'_>,
) {
    const { assert!(WR == 1) };
    let (lut, offset) = match w {
        IntWeights::Nibbles { lut, offset } => {
            // SAFETY: `lut` is 16 readable bytes.
            (unsafe { _mm256_broadcastsi128_si256(_mm_loadu_si128(lut.as_ptr().cast())) }, offset)
        }
        IntWeights::Bytes => (_mm256_setzero_si256(), 0),
    };
    let m4 = _mm256_set1_epi8(0x0f);
    let ones = _mm256_set1_epi16(1);
    let off = _mm256_set1_epi32(offset);
    let l = if LC == 16 { a.l } else { LC };
    let per_block = if LC == 16 { l / LANES } else { 1 };
    let n = l.min(LANES);
    let v = a.v;
    let xp = a.x.as_ptr();
    let zero = _mm256_setzero_si256();
    for i in 0..a.wrows {
        let cp = a.codes[i * a.wstride..].as_ptr();
        let mut accv = [[_mm256_setzero_ps(); 2]; R];
        if let Out::Acc { acc, .. } = out {
            for (r, av) in accv.iter_mut().enumerate() {
                // SAFETY: 16 f32 of a `[f32; 16]`, in two halves.
                unsafe {
                    av[0] = _mm256_loadu_ps(acc[i * R + r].as_ptr());
                    av[1] = _mm256_loadu_ps(acc[i * R + r].as_ptr().add(8));
                }
            }
        }
        for c in 0..a.nchunks {
            let mut s = [[[zero; 2]; LC]; R];
            for j in 0..l {
                let slot = if LC == 16 { j / per_block } else { j };
                for h in 0..2 {
                    // SAFETY (loads): as in `dots_vnni`, in two 32-byte halves.
                    unsafe {
                        let wv = _mm256_loadu_si256(cp.add((c * l + j) * 64 + h * 32).cast());
                        if NIB {
                            let lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(wv, m4));
                            let hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(wv, 4), m4));
                            for (r, sr) in s.iter_mut().enumerate() {
                                let xo = xp.add(r * a.xs + c * 16 * v + j * 128 + h * 32);
                                let xe = _mm256_loadu_si256(xo.cast());
                                let xd = _mm256_loadu_si256(xo.add(64).cast());
                                // Pair sums ≤ 2·24·127 each, their sum ≤ 12192: no saturation.
                                let p16 = _mm256_add_epi16(_mm256_maddubs_epi16(lo, xe), _mm256_maddubs_epi16(hi, xd));
                                sr[slot][h] = _mm256_add_epi32(sr[slot][h], _mm256_madd_epi16(p16, ones));
                            }
                        } else {
                            let ab = _mm256_abs_epi8(wv);
                            for (r, sr) in s.iter_mut().enumerate() {
                                let xv = _mm256_loadu_si256(xp.add(r * a.xs + c * 16 * v + j * 64 + h * 32).cast());
                                // |w| ≤ 128 (as u8) times |x| ≤ 127: pair sums ≤ 32512, no saturation.
                                let p16 = _mm256_maddubs_epi16(ab, _mm256_sign_epi8(xv, wv));
                                sr[slot][h] = _mm256_add_epi32(sr[slot][h], _mm256_madd_epi16(p16, ones));
                            }
                        }
                    }
                }
            }
            for (r, sr) in s.iter_mut().enumerate() {
                let mut k = n;
                while k > 1 {
                    for t in 0..k / 2 {
                        sr[t] = hadd2_256(sr[2 * t], sr[2 * t + 1]);
                    }
                    k /= 2;
                }
                for h in 0..2 {
                    // SAFETY: 8 values at `c·16 + 8h` of row `r` of `xsum` and of `d`, `sw`, `sx`:
                    // the contract.
                    unsafe {
                        let xsv = _mm256_loadu_si256(a.xsum.as_ptr().add(r * a.ss + c * LANES + 8 * h).cast());
                        let dv = _mm256_sub_epi32(sr[0][h], _mm256_mullo_epi32(xsv, off));
                        match out {
                            Out::Dots { d, ds } => _mm256_storeu_si256(
                                d.as_mut_ptr().add((i * R + r) * *ds + c * LANES + 8 * h).cast(),
                                dv,
                            ),
                            Out::Acc { sw, sws, sx, sxs, valid, .. } => {
                                let k = valid.saturating_sub(c * LANES + 8 * h).min(8) as i32;
                                let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                                let m = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(k), lanes));
                                let swv = _mm256_loadu_ps(sw.as_ptr().add(i * *sws + c * LANES + 8 * h));
                                let sxv = _mm256_loadu_ps(sx.as_ptr().add(r * *sxs + c * LANES + 8 * h));
                                let t = _mm256_mul_ps(_mm256_cvtepi32_ps(dv), _mm256_mul_ps(swv, sxv));
                                let sum = _mm256_add_ps(accv[r][h], t);
                                accv[r][h] = _mm256_blendv_ps(accv[r][h], sum, m);
                            }
                        }
                    }
                }
            }
        }
        if let Out::Acc { acc, .. } = out {
            for (r, av) in accv.iter().enumerate() {
                // SAFETY: 16 f32 of a `[f32; 16]`, in two halves.
                unsafe {
                    _mm256_storeu_ps(acc[i * R + r].as_mut_ptr(), av[0]);
                    _mm256_storeu_ps(acc[i * R + r].as_mut_ptr().add(8), av[1]);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The float path: f32 FMA in sixteen lanes
// ---------------------------------------------------------------------------------------------

/// `R ≤ 4` rows of `w` (each `x.len()` long, one after another) against `x` in the float
/// path's order into `acc` (`acc[r][i % 16] = fma(w_r,i, x_i, acc[r][i % 16])`, increasing
/// `i`); `false` when `backend` is portable or this CPU lacks it.
pub(crate) fn fma_rows(backend: Backend, w: &[f32], x: &[f32], acc: &mut [[f32; LANES]]) -> bool {
    let r = acc.len();
    assert!(r <= 4 && w.len() >= r * x.len());
    let be = match backend {
        Backend::Avx512 if has_avx512f() => Backend::Avx512,
        Backend::Avx512 | Backend::Avx2 if has_avx2_fma() => Backend::Avx2,
        _ => return false,
    };
    macro_rules! go {
        ($f:ident) => {
            // SAFETY: the CPU has the kernel's features (checked above); `w` holds `r` rows of
            // `x.len()` values (asserted), `acc` `r` accumulators.
            unsafe {
                match r {
                    1 => $f::<1>(w, x, acc),
                    2 => $f::<2>(w, x, acc),
                    3 => $f::<3>(w, x, acc),
                    4 => $f::<4>(w, x, acc),
                    _ => {}
                }
            }
        };
    }
    if be == Backend::Avx512 {
        go!(fma_512);
    } else {
        go!(fma_256);
    }
    true
}

/// # Safety
/// AVX-512F; `w.len() ≥ R·x.len()`, `acc.len() ≥ R`.
#[target_feature(enable = "avx512f")]
unsafe fn fma_512<const R: usize>(w: &[f32], x: &[f32], acc: &mut [[f32; LANES]]) {
    let k = x.len();
    let mut a = [_mm512_setzero_ps(); R];
    for (r, av) in a.iter_mut().enumerate() {
        // SAFETY: 16 f32 of a `[f32; 16]`.
        *av = unsafe { _mm512_loadu_ps(acc[r].as_ptr()) };
    }
    let (wp, xp) = (w.as_ptr(), x.as_ptr());
    let full = k / LANES * LANES;
    let mut i = 0;
    while i < full {
        // SAFETY: `i + 16 ≤ k`: 16 values of `x` and of each row of `w`.
        unsafe {
            let xv = _mm512_loadu_ps(xp.add(i));
            for (r, av) in a.iter_mut().enumerate() {
                *av = _mm512_fmadd_ps(_mm512_loadu_ps(wp.add(r * k + i)), xv, *av);
            }
        }
        i += LANES;
    }
    if full < k {
        let m = ((1u32 << (k - full)) - 1) as u16;
        // SAFETY: masked loads read only the `k − full` values left; masked lanes keep `acc`.
        unsafe {
            let xv = _mm512_maskz_loadu_ps(m, xp.add(full));
            for (r, av) in a.iter_mut().enumerate() {
                // `mask3` keeps the accumulator where the mask is off.
                *av = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(m, wp.add(r * k + full)), xv, *av, m);
            }
        }
    }
    for (r, av) in a.iter().enumerate() {
        // SAFETY: 16 f32 of a `[f32; 16]`.
        unsafe { _mm512_storeu_ps(acc[r].as_mut_ptr(), *av) };
    }
}

/// # Safety
/// AVX2 and FMA; `w.len() ≥ R·x.len()`, `acc.len() ≥ R`.
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_256<const R: usize>(w: &[f32], x: &[f32], acc: &mut [[f32; LANES]]) {
    let k = x.len();
    let mut a = [[_mm256_setzero_ps(); 2]; R];
    for (r, av) in a.iter_mut().enumerate() {
        // SAFETY: 16 f32 of a `[f32; 16]`, in two halves.
        unsafe {
            av[0] = _mm256_loadu_ps(acc[r].as_ptr());
            av[1] = _mm256_loadu_ps(acc[r].as_ptr().add(8));
        }
    }
    let (wp, xp) = (w.as_ptr(), x.as_ptr());
    let full = k / LANES * LANES;
    let mut i = 0;
    while i < full {
        // SAFETY: `i + 16 ≤ k`: 16 values of `x` and of each row of `w`.
        unsafe {
            let x0 = _mm256_loadu_ps(xp.add(i));
            let x1 = _mm256_loadu_ps(xp.add(i + 8));
            for (r, av) in a.iter_mut().enumerate() {
                av[0] = _mm256_fmadd_ps(_mm256_loadu_ps(wp.add(r * k + i)), x0, av[0]);
                av[1] = _mm256_fmadd_ps(_mm256_loadu_ps(wp.add(r * k + i + 8)), x1, av[1]);
            }
        }
        i += LANES;
    }
    for (r, av) in a.iter().enumerate() {
        // SAFETY: 16 f32 of a `[f32; 16]`, in two halves.
        unsafe {
            _mm256_storeu_ps(acc[r].as_mut_ptr(), av[0]);
            _mm256_storeu_ps(acc[r].as_mut_ptr().add(8), av[1]);
        }
    }
    // The tail (fewer than 16 values) in scalar FMAs, lane by lane as the portable code.
    for (r, ac) in acc.iter_mut().enumerate().take(R) {
        for j in 0..k - full {
            ac[j] = w[r * k + full + j].mul_add(x[full + j], ac[j]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI GEMM on a block-transposed layout
// ---------------------------------------------------------------------------------------------
//
// For GEMM the weights are decoded once per tile into a *block-transposed* layout and every
// activation row in the same layout, so that lane `b` of each 64-byte vector of a chunk holds
// four bytes of block `b`: `vpdpbusd` then leaves the sixteen exact block sums of the chunk in
// the sixteen lanes of one register (no reduction tree), and each decoded weight vector meets
// several activation rows (register blocking, `WR × AR` accumulators).
//
// The transposition: the `16·l` dwords of a chunk (in code order, `l` leaves) are indexed
// `d = b·l + s` (block `b`, step `s < l`) for both 4-bit and byte codes; `log2(l)` rounds of
// *unzip* (even dwords, then odd ones) turn the index into `s·16 + b`. The weights and the
// activations go through the same permutation, so the products of each lane are the same
// pairs as in the leaf kernels above (the same exact integers).

/// Leaves per chunk when the block-transposed GEMM runs (AVX-512 VNNI here and `l` a power of
/// two up to 16), else `None`.
pub(crate) fn gemm_t_leaves(backend: Backend, w: IntWeights<'_>, v: usize) -> Option<usize> {
    if effective_int(backend) != Backend::Avx512 {
        return None;
    }
    let l = leaves(w, v)?;
    (l.is_power_of_two() && l <= 16).then_some(l)
}

/// The `L` vectors `t` unzipped `log2(L)` times (dword `b·L + s` to `s·16 + b`).
#[inline]
#[target_feature(enable = "avx512f")]
fn unzip_all<const L: usize>(t: &mut [__m512i; L]) {
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    let mut k = L;
    while k > 1 {
        let mut u = *t;
        for p in 0..L / 2 {
            u[p] = _mm512_permutex2var_epi32(t[2 * p], even, t[2 * p + 1]);
            u[p + L / 2] = _mm512_permutex2var_epi32(t[2 * p], odd, t[2 * p + 1]);
        }
        *t = u;
        k /= 2;
    }
}

macro_rules! by_leaves {
    ($l:expr, $f:ident ( $($a:expr),* )) => {
        match $l {
            1 => $f::<1>($($a),*),
            2 => $f::<2>($($a),*),
            4 => $f::<4>($($a),*),
            8 => $f::<8>($($a),*),
            _ => $f::<16>($($a),*),
        }
    };
}

/// Pack one weight row for [`gemm_t`]: chunk `c` of `src` (`l·64` code bytes each, the last one
/// zero-padded past `src`) becomes, for each step `s`, the unsigned weights of lane = block:
/// two 64-byte vectors (low then high nibbles through the table) for 4-bit codes, one (XOR
/// 0x80) for bytes, at `(c·l + s)·64·u` of `out` (`u` = 2 or 1).
pub(crate) fn pack_weights_t(w: IntWeights<'_>, l: usize, src: &[u8], nchunks: usize, out: &mut [u8]) {
    let u = if matches!(w, IntWeights::Nibbles { .. }) { 2 } else { 1 };
    assert!(has_vnni() && l.is_power_of_two() && l <= 16 && out.len() >= nchunks * l * 64 * u);
    // SAFETY: VNNI (and so AVX-512F/BW) checked; `out` holds the packed row (asserted).
    unsafe { by_leaves!(l, pack_weights_t_512(w, src, nchunks, out)) }
}

#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn pack_weights_t_512<const L: usize>(w: IntWeights<'_>, src: &[u8], nchunks: usize, out: &mut [u8]) {
    let cb = L * 64;
    let mut pad = [0u8; 1024];
    let m4 = _mm512_set1_epi8(0x0f);
    let flip = _mm512_set1_epi8(-128);
    let (lut, nib) = match w {
        // SAFETY: `lut` is 16 readable bytes.
        IntWeights::Nibbles { lut, .. } => {
            (unsafe { _mm512_broadcast_i32x4(_mm_loadu_si128(lut.as_ptr().cast())) }, true)
        }
        IntWeights::Bytes => (flip, false),
    };
    for c in 0..nchunks {
        let s0 = (c * cb).min(src.len());
        let s1 = ((c + 1) * cb).min(src.len());
        let p: &[u8] = if s1 - s0 == cb {
            &src[s0..s1]
        } else {
            pad[..cb].fill(0);
            pad[..s1 - s0].copy_from_slice(&src[s0..s1]);
            &pad[..cb]
        };
        let mut t = [_mm512_setzero_si512(); L];
        for (j, tv) in t.iter_mut().enumerate() {
            // SAFETY: `p` holds `L·64` bytes.
            *tv = unsafe { _mm512_loadu_si512(p.as_ptr().add(j * 64).cast()) };
        }
        unzip_all(&mut t);
        for (s, tv) in t.iter().enumerate() {
            // SAFETY: 128 (nibbles) or 64 (bytes) bytes at `(c·L + s)·64·u`, inside `out`
            // (asserted by the caller).
            unsafe {
                if nib {
                    let lo = _mm512_shuffle_epi8(lut, _mm512_and_si512(*tv, m4));
                    let hi = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(*tv, 4), m4));
                    let o = out.as_mut_ptr().add((c * L + s) * 128);
                    _mm512_storeu_si512(o.cast(), lo);
                    _mm512_storeu_si512(o.add(64).cast(), hi);
                } else {
                    _mm512_storeu_si512(out.as_mut_ptr().add((c * L + s) * 64).cast(), _mm512_xor_si512(*tv, flip));
                }
            }
        }
    }
}

/// Pack one activation row for [`gemm_t`] (`x`: `nchunks` chunks of `l·64·u` bytes, the split
/// layout for 4-bit weights, natural order for bytes) into the layout of
/// [`pack_weights_t`].
pub(crate) fn pack_acts_t(nib: bool, l: usize, x: &[i8], nchunks: usize, out: &mut [u8]) {
    let u = if nib { 2 } else { 1 };
    assert!(has_vnni() && l.is_power_of_two() && l <= 16);
    assert!(x.len() >= nchunks * l * 64 * u && out.len() >= nchunks * l * 64 * u);
    // SAFETY: VNNI checked; the lengths asserted.
    unsafe { by_leaves!(l, pack_acts_t_512(u, x, nchunks, out)) }
}

#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn pack_acts_t_512<const L: usize>(u: usize, x: &[i8], nchunks: usize, out: &mut [u8]) {
    for c in 0..nchunks {
        for h in 0..u {
            let mut t = [_mm512_setzero_si512(); L];
            for (j, tv) in t.iter_mut().enumerate() {
                // SAFETY: within the chunk's `L·64·u` bytes of `x` (asserted by the caller).
                *tv = unsafe { _mm512_loadu_si512(x.as_ptr().add(c * L * 64 * u + j * 64 * u + h * 64).cast()) };
            }
            unzip_all(&mut t);
            for (s, tv) in t.iter().enumerate() {
                // SAFETY: as above, in `out`.
                unsafe { _mm512_storeu_si512(out.as_mut_ptr().add((c * L + s) * 64 * u + h * 64).cast(), *tv) };
            }
        }
    }
}

/// Operands of one [`gemm_t`] call: `WR` packed weight rows against `AR` packed activation
/// rows.
pub(crate) struct GemmT<'a> {
    /// Packed weight rows (row `i` at `i·wst`).
    pub w: &'a [u8],
    /// Their stride in bytes.
    pub wst: usize,
    /// Packed activation rows (row `r` at `r·ast`).
    pub a: &'a [u8],
    /// Their stride in bytes.
    pub ast: usize,
    /// `−offset · Σx` per activation row and block (row `r` at `r·bst`).
    pub corr: &'a [i32],
    /// Weight block scales (row `i` at `i·bst`), as [`Out::Acc`].
    pub sw: &'a [f32],
    /// Activation scales (row `r` at `r·bst`).
    pub sx: &'a [f32],
    /// Padded blocks per row (`nchunks · 16`): the stride of `corr`, `sw`, `sx`.
    pub bst: usize,
    /// 64-byte vectors per chunk (`l · u`).
    pub steps: usize,
    /// Blocks that count.
    pub valid: usize,
}

/// `out[i·AR + r]` = the documented fold of steps 3–5 for weight row `i < wr` and activation
/// row `r < ar` (`wr, ar ≤ 4`), on the block-transposed layout.
pub(crate) fn gemm_t(g: &GemmT<'_>, wr: usize, ar: usize, out: &mut [f32]) {
    let nch = g.bst / LANES;
    let row = nch * g.steps * 64;
    assert!(has_vnni() && (1..=4).contains(&wr) && (1..=4).contains(&ar) && out.len() >= wr * ar);
    assert!(g.w.len() >= (wr - 1) * g.wst + row && g.a.len() >= (ar - 1) * g.ast + row);
    assert!(g.corr.len() >= ar * g.bst && g.sx.len() >= ar * g.bst && g.sw.len() >= wr * g.bst);
    macro_rules! by_ar {
        ($w:literal) => {
            // SAFETY: VNNI checked; the lengths asserted above are the kernel's contract.
            unsafe {
                match ar {
                    1 => gemm_t_512::<$w, 1>(g, out),
                    2 => gemm_t_512::<$w, 2>(g, out),
                    3 => gemm_t_512::<$w, 3>(g, out),
                    _ => gemm_t_512::<$w, 4>(g, out),
                }
            }
        };
    }
    match wr {
        1 => by_ar!(1),
        2 => by_ar!(2),
        3 => by_ar!(3),
        _ => by_ar!(4),
    }
}

/// The documented fold of sixteen lanes (`acc[j] += acc[j + h]`, `h = 8, 4, 2, 1`, the lower
/// lane first), as [`super::kernels::fold16`].
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fold16_512(a: __m512) -> f32 {
    let lo = _mm512_castps512_ps256(a);
    let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
    let s8 = _mm256_add_ps(lo, hi);
    let s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    let s1 = _mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1));
    _mm_cvtss_f32(s1)
}

/// # Safety
/// AVX-512F/BW/VNNI; the lengths [`gemm_t`] asserts.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[allow(clippy::needless_range_loop)] // the register-blocked loops index two arrays at once
unsafe fn gemm_t_512<const WR: usize, const AR: usize>(g: &GemmT<'_>, out: &mut [f32]) {
    let nch = g.bst / LANES;
    let steps = g.steps;
    let (wp, ap) = (g.w.as_ptr(), g.a.as_ptr());
    let mut fa = [[_mm512_setzero_ps(); AR]; WR];
    for c in 0..nch {
        let mut d = [[_mm512_setzero_si512(); AR]; WR];
        // SAFETY (all loads): chunk `c` of each packed row is `steps·64` bytes at `c·steps·64`,
        // its blocks at `c·16` of `corr`, `sw`, `sx` rows: inside the asserted lengths.
        unsafe {
            for r in 0..AR {
                let cv = _mm512_loadu_si512(g.corr.as_ptr().add(r * g.bst + c * LANES).cast());
                for di in d.iter_mut() {
                    di[r] = cv;
                }
            }
            let base = c * steps * 64;
            for t in 0..steps {
                let o = base + t * 64;
                let mut wv = [_mm512_setzero_si512(); WR];
                for (i, w) in wv.iter_mut().enumerate() {
                    *w = _mm512_loadu_si512(wp.add(i * g.wst + o).cast());
                }
                for r in 0..AR {
                    let av = _mm512_loadu_si512(ap.add(r * g.ast + o).cast());
                    for i in 0..WR {
                        d[i][r] = _mm512_dpbusd_epi32(d[i][r], wv[i], av);
                    }
                }
            }
            let k = g.valid.saturating_sub(c * LANES).min(LANES);
            let mask = ((1u32 << k) - 1) as u16;
            for i in 0..WR {
                let swv = _mm512_loadu_ps(g.sw.as_ptr().add(i * g.bst + c * LANES));
                for r in 0..AR {
                    let sxv = _mm512_loadu_ps(g.sx.as_ptr().add(r * g.bst + c * LANES));
                    let t = _mm512_mul_ps(_mm512_cvtepi32_ps(d[i][r]), _mm512_mul_ps(swv, sxv));
                    fa[i][r] = _mm512_mask_add_ps(fa[i][r], mask, fa[i][r], t);
                }
            }
        }
    }
    for i in 0..WR {
        for r in 0..AR {
            out[i * AR + r] = fold16_512(fa[i][r]);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// FP8 weights: decode fused into the f32 FMA order
// ---------------------------------------------------------------------------------------------

/// `R ≤ 4` rows of OCP FP8 codes (E4M3 when `!e5`, else E5M2; row `r` is `codes[r]`)
/// against `x` (`k` values) in the float path's order: each code decoded to its exact `f32`
/// value in registers as `e4m3_decode`/`e5m2_decode` do (magnitude bits shifted into an `f32`,
/// times `2^120` or `2^112`, the sign carried), times its block's scale when `scales` is
/// `Some((s, v))` (`s[r·⌈k/v⌉ + b]`, `v` a multiple of 16: one `f32` product, as the dequantizer),
/// then `acc[r][i % 16] = fma(w, x_i, acc[r][i % 16])` for increasing `i`. Gives `false`,
/// with `acc` unspecified, where it does not run: no AVX-512 VNNI here, or a NaN/∞ code in the
/// rows (the caller then takes the decode-then-FMA path).
pub(crate) fn fp8_fma_rows(
    e5: bool,
    codes: &[&[u8]],
    k: usize,
    x: &[f32],
    scales: Option<(&[f32], usize)>,
    acc: &mut [[f32; LANES]],
) -> bool {
    let r = acc.len();
    if !has_vnni() || r == 0 || r > 4 {
        return false;
    }
    assert!(codes.len() >= r && codes[..r].iter().all(|c| c.len() >= k) && x.len() >= k);
    if let Some((s, v)) = scales {
        if v == 0 || !v.is_multiple_of(LANES) {
            return false;
        }
        assert!(s.len() >= r * k.div_ceil(v));
    }
    macro_rules! go {
        ($e5:literal, $fold:literal, $old:literal) => {
            // SAFETY: VNNI (AVX-512F/BW) checked; the lengths asserted.
            unsafe {
                match r {
                    1 => fp8_fma_512::<1, $e5, $fold, $old>(codes, k, x, scales, acc),
                    2 => fp8_fma_512::<2, $e5, $fold, $old>(codes, k, x, scales, acc),
                    3 => fp8_fma_512::<3, $e5, $fold, $old>(codes, k, x, scales, acc),
                    _ => fp8_fma_512::<4, $e5, $fold, $old>(codes, k, x, scales, acc),
                }
            }
        };
    }
    let out = if e5 {
        go!(true, false, false)
    } else {
        // E4M3 without scales: the `2^8` folded into `x`; where a scaled `x_i` may have
        // overflowed, again with the `2^8` on each decoded weight. With scales, unfolded
        // (folding into the scale measured slower hot).
        // With block scales (MXFP8: codes near the top of the range, rarely subnormal) the
        // shorter `2^120` decode measured faster hot; both decodes are exact.
        match if scales.is_none() { go!(false, true, false) } else { go!(false, false, true) } {
            Fp8Run::Overflow => go!(false, false, false),
            o => o,
        }
    };
    out == Fp8Run::Done
}

/// How [`fp8_fma_512`] ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fp8Run {
    /// `acc` holds the sums.
    Done,
    /// A NaN/∞ code in the rows.
    Special,
    /// (`FOLD` only) some `x_i · 2^8` or scale `· 2^8` is infinite: run again without folding.
    Overflow,
}

/// # Safety
/// AVX-512F/BW; `R` rows of at least `k` codes, `x.len() ≥ k`, the scales as [`fp8_fma_rows`] checks.
///
/// `FOLD` (E4M3 only): the decoded weights are left at `2^-8` times their values and the `2^8`
/// goes on `x_i` instead (without scales: `fma(w·2^-8, x_i·2^8, acc)`) or on the block scale
/// (`(w·2^-8)·(s·2^8)`, then `fma` with `x_i`). Multiplying by `2^8` is exact unless it
/// overflows, so each product is the same real number as unfolded, rounded the same; an
/// infinite scaled `x_i` or scale (an overflow, or an infinite operand: either way) gives
/// [`Fp8Run::Overflow`] and the caller runs the unfolded loop.
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn fp8_fma_512<const R: usize, const E5: bool, const FOLD: bool, const OLD: bool>(
    codes: &[&[u8]],
    k: usize,
    x: &[f32],
    scales: Option<(&[f32], usize)>,
    acc: &mut [[f32; LANES]],
) -> Fp8Run {
    // Each code goes to the `f16` bits of its value (E5M2: the code is the top byte of an
    // `f16`; E4M3: sign to bit 15, magnitude bits to bits 13..7, an `f16` of `2^-8` times the
    // value, exact, the subnormal codes on `f16` subnormals), `vcvtph2ps` to `f32` (exact, every
    // `f16` is a normal `f32`), E4M3 then times `2^8` (exact, normal in and out) unless `FOLD`.
    // No `f32` subnormal is ever an operand (a shift into the `f32` fields times `2^120` made
    // the subnormal E4M3 codes `f32` subnormals, a slow multiply).
    let keep = _mm256_set1_epi16(0xbf80u16 as i16);
    let pow = _mm512_set1_ps(256.0);
    let special = if E5 { 0x7c } else { 0x7f };
    let spec = _mm512_set1_epi8(special);
    let xp = x.as_ptr();
    let mut a = [_mm512_setzero_ps(); R];
    let mut bad = 0u64;
    let nb = scales.map_or(0, |(_, v)| k.div_ceil(v));
    let unscaled = FOLD && scales.is_none();
    // FOLD: the largest and smallest `x_i · 2^8` (a NaN leaves them as they are), the scales'
    // overflow flag.
    let (mut hi, mut lo) = (_mm512_setzero_ps(), _mm512_setzero_ps());
    let mut sover = false;
    let mut scale = |s: f32| -> __m512 {
        if FOLD {
            let t = s * 256.0;
            sover |= t.is_infinite();
            _mm512_set1_ps(t)
        } else {
            _mm512_set1_ps(s)
        }
    };
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn decode<const E5: bool, const FOLD: bool>(c: __m128i, keep: __m256i, pow: __m512) -> __m512 {
        if E5 {
            _mm512_cvtph_ps(_mm256_slli_epi16::<8>(_mm256_cvtepu8_epi16(c)))
        } else {
            let h = _mm512_cvtph_ps(_mm256_and_si256(_mm256_slli_epi16::<7>(_mm256_cvtepi8_epi16(c)), keep));
            if FOLD {
                h
            } else {
                _mm512_mul_ps(h, pow)
            }
        }
    }
    // `OLD` (E4M3 only): the magnitude shifted into the `f32` fields and multiplied by
    // `2^120` (exact; slow only when the intermediate is an `f32` subnormal).
    let (keep_old, pow_old) = (_mm512_set1_epi32(0x87f0_0000u32 as i32), _mm512_set1_ps(1.329_228e36f32));
    let decode = |c: __m128i| -> __m512 {
        if OLD {
            let b = _mm512_and_si512(_mm512_slli_epi32::<20>(_mm512_cvtepi8_epi32(c)), keep_old);
            _mm512_mul_ps(_mm512_castsi512_ps(b), pow_old)
        } else {
            decode::<E5, FOLD>(c, keep, pow)
        }
    };
    let full = k / 64 * 64;
    let mut i = 0;
    while i < full {
        // SAFETY: `i + 64 ≤ k`: 64 codes of each row and 64 values of `x`.
        unsafe {
            let mut xv = [
                _mm512_loadu_ps(xp.add(i)),
                _mm512_loadu_ps(xp.add(i + 16)),
                _mm512_loadu_ps(xp.add(i + 32)),
                _mm512_loadu_ps(xp.add(i + 48)),
            ];
            if unscaled {
                for v in &mut xv {
                    *v = _mm512_mul_ps(*v, pow);
                    hi = _mm512_max_ps(*v, hi);
                    lo = _mm512_min_ps(*v, lo);
                }
            }
            for (r, av) in a.iter_mut().enumerate() {
                let p = codes[r].as_ptr().add(i);
                let raw = _mm512_loadu_si512(p.cast());
                bad |= _mm512_cmpeq_epi8_mask(_mm512_and_si512(raw, spec), spec);
                for (q, xq) in xv.iter().enumerate() {
                    let mut w = decode(_mm_loadu_si128(p.add(16 * q).cast()));
                    if let Some((s, v)) = scales {
                        w = _mm512_mul_ps(w, scale(*s.get_unchecked(r * nb + (i + 16 * q) / v)));
                    }
                    *av = _mm512_fmadd_ps(w, *xq, *av);
                }
            }
        }
        i += 64;
    }
    while i < k {
        let n = (k - i).min(16);
        let m16 = if n == 16 { u16::MAX } else { ((1u32 << n) - 1) as u16 };
        // SAFETY: the masked load reads only the `n` values left.
        let mut xv = unsafe { _mm512_maskz_loadu_ps(m16, xp.add(i)) };
        if unscaled {
            xv = _mm512_mul_ps(xv, pow);
            hi = _mm512_max_ps(xv, hi);
            lo = _mm512_min_ps(xv, lo);
        }
        for (r, av) in a.iter_mut().enumerate() {
            let mut buf = [0u8; 16];
            buf[..n].copy_from_slice(&codes[r][i..i + n]);
            if buf[..n].iter().any(|&c| c & special as u8 == special as u8) {
                bad = 1;
            }
            // SAFETY: 16 bytes of `buf`.
            let mut w = decode(unsafe { _mm_loadu_si128(buf.as_ptr().cast()) });
            if let Some((s, v)) = scales {
                w = _mm512_mul_ps(w, scale(s[r * nb + i / v]));
            }
            *av = _mm512_mask3_fmadd_ps(w, xv, *av, m16);
        }
        i += n;
    }
    if bad != 0 {
        return Fp8Run::Special;
    }
    if FOLD {
        let over = _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(hi, _mm512_set1_ps(f32::INFINITY))
            | _mm512_cmp_ps_mask::<_CMP_EQ_OQ>(lo, _mm512_set1_ps(f32::NEG_INFINITY));
        if sover || over != 0 {
            return Fp8Run::Overflow;
        }
    }
    for (r, av) in a.iter().enumerate() {
        // SAFETY: 16 f32 of a `[f32; 16]`.
        unsafe { _mm512_storeu_ps(acc[r].as_mut_ptr(), *av) };
    }
    Fp8Run::Done
}

// ---------------------------------------------------------------------------------------------
// Dense f32 GEMM (`crate::kernels::DenseMatrix`): register tiles of independent FMA chains
// ---------------------------------------------------------------------------------------------
//
// Twins of `super::kernels::dense_gemm_body`. Every output is one chain `acc = b`,
// `acc = fma(w_k, x_k, acc)` in increasing `k`, in one lane of one register from start to end;
// a tile holds `J` activation rows × `NP` 16-row panels of such chains (`J · NP` registers of
// 16 lanes on AVX-512, twice as many halves on AVX2), each step loads the panel rows of `w`
// once and broadcasts each `x_j,k` once. The tiles change only which chains run side by side,
// so the bits are those of the portable body.

/// The dense GEMM of [`super::kernels::dense_gemm`] (same arguments) on AVX-512F or AVX2+FMA;
/// `false` when `backend` is portable or this CPU has neither.
#[allow(clippy::too_many_arguments)]
pub(crate) fn dense_gemm(
    backend: Backend,
    w: &[f32],
    bias: &[f32],
    x: &[f32],
    k: usize,
    m: usize,
    y: &mut [f32],
    rows: usize,
) -> bool {
    let panels = rows.div_ceil(LANES);
    assert!(w.len() >= panels * k * LANES && bias.len() >= panels * LANES);
    assert!(x.len() >= m * k && y.len() >= m * rows);
    match backend {
        // SAFETY: the CPU has AVX-512F (checked); the lengths are asserted above.
        Backend::Avx512 if has_avx512f() => unsafe {
            dense_512(w.as_ptr(), bias.as_ptr(), x.as_ptr(), k, m, y.as_mut_ptr(), rows)
        },
        // SAFETY: the CPU has AVX2 and FMA (checked); the lengths are asserted above.
        Backend::Avx2 | Backend::Avx512 if has_avx2_fma() => unsafe {
            dense_256(w.as_ptr(), bias.as_ptr(), x.as_ptr(), k, m, y.as_mut_ptr(), rows)
        },
        _ => return false,
    }
    true
}

/// Panels `$p .. $p + $np` against every activation row, in tiles of the listed heights
/// (largest first, then the smaller ones for the tail); `$tile::<J, NP>` runs one tile.
macro_rules! dense_run {
    ($tile:ident, $np:literal, $p:expr, $w:ident, $bias:ident, $x:ident, $k:ident, $m:ident, $y:ident, $rows:ident;
     $($j:literal),+) => {{
        let p: usize = $p;
        let nr = $rows - p * LANES;
        let (wp, bp) = ($w.add(p * $k * LANES), $bias.add(p * LANES));
        let mut j = 0;
        $(
            while $m - j >= $j {
                // SAFETY: rows `j .. j + J` of `x` and `y`, panels `p .. p + NP`: all in
                // bounds (the caller's lengths).
                unsafe { $tile::<$j, $np>(wp, bp, $x.add(j * $k), $k, $y.add(j * $rows + p * LANES), $rows, nr) };
                j += $j;
            }
        )+
    }};
}

/// # Safety
/// AVX-512F; the slices behind the pointers as [`dense_gemm`] asserts.
#[target_feature(enable = "avx512f")]
unsafe fn dense_512(w: *const f32, bias: *const f32, x: *const f32, k: usize, m: usize, y: *mut f32, rows: usize) {
    // Two panels × eight rows (16 accumulators, two weight loads and eight broadcasts per step)
    // while two panels are left, else one panel × twelve rows: enough independent chains to
    // cover the FMA latency on both FMA pipes, well inside the 32 registers.
    let panels = rows.div_ceil(LANES);
    let mut p = 0;
    while p < panels {
        if panels - p >= 2 {
            dense_run!(dense_tile_512, 2, p, w, bias, x, k, m, y, rows; 8, 4, 2, 1);
            p += 2;
        } else {
            dense_run!(dense_tile_512, 1, p, w, bias, x, k, m, y, rows; 12, 8, 4, 2, 1);
            p += 1;
        }
    }
}

/// One tile: `J` activation rows (`x`, row `jj` at `jj · k`) against the `NP` panels at `w`
/// (panel `q` at `q · k · 16`, `[k][lane]`) from the biases at `bias`; lanes below `nr` (counted
/// over the `NP · 16`) stored at `y` (row `jj` at `jj · rows`).
///
/// # Safety
/// AVX-512F; `w` holds `NP · k · 16` values, `bias` `NP · 16`, `x` `J · k`, and `y` the
/// `min(nr, NP · 16)` first values of each of its `J` rows.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn dense_tile_512<const J: usize, const NP: usize>(
    w: *const f32,
    bias: *const f32,
    x: *const f32,
    k: usize,
    y: *mut f32,
    rows: usize,
    nr: usize,
) {
    // SAFETY (whole body): every access stays inside the ranges the contract gives.
    unsafe {
        let b: [__m512; NP] = core::array::from_fn(|q| _mm512_loadu_ps(bias.add(q * LANES)));
        let mut acc = [b; J];
        for kk in 0..k {
            let wv: [__m512; NP] = core::array::from_fn(|q| _mm512_loadu_ps(w.add((q * k + kk) * LANES)));
            for (jj, a) in acc.iter_mut().enumerate() {
                let xv = _mm512_set1_ps(*x.add(jj * k + kk));
                for (aq, wq) in a.iter_mut().zip(&wv) {
                    *aq = _mm512_fmadd_ps(*wq, xv, *aq);
                }
            }
        }
        for (jj, a) in acc.iter().enumerate() {
            for (q, aq) in a.iter().enumerate() {
                let n = nr.saturating_sub(q * LANES).min(LANES);
                let mask = if n == LANES { u16::MAX } else { ((1u32 << n) - 1) as u16 };
                _mm512_mask_storeu_ps(y.add(jj * rows + q * LANES), mask, *aq);
            }
        }
    }
}

/// # Safety
/// AVX2 and FMA; the slices behind the pointers as [`dense_gemm`] asserts.
#[target_feature(enable = "avx2,fma")]
unsafe fn dense_256(w: *const f32, bias: *const f32, x: *const f32, k: usize, m: usize, y: *mut f32, rows: usize) {
    // One panel at a time: six rows × two halves fill twelve of the sixteen registers (two
    // panels at once would leave room for only two rows, fewer chains in flight).
    for p in 0..rows.div_ceil(LANES) {
        dense_run!(dense_tile_256, 1, p, w, bias, x, k, m, y, rows; 6, 4, 2, 1);
    }
}

/// [`dense_tile_512`] on AVX2: each 16-lane panel row in two 8-lane halves.
///
/// # Safety
/// AVX2 and FMA; the pointers as [`dense_tile_512`].
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn dense_tile_256<const J: usize, const NP: usize>(
    w: *const f32,
    bias: *const f32,
    x: *const f32,
    k: usize,
    y: *mut f32,
    rows: usize,
    nr: usize,
) {
    // SAFETY (whole body): every access stays inside the ranges the contract gives.
    unsafe {
        let b: [[__m256; 2]; NP] =
            core::array::from_fn(|q| [_mm256_loadu_ps(bias.add(q * LANES)), _mm256_loadu_ps(bias.add(q * LANES + 8))]);
        let mut acc = [b; J];
        for kk in 0..k {
            let wv: [[__m256; 2]; NP] = core::array::from_fn(|q| {
                let p = w.add((q * k + kk) * LANES);
                [_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))]
            });
            for (jj, a) in acc.iter_mut().enumerate() {
                let xv = _mm256_set1_ps(*x.add(jj * k + kk));
                for (aq, wq) in a.iter_mut().zip(&wv) {
                    aq[0] = _mm256_fmadd_ps(wq[0], xv, aq[0]);
                    aq[1] = _mm256_fmadd_ps(wq[1], xv, aq[1]);
                }
            }
        }
        for (jj, a) in acc.iter().enumerate() {
            for (q, aq) in a.iter().enumerate() {
                let n = nr.saturating_sub(q * LANES).min(LANES);
                let out = y.add(jj * rows + q * LANES);
                if n == LANES {
                    _mm256_storeu_ps(out, aq[0]);
                    _mm256_storeu_ps(out.add(8), aq[1]);
                } else {
                    let mut t = [0f32; LANES];
                    _mm256_storeu_ps(t.as_mut_ptr(), aq[0]);
                    _mm256_storeu_ps(t.as_mut_ptr().add(8), aq[1]);
                    core::ptr::copy_nonoverlapping(t.as_ptr(), out, n);
                }
            }
        }
    }
}

/// The AVX-512 VNNI twin of `kernels::conv::gemm_portable` (the folded sums before the row
/// scale, `out[j · 16·ng + i]`); `false` (nothing written) on another backend or CPU.
///
/// Register tile: `R` activation rows × one group of 16 weight rows. Per four `k`, one load of
/// the packed weights (16 rows × 4 bytes) and one `vpdpbusd` per activation row against its
/// four bytes broadcast: lane `l` gains the exact `Σ (q_x + 128) · q_w` of row `l`. At the end
/// of each block the lanes take the documented `f32` steps lane-wise.
pub(crate) fn conv_gemm(
    backend: Backend,
    w: &crate::kernels::conv::PackedWeights,
    a: &crate::kernels::conv::PackedActs,
    out: &mut [f32],
) -> bool {
    if effective_int(backend) != Backend::Avx512 {
        return false;
    }
    let ws = w.ng * 16;
    assert!(
        out.len() >= a.m * ws
            && a.x.len() == a.m * w.kq * 4
            && a.sx.len() == a.m * w.nb
            && w.w.len() == w.ng * w.kq * 64
            && w.wsum.len() == w.ng * w.nb * 16
            && w.sw.len() == w.ng * w.nb * 16
            && a.kq == w.kq
            && a.nb == w.nb
            && w.v.is_multiple_of(4)
            && w.v > 0
            && w.kq.div_ceil(w.v / 4) <= w.nb.max(1),
        "conv_gemm shapes"
    );
    let mut j = 0;
    while j < a.m {
        let r = a.m - j;
        for g in 0..w.ng {
            // SAFETY: `effective_int` found AVX-512F/BW/VNNI; the lengths are asserted above and
            // rows `j .. j + R` exist (R ≤ r).
            unsafe {
                match r {
                    8.. => conv_tile_512::<8>(w, a, j, g, out),
                    4..=7 => conv_tile_512::<4>(w, a, j, g, out),
                    2..=3 => conv_tile_512::<2>(w, a, j, g, out),
                    _ => conv_tile_512::<1>(w, a, j, g, out),
                }
            }
        }
        j += match r {
            8.. => 8,
            4..=7 => 4,
            2..=3 => 2,
            _ => 1,
        };
    }
    true
}

/// # Safety
/// AVX-512F/BW/VNNI; the lengths [`conv_gemm`] asserts, `j + R ≤ a.m`, `g < w.ng`.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
#[allow(clippy::needless_range_loop)] // the register-blocked loops index several arrays at once
unsafe fn conv_tile_512<const R: usize>(
    w: &crate::kernels::conv::PackedWeights,
    a: &crate::kernels::conv::PackedActs,
    j: usize,
    g: usize,
    out: &mut [f32],
) {
    let (kq, nb, qv) = (w.kq, w.nb, w.v / 4);
    let xs = kq * 4;
    let wp = w.w.as_ptr().add(g * kq * 64);
    let xp = a.x.as_ptr().add(j * xs);
    let zero = _mm512_setzero_ps();
    // The sixteen f32 accumulators of each output, lane-wise. Slot `b % 16` is first written at
    // block `b < 16` (as `+0 + t`) and only read after; slots at or past `nb` are never touched,
    // so nothing is initialized up front (zeroing 16·R registers' worth of stack per tile costs
    // more than the dot products of a small conv).
    let mut acc = [[core::mem::MaybeUninit::<__m512>::uninit(); LANES]; R];
    for b in 0..nb {
        let (q0, q1) = (b * qv, ((b + 1) * qv).min(kq));
        let mut d = [_mm512_setzero_si512(); R];
        for q in q0..q1 {
            let wv = _mm512_loadu_si512(wp.add(q * 64).cast());
            for r in 0..R {
                let xv = _mm512_set1_epi32(core::ptr::read_unaligned(xp.add(r * xs + 4 * q).cast::<i32>()));
                d[r] = _mm512_dpbusd_epi32(d[r], xv, wv);
            }
        }
        let o = (g * nb + b) * 16;
        let corr = _mm512_loadu_si512(w.wsum.as_ptr().add(o).cast());
        let sw = _mm512_loadu_ps(w.sw.as_ptr().add(o));
        for r in 0..R {
            let dv = _mm512_sub_epi32(d[r], corr);
            let s = _mm512_mul_ps(sw, _mm512_set1_ps(*a.sx.get_unchecked((j + r) * nb + b)));
            let t = _mm512_mul_ps(_mm512_cvtepi32_ps(dv), s);
            let slot = &mut acc[r][b % LANES];
            // SAFETY: for `b ≥ 16` the slot was written at block `b − 16`.
            let prev = if b < LANES { zero } else { slot.assume_init() };
            slot.write(_mm512_add_ps(prev, t));
        }
    }
    // The fold over the slots in use: slots at or past `nb` hold +0, and adding +0 changes no
    // accumulator (none is −0: each is a sum that started from +0), so they are skipped.
    let ws = w.ng * 16;
    for r in 0..R {
        let a = &mut acc[r];
        let mut live = nb.min(LANES);
        let mut h = LANES / 2;
        while h > 0 {
            for i in 0..h {
                if i + h < live {
                    // SAFETY: slots below `live ≤ min(nb, 16)` were written by the block loop.
                    let s = _mm512_add_ps(a[i].assume_init(), a[i + h].assume_init());
                    a[i].write(s);
                }
            }
            live = live.min(h);
            h /= 2;
        }
        // SAFETY: with `nb ≥ 1`, slot 0 was written at block 0.
        let res = if nb == 0 { zero } else { a[0].assume_init() };
        _mm512_storeu_ps(out.as_mut_ptr().add((j + r) * ws + g * 16), res);
    }
}

/// `out[c · stride + i] = raw[i · ng + c]` for `c < c16`, `i < r16` (both multiples of 16), in
/// 16 × 16 tiles: sixteen rows loaded, transposed in registers (32-bit unpacks, 64-bit
/// shuffles within 128-bit lanes, then two rounds of 128-bit lane shuffles), sixteen channel
/// runs stored. Values are moved, never computed.
pub(crate) fn transpose_512(raw: &[f32], ng: usize, c16: usize, r16: usize, out: &mut [f32], stride: usize) {
    assert!(has_avx512f() && c16.is_multiple_of(16) && r16.is_multiple_of(16) && c16 <= ng);
    if c16 == 0 || r16 == 0 {
        return;
    }
    assert!(raw.len() >= (r16 - 1) * ng + c16 && out.len() >= (c16 - 1) * stride + r16);
    // SAFETY: AVX-512F checked; tile (c0, i0) reads `raw[(i0 + r)·ng + c0 ..][..16]` for r < 16
    // and writes `out[(c0 + c)·stride + i0 ..][..16]` for c < 16, inside the asserted lengths.
    unsafe { transpose_512_tiles(raw.as_ptr(), ng, c16, r16, out.as_mut_ptr(), stride) }
}

/// # Safety
/// AVX-512F; `raw` readable at `(i·ng + c)` and `out` writable at `(c·stride + i)` for
/// `i < r16`, `c < c16`.
#[target_feature(enable = "avx512f")]
unsafe fn transpose_512_tiles(raw: *const f32, ng: usize, c16: usize, r16: usize, out: *mut f32, stride: usize) {
    for c0 in (0..c16).step_by(16) {
        for i0 in (0..r16).step_by(16) {
            // SAFETY: the caller's bounds.
            let r: [__m512; 16] = core::array::from_fn(|k| unsafe { _mm512_loadu_ps(raw.add((i0 + k) * ng + c0)) });
            // u[4q + j]: in 128-bit lane k, column 4k + j of rows 4q .. 4q + 3.
            let mut u = [_mm512_setzero_ps(); 16];
            for q in 0..4 {
                let tl = _mm512_unpacklo_ps(r[4 * q], r[4 * q + 1]);
                let th = _mm512_unpackhi_ps(r[4 * q], r[4 * q + 1]);
                let sl = _mm512_unpacklo_ps(r[4 * q + 2], r[4 * q + 3]);
                let sh = _mm512_unpackhi_ps(r[4 * q + 2], r[4 * q + 3]);
                u[4 * q] = _mm512_shuffle_ps::<0x44>(tl, sl);
                u[4 * q + 1] = _mm512_shuffle_ps::<0xEE>(tl, sl);
                u[4 * q + 2] = _mm512_shuffle_ps::<0x44>(th, sh);
                u[4 * q + 3] = _mm512_shuffle_ps::<0xEE>(th, sh);
            }
            for j in 0..4 {
                // A 4 × 4 transpose of 128-bit lanes: column 4k + j takes lane k of u[4q + j]
                // into its lane q.
                let v0 = _mm512_shuffle_f32x4::<0x88>(u[j], u[4 + j]);
                let v1 = _mm512_shuffle_f32x4::<0xDD>(u[j], u[4 + j]);
                let v2 = _mm512_shuffle_f32x4::<0x88>(u[8 + j], u[12 + j]);
                let v3 = _mm512_shuffle_f32x4::<0xDD>(u[8 + j], u[12 + j]);
                let cols = [
                    _mm512_shuffle_f32x4::<0x88>(v0, v2),
                    _mm512_shuffle_f32x4::<0x88>(v1, v3),
                    _mm512_shuffle_f32x4::<0xDD>(v0, v2),
                    _mm512_shuffle_f32x4::<0xDD>(v1, v3),
                ];
                for (k, col) in cols.into_iter().enumerate() {
                    // SAFETY: the caller's bounds.
                    unsafe { _mm512_storeu_ps(out.add((c0 + 4 * k + j) * stride + i0), col) };
                }
            }
        }
    }
}

#[cfg(test)]
mod fp8_tests {
    use super::*;
    use crate::bulk::FastSpec;

    /// `fp8_fma_rows` against table decode, the block-scale product, then lane FMA chains in
    /// `f32`: every finite code, subnormal and huge `x` (the `2^8` fold's overflow fallback),
    /// tiny and huge scales.
    #[test]
    fn fp8_fma_rows_match_scalar_chains() {
        if !has_vnni() {
            return;
        }
        let mut r = crate::rng::SplitMix64::new(3);
        for e5 in [false, true] {
            let table = if e5 {
                &<crate::minifloat::E5M2 as FastSpec>::TABLE
            } else {
                &<crate::minifloat::E4M3FN as FastSpec>::TABLE
            };
            let special = if e5 { 0x7c } else { 0x7f };
            for k in [16usize, 64, 200, 256] {
                for big in [0.0f32, 2f32.powi(121), 3.0e38] {
                    let codes: Vec<Vec<u8>> = (0..4)
                        .map(|_| {
                            (0..k)
                                .map(|_| loop {
                                    let c = r.next_u32() as u8;
                                    if c & special != special {
                                        break c;
                                    }
                                })
                                .collect()
                        })
                        .collect();
                    let mut x: Vec<f32> = (0..k)
                        .map(|_| {
                            let e = (r.next_u32() % 60) as i32 - 30;
                            f32::from_bits(r.next_u32() & 0x807f_ffff | 0x3f80_0000) * 2f32.powi(e)
                        })
                        .collect();
                    x[k / 3] = 1e-40;
                    if big != 0.0 {
                        x[k - 1] = -big;
                    }
                    let nbk = k.div_ceil(16);
                    let mut s: Vec<f32> = (0..4 * nbk).map(|i| 2f32.powi((i % 7) as i32 - 3) * 1.3).collect();
                    s[0] = 1e-39;
                    if big != 0.0 {
                        s[nbk - 1] = big;
                    }
                    let rows: Vec<&[u8]> = codes.iter().map(|c| c.as_slice()).collect();
                    for scaled in [false, true] {
                        let sc = scaled.then_some((s.as_slice(), 16));
                        let mut acc = [[0f32; LANES]; 4];
                        assert!(fp8_fma_rows(e5, &rows, k, &x, sc, &mut acc));
                        for rr in 0..4 {
                            let mut want = [0f32; LANES];
                            for i in 0..k {
                                let mut w = f32::from_bits(table[codes[rr][i] as usize]);
                                if scaled {
                                    w *= s[rr * nbk + i / 16];
                                }
                                want[i % 16] = w.mul_add(x[i], want[i % 16]);
                            }
                            for (a, b) in acc[rr].iter().zip(&want) {
                                assert!(
                                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                                    "e5 {e5} k {k} big {big} scaled {scaled} row {rr}: {a} vs {b}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod twin_tests {
    use super::*;

    /// The `vpermb` build of the VNNI GEMV kernel and the INT4-by-arithmetic build give the
    /// same exact block sums as the `vpshufb` build (which only CPUs without VBMI run for E2M1,
    /// so the dispatch tests here never reach it), for both 4-bit tables, every leaf count,
    /// 1–4 activation rows and an odd number of weight rows, on random codes with every
    /// nibble value and extreme activations.
    #[test]
    fn vpermb_and_pshufb_kernels_agree() {
        if !has_vbmi() {
            println!("SKIPPED: this CPU has no AVX-512 VBMI");
            return;
        }
        let mut rnd = crate::rng::SplitMix64::new(11);
        let tables: [(&[u8; 16], i32); 2] = [(&crate::kernels::int::INT4_LUT, 8), (&crate::kernels::int::E2M1_LUT, 12)];
        for (lut, offset) in tables {
            for v in [8usize, 16, 32, 64, 128, 256] {
                let l = leaves(IntWeights::Nibbles { lut, offset }, v).expect("a fast-path length");
                for rows in 1..=4usize {
                    let (wrows, nchunks) = (3usize, 2usize);
                    let n = nchunks * LANES;
                    let wstride = n * v / 2 + 64;
                    let codes: Vec<u8> = (0..wrows * wstride).map(|_| rnd.next_u32() as u8).collect();
                    let xs = n * v + 32;
                    let x: Vec<i8> = (0..rows * xs)
                        .map(|i| match i % 97 {
                            0 => 127,
                            1 => -127,
                            _ => rnd.next_u32() as i8 / 2,
                        })
                        .collect();
                    let xsum: Vec<i32> = (0..rows * n).map(|_| (rnd.next_u32() % 4000) as i32 - 2000).collect();
                    let a = Args { codes: &codes, wrows, wstride, v, l, nchunks, x: &x, xs, xsum: &xsum, ss: n };
                    let w = IntWeights::Nibbles { lut, offset };
                    // 0: vpshufb, one weight row at a time; 1: vpermb, two rows interleaved;
                    // 2: INT4 by arithmetic, two rows.
                    let run = |kernel: u8| {
                        let mut d = vec![0i32; wrows * rows * n];
                        let mut out = Out::Dots { d: &mut d, ds: n };
                        macro_rules! call {
                            ($r:literal, $lc:literal) => {
                                // SAFETY: VBMI (hence VNNI) checked above; the slices hold
                                // what the kernel reads and writes for these shapes.
                                unsafe {
                                    match kernel {
                                        0 => dots_vnni::<$r, true, $lc, 1>(w, &a, &mut out),
                                        1 => dots_vnni_vbmi::<$r, true, $lc, 2>(w, &a, &mut out),
                                        _ => dots_vnni_int4::<$r, true, $lc, 2>(w, &a, &mut out),
                                    }
                                }
                            };
                        }
                        macro_rules! by_l {
                            ($r:literal) => {
                                match l {
                                    1 => call!($r, 1),
                                    2 => call!($r, 2),
                                    4 => call!($r, 4),
                                    8 => call!($r, 8),
                                    _ => call!($r, 16),
                                }
                            };
                        }
                        match rows {
                            1 => by_l!(1),
                            2 => by_l!(2),
                            3 => by_l!(3),
                            _ => by_l!(4),
                        }
                        d
                    };
                    let base = run(0);
                    assert_eq!(run(1), base, "vpermb: offset {offset} v {v} rows {rows}");
                    if is_int4(w) {
                        assert_eq!(run(2), base, "INT4 arithmetic: v {v} rows {rows}");
                    }
                }
            }
        }
    }

    /// The AVX-512 tiles move every value where the portable transpose does, on shapes with
    /// and without partial tiles, with distinct values (so any misplaced one shows).
    #[test]
    fn transpose_512_equals_portable() {
        if !has_avx512f() {
            println!("SKIPPED: this CPU has no AVX-512F");
            return;
        }
        for &(ng, rows) in &[(16usize, 16usize), (32, 64), (16, 7), (48, 35), (20, 33), (5, 40), (64, 1), (0, 5)] {
            let stride = rows + 3;
            let raw: Vec<f32> = (0..rows * ng).map(|i| i as f32 + 0.5).collect();
            let mut want = vec![-1f32; ng * stride];
            for c in 0..ng {
                for i in 0..rows {
                    want[c * stride + i] = raw[i * ng + c];
                }
            }
            for be in [Backend::Avx512, Backend::Avx2, Backend::Portable] {
                let mut got = vec![-1f32; ng * stride];
                crate::arch::kernels::transpose_into(be, &raw, ng, rows, &mut got, stride);
                assert_eq!(got, want, "ng {ng} rows {rows} on {be:?}");
            }
        }
    }
}
