//! The posit oracle: `posit<n, es>` for `2 <= n <= 64`, `0 <= es <= 4`, written from the
//! Posit Standard (2022) and `DESIGN.md` §3, sharing no code with the library's posit type or
//! its rounding core (the only crate items it uses are the [`Rounding`] / [`Overflow`] enums
//! and the oracle's own [`RefValue`]).
//!
//! # Encoding (what [`RefPosit::decode`] reads, field by field)
//!
//! A code is the low `n` bits of a `u64`. `0` is zero, `1` followed by `n - 1` zeros is NaR
//! (Not a Real). A negative code is the two's complement (mod `2^n`) of the code of its
//! magnitude. A positive code is `0`, then the **regime** — a run of `m` identical bits
//! ended by the opposite bit or by the end of the word (`m` ones: `k = m - 1`; `m` zeros:
//! `k = -m`) — then up to `es` **exponent** bits (bits cut off by the end of the word count
//! as `0`), then the **fraction** bits `f` with a hidden `1`:
//! `value = (1 + f) * 2^(k * 2^es + e)`. So `maxpos = 2^((n - 2) * 2^es)` (code
//! `0111…1`) and `minpos = 1 / maxpos` (code `000…1`).
//!
//! # Rounding an exact real `x` (what [`RefPosit::round`] does)
//!
//! * NaN / ±∞ inputs (posits have neither) give NaR; a zero gives `0` (posits have one
//!   zero, without sign).
//! * **Saturation**, in every mode: a nonzero `x` never rounds to `0` or NaR.
//!   `|x| <= minpos` gives `±minpos`, `|x| >= maxpos` gives `±maxpos`. The [`Overflow`]
//!   argument is accepted for symmetry with [`RefFormat`](super::RefFormat) and ignored:
//!   posits always saturate.
//! * Otherwise `minpos < |x| < maxpos` and `|x|` lies between two adjacent positive codes,
//!   `value(c) <= |x| < value(c + 1)` (the positive codes are increasing in value, which the
//!   table builder checks for every `n <= 16`). The sign is applied at the end (negation is
//!   exact: two's complement of the magnitude code).
//! * `NearestEven` — the standard's rule, **round to nearest even on the bit string**: the
//!   exact value's infinite posit encoding cut after `n` bits. Because the encoding is
//!   monotone, the cut string is `c` and the tie is the string `c` followed by `1` and then
//!   zeros, whose value is that of the `(n+1)`-bit code `2c + 1` of `posit<n+1, es>`
//!   ([`RefPosit::tie_point`]). So `x` rounds to `c` below the tie, to `c + 1` above it and
//!   to the even one of `c`, `c + 1` on it. Where the regime has pushed exponent bits off the
//!   end of the word this tie is **not** the arithmetic midpoint (posit<8,2>: between
//!   `0x7E = 2^20` and `0x7F = 2^24` the tie is `2^22`, not `17 * 2^19`); with `es = 0` it
//!   always is.
//! * `TowardZero`, `Up`, `Down` — truncating the bit string is taking the largest posit
//!   `<= |x|` in value (monotone encoding), so these are plain value-space floor / ceiling,
//!   sign-aware for `Up` / `Down` (as for the minifloats).
//! * `Stochastic(r)` — **decided in value space**, exactly as the minifloat rule of
//!   `notes/SEMANTICS.md`: with `lo = value(c) < |x| < hi = value(c + 1)` and
//!   `frac = (|x| - lo) / (hi - lo)`, the result is `hi` iff `frac * 2^32 > r` (exact; an
//!   exact `|x|` never moves). This is a lowp convention (the standard defines no stochastic
//!   rounding); it is *not* the bit-string rule, so `Stochastic` is not "nearest with random
//!   ties" near the regime edges. Outside `(minpos, maxpos)` it saturates like every mode.
//!
//! The positive neighbours `c`, `c + 1` are found in one of three independent ways
//! ([`PositEncoder`]): binary search in a sorted table of all positive values and tie points
//! (`n <= 16`, the default there), a *direct* construction of the cut bit string (the
//! default for `n > 16`: `s = floor(log2 |x|)` by exact comparisons, `k = floor(s / 2^es)`,
//! `e = s mod 2^es`, regime bits, the exponent bits that fit, then the fraction field by
//! binary search — every candidate checked against the decoder), or a bisection over the code
//! space using only the decoder. The tests cross-check all three.
//!
//! # Arithmetic
//!
//! `add`, `sub`, `mul`, `mul_add` are exact on `rug::Rational` and rounded once
//! (`NearestEven`); `div` and `sqrt` go through MPFR at [`MPFR_PREC`] bits and
//! [`RefPosit::round_float`] with MPFR's ternary value. NaR in any operand gives NaR;
//! `x / 0` (including `0 / 0`) gives NaR; `sqrt` of a negative gives NaR; an exact zero
//! result is `0`; `0 / x = 0`, `sqrt(0) = 0`.
//!
//! Everything here is slow on purpose and optimised only for being obviously right.

