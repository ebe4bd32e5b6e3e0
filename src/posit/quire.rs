//! The quire: an exact fixed-point accumulator for sums of posits and of products of posits
//! (Posit Standard 2022, section 3 of `DESIGN.md`), rounded to a posit once.
//!
//! See [`Quire`] for its size and its behaviour with NaR and past capacity.

use core::fmt;
use core::marker::PhantomData;

use super::{Posit, QuireLimbs, Width, WidthStorage};
use crate::exact::Exact;
use crate::format::{LowpFloat, Overflow, Rounding};

// The limb array is the storage's `QuireLimbs` (a power of two, so that masked indices need no
// bounds checks): `[u64; 32]` up to 32 bits — posit<32,4> has `Q = 1952` bits, kept in
// `⌊1952/64⌋ + 2 = 32` limbs — and `[u64; 64]` beyond: posit<64,4> has `Q = 4000` bits, in
// `⌊4000/64⌋ + 2 = 64` limbs. The narrower quires keep the smaller array.

/// `Q = 4·(N − 2)·2^ES + 32`: the quire width in bits.
const fn quire_bits(n: u32, es: u32) -> u32 {
    4 * ((n - 2) << es) + 32
}

/// Limbs in use: a zero limb below the quire's last bit (so that no term ever starts below
/// the array), then enough to hold bit `Q` (one past the sign bit).
const fn quire_limbs(n: u32, es: u32) -> usize {
    (quire_bits(n, es) / 64 + 2) as usize
}

/// Split a posit code (nonzero, not NaR, `n` bits) into `(neg, sig, scale)`: the value is
/// `(-1)^neg · sig · 2^(scale − 31)` with `sig` in `[2^31, 2^32)`. Integer operations only (the
/// regime by a leading-bit count); `const` so that the 8-bit formats can tabulate it.
#[inline(always)]
const fn split(code: u64, n: u32, es: u32) -> (bool, u32, i32) {
    // The same decoder as the arithmetic kernels: magnitude body, then regime/exponent/fraction.
    let (scale, sig) = super::fast::unpack(super::fast::abs_body(code, n), es);
    (code >> (n - 1) & 1 != 0, sig, scale)
}

/// [`split`] for 32 < n ≤ 64: the value is `(-1)^neg · sig · 2^(scale − 63)` with `sig` in
/// `[2^63, 2^64)` (its low 2 + es bits zero).
#[inline(always)]
const fn split64(code: u64, n: u32, es: u32) -> (bool, u64, i32) {
    let (scale, sig) = super::fast64::unpack(super::fast64::abs_body(code, n), es);
    (code >> (n - 1) & 1 != 0, sig, scale)
}

/// [`split`] of every 8-bit code, packed as `sig | (scale as u16) << 32 | neg << 48` (codes 0
/// and NaR give 0 and are never looked up).
const fn split_table(n: u32, es: u32) -> [u64; 256] {
    let mut t = [0u64; 256];
    let mut c = 1u64;
    while c < 1 << n {
        if c != 1 << (n - 1) {
            let (neg, sig, scale) = split(c, n, es);
            t[c as usize] = sig as u64 | (scale as u16 as u64) << 32 | (neg as u64) << 48;
        }
        c += 1;
    }
    t
}

