//! Every digit of an `f64`: [`exact_decimal`], the `String` face of [`crate::decimal`]'s exact
//! printer (what `lowp decode --exact` and `explain` print).

use alloc::string::String;

use crate::exact::Exact;

/// The exact decimal expansion of an `f64` (every finite `f64` is a dyadic rational, so the
/// expansion is finite): no exponent, no rounding. `nan`, `inf`, `-inf` for the specials; `-0`
/// keeps its sign.
///
/// ```
/// use lowp::dynamic::exact_decimal;
/// assert_eq!(exact_decimal(0.1015625), "0.1015625");
/// assert_eq!(exact_decimal(0.1), "0.1000000000000000055511151231257827021181583404541015625");
/// assert_eq!(exact_decimal(-57344.0), "-57344");
/// assert_eq!(exact_decimal(2f64.powi(70)), "1180591620717411303424");
/// assert_eq!(exact_decimal(-0.0), "-0");
/// assert_eq!(exact_decimal(f64::NAN), "nan");
/// ```
pub fn exact_decimal(x: f64) -> String {
    if x.is_nan() {
        return String::from("nan");
    }
    if x.is_infinite() {
        return String::from(if x < 0.0 { "-inf" } else { "inf" });
    }
    let mut out = String::from(if x.is_sign_negative() { "-" } else { "" });
    match Exact::from_f64(x) {
        // Every finite f64 is in the range of the exact printer: it never fails.
        Exact::Finite { sig, exp, .. } => {
            let _ = crate::decimal::write_exact(sig, exp, &mut out);
        }
        _ => out.push('0'),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_decimal_small_and_large() {
        assert_eq!(exact_decimal(2f64.powi(-10)), "0.0009765625");
        assert_eq!(exact_decimal(f64::from_bits(1)).len(), 2 + 1073 + 1); // 0. + zeros + 5 ends
        assert!(exact_decimal(f64::from_bits(1)).ends_with("5"));
        assert_eq!(exact_decimal(f64::MAX).len(), 309);
        assert_eq!(exact_decimal(1.5), "1.5");
        assert_eq!(exact_decimal(1e21), "1000000000000000000000");
        assert_eq!(exact_decimal(0.0), "0");
        assert_eq!(exact_decimal(f64::NEG_INFINITY), "-inf");
        assert_eq!(exact_decimal(f32::MAX as f64), "340282346638528859811704183484516925440");
    }
}