use core::cmp::Ordering;
use core::fmt::Write as _;
use std::sync::OnceLock;

use rug::float::Round;
use rug::{Float, Integer, Rational};

use super::{pow2, RefValue};
use crate::{Overflow, Rounding};

/// Working precision of the MPFR operations (`div`, `sqrt`). Every threshold the encoder
/// compares with — posit values and tie points (at most `n - 1 <= 63` significant bits),
/// powers of two, and stochastic thresholds `lo + (hi - lo) * r / 2^32` (at most about
/// `n + 2^es + 34 <= 114` bits, the gap between neighbours being at most a factor
/// `useed = 2^(2^es)`) — is representable at this precision, which is what
/// [`RefPosit::round_float`]'s precondition asks.
pub const MPFR_PREC: u32 = 256;

/// The largest `n` whose positive values and tie points are tabulated
/// ([`PositEncoder::Table`]).
pub const TABLE_MAX_N: u32 = 16;

/// The supported widths: `2..=POSIT_MAX_N`.
pub const POSIT_MAX_N: u32 = 64;

/// The supported exponent sizes: `0..=POSIT_MAX_ES`.
pub const POSIT_MAX_ES: u32 = 4;

/// How [`RefPosit`] finds the two posits around an inexact magnitude (see the module docs).
/// All three give the same answers; they exist so that they can be cross-checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PositEncoder {
    /// Binary search in the sorted table of all positive values and tie points
    /// (`n <= 16` only; panics otherwise). The default for `n <= 16`.
    Table,
    /// Direct construction of the cut bit string (regime, exponent, fraction field) by exact
    /// comparisons. The default for `n > 16`; works for every `n`.
    Direct,
    /// Bisection over the positive codes `1..=maxpos_code`, using only the decoder and the
    /// monotonicity of the encoding. Works for every `n`.
    Bisect,
}

/// A `posit<n, es>` format as the oracle sees it: `2 <= n <= 64`, `0 <= es <= 4`.
///
/// Cheap to create and copy; the value tables of the small formats (`n <= 16`) are built
/// once per `(n, es)` on first use and shared process-wide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefPosit {
    n: u32,
    es: u32,
}

/// The fields of a positive code, as read by [`fields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fields {
    /// The regime value `k`.
    k: i32,
    /// Number of regime bits including the terminating bit (if the word has room for it).
    regime_len: u32,
    /// Number of exponent bits present in the word (`<= es`).
    exp_len: u32,
    /// The exponent field as read (`exp_len` bits, not yet shifted).
    exp_field: u32,
    /// Number of fraction bits.
    frac_len: u32,
    /// The fraction field.
    frac_field: u128,
}

/// `2^bits - 1` (for `bits <= 127`).
fn mask(bits: u32) -> u128 {
    (1u128 << bits) - 1
}

/// Reads the fields of a positive code (sign bit clear, nonzero) of width `width`, bit by bit.
fn fields(width: u32, es: u32, code: u128) -> Fields {
    debug_assert!(code != 0 && code >> (width - 1) == 0);
    let body = width - 1; // bits after the sign bit
    let bit = |i: u32| (code >> i) & 1 == 1; // i counts from the least significant bit
    let first = bit(body - 1);
    let mut m = 0;
    while m < body && bit(body - 1 - m) == first {
        m += 1;
    }
    let k = if first { m as i32 - 1 } else { -(m as i32) };
    let regime_len = if m < body { m + 1 } else { m };
    let rest = body - regime_len;
    let exp_len = es.min(rest);
    let frac_len = rest - exp_len;
    let exp_field = ((code >> frac_len) & mask(exp_len)) as u32;
    let frac_field = code & mask(frac_len);
    Fields { k, regime_len, exp_len, exp_field, frac_len, frac_field }
}

/// The exact value of a positive code of width `width` (sign bit clear, nonzero).
fn positive_value(width: u32, es: u32, code: u128) -> Rational {
    let f = fields(width, es, code);
    // Exponent bits cut off by the end of the word count as zeros.
    let e = (f.exp_field << (es - f.exp_len)) as i32;
    let scale = f.k * (1i32 << es) + e;
    // (1 + frac / 2^frac_len) * 2^scale = (2^frac_len + frac) * 2^(scale - frac_len).
    let sig = Integer::from(1u32) << f.frac_len;
    let sig = sig + Integer::from(f.frac_field);
    Rational::from(sig) * pow2(scale - f.frac_len as i32)
}

