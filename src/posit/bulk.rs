//! Element-wise posit arithmetic on slices: `out[i] = a[i] ∘ b[i]` for `+ − × ÷` and
//! `out[i] = √a[i]`, bit for bit the scalar operators' results (nearest-even; NaR in, NaR out).
//!
//! The loops are the scalar kernels, compiled with their 0/NaR path inlined (see the header of
//! the `fast` kernels), so the compiler can turn them into branch-free vector code. On x86-64
//! with `std` they are compiled again for AVX2 and AVX-512F and the best one the CPU supports
//! is picked at run time ([`Backend::best`]); the `*_on` variants take the backend explicitly
//! (an unsupported one falls back to the portable loop). Posits of 8 bits or fewer read the
//! same result tables as the operators.
//!
//! The slices must have equal lengths, else [`LengthMismatch`] is returned and `out` is left
//! untouched: for `a` and `b` it reports `src: a.len(), dst: b.len()`, for the output
//! `src: a.len(), dst: out.len()`.
//!
//! ```
//! use lowp::{posit::bulk, P32};
//! let a = [P32::from_f64(1.5), P32::from_f64(-2.0), P32::nar()];
//! let b = [P32::from_f64(0.25), P32::from_f64(3.0), P32::from_f64(1.0)];
//! let mut out = [P32::default(); 3];
//! bulk::mul(&a, &b, &mut out)?;
//! assert_eq!(out, [a[0] * b[0], a[1] * b[1], P32::nar()]);
//! # Ok::<(), lowp::bulk::LengthMismatch>(())
//! ```

use super::{Posit, Width, WidthStorage};
use crate::bulk::{Backend, LengthMismatch};

/// The operations of [`binary_body`] (its `OP` parameter).
pub(crate) const ADD: u8 = 0;
/// `a − b`.
pub(crate) const SUB: u8 = 1;
/// `a · b`.
pub(crate) const MUL: u8 = 2;
/// `a / b`.
pub(crate) const DIV: u8 = 3;

/// `out[i] = a[i] OP b[i]` over the common length, with the kernels' special path inlined.
/// Compiled as is for [`Backend::Portable`] and again under `#[target_feature]` for the
/// others (`crate::arch`), so it must stay `#[inline(always)]`.
#[inline(always)]
pub(crate) fn binary_body<const N: u32, const ES: u32, const OP: u8>(
    a: &[Posit<N, ES>],
    b: &[Posit<N, ES>],
    out: &mut [Posit<N, ES>],
) where
    Width<N>: WidthStorage,
{
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        let (x, y) = (x.code(), y.code());
        let r = match OP {
            ADD => super::add_code::<N, ES, true>(x, y),
            // `x + (−y)`, as the `Sub` operator: negation is exact.
            SUB => super::add_code::<N, ES, true>(x, y.wrapping_neg() & Posit::<N, ES>::MASK),
            MUL => super::mul_code::<N, ES, true>(x, y),
            _ => super::div_code::<N, ES, true>(x, y),
        };
        *o = Posit::from_code(r);
    }
}

/// `out[i] = √a[i]` over the common length ([`binary_body`]'s unary twin).
#[inline(always)]
pub(crate) fn sqrt_body<const N: u32, const ES: u32>(a: &[Posit<N, ES>], out: &mut [Posit<N, ES>])
where
    Width<N>: WidthStorage,
{
    for (o, &x) in out.iter_mut().zip(a) {
        *o = Posit::from_code(super::sqrt_code::<N, ES>(x.code()));
    }
}

#[inline]
fn check(a: usize, b: usize) -> Result<(), LengthMismatch> {
    if a == b {
        Ok(())
    } else {
        Err(LengthMismatch { src: a, dst: b })
    }
}

#[inline]
fn binary_on<const N: u32, const ES: u32, const OP: u8>(
    backend: Backend,
    a: &[Posit<N, ES>],
    b: &[Posit<N, ES>],
    out: &mut [Posit<N, ES>],
) -> Result<(), LengthMismatch>
where
    Width<N>: WidthStorage,
{
    check(a.len(), b.len())?;
    check(a.len(), out.len())?;
    // N ≤ 8 reads result tables: vectorised, the `×` and `÷` loads become gathers, measured
    // slower than the scalar loads (posit8 `×`: 0.76 against 0.45 ns/op with AVX-512F), so
    // those stay portable (`+` and `√` gain a little: 0.71 against 0.85 ns/op for `+`).
    let backend = if N <= 8 && (OP == MUL || OP == DIV) { Backend::Portable } else { backend };
    posit_binary::<N, ES, OP>(backend, a, b, out);
    Ok(())
}

