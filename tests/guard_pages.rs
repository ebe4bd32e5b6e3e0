//! Memory safety as a standing test (issue 10 item 20): every SIMD-backed slice kernel — the
//! bulk conversions, the posit slice operations, block quantization and dequantization, the
//! quantized GEMV kernels, and the dot disciplines — on every backend this CPU has, for every
//! length 0..=300, with each input slice ending exactly at a `PROT_NONE` page (a read past its
//! end faults: the test dies with SIGSEGV) and each destination inside a canary-filled buffer
//! at byte offsets 0..64 from a 64-byte boundary (a write outside it changes a canary).
//!
//! The `unsafe` here is the test's own (mmap/mprotect/munmap and the slices over the
//! mapping); the crate's is in `src/arch`. `scripts/asan.sh` runs this file and the SIMD tests
//! under AddressSanitizer as well.
#![cfg(all(unix, feature = "reference"))]

mod common;

use bytemuck::Pod;
use lowp::block::{BlockMatrix, BlockScaled, BlockVector, Scheme};
use lowp::bulk::{self, Backend};
use lowp::dot::{dot_with, Accumulate};
use lowp::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E4M3, Float8E4M3B11FNUZ, Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2,
    Float8E5M2FNUZ, LowpFloat, Overflow, Rounding, P16, P32, P8,
};

/// An anonymous mapping whose last page is `PROT_NONE`; slices handed out end at that page.
struct Guarded {
    base: *mut u8,
    len: usize,
    page: usize,
}

impl Guarded {
    /// Room for `bytes` bytes before the guard page.
    fn new(bytes: usize) -> Guarded {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let len = bytes.div_ceil(page) * page + page;
        // SAFETY: a fresh private anonymous mapping; the result is checked.
        let base = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED, "mmap");
        // SAFETY: the last page lies inside the mapping just made.
        let r = unsafe { libc::mprotect((base as *mut u8).add(len - page) as *mut _, page, libc::PROT_NONE) };
        assert_eq!(r, 0, "mprotect");
        Guarded { base: base as *mut u8, len, page }
    }

    /// The last `n` elements before the guard page, filled from `data`.
    fn tail<T: Pod>(&mut self, data: &[T]) -> &[T] {
        let bytes = core::mem::size_of_val(data);
        assert!(bytes <= self.len - self.page);
        // SAFETY: the range [guard − bytes, guard) is inside the readable, writable part of the
        // mapping, aligned for T (the guard is page-aligned and `bytes` a multiple of T's size,
        // which is a multiple of its alignment for these Pod types), and borrowed from `self`.
        unsafe {
            let p = self.base.add(self.len - self.page - bytes) as *mut T;
            let s = core::slice::from_raw_parts_mut(p, data.len());
            s.copy_from_slice(data);
            s
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.base as *mut _, self.len) };
    }
}

const CANARY: u8 = 0xa5;

/// Run `f` on a destination of `n` elements of `T` at byte offset `off` (a multiple of T's
/// size) from a 64-byte boundary inside a canary-filled buffer; panic if a canary changed.
fn with_canaries<T: Pod>(n: usize, off: usize, what: &str, f: impl FnOnce(&mut [T])) {
    let size = core::mem::size_of::<T>();
    let total = 64 + off + n * size + 64;
    // A u128 buffer is 16-byte aligned; 64-byte alignment of the start comes from the offset
    // arithmetic below.
    let mut buf = vec![0u128; total.div_ceil(16) + 4];
    let raw: &mut [u8] = bytemuck::cast_slice_mut(&mut buf);
    raw.fill(CANARY);
    let start = (64 - (raw.as_ptr() as usize % 64)) % 64 + off;
    {
        let dst: &mut [T] = bytemuck::cast_slice_mut(&mut raw[start..start + n * size]);
        f(dst);
    }
    let before = raw[..start].iter().position(|&b| b != CANARY);
    let after = raw[start + n * size..].iter().position(|&b| b != CANARY);
    assert!(before.is_none() && after.is_none(), "{what}: n={n} offset={off}: a write outside the destination");
}

