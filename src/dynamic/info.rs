//! What a format is ([`FormatInfo`]: widths, bias, range, specials) and how a code splits into
//! bit fields ([`Field`]).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::errors::CodeError;
use super::registry::{Encoding, FormatId, PositFormat};
use crate::round::{IeeeLayout, Specials};

/// The characteristics of a format, as reported by [`FormatId::info`].
///
/// For the sign-magnitude binary formats `exp_bits`, `man_bits` and `bias` are the fields of
/// the encoding. For posits (`posit` is set) `exp_bits` is ES, `man_bits` the widest fraction
/// (`N - 3 - ES`, next to 1), `bias` 0, `max` maxpos and both `min_normal` and `min_subnormal`
/// minpos; NaR counts as the NaN. Values are exact.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let i = FormatId::Float8E4M3FN.info();
/// assert_eq!((i.bits, i.exp_bits, i.man_bits, i.bias), (8, 4, 3, 7));
/// assert_eq!((i.max, i.min_normal, i.min_subnormal, i.epsilon), (448.0, 0.015625, 0.001953125, 0.125));
/// assert!(i.has_nan && !i.has_inf && i.has_neg_zero);
/// assert_eq!(i.specials, "no Inf; NaN = 0x7f, 0xff");
/// let p = FormatId::POSIT8.info();
/// assert_eq!((p.bits, p.exp_bits, p.man_bits, p.max, p.min_normal), (8, 2, 3, 16777216.0, 1.0 / 16777216.0));
/// assert!(p.has_nan && !p.has_inf && !p.has_neg_zero && p.posit.is_some());
/// assert_eq!(p.specials, "no Inf, no -0; NaR = 0x80");
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FormatInfo {
    /// The canonical name ([`FormatId::name`]).
    pub name: &'static str,
    /// Encoding width in bits.
    pub bits: u32,
    /// Exponent field width.
    pub exp_bits: u32,
    /// Stored mantissa (fraction) field width.
    pub man_bits: u32,
    /// Exponent bias.
    pub bias: i32,
    /// Has a sign bit.
    pub signed: bool,
    /// Exponent field 0 encodes subnormals.
    pub has_subnormals: bool,
    /// Largest finite value.
    pub max: f64,
    /// Smallest positive normal value.
    pub min_normal: f64,
    /// Smallest positive value (equal to `min_normal` without subnormals).
    pub min_subnormal: f64,
    /// Distance from 1.0 to the next larger value.
    pub epsilon: f64,
    /// Has ±∞.
    pub has_inf: bool,
    /// Has NaN.
    pub has_nan: bool,
    /// Has a distinct −0.
    pub has_neg_zero: bool,
    /// The special values in words, with their codes (e.g. `no Inf; NaN = 0x7f, 0xff`).
    pub specials: String,
    /// The posit parameters, for a posit.
    pub posit: Option<PositFormat>,
}

/// One bit field of an encoded value (see [`FormatId::fields`]). `Display` writes the bits in
/// binary, most significant first, `width` digits.
///
/// ```
/// use lowp::dynamic::FormatId;
/// let f = FormatId::Float8E4M3FN.fields(0x7e)?;
/// let text: Vec<String> = f.iter().map(|x| format!("{}={}", x.name, x)).collect();
/// assert_eq!(text, ["sign=0", "exponent=1111", "mantissa=110"]);
/// # Ok::<(), lowp::dynamic::CodeError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// `sign`, `exponent` or `mantissa`; for posits `sign`, `regime`, `exponent` or `fraction`.
    pub name: &'static str,
    /// Width in bits (at least 1).
    pub width: u32,
    /// The field's bits.
    pub value: u64,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:0w$b}", self.value, w = self.width as usize)
    }
}