/// The quire of `posit<N, ES>`: an exact two's-complement fixed-point accumulator of
/// `Q = 4·(N − 2)·2^ES + 32` bits (the standard's `16N` for `ES = 2`) that holds any sum of up
/// to 2^31 − 1 products of posits exactly and rounds to a posit once.
///
/// # Size
///
/// With `M = (N - 2) · 2^ES` (maxpos = 2^M, minpos = 2^-M), the quire of `posit<N, ES>` is a
/// `Q = 4M + 32`-bit two's-complement fixed-point number whose least significant bit weighs
/// minpos² = 2^-2M. Its most significant (sign) bit weighs 2^(2M+31), so above the bit of
/// maxpos² = 2^2M there are 30 carry bits and the sign: any sum of up to 2^31 − 1 products of
/// posits (each at most maxpos² in magnitude) is held **exactly**.
/// For the standard's `ES = 2` this is the standard's `16N` bits:
///
/// | type | M | quire bits `Q` |
/// |---|---|---|
/// | posit<8,0> | 6 | 56 |
/// | posit8 (`P8`) | 24 | 128 |
/// | posit<12,1> | 20 | 112 |
/// | posit<16,1> | 28 | 144 |
/// | posit16 (`P16`) | 56 | 256 |
/// | posit32 (`P32`) | 120 | 512 |
/// | posit<32,4> | 480 | 1952 |
/// | posit64 (`P64`) | 248 | 1024 |
/// | posit<64,4> | 992 | 4000 (the largest supported) |
///
/// The value is kept in `⌊Q/64⌋ + 2` 64-bit limbs of a fixed array, `[u64; 32]` for N ≤ 32
/// (sized for posit<32,4>) and `[u64; 64]` for wider posits (sized for posit<64,4>; no
/// allocation, `no_std`): a zero limb below the unit bit (so that a product, which may start
/// up to 62 bits below minpos² where its bits are zeros, always lands inside the array; the
/// 128-bit products of N > 32 are shifted up to the unit bit first), then the value sign-extended above bit `Q − 1`, so that the sum of two in-range
/// values is exact in the limbs and leaving the `Q`-bit range is a check of the top bits.
///
/// # NaR and overflow
///
/// A NaR operand (of [`Quire::add_posit`], [`Quire::add_product`], …, or a NaR quire passed to
/// [`Quire::add_quire`]) makes the quire NaR until [`Quire::clear`]; a NaR quire rounds to NaR.
/// NaR is a flag beside the value (the standard encodes it as the pattern `100…0`; here that
/// pattern is the value −2^(2M+31), so the range is the full `Q`-bit two's-complement one).
///
/// Past capacity — when the running sum leaves that range, `[−2^(2M+31), 2^(2M+31))`, i.e.
/// reaches 2^31·maxpos² in magnitude (−2^31·maxpos² itself still fits) — the quire becomes
/// **overflowed**: sticky, it reads as NaR ([`Quire::is_nar`] is true, [`Quire::to_posit`]
/// gives NaR) until cleared, and [`Quire::is_overflowed`] tells it apart from a NaR input (of
/// NaR and overflow, the first to happen wins). The sum is then no longer known exactly, and a
/// NaR result is preferred to a silently wrapped (wrong) one; rounding to ±maxpos instead would
/// be wrong too whenever later terms bring the sum back into range. This takes more than
/// 2^31 − 1 products of maxpos² magnitude, beyond the standard's guarantee, so it never happens
/// in practice; an intermediate sum that overflows is reported even if the final value would
/// have been back in range (the quire is not a modular accumulator), so the order of the terms
/// can matter there ([`dot`] and [`Quire::add_dot`] add long inputs in chunks of 2^30 products,
/// each chunk summed exactly apart and then added: the range is checked once per chunk).
///
/// # Example
///
/// ```
/// use lowp::{LowpFloat, Quire, P32};
/// let big = P32::from_f64(1e20);
/// let one = P32::from_f64(1.0);
/// let mut q = Quire::<32, 2>::new();
/// q.add_product(big, big);   // about 1e40, exactly (maxpos is 2^120, about 1.3e36)
/// q.add_product(one, one);   // + 1
/// q.sub_product(big, big);   // − 1e40
/// assert_eq!(q.to_posit(), one); // no rounding until the end: exactly 1
/// assert_eq!((big * big + one - big * big).to_f64(), 0.0); // rounding every step loses it
/// ```
pub struct Quire<const N: u32, const ES: u32>
where
    Width<N>: WidthStorage,
{
    /// Little-endian limbs; the first [`Quire::LIMBS`] are in use (the rest stay zero).
    limbs: <Width<N> as WidthStorage>::QuireLimbs,
    /// A NaR operand was seen (sticky until `clear`).
    nar: bool,
    /// The sum left the quire's range before any NaR operand (sticky until `clear`).
    overflow: bool,
    _posit: PhantomData<fn() -> Posit<N, ES>>,
}