fn data(r: &mut common::SplitMix, n: usize) -> Vec<f32> {
    (0..n)
        .map(|_| {
            let u = r.next_u64();
            match u % 8 {
                0 => 0.0,
                1 => f32::from_bits((u >> 32) as u32 & 0x807f_ffff),
                _ => ((u >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 16.0,
            }
        })
        .collect()
}

fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Portable];
    b.extend(common::simd_backends("guard_pages"));
    b
}

/// Byte offsets of the destinations: every one for the cheap kernels.
const OFFSETS: [usize; 16] = [0, 1, 2, 3, 4, 5, 7, 8, 12, 16, 20, 31, 32, 33, 48, 63];

fn bulk_format<T: LowpFloat + Pod>(r: &mut common::SplitMix, backends: &[Backend]) {
    for n in 0..=300 {
        let x = data(r, n);
        let mut g = Guarded::new(n * 4);
        let src = g.tail(&x);
        let codes: Vec<T> = x.iter().map(|&v| T::from_f32(v)).collect();
        let mut gc = Guarded::new(n * core::mem::size_of::<T>());
        let csrc = gc.tail(&codes);
        for &b in backends {
            for off in 0..64 {
                let off_t = off - off % core::mem::size_of::<T>();
                with_canaries::<T>(n, off_t, T::NAME, |dst| {
                    bulk::from_f32_slice_on(
                        b,
                        if off % 2 == 0 { Overflow::NonSaturating } else { Overflow::Saturating },
                        src,
                        dst,
                    )
                    .unwrap()
                });
                let off_f = off - off % 4;
                with_canaries::<f32>(n, off_f, T::NAME, |dst| bulk::to_f32_slice_on(b, csrc, dst).unwrap());
            }
        }
    }
}

#[test]
fn bulk_conversions() {
    let mut r = common::SplitMix::new(common::rng_seed("guard_pages_bulk"));
    let b = backends();
    bulk_format::<Float8E4M3FN>(&mut r, &b);
    bulk_format::<Float8E5M2>(&mut r, &b);
    bulk_format::<Float8E4M3FNUZ>(&mut r, &b);
    bulk_format::<Float8E5M2FNUZ>(&mut r, &b);
    bulk_format::<Float8E4M3B11FNUZ>(&mut r, &b);
    bulk_format::<Float8E4M3>(&mut r, &b);
    bulk_format::<Float6E2M3FN>(&mut r, &b);
    bulk_format::<Float6E3M2FN>(&mut r, &b);
    bulk_format::<Float4E2M1FN>(&mut r, &b);
}

fn posit_slices<const N: u32, const ES: u32>(r: &mut common::SplitMix, backends: &[Backend])
where
    lowp::posit::Width<N>: lowp::posit::WidthStorage,
    lowp::Posit<N, ES>: Pod,
{
    use lowp::posit::bulk as pb;
    type Bin<P> = fn(Backend, &[P], &[P], &mut [P]) -> Result<(), lowp::bulk::LengthMismatch>;
    let ops: [(&str, Bin<lowp::Posit<N, ES>>); 4] =
        [("add", pb::add_on), ("sub", pb::sub_on), ("mul", pb::mul_on), ("div", pb::div_on)];
    for n in 0..=300 {
        let a: Vec<lowp::Posit<N, ES>> = data(r, n).iter().map(|&v| lowp::Posit::from_f32(v)).collect();
        let c: Vec<lowp::Posit<N, ES>> = data(r, n).iter().map(|&v| lowp::Posit::from_f32(v)).collect();
        let size = core::mem::size_of::<lowp::Posit<N, ES>>();
        let (mut ga, mut gb) = (Guarded::new(n * size), Guarded::new(n * size));
        let (sa, sb) = (ga.tail(&a), gb.tail(&c));
        for &b in backends {
            for &off in &OFFSETS {
                let off = off - off % size;
                for (name, op) in ops {
                    with_canaries(n, off, name, |dst| op(b, sa, sb, dst).unwrap());
                }
                with_canaries(n, off, "sqrt", |dst| pb::sqrt_on(b, sa, dst).unwrap());
            }
        }
    }
}