impl FormatId {
    /// The format's characteristics.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// let i = FormatId::Float8E5M2.info();
    /// assert_eq!((i.exp_bits, i.man_bits, i.bias, i.max), (5, 2, 15, 57344.0));
    /// assert!(i.has_inf);
    /// assert_eq!(FormatId::Float8E8M0FNU.info().specials, "unsigned, no zero, no Inf; NaN = 0xff");
    /// ```
    pub fn info(self) -> FormatInfo {
        let c = self.backend().constants();
        match self.encoding() {
            Encoding::Ieee(l) => FormatInfo {
                name: self.name(),
                bits: self.bits(),
                exp_bits: l.exp_bits,
                man_bits: l.man_bits,
                bias: l.bias,
                signed: l.signed,
                has_subnormals: l.subnormals,
                max: c.max,
                min_normal: c.min_normal,
                min_subnormal: c.min_subnormal,
                epsilon: c.epsilon,
                has_inf: c.has_inf,
                has_nan: c.has_nan,
                has_neg_zero: l.has_neg_zero(),
                specials: self.specials_text(&l),
                posit: None,
            },
            Encoding::Posit(p) => FormatInfo {
                name: self.name(),
                bits: p.n(),
                exp_bits: p.es(),
                man_bits: p.n().saturating_sub(3 + p.es()),
                bias: 0,
                signed: true,
                has_subnormals: false,
                max: c.max,
                min_normal: c.min_normal,
                min_subnormal: c.min_subnormal,
                epsilon: c.epsilon,
                has_inf: false,
                has_nan: true,
                has_neg_zero: false,
                specials: format!("no Inf, no -0; NaR = {}", self.hex(p.nar_code())),
                posit: Some(p),
            },
        }
    }

    fn specials_text(self, l: &IeeeLayout) -> String {
        let h = |c: u64| self.hex(c);
        match l.specials {
            Specials::IeeeInfNan => {
                let inf = l.inf_code().unwrap_or(0);
                let s = l.sign_bit();
                format!(
                    "+/-Inf = {}, {}; NaN = {}..{}, {}..{}",
                    h(inf),
                    h(s | inf),
                    h(inf + 1),
                    h(l.mag_mask()),
                    h(s | (inf + 1)),
                    h(s | l.mag_mask())
                )
            }
            Specials::NanAllOnes => {
                format!("no Inf; NaN = {}, {}", h(l.mag_mask()), h(l.sign_bit() | l.mag_mask()))
            }
            Specials::NanNegZero => format!("no Inf, no -0; NaN = {} (the -0 code)", h(l.sign_bit())),
            Specials::NanTop => format!("unsigned, no zero, no Inf; NaN = {}", h(l.mag_mask())),
            Specials::None => String::from("no Inf, no NaN (overflow saturates)"),
        }
    }

    /// The bit fields of a code, most significant first (`sign` where the format is signed,
    /// `exponent`, and `mantissa` where it has mantissa bits).
    ///
    /// Posits: `sign` (the code's top bit), then the fields of the magnitude — the code itself
    /// when positive, its two's complement when negative: `regime` (the run of equal bits and
    /// the opposite bit ending it, when there is room for one), `exponent` (the exponent bits
    /// left, fewer than ES where the regime pushes the rest off the end: the missing low bits
    /// are 0) and `fraction`, each only where it has at least one bit. Zero and NaR have no
    /// regime: their n-1 zero bits after the sign are given as one `regime` field.
    ///
    /// ```
    /// use lowp::dynamic::FormatId;
    /// let f = FormatId::Float8E8M0FNU.fields(0x7f)?;
    /// assert_eq!(f.len(), 1);
    /// assert_eq!((f[0].name, f[0].to_string()), ("exponent", "01111111".to_string()));
    /// // posit8 (es 2): 0x0d = 0|0001|10|1 = 16^-3 · 2^2 · 1.5; -0x0d = 0xf3 has the same fields.
    /// let show = |c| -> Vec<String> {
    ///     FormatId::POSIT8.fields(c).unwrap().iter().map(|x| format!("{}={}", x.name, x)).collect()
    /// };
    /// assert_eq!(show(0x0d), ["sign=0", "regime=0001", "exponent=10", "fraction=1"]);
    /// assert_eq!(show(0xf3), ["sign=1", "regime=0001", "exponent=10", "fraction=1"]);
    /// assert_eq!(show(0x7d), ["sign=0", "regime=111110", "exponent=1"]); // one exponent bit left
    /// assert_eq!(show(0x7f), ["sign=0", "regime=1111111"]); // maxpos: the regime fills the word
    /// # Ok::<(), lowp::dynamic::CodeError>(())
    /// ```
    pub fn fields(self, code: u64) -> Result<Vec<Field>, CodeError> {
        let code = self.check(code)?;
        let l = match self.encoding() {
            Encoding::Ieee(l) => l,
            Encoding::Posit(p) => return Ok(posit_fields(p, code)),
        };
        let mut v = Vec::with_capacity(3);
        if l.signed {
            v.push(Field { name: "sign", width: 1, value: code >> (l.exp_bits + l.man_bits) & 1 });
        }
        v.push(Field { name: "exponent", width: l.exp_bits, value: (code >> l.man_bits) & ((1u64 << l.exp_bits) - 1) });
        if l.man_bits > 0 {
            v.push(Field { name: "mantissa", width: l.man_bits, value: code & ((1u64 << l.man_bits) - 1) });
        }
        Ok(v)
    }
}

