//! The oracle's encoder: exact real (or MPFR approximation + error direction) -> code.
//!
//! Written from SEMANTICS.md "Rounding an exact real x into a format", step by step:
//!
//! 1. the grid is the sorted table of finite values, extended by one virtual point above the
//!    maximum ([`RefFormat::grid`]);
//! 2. `|x|` is located on that grid by binary search with exact comparisons (giving its two
//!    neighbours, a [`Bracket`]; an `f64` estimate of `|x|` may first narrow the search to a
//!    window of the table, but only once exact comparisons have confirmed that window), and
//!    then the mode picks the lower or upper neighbour
//!    (nearest-even compares with the exact midpoint, ties go to the even magnitude code;
//!    stochastic compares with the exact threshold `lo + r * (hi - lo) / 2^32`, which is
//!    `frac * 2^32 > r` rearranged); [`RefFormat::round_each`] does the search once for
//!    several modes;
//! 3. overflow is decided after rounding (landing on or above the virtual point);
//! 4. sign of zero, fnuz, E8M0 and NaN-less rules are applied last, explicitly.
//!
//! Step 2 has a second implementation without a table, the *direct* encoder (the only one
//! `float32` uses, and available for every format with a zero and mantissa bits through
//! [`RefFormat::round_direct`] so that it can be cross-checked against the table): the
//! binade `2^k <= |x| < 2^(k+1)` and then the two neighbours `n*q <= |x| < (n+1)*q`
//! (`q` = the quantum of the binade) are found by exact comparisons; an exact estimate of
//! `|x|` only supplies the starting guesses, so a wrong guess costs time, never correctness.
//!
//! All comparisons go through a [`MagCmp`] closure giving the sign of `|exact| - t`; for an
//! exact rational that is a plain comparison, for an MPFR approximation it is the exact
//! comparison of the approximation, with ties broken by the known direction of its error.

use core::cmp::Ordering;

use std::borrow::Cow;

use rug::{Float, Integer, Rational};

use super::{pow2, Encoder, MagCmp, RefFormat, RefValue};
use crate::{Overflow, Rounding};

/// Where the magnitude lands after rounding to the extended grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Landing {
    /// On zero.
    Zero,
    /// On the finite nonzero value with this (positive, magnitude) code.
    Code(u32),
    /// On the virtual point above the maximum, or beyond it: the rounded magnitude is larger
    /// than the largest finite value.
    Overflow,
}

/// Whether mode `r` rounds toward zero for a value of this sign (SEMANTICS rule 3).
fn rounds_toward_zero(r: Rounding, neg: bool) -> bool {
    match r {
        Rounding::TowardZero => true,
        Rounding::Down => !neg,
        Rounding::Up => neg,
        Rounding::NearestEven | Rounding::Stochastic(_) => false,
    }
}

/// One neighbour of an inexact magnitude on the extended grid.
#[derive(Debug)]
struct Neighbour<'a> {
    /// Its value.
    value: Cow<'a, Rational>,
    /// Its magnitude code (`max_code + 1` for the virtual point), for the tie rule.
    code: u32,
    /// Where a magnitude rounded to it lands.
    landing: Landing,
}

/// A positive magnitude located on the extended grid: the mode-independent part of rounding.
#[derive(Debug)]
enum Bracket<'a> {
    /// Every mode gives the same landing: `|x|` is a grid point, at or beyond the virtual
    /// point above the maximum, or (E8M0) below the smallest value.
    Fixed(Landing),
    /// `lo < |x| < hi`, two neighbouring grid points, with their exact midpoint.
    Between { lo: Neighbour<'a>, hi: Neighbour<'a>, mid: Cow<'a, Rational> },
}