#[test]
fn posit_slice_operations() {
    let mut r = common::SplitMix::new(common::rng_seed("guard_pages_posit"));
    let b = backends();
    posit_slices::<8, 2>(&mut r, &b);
    posit_slices::<16, 2>(&mut r, &b);
    posit_slices::<32, 2>(&mut r, &b);
    posit_slices::<12, 1>(&mut r, &b);
    let _ = (P8::default(), P16::default(), P32::default());
}

#[test]
fn block_quantize_dequantize() {
    let mut r = common::SplitMix::new(common::rng_seed("guard_pages_block"));
    let backends = backends();
    for s in Scheme::catalog() {
        for n in 0..=300 {
            let x = data(&mut r, n);
            let mut g = Guarded::new(n * 4);
            let src = g.tail(&x);
            for &b in &backends {
                let q = BlockVector::quantize_on(b, &s, src).unwrap();
                for off in [0, 4, 28, 60] {
                    with_canaries::<f32>(n, off, "dequantize", |dst| q.dequantize_into_on(b, dst).unwrap());
                }
            }
            // Matrices read their rows from the guarded data too.
            if n >= 3 {
                let cols = n / 3;
                let _ = BlockMatrix::quantize_on(backends[backends.len() - 1], &s, &src[..3 * cols], 3, cols).unwrap();
            }
        }
    }
}

#[test]
fn quantized_gemv() {
    let mut r = common::SplitMix::new(common::rng_seed("guard_pages_gemv"));
    let backends = backends();
    let schemes = [
        "vsq-int4-v64",
        "vsq-int4-v64-s6",
        "vsq-int8-v32",
        "int8-per-row",
        "int4-per-tensor",
        "mxfp4",
        "nvfp4",
        "mxint8",
        "mxfp8-e4m3",
    ];
    for name in schemes {
        let s: Scheme = name.parse().unwrap();
        for k in 0..=300 {
            let rows = 3;
            let w = BlockMatrix::quantize(&s, &data(&mut r, rows * k), rows, k).unwrap();
            let x = data(&mut r, k);
            let mut g = Guarded::new(k * 4);
            let xs = g.tail(&x);
            for &b in &backends {
                for off in [0, 4, 12, 60] {
                    with_canaries::<f32>(rows, off, name, |y| w.gemv_into_on(b, xs, y).unwrap());
                }
                let m = 2;
                let xx: Vec<f32> = [x.clone(), x.clone()].concat();
                let mut gx = Guarded::new(m * k * 4);
                let xm = gx.tail(&xx);
                let y = w.gemm_on(b, xm, m).unwrap();
                assert_eq!(y.len(), m * rows);
            }
        }
    }
}

#[test]
fn dot_disciplines() {
    let mut r = common::SplitMix::new(common::rng_seed("guard_pages_dot"));
    for n in 0..=300 {
        let a: Vec<Float8E4M3FN> = data(&mut r, n).iter().map(|&v| Float8E4M3FN::from_f32(v)).collect();
        let mut g = Guarded::new(n);
        let s = g.tail(&a);
        for how in Accumulate::ALL {
            let _: f32 = dot_with(s, s, how, Rounding::NearestEven, Overflow::NonSaturating).unwrap();
        }
    }
}

/// The guard is real: a child process (this test binary, re-run with `LOWP_GUARD_PROBE`) that
/// reads one element past a guarded slice dies of a signal.
#[test]
fn guard_page_faults() {
    if std::env::var_os("LOWP_GUARD_PROBE").is_some() {
        let mut g = Guarded::new(64);
        let s = g.tail(&[1.0f32; 16]);
        // SAFETY: deliberately not: this reads the first byte of the PROT_NONE page, which
        // faults (the point of the probe).
        let v = unsafe { core::ptr::read_volatile(s.as_ptr().add(16)) };
        println!("read {v} past the end: the guard page is missing");
        std::process::exit(0);
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--exact", "guard_page_faults", "--nocapture", "--test-threads", "1"])
        .env("LOWP_GUARD_PROBE", "1")
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    // SIGSEGV; under AddressSanitizer (scripts/asan.sh) its handler reports the SEGV and aborts.
    let sig = out.status.signal();
    assert!(
        sig == Some(libc::SIGSEGV)
            || (sig == Some(libc::SIGABRT) && String::from_utf8_lossy(&out.stderr).contains("SEGV")),
        "the probe was not stopped by the guard: {out:?}"
    );
}