/// The fields of a posit code (see [`FormatId::fields`]).
fn posit_fields(p: PositFormat, code: u64) -> Vec<Field> {
    let n = p.n();
    let mut v = Vec::with_capacity(4);
    let sign = code >> (n - 1) & 1;
    v.push(Field { name: "sign", width: 1, value: sign });
    let mag = if sign == 1 { code.wrapping_neg() } else { code };
    let body_len = n - 1;
    let body = mag & ((1u64 << body_len) - 1);
    if body == 0 {
        // Zero, NaR.
        v.push(Field { name: "regime", width: body_len, value: 0 });
        return v;
    }
    let top = body << (64 - body_len);
    let first = top >> 63;
    let run = if first == 1 { top.leading_ones() } else { top.leading_zeros() }.min(body_len);
    let rlen = (run + 1).min(body_len);
    let rest = body_len - rlen;
    v.push(Field { name: "regime", width: rlen, value: body >> rest });
    let elen = p.es().min(rest);
    let flen = rest - elen;
    if elen > 0 {
        v.push(Field { name: "exponent", width: elen, value: (body >> flen) & ((1u64 << elen) - 1) });
    }
    if flen > 0 {
        v.push(Field { name: "fraction", width: flen, value: body & ((1u64 << flen) - 1) });
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Overflow, Rounding};

    /// Every posit: fields read back to the value; decode/encode round trip; ±maxpos, minpos.
    #[test]
    fn posit_fields_and_round_trip() {
        for n in 2..=32u32 {
            for es in 0..=4u32 {
                let id = FormatId::posit(n, es).unwrap();
                let p = id.as_posit().unwrap();
                let step = if n > 12 { (1u64 << (n - 12)) + 1 } else { 1 };
                for c in id.codes().step_by(step as usize).chain([id.max_code()]) {
                    let f = id.fields(c).unwrap();
                    assert_eq!(f.iter().map(|x| x.width).sum::<u32>(), n, "{id} {c:#x}");
                    assert!(f.iter().all(|x| x.width >= 1 && x.value < 1 << x.width));
                    let v = id.decode(c).unwrap();
                    if c == p.nar_code() {
                        assert!(v.is_nan());
                        continue;
                    }
                    assert_eq!(id.encode(v, Rounding::NearestEven, Overflow::NonSaturating), c, "{id} {c:#x}");
                    if c == 0 {
                        continue;
                    }
                    // useed^k · 2^e · 1.f
                    let get = |name| f.iter().find(|x| x.name == name).copied();
                    let r = get("regime").unwrap();
                    let first = r.value >> (r.width - 1);
                    let run = if first == 1 {
                        (!r.value & ((1 << r.width) - 1)).leading_zeros() - (64 - r.width)
                    } else {
                        r.value.leading_zeros() - (64 - r.width)
                    };
                    let k = if first == 1 { run as i32 - 1 } else { -(run as i32) };
                    let e = get("exponent").map_or(0, |x| x.value << (es - x.width));
                    let (fv, fw) = get("fraction").map_or((0, 0), |x| (x.value, x.width));
                    let mag = (1.0 + fv as f64 / (1u64 << fw) as f64) * 2f64.powi((k << es) + e as i32);
                    let s = if get("sign").unwrap().value == 1 { -1.0 } else { 1.0 };
                    assert_eq!(s * mag, v, "{id} {c:#x} {f:?}");
                }
                let i = id.info();
                assert_eq!(i.max, 2f64.powi(p.max_scale()), "{id}");
                assert_eq!(i.min_normal, 2f64.powi(-p.max_scale()), "{id}");
            }
        }
    }
}
