//! The oracle's encoder: exact real (or MPFR approximation + error direction) -> code.
//!
//! Written from SEMANTICS.md "Rounding an exact real x into a format", step by step:
//!
//! 1. the grid is the sorted table of finite values, extended by one virtual point above the
//!    maximum ([`RefFormat::grid`]);
//! 2. `|x|` is located on that grid by binary search with exact comparisons, and the mode
//!    picks the lower or upper neighbour (nearest-even compares with the exact midpoint,
//!    ties go to the even magnitude code; stochastic compares with the exact threshold
//!    `lo + r * (hi - lo) / 2^32`, which is `frac * 2^32 > r` rearranged);
//! 3. overflow is decided after rounding (landing on or above the virtual point);
//! 4. sign of zero, fnuz, E8M0 and NaN-less rules are applied last, explicitly.
//!
//! All comparisons go through a [`MagCmp`] closure giving the sign of `|exact| - t`; for an
//! exact rational that is a plain comparison, for an MPFR approximation it is the exact
//! comparison of the approximation, with ties broken by the known direction of its error.

use core::cmp::Ordering;

use rug::{Float, Rational};

use super::{pow2, MagCmp, RefFormat, RefValue};
use crate::{Overflow, Rounding};

/// Where the magnitude lands after rounding to the extended grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Landing {
    /// On the grid point with this index (index 0 is `0` for formats with a zero).
    Grid(usize),
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

    /// Rounds a positive magnitude (known only through `cmp`, the sign of `|x| - t`) to the
    /// extended grid under mode `r`; `neg` is the sign of `x` (for Up / Down).
    fn round_magnitude(&self, neg: bool, cmp: MagCmp<'_>, r: Rounding) -> Landing {
        let grid = self.grid();
        // Index of the virtual point above max.
        let last = grid.len() - 1;
        // At or beyond the virtual point: the rounded magnitude is > max whatever the mode.
        if cmp(&grid[last].0) != Ordering::Less {
            return Landing::Overflow;
        }
        // E8M0 (no zero): 0 < |x| < 2^-127 gives 2^-127 under every mode (rule 5).
        if !self.has_zero() && cmp(&grid[0].0) == Ordering::Less {
            return Landing::Grid(0);
        }
        // Binary search: number of grid points g with g <= |x|. grid[0] <= |x| < grid[last]
        // here (grid[0] is 0 or, for E8M0, checked just above), so 1 <= count <= last.
        let count = grid.partition_point(|(g, _)| cmp(g) != Ordering::Less);
        let lo = count - 1;
        if cmp(&grid[lo].0) == Ordering::Equal {
            // Exactly on the grid: no rounding in any mode (stochastic never moves it).
            return Landing::Grid(lo);
        }
        let hi = lo + 1;
        let (g_lo, c_lo) = &grid[lo];
        let (g_hi, c_hi) = &grid[hi];
        let up = match r {
            Rounding::TowardZero => false,
            Rounding::Up => !neg,
            Rounding::Down => neg,
            Rounding::NearestEven => {
                let mid = Rational::from(g_lo + g_hi) / 2u32;
                match cmp(&mid) {
                    Ordering::Less => false,
                    Ordering::Greater => true,
                    // Tie: to the neighbour whose magnitude code is even.
                    Ordering::Equal => {
                        debug_assert!((c_lo ^ c_hi) & 1 == 1, "neighbouring codes differ by one");
                        c_hi % 2 == 0
                    }
                }
            }
            Rounding::Stochastic(rbits) => {
                // frac = (|x| - lo) / (hi - lo); result is hi iff frac * 2^32 > r,
                // i.e. iff |x| > lo + r * (hi - lo) / 2^32 (all exact).
                let step = Rational::from(g_hi - g_lo);
                let threshold: Rational = g_lo + step * Rational::from(rbits) * pow2(-32);
                cmp(&threshold) == Ordering::Greater
            }
        };
        let idx = if up { hi } else { lo };
        if idx == last {
            Landing::Overflow
        } else {
            Landing::Grid(idx)
        }
    }

    /// Rounds a nonzero finite value, given its sign and the magnitude comparator.
    fn round_nonzero(&self, neg: bool, cmp: MagCmp<'_>, r: Rounding, o: Overflow) -> u32 {
        if !self.is_signed() && neg {
            // E8M0: negative numbers are NaN (rule 5).
            return self.nan_result();
        }
        match self.round_magnitude(neg, cmp, r) {
            Landing::Overflow => self.overflow_result(neg, r, o),
            Landing::Grid(i) => {
                let (g, code) = &self.grid()[i];
                if *g == 0 {
                    self.zero_result(neg)
                } else {
                    self.apply_sign(*code, neg)
                }
            }
        }
    }

    /// Rounds an exact value into this format (SEMANTICS.md, all rules) and returns the code.
    ///
    /// A `RefValue::Num(0)` (not supposed to occur) is treated as `+0`.
    pub fn round(&self, x: &RefValue, r: Rounding, o: Overflow) -> u32 {
        match x {
            RefValue::Nan => self.nan_result(),
            RefValue::Inf { neg } => self.inf_input_result(*neg, o),
            RefValue::Zero { neg } => self.zero_result(*neg),
            RefValue::Num(q) => {
                if *q == 0 {
                    return self.zero_result(false);
                }
                let neg = *q < 0;
                let cmp = |t: &Rational| q.cmp_abs(t);
                self.round_nonzero(neg, &cmp, r, o)
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
                    self.round_nonzero(neg, &cmp, r, o)
                }
            };
        }
        let neg = x.is_sign_negative();
        let abs_x = x.clone().abs();
        // Sign of |e| - |x|: same as e - x for positive x, reversed for negative x.
        let abs_dir = if neg {
            inexact_dir.reverse()
        } else {
            inexact_dir
        };
        let cmp = |t: &Rational| match abs_x.partial_cmp(t) {
            Some(Ordering::Equal) | None => abs_dir,
            Some(c) => c,
        };
        self.round_nonzero(neg, &cmp, r, o)
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