impl<const N: u32, const ES: u32> Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    /// The quire's width in bits, `4·(N − 2)·2^ES + 32` (`16N` for the standard's `ES = 2`).
    ///
    /// ```
    /// use lowp::Quire;
    /// assert_eq!(Quire::<8, 2>::BITS, 128);
    /// assert_eq!(Quire::<16, 2>::BITS, 256);
    /// assert_eq!(Quire::<32, 2>::BITS, 512);
    /// assert_eq!(Quire::<8, 0>::BITS, 56);
    /// assert_eq!(Quire::<64, 2>::BITS, 1024);
    /// ```
    pub const BITS: u32 = quire_bits(N, ES);

    /// How many products of any posits (each at most maxpos² in magnitude) are guaranteed to
    /// sum exactly: 2^31 − 1.
    ///
    /// ```
    /// use lowp::Quire;
    /// assert_eq!(Quire::<32, 2>::CAPACITY, (1 << 31) - 1);
    /// ```
    pub const CAPACITY: u64 = (1 << 31) - 1;

    /// 64-bit limbs in use.
    const LIMBS: usize = {
        assert!(ES <= 4, "quires are supported for ES <= 4");
        let l = quire_limbs(N, ES);
        assert!(l <= <<Width<N> as WidthStorage>::QuireLimbs as QuireLimbs>::LEN);
        l
    };
    /// `2M`: the quire's fixed point (its least significant bit weighs 2^-2M = minpos²).
    const FRAC_BITS: i32 = 2 * ((N - 2) << ES) as i32;
    /// Physical bit of the quire's unit bit (its least significant, minpos²): limb 0 lies
    /// below it and stays zero, so every term (which starts at most 62 bits below it, where
    /// only zeros fall) lands inside the array.
    const BASE: i32 = 64;
    /// The limb holding the sign bit `Q − 1`, and the bit's place in it.
    const SIGN_LIMB: usize = ((Self::BITS - 1) / 64 + 1) as usize;
    const SIGN_SHIFT: u32 = (Self::BITS - 1) % 64;
    /// [`split`] of every code, for N ≤ 8.
    const SPLIT_TABLE: [u64; 256] = split_table(if N <= 8 { N } else { 8 }, ES);

    /// A zero quire.
    ///
    /// ```
    /// use lowp::{Quire, P16};
    /// assert_eq!(Quire::<16, 2>::new().to_posit(), P16::default());
    /// ```
    #[inline]
    pub const fn new() -> Self {
        Quire {
            limbs: <<Width<N> as WidthStorage>::QuireLimbs as QuireLimbs>::ZERO,
            nar: false,
            overflow: false,
            _posit: PhantomData,
        }
    }

    /// Reset to zero (also clears NaR and overflow).
    ///
    /// ```
    /// use lowp::{Quire, P8};
    /// let mut q = Quire::<8, 2>::new();
    /// q.add_posit(P8::nar());
    /// assert!(q.is_nar());
    /// q.clear();
    /// assert!(!q.is_nar() && q.is_zero());
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        let l = Self::LIMBS;
        self.limbs.as_mut()[..l].fill(0);
        self.nar = false;
        self.overflow = false;
    }

    /// Is the quire NaR (a NaR operand was seen, or it overflowed)?
    ///
    /// ```
    /// use lowp::{Quire, P32};
    /// let mut q = Quire::<32, 2>::new();
    /// q.add_product(P32::from_f64(2.0), P32::nar());
    /// assert!(q.is_nar());
    /// assert!(q.to_posit().is_nar());
    /// ```
    #[inline]
    pub fn is_nar(&self) -> bool {
        self.nar | self.overflow
    }

    /// Did the sum leave the quire's range before any NaR operand was seen (see [`Quire`])?
    /// An overflowed quire is NaR until cleared.
    ///
    /// ```
    /// use lowp::{LowpFloat, Quire, P8E0};
    /// let maxpos = P8E0::max_value();
    /// let mut q = Quire::<8, 0>::new();
    /// q.add_product(maxpos, maxpos);
    /// for _ in 0..31 {
    ///     let twice = q.clone();
    ///     q.add_quire(&twice); // doubling: 2^31 · maxpos² after 31 steps
    /// }
    /// assert!(q.is_overflowed() && q.is_nar());
    /// ```
    #[inline]
    pub fn is_overflowed(&self) -> bool {
        self.overflow
    }

    /// Is the (exact) sum zero? False for a NaR quire.
    ///
    /// ```
    /// use lowp::{Quire, P16};
    /// let x = P16::from_f64(0.3);
    /// let mut q = Quire::<16, 2>::new();
    /// q.add_posit(x);
    /// assert!(!q.is_zero());
    /// q.sub_posit(x);
    /// assert!(q.is_zero());
    /// ```
    #[inline]
    pub fn is_zero(&self) -> bool {
        !self.is_nar() && self.limbs.as_ref()[..Self::LIMBS].iter().all(|&x| x == 0)
    }

    /// Add a posit exactly.
    ///
    /// ```
    /// use lowp::{Quire, P8};
    /// let mut q = Quire::<8, 2>::new();
    /// for _ in 0..1000 {
    ///     q.add_posit(P8::from_f64(1.0));
    /// }
    /// assert_eq!(q.to_posit(), P8::from_f64(1000.0)); // rounded once (1024)
    /// ```
    #[inline]
    pub fn add_posit(&mut self, p: Posit<N, ES>) {
        self.posit_term(p, false);
    }

    /// Subtract a posit exactly.
    ///
    /// ```
    /// use lowp::{Quire, P16};
    /// let mut q = Quire::<16, 2>::new();
    /// q.sub_posit(P16::from_f64(2.5));
    /// assert_eq!(q.to_posit(), P16::from_f64(-2.5));
    /// ```
    #[inline]
    pub fn sub_posit(&mut self, p: Posit<N, ES>) {
        self.posit_term(p, true);
    }

    /// Add the exact product `a · b` (the standard's fused multiply-add into the quire).
    ///
    /// ```
    /// use lowp::{Quire, P32};
    /// let x = P32::from_f64(1.0 + 1.0 / 8388608.0); // 1 + 2^-23
    /// let mut q = Quire::<32, 2>::new();
    /// q.add_product(x, x);                 // 1 + 2^-22 + 2^-46, exactly
    /// q.sub_posit(P32::from_f64(1.0));
    /// assert_eq!(q.to_exact().to_f64(), 1.0 / 4194304.0 + 1.0 / 70368744177664.0);
    /// assert_eq!(q.to_posit().to_f64(), 1.0 / 4194304.0); // 2^-46 is below its last bit
    /// ```
    #[inline(always)]
    pub fn add_product(&mut self, a: Posit<N, ES>, b: Posit<N, ES>) {
        self.product_term(a, b, false);
    }

    /// Subtract the exact product `a · b`.
    ///
    /// ```
    /// use lowp::{Quire, P16};
    /// let mut q = Quire::<16, 2>::new();
    /// q.sub_product(P16::from_f64(3.0), P16::from_f64(-0.5));
    /// assert_eq!(q.to_posit(), P16::from_f64(1.5));
    /// ```
    #[inline(always)]
    pub fn sub_product(&mut self, a: Posit<N, ES>, b: Posit<N, ES>) {
        self.product_term(a, b, true);
    }

    /// Add every product `a[i] · b[i]` exactly; an error (and the quire unchanged) if the
    /// lengths differ.
    ///
    /// ```
    /// use lowp::{DotError, Quire, P16};
    /// let a = [P16::from_f64(1.5), P16::from_f64(-2.0)];
    /// let b = [P16::from_f64(4.0), P16::from_f64(0.25)];
    /// let mut q = Quire::<16, 2>::new();
    /// q.add_dot(&a, &b).unwrap();
    /// assert_eq!(q.to_posit(), P16::from_f64(5.5));
    /// assert_eq!(q.add_dot(&a, &b[..1]), Err(DotError::LengthMismatch { left: 2, right: 1 }));
    /// ```
    pub fn add_dot(&mut self, a: &[Posit<N, ES>], b: &[Posit<N, ES>]) -> Result<(), DotError> {
        if a.len() != b.len() {
            return Err(DotError::LengthMismatch { left: a.len(), right: b.len() });
        }
        if a.len() < 16 {
            for (&x, &y) in a.iter().zip(b) {
                self.product_term(x, y, false);
            }
            return Ok(());
        }
        // Longer inputs in chunks of at most 2^30 products: the positive and the negative
        // products of a chunk are summed apart as magnitudes (plain additions, a carry out of
        // the two limbs a product covers is rare and never a long borrow chain), and their
        // difference is added to the quire once per chunk. Each of the two sums stays at most
        // 2^30 · 2^4M < 2^(Q − 1) quire units (every product is at most maxpos² = 2^4M units),
        // so everything is exact and the quire's range is checked when the chunk is added, as
        // for one partial sum (see `Quire`).
        for (a, b) in a.chunks(1 << 30).zip(b.chunks(1 << 30)) {
            let mut parts = [<<Width<N> as WidthStorage>::QuireLimbs as QuireLimbs>::ZERO; 2];
            let mut nar = false;
            for (&x, &y) in a.iter().zip(b) {
                let (ca, cb): (u64, u64) = (x.to_bits().into(), y.to_bits().into());
                let sign = 1u64 << (N - 1);
                if ca & !sign == 0 || cb & !sign == 0 {
                    nar |= ca == sign || cb == sign;
                    continue;
                }
                if N > 32 {
                    let (neg, p, off) = Self::product64(ca, cb);
                    let limbs = &mut parts[neg as usize];
                    let (lo, hi) = (p as u64, (p >> 64) as u64);
                    if lo != 0 {
                        Self::add_magnitude(limbs, lo, off);
                    }
                    if hi != 0 {
                        Self::add_magnitude(limbs, hi, off + 64);
                    }
                    continue;
                }
                let (na, sa, ea) = Self::split(ca);
                let (nb, sb, eb) = Self::split(cb);
                let p = sa as u64 * sb as u64;
                Self::add_magnitude(&mut parts[(na ^ nb) as usize], p, ea + eb - 62 + Self::FRAC_BITS);
            }
            let mut chunk = Self::new();
            chunk.limbs = parts[0];
            let neg = Quire { limbs: parts[1], nar: false, overflow: false, _posit: PhantomData };
            chunk.quire_term(&neg, true);
            chunk.nar = nar;
            self.quire_term(&chunk, false);
        }
        Ok(())
    }

    /// Add `p · 2^off` quire units (`p` nonzero, `off ≥ −62`) to a non-negative sum of
    /// magnitudes kept in `limbs` (which stays below 2^(Q − 1) units: no range check).
    #[inline(always)]
    fn add_magnitude(limbs: &mut <Width<N> as WidthStorage>::QuireLimbs, p: u64, off: i32) {
        debug_assert!(p != 0 && off + Self::BASE >= 0);
        limbs.add_magnitude(Self::LIMBS, p, (off + Self::BASE) as u32);
    }

    /// The exact product of two posit codes (neither 0 nor NaR) of N > 32 bits as
    /// `(neg, p, off)`: `p · 2^off` quire units with `off ≥ 0` (the 128-bit product of the
    /// two significands, shifted down to the quire's unit bit when it starts below it: the
    /// bits shifted out are zeros, as every product is a multiple of minpos²).
    #[inline(always)]
    fn product64(ca: u64, cb: u64) -> (bool, u128, i32) {
        let (na, sa, ea) = split64(ca, N, ES);
        let (nb, sb, eb) = split64(cb, N, ES);
        // (sa · sb) · 2^(ea + eb − 126), exact in 128 bits; bit 0 lands at ≥ −126.
        let p = sa as u128 * sb as u128;
        let off = ea + eb - 126 + Self::FRAC_BITS;
        let sh = (-off).max(0) as u32;
        debug_assert!(sh < 128 && p & ((1u128 << sh) - 1) == 0);
        (na ^ nb, p >> sh, off + sh as i32)
    }

    /// Add another quire exactly (NaR if either is NaR).
    ///
    /// ```
    /// use lowp::{Quire, P16};
    /// let mut a = Quire::<16, 2>::new();
    /// let mut b = Quire::<16, 2>::new();
    /// a.add_posit(P16::from_f64(1e6));
    /// b.sub_posit(P16::from_f64(1e6));
    /// b.add_product(P16::from_f64(0.0009765625), P16::from_f64(0.0009765625)); // 2^-20
    /// a.add_quire(&b);
    /// assert_eq!(a.to_posit(), P16::from_f64(0.00000095367431640625));
    /// ```
    pub fn add_quire(&mut self, other: &Self) {
        self.quire_term(other, false);
    }

    /// Subtract another quire exactly (NaR if either is NaR).
    ///
    /// ```
    /// use lowp::{Quire, P8};
    /// let mut a = Quire::<8, 2>::from(P8::from_f64(3.0));
    /// a.sub_quire(&Quire::from(P8::from_f64(1.0)));
    /// assert_eq!(a.to_posit(), P8::from_f64(2.0));
    /// ```
    pub fn sub_quire(&mut self, other: &Self) {
        self.quire_term(other, true);
    }

    /// Negate the sum (exact, except that −2^31·maxpos², the most negative value, overflows; a
    /// NaR quire stays NaR).
    ///
    /// ```
    /// use lowp::{Quire, P32};
    /// let mut q = Quire::<32, 2>::from(P32::from_f64(0.1));
    /// q.negate();
    /// assert_eq!(q.to_posit(), -P32::from_f64(0.1));
    /// ```
    pub fn negate(&mut self) {
        self.limbs.negate(Self::LIMBS);
        // Only −2^(Q−1) has no negation in range.
        self.check_range();
    }

    /// Round the sum to a posit once: nearest, ties to even on the bit string (never to 0 or
    /// NaR for a nonzero sum: saturates at ±maxpos, ±minpos). NaR for a NaR or overflowed
    /// quire.
    ///
    /// ```
    /// use lowp::{LowpFloat, Quire, P8};
    /// let mut q = Quire::<8, 2>::new();
    /// q.add_product(P8::min_positive(), P8::min_positive()); // minpos², exact in the quire
    /// assert_eq!(q.to_posit(), P8::min_positive());           // rounds up to minpos, never 0
    /// ```
    #[inline]
    pub fn to_posit(&self) -> Posit<N, ES> {
        self.to_posit_with(Rounding::NearestEven)
    }

    /// Round the sum to a posit once under `rounding` (on the bit string, as every posit
    /// conversion of the crate; nonzero sums never round to 0 or NaR).
    ///
    /// ```
    /// use lowp::{Quire, Rounding, P8};
    /// let q = Quire::<8, 2>::from(P8::from_f64(1.0));
    /// let mut r = q.clone();
    /// r.add_product(P8::from_f64(0.015625), P8::from_f64(0.015625)); // 1 + 2^-12
    /// assert_eq!(r.to_posit_with(Rounding::NearestEven), P8::from_f64(1.0));
    /// assert_eq!(r.to_posit_with(Rounding::Up), P8::from_f64(1.125));
    /// ```
    pub fn to_posit_with(&self, rounding: Rounding) -> Posit<N, ES> {
        if self.is_nar() {
            return Posit::nar();
        }
        <Posit<N, ES> as LowpFloat>::round_exact(self.to_exact(), rounding, Overflow::Saturating)
    }

    /// The sum as an [`Exact`]: its top 64 significant bits and a sticky flag for the rest
    /// (enough to round it correctly into any format of up to 62 bits, e.g. `f64`);
    /// [`Exact::Nan`] for a NaR or overflowed quire.
    ///
    /// ```
    /// use lowp::{Exact, Quire, P16};
    /// let mut q = Quire::<16, 2>::new();
    /// q.add_product(P16::from_f64(1.0 / 3.0), P16::from_f64(3.0));
    /// assert_eq!(q.to_exact().to_f64(), 1.0001220703125); // 0.333374… · 3, exactly
    /// assert_eq!(Quire::<16, 2>::new().to_exact(), Exact::Zero { neg: false });
    /// ```
    pub fn to_exact(&self) -> Exact {
        if self.is_nar() {
            return Exact::Nan;
        }
        self.limbs.to_exact(Self::LIMBS, -Self::FRAC_BITS - Self::BASE)
    }

    /// `(neg, sig, scale)` of a posit code that is neither 0 nor NaR (see [`split`]): from a
    /// table for N ≤ 8, computed otherwise.
    #[inline(always)]
    fn split(code: u64) -> (bool, u32, i32) {
        if N <= 8 {
            let t = Self::SPLIT_TABLE[code as usize & 0xff];
            (t >> 48 != 0, t as u32, (t >> 32) as u16 as i16 as i32)
        } else {
            split(code, N, ES)
        }
    }

    #[inline(always)]
    fn posit_term(&mut self, p: Posit<N, ES>, negate: bool) {
        let c: u64 = p.to_bits().into();
        let sign = 1u64 << (N - 1);
        if c & !sign == 0 {
            // 0 or NaR.
            self.nar |= c != 0;
            return;
        }
        if N > 32 {
            let (neg, sig, scale) = split64(c, N, ES);
            // sig · 2^(scale − 63) with scale ≥ −M: bit 0 of sig lands at ≥ M − 63 ≥ −32.
            return self.add_at(neg ^ negate, sig, scale - 63 + Self::FRAC_BITS);
        }
        let (neg, sig, scale) = Self::split(c);
        // sig · 2^(scale − 31) with scale ≥ −M: bit 0 of sig lands at ≥ M − 31.
        self.add_at(neg ^ negate, sig as u64, scale - 31 + Self::FRAC_BITS)
    }

    #[inline(always)]
    fn product_term(&mut self, a: Posit<N, ES>, b: Posit<N, ES>, negate: bool) {
        let (ca, cb): (u64, u64) = (a.to_bits().into(), b.to_bits().into());
        let sign = 1u64 << (N - 1);
        if ca & !sign == 0 || cb & !sign == 0 {
            // A zero or a NaR operand (rare: one branch for both).
            self.nar |= ca == sign || cb == sign;
            return;
        }
        if N > 32 {
            // Two halves: the high one ends below bit 4M + 2 (the product is at most maxpos²,
            // and starts at bit ≥ 126 of `p` when `off > 0`), so its second limb is in use.
            let (neg, p, off) = Self::product64(ca, cb);
            let neg = neg ^ negate;
            let (lo, hi) = (p as u64, (p >> 64) as u64);
            let mut j = 0;
            if lo != 0 {
                j = self.limbs.add_at(Self::LIMBS, neg, lo, (off + Self::BASE) as u32);
            }
            if hi != 0 {
                j = j.max(self.limbs.add_at(Self::LIMBS, neg, hi, (off + 64 + Self::BASE) as u32));
            }
            if j > Self::SIGN_LIMB {
                self.check_range();
            }
            return;
        }
        let (na, sa, ea) = Self::split(ca);
        let (nb, sb, eb) = Self::split(cb);
        // (sa · sb) · 2^(ea + eb − 62), exact in 64 bits; bit 0 lands at ≥ −62.
        let p = sa as u64 * sb as u64;
        self.add_at(na ^ nb ^ negate, p, ea + eb - 62 + Self::FRAC_BITS)
    }

    /// Add (or subtract, `neg`) `p · 2^off` quire units (`p` nonzero, `off ≥ −62`), touching
    /// only the two limbs it covers and those a carry or borrow reaches.
    #[inline(always)]
    fn add_at(&mut self, neg: bool, p: u64, off: i32) {
        debug_assert!(p != 0 && off + Self::BASE >= 0);
        // Terms end below bit 4M + 2 < Q, so limb i + 1 is in use.
        let j = self.limbs.add_at(Self::LIMBS, neg, p, (off + Self::BASE) as u32);
        // Limbs up to j − 1 changed: only a change at or above the sign limb can leave the range.
        if j > Self::SIGN_LIMB {
            self.check_range();
        }
    }

    fn quire_term(&mut self, other: &Self, negate: bool) {
        // NaR and overflow: the first one wins.
        self.overflow |= other.overflow && !self.nar;
        self.nar |= other.nar;
        // Both in range (or flagged already) and the limbs one bit wider than Q at least: the sum is exact here.
        self.limbs.add_limbs(&other.limbs, Self::LIMBS, negate);
        self.check_range();
    }

    /// Overflow unless the limbs hold a `Q`-bit two's-complement value (all bits from the sign
    /// bit up equal). A NaR quire does not become overflowed: the first of the two wins.
    #[inline(always)]
    fn check_range(&mut self) {
        let (l, s, sh) = (Self::LIMBS, Self::SIGN_LIMB, Self::SIGN_SHIFT);
        // The sign limb is the top limb or the one below it (then the top is all sign).
        debug_assert!(s == l - 1 || s == l - 2);
        let limbs = self.limbs.as_ref();
        let top = limbs[l - 1];
        let ext = ((top as i64) >> 63) as u64;
        let in_range = ((limbs[s] ^ ext) >> sh == 0) & (s == l - 1 || top == ext);
        self.overflow |= !in_range & !self.nar;
    }
}