/// Decodes a code of any width `2..=65` (the oracle needs `n + 1` bits for tie points).
fn decode_raw(width: u32, es: u32, code: u128) -> RefValue {
    debug_assert!(code <= mask(width));
    let sign_bit = 1u128 << (width - 1);
    if code == 0 {
        RefValue::Zero { neg: false }
    } else if code == sign_bit {
        RefValue::Nan
    } else if code & sign_bit != 0 {
        // Two's complement: the magnitude's code is 2^width - code.
        let mag = (sign_bit << 1) - code;
        RefValue::Num(-positive_value(width, es, mag))
    } else {
        RefValue::Num(positive_value(width, es, code))
    }
}

/// Exact tables of a small format (`n <= 16`).
#[derive(Debug)]
struct Tables {
    /// `values[i]` is the value of the positive code `i + 1`, for every positive code
    /// `1..=maxpos_code`; strictly increasing (checked).
    values: Vec<(Rational, u64)>,
    /// `ties[i]` is the tie point between codes `i + 1` and `i + 2`: the value of the
    /// `(n+1)`-bit code `2(i + 1) + 1` (checked to lie strictly between them).
    ties: Vec<Rational>,
}

/// One slot per `(n, es)` with `2 <= n <= 16`.
static TABLES: [OnceLock<Tables>; ((TABLE_MAX_N - 1) * (POSIT_MAX_ES + 1)) as usize] =
    [const { OnceLock::new() }; ((TABLE_MAX_N - 1) * (POSIT_MAX_ES + 1)) as usize];

/// Where a positive magnitude lies among the positive posits.
#[derive(Debug)]
enum Bracket {
    /// Every mode gives this positive code: `|x|` is a posit, or saturates.
    Fixed(u64),
    /// `value(lo) < |x| < value(lo + 1)`, both positive codes.
    Between {
        /// The lower code.
        lo: u64,
        /// `value(lo)`.
        lo_val: Rational,
        /// `value(lo + 1)`.
        hi_val: Rational,
        /// The bit-string tie point between them (`value_{n+1}(2 lo + 1)`).
        tie: Rational,
    },
}

/// The comparison the encoder needs: the sign of `|x| - t` for a threshold `t > 0`.
type Cmp<'a> = &'a dyn Fn(&Rational) -> Ordering;

impl RefPosit {
    /// `posit<n, es>`. Panics unless `2 <= n <= 64` and `es <= 4`.
    pub fn new(n: u32, es: u32) -> RefPosit {
        assert!((2..=POSIT_MAX_N).contains(&n), "posit<{n},{es}>: n must be in 2..={POSIT_MAX_N}");
        assert!(es <= POSIT_MAX_ES, "posit<{n},{es}>: es must be in 0..={POSIT_MAX_ES}");
        RefPosit { n, es }
    }

    /// The standard (2022) posits: `posit<n, 2>`. Panics like [`RefPosit::new`].
    pub fn standard(n: u32) -> RefPosit {
        RefPosit::new(n, 2)
    }

    /// The width in bits.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// The maximum number of exponent bits.
    pub fn es(&self) -> u32 {
        self.es
    }

    /// A name for messages, e.g. `posit<8,2>`.
    pub fn name(&self) -> String {
        format!("posit<{},{}>", self.n, self.es)
    }

    /// `2^n - 1`: the mask of valid code bits.
    pub fn code_mask(&self) -> u64 {
        u64::MAX >> (64 - self.n)
    }

    /// The NaR code, `1` followed by `n - 1` zeros.
    pub fn nar(&self) -> u64 {
        1u64 << (self.n - 1)
    }

    /// The code of `maxpos`, `0111…1`.
    pub fn maxpos_code(&self) -> u64 {
        self.nar() - 1
    }

    /// The code of `minpos`, `000…1`.
    pub fn minpos_code(&self) -> u64 {
        1
    }

    /// `maxpos = 2^((n - 2) * 2^es)`, exactly.
    pub fn maxpos(&self) -> Rational {
        pow2(self.top_scale())
    }

    /// `minpos = 2^(-(n - 2) * 2^es)`, exactly.
    pub fn minpos(&self) -> Rational {
        pow2(-self.top_scale())
    }

    /// `(n - 2) * 2^es`, the binary exponent of maxpos.
    fn top_scale(&self) -> i32 {
        (self.n as i32 - 2) << self.es
    }