macro_rules! binary {
    ($name:ident, $name_on:ident, $OP:ident, $sym:tt, $what:literal) => {
        #[doc = concat!("`out[i] = a[i] ", stringify!($sym), " b[i]` (", $what, "), on the fastest backend this CPU supports.")]
        ///
        /// Bit for bit the scalar operator's results. All three slices must have the same
        /// length (else [`LengthMismatch`], nothing written).
        ///
        /// ```
        /// use lowp::{posit::bulk, P16};
        /// let a: Vec<P16> = (0..100u16).map(|i| P16::from_bits(i.wrapping_mul(977))).collect();
        /// let b: Vec<P16> = (0..100u16).map(|i| P16::from_bits(i.wrapping_mul(3251))).collect();
        /// let mut out = vec![P16::default(); 100];
        #[doc = concat!("bulk::", stringify!($name), "(&a, &b, &mut out)?;")]
        /// for i in 0..100 {
        #[doc = concat!("    assert_eq!(out[i], a[i] ", stringify!($sym), " b[i]);")]
        /// }
        #[doc = concat!("assert!(bulk::", stringify!($name), "(&a, &b[..99], &mut out).is_err());")]
        /// # Ok::<(), lowp::bulk::LengthMismatch>(())
        /// ```
        #[inline]
        pub fn $name<const N: u32, const ES: u32>(
            a: &[Posit<N, ES>],
            b: &[Posit<N, ES>],
            out: &mut [Posit<N, ES>],
        ) -> Result<(), LengthMismatch>
        where
            Width<N>: WidthStorage,
        {
            binary_on::<N, ES, $OP>(Backend::best(), a, b, out)
        }

        #[doc = concat!("[`", stringify!($name), "`] on a given backend (an unsupported one runs the portable loop); for tests and benchmarks.")]
        ///
        /// ```
        /// use lowp::{bulk::Backend, posit::bulk, P32};
        /// let a = [P32::from_f64(3.0); 5];
        /// let b = [P32::from_f64(0.1); 5];
        /// let (mut x, mut y) = ([P32::default(); 5], [P32::default(); 5]);
        #[doc = concat!("bulk::", stringify!($name_on), "(Backend::Portable, &a, &b, &mut x)?;")]
        #[doc = concat!("bulk::", stringify!($name_on), "(Backend::best(), &a, &b, &mut y)?;")]
        /// assert_eq!(x, y);
        /// # Ok::<(), lowp::bulk::LengthMismatch>(())
        /// ```
        #[inline]
        pub fn $name_on<const N: u32, const ES: u32>(
            backend: Backend,
            a: &[Posit<N, ES>],
            b: &[Posit<N, ES>],
            out: &mut [Posit<N, ES>],
        ) -> Result<(), LengthMismatch>
        where
            Width<N>: WidthStorage,
        {
            binary_on::<N, ES, $OP>(backend, a, b, out)
        }
    };
}

binary!(add, add_on, ADD, +, "sum");
binary!(sub, sub_on, SUB, -, "difference");
binary!(mul, mul_on, MUL, *, "product");
binary!(div, div_on, DIV, /, "quotient; x/0 is NaR");

/// `out[i] = √a[i]` (NaR for NaR and negative operands), on the fastest backend this CPU
/// supports. Bit for bit [`LowpFloat::sqrt`](crate::LowpFloat::sqrt); the slices must have the
/// same length (else [`LengthMismatch`], nothing written).
///
/// ```
/// use lowp::{posit::bulk, LowpFloat, P32};
/// let a = [P32::from_f64(2.0), P32::from_f64(-1.0), P32::from_f64(0.0)];
/// let mut out = [P32::default(); 3];
/// bulk::sqrt(&a, &mut out)?;
/// assert_eq!(out, [a[0].sqrt(), P32::nar(), P32::from_f64(0.0)]);
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn sqrt<const N: u32, const ES: u32>(a: &[Posit<N, ES>], out: &mut [Posit<N, ES>]) -> Result<(), LengthMismatch>
where
    Width<N>: WidthStorage,
{
    sqrt_on(Backend::best(), a, out)
}

/// [`sqrt`] on a given backend (an unsupported one runs the portable loop); for tests and
/// benchmarks.
///
/// ```
/// use lowp::{bulk::Backend, posit::bulk, P16};
/// let a: Vec<P16> = (0..=u16::MAX).map(P16::from_bits).collect();
/// let (mut x, mut y) = (vec![P16::default(); a.len()], vec![P16::default(); a.len()]);
/// bulk::sqrt_on(Backend::Portable, &a, &mut x)?;
/// bulk::sqrt_on(Backend::best(), &a, &mut y)?;
/// assert_eq!(x, y);
/// # Ok::<(), lowp::bulk::LengthMismatch>(())
/// ```
#[inline]
pub fn sqrt_on<const N: u32, const ES: u32>(
    backend: Backend,
    a: &[Posit<N, ES>],
    out: &mut [Posit<N, ES>],
) -> Result<(), LengthMismatch>
where
    Width<N>: WidthStorage,
{
    check(a.len(), out.len())?;
    posit_sqrt::<N, ES>(backend, a, out);
    Ok(())
}

crate::arch::multiversion! {
    /// `out[i] = a[i] OP b[i]` ([`binary_body`]) on a chosen backend.
    fn posit_binary<const N: u32, const ES: u32, const OP: u8>(a: &[Posit<N, ES>], b: &[Posit<N, ES>], out: &mut [Posit<N, ES>])
        where [Width<N>: WidthStorage] = binary_body;
}

crate::arch::multiversion! {
    /// `out[i] = √a[i]` ([`sqrt_body`]) on a chosen backend.
    fn posit_sqrt<const N: u32, const ES: u32>(a: &[Posit<N, ES>], out: &mut [Posit<N, ES>])
        where [Width<N>: WidthStorage] = sqrt_body;
}