impl<const N: u32, const ES: u32> Default for Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    /// A zero quire.
    ///
    /// ```
    /// use lowp::Quire;
    /// assert!(Quire::<16, 1>::default().is_zero());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: u32, const ES: u32> Clone for Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    fn clone(&self) -> Self {
        Quire { limbs: self.limbs, nar: self.nar, overflow: self.overflow, _posit: PhantomData }
    }
}

impl<const N: u32, const ES: u32> PartialEq for Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    /// Equal sums (all NaR quires are equal, all overflowed ones too).
    fn eq(&self, other: &Self) -> bool {
        (self.is_nar(), self.overflow) == (other.is_nar(), other.overflow)
            && (self.is_nar() || self.limbs.as_ref()[..Self::LIMBS] == other.limbs.as_ref()[..Self::LIMBS])
    }
}
impl<const N: u32, const ES: u32> Eq for Quire<N, ES> where Width<N>: WidthStorage {}

impl<const N: u32, const ES: u32> From<Posit<N, ES>> for Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    /// A quire holding one posit exactly.
    ///
    /// ```
    /// use lowp::{Quire, P32};
    /// let x = P32::from_f64(-7.25);
    /// assert_eq!(Quire::from(x).to_posit(), x);
    /// ```
    fn from(p: Posit<N, ES>) -> Self {
        let mut q = Self::new();
        q.add_posit(p);
        q
    }
}