    /// The default encoder: [`PositEncoder::Table`] for `n <= 16`, else
    /// [`PositEncoder::Direct`].
    pub fn default_encoder(&self) -> PositEncoder {
        if self.n <= TABLE_MAX_N {
            PositEncoder::Table
        } else {
            PositEncoder::Direct
        }
    }

    fn check_code(&self, code: u64) {
        assert!(code <= self.code_mask(), "code {code:#x} out of range for {}", self.name());
    }

    /// Whether `code` is NaR. Panics if `code` has bits above `n`.
    pub fn is_nar(&self, code: u64) -> bool {
        self.check_code(code);
        code == self.nar()
    }

    /// The two's complement negation of a code (mod `2^n`): `-x` exactly; `0` and NaR map to
    /// themselves.
    pub fn negate(&self, code: u64) -> u64 {
        self.check_code(code);
        code.wrapping_neg() & self.code_mask()
    }

    /// Decodes a code into its exact value, from the bit fields: NaR is [`RefValue::Nan`],
    /// `0` is `Zero { neg: false }`, everything else [`RefValue::Num`]. Panics if `code` has
    /// bits above `n`.
    pub fn decode(&self, code: u64) -> RefValue {
        self.check_code(code);
        decode_raw(self.n, self.es, u128::from(code))
    }

    /// The exact value of a code as a rational (`0` for zero), `None` for NaR.
    pub fn value(&self, code: u64) -> Option<Rational> {
        self.decode(code).to_rational()
    }

    /// The value of a positive code `1..=maxpos_code`.
    fn pos_value(&self, code: u64) -> Rational {
        debug_assert!((1..=self.maxpos_code()).contains(&code));
        positive_value(self.n, self.es, u128::from(code))
    }

    /// The bit-string nearest-even tie point between the positive codes `c` and `c + 1`
    /// (`1 <= c < maxpos_code`): the value of the string `c` followed by a `1`, i.e. of the
    /// `(n+1)`-bit code `2c + 1` of `posit<n+1, es>`.
    pub fn tie_point(&self, c: u64) -> Rational {
        assert!(c >= 1 && c < self.maxpos_code(), "{}: tie_point({c:#x}) needs 1 <= c < maxpos_code", self.name());
        positive_value(self.n + 1, self.es, 2 * u128::from(c) + 1)
    }

    /// Compares two codes by value, as the standard orders posits: NaR equals itself and is
    /// below every real. (By the standard this is the two's complement integer order of the
    /// codes; computed here from the decoded values.)
    pub fn compare(&self, a: u64, b: u64) -> Ordering {
        match (self.value(a), self.value(b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(&y),
        }
    }

    fn tables(&self) -> &'static Tables {
        assert!(
            self.n <= TABLE_MAX_N,
            "{} has no value table (n > {TABLE_MAX_N}): use PositEncoder::Direct / Bisect",
            self.name()
        );
        let slot = ((self.n - 2) * (POSIT_MAX_ES + 1) + self.es) as usize;
        TABLES[slot].get_or_init(|| self.build_tables())
    }

    fn build_tables(&self) -> Tables {
        let values: Vec<(Rational, u64)> = (1..=self.maxpos_code()).map(|c| (self.pos_value(c), c)).collect();
        // The encoding is monotone: positive codes increase in value.
        for w in values.windows(2) {
            assert!(w[0].0 < w[1].0, "{}: values not increasing at code {:#x}", self.name(), w[1].1);
        }
        assert_eq!(values[0].0, self.minpos(), "{}: minpos", self.name());
        assert_eq!(values[values.len() - 1].0, self.maxpos(), "{}: maxpos", self.name());
        let ties: Vec<Rational> = (1..self.maxpos_code()).map(|c| self.tie_point(c)).collect();
        for (i, t) in ties.iter().enumerate() {
            assert!(
                values[i].0 < *t && *t < values[i + 1].0,
                "{}: tie point of code {:#x} not between its neighbours",
                self.name(),
                i + 1
            );
        }
        Tables { values, ties }
    }