/// The decision between the two neighbours `lo < |x| < hi` of an inexact magnitude, common to
/// both encoders: `true` for `hi`. `cmp` gives the sign of `|x| - t`; `neg` is the sign of
/// `x` (for Up / Down).
///
/// `no_fraction` is set for formats without stored significand bits (E8M0): there every value
/// is a power of two, the implicit leading 1 is the last digit, and a tie goes to the larger
/// magnitude (LLVM APFloat, PyTorch and ml_dtypes agree; SEMANTICS rule 2).
fn pick_upper(
    neg: bool,
    cmp: MagCmp<'_>,
    r: Rounding,
    lo: &Neighbour<'_>,
    hi: &Neighbour<'_>,
    mid: &Rational,
    no_fraction: bool,
) -> bool {
    match r {
        Rounding::TowardZero => false,
        Rounding::Up => !neg,
        Rounding::Down => neg,
        Rounding::NearestEven => match cmp(mid) {
            Ordering::Less => false,
            Ordering::Greater => true,
            // Tie: away from zero without fraction bits, else to the neighbour whose magnitude
            // code is even.
            Ordering::Equal if no_fraction => true,
            Ordering::Equal => {
                assert!((lo.code ^ hi.code) & 1 == 1, "neighbouring codes differ by one");
                hi.code.is_multiple_of(2)
            }
        },
        Rounding::Stochastic(rbits) => {
            // frac = (|x| - lo) / (hi - lo); result is hi iff frac * 2^32 > r,
            // i.e. iff |x| > lo + r * (hi - lo) / 2^32 (all exact).
            let step = Rational::from(&*hi.value - &*lo.value);
            let threshold: Rational = &*lo.value + step * Rational::from(rbits) * pow2(-32);
            cmp(&threshold) == Ordering::Greater
        }
    }
}

impl RefFormat {
    /// The result for a NaN input: the canonical NaN, or `+0` for formats without NaN.
    pub(crate) fn nan_result(&self) -> u32 {
        // FP6 / FP4 have no NaN: NaN -> +0, code 0 (the library's checked API reports an
        // error instead).
        self.canonical_nan().unwrap_or(0)
    }

    /// The code of `±max finite`.
    fn max_code_signed(&self, neg: bool) -> u32 {
        self.apply_sign(self.max_finite_code(), neg)
    }

    /// The result for an infinite *input* ("Special inputs" in SEMANTICS.md). This is not
    /// overflow: the rounding mode plays no part.
    fn inf_input_result(&self, neg: bool, o: Overflow) -> u32 {
        if !self.is_signed() && neg {
            // E8M0: every negative input, -inf included, is NaN.
            return self.nan_result();
        }
        match o {
            Overflow::Saturating => self.max_code_signed(neg),
            Overflow::NonSaturating => {
                if let Some(c) = self.inf_code(neg) {
                    c
                } else if self.has_nan() {
                    self.nan_result()
                } else {
                    self.max_code_signed(neg)
                }
            }
        }
    }

    /// The result of an overflowing rounding (SEMANTICS rule 3).
    fn overflow_result(&self, neg: bool, r: Rounding, o: Overflow) -> u32 {
        match o {
            Overflow::Saturating => self.max_code_signed(neg),
            Overflow::NonSaturating => {
                if rounds_toward_zero(r, neg) {
                    self.max_code_signed(neg)
                } else if let Some(c) = self.inf_code(neg) {
                    c
                } else if self.has_nan() {
                    self.nan_result()
                } else {
                    self.max_code_signed(neg)
                }
            }
        }
    }

    /// The code of a signed zero (SEMANTICS rule 4; E8M0, which has no zero, gives NaN by
    /// rule 5).
    fn zero_result(&self, neg: bool) -> u32 {
        match self.zero_code(neg) {
            Some(c) => c,
            None => self.nan_result(),
        }
    }