impl<const N: u32, const ES: u32> fmt::Debug for Quire<N, ES>
where
    Width<N>: WidthStorage,
{
    /// `Quire<N,ES>(0x…)`: the `Q`-bit two's-complement pattern in hex, or `NaR` / `overflow`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quire<{N},{ES}>(")?;
        // Overflow is only ever set first (before any NaR).
        match (self.overflow, self.nar) {
            (true, _) => f.write_str("overflow")?,
            (false, true) => f.write_str("NaR")?,
            (false, false) => {
                // Q bits: the sign limb's low bits, then the whole limbs below it.
                let top_bits = Self::SIGN_SHIFT + 1;
                let limbs = self.limbs.as_ref();
                let top = limbs[Self::SIGN_LIMB] & (u64::MAX >> (64 - top_bits));
                write!(f, "0x{:0w$x}", top, w = top_bits.div_ceil(4) as usize)?;
                for x in limbs[1..Self::SIGN_LIMB].iter().rev() {
                    write!(f, "_{x:016x}")?;
                }
            }
        }
        f.write_str(")")
    }
}

/// Why a quire-fused dot product could not be formed.
///
/// ```
/// use lowp::{dot, DotError, P16};
/// let a = [P16::from_f64(1.0); 3];
/// let e = dot(&a, &a[..2]).unwrap_err();
/// assert_eq!(e, DotError::LengthMismatch { left: 3, right: 2 });
/// assert_eq!(e.to_string(), "dot product of slices of different lengths (3 and 2)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DotError {
    /// The two slices have different lengths.
    LengthMismatch {
        /// Length of the first slice.
        left: usize,
        /// Length of the second slice.
        right: usize,
    },
}