    /// All positive values with their codes, ascending (which is also code order):
    /// `(minpos, 1)` … `(maxpos, maxpos_code)`. The negative values are their negations
    /// (codes [`RefPosit::negate`]d). Only for `n <= 16`; panics otherwise.
    pub fn values_sorted(&self) -> &'static [(Rational, u64)] {
        &self.tables().values
    }

    /// The saturating cases common to all encoders, or `None` when
    /// `minpos < |x| < maxpos`.
    fn saturate(&self, cmp: Cmp<'_>) -> Option<u64> {
        if cmp(&self.minpos()) != Ordering::Greater {
            Some(self.minpos_code())
        } else if cmp(&self.maxpos()) != Ordering::Less {
            Some(self.maxpos_code())
        } else {
            None
        }
    }

    /// The bracket for a lower neighbour `lo` found by an encoder, re-checked against the
    /// decoder: `value(lo) <= |x| < value(lo + 1)`.
    fn bracket_at(&self, cmp: Cmp<'_>, lo: u64, lo_val: Rational, tie: Option<Rational>) -> Bracket {
        assert!(lo >= 1 && lo < self.maxpos_code(), "{}: lower neighbour {lo:#x} out of range", self.name());
        debug_assert_eq!(lo_val, self.pos_value(lo));
        let at = cmp(&lo_val);
        assert!(at != Ordering::Less, "{}: encoder overshot at {lo:#x}", self.name());
        if at == Ordering::Equal {
            return Bracket::Fixed(lo);
        }
        let hi_val = self.pos_value(lo + 1);
        assert!(cmp(&hi_val) == Ordering::Less, "{}: encoder undershot at {lo:#x}", self.name());
        let tie = tie.unwrap_or_else(|| self.tie_point(lo));
        Bracket::Between { lo, lo_val, hi_val, tie }
    }

    /// Locates a positive magnitude (known through `cmp`) among the positive posits.
    fn bracket(&self, cmp: Cmp<'_>, enc: PositEncoder) -> Bracket {
        if let Some(c) = self.saturate(cmp) {
            return Bracket::Fixed(c);
        }
        match enc {
            PositEncoder::Table => {
                let t = self.tables();
                // Number of positive values <= |x|: at least 1 (minpos < |x|), less than all
                // (|x| < maxpos).
                let count = t.values.partition_point(|(v, _)| cmp(v) != Ordering::Less);
                let i = count - 1;
                self.bracket_at(cmp, t.values[i].1, t.values[i].0.clone(), t.ties.get(i).cloned())
            }
            PositEncoder::Direct => {
                let lo = self.direct_floor_code(cmp);
                self.bracket_at(cmp, lo, self.pos_value(lo), None)
            }
            PositEncoder::Bisect => {
                // Invariant: value(lo) <= |x| < value(hi).
                let (mut lo, mut hi) = (self.minpos_code(), self.maxpos_code());
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    if cmp(&self.pos_value(mid)) == Ordering::Less {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                self.bracket_at(cmp, lo, self.pos_value(lo), None)
            }
        }
    }

    /// The direct construction of the `n`-bit cut of `|x|`'s infinite encoding, for
    /// `minpos < |x| < maxpos`: the largest positive code whose value is `<= |x|`.
    fn direct_floor_code(&self, cmp: Cmp<'_>) -> u64 {
        let top = self.top_scale();
        // 1. s = floor(log2 |x|): 2^s <= |x| < 2^(s+1), with -top <= s < top.
        let (mut lo, mut hi) = (-top, top); // 2^lo <= |x| < 2^hi
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if cmp(&pow2(mid)) == Ordering::Less {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let s = lo;
        // 2. s = k * 2^es + e with 0 <= e < 2^es.
        let useed_log = 1i32 << self.es;
        let k = s.div_euclid(useed_log);
        let e = s.rem_euclid(useed_log) as u32;
        // 3. Regime bits: k >= 0: (k + 1) ones then a zero; k < 0: -k zeros then a one.
        //    -top <= s < top gives -(n - 2) <= k <= n - 3, so the regime with its
        //    terminating bit always fits in the n - 1 bits after the sign.
        let body = self.n - 1;
        let (regime, regime_len) = if k >= 0 {
            let ones = k as u32 + 1;
            (mask(ones) << 1, ones + 1)
        } else {
            (1u128, (-k) as u32 + 1)
        };
        assert!(regime_len <= body, "{}: regime of k = {k} does not fit", self.name());
        let rest = body - regime_len;
        // 4. The exponent bits that fit (the rest of e is cut off).
        let exp_len = self.es.min(rest);
        let exp_field = u128::from(e >> (self.es - exp_len));
        // 5. The fraction field: the largest F < 2^frac_len with
        //    (2^frac_len + F) * 2^(s - frac_len) <= |x| (only when every exponent bit fits;
        //    otherwise frac_len = 0 and F = 0).
        let frac_len = rest - exp_len;
        let frac = if frac_len == 0 {
            0u128
        } else {
            assert_eq!(exp_len, self.es);
            let point = |f: u128| {
                let sig = (Integer::from(1u32) << frac_len) + Integer::from(f);
                Rational::from(sig) * pow2(s - frac_len as i32)
            };
            // Invariant: point(flo) <= |x| < point(fhi).
            let (mut flo, mut fhi) = (0u128, 1u128 << frac_len);
            while fhi - flo > 1 {
                let mid = flo + (fhi - flo) / 2;
                if cmp(&point(mid)) == Ordering::Less {
                    fhi = mid;
                } else {
                    flo = mid;
                }
            }
            flo
        };
        let code = (regime << rest) | (exp_field << frac_len) | frac;
        u64::try_from(code).expect("code fits in n bits")
    }

    /// Decides between the two neighbours: `true` for the upper one.
    fn pick_upper(
        neg: bool,
        cmp: Cmp<'_>,
        r: Rounding,
        lo: u64,
        lo_val: &Rational,
        hi_val: &Rational,
        tie: &Rational,
    ) -> bool {
        match r {
            Rounding::NearestEven => match cmp(tie) {
                Ordering::Less => false,
                Ordering::Greater => true,
                // On the tie: the even code of lo, lo + 1.
                Ordering::Equal => lo % 2 == 1,
            },
            Rounding::TowardZero => false,
            Rounding::Up => !neg,
            Rounding::Down => neg,
            Rounding::Stochastic(rbits) => {
                // frac = (|x| - lo) / (hi - lo); hi iff frac * 2^32 > r, i.e. iff
                // |x| > lo + r * (hi - lo) / 2^32 (exact).
                let step = Rational::from(hi_val - lo_val);
                let threshold: Rational = lo_val.clone() + step * Rational::from(rbits) * pow2(-32);
                cmp(&threshold) == Ordering::Greater
            }
        }
    }

    /// Rounds a nonzero value of sign `neg` whose magnitude is known through `cmp`.
    fn round_nonzero(&self, neg: bool, cmp: Cmp<'_>, r: Rounding, enc: PositEncoder) -> u64 {
        let mag = match self.bracket(cmp, enc) {
            Bracket::Fixed(c) => c,
            Bracket::Between { lo, lo_val, hi_val, tie } => {
                if Self::pick_upper(neg, cmp, r, lo, &lo_val, &hi_val, &tie) {
                    lo + 1
                } else {
                    lo
                }
            }
        };
        debug_assert!((1..=self.maxpos_code()).contains(&mag));
        if neg {
            self.negate(mag)
        } else {
            mag
        }
    }

    /// Rounds an exact value into this format (see the module docs for the rules) and
    /// returns the code.
    ///
    /// NaN and ±∞ give NaR; zeros (either sign) give `0`; a nonzero value never gives `0` or
    /// NaR (it saturates to ±minpos / ±maxpos in every mode). `_o` is ignored: posits always
    /// saturate.
    pub fn round(&self, x: &RefValue, r: Rounding, _o: Overflow) -> u64 {
        self.round_using(x, r, self.default_encoder())
    }

    /// [`RefPosit::round`] through a chosen encoder (for cross-checking the three; `Table`
    /// panics for `n > 16`).
    pub fn round_using(&self, x: &RefValue, r: Rounding, enc: PositEncoder) -> u64 {
        match x {
            RefValue::Nan | RefValue::Inf { .. } => self.nar(),
            RefValue::Zero { .. } => 0,
            RefValue::Num(q) => {
                if *q == 0 {
                    return 0;
                }
                let neg = *q < 0;
                let abs = Rational::from(q.abs_ref());
                let cmp = |t: &Rational| abs.cmp(t);
                self.round_nonzero(neg, &cmp, r, enc)
            }
        }
    }

    /// Rounds a value known through an MPFR approximation, like
    /// [`RefFormat::round_float`](super::RefFormat::round_float).
    ///
    /// `x` approximates an exact real `e`, and `inexact_dir` is the sign of `e - x`
    /// (`Equal` when `x` is exact) — the opposite of MPFR's ternary value: pass
    /// `ternary.reverse()`.
    ///
    /// Precondition: no threshold of this format lies strictly between `x` and `e`. That
    /// holds when `x` is `e` correctly rounded to at least `n + 2^es + 40` bits (every
    /// threshold — posit values, tie points, powers of two, stochastic thresholds — is then
    /// representable); [`MPFR_PREC`] is enough for every format here.
    ///
    /// NaN and ±∞ `x` give NaR. A zero `x` with `Equal` gives `0`; with a nonzero
    /// `inexact_dir` it stands for a nonzero value below every threshold, giving ±minpos.
    pub fn round_float(&self, x: &Float, inexact_dir: Ordering, r: Rounding) -> u64 {
        if x.is_nan() || x.is_infinite() {
            return self.nar();
        }
        if x.is_zero() {
            return match inexact_dir {
                Ordering::Equal => 0,
                dir => {
                    let cmp = |_: &Rational| Ordering::Less;
                    self.round_nonzero(dir == Ordering::Less, &cmp, r, self.default_encoder())
                }
            };
        }
        let neg = x.is_sign_negative();
        // Every finite MPFR number is dyadic: exact conversion.
        let abs_x = x.to_rational().expect("finite").abs();
        // Sign of |e| - |x|: that of e - x for positive x, reversed for negative x.
        let abs_dir = if neg { inexact_dir.reverse() } else { inexact_dir };
        let cmp = |t: &Rational| match abs_x.cmp(t) {
            Ordering::Equal => abs_dir,
            c => c,
        };
        self.round_nonzero(neg, &cmp, r, self.default_encoder())
    }

    /// Rounds an `f64` exactly (no intermediate format): NaN and ±∞ give NaR, ±0 gives `0`.
    pub fn from_f64(&self, x: f64, r: Rounding) -> u64 {
        self.round(&RefValue::from_f64(x), r, Overflow::Saturating)
    }

    /// Converts a code of this format into `dst` with one rounding (NaR stays NaR).
    pub fn convert_to(&self, code: u64, dst: &RefPosit, r: Rounding) -> u64 {
        dst.round(&self.decode(code), r, Overflow::Saturating)
    }

    /// Rounds a code to an integer under `r`: `None` for NaR and for results outside `i64`.
    ///
    /// The rounding is on the magnitude, sign applied after (as for the minifloats):
    /// `NearestEven` ties to the even integer, `TowardZero` truncates, `Up` / `Down` are
    /// ceiling / floor, and `Stochastic(r)` rounds `|x|` up iff
    /// `(|x| - floor(|x|)) * 2^32 > r` (an integer never moves).
    pub fn to_i64(&self, code: u64, r: Rounding) -> Option<i64> {
        let q = self.value(code)?;
        let neg = q < 0;
        let a = q.abs();
        let fl = Integer::from(a.floor_ref());
        let frac = a - &fl;
        let up = if frac == 0 {
            false
        } else {
            match r {
                Rounding::NearestEven => {
                    let half = Rational::from((1, 2));
                    frac > half || (frac == half && fl.is_odd())
                }
                Rounding::TowardZero => false,
                Rounding::Up => !neg,
                Rounding::Down => neg,
                Rounding::Stochastic(rbits) => frac * pow2(32) > rbits,
            }
        };
        let mag = if up { fl + 1u32 } else { fl };
        let v = if neg { -mag } else { mag };
        v.to_i64()
    }

    fn round_op(&self, v: &RefValue) -> u64 {
        self.round(v, Rounding::NearestEven, Overflow::Saturating)
    }

    /// A finite value as an exact MPFR number (posit values have at most 62 significant
    /// bits).
    fn mpfr_operand(&self, q: &Rational) -> Float {
        let (f, dir) = Float::with_val_round(MPFR_PREC, q, Round::Nearest);
        assert_eq!(dir, Ordering::Equal, "{}: operand not exact in MPFR", self.name());
        f
    }

    /// The operands' values, or `None` if either is NaR.
    fn operands<const K: usize>(&self, codes: [u64; K]) -> Option<[Rational; K]> {
        let vals: Vec<Rational> = codes.iter().map(|&c| self.value(c)).collect::<Option<_>>()?;
        vals.try_into().ok()
    }

    /// `a + b`, rounded once (`NearestEven`); NaR if either is NaR.
    pub fn add(&self, a: u64, b: u64) -> u64 {
        match self.operands([a, b]) {
            None => self.nar(),
            Some([x, y]) => self.round_op(&RefValue::from_rational(x + y)),
        }
    }

    /// `a - b`, rounded once (`NearestEven`); NaR if either is NaR.
    pub fn sub(&self, a: u64, b: u64) -> u64 {
        match self.operands([a, b]) {
            None => self.nar(),
            Some([x, y]) => self.round_op(&RefValue::from_rational(x - y)),
        }
    }

    /// `a * b`, rounded once (`NearestEven`); NaR if either is NaR.
    pub fn mul(&self, a: u64, b: u64) -> u64 {
        match self.operands([a, b]) {
            None => self.nar(),
            Some([x, y]) => self.round_op(&RefValue::from_rational(x * y)),
        }
    }

    /// `a * b + c` with a single rounding (`NearestEven`); NaR if any operand is NaR.
    pub fn mul_add(&self, a: u64, b: u64, c: u64) -> u64 {
        match self.operands([a, b, c]) {
            None => self.nar(),
            Some([x, y, z]) => self.round_op(&RefValue::from_rational(x * y + z)),
        }
    }

    /// `a / b`, rounded once (`NearestEven`): NaR if either is NaR or `b = 0` (`0 / 0`
    /// included); `0 / b = 0`; otherwise MPFR at [`MPFR_PREC`] bits and
    /// [`RefPosit::round_float`] with MPFR's ternary value.
    pub fn div(&self, a: u64, b: u64) -> u64 {
        match self.operands([a, b]) {
            None => self.nar(),
            Some([_, y]) if y == 0 => self.nar(),
            Some([x, _]) if x == 0 => 0,
            Some([x, y]) => {
                let (fx, fy) = (self.mpfr_operand(&x), self.mpfr_operand(&y));
                let (quot, ternary) = Float::with_val_round(MPFR_PREC, &fx / &fy, Round::Nearest);
                // MPFR's ternary is sign(quot - exact); round_float wants sign(exact - quot).
                self.round_float(&quot, ternary.reverse(), Rounding::NearestEven)
            }
        }
    }

    /// `sqrt(a)`, rounded once (`NearestEven`): NaR for NaR and negative `a`; `sqrt(0) = 0`;
    /// otherwise MPFR at [`MPFR_PREC`] bits and [`RefPosit::round_float`] with MPFR's ternary
    /// value.
    pub fn sqrt(&self, a: u64) -> u64 {
        match self.value(a) {
            None => self.nar(),
            Some(x) if x < 0 => self.nar(),
            Some(x) if x == 0 => 0,
            Some(x) => {
                let mut f = self.mpfr_operand(&x);
                let ternary = f.sqrt_round(Round::Nearest);
                // MPFR's ternary is sign(f - exact); round_float wants sign(exact - f).
                self.round_float(&f, ternary.reverse(), Rounding::NearestEven)
            }
        }
    }

    /// The fields of a code as bit strings `sign|regime|exponent|fraction` (the regime with
    /// its terminating bit; fields cut off by the end of the word are empty), for a positive
    /// code.
    fn field_strings(&self, code: u64) -> String {
        let f = fields(self.n, self.es, u128::from(code));
        let bits: String = (0..self.n).rev().map(|i| if (code >> i) & 1 == 1 { '1' } else { '0' }).collect();
        let r_end = 1 + f.regime_len as usize;
        let e_end = r_end + f.exp_len as usize;
        debug_assert_eq!(e_end + f.frac_len as usize, self.n as usize);
        format!("{}|{}|{}|{}", &bits[..1], &bits[1..r_end], &bits[r_end..e_end], &bits[e_end..])
    }

    /// A one-line description of a code for failure messages: hex, the bits split as
    /// `sign|regime|exponent|fraction`, and the exact value, e.g. for posit<8,2>
    /// `0x50 (0b0|10|10|000) = 4`, `0x7f (0b0|1111111||) = 16777216`,
    /// `0x80 (0b10000000) = NaR`, and for a negative code the fields of its magnitude:
    /// `0xb0 (0b10110000 = -[0x50 0b0|10|10|000]) = -4`. Long values are printed as `2^-k` /
    /// `m*2^-k` followed by a decimal approximation.
    pub fn describe(&self, code: u64) -> String {
        let hex_width = self.n.div_ceil(4) as usize + 2;
        if code > self.code_mask() {
            return format!("{code:#x} (invalid code: {} has {} bits)", self.name(), self.n);
        }
        let raw: String = (0..self.n).rev().map(|i| if (code >> i) & 1 == 1 { '1' } else { '0' }).collect();
        let mut out = format!("{code:#0hex_width$x} (0b");
        let value = self.decode(code);
        match &value {
            RefValue::Nan => {
                let _ = write!(out, "{raw}) = NaR");
                return out;
            }
            RefValue::Zero { .. } => {
                let _ = write!(out, "{raw}) = 0");
                return out;
            }
            RefValue::Num(q) if *q < 0 => {
                let m = self.negate(code);
                let _ = write!(out, "{raw} = -[{m:#0hex_width$x} 0b{}])", self.field_strings(m));
            }
            RefValue::Num(_) => {
                let _ = write!(out, "{})", self.field_strings(code));
            }
            RefValue::Inf { .. } => unreachable!("posits have no infinity"),
        }
        let mut text = value.to_string();
        if let RefValue::Num(q) = &value {
            if text.contains('^') {
                let _ = write!(text, " (~{:.8e})", q.to_f64());
            }
        }
        let _ = write!(out, " = {text}");
        out
    }
}