    /// Locates a positive magnitude (known only through `cmp`, the sign of `|x| - t`) on the
    /// extended grid. `hint`, if given, is an exact estimate of `|x|` for the direct
    /// encoder's starting guesses.
    fn bracket(&self, cmp: MagCmp<'_>, hint: Option<&Rational>, enc: Encoder) -> Bracket<'_> {
        match enc {
            Encoder::Table => self.bracket_table(cmp, hint),
            Encoder::Direct => self.bracket_direct(cmp, hint),
        }
    }

    /// [`RefFormat::bracket`] by binary search in the sorted table. `hint` (an estimate of
    /// `|x|`) only narrows the range searched, after exact comparisons confirm the narrower
    /// range.
    fn bracket_table(&self, cmp: MagCmp<'_>, hint: Option<&Rational>) -> Bracket<'_> {
        let grid = self.grid();
        // Index of the virtual point above max.
        let last = grid.len() - 1;
        let landing = |i: usize| {
            if i == last {
                Landing::Overflow
            } else if grid[i].0 == 0 {
                Landing::Zero
            } else {
                Landing::Code(grid[i].1)
            }
        };
        // At or beyond the virtual point: the rounded magnitude is > max whatever the mode.
        if cmp(&grid[last].0) != Ordering::Less {
            return Bracket::Fixed(Landing::Overflow);
        }
        // E8M0 (no zero): 0 < |x| < 2^-127 gives 2^-127 under every mode (rule 5).
        if !self.has_zero() && cmp(&grid[0].0) == Ordering::Less {
            return Bracket::Fixed(landing(0));
        }
        // Invariant: grid[lo] <= |x| < grid[hi], established by exact comparisons. Initially
        // lo = 0 (grid[0] is 0 or, for E8M0, checked just above) and hi = last.
        let (mut lo, mut hi) = (0, last);
        if let Some(a) = hint {
            // Narrowing (saves time only, in particular cache misses on the big 16-bit
            // tables): the f64 estimate of |x| points into the table; the window of grid
            // points around it is then confirmed, or not used, by exact comparisons.
            // (numerator / denominator in f64: cheaper than an exactly rounded conversion,
            // and NaN / inf for huge operands, which merely makes the window miss.)
            let estimate = a.numer().to_f64() / a.denom().to_f64();
            let k = self.grid_keys().partition_point(|&g| g <= estimate);
            let (i0, i1) = (k.saturating_sub(2), k + 1);
            if lo < i0 && i0 < hi && cmp(&grid[i0].0) != Ordering::Less {
                lo = i0;
            }
            if lo < i1 && i1 < hi && cmp(&grid[i1].0) == Ordering::Less {
                hi = i1;
            }
        }
        // Binary search for the number of grid points g with g <= |x|: all of grid[..=lo]
        // and none of grid[hi..], so 1 <= count <= last.
        let count = lo + 1 + grid[lo + 1..hi].partition_point(|(g, _)| cmp(g) != Ordering::Less);
        let lo = count - 1;
        if cmp(&grid[lo].0) == Ordering::Equal {
            // Exactly on the grid: no rounding in any mode (stochastic never moves it).
            return Bracket::Fixed(landing(lo));
        }
        let hi = lo + 1;
        let neighbour = |i: usize| Neighbour { value: Cow::Borrowed(&grid[i].0), code: grid[i].1, landing: landing(i) };
        Bracket::Between { lo: neighbour(lo), hi: neighbour(hi), mid: Cow::Borrowed(&self.midpoints()[lo]) }
    }

    /// The (positive) code of the grid point `n * 2^(e - man_bits)` for `emin <= e`,
    /// `0 <= n <= 2^(man_bits + 1)` (`n < 2^man_bits` only with `e = emin`: subnormals and
    /// zero), from the IEEE field layout; `n = 2^(man_bits + 1)` is the first point of the
    /// next binade. Also valid one code above the maximum (the virtual grid point, whose
    /// code is `max_code + 1`).
    fn direct_code(&self, e: i32, n: &Integer) -> u32 {
        let m = self.man_bits();
        let n = n.to_u32().expect("n fits in u32");
        let (e, n) = if n == 1u32 << (m + 1) { (e + 1, 1u32 << m) } else { (e, n) };
        if n < (1u32 << m) {
            assert_eq!(e, 1 - self.bias(), "{}: subnormal outside the lowest binade", self.name());
            n // exponent field 0
        } else {
            let field = u32::try_from(e + self.bias()).expect("exponent field >= 1");
            let code = (field << m) | (n - (1u32 << m));
            // Past the maximum only the virtual point (whose exponent field may even overflow
            // into the sign bit, as in the fnuz formats: the table gives it max_code + 1 too).
            assert!(code <= self.max_finite_code() + 1, "{}: code beyond the virtual point", self.name());
            code
        }
    }

    /// [`RefFormat::bracket`] without a table (see [`RefFormat::round_direct`]).
    fn bracket_direct(&self, cmp: MagCmp<'_>, hint: Option<&Rational>) -> Bracket<'_> {
        assert!(
            self.has_zero() && self.is_signed() && self.man_bits() > 0,
            "{}: the direct encoder needs a zero and mantissa bits",
            self.name()
        );
        let m = self.man_bits() as i32;
        let emin = 1 - self.bias();
        let virt = self.virtual_above_max();
        // At or beyond the virtual point: the rounded magnitude is > max whatever the mode.
        if cmp(virt) != Ordering::Less {
            return Bracket::Fixed(Landing::Overflow);
        }
        // 1. The binade exponent e = max(emin, floor(log2 |x|)): 2^e <= |x| < 2^(e+1) when
        //    |x| >= 2^emin, else e = emin (subnormal range, |x| < 2^emin).
        //    |x| < virt <= 2^(e_top + 1), e_top the exponent of the binade of max.
        let e_top = self.fields(self.max_finite_code()).1 as i32 - self.bias();
        assert!(*virt <= pow2(e_top + 1));
        let e = if cmp(&pow2(emin)) == Ordering::Less {
            emin
        } else {
            // Start from the estimate (numerator and denominator bit lengths give
            // floor(log2) to within one), then walk until 2^k <= |x| < 2^(k+1) holds.
            let mut k = match hint {
                Some(a) if *a > 0 => {
                    let bits = |z: &Integer| i64::from(z.significant_bits());
                    let guess = bits(a.numer()) - bits(a.denom());
                    guess.clamp(i64::from(emin), i64::from(e_top)) as i32
                }
                _ => emin,
            };
            loop {
                if cmp(&pow2(k)) == Ordering::Less {
                    k -= 1; // 2^k > |x|
                } else if cmp(&pow2(k + 1)) != Ordering::Less {
                    k += 1; // 2^(k+1) <= |x|
                } else {
                    break;
                }
                assert!(emin <= k && k <= e_top, "{}: binade out of range", self.name());
            }
            k
        };
        // 2. The quantum q of the binade and n with n*q <= |x| < (n+1)*q: 0 <= n < 2^(m+1)
        //    since |x| < 2^(e+1) = 2^(m+1) * q.
        let q = pow2(e - m);
        let n_max = Integer::from(1u32) << (m as u32 + 1);
        let mut n = match hint {
            // floor(|x| / q), clamped into range.
            Some(a) => Rational::from(a / &q).floor().numer().clone().clamp(&Integer::new(), &n_max),
            None => Integer::new(),
        };
        let point = |n: &Integer| Rational::from(n.clone()) * &q;
        loop {
            if cmp(&point(&n)) == Ordering::Less {
                n -= 1u32; // n*q > |x|
            } else if cmp(&point(&Integer::from(&n + 1u32))) != Ordering::Less {
                n += 1u32; // (n+1)*q <= |x|
            } else {
                break;
            }
            assert!(n >= 0 && n < n_max, "{}: n out of its range", self.name());
        }
        let neighbour = |n: Integer| {
            let value = point(&n);
            let code = self.direct_code(e, &n);
            let landing = if value == 0 {
                Landing::Zero
            } else if value > *self.max_finite() {
                Landing::Overflow
            } else {
                // The construction of the code is checked against the field decoder.
                assert_eq!(self.decode(code), RefValue::Num(value.clone()), "{}: direct code {code:#x}", self.name());
                Landing::Code(code)
            };
            Neighbour { value: Cow::Owned(value), code, landing }
        };
        // 3. Exactly on the grid: no rounding in any mode.
        if cmp(&point(&n)) == Ordering::Equal {
            return Bracket::Fixed(neighbour(n).landing);
        }
        let lo = neighbour(n.clone());
        let hi = neighbour(n + 1u32);
        let mid = Rational::from(&*lo.value + &*hi.value) / 2u32;
        Bracket::Between { lo, hi, mid: Cow::Owned(mid) }
    }

    /// Where the magnitude of a nonzero value of sign `neg` located by `bracket` lands under
    /// rounding mode `r`.
    fn land(&self, neg: bool, bracket: &Bracket<'_>, cmp: MagCmp<'_>, r: Rounding) -> Landing {
        match bracket {
            Bracket::Fixed(l) => *l,
            Bracket::Between { lo, hi, mid } => {
                if pick_upper(neg, cmp, r, lo, hi, mid, self.man_bits == 0) {
                    hi.landing
                } else {
                    lo.landing
                }
            }
        }
    }

    /// The final code of a nonzero finite value of sign `neg` whose magnitude landed on
    /// `landing` under modes `r` and `o` (overflow, zero and sign rules).
    fn finish(&self, neg: bool, landing: Landing, r: Rounding, o: Overflow) -> u32 {
        match landing {
            Landing::Overflow => self.overflow_result(neg, r, o),
            Landing::Zero => self.zero_result(neg),
            Landing::Code(code) => self.apply_sign(code, neg),
        }
    }

    /// Rounds a nonzero finite value, given its sign and the magnitude comparator, under each
    /// of `cases`.
    fn round_nonzero(
        &self,
        neg: bool,
        cmp: MagCmp<'_>,
        hint: Option<&Rational>,
        cases: &[(Rounding, Overflow)],
        enc: Encoder,
    ) -> Vec<u32> {
        if !self.is_signed() && neg {
            // E8M0: negative numbers are NaN (rule 5), nothing to locate.
            return vec![self.nan_result(); cases.len()];
        }
        let bracket = self.bracket(cmp, hint, enc);
        // The landing depends on the rounding mode only, so each mode is decided once.
        let mut decided: Vec<(Rounding, Landing)> = Vec::with_capacity(cases.len());
        cases
            .iter()
            .map(|&(r, o)| {
                let landing = match decided.iter().find(|(dr, _)| *dr == r) {
                    Some(&(_, l)) => l,
                    None => {
                        let l = self.land(neg, &bracket, cmp, r);
                        decided.push((r, l));
                        l
                    }
                };
                self.finish(neg, landing, r, o)
            })
            .collect()
    }

    /// Rounds an exact value into this format (SEMANTICS.md, all rules) and returns the code.
    ///
    /// A `RefValue::Num(0)` (not supposed to occur) is treated as `+0`.
    pub fn round(&self, x: &RefValue, r: Rounding, o: Overflow) -> u32 {
        self.round_with(x, &[(r, o)], self.encoder)[0]
    }

    /// [`RefFormat::round`] under each of several (rounding, overflow) pairs: the same
    /// results, but the neighbours of `x` are searched for only once.
    pub fn round_each(&self, x: &RefValue, cases: &[(Rounding, Overflow)]) -> Vec<u32> {
        self.round_with(x, cases, self.encoder)
    }

    /// [`RefFormat::round`] through the direct encoder (no value table; what `float32` always
    /// uses), for every format with a zero and mantissa bits (all but E8M0, which panics).
    /// Exists so that the two encoders can be cross-checked on the smaller formats.
    pub fn round_direct(&self, x: &RefValue, r: Rounding, o: Overflow) -> u32 {
        self.round_with(x, &[(r, o)], Encoder::Direct)[0]
    }

    fn round_with(&self, x: &RefValue, cases: &[(Rounding, Overflow)], enc: Encoder) -> Vec<u32> {
        match x {
            RefValue::Nan => vec![self.nan_result(); cases.len()],
            RefValue::Inf { neg } => cases.iter().map(|&(_, o)| self.inf_input_result(*neg, o)).collect(),
            RefValue::Zero { neg } => vec![self.zero_result(*neg); cases.len()],
            RefValue::Num(q) => {
                if *q == 0 {
                    return vec![self.zero_result(false); cases.len()];
                }
                let neg = *q < 0;
                let abs = Rational::from(q.abs_ref());
                let cmp = |t: &Rational| abs.cmp(t);
                self.round_nonzero(neg, &cmp, Some(&abs), cases, enc)
            }
        }
    }

    /// Rounds a value known through an MPFR approximation.
    ///
    /// `x` approximates an exact real `e`, and `inexact_dir` is the sign of `e - x`
    /// (`Equal` when `x` is exact). Note that this is the *opposite* of MPFR's ternary value,
    /// which is the sign of `x - e`: pass `ternary.reverse()`.
    ///
    /// Precondition (what makes the answer exact): no rounding threshold of this format lies
    /// strictly between `x` and `e`. That holds whenever `x` is `e` correctly rounded (any
    /// MPFR rounding mode) to a precision of at least `man_bits + 35` bits, because every
    /// threshold (grid points, midpoints, stochastic thresholds `lo + r*ulp/2^32`) is then
    /// representable at that precision. Any larger precision works the same.
    ///
    /// NaN and infinite `x` are treated as NaN / ±inf inputs. A zero `x` with a nonzero
    /// `inexact_dir` stands for a nonzero value too small to compare with any threshold,
    /// with the sign given by `inexact_dir`.
    pub fn round_float(&self, x: &Float, inexact_dir: Ordering, r: Rounding, o: Overflow) -> u32 {
        if x.is_nan() {
            return self.nan_result();
        }
        if x.is_infinite() {
            return self.inf_input_result(x.is_sign_negative(), o);
        }
        let cases = [(r, o)];
        if x.is_zero() {
            return match inexact_dir {
                Ordering::Equal => self.zero_result(x.is_sign_negative()),
                dir => {
                    let neg = dir == Ordering::Less;
                    // |e| is positive and below every positive threshold.
                    let cmp = |t: &Rational| {
                        if *t == 0 {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    };
                    self.round_nonzero(neg, &cmp, None, &cases, self.encoder)[0]
                }
            };
        }
        let neg = x.is_sign_negative();
        // The approximation exactly, as a rational (every finite MPFR number is dyadic).
        let abs_x = x.to_rational().expect("finite").abs();
        // Sign of |e| - |x|: same as e - x for positive x, reversed for negative x.
        let abs_dir = if neg { inexact_dir.reverse() } else { inexact_dir };
        let cmp = |t: &Rational| match abs_x.cmp(t) {
            Ordering::Equal => abs_dir,
            c => c,
        };
        self.round_nonzero(neg, &cmp, Some(&abs_x), &cases, self.encoder)[0]
    }

    /// Rounds an `f64` (exactly, without any intermediate format) into this format.
    pub fn from_f64(&self, x: f64, r: Rounding, o: Overflow) -> u32 {
        self.round(&RefValue::from_f64(x), r, o)
    }

    /// Converts a code of this format into `dst` with a single rounding.
    pub fn convert_to(&self, code: u32, dst: &RefFormat, r: Rounding, o: Overflow) -> u32 {
        dst.round(&self.decode(code), r, o)
    }
}