impl fmt::Display for DotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DotError::LengthMismatch { left, right } => {
                write!(f, "dot product of slices of different lengths ({left} and {right})")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DotError {}

/// The quire-fused dot product `Σ a[i] · b[i]`: every product and the sum exact, rounded to a
/// posit once (nearest-even on the bit string). NaR if any element is NaR (or, past 2^31 − 1
/// products of maxpos² magnitude, if the quire overflows); an error, never a panic, if the
/// lengths differ.
///
/// ```
/// use lowp::{dot, LowpFloat, P32};
/// let a: Vec<P32> = [1e8, 1.0, -1e8].iter().map(|&x| P32::from_f64(x)).collect();
/// let b: Vec<P32> = [1e8, 1.0, 1e8].iter().map(|&x| P32::from_f64(x)).collect();
/// assert_eq!(dot(&a, &b).unwrap().to_f64(), 1.0);
/// assert!(dot(&a, &b[..1]).is_err());
/// ```
pub fn dot<const N: u32, const ES: u32>(a: &[Posit<N, ES>], b: &[Posit<N, ES>]) -> Result<Posit<N, ES>, DotError>
where
    Width<N>: WidthStorage,
{
    let mut q = Quire::new();
    q.add_dot(a, b)?;
    Ok(q.to_posit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_unpack<const N: u32, const ES: u32>()
    where
        Width<N>: WidthStorage,
    {
        for c in 0..(1u64 << N.min(16)) {
            let c = if N > 16 { c.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - N) } else { c };
            if c & !(1 << (N - 1)) == 0 {
                continue; // 0 and NaR are handled before splitting
            }
            let p = Posit::<N, ES>::from_bits(<Width<N> as WidthStorage>::Bits::from_u64(c));
            let want = p.to_exact();
            for (neg, sig, scale) in [Quire::<N, ES>::split(c), split(c, N, ES)] {
                let got = Exact::Finite { neg, sig: sig as u64, exp: scale - 31, sticky: false };
                assert_eq!(got.to_f64().to_bits(), want.to_f64().to_bits(), "posit<{N},{ES}> code {c:#x}");
            }
        }
    }

    use super::super::PositBits;

    #[test]
    fn unpack_matches_decode() {
        check_unpack::<2, 0>();
        check_unpack::<3, 4>();
        check_unpack::<8, 0>();
        check_unpack::<8, 2>();
        check_unpack::<8, 4>();
        check_unpack::<12, 1>();
        check_unpack::<16, 2>();
        check_unpack::<32, 2>();
        check_unpack::<32, 4>();
    }

    #[test]
    fn sizes() {
        assert_eq!(Quire::<8, 2>::LIMBS, 4);
        assert_eq!(Quire::<32, 2>::LIMBS, 10);
        assert_eq!(Quire::<32, 4>::LIMBS, 32);
        assert_eq!(Quire::<2, 0>::LIMBS, 2);
        assert_eq!(Quire::<32, 4>::BITS, 1952);
        assert_eq!(Quire::<64, 2>::LIMBS, 18);
        assert_eq!(Quire::<64, 2>::BITS, 1024);
        assert_eq!(Quire::<64, 4>::LIMBS, 64);
        assert_eq!(Quire::<64, 4>::BITS, 4000);
        assert_eq!(Quire::<33, 0>::LIMBS, 4);
        assert_eq!(core::mem::size_of::<Quire<32, 2>>(), core::mem::size_of::<Quire<32, 4>>());
        assert!(core::mem::size_of::<Quire<32, 4>>() <= 32 * 8 + 8);
    }
}
